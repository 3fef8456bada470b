"""The compromise (weighted mean) and weighted-median models.

*Compromise model* (Achen 2006, "Evaluating political decision-making models", in Thomson,
Stokman, Achen & König (eds.), *The European Union Decides*, eq. 8.1; Van den Bos 1991):
the outcome of issue i is the capability- and salience-weighted mean of the positions,

    O_i = Σ_a c_ai s_ai x_ai / Σ_a c_ai s_ai .

It is the "model to beat" on EU legislative data (Achen 2006; Thomson et al. 2012).

*Weighted median* (Black 1958, median voter theorem, with votes weighted by c·s): sort the
positions; the outcome is the first position at which the cumulative weight reaches half of
the total weight.

Both are closed-form: the forecast has no rounds, its trajectory is the input. For A actors
and I issues the compromise takes O(A·I) time and the median O(A·I·log A) (a sort per
issue); both hold O(A·I) memory (a few arrays of the scenario's shape). At 2,000 actors x
50 issues either takes milliseconds; reading the scenario file takes far longer. Linkages
(:mod:`detente.linkage`) are evaluated once on the forecast: an issue that a linkage
freezes (every actor held) stays at its reference point. Where every
actor on an issue has zero weight (all saliences or capabilities 0) the weights are taken
as equal, so that the forecast is the plain mean (median) rather than undefined.
"""

from __future__ import annotations

import numpy as np

from detente.decision import decision_arrays
from detente.forecasts import Forecast
from detente.linkage import freeze_event, freeze_outcome
from detente.models.base import Model, make_forecast
from detente.models.registry import register
from detente.scenario import Scenario

__all__ = ["Compromise", "Median", "weighted_mean", "weighted_median"]

#: relative tolerance of the median's half-weight test: the first position (ascending;
#: the actor order among equal positions) whose cumulative weight reaches half the total
#: to within this share, so that an exact half split does not flip with rounding
HALF_RTOL = 1e-12


def _weights(salience: np.ndarray, capability: np.ndarray, present: np.ndarray) -> np.ndarray:
    w = np.where(present, capability * salience, 0.0)
    total = w.sum(axis=-2, keepdims=True)
    # issues where nobody carries weight: equal weights among those present
    return np.where(total > 0, w, present.astype(float))


def weighted_mean(
    position: np.ndarray, salience: np.ndarray, capability: np.ndarray, present: np.ndarray
) -> np.ndarray:
    """Σ c s x / Σ c s over the actor axis (-2); arrays shaped ``(..., A, I)``."""
    w = capability * salience * present
    num = np.einsum("...ai,...ai->...i", w, position)
    den = w.sum(axis=-2)
    zero = den <= 0
    if np.any(zero):  # nobody carries weight: the plain mean of those present
        eq = np.broadcast_to(present, w.shape).astype(float)
        num = np.where(zero, np.einsum("...ai,...ai->...i", eq, position), num)
        den = np.where(zero, eq.sum(axis=-2), den)
    return num / den


def weighted_median(
    position: np.ndarray, salience: np.ndarray, capability: np.ndarray, present: np.ndarray
) -> np.ndarray:
    """First position (ascending) whose cumulative c·s weight reaches half the total."""
    w = _weights(salience, capability, present)
    w, position = np.broadcast_arrays(w, position)
    order = np.argsort(position, axis=-2, kind="stable")
    xs = np.take_along_axis(position, order, axis=-2)
    ws = np.take_along_axis(w, order, axis=-2)
    cum = np.cumsum(ws, axis=-2)
    half = 0.5 * cum[..., -1:, :]
    # tolerance so that an exact half split is not lost to rounding
    reached = cum >= half * (1.0 - HALF_RTOL)
    k = np.argmax(reached, axis=-2)
    return np.take_along_axis(xs, k[..., None, :], axis=-2)[..., 0, :]


class _ClosedForm(Model):
    def _kernel(self, *args: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def forecast(self, scenario: Scenario, *, seed: int | None = None) -> Forecast:
        arr = scenario.arrays()
        out = self._kernel(arr.position, arr.salience, arr.capability, arr.present)
        # a held position is the input position already; an issue on which every actor is
        # held (a freeze) does not move from its reference point
        out, frozen = freeze_outcome(
            scenario.linkages, arr, out, arr.position, decision_arrays(scenario)
        )
        events = [freeze_event(arr, k) for k in np.flatnonzero(frozen)]
        return make_forecast(
            self, scenario, arr.position[None, :, :], out, seed=seed, events=events
        )

    def outcome_batch(
        self,
        position: np.ndarray,
        salience: np.ndarray,
        capability: np.ndarray,
        present: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        *,
        seed: int | None = None,
        scenario: Scenario | None = None,
    ) -> np.ndarray:
        # the model's aggregate; decision rules and freezes are added by
        # Model.decided_outcome_batch, as make_forecast adds them to forecast
        return self._kernel(position, salience, capability, present)


@register
class Compromise(_ClosedForm):
    """Capability x salience weighted mean of the positions (Achen 2006, eq. 8.1)."""

    name = "compromise"
    summary = "capability x salience weighted mean of positions"
    citation = "Achen (2006), The European Union Decides, ch. 8; Van den Bos (1991)"

    def __init__(self) -> None:
        pass

    def _kernel(self, *args: np.ndarray) -> np.ndarray:
        return weighted_mean(*args)


@register
class Median(_ClosedForm):
    """Capability x salience weighted median of the positions (Black 1958)."""

    name = "median"
    summary = "capability x salience weighted median of positions"
    citation = "Black (1958), The Theory of Committees and Elections"

    def __init__(self) -> None:
        pass

    def _kernel(self, *args: np.ndarray) -> np.ndarray:
        return weighted_median(*args)
