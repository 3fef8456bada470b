"""Grading a sealed forecast once the outcomes are known.

Point forecasts (``run``: each model's outcome per issue; ``ensemble``: the median of the
draws) are scored by absolute error per issue and their mean (MAE), beside the MAE of the
status-quo forecast, each issue's reference point, computed by
:func:`detente.retrospective.retrospective` (the baseline of Bueno de Mesquita 2011, *CMPS*
28(1)).

An ensemble's result carries each issue's histogram of outcomes over the issue's scale
(``detente ensemble --json``). From it the grade computes, per issue,

- the continuous ranked probability score (Matheson & Winkler 1976, *Management Science*
  22(10); Gneiting & Raftery 2007, *JASA* 102(477), eq. 20):
  ``CRPS(F, y) = ∫ (F(x) − 1{x ≥ y})² dx``, with F the histogram's distribution, uniform
  within each bin (piecewise linear F), integrated exactly bin by bin: on a piece
  ``[a, b]`` where ``F − 1{x ≥ y}`` goes linearly from ``u`` to ``v``, the integral is
  ``(b − a)(u² + uv + v²)/3``. Same units as the scale; 0 is a sure, right forecast; for a
  point forecast it equals the absolute error;
- the probability the ensemble gave to the third of the scale where the outcome fell
  (low, middle or high third): exact when the number of bins is a multiple of 3 (the
  bins then tile the thirds), otherwise read from the same piecewise-uniform F (and
  marked approximate).

Time: O(issues × bins) per model; memory the same.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import InputError
from detente.record.store import RunRecord
from detente.scenario import Scenario

__all__ = [
    "Observed",
    "crps_histogram",
    "grade_run",
    "is_outcomes_csv",
    "outcomes_from_scenario",
    "point_forecasts",
    "read_outcomes_csv",
    "third_probability",
]


@dataclass(frozen=True)
class Observed:
    """The observed outcome of one issue."""

    value: float
    date: str | None = None
    source: str | None = None


# ----------------------------------------------------------------------------- outcomes
def is_outcomes_csv(path: str | Path) -> bool:
    """Whether ``path`` is a CSV whose header starts ``issue,outcome``."""
    p = Path(path)
    if p.suffix.lower() != ".csv" or not p.is_file():
        return False
    try:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            head = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return [h.strip().lower() for h in head[:2]] == ["issue", "outcome"]


def read_outcomes_csv(path: str | Path, scenario: Scenario) -> dict[str, Observed]:
    """Outcomes from a CSV with columns ``issue,outcome[,date,source]``.

    Every issue must be one of the scenario's, once; the outcome a number on its scale; the
    date ``YYYY-MM-DD``. Problems are :class:`InputError` naming the row and column.
    """
    src = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc})", source=src) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputError("the file is empty", source=src, allowed="issue,outcome[,date,source]")
    head = [h.strip().lower() for h in rows[0]]
    allowed_cols = ["issue", "outcome", "date", "source"]
    if head[:2] != ["issue", "outcome"] or any(h not in allowed_cols for h in head):
        raise InputError(
            f"unexpected header {','.join(rows[0])!r}",
            source=src,
            where="row 1",
            allowed="the columns issue,outcome and optionally date,source",
        )
    col = {h: k for k, h in enumerate(head)}
    out: dict[str, Observed] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cells = {h: (row[k].strip() if k < len(row) else "") for h, k in col.items()}
        issue = cells["issue"]
        if issue not in scenario.issue_ids:
            raise InputError(
                f"unknown issue {issue!r}",
                source=src,
                where=f"row {n}, column issue",
                allowed="the run's issues: " + ", ".join(scenario.issue_ids),
            )
        if issue in out:
            raise InputError(
                f"issue {issue!r} is given twice", source=src, where=f"row {n}, column issue"
            )
        lo, hi = scenario.issue(issue).scale.low, scenario.issue(issue).scale.high
        try:
            value = float(cells["outcome"])
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not lo <= value <= hi:
            raise InputError(
                f"outcome {cells['outcome']!r} is not a number on the issue's scale",
                source=src,
                where=f"row {n}, column outcome",
                allowed=f"a number from {lo:g} to {hi:g}",
            )
        when = cells.get("date") or None
        if when is not None:
            try:
                when = date.fromisoformat(when).isoformat()
            except ValueError:
                raise InputError(
                    f"{when!r} is not a date",
                    source=src,
                    where=f"row {n}, column date",
                    allowed="YYYY-MM-DD",
                ) from None
        out[issue] = Observed(value, when, cells.get("source") or None)
    if not out:
        raise InputError("no outcome rows", source=src, allowed="rows issue,outcome[,date,source]")
    return out


def outcomes_from_scenario(observed: Scenario, scenario: Scenario) -> dict[str, Observed]:
    """The outcomes a scenario file records on its issues (``outcome``, ``outcome_date``,
    ``outcome_source``), for the issues the run forecast."""
    out: dict[str, Observed] = {}
    for iss in observed.issues:
        if iss.outcome is None or iss.id not in scenario.issue_ids:
            continue
        lo, hi = scenario.issue(iss.id).scale.low, scenario.issue(iss.id).scale.high
        if not lo <= iss.outcome <= hi:
            raise InputError(
                f"outcome {iss.outcome:g} lies outside the run's scale of the issue",
                source=observed.id,
                where=f"issue {iss.id}",
                allowed=f"a number from {lo:g} to {hi:g}",
            )
        out[iss.id] = Observed(
            float(iss.outcome),
            None if iss.outcome_date is None else iss.outcome_date.isoformat(),
            iss.outcome_source,
        )
    if not out:
        raise InputError(
            "no issue of the run carries an outcome in this scenario",
            source=observed.id,
            allowed="issues with 'outcome' among: " + ", ".join(scenario.issue_ids),
        )
    return out


# ----------------------------------------------------------------------------- forecasts
def point_forecasts(result: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Each model's point forecast per issue in a stored result: a ``run`` result's
    outcomes, or an ``ensemble`` result's medians. Empty for results of other shapes."""
    out: dict[str, dict[str, float]] = {}
    if isinstance(result.get("forecasts"), list):
        for fc in result["forecasts"]:
            out[str(fc["model"])] = {
                e["id"]: float(e["outcome"]) for e in fc["issues"] if e.get("outcome") is not None
            }
    elif isinstance(result.get("issues"), list) and "model" in result:
        medians = {}
        for e in result["issues"]:
            q = e.get("quantiles") or {}
            if q.get("50") is not None:
                medians[e["id"]] = float(q["50"])
        if medians:
            out[str(result["model"])] = medians
    return out


