"""Read filled expert questionnaires and combine them into one scenario.

Each expert's file (the workbook of :mod:`detente.experts.survey`, or a long CSV with the
same columns) is read against the *skeleton* the survey was made from: an actor or issue
the skeleton does not know, a value off its scale, or text in a number cell is an
:class:`~detente.errors.InputError` naming the file and the row. Blank answers are allowed.

Combining (:func:`combine`) follows the expert survey of Sprinz, Bueno de Mesquita,
Kallbekken, Stokman, Saelen & Thomson (2016), *Politics and Governance* 4(3), where the
experts' combined forecasts were more accurate than the individual experts':

- each position, salience and capability is the mean (or median) of the experts who gave
  it; a mean is kept within the experts' range (floating-point division may otherwise leave
  it one unit in the last place outside);
- where two or more experts gave a value, its uncertainty range
  (:class:`~detente.scenario.Uncertainty`) is their minimum..maximum, so that
  ``detente ensemble`` samples the experts' disagreement (one expert's value carries no
  range: one answer says nothing about disagreement);
- the stance's provenance names the experts who answered and their comments;
- a value no expert gave is the base scenario's, when it takes that stance; a stance with
  neither a position nor a salience from anyone (and none in the base) is left out;
- the experts' own outcome forecasts are stored in the scenario's metadata
  (:mod:`detente.experts.store`), for the ``experts`` model;
- the disagreement report lists, for every value two or more experts gave, the range,
  the standard deviation (population) and, with three answers or more, the outlier: the
  expert farthest from the median of all answers, when one expert is farthest.

Time O(E·A·I) for E experts, A actors and I issues; memory the same (every answer is kept).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.experts.store import (
    EXPERTS_KEY,
    FORECASTS_KEY,
    METHOD_KEY,
    ExpertForecast,
    forecasts_json,
)
from detente.experts.survey import (
    OUTCOME_COLUMNS,
    OUTCOME_INFO,
    STANCE_COLUMNS,
    STANCE_INFO,
    Skeleton,
)
from detente.io.common import (
    DEFAULT_MAX_BYTES,
    Problem,
    build_scenario,
    cell_text,
    check_file,
    fmt_num,
    notice,
    parse_number,
    raise_problems,
    read_text,
    sniff_delimiter,
    split_lines,
)
from detente.io.table import header_columns, sheet_rows
from detente.scenario import Scenario

__all__ = [
    "METHODS",
    "Answer",
    "Combined",
    "Disagreement",
    "ExpertFile",
    "OutcomeAnswer",
    "combine",
    "parse_expert_csv",
    "read_expert_file",
]

#: the statistics values are combined with
METHODS = ("mean", "median")
#: the fields of a stance the experts answer
FIELDS = ("position", "salience", "capability")

Row = tuple[int, Sequence[Any]]


@dataclass(frozen=True)
class Answer:
    """One expert's answer on one actor and issue (None where left blank)."""

    position: float | None
    salience: float | None
    capability: float | None
    confidence: float | None
    comment: str
    where: str


@dataclass(frozen=True)
class OutcomeAnswer:
    """One expert's own forecast of one issue's outcome."""

    forecast: float
    confidence: float | None
    comment: str
    where: str


@dataclass(frozen=True)
class ExpertFile:
    """The answers of one expert, read from one file."""

    expert: str
    source: str
    stances: dict[tuple[str, str], Answer]
    outcomes: dict[str, OutcomeAnswer]


# ----------------------------------------------------------------------------- reading
def _ids_allowed(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:12])
    more = f" and {len(ids) - 12} more" if len(ids) > 12 else ""
    return f"{shown}{more}, or the survey's own base scenario given with --base"


