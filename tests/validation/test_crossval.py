"""Grouped folds and nested cross-validation."""

from __future__ import annotations

import numpy as np
import pytest

from detente.validation.crossval import grouped_folds, nested_cv


def test_groups_stay_together_and_folds_are_balanced():
    groups = np.repeat([f"p{k}" for k in range(23)], [1 + k % 4 for k in range(23)])
    folds = grouped_folds(groups, 5, seed=3)
    for g in np.unique(groups):
        assert len(set(folds[groups == g])) == 1
    per_fold = [len(set(groups[folds == f])) for f in range(5)]
    assert sorted(per_fold) == [4, 4, 5, 5, 5]
    assert np.array_equal(folds, grouped_folds(groups, 5, seed=3))
    with pytest.raises(ValueError, match="k must lie"):
        grouped_folds(groups, 30, seed=0)


def test_nested_cv_picks_the_better_candidate_out_of_fold():
    rng = np.random.default_rng(0)
    y = rng.uniform(0, 100, 120)
    groups = np.repeat(np.arange(40), 3)
    good = y + rng.normal(0, 1, y.size)
    bad = y + rng.normal(0, 20, y.size)
    res = nested_cv({"bad": bad, "good": good}, y, groups, k=4, inner_k=3, seeds=(0, 1))
    assert set(res.chosen) == {"good"}
    assert res.choice_counts() == [("good", 8)]
    assert np.allclose(res.oof, good)
    assert res.mae == pytest.approx(np.full(2, np.mean(np.abs(good - y))), abs=1e-12)


def test_nested_cv_never_uses_the_test_fold_to_choose():
    """A candidate that is perfect on one proposal only and terrible elsewhere is never
    chosen for that proposal's fold (it is judged on the other proposals)."""
    y = np.zeros(30)
    groups = np.repeat(np.arange(10), 3)
    steady = np.full(30, 5.0)
    lucky = np.full(30, 50.0)
    lucky[groups == 0] = 0.0
    res = nested_cv({"steady": steady, "lucky": lucky}, y, groups, k=5, inner_k=4, seeds=(0,))
    assert set(res.chosen) == {"steady"}
    assert np.allclose(res.oof[0], 5.0)
