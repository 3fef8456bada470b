"""The dashboard's logic, kept apart from Streamlit so that it can be tested directly.

- :func:`load_upload`: a file the analyst uploaded, read with :func:`detente.io.load_scenario`
  from a private temporary copy, refused over :data:`MAX_UPLOAD_BYTES`; problems come back as
  :class:`~detente.errors.InputError` naming the uploaded file (never the temporary path).
- :func:`apply_edits`: the scenario with the analyst's edits of the actor x issue table
  (positions, saliences), of actor capabilities and issue reference points applied, every
  bad cell reported with its table, row and column.
- :func:`scenario_yaml`: the edited scenario as native YAML, for download.
"""

from __future__ import annotations

import math
import re
import tempfile
import warnings
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from detente.errors import InputError, InputNotice
from detente.scenario import MAX_CAPABILITY, Scenario

__all__ = [
    "MAX_UPLOAD_BYTES",
    "UPLOAD_TYPES",
    "apply_edits",
    "load_upload",
    "scenario_yaml",
]

#: uploads larger than this are refused before they are read
MAX_UPLOAD_BYTES = 10_000_000

#: file extensions the upload widget offers (every format detente reads)
UPLOAD_TYPES = ("yaml", "yml", "csv", "tsv", "txt", "xlsx")

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
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"the file is {len(data) / 1e6:.1f} MB, over the upload limit of "
            f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB",
            source=shown,
            allowed=f"files up to {MAX_UPLOAD_BYTES:,} bytes",
        )
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
