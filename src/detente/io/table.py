"""Long-form tables, one row per stance, as CSV or as an XLSX workbook.

Columns (names case-insensitive; spaces and hyphens count as underscores):

- required: ``actor``, ``issue``, ``position``, ``salience``;
- optional: ``capability`` (per actor; when it varies across an actor's rows it is kept per
  stance, and the actor's own capability is the mean of its rows; when the column is there
  every row needs a value, and when it is left out every actor has capability 1, with a
  notice), ``actor_name``,
  ``issue_name``, ``scale_low``, ``scale_high`` (default 0 and 100), ``low_label``,
  ``high_label`` (words describing each end of the scale), ``reference``, ``outcome``,
  ``source``, ``location``, ``rationale`` (the stance's provenance), and who decides the
  issue: ``decision`` (``influence``, ``unilateral``, ``unanimity`` or ``majority``),
  ``decision_actors`` (the unilateral actor, or the veto players separated by commas,
  semicolons or spaces) and ``decision_threshold`` (majority's share, in (0, 1]).

Issue attributes (name, scale, labels, reference, outcome, decision) may be given on any of the
issue's rows, but must agree where given more than once; likewise an actor's name.

CSV: UTF-8, delimiter sniffed among comma, semicolon and tab, double quotes for quoting.
XLSX: the sheet named ``stances`` if there is one, else the first sheet. A workbook keeps
15 significant digits of a number (the spreadsheet's own precision); CSV keeps them all.
Rows are numbered as a spreadsheet shows them: the header is row 1 when it is the first row.
Saliences on 0..100 throughout the file are divided by 100, with a notice. Actor or issue
ids one letter apart ('china' and 'chnia') are read as given, with a notice (a typo?).
A workbook that would unzip to more than 100 MB, or with an absurdly compressed part, is
refused before it is read (:func:`check_zip`).

A table holds actors, issues and stances only: linkages, variants, sources, descriptions,
uncertainty ranges and actor provenance are not written to it (use YAML to keep them).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from statistics import fmean
from typing import Any

from detente.errors import InputError
from detente.io.common import (
    DEFAULT_MAX_BYTES,
    SALIENCE_ALLOWED,
    Problem,
    build_scenario,
    cell_text,
    check_file,
    fmt_num,
    near_duplicates,
    notice,
    parse_number,
    physical_lines,
    raise_problems,
    read_text,
    rescale_notice,
    salience_divisor,
    salience_problem,
    sniff_delimiter,
    split_lines,
    typo_notice,
)
from detente.io.safe_write import write_output
from detente.scenario import Scenario

__all__ = [
    "COLUMNS",
    "OPTIONAL",
    "REQUIRED",
    "check_zip",
    "csv_text",
    "header_columns",
    "parse_csv",
    "parse_rows",
    "read_csv",
    "read_xlsx",
    "sheet_rows",
    "table_rows",
    "write_csv",
    "write_xlsx",
    "xlsx_writer",
]

REQUIRED = ("actor", "issue", "position", "salience")
OPTIONAL = (
    "capability",
    "actor_name",
    "issue_name",
    "scale_low",
    "scale_high",
    "low_label",
    "high_label",
    "reference",
    "outcome",
    "decision",
    "decision_actors",
    "decision_threshold",
    "source",
    "location",
    "rationale",
)
COLUMNS = REQUIRED + OPTIONAL
#: a workbook sheet with more rows than this is refused (a guard against inflated files)
MAX_XLSX_ROWS = 1_000_000
#: a workbook whose parts declare more bytes than this once unzipped is refused before
#: it is read (a "zip bomb" of 1 MB can inflate to gigabytes); zipfile never inflates a
#: part beyond its declared size, so the declared sizes bound the work
MAX_XLSX_UNZIPPED = 100 * 1024 * 1024
#: a workbook part of over 1 MB unzipped that is more than this many times smaller
#: zipped is refused: deflate's limit is about 1032, spreadsheets' own parts stay far below
MAX_XLSX_RATIO = 200
#: a workbook with more parts than this is refused
MAX_XLSX_PARTS = 10_000
_ISSUE_ATTRS = (
    "issue_name",
    "scale_low",
    "scale_high",
    "low_label",
    "high_label",
    "reference",
    "outcome",
    "decision",
    "decision_actors",
    "decision_threshold",
)
_NUMERIC_ISSUE_ATTRS = ("scale_low", "scale_high", "reference", "outcome", "decision_threshold")

Row = tuple[int, Sequence[Any]]


def _norm(name: object) -> str:
    return cell_text(name).lower().replace(" ", "_").replace("-", "_")


def _header(
    line: int, cells: Sequence[Any], source: str, label: Callable[[int], str]
) -> dict[str, int]:
    names = [_norm(c) for c in cells]
    while names and not names[-1]:
        names.pop()
    where = label(line)
    if len(names) == 1 and any(d in names[0] for d in ";\t,|"):
        raise InputError(
            f"wrong delimiter: the header {cell_text(cells[0])!r} is a single column",
            source=source,
            where=where,
            allowed="columns separated by commas, semicolons or tabs",
        )
    missing_hint = "columns " + ", ".join(REQUIRED) + " (required), " + ", ".join(OPTIONAL)
    names_given = set(names)
    if "issue" not in names_given and {"actor", "position", "salience"} <= names_given:
        missing_hint += (
            "; a file of actor, capability, position, salience is read with format 'bdm'"
        )
    return header_columns(
        cells,
        allowed=COLUMNS,
        required=REQUIRED,
        source=source,
        where=where,
        missing_hint=missing_hint,
    )


def header_columns(
    cells: Sequence[Any],
    *,
    allowed: Sequence[str],
    required: Sequence[str],
    source: str,
    where: str,
    missing_hint: str | None = None,
) -> dict[str, int]:
    """The column index of each name in a header row (names case-insensitive, spaces and
    hyphens read as underscores; trailing blank cells ignored). An unnamed, unknown or
    repeated column, or a missing required one, is an :class:`InputError` naming
    ``source`` and ``where``. Shared by every reader of long tables."""
    names = [_norm(c) for c in cells]
    while names and not names[-1]:
        names.pop()
    cols: dict[str, int] = {}
    for k, name in enumerate(names):
        if not name:
            raise InputError(
                f"column {k + 1} of the header has no name",
                source=source,
                where=where,
                allowed="a name for every column: " + ", ".join(allowed),
            )
        if name not in allowed:
            raise InputError(
                f"unknown column {cell_text(cells[k])!r}",
                source=source,
                where=where,
                allowed="columns " + ", ".join(allowed),
            )
        if name in cols:
            raise InputError(
                f"column {name!r} appears twice in the header",
                source=source,
                where=where,
                allowed="each column once",
            )
        cols[name] = k
    missing = [c for c in required if c not in cols]
    if missing:
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
            source=source,
            where=where,
            allowed=missing_hint
            or "columns " + ", ".join(allowed) + f" (required: {', '.join(required)})",
        )
    return cols


def parse_rows(
    rows: Sequence[Row],
    *,
    source: str,
    scenario_id: str,
    label: Callable[[int], str] = lambda n: f"row {n}",
) -> Scenario:
    """A scenario from table rows ``(row number, cells)``; the first row is the header."""
    if not rows:
        raise InputError(
            "the table is empty", source=source, allowed="a header row and one row per stance"
        )
    head_line, head_cells = rows[0]
    cols = _header(head_line, head_cells, source, label)
    n_cols = len(cols)
    if len(rows) == 1:
        raise InputError(
            "the table has a header but no stances",
            source=source,
            where=label(head_line),
            allowed="one row per stance below the header",
        )
    problems: list[tuple[int, Problem]] = []

    def problem(line: int, text: str, allowed: str | None = None) -> None:
        problems.append((line, Problem(label(line), text, allowed)))

    def num(line: int, cells: Sequence[Any], col: str, required: bool) -> float | None:
        if col not in cols:
            return None
        value = cells[cols[col]]
        try:  # the common case, fast; anything unusual goes through parse_number's checks
            x = float(value)
            if math.isfinite(x) and not isinstance(value, bool):
                return x
        except (TypeError, ValueError):
            pass
        try:
            return parse_number(
                cells[cols[col]], source=source, where=label(line), field=col, required=required
            )
        except InputError as exc:
            who = f"{text(cells, 'actor')} on {text(cells, 'issue')}: "
            problem(line, who + exc.problem, exc.allowed)
            return None

    def text(cells: Sequence[Any], col: str) -> str:
        return cell_text(cells[cols[col]]) if col in cols else ""

    stances: list[dict[str, Any]] = []
    stance_rows: list[int] = []
    seen: dict[tuple[str, str], int] = {}
    actors: dict[str, dict[str, Any]] = {}
    actor_rows: dict[str, int] = {}
    actor_caps: dict[str, list[tuple[int, float]]] = {}
    actor_stances: dict[str, list[int]] = {}  # indices into stances
    issues: dict[str, dict[str, Any]] = {}
    issue_rows: dict[str, int] = {}
    issue_attr_rows: dict[tuple[str, str], int] = {}

    for line, raw in rows[1:]:
        cells = list(raw)
        extra = [c for c in cells[n_cols:] if cell_text(c)]
        if extra:
            problem(
                line,
                f"the row has {len(cells)} fields but the header has {n_cols} columns "
                "(a wrong delimiter, or an unquoted delimiter inside a value?)",
                "one value per header column",
            )
            continue
        if len(cells) == 1 and n_cols > 1:
            problem(
                line,
                f"wrong delimiter: the row is a single field {cell_text(cells[0])!r} but "
                f"the header has {n_cols} columns",
                "the same delimiter as the header",
            )
            continue
        cells += [""] * (n_cols - len(cells))
        actor, issue = text(cells, "actor"), text(cells, "issue")
        if not actor or not issue:
            problem(line, f"{'actor' if not actor else 'issue'} is empty", "an id")
            continue
        key = (actor, issue)
        if key in seen:
            problem(
                line,
                f"a second row for {actor} on {issue} (the first is {label(seen[key])})",
                "one row per actor and issue",
            )
            continue
        seen[key] = line
        position = num(line, cells, "position", True)
        salience = num(line, cells, "salience", True)
        # a blank capability cell is an error, not a silent 1 (leave the column out for
        # equal capabilities)
        capability = num(line, cells, "capability", True)
        # actor attributes
        if actor not in actors:
            actors[actor] = {"id": actor}
            actor_rows[actor] = line
            actor_caps[actor] = []
            actor_stances[actor] = []
        actor_stances[actor].append(len(stances))
        name = text(cells, "actor_name")
        if name:
            prev = actors[actor].get("name")
            if prev is None:
                actors[actor]["name"] = name
            elif prev != name:
                problem(line, f"actor_name {name!r} of {actor} differs from {prev!r} above")
        if capability is not None:
            actor_caps[actor].append((line, capability))
        # issue attributes
        if issue not in issues:
            issues[issue] = {"id": issue}
            issue_rows[issue] = line
        for attr in _ISSUE_ATTRS:
            if attr in _NUMERIC_ISSUE_ATTRS:
                value: Any = num(line, cells, attr, False)
            else:
                value = text(cells, attr) or None
            if value is None:
                continue
            prev = issues[issue].get(attr)
            if prev is None:
                issues[issue][attr] = value
                issue_attr_rows[(issue, attr)] = line
            elif prev != value:
                first = label(issue_attr_rows[(issue, attr)])
                shown = fmt_num(value) if isinstance(value, float) else repr(value)
                was = fmt_num(prev) if isinstance(prev, float) else repr(prev)
                problem(
                    line,
                    f"{attr} {shown} of issue {issue} differs from {was} given at {first}",
                    f"one {attr} per issue",
                )
        st: dict[str, Any] = {"actor": actor, "issue": issue}
        if position is not None:
            st["position"] = position
        if salience is not None:
            st["salience"] = salience
        if capability is not None:
            st["capability"] = capability
        prov = {c: text(cells, c) for c in ("source", "location", "rationale")}
        if any(prov.values()):
            st["provenance"] = {
                "source": prov["source"] or source,
                "location": prov["location"] or None,
                "rationale": prov["rationale"] or None,
            }
        stances.append(st)
        stance_rows.append(line)

    # second pass: ranges, now that every issue's scale is known
    divisor = salience_divisor(s["salience"] for s in stances if "salience" in s)
    for issue, attrs in issues.items():
        low = attrs.get("scale_low", 0.0)
        high = attrs.get("scale_high", 100.0)
        line = issue_attr_rows.get(
            (issue, "scale_high"), issue_attr_rows.get((issue, "scale_low"), issue_rows[issue])
        )
        if not high > low:
            problem(
                line,
                f"issue {issue}: scale_high {fmt_num(high)} must be greater than "
                f"scale_low {fmt_num(low)}",
                "scale_low < scale_high (default 0 and 100)",
            )
            continue
        for attr in ("reference", "outcome"):
            v = attrs.get(attr)
            if v is not None and not low <= v <= high:
                problem(
                    issue_attr_rows[(issue, attr)],
                    f"{attr} {fmt_num(v)} of issue {issue} lies outside its scale "
                    f"[{fmt_num(low)}, {fmt_num(high)}]",
                    "a value on the issue's scale (set scale_low / scale_high)",
                )
    for st, line in zip(stances, stance_rows, strict=True):
        attrs = issues[st["issue"]]
        low, high = attrs.get("scale_low", 0.0), attrs.get("scale_high", 100.0)
        who = f"{st['actor']} on {st['issue']}"
        pos = st.get("position")
        if pos is not None and high > low and not low <= pos <= high:
            problem(
                line,
                f"{who}: position {fmt_num(pos)} lies outside the issue's scale "
                f"[{fmt_num(low)}, {fmt_num(high)}]",
                "a position within scale_low..scale_high (default 0..100)",
            )
        sal = st.get("salience")
        if sal is not None:
            why = salience_problem(sal, divisor)
            if why:
                problem(line, f"{who}: {why}", SALIENCE_ALLOWED)
            else:
                st["salience"] = sal / divisor
        cap = st.get("capability")
        if cap is not None and cap < 0:
            problem(line, f"{who}: capability must be >= 0, got {fmt_num(cap)}", "capability >= 0")
    problems.sort(key=lambda p: p[0])
    raise_problems([p for _, p in problems], source)
    if divisor != 1.0:
        rescale_notice(source, len(stances))
    if "capability" not in cols:
        notice(
            f"{source}: there is no capability column; every actor has capability 1 (equal weight)"
        )
    typo_notice(source, "actor", near_duplicates(list(actors)), lambda a: label(actor_rows[a]))
    typo_notice(source, "issue", near_duplicates(list(issues)), lambda i: label(issue_rows[i]))

    # capability: per actor when constant over its rows, else per stance
    for actor, caps in actor_caps.items():
        values = {c for _, c in caps}
        if len(values) == 1:
            actors[actor]["capability"] = caps[0][1]
            for k in actor_stances[actor]:
                stances[k].pop("capability", None)
        elif values:
            actors[actor]["capability"] = fmean(c for _, c in caps)
    issue_items = []
    for attrs in issues.values():
        item: dict[str, Any] = {"id": attrs["id"]}
        if "issue_name" in attrs:
            item["name"] = attrs["issue_name"]
        scale = {
            k: attrs[a]
            for k, a in (
                ("low", "scale_low"),
                ("high", "scale_high"),
                ("low_label", "low_label"),
                ("high_label", "high_label"),
            )
            if a in attrs
        }
        if scale:
            item["scale"] = scale
        for attr in ("reference", "outcome"):
            if attr in attrs:
                item[attr] = attrs[attr]
        if any(a in attrs for a in ("decision", "decision_actors", "decision_threshold")):
            item["decision"] = _decision(attrs)
        issue_items.append(item)
    data = {
        "id": scenario_id,
        "actors": list(actors.values()),
        "issues": issue_items,
        "stances": stances,
    }
    actor_index = list(actors)
    issue_index = list(issues)

    def describe(loc: tuple[str | int, ...]) -> str | None:
        if len(loc) >= 2 and isinstance(loc[1], int):
            if loc[0] == "stances" and loc[1] < len(stance_rows):
                return label(stance_rows[loc[1]])
            if loc[0] == "actors" and loc[1] < len(actor_index):
                return label(actor_rows[actor_index[loc[1]]])
            if loc[0] == "issues" and loc[1] < len(issue_index):
                return label(issue_rows[issue_index[loc[1]]])
        return None

    return build_scenario(data, source=source, describe=describe)


def _decision(attrs: dict[str, Any]) -> dict[str, Any]:
    """An issue's decision rule from its table columns (validated by the scenario)."""
    rule = str(attrs.get("decision") or "influence").strip().lower()
    names = str(attrs.get("decision_actors") or "").replace(",", " ").replace(";", " ").split()
    out: dict[str, Any] = {"rule": rule}
    if rule == "unilateral":
        out["actor"] = names[0] if len(names) == 1 else (names or None)
    elif names:
        out["veto"] = names
    if attrs.get("decision_threshold") is not None:
        out["threshold"] = attrs["decision_threshold"]
    return out


