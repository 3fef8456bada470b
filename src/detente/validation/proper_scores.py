"""Proper scoring rules for forecasts given as distributions (lower is better for all).

* **CRPS**, the continuous ranked probability score of a predictive CDF ``F`` at the
  outcome ``y`` (Gneiting & Raftery 2007, *JASA* 102, §4.2, eq. 20):
  ``CRPS(F, y) = ∫ (F(x) - 1{y <= x})² dx``, in the outcome's unit (scale points). Its
  kernel form (ibid., eq. 21), ``CRPS(F, y) = E|X - y| - ½ E|X - X'|`` with ``X, X'``
  independent draws from ``F``, gives it exactly for a discrete distribution
  (:func:`crps_discrete`). For a point mass it is the absolute error, so a model's CRPS
  can be read beside its MAE. A predictive distribution censored at the scale's ends
  ``[L, U]`` (the mass beyond an end sits on the end, where DEU outcomes often lie) and
  an outcome inside them give ``CRPS = ∫_L^y F² dx + ∫_y^U (1 - F)² dx``, which
  :func:`crps_censored` evaluates in closed form for the Laplace and normal families
  (antiderivatives in :func:`_int_f2`; for the normal it uses
  ``∫ Φ(z)² dz = zΦ(z)² + 2Φ(z)φ(z) - Φ(z√2)/√π``). Uncensored, the normal's is the
  closed form of Gneiting, Raftery, Westveld & Goldman (2005, *MWR* 133, eq. 5).
* **Brier score** for the outcome falling in one of the thirds of the scale, the
  multi-category quadratic score of Brier (1950) (Gneiting & Raftery 2007, §3):
  ``Σ_k (p_k - o_k)²`` over the three categories, from 0 (all probability on the third
  that happened) to 2.
* **Log score**, the negative logarithm of the probability given to the third that happened
  (Good 1952; Gneiting & Raftery 2007, §3 and §4.1), in nats. Probabilities are floored at
  :data:`LOG_FLOOR` before the logarithm, so one third that a model calls impossible costs
  at most ``-log(0.001) = 6.91`` instead of infinity (the floor makes the rule proper only
  for forecasts that give every third at least 0.001; it is reported with the results).

The thirds of a scale ``[L, U]`` (:func:`thirds`): ``[L, L + s/3)``, ``[L + s/3, L + 2s/3)``
and ``[L + 2s/3, U]`` with ``s = U - L``; on DEU's 0..100, ``[0, 33.33)``, ``[33.33, 66.67)``,
``[66.67, 100]``. An outcome on a boundary belongs to the upper third.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "LOG_FLOOR",
    "brier",
    "category_of",
    "crps_censored",
    "crps_discrete",
    "crps_normal",
    "log_score",
    "thirds",
]

#: probabilities below this are raised to it before the log score takes their logarithm
LOG_FLOOR = 1e-3
FAMILIES = ("laplace", "normal")
_SQRT_PI = math.sqrt(math.pi)


def thirds(low: np.ndarray | float, high: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """The two inner boundaries of the thirds of the scale ``[low, high]``."""
    lo = np.asarray(low, dtype=float)
    span = np.asarray(high, dtype=float) - lo
    return lo + span / 3.0, lo + 2.0 * span / 3.0


def category_of(y: np.ndarray, low: np.ndarray | float, high: np.ndarray | float) -> np.ndarray:
    """The third (0, 1, 2) each outcome falls in (a boundary belongs to the upper third)."""
    b1, b2 = thirds(low, high)
    y = np.asarray(y, dtype=float)
    return (y >= b1).astype(int) + (y >= b2).astype(int)


def brier(probs: np.ndarray, category: np.ndarray) -> np.ndarray:
    """Multi-category Brier score per forecast: ``probs`` ``(n, C)``, ``category`` ``(n,)``."""
    p = np.asarray(probs, dtype=float)
    o = np.zeros_like(p)
    o[np.arange(p.shape[0]), np.asarray(category, dtype=int)] = 1.0
    return np.sum((p - o) ** 2, axis=1)


def log_score(probs: np.ndarray, category: np.ndarray, floor: float = LOG_FLOOR) -> np.ndarray:
    """``-log max(p_observed, floor)`` per forecast (nats; lower is better)."""
    p = np.asarray(probs, dtype=float)
    hit = p[np.arange(p.shape[0]), np.asarray(category, dtype=int)]
    return -np.log(np.maximum(hit, floor))


def crps_discrete(values: np.ndarray, weights: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact CRPS of discrete distributions at ``y`` (kernel form, G&R 2007 eq. 21).

    ``values`` and ``weights`` are ``(n, m)`` (each row's weights sum to 1; a zero weight
    pads a row), ``y`` is ``(n,)``. With ``x`` sorted and ``C_j`` the cumulative weight,
    ``E|X - X'| = 2 Σ_j w_j x_j (C_{j-1} - (1 - C_j))``.
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    y = np.asarray(y, dtype=float)
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ws = np.take_along_axis(w, order, axis=1)
    cum = np.cumsum(ws, axis=1)
    spread = 2.0 * np.sum(ws * xs * ((cum - ws) - (1.0 - cum)), axis=1)
    return np.sum(w * np.abs(x - y[:, None]), axis=1) - 0.5 * spread


def crps_normal(mu: np.ndarray, sigma: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CRPS of N(mu, sigma²) at ``y``: ``σ [z (2Φ(z) - 1) + 2φ(z) - 1/√π]``, ``z = (y-mu)/σ``
    (Gneiting et al. 2005, eq. 5)."""
    from scipy.stats import norm

    sigma = np.asarray(sigma, dtype=float)
    z = (np.asarray(y, dtype=float) - np.asarray(mu, dtype=float)) / sigma
    return sigma * (z * (2.0 * norm.cdf(z) - 1.0) + 2.0 * norm.pdf(z) - 1.0 / _SQRT_PI)


