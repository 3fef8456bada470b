"""Predictive distributions of point forecasts, calibrated by cross-validation grouped by
proposal, and their proper scores.

Every model of detente forecasts a point. :func:`predictive` turns a model's forecasts of a
data set into one distribution per issue whose spread is learnt from the model's own errors
on *other* proposals: the issues are dealt into ``folds`` folds grouped by proposal
(:func:`detente.validation.crossval.grouped_folds`, seeded), and an issue of fold ``f`` gets
a distribution built from the residuals ``r = outcome - forecast`` of the issues of the
other folds only (so no issue's outcome shapes its own distribution, and the issues of one
proposal never inform each other). Families (``distribution``):

* ``empirical`` (default): the forecast plus each training residual, censored at the ends of
  the issue's scale, all equally likely: the model's error distribution as observed,
  skewed or heavy-tailed as it is, with point masses at the ends where the residuals reach
  beyond them (an ensemble of the residuals, Dawid 1984's prequential idea applied out of
  fold);
* ``laplace``: a Laplace distribution centred on the forecast with scale ``b`` the training
  residuals' mean absolute value (its maximum-likelihood estimate with the centre fixed),
  censored at the scale's ends;
* ``normal``: a normal distribution centred on the forecast with standard deviation the
  training residuals' root mean square, censored at the scale's ends;
* ``ensemble``: the model's own ensemble under input uncertainty
  (:func:`ensemble_predictive`, :func:`detente.analysis.ensemble.run_ensemble` on each
  proposal with the default spreads of :mod:`detente.analysis.perturb`), each draw equally
  likely. Nothing is fitted to outcomes: it says how far the forecast moves when the inputs
  move, not how far the model errs, and the scores show how far apart the two are.

Censoring, not truncation: a DEU outcome is often exactly 0 or 100 (the Commission's
proposal or the status quo adopted as is), so a distribution must be able to put mass on the
ends themselves, which is what the mass beyond an end, moved onto it, does.

The distributions are scored (:mod:`detente.validation.proper_scores`) by the CRPS, and by
the Brier and log scores of the probabilities of the scale's thirds. The PIT (probability
integral transform) of each outcome, ``F(y-) + V (F(y) - F(y-))`` with ``V`` uniform
(randomised for the point masses; Czado, Gneiting & Held 2009), is uniform on [0, 1] for a
calibrated forecaster; its histogram is the calibration chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from detente.errors import InputError
from detente.validation.crossval import grouped_folds
from detente.validation.proper_scores import (
    LOG_FLOOR,
    brier,
    category_of,
    crps_censored,
    crps_discrete,
    log_score,
    thirds,
)

if TYPE_CHECKING:
    from detente.models.base import Model
    from detente.scenario import Scenario

__all__ = [
    "DEFAULT_FOLDS",
    "DISTRIBUTIONS",
    "Predictive",
    "ProperScores",
    "ensemble_predictive",
    "predictive",
    "score",
]

DISTRIBUTIONS = ("empirical", "laplace", "normal", "ensemble")
#: the families fitted on out-of-fold residuals
FITTED = ("empirical", "laplace", "normal")
DEFAULT_ENSEMBLE_DRAWS = 200
DEFAULT_FOLDS = 5
#: smallest scale of a parametric family (scale points): a model exact on every training
#: issue would otherwise give a zero-width distribution
MIN_SCALE = 1e-6


@dataclass(frozen=True)
class Predictive:
    """One predictive distribution per issue, all of one kind.

    ``empirical`` and ``ensemble``: ``values`` ``(n, m)`` with ``weights`` ``(n, m)`` (rows
    sum to 1, zero weights pad). ``laplace``/``normal``: ``loc`` and ``scale`` ``(n,)``.
    ``low``/``high`` are the ends of each issue's scale, where the distributions are censored.
    """

    kind: str
    low: np.ndarray
    high: np.ndarray
    loc: np.ndarray
    scale: np.ndarray | None = None
    values: np.ndarray | None = None
    weights: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.low.size)

    def cdf(self, x: np.ndarray, *, left: bool = False) -> np.ndarray:
        """``F(x) = P(X <= x)`` per issue (``left``: ``P(X < x)``), censoring included."""
        x = np.asarray(x, dtype=float)
        if self.values is not None:  # empirical, ensemble
            assert self.weights is not None
            hit = self.values < x[:, None] if left else self.values <= x[:, None]
            return np.minimum(np.sum(self.weights * hit, axis=1), 1.0)
        from scipy.stats import laplace, norm

        assert self.scale is not None
        dist = laplace if self.kind == "laplace" else norm
        inner = dist.cdf(x, loc=self.loc, scale=self.scale)
        below = (x < self.low) if not left else (x <= self.low)
        above = (x >= self.high) if not left else (x > self.high)
        return np.where(below, 0.0, np.where(above, 1.0, inner))

    def crps(self, y: np.ndarray) -> np.ndarray:
        """CRPS at the outcomes ``y`` (exact, see :mod:`detente.validation.proper_scores`)."""
        if self.values is not None:  # empirical, ensemble
            assert self.weights is not None
            return crps_discrete(self.values, self.weights, y)
        assert self.scale is not None
        return crps_censored(self.kind, self.loc, self.scale, self.low, self.high, y)

    def thirds(self) -> np.ndarray:
        """``(n, 3)``: the probability of each third of the scale (boundaries in
        :func:`detente.validation.proper_scores.thirds`)."""
        b1, b2 = thirds(self.low, self.high)
        f1 = self.cdf(b1, left=True)
        f2 = self.cdf(b2, left=True)
        return np.stack([f1, f2 - f1, 1.0 - f2], axis=1)

    def pit(self, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Randomised PIT ``F(y-) + V (F(y) - F(y-))``, ``V ~ U(0, 1)`` from ``rng``."""
        lo = self.cdf(y, left=True)
        hi = self.cdf(y)
        return lo + rng.random(lo.size) * (hi - lo)


