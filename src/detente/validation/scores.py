"""Scores of point forecasts against known outcomes, and the paired bootstrap.

Scores (on the issues' own scale, 0..100 for DEU): mean absolute error (MAE), root mean
squared error (RMSE), median absolute error and the share of issues forecast within 10
points (``|error| <= 10``), the measures of Thomson, Stokman, Achen & König (2006, ch. 10)
and Achen (2006).

The paired bootstrap (Efron & Tibshirani 1993, ch. 16; resampling whole clusters, Davison
& Hinkley 1997, §3.8): the same resample of issues is drawn for a model and for the
baseline, and the difference of their scores is recomputed on each resample; the 95%
interval is the 2.5 and 97.5 percentiles of those differences. Issues of the same proposal
share their actors and are negotiated together, so by default whole proposals are
resampled (``groups``); pass one group per issue to resample issues.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "METRICS",
    "Interval",
    "mae",
    "median_ae",
    "paired_bootstrap",
    "paired_bootstrap_loss",
    "rmse",
    "score_all",
    "within",
]

#: name -> (label, lower is better)
METRICS: dict[str, tuple[str, bool]] = {
    "mae": ("MAE", True),
    "rmse": ("RMSE", True),
    "median_ae": ("median AE", True),
    "within_10": ("within 10", False),
}

WITHIN = 10.0


def mae(error: np.ndarray) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(error)))


def rmse(error: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean(np.square(error))))


def median_ae(error: np.ndarray) -> float:
    """Median absolute error."""
    return float(np.median(np.abs(error)))


def within(error: np.ndarray, points: float = WITHIN) -> float:
    """Share of forecasts within ``points`` of the outcome (inclusive)."""
    return float(np.mean(np.abs(error) <= points + 1e-9))


def score_all(error: np.ndarray) -> dict[str, float]:
    """Every score of :data:`METRICS` for one vector of errors (forecast - outcome)."""
    e = np.asarray(error, dtype=float)
    if e.size == 0:
        return {k: float("nan") for k in METRICS}
    return {"mae": mae(e), "rmse": rmse(e), "median_ae": median_ae(e), "within_10": within(e)}


@dataclass(frozen=True)
class Interval:
    """A difference of scores (model minus baseline) and its bootstrap interval."""

    estimate: float
    low: float
    high: float

    def to_dict(self) -> dict[str, object]:
        return {"mean": self.estimate, "ci": [self.low, self.high]}


def _weighted_scores(
    abs_err: np.ndarray, w: np.ndarray, order: np.ndarray
) -> dict[str, np.ndarray]:
    """Scores of ``abs_err`` (n,) under integer resampling weights ``w`` (B, n)."""
    tot = w.sum(axis=1)
    out = {
        "mae": (w * abs_err).sum(axis=1) / tot,
        "rmse": np.sqrt((w * abs_err**2).sum(axis=1) / tot),
        "within_10": (w * (abs_err <= WITHIN + 1e-9)).sum(axis=1) / tot,
    }
    # median of the resampled multiset: elements at ranks (N-1)//2 and N//2 of the sorted
    # errors, found from the cumulative weights in sorted order
    ws = w[:, order]
    cum = np.cumsum(ws, axis=1)
    xs = abs_err[order]
    lo_rank = (tot - 1) // 2
    hi_rank = tot // 2
    lo = xs[np.argmax(cum > lo_rank[:, None], axis=1)]
    hi = xs[np.argmax(cum > hi_rank[:, None], axis=1)]
    out["median_ae"] = 0.5 * (lo + hi)
    return out


def paired_bootstrap(
    error: np.ndarray,
    baseline_error: np.ndarray,
    groups: np.ndarray | None = None,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Interval]:
    """Difference of every score (model minus baseline) with its paired bootstrap interval.

    ``error`` and ``baseline_error`` are forecast minus outcome on the same issues;
    ``groups`` names each issue's resampling cluster (default: every issue its own).
    The point estimate is the difference on the data themselves.
    """
    e = np.abs(np.asarray(error, dtype=float))
    b = np.abs(np.asarray(baseline_error, dtype=float))
    if e.shape != b.shape or e.ndim != 1:
        raise ValueError("error and baseline_error must be 1-d arrays of the same length")
    n = e.size
    if n == 0:
        nan = float("nan")
        return {k: Interval(nan, nan, nan) for k in METRICS}
    if groups is None:
        inverse = np.arange(n)
    else:
        _, inverse = np.unique(np.asarray(groups), return_inverse=True)
    n_groups = int(inverse.max()) + 1
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n_groups, np.full(n_groups, 1.0 / n_groups), size=n_boot)
    w = counts[:, inverse].astype(float)  # (B, n) how often each issue is drawn
    # every group holds at least one issue, so every resample has at least one issue
    se = _weighted_scores(e, w, np.argsort(e, kind="stable"))
    sb = _weighted_scores(b, w, np.argsort(b, kind="stable"))
    point_e = score_all(e)
    point_b = score_all(b)
    alpha = (1.0 - level) / 2.0
    out = {}
    for k in METRICS:
        diff = se[k] - sb[k]
        lo, hi = np.quantile(diff, [alpha, 1.0 - alpha])
        out[k] = Interval(float(point_e[k] - point_b[k]), float(lo), float(hi))
    return out


def paired_bootstrap_loss(
    loss: np.ndarray,
    baseline_loss: np.ndarray,
    groups: np.ndarray | None = None,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> Interval:
    """Difference of the mean of a per-issue loss (model minus baseline) with its paired
    bootstrap interval: :func:`paired_bootstrap`'s MAE of losses that are never negative
    (a proper score per issue, such as the CRPS), so the same resamples as for the MAE."""
    a = np.asarray(loss, dtype=float)
    b = np.asarray(baseline_loss, dtype=float)
    if np.any(a < 0) or np.any(b < 0):
        raise ValueError("losses must not be negative")
    return paired_bootstrap(a, b, groups, n_boot=n_boot, seed=seed, level=level)["mae"]
