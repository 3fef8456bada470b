"""Fixtures of the expert-survey tests: a small scenario and a filler of questionnaires."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from cli_runner import run_detente_codes
from detente.scenario import Actor, Issue, Scale, Scenario, Stance

Fill = Callable[..., Path]


@pytest.fixture
def small() -> Scenario:
    """Three actors, two issues (one on a -10..10 scale); c takes no stance on y."""
    return Scenario(
        id="small",
        name="A small case",
        actors=(
            Actor(id="alpha", name="Alpha", capability=2.0),
            Actor(id="bravo", capability=1.0),
            Actor(id="charlie", capability=1.0),
        ),
        issues=(
            Issue(
                id="x",
                name="Issue X",
                reference=50.0,
                scale=Scale(low=0, high=100, low_label="none at all", high_label="all of it"),
            ),
            Issue(id="y", reference=0.0, scale=Scale(low=-10, high=10)),
        ),
        stances=(
            Stance(actor="alpha", issue="x", position=10, salience=1.0),
            Stance(actor="bravo", issue="x", position=70, salience=0.5),
            Stance(actor="charlie", issue="x", position=100, salience=0.5, capability=3.0),
            Stance(actor="alpha", issue="y", position=-5, salience=0.4),
            Stance(actor="bravo", issue="y", position=5, salience=0.6),
        ),
    )


def fill_workbook(
    path: Path,
    stances: Mapping[tuple[str, str], Mapping[str, Any]] = {},
    outcomes: Mapping[str, Mapping[str, Any]] = {},
) -> Path:
    """Type answers into a questionnaire as an expert would: each value into the cell of
    its row (found by actor and issue) and column (found by the header)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    for sheet, answers, key_cols in (
        ("stances", stances, ("actor", "issue")),
        ("outcomes", {(k,): v for k, v in outcomes.items()}, ("issue",)),
    ):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        rows = {
            tuple(ws.cell(row=r, column=header.index(k) + 1).value for k in key_cols): r
            for r in range(2, ws.max_row + 1)
        }
        for key, values in answers.items():
            r = rows[tuple(key)]
            for col, value in values.items():
                ws.cell(row=r, column=header.index(col) + 1, value=value)
    wb.save(path)
    return path


@pytest.fixture
def fill() -> Fill:
    return fill_workbook


@pytest.fixture
def cli():
    """Run ``python -m detente ARGS`` in a subprocess: (exit code, stdout, stderr); the runs
    it records go to the test's temporary store (``DETENTE_HOME``), never the user's."""
    return run_detente_codes
