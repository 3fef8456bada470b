"""The seed essays' question, answered end to end: does each course of action produce a
*real reset* — a package of outcomes both principals prefer to the status quo
(:func:`detente.bargaining.is_reset`) — under each model, is one in reach at all
(:func:`detente.bargaining.agreement`), and what would it take
(:func:`detente.analysis.what_it_takes` with the ``reset`` target)?

:func:`default_targets` says when the ``reset`` target applies to a scenario (a reference
point on every issue and two principals): the target the dashboard and the report ask
about when the analyst names none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.analysis.requirements import WhatItTakes, what_it_takes
from detente.bargaining import Agreement, agreement, is_reset, package_gains
from detente.comparison import run_models
from detente.models.registry import defaults_for
from detente.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ResetSummary", "default_targets", "reset_summary"]


def default_targets(scenario: Scenario) -> tuple[str, ...]:
    """``("reset",)`` when the ``reset`` target applies to ``scenario`` (a reference point
    on every issue and at least two principals), else ``()``."""
    has_refs = all(i.reference is not None for i in scenario.issues)
    return ("reset",) if has_refs and len(scenario.principal_ids) >= 2 else ()


@dataclass
class ResetSummary:
    parties: tuple[str, str]
    models: list[str]
    variants: list[str]
    variant_names: dict[str, str]
    outcomes: dict[tuple[str, str], np.ndarray]
    gains: dict[tuple[str, str], np.ndarray]
    agreement: Agreement
    takes: WhatItTakes | None
    lines: list[str]

    def is_reset(self, variant: str, model: str) -> bool:
        """Whether ``model`` forecasts a real reset under the course of action ``variant``."""
        return bool(is_reset(self.gains[(variant, model)]))

    def to_frame(self) -> pd.DataFrame:
        """One row per course of action and model: each principal's total gain against the
        status quo and whether it is a real reset."""
        import pandas as pd

        a, b = self.parties
        rows = [
            {
                "course": v,
                "name": self.variant_names[v],
                "model": m,
                f"gain {a}": float(self.gains[(v, m)][0]),
                f"gain {b}": float(self.gains[(v, m)][1]),
                "reset": self.is_reset(v, m),
            }
            for v in self.variants
            for m in self.models
        ]
        return pd.DataFrame(
            rows, columns=["course", "name", "model", f"gain {a}", f"gain {b}", "reset"]
        )

    def summary(self) -> str:
        """The readable conclusions, one a line."""
        return "\n".join(self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "parties": list(self.parties),
            "courses": [
                {
                    "variant": v,
                    "name": self.variant_names[v],
                    "models": {
                        m: {
                            "gains": [float(x) for x in self.gains[(v, m)]],
                            "reset": self.is_reset(v, m),
                        }
                        for m in self.models
                    },
                }
                for v in self.variants
            ],
            "agreement": self.agreement.to_dict(),
            "what_it_takes": None if self.takes is None else self.takes.to_dict(),
            "summary": self.lines,
        }


def reset_summary(
    scenario: Scenario,
    *,
    models: list[str] | None = None,
    takes_model: str = "compromise",
    movable: list[str] | None = None,
    seed: int = 0,
) -> ResetSummary:
    """Forecast every course of action (the scenario and each of its variants) with every
    model (default: every model the scenario supports), judge each forecast by the
    principals' gains, and add the agreement analysis and what it would take
    (``takes_model``, moving ``movable``) to reach a reset.

    Example::

        >>> from detente.scenarios import load_bundled
        >>> r = reset_summary(load_bundled("us-russia-reset"), models=["compromise"])
        >>> r.agreement.reset_possible
        True
    """
    models = list(models or defaults_for(scenario)[0])
    parties = (scenario.principal_ids[0], scenario.principal_ids[1])
    courses: list[tuple[str, str, Scenario]] = [("base", "the scenario as written", scenario)]
    for v in scenario.variants:
        if v.changes:
            courses.append((v.id, v.name or v.id, scenario.variant(v.id)))
    outcomes, gains = {}, {}
    for vid, _, sc in courses:
        runs = run_models(sc, models, seed=seed, keep_going=False)
        for m in models:
            out = runs[m].outcome
            outcomes[(vid, m)] = out
            # gains are judged by the principals' positions of the base scenario: a course of
            # action changes what happens, not what the principals want
            gains[(vid, m)] = package_gains(scenario, out, parties)
    ag = agreement(scenario, parties)
    takes = what_it_takes(
        scenario, ["reset"], model=takes_model, movable=movable, seed=seed, persuade=False
    )
    names = {vid: name for vid, name, _ in courses}
    lines = _lines(scenario, parties, models, names, gains, ag, takes)
    return ResetSummary(
        parties=parties,
        models=models,
        variants=[c[0] for c in courses],
        variant_names=names,
        outcomes=outcomes,
        gains=gains,
        agreement=ag,
        takes=takes,
        lines=lines,
    )


def _lines(scenario, parties, models, names, gains, ag, takes) -> list[str]:
    a, b = (scenario.actor(p).label for p in parties)
    out = []
    for m in models:
        resets = [v for v in names if is_reset(gains[(v, m)])]
        if resets:
            out.append(f"{m}: a real reset under " + ", ".join(names[v] for v in resets) + ".")
        else:
            best = max(names, key=lambda v: float(np.min(gains[(v, m)])))
            g = gains[(best, m)]
            out.append(
                f"{m}: no course yields a real reset; closest: {names[best]} "
                f"({a} {g[0]:+.1f}, {b} {g[1]:+.1f})."
            )
    if ag.reset_possible:
        nb = ag.nash
        out.append(
            f"A package both prefer to the status quo exists: the Nash bargaining solution gives "
            f"{a} {nb.gains[0]:+.1f} and {b} {nb.gains[1]:+.1f}."
        )
        if ag.trades:
            t = ag.trades[0]
            out.append(
                f"Best cross-issue trade: {a} concedes '{t.gives_a}', {b} concedes "
                f"'{t.gives_b}' ({a} {t.gain_a:+.1f}, {b} {t.gain_b:+.1f})."
            )
    else:
        out.append("No package of outcomes leaves both principals better off than today.")
    if takes.feasible and takes.changes:
        top = takes.changes[0]
        out.append(
            f"What it would take ({takes.model}): total change {takes.total_change:.1f}, led by "
            f"{scenario.actor(top.actor).label} moving on {top.issue} from {top.before:.0f} "
            f"to {top.after:.0f}."
        )
    return out
