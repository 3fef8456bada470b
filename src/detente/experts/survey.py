"""Expert questionnaires: the skeleton a survey asks about, and the workbook an expert fills.

Where a scenario's numbers come from is the analyst's hardest problem: positions, saliences
and capabilities come from interviews with experts, and experts disagree. The workflow
follows the expert survey of Sprinz, Bueno de Mesquita, Kallbekken, Stokman, Saelen &
Thomson (2016), "Predicting Paris: Multi-Method Approaches to Forecast the Outcomes of
Global Climate Negotiations", *Politics and Governance* 4(3): each expert gives, for every
actor and issue, a position, a salience and the actor's clout, and gives their own forecast
of each issue's outcome; the experts' answers are combined (:mod:`detente.experts.combine`)
into one scenario whose uncertainty ranges are the experts' disagreement.

A survey is made from a *skeleton*: the actors and issues (scales, their end labels, the
reference points) of a scenario, or of a YAML file that names actors and issues but takes
no stances yet (:func:`load_base`).

The workbook (:func:`write_survey`) has three sheets:

- ``stances``: one row per issue and actor (issue by issue, so that each issue's scale and
  the words at both ends stand beside its rows), columns ``actor``, ``issue``,
  ``position``, ``salience``, ``capability``, ``confidence``, ``comment``, then the
  scale's bounds and end labels, ``base_capability`` (the base scenario's capability of the
  actor on the issue: the unit a capability answer is read in) and the names of the actor
  and the issue;
- ``outcomes``: one row per issue, columns ``issue``, ``forecast``, ``confidence``,
  ``comment``, and the scale, its labels and the status quo: the expert's own forecast;
- ``instructions``: what each column means, in plain words, with each scale's labels.

Every answer cell is validated by the spreadsheet program while the expert types
(position and forecast within the issue's scale, salience and confidence in 0..1,
capability >= 0), so that a typo is caught at once. Files are written through
:func:`detente.io.safe_write.write_output`: an existing file is never replaced.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from detente.errors import InputError
from detente.io.safe_write import check_output, write_output
from detente.scenario import Actor, Issue, Scenario

__all__ = [
    "OUTCOME_COLUMNS",
    "STANCE_COLUMNS",
    "Skeleton",
    "load_base",
    "parse_skeleton",
    "survey_bytes",
    "survey_names",
    "write_survey",
    "write_surveys",
]

#: the answer columns of the ``stances`` sheet (``actor`` and ``issue`` name the row)
STANCE_COLUMNS = ("actor", "issue", "position", "salience", "capability", "confidence", "comment")
#: the informational columns of the ``stances`` sheet, after the answer columns
STANCE_INFO = (
    "scale_low",
    "low_label",
    "scale_high",
    "high_label",
    "base_capability",
    "actor_name",
    "issue_name",
)
#: the columns of the ``outcomes`` sheet
OUTCOME_COLUMNS = ("issue", "forecast", "confidence", "comment")
OUTCOME_INFO = ("scale_low", "low_label", "scale_high", "high_label", "reference", "issue_name")


@dataclass(frozen=True)
class Skeleton:
    """The actors and issues a survey asks about, and the scenario it was made from.

    ``scenario`` is a valid scenario: the base scenario itself when it takes stances
    (``has_stances``), else the skeleton completed with a placeholder stance of every actor
    on every issue (at the scale's midpoint), which no one should read as an answer.
    """

    scenario: Scenario
    has_stances: bool
    source: str

    @classmethod
    def from_scenario(cls, scenario: Scenario, source: str | None = None) -> Skeleton:
        return cls(scenario=scenario, has_stances=True, source=source or scenario.id)

    @property
    def actors(self) -> tuple[Actor, ...]:
        return self.scenario.actors

    @property
    def issues(self) -> tuple[Issue, ...]:
        return self.scenario.issues


def parse_skeleton(text: str, source: str) -> Skeleton:
    """A skeleton from native YAML text: a scenario, or actors and issues with no stances.

    A file without stances is checked as a scenario would be (the same line-numbered
    messages), with a placeholder stance of every actor on every issue.
    """
    from detente.io.common import build_scenario
    from detente.io.yaml_io import _describe, _load, parse_yaml

    data, root = _load(text, source)
    if not isinstance(data, dict):
        raise InputError(
            "the file is not a YAML mapping",
            source=source,
            allowed="a scenario, or a mapping with actors and issues (no stances yet)",
        )
    if data.get("stances"):
        return Skeleton.from_scenario(parse_yaml(text, source), source)
    actors, issues = data.get("actors"), data.get("issues")
    if not isinstance(actors, list) or not actors or not isinstance(issues, list) or not issues:
        raise InputError(
            "a skeleton needs a list of actors and a list of issues",
            source=source,
            allowed="actors: [{id: ...}, ...] and issues: [{id: ..., scale: ...}, ...]",
        )
    placeholders = []
    for a in actors:
        for i in issues:
            if not (isinstance(a, dict) and isinstance(i, dict)):
                continue
            scale = i.get("scale") if isinstance(i.get("scale"), dict) else {}
            low, high = scale.get("low", 0.0), scale.get("high", 100.0)
            mid = (
                (low + high) / 2.0
                if isinstance(low, int | float) and isinstance(high, int | float)
                else 0.0
            )
            placeholders.append(
                {"actor": a.get("id"), "issue": i.get("id"), "position": mid, "salience": 0.5}
            )
    full = {**data, "stances": placeholders}
    scenario = build_scenario(full, source=source, describe=_describe(root))
    return Skeleton(scenario=scenario, has_stances=False, source=source)


def load_base(spec: str) -> Skeleton:
    """The skeleton named by ``spec``: a bundled scenario id, a scenario file in any
    supported format, or a YAML skeleton (actors and issues, no stances)."""
    from detente import scenarios
    from detente.io import load_scenario
    from detente.io.common import read_text

    p = Path(spec)
    if not p.exists() and spec in scenarios.bundled_ids():
        return Skeleton.from_scenario(scenarios.load_bundled(spec), spec)
    if not p.exists():
        raise InputError(
            f"no bundled scenario or file named {spec!r}",
            where="SCENARIO",
            allowed="a scenario or skeleton file, or one of: " + ", ".join(scenarios.bundled_ids()),
        )
    if p.suffix.lower() in (".yaml", ".yml"):
        return parse_skeleton(read_text(p), spec)
    return Skeleton.from_scenario(load_scenario(p), spec)


# ----------------------------------------------------------------------------- workbook
def survey_names(n: int | None) -> list[str]:
    """File names of a survey: ``questionnaire.xlsx``, or ``expert_01.xlsx`` ... for ``n``
    experts (numbered with at least two digits)."""
    if n is None:
        return ["questionnaire.xlsx"]
    if n < 1:
        raise InputError(
            f"--experts must be at least 1, got {n}", where="--experts", allowed="1 or more"
        )
    width = max(2, len(str(n)))
    return [f"expert_{k:0{width}d}.xlsx" for k in range(1, n + 1)]


def write_surveys(skeleton: Skeleton, folder: str | Path, n: int | None = None) -> list[Path]:
    """Write the questionnaire (or ``n`` numbered copies) into ``folder`` (created when
    missing). Every path is checked before the first is written: if any file exists already
    nothing is written, and no existing file is ever replaced."""
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise InputError(
            "the output path exists and is not a folder",
            source=str(folder),
            where="-o",
            allowed="a folder (created when missing)",
        )
    paths = [out / name for name in survey_names(n)]
    if out.is_dir():
        for p in paths:
            check_output(p, where="-o", overwrite_hint="another folder")
    data = survey_bytes(skeleton)  # built once, before the folder is made
    if not out.is_dir():
        try:
            out.mkdir(parents=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the folder ({exc.strerror or exc})",
                source=str(folder),
                where="-o",
                allowed="a folder you can write to",
            ) from None
    return [_write(p, data) for p in paths]


def _write(path: Path, data: bytes) -> Path:
    return write_output(path, data, where="-o", overwrite_hint="another file name")


def write_survey(skeleton: Skeleton, path: str | Path) -> Path:
    """Write one questionnaire workbook to ``path`` (never over an existing file)."""
    return _write(Path(path), survey_bytes(skeleton))


def survey_bytes(skeleton: Skeleton) -> bytes:
    """The questionnaire workbook (``.xlsx``) as bytes."""
    buf = io.BytesIO()
    _save(skeleton, buf)
    return buf.getvalue()


_INSTRUCTIONS = [
    "How to fill in this questionnaire",
    "",
    "Sheet 'stances' has one row per issue and actor. For each row, give your best judgment:",
    "position: where the actor stands on the issue, a number on the issue's scale. The words "
    "beside each row (low_label, high_label) say what the two ends of the scale mean.",
    "salience: how much the actor cares about this issue compared with its other concerns, "
    "from 0 (does not care at all) to 1 (the issue that matters most to it).",
    "capability: the actor's clout on this issue: how much it can move the outcome if it "
    "puts its weight behind it. Any number >= 0; only the ratios between actors matter, so "
    "give it in the unit of the column base_capability (the scenario's current value): "
    "twice that number for an actor twice as strong on this issue as the scenario says. "
    "Leave it blank to keep the scenario's value.",
    "confidence: how sure you are of this row, from 0 (a guess) to 1 (certain).",
    "comment: anything that explains your answer (a source, an event, a caveat).",
    "",
    "Leave a cell blank when you have no view: blank answers are allowed and are left out "
    "when the answers of all experts are combined.",
    "",
    "Sheet 'outcomes' asks for your own forecast of each issue's outcome: a number on the "
    "issue's scale (forecast), and how sure you are of it (confidence, 0 to 1). The status "
    "quo of each issue is shown beside it.",
    "",
    "The spreadsheet refuses values outside the allowed ranges while you type. Do not change "
    "the actor and issue columns or the sheet names.",
]


def _capabilities(sc: Scenario) -> dict[tuple[str, str], float]:
    """The capability the base scenario gives each actor on each issue (its stance's own,
    or the actor's): the unit an expert's answer is read in."""
    own = {(st.actor, st.issue): st.capability for st in sc.stances}
    return {
        (a.id, i.id): a.capability if own.get((a.id, i.id)) is None else own[(a.id, i.id)]
        for a in sc.actors
        for i in sc.issues
    }


def _save(skeleton: Skeleton, target: IO[bytes]) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    sc = skeleton.scenario
    wb = openpyxl.Workbook()
    bold = Font(bold=True)
    answer = PatternFill("solid", fgColor="FFF8DC")

    # ------------------------------------------------------------------ stances
    ws = wb.active
    ws.title = "stances"
    header = [*STANCE_COLUMNS, *STANCE_INFO]
    ws.append(header)
    for cell in ws[1]:
        cell.font = bold
    ws.freeze_panes = "C2"
    caps = _capabilities(sc)
    row = 2
    issue_rows: list[tuple[Issue, int, int]] = []
    for iss in sc.issues:
        first = row
        for act in sc.actors:
            ws.append(
                [
                    act.id,
                    iss.id,
                    None,
                    None,
                    None,
                    None,
                    None,
                    iss.scale.low,
                    iss.scale.low_label or "",
                    iss.scale.high,
                    iss.scale.high_label or "",
                    caps[(act.id, iss.id)],
                    act.name or "",
                    iss.name or "",
                ]
            )
            row += 1
        issue_rows.append((iss, first, row - 1))
    last = row - 1
    for col in range(3, 8):
        for r in range(2, last + 1):
            ws.cell(row=r, column=col).fill = answer

    def decimal(
        op: str, low: float, high: float | None, title: str, allowed: str
    ) -> DataValidation:
        dv = DataValidation(
            type="decimal",
            operator=op,
            formula1=repr(float(low)),
            formula2=None if high is None else repr(float(high)),
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorTitle="Not allowed",
            error=allowed,
            promptTitle=title,
            prompt=allowed,
        )
        return dv

    for iss, first, end in issue_rows:
        lo, hi = iss.scale.low, iss.scale.high
        dv = decimal("between", lo, hi, "position", f"a number from {lo:g} to {hi:g}")
        ws.add_data_validation(dv)
        dv.add(f"C{first}:C{end}")
    for letter, dv in (
        ("D", decimal("between", 0, 1, "salience", "0 (no care) to 1 (utmost)")),
        ("E", decimal("greaterThanOrEqual", 0, None, "capability", "a number >= 0")),
        ("F", decimal("between", 0, 1, "confidence", "0 (a guess) to 1 (sure)")),
    ):
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{last}")
    widths = {"A": 18, "B": 24, "C": 9, "D": 9, "E": 10, "F": 11, "G": 30, "I": 40, "K": 40}
    widths["L"] = 15
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = w

    # ------------------------------------------------------------------ outcomes
    wo = wb.create_sheet("outcomes")
    wo.append([*OUTCOME_COLUMNS, *OUTCOME_INFO])
    for cell in wo[1]:
        cell.font = bold
    wo.freeze_panes = "B2"
    for r, iss in enumerate(sc.issues, start=2):
        wo.append(
            [
                iss.id,
                None,
                None,
                None,
                iss.scale.low,
                iss.scale.low_label or "",
                iss.scale.high,
                iss.scale.high_label or "",
                iss.reference,
                iss.name or "",
            ]
        )
        for col in range(2, 5):
            wo.cell(row=r, column=col).fill = answer
        lo, hi = iss.scale.low, iss.scale.high
        dv = decimal("between", lo, hi, "forecast", f"a number from {lo:g} to {hi:g}")
        wo.add_data_validation(dv)
        dv.add(f"B{r}")
    n_out = len(sc.issues) + 1
    dv = decimal("between", 0, 1, "confidence", "0 (a guess) to 1 (sure)")
    wo.add_data_validation(dv)
    dv.add(f"C2:C{n_out}")
    for letter, w in {"A": 24, "B": 10, "C": 11, "D": 30, "F": 40, "H": 40}.items():
        wo.column_dimensions[letter].width = w

    # ------------------------------------------------------------------ instructions
    wi = wb.create_sheet("instructions")
    title = sc.name or sc.id
    wi.append([f"Expert questionnaire: {title}"])
    wi["A1"].font = Font(bold=True, size=14)
    wi.append([])
    for line in _INSTRUCTIONS:
        wi.append([line])
    wi.append([])
    wi.append(["The issues and their scales"])
    wi.cell(row=wi.max_row, column=1).font = bold
    wi.append(["issue", "name", "low end", "means", "high end", "means", "status quo"])
    for cell in wi[wi.max_row]:
        cell.font = bold
    for iss in sc.issues:
        wi.append(
            [
                iss.id,
                iss.name or "",
                iss.scale.low,
                iss.scale.low_label or "",
                iss.scale.high,
                iss.scale.high_label or "",
                iss.reference,
            ]
        )
    wi.append([])
    wi.append(["The actors"])
    wi.cell(row=wi.max_row, column=1).font = bold
    wi.append(["actor", "name", "description"])
    for cell in wi[wi.max_row]:
        cell.font = bold
    for act in sc.actors:
        wi.append([act.id, act.name or "", act.description or ""])
    wi.column_dimensions["A"].width = 26
    for letter in "BDF":
        wi.column_dimensions[letter].width = 40
    wrap = Alignment(wrap_text=False, vertical="top")
    for r in range(1, wi.max_row + 1):
        wi.cell(row=r, column=1).alignment = wrap
    wb.save(target)
