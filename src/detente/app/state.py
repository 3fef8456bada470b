"""The dashboard's logic, kept apart from Streamlit so that it can be tested directly.

- :func:`load_upload`: a file the analyst uploaded, read with :func:`detente.io.load_scenario`
  from a private temporary copy, refused over :data:`MAX_UPLOAD_BYTES`; problems come back as
  :class:`~detente.errors.InputError` naming the uploaded file (never the temporary path).
- :func:`apply_edits`: the scenario with the analyst's edits of the actor x issue table
  (positions, saliences), of actor capabilities and issue reference points applied, every
  bad cell reported with its table, row and column.
- :func:`scenario_yaml`: the edited scenario as native YAML, for download.
- :func:`read_expert_uploads` and :func:`combine_experts`: filled expert questionnaires
  (:mod:`detente.experts`), read with the same size and zip checks as a scenario upload and
  combined against the loaded scenario; :func:`disagreement_table` and
  :func:`forecasts_table` show the result.
- :func:`record_results`: a dashboard run kept in the run store as ``detente run`` keeps
  it (:func:`detente.record.record_run`); :func:`recorded_runs`, :func:`runs_table`,
  :func:`run_forecasts_table`, :func:`diff_tables` and :func:`grade_table` show the record
  (:mod:`detente.record`).
"""

from __future__ import annotations

import math
import re
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import ValidationError

from detente.errors import InputError, InputNotice
from detente.scenario import MAX_CAPABILITY, Scenario

if TYPE_CHECKING:
    from detente.comparison import Comparison
    from detente.experts import Combined, ExpertFile
    from detente.record.store import GradeRecord, RunRecord, SealRecord

__all__ = [
    "EXPERT_TYPES",
    "MAX_UPLOAD_BYTES",
    "UPLOAD_TYPES",
    "RunListing",
    "apply_edits",
    "combine_experts",
    "diff_tables",
    "disagreement_table",
    "forecasts_table",
    "grade_table",
    "load_upload",
    "read_expert_uploads",
    "record_results",
    "recorded_runs",
    "run_forecasts_table",
    "runs_table",
    "scenario_yaml",
]

#: uploads larger than this are refused before they are read
MAX_UPLOAD_BYTES = 10_000_000

#: file extensions the upload widget offers (every format detente reads)
UPLOAD_TYPES = ("yaml", "yml", "csv", "tsv", "txt", "xlsx")

#: file extensions of filled expert questionnaires (the workbook, or the long CSV)
EXPERT_TYPES = ("xlsx", "csv", "tsv", "txt")

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(name: str) -> str:
    base = Path(name).name.strip() or "upload"
    return _SAFE_NAME.sub("_", base)[:120]


def load_upload(name: str, data: bytes, fmt: str | None = None) -> tuple[Scenario, list[str]]:
    """Read an uploaded scenario file; return the scenario and the readers' notices.

    The bytes are written to a new private temporary folder under the upload's base name
    (so that format detection by extension works and messages name the user's file), read
    with ``max_bytes=MAX_UPLOAD_BYTES`` (unsafe YAML is refused by the reader), and removed.
    """
    shown = _safe_name(name)
    _check_size(shown, data)
    from detente.io import load_scenario

    with tempfile.TemporaryDirectory(prefix="detente-upload-") as tmp:
        path = Path(tmp) / shown
        path.write_bytes(data)
        prefix = str(path)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", InputNotice)
                scenario = load_scenario(path, format=fmt, max_bytes=MAX_UPLOAD_BYTES)
        except InputError as exc:
            raise _renamed(exc, prefix, shown) from None
    notices = [
        str(w.message).replace(prefix, shown) for w in caught if issubclass(w.category, InputNotice)
    ]
    return scenario, notices


def _check_size(shown: str, data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"the file is {len(data) / 1e6:.1f} MB, over the upload limit of "
            f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB",
            source=shown,
            allowed=f"files up to {MAX_UPLOAD_BYTES:,} bytes",
        )


def _renamed(exc: InputError, prefix: str, shown: str) -> InputError:
    def fix(text: str | None) -> str | None:
        return None if text is None else text.replace(prefix, shown)

    return InputError(
        fix(exc.problem) or "", source=fix(exc.source), where=fix(exc.where), allowed=exc.allowed
    )


