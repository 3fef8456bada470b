"""Retrospective scores: each model's error beside the status quo's, by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from detente.models import get_model
from detente.retrospective import retrospective
from detente.scenario import Scenario


def _scenario(outcomes: dict[str, float | None]) -> Scenario:
    issues = []
    for iid, ref in (("x", 50.0), ("y", 20.0), ("z", None)):
        iss: dict[str, object] = {"id": iid, "reference": ref, "outcome": outcomes.get(iid)}
        if iid == "x":
            iss.update(outcome_date="2021-12-31", outcome_source="coded from dated events")
        issues.append(iss)
    stances = []
    for a, pos in (("a", 80.0), ("b", 30.0), ("c", 90.0)):
        for iid in ("x", "y", "z"):
            stances.append({"actor": a, "issue": iid, "position": pos, "salience": 1})
    return Scenario.model_validate(
        {
            "id": "retro",
            "actors": [{"id": "a", "capability": 3}, {"id": "b"}, {"id": "c"}],
            "issues": issues,
            "stances": stances,
        }
    )


def test_errors_beside_the_status_quo_by_hand() -> None:
    sc = _scenario({"x": 60.0, "y": 30.0, "z": 70.0})
    f = get_model("compromise").forecast(sc)  # 72 on every issue
    r = retrospective(sc, [f])
    assert r is not None
    assert r.issues == ("x", "y", "z") and r.compared == ("x", "y")
    assert r.status_quo.error == {"x": 10.0, "y": 10.0}
    assert r.status_quo.mae == pytest.approx(10.0)
    (m,) = r.models
    assert m.error == pytest.approx({"x": 12.0, "y": 42.0, "z": 2.0})
    assert m.mae == pytest.approx(56.0 / 3)
    # on the issues the status quo is scored on: (12 + 42) / 2 - 10
    assert m.vs_status_quo == pytest.approx(17.0)
    d = r.to_dict()
    assert d["issues"][0] == {
        "id": "x",
        "outcome": 60.0,
        "date": "2021-12-31",
        "source": "coded from dated events",
    }
    assert sc.issues[0].outcome_date == dt.date(2021, 12, 31)


def test_no_outcome_no_retrospective() -> None:
    sc = _scenario({})
    assert retrospective(sc, [get_model("compromise").forecast(sc)]) is None
