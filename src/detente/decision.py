"""Who decides: the outcomes an issue's decision rule allows, given the deciders' positions.

Every model bargains as it does (positions move through challenges, exchanges, bargains);
its own aggregate of the final positions is what the issue would settle at if everyone's
influence counted (rule ``influence``). An issue's :class:`~detente.scenario.Decision` then
says which outcomes are possible (veto-player theory, Tsebelis 2002, ch. 1-2; the procedural
models of EU decision making, Steunenberg 1994 and Crombez 1996, compared on DEU data by
Thomson et al. 2006):

- ``unilateral`` (actor *a*): the outcome is *a*'s final position.
- ``unanimity`` (veto players *V*): the outcome is the point nearest the model's aggregate
  among the points every veto player weakly prefers to the reference point *r* (the status
  quo). With preference by distance on the issue's scale, veto player *v* at final position
  *p_v* accepts exactly ``[p_v - |p_v - r|, p_v + |p_v - r|]``; the set all accept is the
  intersection ``[L, U]`` with ``L = max_v (p_v - |p_v - r|)`` and ``U = min_v (p_v +
  |p_v - r|)``, an interval that always holds *r*. The outcome is the aggregate clipped to
  it: *r* itself (gridlock) when two veto players sit on opposite sides of *r*.
- ``majority`` (threshold *t*, optional veto list): the points weakly preferred to *r* by
  actors holding at least share *t* of the issue's capability (actors with a stance on the
  issue, each with its capability there). For ``x > r`` actor *a* prefers *x* iff
  ``p_a >= (x + r) / 2``; the supporting share falls as *x* rises, so the set right of *r*
  is ``[r, 2 q+ - r]`` with ``q+`` the highest position such that the actors at or above it
  hold share *t* (left of *r*: ``[2 q- - r, r]`` likewise). The veto players' intervals are
  intersected with it.

Preference is by distance on the issue's scale (the loss ``|x - p|``; ``agree``'s utility is
linear in the same distance, so both agree on who prefers what). Every set is intersected
with the scale, so a rule never moves an outcome off the scale. Shares are compared with a
tolerance of :data:`SHARE_TOL` so that a coalition holding exactly share *t* counts whatever
the summation order.

:func:`apply_decisions` is vectorised over a leading ensemble axis: ``O(E A I log A)`` time
for majority rules (a sort per issue), ``O(E A I)`` otherwise, ``O(E A I)`` memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from detente.forecasts import Event
from detente.scenario import Scenario

__all__ = ["SHARE_TOL", "DecisionArrays", "apply_decisions", "decision_arrays", "decision_events"]

#: capability shares within this of the threshold count as reaching it
SHARE_TOL = 1e-12

_INFLUENCE, _UNILATERAL, _UNANIMITY, _MAJORITY = 0, 1, 2, 3
_CODES = {"influence": _INFLUENCE, "unilateral": _UNILATERAL, "unanimity": _UNANIMITY}
_CODES["majority"] = _MAJORITY


@dataclass(frozen=True)
class DecisionArrays:
    """The decision rules of a scenario's issues as arrays (``A`` actors, ``I`` issues)."""

    rule: np.ndarray  # (I,) int code
    actor: np.ndarray  # (I,) index of the unilateral actor, -1 elsewhere
    veto: np.ndarray  # (A, I) bool
    threshold: np.ndarray  # (I,) NaN where the rule is not majority

    @property
    def active(self) -> bool:
        """Whether any issue has a rule other than ``influence``."""
        return bool((self.rule != _INFLUENCE).any())

    @cached_property
    def ruled(self) -> tuple[int, ...]:
        """The issues decided by unanimity or majority."""
        return tuple(int(k) for k in np.flatnonzero(self.rule >= _UNANIMITY))

    @cached_property
    def vetoes(self) -> dict[int, np.ndarray]:
        """The veto players of each ruled issue (actor indices)."""
        return {k: np.flatnonzero(self.veto[:, k]) for k in self.ruled}

    @cached_property
    def unilateral(self) -> np.ndarray:
        """The issues one actor decides."""
        return np.flatnonzero(self.rule == _UNILATERAL)


def decision_arrays(scenario: Scenario) -> DecisionArrays:
    """The array view of ``scenario``'s decision rules."""
    a_index = {a: k for k, a in enumerate(scenario.actor_ids)}
    n_a, n_i = len(scenario.actors), len(scenario.issues)
    rule = np.zeros(n_i, dtype=np.int8)
    actor = np.full(n_i, -1, dtype=np.int64)
    veto = np.zeros((n_a, n_i), dtype=bool)
    threshold = np.full(n_i, np.nan)
    for i, iss in enumerate(scenario.issues):
        dec = iss.decision
        rule[i] = _CODES[dec.rule]
        if dec.actor is not None:
            actor[i] = a_index[dec.actor]
        for v in dec.veto:
            veto[a_index[v], i] = True
        if dec.threshold is not None:
            threshold[i] = dec.threshold
    return DecisionArrays(rule=rule, actor=actor, veto=veto, threshold=threshold)


