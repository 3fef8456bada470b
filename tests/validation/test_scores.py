"""Scores and the paired bootstrap, on numbers checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from detente.validation.scores import (
    _weighted_scores,
    mae,
    median_ae,
    paired_bootstrap,
    rmse,
    score_all,
    within,
)


def test_scores_by_hand():
    e = np.array([-10.0, 30.0, 0.0, -50.0])
    assert mae(e) == 22.5
    assert rmse(e) == pytest.approx(math.sqrt(875.0), abs=1e-12)
    assert median_ae(e) == 20.0
    assert within(e) == 0.5  # |-10| <= 10 counts
    assert score_all(e) == {
        "mae": 22.5,
        "rmse": pytest.approx(math.sqrt(875.0), abs=1e-12),
        "median_ae": 20.0,
        "within_10": 0.5,
    }
    assert all(math.isnan(v) for v in score_all(np.array([])).values())


def test_identical_errors_give_a_zero_interval():
    e = np.array([1.0, -5.0, 12.0, 40.0, -3.0])
    d = paired_bootstrap(e, e, np.array([0, 0, 1, 2, 2]), n_boot=500, seed=1)
    for iv in d.values():
        assert (iv.estimate, iv.low, iv.high) == (0.0, 0.0, 0.0)


def test_a_constant_extra_error_is_the_whole_interval():
    """Every absolute error larger by 5: MAE and median AE differ by exactly 5 in every
    resample (tolerance 1e-9 for the floating sums)."""
    base = np.array([1.0, -5.0, 12.0, 40.0, -3.0, 8.0])
    model = np.sign(base) * (np.abs(base) + 5.0)
    d = paired_bootstrap(model, base, None, n_boot=300, seed=2)
    for key in ("mae", "median_ae"):
        assert d[key].estimate == pytest.approx(5.0, abs=1e-9)
        assert d[key].low == pytest.approx(5.0, abs=1e-9)
        assert d[key].high == pytest.approx(5.0, abs=1e-9)


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(0)
    base = rng.normal(0, 20, 200)
    model = base * 0.8
    groups = np.repeat(np.arange(50), 4)
    a = paired_bootstrap(model, base, groups, n_boot=400, seed=7)
    b = paired_bootstrap(model, base, groups, n_boot=400, seed=7)
    c = paired_bootstrap(model, base, groups, n_boot=400, seed=8)
    assert a == b
    assert a != c
    for iv in a.values():
        assert iv.low <= iv.estimate <= iv.high


def test_resampled_median_matches_numpy():
    """The vectorised median of a resample equals np.median of the repeated errors."""
    rng = np.random.default_rng(3)
    e = np.abs(rng.normal(0, 10, 9))
    w = rng.integers(0, 4, size=(50, 9)).astype(float)
    w[:, 0] += 1  # at least one draw per resample
    got = _weighted_scores(e, w, np.argsort(e, kind="stable"))
    for b in range(50):
        sample = np.repeat(e, w[b].astype(int))
        assert got["median_ae"][b] == pytest.approx(np.median(sample), abs=1e-12)
        assert got["mae"][b] == pytest.approx(sample.mean(), abs=1e-12)
        assert got["rmse"][b] == pytest.approx(np.sqrt(np.mean(sample**2)), abs=1e-12)
        assert got["within_10"][b] == pytest.approx(np.mean(sample <= 10), abs=1e-12)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        paired_bootstrap(np.zeros(3), np.zeros(4))