# ------------------------------------------------------------------------- edits
def _number(value: object, table: str, row: int, label: str, column: str) -> float:
    where = f"row {row} ({label}), column {column}"
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError("the cell is empty", source=table, where=where, allowed="a number")
    if isinstance(value, bool):
        raise InputError(
            f"{value!r} is not a number", source=table, where=where, allowed="a number"
        )
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(
            f"{value!r} is not a number", source=table, where=where, allowed="a number"
        ) from None
    if not math.isfinite(x):
        raise InputError("the cell is empty", source=table, where=where, allowed="a number")
    return x


def apply_edits(
    base: Scenario,
    stances: pd.DataFrame | None = None,
    actors: pd.DataFrame | None = None,
    issues: pd.DataFrame | None = None,
) -> Scenario:
    """``base`` with edited numbers from the dashboard's tables.

    ``stances`` has columns actor, issue, position, salience (one row per stance, as
    :func:`detente.report.tables.stances_table`); ``actors`` has actor, capability;
    ``issues`` has issue, reference (empty means no reference point). Rows are matched by
    their ids, so sorting the table does not matter. Raises :class:`InputError` naming the
    table, row and column of the first bad cell and what is allowed.
    """
    a_updates: dict[str, float] = {}
    if actors is not None:
        for n, row in enumerate(actors.itertuples(index=False), start=1):
            aid = str(row.actor)
            cap = _number(row.capability, "actors table", n, aid, "capability")
            if not 0 <= cap <= MAX_CAPABILITY:
                raise InputError(
                    f"capability {cap:g} is negative"
                    if cap < 0
                    else f"capability {cap:g} is above the limit of {MAX_CAPABILITY:g}",
                    source="actors table",
                    where=f"row {n} ({aid}), column capability",
                    allowed=f"a number from 0 to {MAX_CAPABILITY:g}",
                )
            a_updates[aid] = cap
    i_updates: dict[str, float | None] = {}
    if issues is not None:
        for n, row in enumerate(issues.itertuples(index=False), start=1):
            iid = str(row.issue)
            ref = row.reference
            if ref is None or (isinstance(ref, float) and math.isnan(ref)) or ref == "":
                i_updates[iid] = None
                continue
            x = _number(ref, "issues table", n, iid, "reference")
            sc = base.issue(iid).scale
            if not sc.low <= x <= sc.high:
                raise InputError(
                    f"reference {x:g} lies outside the issue's scale",
                    source="issues table",
                    where=f"row {n} ({iid}), column reference",
                    allowed=f"a number from {sc.low:g} to {sc.high:g}, or empty for none",
                )
            i_updates[iid] = x
    s_updates: dict[tuple[str, str], tuple[float, float]] = {}
    if stances is not None:
        for n, row in enumerate(stances.itertuples(index=False), start=1):
            aid, iid = str(row.actor), str(row.issue)
            label = f"{aid} on {iid}"
            pos = _number(row.position, "actor x issue table", n, label, "position")
            sal = _number(row.salience, "actor x issue table", n, label, "salience")
            try:
                sc = base.issue(iid).scale
            except KeyError:
                raise InputError(
                    f"unknown issue {iid!r}",
                    source="actor x issue table",
                    where=f"row {n}, column issue",
                    allowed=", ".join(base.issue_ids),
                ) from None
            if not sc.low <= pos <= sc.high:
                raise InputError(
                    f"position {pos:g} lies outside the issue's scale",
                    source="actor x issue table",
                    where=f"row {n} ({label}), column position",
                    allowed=f"a number from {sc.low:g} to {sc.high:g}",
                )
            if not 0.0 <= sal <= 1.0:
                raise InputError(
                    f"salience {sal:g} lies outside [0, 1]",
                    source="actor x issue table",
                    where=f"row {n} ({label}), column salience",
                    allowed="a number from 0 to 1",
                )
            s_updates[(aid, iid)] = (pos, sal)
    new_stances = []
    for st in base.stances:
        upd = s_updates.get((st.actor, st.issue))
        if upd is not None and (upd[0] != st.position or upd[1] != st.salience):
            st = st.model_copy(update={"position": upd[0], "salience": upd[1]})
        new_stances.append(st)
    new_actors = [
        a.model_copy(update={"capability": a_updates[a.id]})
        if a.id in a_updates and a_updates[a.id] != a.capability
        else a
        for a in base.actors
    ]
    caps = {a.id: a.capability for a in new_actors}
    if actors is not None and not any(
        (caps[st.actor] if st.capability is None else st.capability) > 0 for st in new_stances
    ):
        raise InputError(
            "every capability is 0: no actor would have any weight",
            source="actors table",
            where="column capability",
            allowed="capabilities >= 0 with at least one above 0",
        )
    new_issues = [
        i.model_copy(update={"reference": i_updates[i.id]})
        if i.id in i_updates and i_updates[i.id] != i.reference
        else i
        for i in base.issues
    ]
    try:
        return base.replace(
            stances=tuple(new_stances), actors=tuple(new_actors), issues=tuple(new_issues)
        )
    except ValidationError as exc:  # a rule across rows, e.g. a linkage or a variant
        first = exc.errors()[0]
        raise InputError(
            str(first["msg"]).removeprefix("Value error, "), source="edited scenario"
        ) from None


