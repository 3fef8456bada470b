"""Linkages: conditional rules between issues, evaluated inside every model's rounds.

A linkage reads "while <issue> <op> <value>, <effect>", for example "while Minsk
implementation < 70, the United States holds its sanctions position" or "while election
interference > 30, no actor moves on any issue". The condition is evaluated at the start of
every round on either

- the conditioning issue's current outcome estimate (the capability x salience weighted
  mean of the current positions, Achen 2006, then the issue's decision rule, so that an
  issue Russia decides alone reads Russia's position: :mod:`detente.decision`), or
- one actor's current position on it, when the condition names an ``actor``.

Positions a linkage holds are restored after the round's moves. Closed-form models
evaluate the rules once: a held position is simply the input position.

:func:`held_mask` is vectorised over a leading ensemble axis.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np

from detente.decision import DecisionArrays, apply_decisions
from detente.forecasts import Event
from detente.scenario import Linkage, ScenarioArrays

__all__ = ["apply_holds", "freeze_event", "freeze_outcome", "frozen_mask", "held_mask"]

_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def _conditions(
    linkages: Sequence[Linkage],
    arrays: ScenarioArrays,
    current_outcome: np.ndarray,
    positions: np.ndarray | None,
    rules: DecisionArrays | None,
) -> list[np.ndarray]:
    """Whether each linkage's condition holds, one ``(...)`` bool array per linkage."""
    a_index = {a: k for k, a in enumerate(arrays.actor_ids)}
    i_index = {i: k for k, i in enumerate(arrays.issue_ids)}
    current_outcome = np.asarray(current_outcome, dtype=float)
    lead = current_outcome.shape[:-1]
    if positions is None:
        positions = arrays.position
    if rules is not None and rules.active:
        current_outcome, _ = apply_decisions(
            rules,
            positions,
            arrays.capability,
            arrays.present,
            arrays.low,
            arrays.high,
            arrays.reference,
            current_outcome,
        )
    conds = []
    for link in linkages:
        i = i_index[link.when.issue]
        if link.when.actor is None:
            subject = current_outcome[..., i]
        else:
            subject = np.broadcast_to(positions[..., a_index[link.when.actor], i], lead)
        conds.append(np.asarray(_OPS[link.when.op](subject, link.when.value)))
    return conds


def _target(link: Linkage, arrays: ScenarioArrays) -> tuple[int | None, slice | int]:
    """The actor a linkage holds (``None``: every actor, a freeze) and its issue column(s)."""
    cols: slice | int = (
        slice(None) if link.then.issue == "*" else arrays.issue_ids.index(link.then.issue)
    )
    if link.then.kind == "hold" and link.then.actor is not None:
        return arrays.actor_ids.index(link.then.actor), cols
    return None, cols


def held_mask(
    linkages: Sequence[Linkage],
    arrays: ScenarioArrays,
    current_outcome: np.ndarray,
    positions: np.ndarray | None = None,
    rules: DecisionArrays | None = None,
) -> np.ndarray | None:
    """Which positions may not move this round.

    ``current_outcome`` is ``(..., I)`` (the weighted mean of the current positions);
    ``positions`` ``(..., A, I)`` are the current positions (default: the input
    positions), needed by conditions on an actor's position and by decision rules; with
    ``rules`` the outcome a condition reads is the one the issue's decision rule allows.
    The result is ``(..., A, I)`` bool, or ``None`` when the scenario has no linkages (so
    models can skip the work).
    """
    if not linkages:
        return None
    conds = _conditions(linkages, arrays, current_outcome, positions, rules)
    lead = np.shape(current_outcome)[:-1]
    held = np.zeros((*lead, arrays.n_actors, arrays.n_issues), dtype=bool)
    for link, cond in zip(linkages, conds, strict=True):
        actor, cols = _target(link, arrays)
        rows = slice(None) if actor is None else actor
        extra = held[..., rows, cols].ndim - len(lead)
        held[..., rows, cols] |= np.reshape(cond, np.shape(cond) + (1,) * extra)
    return held


def apply_holds(old: np.ndarray, new: np.ndarray, held: np.ndarray | None) -> np.ndarray:
    """New positions, except where ``held`` keeps the old ones."""
    if held is None:
        return new
    return np.where(held, old, new)


def frozen_mask(
    linkages: Sequence[Linkage],
    arrays: ScenarioArrays,
    current_outcome: np.ndarray,
    positions: np.ndarray | None = None,
    rules: DecisionArrays | None = None,
) -> np.ndarray:
    """The ``(..., I)`` issues on which linkages hold every actor (the issues
    :func:`held_mask` holds in full), without building the ``(..., A, I)`` mask: a freeze
    covers its issue at once, and holds count only on an issue whose every actor some
    hold names."""
    lead = np.shape(current_outcome)[:-1]
    frozen = np.zeros((*lead, arrays.n_issues), dtype=bool)
    if not linkages:
        return frozen
    conds = _conditions(linkages, arrays, current_outcome, positions, rules)
    holds: dict[int, list[tuple[int, np.ndarray]]] = {}
    for link, cond in zip(linkages, conds, strict=True):
        actor, cols = _target(link, arrays)
        if actor is None:
            frozen[..., cols] |= cond[..., None] if isinstance(cols, slice) else cond
            continue
        for k in range(arrays.n_issues)[cols] if isinstance(cols, slice) else (cols,):
            holds.setdefault(k, []).append((actor, cond))
    for k, pairs in holds.items():
        if {a for a, _ in pairs} != set(range(arrays.n_actors)):
            continue  # some actor is never held on issue k
        every = np.ones(lead, dtype=bool)
        for a in range(arrays.n_actors):
            any_a = np.zeros(lead, dtype=bool)
            for b, cond in pairs:
                if b == a:
                    any_a |= cond
            every &= any_a
        frozen[..., k] |= every
    return frozen


def freeze_outcome(
    linkages: Sequence[Linkage],
    arrays: ScenarioArrays,
    outcome: np.ndarray,
    positions: np.ndarray | None = None,
    rules: DecisionArrays | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For closed-form models: an issue on which a linkage holds every actor (a freeze)
    stays at its reference point (where it has one).

    ``outcome`` is ``(..., I)``; ``positions`` and ``rules`` as for :func:`held_mask`.
    Returns the outcome with frozen issues replaced and the ``(..., I)`` mask of frozen
    issues. Costs ``O(E (L + I))`` for ``E`` draws and ``L`` linkages (plus the decision
    rules' cost when ``rules`` are given).
    """
    if not linkages:
        return outcome, np.zeros(np.shape(outcome), dtype=bool)
    frozen = frozen_mask(linkages, arrays, outcome, positions, rules) & ~np.isnan(arrays.reference)
    return np.where(frozen, arrays.reference, outcome), frozen


def freeze_event(arrays: ScenarioArrays, k: int, round_: int = 0) -> Event:
    """The trace entry for issue ``k`` frozen at its reference (after round ``round_``)."""
    iss = arrays.issue_ids[k]
    return Event(
        round=round_,
        kind="freeze",
        actors=(),
        issues=(iss,),
        text=f"{iss} stays at its reference point {arrays.reference[k]:g}: a linkage freezes it",
    )
