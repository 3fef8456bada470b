"""Cross-validation grouped by proposal, and nested cross-validation of a parameter choice.

Issues of the same legislative proposal share actors and are bargained together, so they
are never split between training and test folds (grouped K-fold; Roberts et al. 2017,
"Cross-validation strategies for data with temporal, spatial, hierarchical, or
phylogenetic structure", *Ecography* 40). A parameter choice is assessed by *nested*
cross-validation (Varma & Simon 2006; Cawley & Talbot 2010): in every outer fold the
parameters are chosen by an inner grouped cross-validation on the training proposals only,
and the chosen forecaster is scored on the held-out proposals. The out-of-fold errors
estimate how the whole tuning procedure does on proposals it has not seen.

Forecasts of every candidate are computed once beforehand (``predictions``: candidate ->
forecast per issue); nothing here refits a model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["NestedCV", "grouped_folds", "nested_cv"]


def grouped_folds(groups: Sequence[Hashable] | np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold number (0..k-1) of every item; items of one group share a fold.

    The groups are shuffled with ``seed`` and dealt to the folds in turn, so every fold
    holds ``len(groups) // k`` or one more groups.
    """
    g = np.asarray(groups)
    uniq, inverse = np.unique(g, return_inverse=True)
    if not 2 <= k <= len(uniq):
        raise ValueError(f"k must lie in [2, {len(uniq)}] (the number of groups), got {k}")
    order = np.random.default_rng(seed).permutation(len(uniq))
    fold_of_group = np.empty(len(uniq), dtype=int)
    fold_of_group[order] = np.arange(len(uniq)) % k
    return fold_of_group[inverse]


@dataclass(frozen=True)
class NestedCV:
    """Result of :func:`nested_cv`.

    ``oof`` is ``(repeats, n)``: the out-of-fold forecast of every issue in every repeat;
    ``chosen`` the candidate picked in each outer fold (repeat-major); ``mae`` the
    out-of-fold MAE of each repeat.
    """

    oof: np.ndarray
    chosen: tuple[Hashable, ...]
    mae: np.ndarray

    def choice_counts(self) -> list[tuple[Hashable, int]]:
        """How often each candidate was chosen, most frequent first."""
        return Counter(self.chosen).most_common()


def nested_cv(
    predictions: Mapping[Hashable, np.ndarray],
    outcome: np.ndarray,
    groups: Sequence[Hashable] | np.ndarray,
    *,
    k: int = 5,
    inner_k: int = 5,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
) -> NestedCV:
    """Nested grouped cross-validation of choosing the candidate with the least MAE.

    ``predictions`` maps each candidate to its forecasts ``(n,)``; ``outcome`` is ``(n,)``
    (only finite outcomes should be passed). Ties go to the candidate listed first.
    """
    y = np.asarray(outcome, dtype=float)
    g = np.asarray(groups)
    keys = list(predictions)
    if not keys:
        raise ValueError("no candidates")
    preds = np.stack([np.asarray(predictions[c], dtype=float) for c in keys])  # (C, n)
    abs_err = np.abs(preds - y)
    oof = np.full((len(seeds), y.size), np.nan)
    chosen: list[Hashable] = []
    for r, seed in enumerate(seeds):
        outer = grouped_folds(g, k, seed)
        for f in range(k):
            train = np.flatnonzero(outer != f)
            test = np.flatnonzero(outer == f)
            inner = grouped_folds(g[train], inner_k, 10_000 + 97 * seed + f)
            # inner CV score: mean over inner folds of the fold's MAE
            fold_mae = np.stack(
                [abs_err[:, train[inner == q]].mean(axis=1) for q in range(inner_k)]
            )  # (inner_k, C)
            best = int(np.argmin(fold_mae.mean(axis=0)))
            chosen.append(keys[best])
            oof[r, test] = preds[best, test]
    mae = np.abs(oof - y).mean(axis=1)
    return NestedCV(oof=oof, chosen=tuple(chosen), mae=mae)