def _int_f2(family: str, z: np.ndarray) -> np.ndarray:
    """An antiderivative of ``F0(z)²`` for the standard member ``F0`` of the family (its
    integral from the centre 0 to ``z``)."""
    z = np.asarray(z, dtype=float)
    if family == "laplace":
        # F0 = ½e^z (z < 0), 1 - ½e^-z (z >= 0)
        with np.errstate(over="ignore"):
            neg = (np.exp(2.0 * np.minimum(z, 0.0)) - 1.0) / 8.0
            ez = np.exp(-np.maximum(z, 0.0))
            pos = np.maximum(z, 0.0) + (ez - 1.0) - (ez**2 - 1.0) / 8.0
        return np.where(z < 0.0, neg, pos)
    from scipy.stats import norm

    cdf = norm.cdf(z)
    val = np.where(np.isfinite(z), z * cdf**2, np.where(z > 0, np.inf, 0.0))
    return val + 2.0 * cdf * norm.pdf(z) - norm.cdf(math.sqrt(2.0) * z) / _SQRT_PI


def crps_censored(
    family: str,
    loc: np.ndarray,
    scale: np.ndarray,
    low: np.ndarray | float,
    high: np.ndarray | float,
    y: np.ndarray,
) -> np.ndarray:
    """Closed-form CRPS of a Laplace (scale ``b``) or normal (sd ``σ``) distribution
    centred on ``loc`` and censored at ``[low, high]``, at outcomes ``y`` inside them.

    ``CRPS = s [I(z_y) - I(z_L)] + s [I(-z_y) - I(-z_U)]`` with ``I`` the antiderivative of
    ``F0²`` (:func:`_int_f2`) and ``z = (x - loc) / s``; both families are symmetric, so
    ``(1 - F0(z))² = F0(-z)²``.
    """
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; allowed: {', '.join(FAMILIES)}")
    s = np.asarray(scale, dtype=float)
    loc = np.asarray(loc, dtype=float)
    zy = (np.asarray(y, dtype=float) - loc) / s
    zl = (np.asarray(low, dtype=float) - loc) / s
    zu = (np.asarray(high, dtype=float) - loc) / s
    left = _int_f2(family, zy) - _int_f2(family, zl)
    right = _int_f2(family, -zy) - _int_f2(family, -zu)
    return s * (left + right)
