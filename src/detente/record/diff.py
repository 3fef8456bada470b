"""What changed between two recorded runs: their inputs and settings, and how each
forecast moved per issue.

Inputs are compared on the scenarios' stored JSON: actors, issues and stances (keyed by
actor and issue) that were added, removed or changed, field by field; other parts of the
scenario (linkages, variants, principals, sources...) are named when they differ. Forecasts
are compared per model common to both runs and per issue forecast by both
(:func:`detente.record.grade.point_forecasts`: a run's outcome, an ensemble's median).

Time and memory: O(size of the two scenarios and results).
"""

from __future__ import annotations

from typing import Any

from detente.record.store import RunRecord

__all__ = ["diff_runs"]

_SETTINGS = (
    "command",
    "inputs_kind",
    "scenario_id",
    "input_hash",
    "models",
    "params",
    "seed",
    "version",
)


def diff_runs(a: RunRecord, b: RunRecord) -> dict[str, Any]:
    """The differences between runs ``a`` and ``b`` (JSON values)."""
    from detente.record.grade import point_forecasts

    settings = []
    for name in _SETTINGS:
        va, vb = getattr(a, name), getattr(b, name)
        if isinstance(va, tuple):
            va, vb = list(va), list(vb)
        if va != vb:
            settings.append({"field": name, "a": va, "b": vb})
    sa, sb = a.scenario_data, b.scenario_data
    if a.inputs_kind != "scenario" or b.inputs_kind != "scenario":
        sa, sb = {"inputs": sa}, {"inputs": sb}  # not two scenarios: only whether they differ
    actors = _keyed(sa.get("actors", []), sb.get("actors", []), lambda d: (d["id"],), ("actor",))
    issues = _keyed(sa.get("issues", []), sb.get("issues", []), lambda d: (d["id"],), ("issue",))
    stances = _keyed(
        sa.get("stances", []),
        sb.get("stances", []),
        lambda d: (d["actor"], d["issue"]),
        ("actor", "issue"),
    )
    skip = {"actors", "issues", "stances"}
    other = sorted(k for k in set(sa) | set(sb) if k not in skip and sa.get(k) != sb.get(k))
    pa, pb = point_forecasts(a.result), point_forecasts(b.result)
    moves = []
    for model in [m for m in pa if m in pb]:
        for issue, xa in pa[model].items():
            xb = pb[model].get(issue)
            if xb is not None:
                moves.append({"model": model, "issue": issue, "a": xa, "b": xb, "change": xb - xa})
    return {
        "a": a.id,
        "b": b.id,
        "settings": settings,
        "actors": actors,
        "issues": issues,
        "stances": stances,
        "other": other,
        "forecasts": moves,
        "models_only_in_a": [m for m in pa if m not in pb],
        "models_only_in_b": [m for m in pb if m not in pa],
    }


def _keyed(
    xs: list[dict[str, Any]], ys: list[dict[str, Any]], key: Any, names: tuple[str, ...]
) -> dict[str, list[dict[str, Any]]]:
    """Added, removed and changed entries of two lists of JSON objects, by ``key``."""
    da = {key(x): x for x in xs}
    db = {key(y): y for y in ys}

    def label(k: tuple[str, ...]) -> dict[str, Any]:
        return dict(zip(names, k, strict=True))

    changed = []
    for k, x in da.items():
        y = db.get(k)
        if y is None:
            continue
        for f in sorted((set(x) | set(y)) - set(names) - {"id"}):
            if x.get(f) != y.get(f):
                changed.append({**label(k), "field": f, "a": x.get(f), "b": y.get(f)})
    return {
        "added": [label(k) for k in db if k not in da],
        "removed": [label(k) for k in da if k not in db],
        "changed": changed,
    }
