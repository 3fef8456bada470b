"""Tables shared by the dashboard and the HTML report.

Every table that shows a number of the scenario shows, in the same row, where the number
comes from (source id, location in it) and why (the rationale): the analyst never has to
look elsewhere to judge an input. The functions only reshape what the scenario and the
forecasts already hold; they compute nothing new (docs/design.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from detente.forecasts import Forecast
from detente.scenario import Provenance, Scenario
from detente.utility import gains

__all__ = [
    "STANCE_COLUMNS",
    "actors_table",
    "gains_by_principal",
    "gains_table",
    "issues_table",
    "linkages_table",
    "outcome_table",
    "sources_table",
    "stances_table",
    "trajectories_table",
    "variants_table",
]

#: columns of :func:`stances_table`, in order
STANCE_COLUMNS = (
    "actor",
    "issue",
    "position",
    "salience",
    "capability",
    "source",
    "location",
    "rationale",
)


def _prov(p: Provenance | None) -> tuple[str, str, str]:
    if p is None:
        return "", "", ""
    return p.source, p.location or "", p.rationale or ""


def sources_table(scenario: Scenario) -> pd.DataFrame:
    """The documents the scenario rests on."""
    rows = [
        {
            "id": s.id,
            "title": s.title,
            "author": s.author or "",
            "year": "" if s.year is None else str(s.year),
            "note": s.note or "",
        }
        for s in scenario.sources
    ]
    return pd.DataFrame(rows, columns=["id", "title", "author", "year", "note"])


def actors_table(scenario: Scenario) -> pd.DataFrame:
    """One row per actor: capability with its source and rationale."""
    rows = []
    for a in scenario.actors:
        src, loc, why = _prov(a.provenance)
        rows.append(
            {
                "actor": a.id,
                "name": a.label,
                "capability": float(a.capability),
                "source": src,
                "location": loc,
                "rationale": why,
            }
        )
    return pd.DataFrame(
        rows, columns=["actor", "name", "capability", "source", "location", "rationale"]
    )


def issues_table(scenario: Scenario) -> pd.DataFrame:
    """One row per issue: its scale, both ends in words, the reference point, who decides
    it (its decision rule) and its source."""
    rows = []
    for i in scenario.issues:
        src, loc, why = _prov(i.provenance)
        rows.append(
            {
                "issue": i.id,
                "name": i.label,
                "low": float(i.scale.low),
                "low end": i.scale.low_label or "",
                "high": float(i.scale.high),
                "high end": i.scale.high_label or "",
                "reference": np.nan if i.reference is None else float(i.reference),
                "decision": str(i.decision),
                "source": src,
                "location": loc,
                "rationale": why,
            }
        )
    cols = [
        "issue",
        "name",
        "low",
        "low end",
        "high",
        "high end",
        "reference",
        "decision",
        "source",
        "location",
        "rationale",
    ]
    return pd.DataFrame(rows, columns=cols)


def stances_table(scenario: Scenario) -> pd.DataFrame:
    """The actor x issue table in long form: one row per stance, in actor then issue order,
    with its source, location and rationale beside the numbers.

    ``capability`` is the stance's own capability where it has one, else the actor's.
    """
    a_order = {a: k for k, a in enumerate(scenario.actor_ids)}
    i_order = {i: k for k, i in enumerate(scenario.issue_ids)}
    caps = {a.id: a.capability for a in scenario.actors}
    rows = []
    for st in sorted(scenario.stances, key=lambda s: (a_order[s.actor], i_order[s.issue])):
        src, loc, why = _prov(st.provenance)
        rows.append(
            {
                "actor": st.actor,
                "issue": st.issue,
                "position": float(st.position),
                "salience": float(st.salience),
                "capability": float(caps[st.actor] if st.capability is None else st.capability),
                "source": src,
                "location": loc,
                "rationale": why,
            }
        )
    return pd.DataFrame(rows, columns=list(STANCE_COLUMNS))


def linkages_table(scenario: Scenario) -> pd.DataFrame:
    """The linkage rules, read as sentences, with their sources."""
    rows = []
    for k in scenario.linkages:
        src, loc, why = _prov(k.provenance)
        who = k.then.actor or "every actor"
        verb = "holds its position on" if k.then.kind == "hold" else "is frozen on"
        if k.then.kind == "freeze":
            who = "every actor"
        issue = "every issue" if k.then.issue == "*" else k.then.issue
        rows.append(
            {
                "linkage": k.id,
                "rule": f"while {k.when}, {who} {verb} {issue}",
                "description": k.description or "",
                "source": src,
                "location": loc,
                "rationale": why,
            }
        )
    cols = ["linkage", "rule", "description", "source", "location", "rationale"]
    return pd.DataFrame(rows, columns=cols)


def variants_table(scenario: Scenario) -> pd.DataFrame:
    """One row per stance change of every policy variant, with the change's rationale."""
    rows = []
    for v in scenario.variants:
        src, loc, _ = _prov(v.provenance)
        for c in v.changes:
            rows.append(
                {
                    "variant": v.id,
                    "name": v.name or v.id,
                    "actor": c.actor,
                    "issue": c.issue,
                    "position": np.nan if c.position is None else float(c.position),
                    "salience": np.nan if c.salience is None else float(c.salience),
                    "source": src,
                    "location": loc,
                    "rationale": c.rationale or "",
                }
            )
    cols = [
        "variant",
        "name",
        "actor",
        "issue",
        "position",
        "salience",
        "source",
        "location",
        "rationale",
    ]
    return pd.DataFrame(rows, columns=cols)


