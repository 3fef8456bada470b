"""Fixtures of the forecast-record tests: every test gets its own empty run store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from detente.models import get_model
from detente.record.store import RunStore
from detente.scenario import Scenario


@pytest.fixture(autouse=True)
def detente_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh DETENTE_HOME per test: nothing is written to the user's run store."""
    home = tmp_path / "detente_home"
    monkeypatch.setenv("DETENTE_HOME", str(home))
    return home


def run_result(scenario: Scenario, models: list[str], seed: int | None = 0) -> dict:
    """What ``detente run --json`` prints, computed with the library."""
    out = []
    for name in models:
        f = get_model(name).forecast(scenario, seed=seed)
        d = f.to_dict(trajectories=False)
        out.append(
            {
                "model": d["model"],
                "params": d["params"],
                "issues": [{"id": e["id"], "outcome": e["outcome"]} for e in d["issues"]],
            }
        )
    return {"scenario": scenario.id, "seed": seed, "forecasts": out}


@pytest.fixture
def record(tiny: Scenario):
    """Record a run of ``models`` on the tiny scenario (or a given result); returns its id."""

    def add(
        models: list[str] = ["compromise"],  # noqa: B006
        *,
        result: dict | None = None,
        scenario: Scenario | None = None,
        command: str = "run",
    ) -> str:
        sc = scenario or tiny
        with RunStore.open() as st:
            return st.add_run(
                command,
                sc,
                models=models,
                params={},
                seed=0,
                result=result if result is not None else run_result(sc, models),
                started=time.time(),
            )

    return add
