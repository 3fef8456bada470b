"""``detente run`` draws a progress bar on stderr while models run, only on a terminal and
never in ``--json`` output."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rich.progress import Progress
from typer.testing import CliRunner

from detente.cli import run as run_cmd
from detente.cli.app import app
from detente.comparison import run_models
from detente.scenarios import load_bundled


@pytest.fixture(autouse=True)
def _run_store(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DETENTE_HOME", str(tmp_path))


def _json_run(monkeypatch: pytest.MonkeyPatch, terminal: bool) -> str:
    monkeypatch.setattr(run_cmd, "_stderr_is_terminal", lambda: terminal)
    args = ["run", "us-russia-reset", "-m", "compromise", "-m", "spatial", "--json"]
    result = CliRunner().invoke(app, [*args, "--no-record", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_output_is_the_same_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = _json_run(monkeypatch, terminal=False)
    on_tty = _json_run(monkeypatch, terminal=True)
    assert on_tty == plain
    assert [f["model"] for f in json.loads(on_tty)["forecasts"]] == ["compromise", "spatial"]


def test_progress_bar_hears_the_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the bar on, the models' reports reach it, it ends complete, and the forecasts
    are those of a run without it."""
    heard: list[tuple[float | None, str | None]] = []
    update = Progress.update

    def spy(self, task, **kw):  # type: ignore[no-untyped-def]
        heard.append((kw.get("completed"), kw.get("description")))
        return update(self, task, **kw)

    monkeypatch.setattr(Progress, "update", spy)
    sc = load_bundled("us-russia-reset")
    names = ["spatial", "condorcet"]
    with run_cmd._model_bars(True) as bars:
        shown = run_models(sc, names, seed=0, keep_going=False, progress=bars)
    quiet = run_models(sc, names, seed=0, keep_going=False)
    for a, b in zip(shown.forecasts, quiet.forecasts, strict=True):
        np.testing.assert_array_equal(a.outcome, b.outcome)
    labels = [d for _, d in heard if d]
    assert any(d.startswith("spatial: turn") for d in labels)
    assert any(d.startswith("condorcet:") for d in labels)
    assert heard[-1] == (1.0, "condorcet: done")
    shares = [c for c, _ in heard if c is not None]
    assert all(0.0 <= c <= 1.0 for c in shares)