def _majority_bounds(
    position: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
    reference: np.ndarray,
    threshold: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds ``(L, U)``, shaped ``(..., K)``, of the points a capability share ``threshold``
    weakly prefers to ``reference``; inputs are ``(..., A, K)`` for the ``K`` majority
    issues."""
    weight = np.where(present, capability, 0.0)
    total = weight.sum(axis=-2)
    need = threshold * total - SHARE_TOL * np.maximum(total, 1e-300)
    # positions of absent actors sort last (upward) or first (downward) and weigh nothing
    up_key = np.where(present, position, -np.inf)
    order = np.argsort(-up_key, axis=-2, kind="stable")
    pos_desc = np.take_along_axis(up_key, order, axis=-2)
    cum = np.cumsum(np.take_along_axis(weight, order, axis=-2), axis=-2)
    k = np.argmax(cum >= need[..., None, :], axis=-2)
    q_up = np.take_along_axis(pos_desc, k[..., None, :], axis=-2)[..., 0, :]
    down_key = np.where(present, position, np.inf)
    order = np.argsort(down_key, axis=-2, kind="stable")
    pos_asc = np.take_along_axis(down_key, order, axis=-2)
    cum = np.cumsum(np.take_along_axis(weight, order, axis=-2), axis=-2)
    k = np.argmax(cum >= need[..., None, :], axis=-2)
    q_down = np.take_along_axis(pos_asc, k[..., None, :], axis=-2)[..., 0, :]
    upper = np.maximum(reference, 2.0 * q_up - reference)
    lower = np.minimum(reference, 2.0 * q_down - reference)
    return lower, upper


def apply_decisions(
    rules: DecisionArrays,
    position: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    reference: np.ndarray,
    outcome: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The outcome each issue's decision rule allows.

    ``position`` (final positions) and ``capability`` are ``(..., A, I)``, ``present`` is
    ``(A, I)``, ``low``, ``high`` and ``reference`` are ``(I,)`` and ``outcome`` (the
    model's aggregate) is ``(..., I)``. Returns the new outcome and a ``(..., I)`` mask of
    where the rule moved it (beyond 1e-12 of the scale's span).
    """
    outcome = np.asarray(outcome, dtype=float)
    if not rules.active:
        return outcome, np.zeros(outcome.shape, dtype=bool)
    position = np.asarray(position, dtype=float)
    lead = outcome.shape[:-1]
    ref = np.where(np.isnan(reference), 0.5 * (low + high), reference)
    new = outcome.copy()
    # unanimity and majority: clip the aggregate to the interval the deciders accept,
    # computed on the deciders' columns only (a few actors per issue)
    for k in rules.ruled:
        lower = np.full(lead, float(low[k]))
        upper = np.full(lead, float(high[k]))
        vetoes = rules.vetoes[k]
        if vetoes.size:
            p = position[..., vetoes, k]
            reach = np.abs(p - ref[k])
            lower = np.maximum(lower, (p - reach).max(axis=-1))
            upper = np.minimum(upper, (p + reach).min(axis=-1))
        if rules.rule[k] == _MAJORITY:
            cap = np.broadcast_to(capability, (*lead, *present.shape))
            lo_m, hi_m = _majority_bounds(
                position[..., k : k + 1],
                cap[..., k : k + 1],
                present[:, k : k + 1],
                ref[k : k + 1],
                rules.threshold[k : k + 1],
            )
            lower = np.maximum(lower, lo_m[..., 0])
            upper = np.minimum(upper, hi_m[..., 0])
        new[..., k] = np.clip(np.clip(outcome[..., k], lower, upper), low[k], high[k])
    uni = rules.unilateral
    if uni.size:
        new[..., uni] = np.clip(position[..., rules.actor[uni], uni], low[uni], high[uni])
    moved = np.abs(new - outcome) > 1e-12 * (high - low)
    return new, moved


def decision_events(
    scenario: Scenario,
    rules: DecisionArrays,
    position: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    moved: np.ndarray,
    *,
    round_: int = 0,
) -> list[Event]:
    """Trace entries for the issues whose rule bound the outcome (one forecast, no leading
    axis): ``position`` is ``(A, I)``, ``before``/``after`` the outcome without and with
    the rule."""
    arr = scenario.arrays()
    events = []
    for i in np.flatnonzero(moved):
        iss = scenario.issues[i]
        dec = iss.decision
        ref = arr.reference[i]
        if dec.rule == "unilateral":
            text = (
                f"unilateral: {dec.actor} decides {iss.id} alone, at its position "
                f"{after[i]:.4g} (the aggregate was {before[i]:.4g})"
            )
        else:
            who = _binding_veto(rules, arr.actor_ids, position, arr.present, ref, i, after[i])
            at_sq = abs(after[i] - ref) <= 1e-9 * (arr.high[i] - arr.low[i])
            where = "at the status quo" if at_sq else f"at {after[i]:.4g}"
            if who:
                text = (
                    f"{dec.rule}: {', '.join(who)}'s veto holds {iss.id} {where} "
                    f"(the aggregate was {before[i]:.4g})"
                )
            else:
                text = (
                    f"majority: no coalition of {dec.threshold:g} of the capability prefers "
                    f"{before[i]:.4g} to the status quo {ref:g}; {iss.id} settles {where}"
                )
        events.append(
            Event(
                round=round_,
                kind="decision",
                actors=tuple(dec.deciders),
                issues=(iss.id,),
                text=text,
            )
        )
    return events


def _binding_veto(
    rules: DecisionArrays,
    actor_ids: tuple[str, ...],
    position: np.ndarray,
    present: np.ndarray,
    ref: float,
    i: int,
    x: float,
) -> list[str]:
    """The veto players whose acceptable interval ends at ``x`` on issue ``i``."""
    ids = []
    for a in np.flatnonzero(rules.veto[:, i] & present[:, i]):
        reach = abs(position[a, i] - ref)
        gap = min(abs(x - (position[a, i] - reach)), abs(x - (position[a, i] + reach)))
        if gap <= 1e-9 * max(1.0, abs(x)):
            ids.append(actor_ids[a])
    return ids
