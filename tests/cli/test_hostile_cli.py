"""Hostile input through the command line: one ``error:`` line and exit status 2 (never a
traceback), or a finite result; no output ever replaces an input file."""

from __future__ import annotations

import json
import os

import pytest

YAML = """\
id: t
actors:
  - {id: alpha, capability: 1}
  - {id: beta, capability: 2}
issues:
  - {id: trade, reference: 50}
stances:
  - {actor: alpha, issue: trade, position: 10, salience: 0.5}
  - {actor: beta, issue: trade, position: 90, salience: 0.5}
"""
HUGE = "1e308"
FILES = {
    "yaml": ("h.yaml", YAML.replace("capability: 2", f"capability: {HUGE}")),
    "csv": (
        "h.csv",
        f"actor,issue,position,salience,capability\nalpha,trade,10,0.5,1\nbeta,trade,90,0.5,{HUGE}\n",
    ),
    "bdm": ("h_bdm.csv", f"Actor,Capability,Position,Salience\nalpha,1,{HUGE},50\nbeta,2,90,60\n"),
    "decide": (
        "h_decide.csv",
        "#A\talpha\tAlpha\n#A\tbeta\tBeta\n#P\ttrade\tTrade\n#M\ttrade\t0\tnone\n"
        f"#M\ttrade\t100\tall\n#D\talpha\ttrade\t10\t0.5\t1\n#D\tbeta\ttrade\t90\t0.9\t{HUGE}\n",
    ),
    "ktab": (
        "h_ktab.csv",
        "Case,A small case, 2, 1,\nActor,Description,Influence,Trade Position,Trade Salience,\n"
        f"alpha,Alpha,{HUGE},20,30,\nbeta,Beta,5,60,70,\n",
    ),
}


