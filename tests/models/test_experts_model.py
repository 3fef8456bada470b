"""The ``experts`` model: the combined experts' own forecasts."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from detente.errors import InputError
from detente.experts.combine import combine, read_expert_file
from detente.experts.survey import Skeleton, write_surveys
from detente.models import available, get_model
from detente.models.registry import defaults_for, model_class
from detente.scenario import Actor, Decision, Issue, Scenario, Stance

#: each expert's forecast per issue (expert_03 has no view on y)
FORECASTS = {
    "expert_01": {"x": 40.0, "y": 10.0},
    "expert_02": {"x": 46.5, "y": 30.0},
    "expert_03": {"x": 90.0},
}


@pytest.fixture
def base() -> Scenario:
    """Two issues; y is decided by alpha alone, x is held by a freeze that never lifts."""
    return Scenario(
        id="base",
        actors=(Actor(id="alpha", capability=2.0), Actor(id="bravo")),
        issues=(
            Issue(id="x", reference=50.0),
            Issue(id="y", reference=20.0, decision=Decision(rule="unilateral", actor="alpha")),
        ),
        stances=(
            Stance(actor="alpha", issue="x", position=10, salience=1.0),
            Stance(actor="bravo", issue="x", position=70, salience=0.5),
            Stance(actor="alpha", issue="y", position=80, salience=0.4),
            Stance(actor="bravo", issue="y", position=0, salience=0.6),
        ),
        linkages=(
            {
                "id": "hold_x",
                "when": {"issue": "y", "op": ">=", "value": 0},
                "then": {"kind": "freeze", "issue": "x"},
            },
        ),
    )


def _fill(path: Path, forecasts: dict[str, float]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["outcomes"]
    for r in range(2, ws.max_row + 1):
        issue = ws.cell(row=r, column=1).value
        if issue in forecasts:
            ws.cell(row=r, column=2, value=forecasts[issue])
    wb.save(path)


@pytest.fixture
def combined(base, tmp_path) -> Scenario:
    sk = Skeleton.from_scenario(base)
    paths = write_surveys(sk, tmp_path, 3)
    for p in paths:
        _fill(p, FORECASTS[p.stem])
    return combine([read_expert_file(p, sk) for p in paths], sk).scenario


@pytest.mark.parametrize("statistic", ["mean", "median"])
def test_forecast_is_the_statistic_of_the_filled_forecasts(combined, statistic):
    f = get_model("experts", statistic=statistic).forecast(combined, seed=0)
    stat = statistics.fmean if statistic == "mean" else statistics.median
    for issue in ("x", "y"):
        given = [fc[issue] for fc in FORECASTS.values() if issue in fc]
        assert f.outcome_of(issue) == stat(given)
    # spelled out: x from 40, 46.5, 90; y from 10, 30
    assert f.outcome_of("x") == (58.833333333333336 if statistic == "mean" else 46.5)
    assert f.outcome_of("y") == 20.0
    d = f.details["x"]
    assert (d["n_experts"], d["min"], d["max"]) == (3, 40.0, 90.0)
    assert d["std"] == pytest.approx(statistics.pstdev([40.0, 46.5, 90.0]))
    assert d["forecasts"] == {"expert_01": 40.0, "expert_02": 46.5, "expert_03": 90.0}
    # one round: the trajectory is the input; the forecast belongs to the scenario as given
    assert f.n_rounds == 0
    np.testing.assert_array_equal(f.positions[0], combined.arrays().position)
    assert f.input_hash == combined.input_hash()
    assert f.params == {"statistic": statistic}


def test_decision_rules_and_freezes_do_not_bend_the_experts(combined):
    # the bargaining models put y at alpha's position (unilateral) and x at its reference
    # (frozen); the experts model reports what the experts said
    comp = get_model("compromise").forecast(combined)
    assert comp.outcome_of("y") == 80 and comp.outcome_of("x") == 50
    f = get_model("experts").forecast(combined)
    assert (f.outcome_of("x"), f.outcome_of("y")) != (50, 80)
    assert f.outcome_of("y") == 20.0


def test_no_expert_forecasts_is_one_line(base):
    with pytest.raises(InputError) as exc:
        get_model("experts").forecast(base)
    assert "no expert forecasts in this scenario: run detente survey / combine" in str(exc.value)
    assert "\n" not in str(exc.value)


def test_an_issue_without_forecast(base, tmp_path):
    sk = Skeleton.from_scenario(base)
    (p,) = write_surveys(sk, tmp_path)
    _fill(p, {"x": 30.0})
    with pytest.warns(UserWarning, match="no expert forecast the outcome of y"):
        sc = combine([read_expert_file(p, sk)], sk).scenario
    with pytest.raises(InputError, match=r"no expert forecast for issue\(s\) y"):
        get_model("experts").forecast(sc)


def test_all_models_run_it_only_with_forecasts_of_every_issue(base, combined, tmp_path):
    run, skipped = defaults_for(combined)
    assert run[-1] == "experts" and skipped == {}
    run, skipped = defaults_for(base)
    assert "experts" not in run and "compromise" in run
    assert skipped == {
        "experts": "no expert forecasts in this scenario (run detente survey / combine)"
    }
    partial = combined.replace(
        metadata={"expert_forecasts": '{"x": [{"expert": "e", "forecast": 1}]}'}
    )
    assert defaults_for(partial)[1] == {"experts": "no expert forecast of issue(s) y"}


def test_registered_but_not_run_by_default():
    assert "experts" not in available()
    assert "experts" in available(every=True)
    assert model_class("experts").needs == "expert forecasts"
    with pytest.raises(InputError, match="unknown statistic 'mode'"):
        get_model("experts", statistic="mode")


def test_reset_includes_the_experts_beside_the_models(combined):
    from detente.analysis.reset import reset_summary

    summary = reset_summary(combined)
    assert summary.models[-1] == "experts" and "compromise" in summary.models
