"""Grading sealed forecasts: hand-made cases with known scores."""

from __future__ import annotations

import numpy as np
import pytest

from detente.errors import InputError
from detente.record.grade import (
    Observed,
    crps_histogram,
    grade_run,
    is_outcomes_csv,
    outcomes_from_scenario,
    read_outcomes_csv,
    third_probability,
)
from detente.record.seal import seal_run
from detente.record.store import RunStore


def _crps_numeric(edges, counts, y, lo, hi, n=200_001):
    """∫ (F(x) − 1{x ≥ y})² dx by the trapezoid rule on fine grids either side of y,
    F uniform within bins."""
    cdf = np.concatenate(([0.0], np.cumsum(counts) / np.sum(counts)))
    total = 0.0
    for a, b, ind in ((lo, y, 0.0), (y, hi, 1.0)):
        x = np.linspace(a, b, n)
        g = (np.interp(x, edges, cdf) - ind) ** 2
        total += float(np.sum((g[1:] + g[:-1]) / 2 * np.diff(x)))
    return total


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        (50.0, 100 / 12),  # CRPS of U(0, 1) at y is y³/3 + (1 − y)³/3, times the span
        (0.0, 100 / 3),
        (20.0, 100 * (0.2**3 + 0.8**3) / 3),
        (-10.0, 100 / 3 + 10),  # below the scale: the whole distribution is above y
    ],
)
def test_crps_of_a_uniform_histogram(y, expected):
    assert crps_histogram([0, 50, 100], [3, 3], y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("y", [0.0, 12.5, 33.3, 61.0, 100.0])
def test_crps_matches_numerical_integration(y):
    edges = np.linspace(0, 100, 11)
    counts = np.array([0, 1, 5, 9, 3, 0, 0, 2, 7, 1])
    got = crps_histogram(edges, counts, y)
    assert got == pytest.approx(_crps_numeric(edges, counts, y, -5, 105), abs=1e-6)


def test_third_probability_exact_and_approximate():
    edges = np.linspace(0, 100, 10)  # 9 bins: 3 per third
    counts = np.array([1, 1, 0, 4, 2, 2, 0, 0, 10])
    assert third_probability(edges, counts, 50, 0, 100) == (8 / 20, 1, True)
    assert third_probability(edges, counts, 100, 0, 100) == (10 / 20, 2, True)
    p, k, exact = third_probability([0, 50, 100], [1, 3], 10, 0, 100)
    assert k == 0 and not exact and p == pytest.approx((1 / 4) * (100 / 3) / 50)


@pytest.fixture
def sealed(record, tiny):
    """A sealed run with hand-made forecasts: compromise x=40, y=30; median x=55, y=20."""

    def fc(model, x, y):
        return {"model": model, "issues": [{"id": "x", "outcome": x}, {"id": "y", "outcome": y}]}

    result = {
        "scenario": "tiny",
        "seed": 0,
        "forecasts": [fc("compromise", 40, 30), fc("median", 55, 20)],
    }
    rid = record(["compromise", "median"], result=result)
    with RunStore.open() as st:
        s = seal_run(st, rid)
        return st.get(rid), s


def test_grade_point_forecasts(sealed):
    run, seal = sealed
    observed = {"x": Observed(50.0, "2030-01-02", "press"), "y": Observed(20.0)}
    g = grade_run(run, observed, sealed_at=seal.sealed_at)
    comp, med = g["models"]
    assert comp["error"] == {"x": 10.0, "y": 10.0} and comp["mae"] == 10.0
    assert med["error"] == {"x": 5.0, "y": 0.0} and med["mae"] == 2.5
    # the status quo (x's reference 50; y has none) is compared on x only
    assert g["status_quo"] == {"error": {"x": 0.0}, "mae": 0.0}
    assert comp["mae_vs_status_quo"] == 10.0 and med["mae_vs_status_quo"] == 5.0
    assert g["issues"][0] == {
        "id": "x",
        "outcome": 50.0,
        "date": "2030-01-02",
        "source": "press",
        "reference": 50.0,
    }
    assert g["hindsight"] == []


def test_an_outcome_dated_before_the_seal_is_flagged(sealed):
    run, seal = sealed
    g = grade_run(run, {"x": Observed(45.0, "2001-01-01")}, sealed_at=seal.sealed_at)
    assert g["hindsight"] == ["x"] and [i["id"] for i in g["issues"]] == ["x"]
    assert g["models"][0]["error"] == {"x": 5.0}


def test_grade_an_ensemble(record, tiny):
    edges = list(np.linspace(0, 100, 4))  # 3 bins: the thirds
    result = {
        "model": "compromise",
        "issues": [
            {
                "id": "x",
                "mean": 55.0,
                "quantiles": {"5": 30.0, "25": 45.0, "50": 52.0, "75": 60.0, "95": 80.0},
                "histogram": {"edges": edges, "counts": [0, 3, 1]},
            },
            {
                "id": "y",
                "mean": 40.0,
                "quantiles": {"5": 10.0, "25": 30.0, "50": 40.0, "75": 50.0, "95": 70.0},
                "histogram": {"edges": edges, "counts": [1, 2, 1]},
            },
        ],
    }
    rid = record(command="ensemble", result=result)
    with RunStore.open() as st:
        run = st.get(rid)
    g = grade_run(run, {"x": Observed(50.0), "y": Observed(90.0)}, sealed_at=None)
    (m,) = g["models"]
    assert m["error"] == {"x": 2.0, "y": 50.0}  # against the medians
    assert m["p_observed_third"]["x"] == {"third": "middle", "probability": 0.75, "exact": True}
    assert m["p_observed_third"]["y"]["probability"] == 0.25
    for iid, y, counts in (("x", 50.0, [0, 3, 1]), ("y", 90.0, [1, 2, 1])):
        assert m["crps"][iid] == pytest.approx(_crps_numeric(edges, counts, y, 0, 100), abs=1e-6)
    assert m["mean_crps"] == pytest.approx((m["crps"]["x"] + m["crps"]["y"]) / 2)


def test_an_ensemble_without_histograms_says_what_it_needs(record):
    result = {"model": "compromise", "issues": [{"id": "x", "quantiles": {"50": 40.0}}]}
    rid = record(command="ensemble", result=result)
    with RunStore.open() as st:
        g = grade_run(st.get(rid), {"x": Observed(50.0)}, sealed_at=None)
    assert "crps" not in g["models"][0]
    assert any("histogram" in n for n in g["notes"])


def test_a_result_without_forecasts_cannot_be_graded(record):
    rid = record(command="agree", result={"packages": []})
    with RunStore.open() as st, pytest.raises(InputError, match="holds no per-issue forecast"):
        grade_run(st.get(rid), {"x": Observed(50.0)}, sealed_at=None)


def test_outcomes_csv(tmp_path, tiny):
    p = tmp_path / "out.csv"
    p.write_text("issue,outcome,date,source\nx,42.5,2030-05-01,Reuters\ny,7,,\n")
    assert is_outcomes_csv(p)
    assert read_outcomes_csv(p, tiny) == {
        "x": Observed(42.5, "2030-05-01", "Reuters"),
        "y": Observed(7.0),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("issue,outcome\nz,1\n", "row 2, column issue: unknown issue 'z'"),
        ("issue,outcome\nx,1\nx,2\n", "row 3, column issue: issue 'x' is given twice"),
        ("issue,outcome\nx,120\n", "row 2, column outcome: outcome '120' is not a number"),
        ("issue,outcome\nx,abc\n", "row 2, column outcome"),
        ("issue,outcome,date\nx,1,May 2030\n", "row 2, column date: 'May 2030' is not a date"),
        ("issue,outcome,colour\nx,1,red\n", "row 1: unexpected header"),
        ("issue,outcome\n", "no outcome rows"),
    ],
)
def test_bad_outcomes_csv(tmp_path, tiny, text, message):
    p = tmp_path / "out.csv"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_outcomes_csv(p, tiny)
    assert message in exc.value.message and str(p) in exc.value.message