@dataclass(frozen=True)
class _Stored:
    """A stored point forecast, with the three attributes
    :func:`detente.retrospective.retrospective` reads (model, issue_ids, outcome)."""

    model: str
    issue_ids: tuple[str, ...]
    outcome: np.ndarray


# ----------------------------------------------------------------------------- scores
def crps_histogram(edges: np.ndarray, counts: np.ndarray, y: float) -> float:
    """CRPS of the distribution uniform within each histogram bin, at observation ``y``
    (see the module docstring). ``y`` beyond the edges is allowed."""
    edges = np.asarray(edges, dtype=float)
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    if total <= 0 or edges.size != counts.size + 1:
        raise ValueError("a histogram needs len(counts) + 1 edges and at least one draw")
    cdf = np.concatenate(([0.0], np.cumsum(counts) / total))
    lo, hi = float(edges[0]), float(edges[-1])
    # pieces of constant indicator: split the edges at y
    xs = np.union1d(edges, [min(max(y, lo), hi)])
    fx = np.interp(xs, edges, cdf)
    a, b = xs[:-1], xs[1:]
    ind = (a >= y).astype(float)  # 1{x >= y} on each piece (pieces never straddle y)
    u, v = fx[:-1] - ind, fx[1:] - ind
    inside = float(np.sum((b - a) * (u * u + u * v + v * v) / 3.0))
    # outside the edges F is 0 (below) or 1 (above): the indicator differs between y and
    # the nearest edge
    return inside + max(0.0, lo - y) + max(0.0, y - hi)


def third_probability(
    edges: np.ndarray, counts: np.ndarray, y: float, low: float, high: float
) -> tuple[float, int, bool]:
    """(probability of the third of [low, high] holding ``y``, which third 0/1/2, exact).

    Exact when the bins tile the thirds (bin count a multiple of 3 over [low, high]);
    otherwise from the piecewise-uniform distribution within bins.
    """
    edges = np.asarray(edges, dtype=float)
    counts = np.asarray(counts, dtype=float)
    total = counts.sum()
    span = high - low
    k = min(2, max(0, int((y - low) / span * 3))) if span > 0 else 0
    a, b = low + k * span / 3, low + (k + 1) * span / 3
    cdf = np.concatenate(([0.0], np.cumsum(counts) / total))
    nb = counts.size
    exact = (
        nb % 3 == 0
        and math.isclose(edges[0], low, abs_tol=1e-12 * max(1.0, abs(span)))
        and math.isclose(edges[-1], high, abs_tol=1e-12 * max(1.0, abs(span)))
    )
    if exact:
        per = nb // 3
        p = float(counts[k * per : (k + 1) * per].sum() / total)
    else:
        p = float(np.interp(b, edges, cdf) - np.interp(a, edges, cdf))
    return p, k, exact


