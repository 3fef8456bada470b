"""Validation runs on the hand-made dataset of conftest.py, whose errors are known."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from detente.errors import InputError, InputNotice
from detente.validation import load_dataset, validate


@pytest.fixture
def hand(hand_csv):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        return load_dataset(hand_csv, capability="equal")


def test_dataset(hand):
    assert [c.id for c in hand.cases] == ["d01001", "n02002"]
    assert hand.n_scored == 4
    assert hand.scored["issue"].tolist() == ["d01001i1", "d01001i2", "n02002i1", "n02002i3"]
    assert hand.scored["procedure"].tolist() == ["COD", "COD", "CNS", "CNS"]
    assert "equal" in hand.capability


def test_scores_known_by_hand(hand, hand_expected):
    res = validate(hand, ["compromise", "median"], n_boot=200)
    assert res.n_issues == 4
    assert res.frame["compromise"].tolist() == pytest.approx(hand_expected["compromise"], abs=1e-9)
    assert res.frame["median"].tolist() == pytest.approx(hand_expected["median"], abs=1e-9)
    assert res.frame["outcome"].tolist() == hand_expected["outcome"]
    c = res.scores["compromise"]
    assert c["mae"] == pytest.approx(22.5, abs=1e-9)
    assert c["rmse"] == pytest.approx(math.sqrt(875.0), abs=1e-9)
    assert c["median_ae"] == pytest.approx(20.0, abs=1e-9)
    assert c["within_10"] == 0.5
    m = res.scores["median"]
    assert m["mae"] == pytest.approx(37.5, abs=1e-9)
    assert m["rmse"] == pytest.approx(math.sqrt(2725.0), abs=1e-9)
    assert m["median_ae"] == pytest.approx(20.0, abs=1e-9)
    assert m["within_10"] == 0.25
    d = res.diffs["median"]
    assert d["mae"].estimate == pytest.approx(15.0, abs=1e-9)
    assert d["within_10"].estimate == pytest.approx(-0.25, abs=1e-12)
    assert d["mae"].low <= 15.0 <= d["mae"].high
    z = res.diffs["compromise"]["mae"]
    assert (z.estimate, z.low, z.high) == (0.0, 0.0, 0.0)
    t = res.to_frame().set_index("model")
    assert t.loc["median", "mae"] == pytest.approx(37.5) and t.loc["median", "n"] == 4
    assert t.loc["median", "mae_diff"] == pytest.approx(15.0)
    text = res.summary()
    assert "4 issues with an outcome" in text and "median: MAE 37.50 on 4 issues, +15.00" in text


def test_by_procedure(hand):
    res = validate(hand, ["compromise", "median"], n_boot=200)
    bp = res.by_procedure().set_index("procedure")
    assert bp.loc["COD", "n"] == 2 and bp.loc["CNS", "n"] == 2
    assert bp.loc["COD", "compromise"] == pytest.approx(20.0, abs=1e-9)  # 10, 30
    assert bp.loc["CNS", "compromise"] == pytest.approx(25.0, abs=1e-9)  # 0, 50
    assert bp.loc["COD", "median"] == pytest.approx(15.0, abs=1e-9)  # 10, 20
    assert bp.loc["CNS", "median"] == pytest.approx(60.0, abs=1e-9)  # 20, 100


def test_json_shape(hand):
    data = validate(hand, ["median"], n_boot=200, seed=5).to_dict()
    assert set(data) == {"dataset", "n_issues", "seed", "predictive", "models", "issues"}
    assert data["n_issues"] == 4 and data["seed"] == 5
    (m,) = data["models"]  # the baseline runs but is not listed unless asked for
    assert set(m) == {
        "model",
        "mae",
        "rmse",
        "median_ae",
        "within_10",
        "diff_vs_compromise",
        "crps",
        "brier",
        "log_score",
    }
    assert set(m["diff_vs_compromise"]) == {"mean", "ci"}
    assert len(m["diff_vs_compromise"]["ci"]) == 2
    assert data["issues"][1] == {"id": "d01001i2", "outcome": 20.0, "forecasts": {"median": 0.0}}


def test_every_registered_model_by_default(hand):
    from detente.models import available

    res = validate(hand, n_boot=100)
    assert res.models == available()
    assert "detente" in res.models
    for m in res.models:
        # every model forecasts every scored issue, or says where it failed
        assert res.counts[m] == 4 or res.runs[m].failures, m


def test_a_failing_model_is_reported_not_fatal(hand, monkeypatch):
    from detente.models.compromise import Median

    calls = {"n": 0}
    original = Median.forecast

    def flaky(self, scenario, *, seed=None):
        calls["n"] += 1
        if scenario.id == "n02002":
            raise ValueError("boom")
        return original(self, scenario, seed=seed)

    monkeypatch.setattr(Median, "forecast", flaky)
    res = validate(hand, ["median"], n_boot=100)
    assert res.counts["median"] == 2
    assert res.runs["median"].failures == ("n02002: ValueError: boom",)
    assert res.scores["median"]["mae"] == pytest.approx(15.0, abs=1e-9)
    # the difference is taken on the issues both forecast: 15 - 20
    assert res.diffs["median"]["mae"].estimate == pytest.approx(-5.0, abs=1e-9)
    assert res.to_dict()["issues"][3]["forecasts"]["median"] is None


def test_csv_and_chart(hand, hand_expected, tmp_path):
    res = validate(hand, ["compromise", "median"], n_boot=100)
    path = res.write_csv(tmp_path / "issues.csv")
    table = pd.read_csv(path)
    assert table["issue"].tolist() == ["d01001i1", "d01001i2", "n02002i1", "n02002i3"]
    assert table["compromise_abs_error"].tolist() == pytest.approx([10, 30, 0, 50], abs=1e-9)
    assert table["median_forecast"].tolist() == pytest.approx(hand_expected["median"], abs=1e-9)
    with pytest.raises(InputError, match="exists already"):
        res.write_csv(path)
    from detente.validation.chart import error_chart

    png = error_chart(res, tmp_path / "errors.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = error_chart(res, tmp_path / "errors.svg")
    assert b"<svg" in svg.read_bytes()[:2000]
    with pytest.raises(InputError, match="exists already"):
        error_chart(res, png)
    with pytest.raises(InputError, match="suffix"):
        error_chart(res, tmp_path / "errors.txt")


def test_options_are_checked(hand, hand_csv, tmp_path):
    with pytest.raises(InputError, match="unknown model"):
        validate(hand, ["nope"])
    with pytest.raises(InputError, match="--cluster"):
        validate(hand, ["median"], cluster="country")
    with pytest.raises(InputError, match="--bootstrap"):
        validate(hand, ["median"], n_boot=10)
    with pytest.raises(InputError, match="dataset file not found"):
        load_dataset(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="unknown dataset option"):
        load_dataset(hand_csv, colour="red")
    no_out = tmp_path / "no_out.csv"
    no_out.write_text("isnr,pcom,pep,scom,sep,out\nx1,0,100,50,50,\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        with pytest.raises(InputError, match="no issue of the file has a recorded outcome"):
            load_dataset(no_out, capability="equal")


def test_shared_deu2_compromise_in_the_literature_range(shared_data):
    """Compromise on DEU II with the default capabilities (Shapley-Shubik indices for the
    states, Commission and Parliament at the mean state): measured MAE 25.71 on the 190
    issues with outcomes. The literature reports the low to mid 20s (Achen 2006; Thomson
    et al. 2012), so the test asks for 20..28; and it checks the figures recorded in
    docs/validation.md (compromise 25.71, detente 24.47; tolerance 0.01)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        ds = load_dataset(shared_data / "deu2" / "DEU2.csv")
    res = validate(ds, ["compromise", "detente"], n_boot=200)
    assert res.n_issues == 190
    mae = res.scores["compromise"]["mae"]
    assert 20.0 <= mae <= 28.0
    assert mae == pytest.approx(25.71, abs=0.01)
    assert res.scores["detente"]["mae"] == pytest.approx(24.47, abs=0.01)
    assert np.isfinite(res.frame["detente"]).all()