class _Reader:
    """Parses the rows of one expert file against the skeleton, collecting problems."""

    def __init__(self, skeleton: Skeleton, source: str) -> None:
        self.sc = skeleton.scenario
        self.source = source
        self.base = skeleton.source
        self.actors = set(self.sc.actor_ids)
        self.issues = {i.id: i for i in self.sc.issues}
        self.problems: list[tuple[int, int, Problem]] = []
        self.raw: dict[tuple[str, str], dict[str, Any]] = {}
        self.outcomes: dict[str, OutcomeAnswer] = {}

    def problem(self, order: tuple[int, int], where: str, text: str, allowed: str | None) -> None:
        self.problems.append((*order, Problem(where, text, allowed)))

    def number(
        self,
        order: tuple[int, int],
        where: str,
        cells: Sequence[Any],
        cols: dict[str, int],
        col: str,
    ) -> float | None:
        if col not in cols:
            return None
        try:
            return parse_number(
                cells[cols[col]], source=self.source, where=where, field=col, required=False
            )
        except InputError as exc:
            self.problem(order, where, exc.problem, exc.allowed)
            return None

    def check_issue(self, order: tuple[int, int], where: str, issue: str) -> bool:
        if issue in self.issues:
            return True
        self.problem(
            order,
            where,
            f"unknown issue {issue!r} (not in the base scenario {self.base})",
            _ids_allowed(list(self.issues)),
        )
        return False

    def outcome_row(
        self, order: tuple[int, int], where: str, cells: Sequence[Any], cols: dict[str, int]
    ) -> None:
        issue = cell_text(cells[cols["issue"]])
        if not issue:
            self.problem(order, where, "issue is empty", "an issue id")
            return
        if not self.check_issue(order, where, issue):
            return
        forecast = self.number(order, where, cells, cols, "forecast")
        confidence = self.number(order, where, cells, cols, "confidence")
        comment = cell_text(cells[cols["comment"]]) if "comment" in cols else ""
        scale = self.issues[issue].scale
        if forecast is not None and not scale.low <= forecast <= scale.high:
            self.problem(
                order,
                where,
                f"forecast {fmt_num(forecast)} of issue {issue} lies outside its scale "
                f"[{fmt_num(scale.low)}, {fmt_num(scale.high)}]",
                "a number on the issue's scale",
            )
            return
        if confidence is not None and not 0.0 <= confidence <= 1.0:
            self.problem(
                order,
                where,
                f"confidence {fmt_num(confidence)} of the forecast of {issue} is not in [0, 1]",
                "0 (a guess) to 1 (certain)",
            )
            return
        if forecast is None:
            if confidence is not None or comment:
                self.problem(
                    order,
                    where,
                    f"a confidence or comment but no forecast for issue {issue}",
                    "a forecast, or the row left blank",
                )
            return
        if issue in self.outcomes:
            self.problem(
                order,
                where,
                f"a second forecast for issue {issue} (the first is {self.outcomes[issue].where})",
                "one forecast per issue",
            )
            return
        self.outcomes[issue] = OutcomeAnswer(forecast, confidence, comment, where)

    def stance_row(
        self, order: tuple[int, int], where: str, cells: Sequence[Any], cols: dict[str, int]
    ) -> None:
        actor = cell_text(cells[cols["actor"]])
        if not actor and "forecast" in cols:  # a CSV's forecast row
            self.outcome_row(order, where, cells, cols)
            return
        issue = cell_text(cells[cols["issue"]])
        if not actor or not issue:
            self.problem(order, where, f"{'actor' if not actor else 'issue'} is empty", "an id")
            return
        if actor not in self.actors:
            self.problem(
                order,
                where,
                f"unknown actor {actor!r} (not in the base scenario {self.base})",
                _ids_allowed(list(self.sc.actor_ids)),
            )
            return
        if not self.check_issue(order, where, issue):
            return
        if "forecast" in cols and cell_text(cells[cols["forecast"]]):
            self.problem(
                order,
                where,
                "a forecast on a row that names an actor",
                "forecasts on rows whose actor is blank",
            )
            return
        key = (actor, issue)
        if key in self.raw:
            self.problem(
                order,
                where,
                f"a second row for {actor} on {issue} (the first is {self.raw[key]['where']})",
                "one row per actor and issue",
            )
            return
        vals: dict[str, Any] = {"where": where, "order": order}
        for col in ("position", "salience", "capability", "confidence"):
            vals[col] = self.number(order, where, cells, cols, col)
        vals["comment"] = cell_text(cells[cols["comment"]]) if "comment" in cols else ""
        scale = self.issues[issue].scale
        who = f"{actor} on {issue}: "
        pos = vals["position"]
        if pos is not None and not scale.low <= pos <= scale.high:
            self.problem(
                order,
                where,
                f"{who}position {fmt_num(pos)} lies outside the issue's scale "
                f"[{fmt_num(scale.low)}, {fmt_num(scale.high)}]",
                "a position on the issue's scale",
            )
            return
        cap = vals["capability"]
        if cap is not None and cap < 0:
            self.problem(order, where, f"{who}capability {fmt_num(cap)} is below 0", ">= 0")
            return
        conf = vals["confidence"]
        if conf is not None and not 0.0 <= conf <= 1.0:
            self.problem(
                order, where, f"{who}confidence {fmt_num(conf)} is not in [0, 1]", "0 to 1"
            )
            return
        self.raw[key] = vals

    def finish(self, expert: str) -> ExpertFile:
        # saliences on 0..1 only: the questionnaire asks for 0..1, and one expert's few
        # answers are too few to tell a 0..100 file from a typo
        for (actor, issue), v in self.raw.items():
            sal = v["salience"]
            if sal is not None and not 0.0 <= sal <= 1.0:
                self.problem(
                    v["order"],
                    v["where"],
                    f"{actor} on {issue}: salience must lie in [0, 1], got {fmt_num(sal)}",
                    "0 (the actor does not care) to 1 (the issue that matters most to it)",
                )
        self.problems.sort(key=lambda p: (p[0], p[1]))
        raise_problems([p for _, _, p in self.problems], self.source)
        stances = {
            key: Answer(
                v["position"],
                v["salience"],
                v["capability"],
                v["confidence"],
                v["comment"],
                v["where"],
            )
            for key, v in self.raw.items()
            if any(v[c] is not None for c in FIELDS)
        }
        return ExpertFile(expert, self.source, stances, self.outcomes)