def scenario_yaml(scenario: Scenario) -> str:
    """The scenario as detente's native YAML (loads back to an equal scenario)."""
    from detente.io.yaml_io import dump_yaml

    return dump_yaml(scenario)


# ------------------------------------------------------------------------- experts
def _caught_notices(caught: list[warnings.WarningMessage], prefix: str, shown: str) -> list[str]:
    return [
        str(w.message).replace(prefix, shown) for w in caught if issubclass(w.category, InputNotice)
    ]


def read_expert_uploads(
    uploads: Sequence[tuple[str, bytes]], base: Scenario
) -> tuple[list[ExpertFile], list[str]]:
    """Filled expert questionnaires (name, bytes), read against ``base``; the experts'
    answers and the readers' notices.

    Each file is refused over :data:`MAX_UPLOAD_BYTES`; a workbook goes through the zip
    checks of every ``.xlsx`` detente reads (:func:`detente.io.table.check_zip`: members,
    unpacked size, compression ratio). Each expert is named by the file's base name; a
    problem is one :class:`InputError` naming the uploaded file (never a temporary path).
    """
    import dataclasses

    from detente.experts import Skeleton, read_expert_file

    if not uploads:
        raise InputError(
            "no expert files", source="expert files", allowed="one or more filled questionnaires"
        )
    skeleton = Skeleton.from_scenario(base, base.id)
    files: list[ExpertFile] = []
    notices: list[str] = []
    with tempfile.TemporaryDirectory(prefix="detente-experts-") as tmp:
        for k, (name, data) in enumerate(uploads):
            shown = _safe_name(name)
            _check_size(shown, data)
            folder = Path(tmp) / str(k)  # one folder per file: equal names do not collide
            folder.mkdir()
            path = folder / shown
            path.write_bytes(data)
            prefix = str(path)
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", InputNotice)
                    read = read_expert_file(
                        path, skeleton, expert=Path(shown).stem, max_bytes=MAX_UPLOAD_BYTES
                    )
            except InputError as exc:
                raise _renamed(exc, prefix, shown) from None
            notices.extend(_caught_notices(caught, prefix, shown))
            files.append(dataclasses.replace(read, source=shown))
    return files, notices


def combine_experts(
    files: Sequence[ExpertFile], base: Scenario, method: str = "mean"
) -> tuple[Combined, list[str]]:
    """The experts' answers combined against ``base`` (:func:`detente.experts.combine`,
    ``method`` ``mean`` or ``median``), and the notices it gave (stances left out, issues
    no expert forecast)."""
    from detente.experts import Skeleton, combine

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNotice)
        combined = combine(files, Skeleton.from_scenario(base, base.id), method=method)
    return combined, _caught_notices(caught, "\0", "\0")


