"""How much an actor gains or loses from an outcome, measured against the status quo.

The spatial utility of an outcome ``o`` on issue ``i`` to actor ``a`` with ideal position
``x`` and salience ``s`` is the salience-weighted loss ``-s·|o - x|`` (linear), or
``-s·(o - x)²/span`` (quadratic, scaled to the issue's span so both losses are in scale
points), the two forms used by Achen (2006) and Stokman & Van Oosten (1994). A risk
exponent ``r`` generalises the linear loss to ``-s·span·(|o - x|/span)^r`` (Bueno de
Mesquita 1994: r < 1 risk-acceptant, r > 1 risk-averse).

The *gain* of an outcome is its utility minus the utility of the issue's reference point
(the status quo): positive means the actor is better off than today.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from detente.scenario import Scenario

__all__ = ["Loss", "gains", "utility"]

Loss = Literal["linear", "quadratic"]


def utility(
    outcome: np.ndarray,
    position: np.ndarray,
    salience: np.ndarray,
    span: np.ndarray,
    *,
    loss: Loss = "linear",
    risk: float = 1.0,
) -> np.ndarray:
    """Utility of ``outcome`` (``(..., I)``) to actors at ``position`` (``(A, I)``).

    Returns ``(..., A, I)`` in salience-weighted scale points (0 at the ideal point).
    """
    d = np.abs(np.asarray(outcome)[..., None, :] - position)
    if loss == "quadratic":
        return -salience * d**2 / span
    if loss != "linear":
        raise ValueError(f"unknown loss {loss!r} (allowed: linear, quadratic)")
    if risk == 1.0:
        return -salience * d
    return -salience * span * (d / span) ** risk


def gains(
    scenario: Scenario,
    outcome: np.ndarray,
    *,
    loss: Loss = "linear",
    risk: float = 1.0,
) -> np.ndarray:
    """Gain ``(A, I)`` of each actor on each issue against the reference point.

    NaN where the issue has no reference point or the actor takes no stance on it (a
    missing value to show as such, never used in arithmetic by the callers).
    """
    arr = scenario.arrays()
    span = arr.high - arr.low
    u_out = utility(outcome, arr.position, arr.salience, span, loss=loss, risk=risk)
    u_ref = utility(
        np.nan_to_num(arr.reference), arr.position, arr.salience, span, loss=loss, risk=risk
    )
    g = u_out - u_ref
    g[:, np.isnan(arr.reference)] = np.nan
    g[~arr.present] = np.nan
    return g
