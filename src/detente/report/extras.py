"""The analyses that the dashboard and the report show when they are installed.

Ensembles (:mod:`detente.analysis.ensemble`), sensitivity (:mod:`detente.analysis.drivers`)
and what-it-takes (:mod:`detente.analysis.requirements`) are separate parts of detente; the
views import them lazily, so that each view appears as soon as its part is present and the
rest of the dashboard works without it. :func:`missing` says which part a view waits for.

This module only calls those analyses and reshapes their results for the charts of
:mod:`detente.report.charts`; it computes nothing of its own.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from detente.scenario import Scenario

__all__ = [
    "ensemble_bounds",
    "has",
    "missing",
    "run_ensemble",
    "run_sensitivity",
    "run_what_it_takes",
    "sensitivity_effects",
]

_MODULES = {
    "ensemble": "detente.analysis.ensemble",
    "sensitivity": "detente.analysis.drivers",
    "what_it_takes": "detente.analysis.requirements",
    "bargaining": "detente.bargaining",
}


def has(feature: str) -> bool:
    """Whether the part of detente behind ``feature`` imports."""
    try:
        importlib.import_module(_MODULES[feature])
    except ImportError:
        return False
    return True


def missing(feature: str) -> str:
    """A one-line note for a view whose part of detente is not installed."""
    return (
        f"This view appears when {_MODULES[feature]} is part of the installed detente; "
        "it is not in this installation."
    )


# ------------------------------------------------------------------------- ensemble
def run_ensemble(
    scenario: Scenario,
    model: str,
    *,
    draws: int = 500,
    seed: int = 0,
    spread: list[str] | None = None,
    targets: list[str] | None = None,
    progress: Callable[[float], None] | None = None,
) -> Any:
    """:func:`detente.analysis.ensemble.run_ensemble` with spreads and targets as text;
    ``progress(share)`` hears the share of draws done (0..1) after each chunk."""
    from detente.analysis.ensemble import run_ensemble as _run
    from detente.analysis.perturb import parse_spread

    done = [0]

    def _tick(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress(min(1.0, done[0] / draws))

    return _run(
        scenario,
        model,
        draws=draws,
        seed=seed,
        spread=parse_spread(spread) or None,
        targets=list(targets or []),
        progress=_tick,
    )


def ensemble_bounds(result: Any) -> tuple[list[tuple[str, str, float, float]], dict[str, float]]:
    """Issue-bound targets of an ensemble as ``(issue, op, value, probability)`` for
    :func:`detente.report.charts.ensemble_chart`, and every target's probability."""
    probs = result.probabilities()
    bounds = []
    for t in result.targets:
        if t.kind == "bound":
            bounds.append((result.issue_ids[t.issue_index], t.op, float(t.value), probs[t.expr]))
    return bounds, probs


# ------------------------------------------------------------------------- sensitivity
def run_sensitivity(
    scenario: Scenario,
    model: str,
    *,
    seed: int = 0,
    methods: tuple[str, ...] = ("tornado",),
    spread: list[str] | None = None,
    progress: Callable[[float], None] | None = None,
) -> Any:
    """:func:`detente.analysis.drivers.sensitivity` with spreads as text (by default
    the one-at-a-time tornado only: ``2K + 1`` model runs for ``K`` inputs);
    ``progress(share)`` hears the share of a method's runs done (0..1)."""
    from detente.analysis.drivers import sensitivity
    from detente.analysis.perturb import parse_spread

    def _factory(_method: str, runs: int) -> Callable[[int], None]:
        done = [0]

        def _tick(n: int) -> None:
            done[0] += n
            if progress is not None:
                progress(min(1.0, done[0] / max(runs, 1)))

        return _tick

    return sensitivity(
        scenario,
        model,
        methods=methods,
        seed=seed,
        spread=parse_spread(spread) or None,
        progress=_factory,
    )


def sensitivity_effects(result: Any, issue: str) -> dict[str, tuple[float, float]]:
    """Input -> (outcome change with the input at its low end, at its high end) on
    ``issue``, from a sensitivity result's tornado table, for
    :func:`detente.report.charts.tornado_chart`."""
    table = result.tornado
    if table is None:
        raise ValueError("the sensitivity run has no tornado table")
    rows = table[table["issue"] == issue]
    return {
        str(r["input"]): (float(r["outcome_low"] - r["base"]), float(r["outcome_high"] - r["base"]))
        for _, r in rows.iterrows()
    }


# ------------------------------------------------------------------------- what it takes
def run_what_it_takes(
    scenario: Scenario,
    targets: list[str],
    *,
    model: str = "compromise",
    movable: list[str] | None = None,
    seed: int = 0,
    budget: int = 400,
) -> Any:
    """:func:`detente.analysis.what_it_takes` (who-to-persuade included)."""
    from detente.analysis.requirements import what_it_takes

    return what_it_takes(
        scenario, targets, model=model, movable=movable or None, seed=seed, budget=budget
    )
