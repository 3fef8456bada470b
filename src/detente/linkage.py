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
from detente.forecast import Event
from detente.scenario import Linkage, ScenarioArrays

__all__ = ["apply_holds", "freeze_event", "freeze_outcome", "held_mask"]

_OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


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
    held = np.zeros((*lead, arrays.n_actors, arrays.n_issues), dtype=bool)
    for link in linkages:
        i = i_index[link.when.issue]
        if link.when.actor is None:
            subject = current_outcome[..., i]
        else:
            subject = np.broadcast_to(positions[..., a_index[link.when.actor], i], lead)
        cond = _OPS[link.when.op](subject, link.when.value)
        cond = np.asarray(cond)[..., None, None]
        target = np.zeros((arrays.n_actors, arrays.n_issues), dtype=bool)
        cols = slice(None) if link.then.issue == "*" else i_index[link.then.issue]
        if link.then.kind == "hold" and link.then.actor is not None:
            target[a_index[link.then.actor], cols] = True
        else:  # freeze: nobody moves on the issue(s)
            target[:, cols] = True
        held |= cond & target
    return held


def apply_holds(old: np.ndarray, new: np.ndarray, held: np.ndarray | None) -> np.ndarray:
    """New positions, except where ``held`` keeps the old ones."""
    if held is None:
        return new
    return np.where(held, old, new)


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
    issues.
    """
    held = held_mask(linkages, arrays, outcome, positions, rules)
    if held is None:
        return outcome, np.zeros(np.shape(outcome), dtype=bool)
    frozen = held.all(axis=-2) & ~np.isnan(arrays.reference)
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