def test_outcomes_from_a_scenario(tiny):
    issues = (tiny.issues[0].model_copy(update={"outcome": 60.0}), tiny.issues[1])
    observed = tiny.replace(issues=issues)
    assert outcomes_from_scenario(observed, tiny) == {"x": Observed(60.0)}
    with pytest.raises(InputError, match="no issue of the run carries an outcome"):
        outcomes_from_scenario(tiny, tiny)


def test_grade_a_recorded_ensemble_summary(tiny):
    """The result ``detente ensemble --json`` prints (with 9 bins: exact thirds) is graded:
    the probability of the observed third is the share of draws in it."""
    import time

    from detente.analysis.ensemble import run_ensemble
    from detente.record import record_run

    res = run_ensemble(tiny, "compromise", draws=400, seed=3)
    summary = res.to_dict(bins=9)
    rid = record_run(
        "ensemble",
        tiny,
        model="compromise",
        params={},
        seed=3,
        result=summary,
        started=time.time(),
    )
    with RunStore.open() as st:
        s = seal_run(st, rid)
        g = grade_run(
            st.get(rid), {"x": Observed(60.0), "y": Observed(10.0)}, sealed_at=s.sealed_at
        )
    (m,) = g["models"]
    for k, (iid, y) in enumerate((("x", 60.0), ("y", 10.0))):
        draws = res.outcomes[:, k]
        third = min(2, int(y / (100 / 3)))
        share = np.mean((draws >= third * 100 / 3) & (draws < (third + 1) * 100 / 3))
        assert m["p_observed_third"][iid]["exact"]
        assert m["p_observed_third"][iid]["probability"] == pytest.approx(share, abs=1e-12)
        median = float(np.percentile(draws, 50))
        assert m["error"][iid] == pytest.approx(abs(median - y), abs=1e-9)
        # the histogram CRPS is close to the draws' own: E|X - y| - E|X - X'| / 2
        sample = np.mean(np.abs(draws - y)) - 0.5 * np.mean(np.abs(draws[:, None] - draws))
        assert m["crps"][iid] == pytest.approx(sample, abs=100 / 9 / 4)