def disagreement_table(combined: Combined, limit: int | None = None) -> pd.DataFrame:
    """Where the experts disagree, most first (:attr:`Combined.disagreements`): each value
    two or more experts gave, its combined value, the experts' minimum and maximum, the
    range as a percentage of what it could be, the standard deviation and the outlier."""
    rows = [
        {
            "actor": "—" if d.actor is None else d.actor,
            "issue": d.issue,
            "field": d.field,
            "experts": len(d.answers),
            combined.method: d.combined,
            "min": d.low,
            "max": d.high,
            "range (% of possible)": 100.0 * d.share,
            "std": d.std,
            "outlier": d.outlier or "",
        }
        for d in combined.disagreements[:limit]
    ]
    columns = ["actor", "issue", "field", "experts", combined.method, "min", "max"]
    columns += ["range (% of possible)", "std", "outlier"]
    return pd.DataFrame(rows, columns=columns)


def forecasts_table(combined: Combined) -> pd.DataFrame:
    """The experts' own forecast of each issue's outcome: one row per issue, one column
    per expert (empty where an expert gave none)."""
    rows = []
    for issue, fs in combined.forecasts.items():
        row: dict[str, Any] = {"issue": issue}
        row.update({e: math.nan for e in combined.experts})
        row.update({f.expert: f.forecast for f in fs})
        rows.append(row)
    return pd.DataFrame(rows, columns=["issue", *combined.experts])


# ------------------------------------------------------------------------- run record
def record_results(results: Comparison, started: float | None = None) -> str | None:
    """Keep a dashboard run in the run store as ``detente run`` keeps its runs (command
    ``run``, the models that gave a forecast, their default parameters, the seed, and the
    JSON of :meth:`~detente.comparison.Comparison.to_dict`); the run's id, or None when
    nothing was forecast or the store cannot be written (:func:`detente.record.record_run`
    then prints one notice on stderr)."""
    from detente.jsonsafe import finite_json
    from detente.record import record_run

    if not results.forecasts:
        return None
    return record_run(
        "run",
        results.scenario,
        model=[f.model for f in results.forecasts],
        params={},
        seed=results.seed,
        result=finite_json(results.to_dict())[0],
        started=time.time() if started is None else started,
    )


@dataclass(frozen=True)
class RunListing:
    """The recorded runs of one scenario id, oldest first, with their seals and grades."""

    runs: list[RunRecord]
    seals: dict[str, SealRecord]
    grades: dict[str, GradeRecord]


def recorded_runs(scenario_id: str) -> RunListing:
    """The runs recorded for scenario id ``scenario_id`` (none when nothing has been
    recorded yet: the store is not created just to be read). Problems with the store's
    file are :class:`InputError`."""
    from detente.record.store import RunStore, store_path

    if not store_path().exists():
        return RunListing([], {}, {})
    with RunStore.open(create=False) as store:
        runs = store.runs(scenario=scenario_id)
        seals = {s.run_id: s for s in store.seals()}
        grades = store.latest_grades()
    ids = {r.id for r in runs}
    return RunListing(
        runs,
        {k: v for k, v in seals.items() if k in ids},
        {k: v for k, v in grades.items() if k in ids},
    )


def run_label(r: RunRecord) -> str:
    """A run in a choice list: its number, short id, time, command and models."""
    return f"#{r.n} · {r.id[:12]} · {r.created[:16].replace('T', ' ')} · {', '.join(r.models)}"


def runs_table(listing: RunListing, current_hash: str | None = None) -> pd.DataFrame:
    """One row per recorded run, newest first: when, the command, models and seed, the
    input hash (and whether it is the loaded scenario's), the seal and the grade."""
    rows = []
    for r in reversed(listing.runs):
        seal = listing.seals.get(r.id)
        grade = listing.grades.get(r.id)
        rows.append(
            {
                "run": f"#{r.n}",
                "id": r.id[:12],
                "recorded": r.created[:19].replace("T", " "),
                "command": r.command,
                "models": ", ".join(r.models),
                "seed": "" if r.seed is None else str(r.seed),
                "inputs": r.input_hash[:12]
                + (" (as loaded now)" if r.input_hash == current_hash else ""),
                "sealed": "" if seal is None else seal.sealed_at[:10],
                "resolves": "" if seal is None or seal.resolves is None else seal.resolves,
                "graded": "" if grade is None else grade.graded_at[:10],
            }
        )
    columns = ["run", "id", "recorded", "command", "models", "seed", "inputs"]
    columns += ["sealed", "resolves", "graded"]
    return pd.DataFrame(rows, columns=columns)