def _parse(
    reader: _Reader,
    stance_rows: list[Row],
    outcome_rows: list[Row],
    stance_label: Callable[[int], str],
    outcome_label: Callable[[int], str],
    csv: bool,
) -> None:
    source = reader.source
    if not stance_rows:
        raise InputError(
            "no header row", source=source, allowed="a header: " + ", ".join(STANCE_COLUMNS)
        )
    line, head = stance_rows[0]
    allowed = (*STANCE_COLUMNS, *STANCE_INFO, *(("forecast",) if csv else ()))
    cols = header_columns(
        head, allowed=allowed, required=("actor", "issue"), source=source, where=stance_label(line)
    )
    width = len(head)
    for line, raw in stance_rows[1:]:
        cells = list(raw) + [None] * max(0, width - len(raw))
        if any(cell_text(c) for c in cells[width:]):
            reader.problem(
                (0, line),
                stance_label(line),
                f"the row has more fields than the header's {width} columns",
                "one value per header column",
            )
            continue
        reader.stance_row((0, line), stance_label(line), cells, cols)
    if outcome_rows:
        line, head = outcome_rows[0]
        cols = header_columns(
            head,
            allowed=(*OUTCOME_COLUMNS, *OUTCOME_INFO),
            required=("issue", "forecast"),
            source=source,
            where=outcome_label(line),
        )
        width = len(head)
        for line, raw in outcome_rows[1:]:
            cells = list(raw) + [None] * max(0, width - len(raw))
            reader.outcome_row((1, line), outcome_label(line), cells, cols)


def parse_expert_csv(
    text: str, skeleton: Skeleton, *, source: str = "<csv>", expert: str = "expert"
) -> ExpertFile:
    """One expert's answers from the text of a long CSV: the columns of the ``stances``
    sheet, plus an optional ``forecast`` column whose rows leave ``actor`` blank (the
    expert's forecast of that row's issue, with its ``confidence`` and ``comment``)."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = sniff_delimiter(first, source)
    rows = split_lines(text, delimiter)
    reader = _Reader(skeleton, source)
    _parse(reader, rows, [], lambda n: f"row {n}", lambda n: f"row {n}", csv=True)
    return reader.finish(expert)


def read_expert_file(
    path: str | Path,
    skeleton: Skeleton,
    *,
    expert: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ExpertFile:
    """One expert's answers from a filled workbook (``.xlsx``) or long CSV; the expert is
    named by the file's stem unless ``expert`` is given."""
    p = Path(path)
    name = expert or p.stem
    source = str(path)
    if p.suffix.lower() != ".xlsx":
        return parse_expert_csv(read_text(p, max_bytes), skeleton, source=source, expert=name)
    stance_rows, outcome_rows, titles = _xlsx_rows(p, source, max_bytes)
    reader = _Reader(skeleton, source)
    _parse(
        reader,
        stance_rows,
        outcome_rows,
        lambda n: f"sheet {titles[0]!r}, row {n}",
        lambda n: f"sheet {titles[1]!r}, row {n}",
        csv=False,
    )
    return reader.finish(name)


