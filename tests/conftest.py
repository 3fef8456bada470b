"""Shared fixtures: the team's data folder and small scenarios."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from detente.scenario import Actor, Issue, Scenario, Stance

#: ../shared/data beside the project checkout (override with DETENTE_SHARED_DATA)
SHARED_DATA = Path(
    os.environ.get("DETENTE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


@pytest.fixture(autouse=True)
def _run_store_in_tmp(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Runs recorded by a test go to a temporary run store, never the user's: DETENTE_HOME
    (subprocesses with their own environment must pass it on)."""
    monkeypatch.setenv("DETENTE_HOME", str(tmp_path_factory.mktemp("detente_home")))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; tests that need it skip with a reason when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED_DATA} (set DETENTE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def tiny() -> Scenario:
    """Three actors, two issues, hand-checkable numbers."""
    return Scenario(
        id="tiny",
        actors=(
            Actor(id="a", capability=2.0),
            Actor(id="b", capability=1.0),
            Actor(id="c", capability=1.0),
        ),
        issues=(Issue(id="x", reference=50.0), Issue(id="y")),
        stances=(
            Stance(actor="a", issue="x", position=10, salience=1.0),
            Stance(actor="b", issue="x", position=70, salience=0.5),
            Stance(actor="c", issue="x", position=100, salience=0.5),
            Stance(actor="a", issue="y", position=0, salience=0.2),
            Stance(actor="b", issue="y", position=100, salience=0.8),
        ),
    )
