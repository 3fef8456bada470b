"""Targets: what outcome the analyst wants, as a condition on forecast outcomes.

A target is an issue bound, ``"<issue> <op> <value>"`` with op one of ``< <= > >= ==``
(``==`` within half a scale point), or ``"reset"``: a package of outcomes that every
principal of the scenario prefers to the status quo — the sum over issues of its
salience-weighted gain against the reference points (:func:`detente.utility.gains`) is
positive for each principal. ``"reset"`` needs reference points on the issues.

Targets are evaluated on outcome arrays with any leading axes, so an ensemble of
``(E, I)`` outcomes gives ``(E,)`` booleans in one call.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np

from detente.bargaining import is_reset
from detente.errors import InputError
from detente.scenario import Scenario
from detente.utility import utility

__all__ = ["Target", "parse_target", "parse_targets"]

_OPS = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": lambda a, b: np.abs(a - b) <= 0.5,
}
_PATTERN = re.compile(
    r"^\s*([^<>=!\s]+)\s*(<=|>=|==|<|>)\s*([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*$"
)


@dataclass(frozen=True)
class Target:
    """A parsed target, bound to a scenario's issue order."""

    expr: str
    kind: str  # "bound" or "reset"
    issue_index: int = -1
    op: str = ""
    value: float = float("nan")
    principals: tuple[int, ...] = ()

    def met(self, outcome: np.ndarray, scenario: Scenario) -> np.ndarray:
        """Whether the target holds for outcomes ``(..., I)``: bool ``(...)``."""
        outcome = np.asarray(outcome, dtype=float)
        if self.kind == "bound":
            return np.asarray(_OPS[self.op](outcome[..., self.issue_index], self.value))
        return is_reset(self.margin(outcome, scenario))

    def margin(self, outcome: np.ndarray, scenario: Scenario) -> np.ndarray:
        """How far the target is met (> 0) or missed (< 0), in scale points.

        For a bound, the signed distance to the bound; for ``reset``, each principal's
        total gain, shaped ``(..., P)``.
        """
        outcome = np.asarray(outcome, dtype=float)
        if self.kind == "bound":
            x = outcome[..., self.issue_index]
            if self.op in ("<", "<="):
                return self.value - x
            if self.op in (">", ">="):
                return x - self.value
            return 0.5 - np.abs(x - self.value)
        arr = scenario.arrays()
        span = arr.high - arr.low
        idx = list(self.principals)
        pos, sal = arr.position[idx], np.where(arr.present[idx], arr.salience[idx], 0.0)
        u_out = utility(outcome, pos, sal, span)
        u_ref = utility(arr.reference, pos, sal, span)
        return (u_out - u_ref).sum(axis=-1)


def parse_target(expr: str, scenario: Scenario) -> Target:
    """Parse ``"issue <= 30"`` or ``"reset"`` against ``scenario``."""
    text = expr.strip()
    if text.lower() == "reset":
        missing = [i.id for i in scenario.issues if i.reference is None]
        if missing:
            raise InputError(
                "the 'reset' target needs a reference point (status quo) on every issue; "
                f"missing on {', '.join(missing)}",
                where="--target reset",
            )
        principals = scenario.principal_ids
        if len(principals) < 2:
            raise InputError("the 'reset' target needs two principals", where="--target")
        return Target(
            expr="reset",
            kind="reset",
            principals=tuple(scenario.actor_ids.index(p) for p in principals),
        )
    m = _PATTERN.match(text)
    if not m:
        raise InputError(
            f"cannot read target {expr!r}",
            where="--target",
            allowed="ISSUE OP VALUE with OP one of < <= > >= == (e.g. 'sanctions <= 30'), "
            "or 'reset'",
        )
    issue, op, value = m.group(1), m.group(2), float(m.group(3))
    if issue not in scenario.issue_ids:
        raise InputError(
            f"target names unknown issue {issue!r}",
            where="--target",
            allowed=", ".join(scenario.issue_ids),
        )
    return Target(
        expr=text, kind="bound", issue_index=scenario.issue_ids.index(issue), op=op, value=value
    )


def parse_targets(exprs: list[str] | tuple[str, ...], scenario: Scenario) -> list[Target]:
    return [parse_target(e, scenario) for e in exprs]