def _xlsx_rows(p: Path, source: str, max_bytes: int) -> tuple[list[Row], list[Row], list[str]]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    from detente.io.table import check_zip

    check_file(p, max_bytes)
    check_zip(p, source)
    out: list[list[Row]] = [[], []]
    titles = ["stances", "outcomes"]
    with p.open("rb") as fh:
        try:
            wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
            try:
                sheets = [wb["stances"] if "stances" in wb.sheetnames else wb.worksheets[0]]
                if "outcomes" in wb.sheetnames:
                    sheets.append(wb["outcomes"])
                for k, ws in enumerate(sheets):
                    titles[k] = ws.title
                    out[k].extend(sheet_rows(ws, source, "one per actor and issue"))
            finally:
                wb.close()
        except InputError:
            raise
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise InputError(
                f"not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                source=source,
                allowed="a questionnaire written by detente survey, saved as .xlsx",
            ) from None
    return out[0], out[1], titles


# ----------------------------------------------------------------------------- combining
@dataclass(frozen=True)
class Disagreement:
    """How far the experts' answers on one value lie apart."""

    actor: str | None  # None for an outcome forecast
    issue: str
    field: str  # position, salience, capability or forecast
    answers: tuple[tuple[str, float], ...]
    combined: float
    low: float
    high: float
    std: float
    share: float  # the range as a share of what it could be (scale span; 1 for salience)
    outlier: str | None

    @property
    def range(self) -> float:
        return self.high - self.low

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "issue": self.issue,
            "field": self.field,
            "n": len(self.answers),
            "combined": self.combined,
            "min": self.low,
            "max": self.high,
            "range": self.range,
            "std": self.std,
            "share_of_scale": self.share,
            "outlier": self.outlier,
            "answers": dict(self.answers),
        }


@dataclass(frozen=True)
class Combined:
    """The combined scenario, the disagreement report and what was left out."""

    scenario: Scenario
    experts: tuple[str, ...]
    method: str
    disagreements: tuple[Disagreement, ...]  # most disagreement first
    forecasts: dict[str, list[ExpertForecast]] = field(default_factory=dict)
    left_out: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.id,
            "experts": list(self.experts),
            "method": self.method,
            "disagreements": [d.to_dict() for d in self.disagreements],
            "forecasts": {i: [f.to_dict() for f in fs] for i, fs in self.forecasts.items()},
            "left_out": list(self.left_out),
        }


def _stat(values: Sequence[float], method: str) -> float:
    if method == "median":
        return float(statistics.median(values))
    # fmean sums exactly; the division may round one ulp beyond the range: keep within it
    return min(max(statistics.fmean(values), min(values)), max(values))


def _outlier(answers: Sequence[tuple[str, float]]) -> str | None:
    if len(answers) < 3:
        return None
    mid = statistics.median(v for _, v in answers)
    dist = [abs(v - mid) for _, v in answers]
    top = max(dist)
    if top == 0 or dist.count(top) > 1:
        return None
    return answers[dist.index(top)][0]


def _disagreement(
    actor: str | None,
    issue: str,
    fld: str,
    answers: list[tuple[str, float]],
    combined: float,
    span: float,
) -> Disagreement:
    values = [v for _, v in answers]
    lo, hi = min(values), max(values)
    if fld in ("position", "forecast"):
        share = (hi - lo) / span
    elif fld == "salience":
        share = hi - lo
    else:  # capability: the range relative to the largest answer
        share = (hi - lo) / hi if hi > 0 else 0.0
    return Disagreement(
        actor=actor,
        issue=issue,
        field=fld,
        answers=tuple(answers),
        combined=combined,
        low=lo,
        high=hi,
        std=statistics.pstdev(values),
        share=share,
        outlier=_outlier(answers),
    )