def _decision_cells(issue: Any) -> tuple[str | None, str | None, float | None]:
    """The table cells of an issue's decision rule (blank for the default, influence)."""
    d = issue.decision
    if d.rule == "influence":
        return None, None, None
    return d.rule, " ".join(d.deciders) or None, d.threshold


def sheet_rows(ws: Any, source: str, one_row: str) -> list[Row]:
    """The non-blank rows of an openpyxl worksheet as ``(row number, cells)``; a sheet of
    more than :data:`MAX_XLSX_ROWS` rows is refused (``one_row`` says what a row holds)."""
    rows: list[Row] = []
    for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if n > MAX_XLSX_ROWS:
            raise InputError(
                f"the sheet has more than {MAX_XLSX_ROWS:,} rows",
                source=source,
                where=f"sheet {ws.title!r}",
                allowed=f"up to {MAX_XLSX_ROWS:,} rows, {one_row}",
            )
        if any(cell_text(v) for v in values):
            rows.append((n, list(values)))
    return rows


# ----------------------------------------------------------------------------- CSV
def parse_csv(text: str, source: str = "<csv>", scenario_id: str = "scenario") -> Scenario:
    """A scenario from the text of a long-form CSV table."""
    lines = physical_lines(text)
    first_line = next((n for n, ln in enumerate(lines, 1) if ln.strip()), 1)
    header_text = lines[first_line - 1]
    delimiter = sniff_delimiter(header_text, source, where=f"row {first_line}")
    return parse_rows(split_lines(text, delimiter), source=source, scenario_id=scenario_id)