def run_forecasts_table(r: RunRecord) -> pd.DataFrame:
    """A recorded run's point forecast per issue (rows) and model (columns)
    (:func:`detente.record.grade.point_forecasts`), beside each issue's reference point."""
    from detente.record.grade import point_forecasts

    points = point_forecasts(r.result)
    refs: dict[str, float | None] = {}
    data = r.scenario_data if r.inputs_kind == "scenario" else {}
    for iss in data.get("issues", []):
        refs[str(iss["id"])] = iss.get("reference")
    issues = list(refs) or sorted({i for p in points.values() for i in p})
    table = pd.DataFrame(
        {
            "reference": [math.nan if refs.get(i) is None else refs[i] for i in issues],
            **{m: [p.get(i, math.nan) for i in issues] for m, p in points.items()},
        },
        index=pd.Index(issues, name="issue"),
    )
    return table


def _value(v: Any, width: int = 120) -> str:
    """A JSON value of a diff as short text (numbers with up to 6 significant digits)."""
    import json

    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:g}"
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"


def diff_tables(a: RunRecord, b: RunRecord) -> dict[str, pd.DataFrame]:
    """What changed from run ``a`` to run ``b`` (:func:`detente.record.diff.diff_runs`):
    ``settings`` (command, models, seed, version...), ``inputs`` (actors, issues and
    stances added, removed or changed, field by field) and ``forecasts`` (each model's
    outcome per issue in both runs and the change, largest first)."""
    from detente.record.diff import diff_runs

    d = diff_runs(a, b)
    settings = pd.DataFrame(
        [{"setting": s["field"], "a": _value(s["a"]), "b": _value(s["b"])} for s in d["settings"]],
        columns=["setting", "a", "b"],
    )
    inputs: list[dict[str, str]] = []
    for part in ("actors", "issues", "stances"):
        for what, entries in (("added", d[part]["added"]), ("removed", d[part]["removed"])):
            for e in entries:
                inputs.append(
                    {
                        "actor": e.get("actor", ""),
                        "issue": e.get("issue", ""),
                        "field": f"({part[:-1]} {what})",
                        "a": "",
                        "b": "",
                    }
                )
        for e in d[part]["changed"]:
            inputs.append(
                {
                    "actor": e.get("actor", ""),
                    "issue": e.get("issue", ""),
                    "field": e["field"] if part == "stances" else f"{part[:-1]} {e['field']}",
                    "a": _value(e["a"]),
                    "b": _value(e["b"]),
                }
            )
    for other in d["other"]:
        inputs.append({"actor": "", "issue": "", "field": f"{other} (differs)", "a": "", "b": ""})
    moves = sorted(d["forecasts"], key=lambda m: -abs(m["change"]))
    forecasts = pd.DataFrame(
        [
            {
                "model": m["model"],
                "issue": m["issue"],
                "a": m["a"],
                "b": m["b"],
                "change": m["change"],
            }
            for m in moves
        ],
        columns=["model", "issue", "a", "b", "change"],
    )
    return {
        "settings": settings,
        "inputs": pd.DataFrame(inputs, columns=["actor", "issue", "field", "a", "b"]),
        "forecasts": forecasts,
    }


def grade_table(grade: GradeRecord) -> pd.DataFrame:
    """A graded run's mean absolute error per model beside the status quo's (the forecast
    to beat), and the difference (negative: better than the status quo), from the stored
    score (:func:`detente.record.grade.grade_run`)."""
    s = grade.score
    rows = [
        {
            "forecast": m["model"],
            "MAE": m.get("mae"),
            "MAE minus the status quo's": m.get("mae_vs_status_quo"),
        }
        for m in s.get("models", [])
    ]
    rows.append(
        {
            "forecast": "status quo",
            "MAE": s.get("status_quo", {}).get("mae"),
            "MAE minus the status quo's": 0.0,
        }
    )
    return pd.DataFrame(rows, columns=["forecast", "MAE", "MAE minus the status quo's"])
