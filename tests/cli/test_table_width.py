"""CLI tables at 80 columns: nothing cut inside a word, no header ellipsised, nothing wider
than the terminal (detente.cli.tables)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli_runner import run_detente
from detente.cli.tables import MODEL_ABBREVIATIONS, fit_table, print_table, wrap_cell
from detente.models import available
from detente.scenarios import load_bundled


def _console(width: int = 80) -> Console:
    return Console(file=io.StringIO(), width=width, force_terminal=False, color_system=None)


def _printed(table: Table, width: int = 80, **kw) -> str:
    c = _console(width)
    os.environ["COLUMNS"] = str(width)  # lay out for this width (also for a file)
    try:
        print_table(table, console=c, **kw)
    finally:
        del os.environ["COLUMNS"]
    return c.file.getvalue()  # type: ignore[attr-defined]


def test_wrap_breaks_only_at_spaces_and_after_underscores():
    t = wrap_cell(Text("regime_change_assurances"), 15)
    assert t.plain.split("\n") == ["regime_change_", "assurances"]
    t = wrap_cell(Text("European allies (EU/NATO Europe)"), 16)
    assert t.plain.split("\n") == ["European allies", "(EU/NATO Europe)"]
    # a piece wider than the column keeps a line of its own, never cut
    assert wrap_cell(Text("interference x"), 5).plain.split("\n") == ["interference", "x"]
    # a mark stays with the word before it: no line holds a lone "/"
    assert wrap_cell(Text("+130.2 / −50.8 ✓"), 8).plain.split("\n") == ["+130.2 /", "−50.8 ✓"]
    # styles survive the wrap
    styled = wrap_cell(Text.from_markup("[bold]european_allies[/bold]"), 10)
    assert styled.plain == "european_\nallies" and styled.spans


def _wide_model_table() -> Table:
    t = Table(title="forecast")
    t.add_column("issue")
    for m in available():
        t.add_column(m, justify="right")
    for iss in load_bundled("us-russia-reset").issue_ids:
        t.add_row(iss, *["12.5" for _ in available()])
    return t


def test_model_headers_abbreviated_with_a_legend():
    out = _printed(_wide_model_table())
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    assert "…" not in out
    for m in available():
        short = MODEL_ABBREVIATIONS.get(m, m)
        assert re.search(rf"\b{re.escape(short)}\b", out), m
        if short != m:
            assert f"{short} = {m}" in " ".join(out.split())
    # issue ids whole, or broken after an underscore only
    words = set(re.findall(r"[a-z]+_?", out))
    assert {"european_", "election_"} & words or "election_interference" in out


def test_a_table_that_fits_is_left_alone():
    t = Table("a", "compromise")
    t.add_row("x", "1.0")
    out = _printed(t)
    assert "compromise" in out and "=" not in out


def test_long_text_pivots_to_one_block_per_row():
    t = Table(title="actors")
    for col in ("id", "name", "source", "rationale"):
        t.add_column(col)
    t.add_row("european_allies", "European allies", "cinc " * 30, "A long reason. " * 30)
    t.add_row("russia", "Russia", "cinc", "")
    out = _printed(t)
    lines = out.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert any(line.startswith("id ") and "european_allies" in line for line in lines)
    assert any(line.startswith("rationale ") for line in lines)
    # an empty cell is not listed in the long layout
    block = out.split("russia")[-1]
    assert "rationale" not in block


def test_columns_empty_everywhere_are_dropped_when_space_is_short():
    t = Table(title="runs")
    for col in ("run", "scenario", "note", "graded"):
        t.add_column(col)
    t.add_row("a" * 30, "b" * 30, "", "")
    out = _printed(t, width=72)
    assert "graded" not in out and "a" * 30 in out and "b" * 30 in out


def test_non_text_cells_are_left_to_rich():
    inner = Table("x")
    t = Table("a", "b")
    t.add_row("x" * 70, inner)
    fitted, legend = fit_table(t, _console(), 80)
    assert fitted is t and legend == ""


def test_file_output_without_columns_is_as_wide_as_the_table(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    c = _console(80)
    t = _wide_model_table()
    print_table(t, console=c)
    out = c.file.getvalue()  # type: ignore[attr-defined]
    assert "expected_utility" in out and "EU =" not in out
    assert c.width == 80  # restored


# ----------------------------------------------------------------------------- commands
def _run(*args: str, columns: int = 80) -> str:
    proc = run_detente(*args, columns=columns, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _run80(*args: str) -> str:
    return _run(*args, columns=80)


COMMANDS = [
    ("run", "us-russia-reset", "--no-record"),
    ("scenarios", "list"),
    ("scenarios", "show", "us-russia-reset"),
    ("models",),
    ("what-it-takes", "us-russia-reset", "-t", "syria <= 70", "--no-record"),
    ("agree", "us-russia-reset", "--no-record"),
    ("ensemble", "us-russia-reset", "--draws", "100", "-t", "syria <= 70", "--no-record"),
]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z0-9]+", text) if not w.isdigit()}  # timings vary


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_command_tables_readable_at_80_columns(args):
    out = _run80(*args)
    lines = [line for line in out.splitlines() if line.strip()]
    too_wide = [line for line in lines if len(line.rstrip()) > 80]
    # free-text notes of the models (the terminal wraps them) are not tables
    assert not [line for line in too_wide if re.search(r"[│┃]|  \S", line)], too_wide
    assert "…" not in out
    # a word cut inside leaves fragments the same output on a wide terminal never shows
    wide = _words(_run(*args, columns=400)) | set(MODEL_ABBREVIATIONS.values())
    assert _words(out) - wide == set()


def test_run_at_80_columns_abbreviates_models_with_a_legend():
    out = _run80("run", "us-russia-reset", "--no-record")
    head = next(line for line in out.splitlines() if line.strip().startswith("issue"))
    assert head.split()[:4] == ["issue", "ref.", "comp", "med"]
    flat = " ".join(out.split())
    assert "comp = compromise" in flat and "EU = expected_utility" in flat
    assert flat.count("comp = compromise") == 1  # one legend for the tables that share it
    assert "regime_change_assurances" in out or "regime_change_" in out


def test_what_it_takes_says_why_at_80_columns():
    out = _run80(
        "what-it-takes",
        "us-russia-reset",
        "-t",
        "sanctions <= 30",
        "--movable",
        "russia:position",
        "--no-record",
    )
    flat = " ".join(out.split())
    assert "russia's sanctions position is already 0: moving it cannot lower the outcome" in flat
    assert "sanctions is frozen at its status quo 60 while minsk < 90" in flat
    out = _run80("what-it-takes", "us-russia-reset", "-t", "eastern_europe_sphere <= 30")
    assert "already met: compromise forecasts eastern_europe_sphere at 24.0 <= 30" in out


def test_scenarios_show_lists_the_capabilities_that_differ_by_issue():
    out = _run80("scenarios", "show", "us-russia-reset")
    sc = load_bundled("us-russia-reset")
    section = out.split("capability on an issue where it differs")[1].split("issues")[0]
    differ = [
        st
        for st in sc.stances
        if st.capability is not None and st.capability != sc.actor(st.actor).capability
    ]
    assert differ
    rows = [line for line in section.splitlines() if "│" in line and "actor" not in line]
    assert len(rows) == len(differ)
    assert re.search(r"russia\s+│\s+western_hemisphere\s+│\s+0\.01\s+│\s+0\.03647", section)
    assert "000 000" not in out  # a location that names its source is not doubled


def test_boxed_table_loses_its_column_rules_before_wrapping():
    t = Table(title="boxed")  # rules between the columns
    for k in range(6):
        t.add_column(f"column {k}")
    t.add_row(*[f"value_{k}_is_long" for k in range(6)])
    out = _printed(t)
    assert "│" not in out and "┃" not in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80


def test_pipe_without_columns_gets_pipe_width(monkeypatch):
    from detente.cli.tables import PIPE_WIDTH

    monkeypatch.delenv("COLUMNS", raising=False)
    t = Table(title="long")
    t.add_column("id")
    t.add_column("text")
    t.add_row("a", "word " * 100)
    c = _console(80)
    print_table(t, console=c)
    lines = c.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert max(len(line.rstrip()) for line in lines) <= PIPE_WIDTH
    assert max(len(line.rstrip()) for line in lines) > 80


@pytest.mark.parametrize("width", [4, 8, 12, 20])
def test_a_terminal_narrower_than_the_words_still_prints_at_once(width):
    """Below the width of the longest words the long layout cannot fit either: the table is
    printed folded (before, the long layout was laid out long again without end)."""
    t = Table("issue", "description", "compromise")
    t.add_row("election_interference", "Russian interference in U.S. elections", "75.0")
    t.add_row("regime_change_assurances", "assurances against regime change", "25.0")
    out = _printed(t, width=width)
    lines = out.rstrip("\n").split("\n")
    assert len(lines) > 4 and all(len(line) <= width for line in lines), out


@pytest.mark.parametrize("command", [["scenarios", "show", "us-russia-reset"], ["models"]])
def test_commands_at_a_very_narrow_terminal(command):
    env = {**os.environ, "COLUMNS": "10", "DETENTE_HOME": os.environ["DETENTE_HOME"]}
    res = subprocess.run(
        [sys.executable, "-m", "detente", *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