def predictive(
    forecast: np.ndarray,
    outcome: np.ndarray,
    groups: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    *,
    distribution: str = "empirical",
    folds: int = DEFAULT_FOLDS,
    seed: int = 0,
) -> Predictive:
    """Predictive distributions of ``forecast`` ``(n,)`` calibrated on the out-of-fold
    residuals (see the module docstring); ``groups`` names each issue's proposal."""
    if distribution not in FITTED:
        raise InputError(
            f"unknown predictive distribution {distribution!r}",
            where="--distribution",
            allowed=", ".join(FITTED) + " (ensemble: ensemble_predictive)",
        )
    f = np.asarray(forecast, dtype=float)
    y = np.asarray(outcome, dtype=float)
    lo = np.broadcast_to(np.asarray(low, dtype=float), f.shape).copy()
    hi = np.broadcast_to(np.asarray(high, dtype=float), f.shape).copy()
    g = np.asarray(groups)
    n_groups = np.unique(g).size
    if n_groups < 2:
        raise InputError(
            f"{n_groups} proposal(s) with outcomes: a spread fitted on other proposals needs "
            "at least two",
            where="--distribution",
            allowed="a data set with outcomes on two or more proposals",
        )
    k = min(folds, n_groups)
    fold = grouped_folds(g, k, seed)
    resid = y - f
    if distribution == "empirical":
        m = int(max(np.sum(fold != q) for q in range(k)))
        values = np.empty((f.size, m))
        weights = np.zeros((f.size, m))
        for q in range(k):
            test = fold == q
            r = resid[~test]
            x = f[test, None] + r[None, :]
            values[test, : r.size] = np.clip(x, lo[test, None], hi[test, None])
            values[test, r.size :] = hi[test, None]  # padding, weight 0
            weights[test, : r.size] = 1.0 / r.size
        return Predictive("empirical", lo, hi, f, values=values, weights=weights)
    scale = np.empty(f.size)
    for q in range(k):
        test = fold == q
        r = resid[~test]
        s = np.mean(np.abs(r)) if distribution == "laplace" else np.sqrt(np.mean(r**2))
        scale[test] = max(float(s), MIN_SCALE)
    return Predictive(distribution, lo, hi, f, scale=scale)