def outcome_table(scenario: Scenario, forecasts: list[Forecast]) -> pd.DataFrame:
    """One row per issue: the status quo (reference) and each model's forecast outcome."""
    rows = []
    for k, iss in enumerate(scenario.issues):
        row: dict[str, object] = {
            "issue": iss.id,
            "name": iss.label,
            "reference": np.nan if iss.reference is None else float(iss.reference),
        }
        for f in forecasts:
            row[f.model] = float(f.outcome[k])
        rows.append(row)
    return pd.DataFrame(rows, columns=["issue", "name", "reference", *[f.model for f in forecasts]])


def gains_table(scenario: Scenario, forecasts: list[Forecast]) -> pd.DataFrame:
    """Each principal's gain (+) or loss (−) against the reference point, per issue and in
    total, for each model's outcome (salience-weighted scale points,
    :func:`detente.utility.gains`). Issues without a reference point show NaN and are left
    out of the total."""
    principals = scenario.principal_ids
    idx = [scenario.actor_ids.index(p) for p in principals]
    rows = []
    per_model = {f.model: gains(scenario, f.outcome)[idx] for f in forecasts}
    for k, iss in enumerate(scenario.issue_ids):
        for m, g in per_model.items():
            for n, p in enumerate(principals):
                rows.append({"issue": iss, "model": m, "actor": p, "gain": float(g[n, k])})
    for m, g in per_model.items():
        for n, p in enumerate(principals):
            rows.append({"issue": "total", "model": m, "actor": p, "gain": float(np.nansum(g[n]))})
    long = pd.DataFrame(rows, columns=["issue", "model", "actor", "gain"])
    if long.empty:
        return long
    wide = long.pivot_table(
        index="issue", columns=["model", "actor"], values="gain", sort=False, dropna=False
    )
    wide.columns = [f"{m}: {a}" for m, a in wide.columns]
    return wide.reset_index()


def gains_by_principal(scenario: Scenario, forecasts: list[Forecast]) -> dict[str, pd.DataFrame]:
    """:func:`gains_table` as one narrow table per principal (keyed by its name): issues
    (and the total) down, models across, so that the table fits a page's width."""
    wide = gains_table(scenario, forecasts)
    out: dict[str, pd.DataFrame] = {}
    if wide.empty:
        return out
    models = [f.model for f in forecasts]
    for p in scenario.principal_ids:
        cols = {f"{m}: {p}": m for m in models}
        out[scenario.actor(p).label] = wide[["issue", *cols]].rename(columns=cols)
    return out


def trajectories_table(forecasts: list[Forecast]) -> pd.DataFrame:
    """All forecasts' positions per round, actor and issue (tidy, for CSV download)."""
    frames = [f.to_frame() for f in forecasts]
    if not frames:
        return pd.DataFrame(columns=["model", "round", "actor", "issue", "position"])
    return pd.concat(frames, ignore_index=True)
