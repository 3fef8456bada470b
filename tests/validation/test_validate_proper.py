"""``detente validate`` scores forecasts as distributions: the runner, the JSON keys, the
PIT chart (hand-made DEU file of conftest.py; numbers in test_predictive.py)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from detente.errors import InputError
from detente.validation.chart import pit_chart, pit_histograms
from detente.validation.datasets import load_dataset
from detente.validation.runner import validate

# median forecasts 50, 0, 20, 0 (conftest); residuals A {10, 20}, B {20, 100}:
# A1 {70, 100} at 60: 25 - 7.5; A2 {20, 100} at 20: 40 - 20; B1 {30, 40} at 40: 5 - 2.5;
# B2 {10, 20} at 100: 85 - 2.5
MEDIAN_CRPS = [17.5, 20.0, 2.5, 82.5]
COMPROMISE_CRPS = [12.5, 42.5, 10.0, 50.0]


@pytest.fixture
def hand_result(hand_csv):
    ds = load_dataset(hand_csv, capability="equal")
    return validate(ds, ["compromise", "median"], n_boot=200, seed=0)


def test_runner_scores_the_distributions(hand_result):
    r = hand_result
    assert r.proper["compromise"].crps == pytest.approx(COMPROMISE_CRPS)
    assert r.proper["median"].crps == pytest.approx(MEDIAN_CRPS)
    s = r.proper_summary().set_index("model")
    assert s.loc["median", "crps"] == pytest.approx(30.625)
    assert s.loc["median", "crps_diff"] == pytest.approx(30.625 - 28.75)
    assert s.loc["compromise", "brier"] == pytest.approx(1.0)
    assert s.loc["compromise", "log_score"] == pytest.approx((math.log(2) + math.log(1e3)) / 2)
    lo, hi = s.loc["median", "crps_lo"], s.loc["median", "crps_hi"]
    assert lo <= s.loc["median", "crps_diff"] <= hi
    assert (s.loc["compromise", "crps_lo"], s.loc["compromise", "crps_hi"]) == (0.0, 0.0)


def test_json_keys(hand_result):
    data = hand_result.to_dict()
    assert data["predictive"]["distribution"] == "empirical"
    assert data["predictive"]["log_floor"] == 1e-3
    assert data["predictive"]["thirds"][1] == pytest.approx([100 / 3, 200 / 3])
    entry = data["models"][1]
    assert entry["model"] == "median"
    for k in ("crps", "brier", "log_score"):
        assert set(entry[k]) == {"mean", "diff_vs_compromise"}
        assert len(entry[k]["diff_vs_compromise"]["ci"]) == 2
    assert entry["crps"]["mean"] == pytest.approx(30.625)


def test_pit_chart_writes_a_file_and_refuses_to_overwrite(hand_result, tmp_path):
    path = tmp_path / "pit.png"
    assert pit_chart(hand_result, path) == path
    assert path.stat().st_size > 1000 and path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(InputError):
        pit_chart(hand_result, path)
    with pytest.raises(InputError, match="suffix"):
        pit_chart(hand_result, tmp_path / "pit.txt")
    h = pit_histograms(hand_result)
    assert h["median"].sum() == pytest.approx(10.0)  # densities over 10 bins of width 0.1


def test_bad_options(hand_csv):
    ds = load_dataset(hand_csv, capability="equal")
    with pytest.raises(InputError, match="distribution"):
        validate(ds, ["median"], distribution="cauchy")
    with pytest.raises(InputError, match="folds"):
        validate(ds, ["median"], folds=1)


def test_cli_json_and_pit_chart(run_cli, hand_csv, tmp_path):
    png = tmp_path / "pit.png"
    code, out, err = run_cli(
        "validate",
        str(hand_csv),
        "-m",
        "median",
        "--capability",
        "equal",
        "--distribution",
        "laplace",
        "--bootstrap",
        "200",
        "--pit-chart",
        str(png),
        "--json",
        "--no-record",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["predictive"]["distribution"] == "laplace"
    m = {e["model"]: e for e in data["models"]}["median"]
    assert {"crps", "brier", "log_score"} <= set(m)
    assert np.isfinite(m["crps"]["diff_vs_compromise"]["ci"]).all()
    assert png.exists() and "PIT chart written" in err


def test_cli_table(run_cli, hand_csv):
    code, out, err = run_cli(
        "validate", str(hand_csv), "-m", "median", "--capability", "equal", "--no-record"
    )
    assert code == 0, err
    assert "Forecasts as distributions" in out and "CRPS" in out
    row = next(line for line in out.splitlines() if "median" in line and "CRPS" in line)
    assert "30.62" in row and "+1.88" in row


def test_a_model_on_one_proposal_has_no_distribution(hand_csv, monkeypatch):
    from detente.models.compromise import Median

    original = Median.forecast

    def flaky(self, scenario, *, seed=None):
        if scenario.id == "n02002":
            raise ValueError("boom")
        return original(self, scenario, seed=seed)

    monkeypatch.setattr(Median, "forecast", flaky)
    res = validate(load_dataset(hand_csv, capability="equal"), ["median"], n_boot=100)
    entry = res.to_dict()["models"][0]
    assert entry["crps"]["mean"] is None and entry["crps"]["diff_vs_compromise"]["ci"] == [
        None,
        None,
    ]


def test_ensemble_distribution_is_the_models_own_ensemble(hand_csv):
    from detente.analysis.ensemble import run_ensemble
    from detente.validation.proper_scores import crps_discrete

    ds = load_dataset(hand_csv, capability="equal")
    res = validate(ds, ["compromise"], n_boot=100, distribution="ensemble", ensemble_draws=64)
    assert res.predictive_settings()["ensemble_draws"] == 64
    assert res.predictive_settings()["folds"] is None
    scored = list(res.frame["issue"])
    y = res.frame["outcome"].to_numpy()
    for case in ds.cases:
        draws = np.clip(run_ensemble(case, "compromise", draws=64, seed=0).outcomes, 0, 100)
        for j, iid in enumerate(case.issue_ids):
            if iid not in scored:
                continue
            k = scored.index(iid)
            want = crps_discrete(draws[None, :, j], np.full((1, 64), 1 / 64), y[k : k + 1])
            assert res.proper["compromise"].crps[k] == pytest.approx(want[0], abs=1e-12)
    with pytest.raises(InputError, match="procedure"):
        validate(ds, ["compromise"], distribution="ensemble", procedures=True)