def _one_error_line(code: int, err: str) -> str:
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "in.yaml"
    path.write_text(YAML, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- magnitudes
@pytest.mark.parametrize("fmt", sorted(FILES))
def test_run_refuses_huge_numbers_in_every_format(cli, tmp_path, fmt):
    name, text = FILES[fmt]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = cli("run", str(path), "--model", "compromise")
    line = _one_error_line(code, err)
    assert str(path) in line and "1e+308" in line and "allowed:" in line
    assert out == ""


@pytest.mark.parametrize(
    "args",
    [
        ("ensemble", "{yaml}", "--draws", "20", "--json"),
        ("ensemble", "{csv}", "--draws", "20", "--json"),
        ("what-it-takes", "{yaml}", "--target", "trade <= 30", "--json"),
        ("what-it-takes", "{csv}", "--target", "trade <= 30"),
        ("agree", "{yaml}", "--json"),
    ],
)
def test_analyses_refuse_huge_numbers(cli, tmp_path, args):
    paths = {}
    for fmt in ("yaml", "csv"):
        name, text = FILES[fmt]
        paths[fmt] = tmp_path / name
        paths[fmt].write_text(text, encoding="utf-8")
    code, out, err = cli(*(a.format(**paths) for a in args))
    line = _one_error_line(code, err)
    assert "capability 1e+308 is above the limit of 1e+15" in line
    assert out == ""


def test_limits_give_finite_json(cli, tmp_path):
    """At the limits (scale of +-1e9, capabilities 1e15 beside 0) the JSON is finite."""
    path = tmp_path / "edge.yaml"
    path.write_text(
        YAML.replace("capability: 1}", "capability: 1e15}")
        .replace("capability: 2}", "capability: 0}")
        .replace("reference: 50}", "reference: 0, scale: {low: -1e9, high: 1e9}}")
        .replace("position: 10,", "position: -1e9,")
        .replace("position: 90,", "position: 1e9,"),
        encoding="utf-8",
    )
    code, out, err = cli("run", str(path), "--json")
    assert code == 0, err
    data = json.loads(out)  # strict: json.loads would accept NaN, so look for it too
    assert "NaN" not in out and "Infinity" not in out
    assert data


def test_boolean_position_is_an_error(cli, tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(YAML.replace("position: 10", "position: true"), encoding="utf-8")
    line = _one_error_line(*cli("run", str(path))[::2])
    assert "position must be a number, got the boolean true" in line and "line 8" in line


# ----------------------------------------------------------------------------- usage
def test_negative_budget_is_a_usage_error(cli):
    code, out, err = cli(
        "what-it-takes", "us-russia-reset", "-t", "sanctions <= 30", "--budget", "-3"
    )
    assert code == 2 and "Traceback" not in err
    assert "--budget" in err and out == ""


@pytest.mark.parametrize("command", ["what-it-takes", "reset", "report"])
def test_negative_seed_is_a_usage_error(cli, scenario, tmp_path, command):
    args = ["--target", "trade <= 30"] if command == "what-it-takes" else []
    if command == "report":
        args = ["-o", str(tmp_path / "r.html")]
    code, out, err = cli(command, str(scenario), *args, "--seed", "-1")
    assert code == 2 and "Traceback" not in err
    assert "--seed" in err and out == ""


def test_report_unknown_party_like_agree(cli, scenario, tmp_path):
    out_html = tmp_path / "r.html"
    code, _, err = cli("report", str(scenario), "-o", str(out_html), "--parties", "alpha,zz")
    line = _one_error_line(code, err)
    code2, _, err2 = cli("agree", str(scenario), "--parties", "alpha,zz")
    assert line == _one_error_line(code2, err2)
    assert "unknown actor 'zz'" in line and "--parties" in line
    assert not out_html.exists()


# ----------------------------------------------------------------------------- no overwrite
def test_report_never_overwrites_its_input(cli, scenario):
    code, _, err = cli("report", str(scenario), "-o", str(scenario), "--force", "--draws", "0")
    line = _one_error_line(code, err)
    assert "input file" in line
    assert scenario.read_text(encoding="utf-8") == YAML


def test_report_never_writes_through_a_symlink(cli, scenario, tmp_path):
    link = tmp_path / "out.html"
    link.symlink_to(scenario.name)
    code, _, err = cli("report", str(scenario), "-o", str(link), "--force", "--draws", "0")
    assert "symbolic link" in _one_error_line(code, err)
    assert link.is_symlink() and scenario.read_text(encoding="utf-8") == YAML


def test_report_never_writes_over_a_hard_link_of_its_input(cli, scenario, tmp_path):
    hard = tmp_path / "hard.html"
    os.link(scenario, hard)
    code, _, err = cli("report", str(scenario), "-o", str(hard), "--force", "--draws", "0")
    assert "hard link" in _one_error_line(code, err)
    assert scenario.read_text(encoding="utf-8") == YAML


# ----------------------------------------------------------------------------- helpers
def test_print_json_writes_null_for_non_finite(capsys):
    import numpy as np

    from detente.cli.common import print_json

    print_json({"a": float("nan"), "b": [1.0, np.float64("inf")], "c": np.int64(3)})
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"a": None, "b": [1.0, None], "c": 3}
    assert "2 value(s) are not finite" in captured.err and "a, b[1]" in captured.err


def test_input_boundary_names_the_field():
    from detente.cli.common import input_boundary
    from detente.errors import InputError
    from detente.scenario import Scenario, Stance

    with pytest.raises(InputError) as exc, input_boundary("s.yaml"):
        Stance.model_validate({"actor": "a", "issue": "x", "position": 1e300, "salience": 0.5})
    assert str(exc.value).startswith("s.yaml: position 1e+300 is beyond the limit of 1e+09")
    assert exc.value.allowed and "1e+09" in exc.value.allowed
    with pytest.raises(InputError) as exc, input_boundary("s.yaml"):
        Scenario.model_validate(
            {
                "actors": [{"id": "a"}],
                "issues": [{"id": "x"}],
                "stances": [{"actor": "a", "issue": "x", "position": 5, "salience": True}],
            }
        )
    assert (
        exc.value.problem == "stances #1 salience: salience must be a number, got the boolean true"
    )