def combine(files: Sequence[ExpertFile], skeleton: Skeleton, *, method: str = "mean") -> Combined:
    """Combine the experts' answers into one scenario (see the module docstring)."""
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", where="--method", allowed=", ".join(METHODS))
    if not files:
        raise InputError("no expert files", where="FILES", allowed="one or more filled files")
    seen: dict[str, str] = {}
    for f in files:
        if f.expert in seen:
            raise InputError(
                f"two files name the same expert {f.expert!r} ({seen[f.expert]} and {f.source})",
                source=f.source,
                allowed="one file per expert, each with its own file name",
            )
        seen[f.expert] = f.source
    base = skeleton.scenario
    issues = {i.id: i for i in base.issues}
    experts = tuple(f.expert for f in files)
    source_id = "expert_survey"
    taken = {s.id for s in base.sources}
    k = 2
    while source_id in taken:
        source_id, k = f"expert_survey_{k}", k + 1

    # the stances: the base's first (in its order), then new pairs actor by actor
    keys: list[tuple[str, str]] = []
    old_stances = {(st.actor, st.issue): st for st in base.stances} if skeleton.has_stances else {}
    if skeleton.has_stances:
        keys.extend((s.actor, s.issue) for s in base.stances)
    known = set(keys)
    for a in base.actor_ids:
        for i in base.issue_ids:
            if (a, i) not in known and any((a, i) in f.stances for f in files):
                keys.append((a, i))
                known.add((a, i))
    stances: list[dict[str, Any]] = []
    disagreements: list[Disagreement] = []
    left_out: list[str] = []
    for actor, issue in keys:
        old = old_stances.get((actor, issue))
        given = [
            (f.expert, f.stances[(actor, issue)]) for f in files if (actor, issue) in f.stances
        ]
        st: dict[str, Any] = {"actor": actor, "issue": issue}
        ranges: dict[str, tuple[float, float]] = {}
        for fld in FIELDS:
            answers = [(e, getattr(a, fld)) for e, a in given if getattr(a, fld) is not None]
            if not answers:
                if old is not None and getattr(old, fld) is not None:
                    st[fld] = getattr(old, fld)
                continue
            values = [v for _, v in answers]
            st[fld] = _stat(values, method)
            if len(answers) >= 2:
                ranges[fld] = (min(values), max(values))
                disagreements.append(
                    _disagreement(actor, issue, fld, answers, st[fld], issues[issue].scale.span)
                )
        if "position" not in st or "salience" not in st:
            missing = "position" if "position" not in st else "salience"
            left_out.append(f"{actor} on {issue} (no expert gave a {missing})")
            continue
        if ranges:
            st["uncertainty"] = {k: list(v) for k, v in ranges.items()}
        answered = [e for e, a in given if any(getattr(a, c) is not None for c in FIELDS)]
        if answered:
            comments = "; ".join(f"{e}: {a.comment}" for e, a in given if a.comment)
            sure = [a.confidence for e, a in given if a.confidence is not None]
            said = f"; their mean confidence {statistics.fmean(sure):.2f}" if sure else ""
            st["provenance"] = {
                "source": source_id,
                "location": f"{method} of {len(answered)} expert(s): {', '.join(answered)}{said}",
                "rationale": comments or None,
            }
        elif old is not None and old.provenance is not None:
            st["provenance"] = old.provenance.model_dump(mode="json")
        stances.append(st)

    # the experts' own forecasts
    forecasts: dict[str, list[ExpertForecast]] = {}
    for iss in base.issues:
        fs = [
            ExpertForecast(f.expert, f.outcomes[iss.id].forecast, f.outcomes[iss.id].confidence)
            for f in files
            if iss.id in f.outcomes
        ]
        if fs:
            forecasts[iss.id] = fs
            if len(fs) >= 2:
                answers = [(x.expert, x.forecast) for x in fs]
                disagreements.append(
                    _disagreement(
                        None,
                        iss.id,
                        "forecast",
                        answers,
                        _stat([v for _, v in answers], method),
                        iss.scale.span,
                    )
                )

    data = base.model_dump(mode="json", exclude_defaults=True)
    data["id"] = base.id
    data["stances"] = stances
    data["sources"] = [
        *data.get("sources", []),
        {
            "id": source_id,
            "title": f"Expert survey: {len(experts)} questionnaire(s), combined by the {method}",
            "note": "Experts: " + ", ".join(f"{f.expert} ({Path(f.source).name})" for f in files),
        },
    ]
    meta = dict(data.get("metadata") or {})
    meta[EXPERTS_KEY] = list(experts)
    meta[METHOD_KEY] = method
    if forecasts:
        meta[FORECASTS_KEY] = forecasts_json(forecasts)
    else:
        meta.pop(FORECASTS_KEY, None)
    data["metadata"] = meta
    scenario = build_scenario(data, source=f"the experts' combined answers ({skeleton.source})")
    if left_out:
        more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        notice(
            f"{len(left_out)} stance(s) left out for want of answers: "
            + ", ".join(left_out[:5])
            + more
        )
    unforecast = [i.id for i in base.issues if i.id not in forecasts]
    if forecasts and unforecast:
        notice(
            "no expert forecast the outcome of "
            + ", ".join(unforecast)
            + " (the experts model needs one for every issue)"
        )
    disagreements.sort(key=lambda d: (-d.share, -d.std, d.issue, d.actor or "", d.field))
    return Combined(
        scenario=scenario,
        experts=experts,
        method=method,
        disagreements=tuple(disagreements),
        forecasts=forecasts,
        left_out=tuple(left_out),
    )