def ensemble_predictive(
    cases: Sequence[Scenario],
    model: Model,
    issues: Sequence[str],
    low: np.ndarray,
    high: np.ndarray,
    *,
    draws: int = DEFAULT_ENSEMBLE_DRAWS,
    seed: int = 0,
) -> tuple[Predictive, np.ndarray]:
    """The model's ensemble under input uncertainty as the predictive distribution of each
    issue in ``issues``: ``draws`` draws of every case (default spreads, seeded), each draw
    equally likely. Returns the distributions and which issues have one (a case the model
    fails on leaves its issues without)."""
    from detente.analysis.ensemble import run_ensemble

    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise InputError(
            f"{draws!r} draws", where="--ensemble-draws", allowed="a whole number >= 1"
        )
    row = {iid: k for k, iid in enumerate(issues)}
    values = np.zeros((len(issues), draws))
    ok = np.zeros(len(issues), dtype=bool)
    for case in cases:
        wanted = [(j, row[iid]) for j, iid in enumerate(case.issue_ids) if iid in row]
        if not wanted:
            continue
        try:
            res = run_ensemble(case, model, draws=draws, seed=seed)
        except Exception:  # a model's failure on one case leaves its issues unscored
            continue
        for j, k in wanted:
            values[k] = res.outcomes[:, j]
            ok[k] = True
    lo = np.asarray(low, dtype=float)
    hi = np.asarray(high, dtype=float)
    values = np.clip(values, lo[:, None], hi[:, None])
    weights = np.full(values.shape, 1.0 / draws)
    loc = np.median(values, axis=1)
    return Predictive("ensemble", lo, hi, loc, values=values, weights=weights), ok


@dataclass(frozen=True)
class ProperScores:
    """Per-issue proper scores of one model's predictive distributions (lower is better)
    and the PIT values of its outcomes."""

    crps: np.ndarray
    brier: np.ndarray
    log_score: np.ndarray
    pit: np.ndarray
    probs: np.ndarray  # (n, 3): probability of each third

    def means(self) -> dict[str, float]:
        """Mean of each score over the issues scored (NaN marks an issue not forecast)."""
        out = {}
        for k in ("crps", "brier", "log_score"):
            v = getattr(self, k)
            v = v[np.isfinite(v)]
            out[k] = float(np.mean(v)) if v.size else float("nan")
        return out

    def expand(self, ok: np.ndarray) -> ProperScores:
        """The scores of the issues ``ok`` placed among ``ok.size`` issues (NaN elsewhere)."""

        def put(v: np.ndarray) -> np.ndarray:
            out = np.full((ok.size, *v.shape[1:]), np.nan)
            out[ok] = v
            return out

        return ProperScores(*(put(getattr(self, k)) for k in self.__dataclass_fields__))


def score(pred: Predictive, outcome: np.ndarray, *, seed: int = 0) -> ProperScores:
    """CRPS, Brier and log scores of ``pred`` at ``outcome``, and the randomised PIT (its
    uniform numbers seeded by ``seed``)."""
    y = np.asarray(outcome, dtype=float)
    probs = pred.thirds()
    cat = category_of(y, pred.low, pred.high)
    return ProperScores(
        crps=np.maximum(pred.crps(y), 0.0),  # exact CRPS is >= 0; clears rounding at 0
        brier=brier(probs, cat),
        log_score=log_score(probs, cat, LOG_FLOOR),
        pit=pred.pit(y, np.random.default_rng(seed)),
        probs=probs,
    )