def read_csv(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Scenario:
    """A scenario from a long-form CSV file."""
    return parse_csv(read_text(path, max_bytes), str(path), Path(path).stem)


# ----------------------------------------------------------------------------- XLSX
def read_xlsx(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Scenario:
    """A scenario from an XLSX workbook (sheet ``stances``, else the first sheet)."""
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    p = check_file(path, max_bytes)
    source = str(path)
    check_zip(p, source)
    rows: list[Row] = []
    # a file object, not the path: openpyxl would refuse a workbook named other than .xlsx
    with p.open("rb") as fh:
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            try:
                names = wb.sheetnames
                ws = wb["stances"] if "stances" in names else wb.worksheets[0]
                title = ws.title
                rows = sheet_rows(ws, source, "one row per stance")
            finally:
                wb.close()
        except InputError:
            raise
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise InputError(
                f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                source=source,
                allowed="an .xlsx workbook saved by a spreadsheet program",
            ) from None

    def label(n: int) -> str:
        return f"sheet {title!r}, row {n}"

    return parse_rows(rows, source=source, scenario_id=p.stem, label=label)


def check_zip(
    path: Path,
    source: str,
    *,
    max_unzipped: int = MAX_XLSX_UNZIPPED,
    max_ratio: float = MAX_XLSX_RATIO,
) -> None:
    """Refuse a workbook that would inflate beyond ``max_unzipped`` bytes, or has a part
    compressed ``max_ratio`` times or more (see :data:`MAX_XLSX_UNZIPPED`), reading only the
    zip's directory: nothing is inflated."""
    import zipfile

    allowed = (
        f"an .xlsx workbook of at most {max_unzipped / 1024**2:.0f} MB once unzipped "
        "(save large tables as CSV)"
    )
    try:
        with zipfile.ZipFile(path) as zf:
            parts = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(
            f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
            source=source,
            allowed="an .xlsx workbook saved by a spreadsheet program",
        ) from None
    if len(parts) > MAX_XLSX_PARTS:
        raise InputError(
            f"the workbook has {len(parts):,} parts, more than {MAX_XLSX_PARTS:,}",
            source=source,
            allowed=allowed,
        )
    total = sum(max(0, z.file_size) for z in parts)
    if total > max_unzipped:
        raise InputError(
            f"the workbook would unzip to {total / 1024**2:,.0f} MB, over the limit of "
            f"{max_unzipped / 1024**2:.0f} MB (a zip bomb?); it was not read",
            source=source,
            allowed=allowed,
        )
    for z in parts:
        if z.file_size > 1024**2 and z.file_size >= max_ratio * max(z.compress_size, 1):
            raise InputError(
                f"the workbook part {z.filename!r} is compressed "
                f"{z.file_size / max(z.compress_size, 1):,.0f} times (a zip bomb?); "
                "it was not read",
                source=source,
                allowed=f"parts compressed less than {max_ratio:g} times, as spreadsheet "
                "programs write them",
            )


# ----------------------------------------------------------------------------- writers
def table_rows(scenario: Scenario) -> tuple[list[str], list[list[Any]]]:
    """The long-form table of a scenario: header and one row per stance, in the scenario's
    order of stances. Optional columns appear only when some row has a value in them.

    A reader takes actors and issues in the order they first appear, so the order of the
    actors and issues survives the round trip when the stances list them in that order.
    """
    actors = {a.id: a for a in scenario.actors}
    issues = {i.id: i for i in scenario.issues}
    records: list[dict[str, Any]] = []
    for st in scenario.stances:
        a, i = actors[st.actor], issues[st.issue]
        p = st.provenance
        rule, deciders, threshold = _decision_cells(i)
        records.append(
            {
                "actor": a.id,
                "actor_name": a.name,
                "issue": i.id,
                "issue_name": i.name,
                "position": st.position,
                "salience": st.salience,
                "capability": a.capability if st.capability is None else st.capability,
                "scale_low": i.scale.low,
                "scale_high": i.scale.high,
                "low_label": i.scale.low_label,
                "high_label": i.scale.high_label,
                "reference": i.reference,
                "outcome": i.outcome,
                "decision": rule,
                "decision_actors": deciders,
                "decision_threshold": threshold,
                "source": p.source if p else None,
                "location": p.location if p else None,
                "rationale": p.rationale if p else None,
            }
        )
    always = ("actor", "issue", "position", "salience", "capability", "scale_low", "scale_high")
    order = (
        "actor",
        "actor_name",
        "issue",
        "issue_name",
        "position",
        "salience",
        "capability",
        "scale_low",
        "scale_high",
        "low_label",
        "high_label",
        "reference",
        "outcome",
        "decision",
        "decision_actors",
        "decision_threshold",
        "source",
        "location",
        "rationale",
    )
    header = [c for c in order if c in always or any(r[c] is not None for r in records)]
    return header, [[r[c] for c in header] for r in records]


def csv_text(scenario: Scenario) -> str:
    """The scenario as long-form CSV text (comma-delimited, numbers at full precision)."""
    header, rows = table_rows(scenario)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else fmt_num(v) if isinstance(v, float) else v for v in row])
    return buf.getvalue()


def write_csv(scenario: Scenario, path: str | Path, *, overwrite: bool = True) -> Path:
    """Write the long-form CSV safely (:func:`detente.io.safe_write.write_output`: never
    over an input file or through a link, atomically)."""
    return write_output(
        path, csv_text(scenario), overwrite=overwrite, overwrite_hint="overwrite=True"
    )


def write_xlsx(scenario: Scenario, path: str | Path, *, overwrite: bool = True) -> Path:
    """Write the long-form table as an XLSX workbook with one sheet, ``stances``, safely
    (:func:`detente.io.safe_write.write_output`)."""
    return write_output(
        path, xlsx_writer(scenario), overwrite=overwrite, overwrite_hint="overwrite=True"
    )


def xlsx_writer(scenario: Scenario) -> Callable[[Path], None]:
    """A function that saves the scenario's workbook to the path it is given."""
    return lambda path: _save_xlsx(scenario, path)


def _save_xlsx(scenario: Scenario, path: Path) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    header, rows = table_rows(scenario)
    wb = openpyxl.Workbook(write_only=True)  # streams rows: fast and lean on large tables
    ws = wb.create_sheet("stances")
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for name in header:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for row in rows:
        ws.append(row)
    wb.save(path)