def grade_run(
    run: RunRecord, observed: Mapping[str, Observed], *, sealed_at: str | None
) -> dict[str, Any]:
    """The score of a recorded run against observed outcomes (see the module docstring).

    Issues observed but not forecast by a model are left out of that model's scores; an
    outcome dated on or before the day of the seal is listed under ``hindsight`` (the
    forecast was sealed once the outcome was known).
    """
    from detente.retrospective import retrospective

    scenario = run.scenario()
    result = run.result
    points = point_forecasts(result)
    if not points:
        raise InputError(
            f"the result of this '{run.command}' run holds no per-issue forecast to grade",
            where="RUN",
            allowed="a run of 'detente run' or 'detente ensemble'",
        )
    common = set.intersection(*(set(p) for p in points.values()))
    unforecast = sorted(i for i in observed if i not in common)
    observed = {i: o for i, o in observed.items() if i in common}
    if not observed:
        raise InputError(
            "no observed issue is among the issues the run forecast",
            where="OUTCOMES",
            allowed="outcomes for: " + ", ".join(scenario.issue_ids),
        )
    issues = []
    for iss in scenario.issues:
        obs = observed.get(iss.id)
        if obs is None:
            issues.append(iss)
            continue
        issues.append(
            iss.model_copy(
                update={
                    "outcome": obs.value,
                    "outcome_date": None if obs.date is None else date.fromisoformat(obs.date),
                    "outcome_source": obs.source,
                }
            )
        )
    scored = scenario.replace(issues=tuple(issues))
    ids = tuple(i for i in scenario.issue_ids if i in observed)
    stored = [
        _Stored(model, ids, np.array([per_issue[i] for i in ids]))
        for model, per_issue in points.items()
    ]
    retro = retrospective(scored, stored)  # type: ignore[arg-type]
    assert retro is not None  # at least one issue carries an outcome
    models = []
    for rec in retro.models:
        entry: dict[str, Any] = {
            "model": rec.model,
            "forecast": {i: points[rec.model][i] for i in rec.error},
            "error": rec.error,
            "mae": rec.mae,
            "mae_vs_status_quo": _finite(rec.vs_status_quo),
        }
        models.append(entry)
    notes: list[str] = []
    if unforecast:
        notes.append("observed but not forecast by every model, left out: " + ", ".join(unforecast))
    if "forecasts" not in result:
        _ensemble_scores(result, scenario, observed, models[0], notes)
    else:
        notes.append("point forecasts: the CRPS of a point forecast equals its absolute error")
    seal_day = None if sealed_at is None else sealed_at[:10]
    hindsight = sorted(
        i for i, o in observed.items() if seal_day and o.date is not None and o.date <= seal_day
    )
    if hindsight:
        notes.append(
            "outcomes dated on or before the day of the seal (not a forecast for these): "
            + ", ".join(hindsight)
        )
    return {
        "run": run.id,
        "command": run.command,
        "scenario": run.scenario_id,
        "sealed_at": sealed_at,
        "issues": [
            {
                "id": i,
                "outcome": retro.observed[i],
                "date": retro.dated[i],
                "source": retro.sources[i],
                "reference": scenario.issue(i).reference,
            }
            for i in retro.issues
        ],
        "status_quo": {"error": retro.status_quo.error, "mae": _finite(retro.status_quo.mae)},
        "models": models,
        "hindsight": hindsight,
        "notes": notes,
    }


def _ensemble_scores(
    result: Mapping[str, Any],
    scenario: Scenario,
    observed: Mapping[str, Observed],
    entry: dict[str, Any],
    notes: list[str],
) -> None:
    """CRPS and the probability of the observed third, from the stored histograms."""
    crps: dict[str, float] = {}
    third: dict[str, dict[str, Any]] = {}
    approximate = False
    for e in result["issues"]:
        iid = e["id"]
        h = e.get("histogram") or {}
        if iid not in observed or not h.get("edges") or not h.get("counts"):
            continue
        if sum(h["counts"]) <= 0:
            continue
        edges, counts = np.array(h["edges"], float), np.array(h["counts"], float)
        y = observed[iid].value
        crps[iid] = crps_histogram(edges, counts, y)
        sc = scenario.issue(iid).scale
        p, k, exact = third_probability(edges, counts, y, sc.low, sc.high)
        third[iid] = {"third": ("low", "middle", "high")[k], "probability": p, "exact": exact}
        approximate |= not exact
    if not crps:
        notes.append(
            "no CRPS: the stored ensemble result has no histogram of the observed issues "
            "(it needs each issue's histogram edges and counts, as detente ensemble --json "
            "prints them)"
        )
        return
    entry["crps"] = crps
    entry["mean_crps"] = float(np.mean(list(crps.values())))
    entry["p_observed_third"] = third
    entry["mean_p_observed_third"] = float(np.mean([t["probability"] for t in third.values()]))
    notes.append(
        "ensemble: the point forecast is the median of the draws; CRPS from the histogram, "
        "uniform within bins"
    )
    if approximate:
        notes.append(
            "the bins do not tile the thirds of the scale (bins not a multiple of 3): the "
            "probability of the observed third assumes draws uniform within bins (use "
            "--bins 9 or 12 for an exact figure)"
        )


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
