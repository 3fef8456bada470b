"""Reader of the DEU format: *Decision-making in the European Union* data sets.

DEU I and II (Thomson, Stokman, Achen & König 2006; Thomson, Arregui, Leuffen, Costello,
Cross, Hertz & Jensen 2012, "A new dataset on decision-making in the European Union before
and after the 2004 and 2007 enlargements (DEUII)", JEPP 19(4)) record, for controversial
issues of EU legislative proposals, the initial position (0..100) and the salience (0..100)
of the Commission, the Parliament and every member state, the reference point (the
outcome had no law been adopted) and the decision outcome.

Columns read (names are case-insensitive):

* ``isnr`` (issue id; ``isnrnmc`` when ``isnr`` is absent), ``prnr`` (proposal id;
  otherwise the issue id without its ``i<n>`` suffix), ``prname`` (proposal name);
* ``cod`` (interinstitutional code such as ``2000/0060(COD)``): the procedure is the code
  in brackets (COD codecision, CNS consultation, ...); a ``procedure`` column is used when
  there is no ``cod``; a ``qmv`` or ``unanimity`` column (0/1) gives the Council's voting
  rule where present;
* ``p<code>`` and ``s<code>``: an actor's position and salience, for every code with both
  columns (``com`` Commission, ``ep`` Parliament, member states ``at`` ... ``uk``). Columns
  with a position but no salience (the EP party groups ``pepppty`` ...) are not actors;
* ``rp`` reference point, ``out`` outcome (either may be blank).

A number cell that is empty, or reads ``NA``, ``N/A``, ``NaN``, ``.`` or ``-`` (how R,
Stata and spreadsheets write a missing value), is blank.

What the reader makes of them:

* an actor takes part in an issue where its position is not blank;
* saliences are divided by 100 (the format defines them on 0..100; an
  :class:`~detente.errors.InputNotice` says so);
* a blank salience beside a position (13 cells in DEU II) is filled by the rule
  ``missing_salience``: ``"issue-mean"`` (default: the mean salience of the other actors
  with a position on the issue; 50 if there are none), ``"drop"`` (the actor is left out
  of that issue, as list-wise deletion in the published replication code does), or a
  number on 0..100. A notice counts the filled cells;
* the reference point ``rp`` is used as ``reference``: ``"status-quo"`` (default: the
  issue's reference point, :attr:`Issue.reference`), ``"actor"`` (an extra actor ``rp``
  at that position, with the mean salience of the actors on the issue and the capability
  of rule ``reference_capability``), or ``"none"``;
* ``out`` becomes :attr:`Issue.outcome`; issues without one (blank or NA) are named in a
  notice, since validation skips them;
* capabilities come from :mod:`detente.power.capabilities` (``capability``,
  ``commission``, ``parliament``, ``weights_dir``; the weights tables, read by
  :mod:`detente.power.tables`, are looked for beside the data file when no folder is
  given). Every stance carries its issue's capability,
  because the Council table and the institutions' shares depend on who is present;
* an issue on which no actor has a position cannot be forecast and is left out, with a
  notice.

:func:`read_deu` gives one scenario with every issue of the file; :func:`read_deu_cases`
one scenario per proposal, so that multi-issue models (the exchange model) trade across
the issues of the same proposal only. Procedure and voting rule are kept in the
scenario's ``metadata`` (``procedure``/``voting_rule`` for a proposal; ``procedure:<issue>``
for the whole file).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError

from detente.errors import InputError
from detente.io.common import notice, parse_number, read_text, sniff_delimiter, split_lines
from detente.power.capabilities import (
    INSTITUTIONS,
    CapabilitySpec,
    issue_capabilities,
    parse_measure,
)
from detente.power.tables import choose_table, load_council_tables
from detente.scenario import MAX_CAPABILITY, Actor, Issue, Scale, Scenario, Source, Stance

__all__ = [
    "DeuOptions",
    "DeuTable",
    "deu_cases",
    "looks_like_deu",
    "read_deu",
    "read_deu_cases",
    "read_deu_table",
]

Reference = Literal["status-quo", "actor", "none"]

#: names of the actors of the DEU data sets
ACTOR_NAMES = {
    "com": "European Commission",
    "ep": "European Parliament",
    "rp": "reference point (status quo)",
    "at": "Austria",
    "be": "Belgium",
    "bu": "Bulgaria",
    "bg": "Bulgaria",
    "cy": "Cyprus",
    "cz": "Czech Republic",
    "dk": "Denmark",
    "ee": "Estonia",
    "fi": "Finland",
    "fr": "France",
    "de": "Germany",
    "el": "Greece",
    "gr": "Greece",
    "hr": "Croatia",
    "hu": "Hungary",
    "ie": "Ireland",
    "it": "Italy",
    "lv": "Latvia",
    "lt": "Lithuania",
    "lu": "Luxembourg",
    "mt": "Malta",
    "nl": "Netherlands",
    "pl": "Poland",
    "pt": "Portugal",
    "ro": "Romania",
    "si": "Slovenia",
    "sk": "Slovakia",
    "es": "Spain",
    "se": "Sweden",
    "uk": "United Kingdom",
    "gb": "United Kingdom",
}

_ID_COLUMNS = ("isnr", "isnrnmc")
_NOT_ACTORS = {"rnr", "rnrnmc", "rname", "rocedure", "rp"}
_PROC = re.compile(r"\(\s*([A-Za-z]{2,5})\s*\)\s*$")
_DATA_SOURCE = Source(
    id="deu",
    title="Decision-making in the European Union (DEU) data set",
    author="Thomson, Arregui, Leuffen, Costello, Cross, Hertz & Jensen",
    year=2012,
    note="JEPP 19(4); positions and saliences of the Commission, Parliament and member states",
)


def looks_like_deu(header: list[str]) -> bool:
    """Whether a table header is in the DEU format: an issue-id column (``isnr``) and at
    least two actors given as ``p<code>``/``s<code>`` column pairs."""
    cols = {h.strip().lower() for h in header}
    if not any(c in cols for c in _ID_COLUMNS):
        return False
    return len(_actor_codes([h.strip().lower() for h in header])) >= 2


def _actor_codes(cols: Sequence[str]) -> list[str]:
    present = set(cols)
    codes = []
    for c in cols:
        if len(c) > 1 and c[0] == "p" and c[1:] not in _NOT_ACTORS and "s" + c[1:] in present:
            codes.append(c[1:])
    return codes


# ----------------------------------------------------------------------------- raw table
@dataclass(frozen=True)
class DeuTable:
    """The numbers of a DEU file, as written (NaN where a cell is blank).

    ``position`` and ``salience`` are ``(issues, actors)`` on the file's 0..100 scales.
    """

    source: str
    codes: tuple[str, ...]
    issue_ids: tuple[str, ...]
    lines: tuple[int, ...]
    proposal_ids: tuple[str, ...]
    proposal_names: tuple[str | None, ...]
    procedures: tuple[str | None, ...]
    voting_rules: tuple[str | None, ...]
    position: np.ndarray
    salience: np.ndarray
    reference: np.ndarray
    outcome: np.ndarray

    @property
    def n_issues(self) -> int:
        return len(self.issue_ids)

    def proposals(self) -> list[tuple[str, list[int]]]:
        """Proposal id and the row indices of its issues, in file order."""
        groups: dict[str, list[int]] = {}
        for k, p in enumerate(self.proposal_ids):
            groups.setdefault(p, []).append(k)
        return list(groups.items())


def read_deu_table(path: str | Path) -> DeuTable:
    """Parse and check a DEU CSV file (comma, semicolon or tab separated, UTF-8)."""
    src = str(path)
    text = read_text(path)
    first = text.splitlines()[0] if text.strip() else ""
    rows = split_lines(text, sniff_delimiter(first, src))
    line0, header = rows[0]
    cols = [h.strip().lower() for h in header]
    if len(set(cols)) != len(cols):
        dup = sorted({c for c in cols if cols.count(c) > 1})
        raise InputError(
            f"duplicate column(s) {', '.join(dup)}", source=src, where=f"line {line0} (header)"
        )
    if not looks_like_deu(cols):
        raise InputError(
            "not a DEU table: it needs an issue id column (isnr) and positions and saliences "
            "of at least two actors (p<code> and s<code> columns, e.g. pcom and scom)",
            source=src,
            where=f"line {line0} (header)",
            allowed="the columns of the DEU codebook (isnr, prnr, cod, pcom, scom, ..., rp, out)",
        )
    col = {c: k for k, c in enumerate(cols)}
    id_col = next(c for c in _ID_COLUMNS if c in col)
    codes = _actor_codes(cols)
    n_a = len(codes)
    ids: list[str] = []
    lines: list[int] = []
    props: list[str] = []
    names: list[str | None] = []
    procs: list[str | None] = []
    rules: list[str | None] = []
    pos_rows: list[list[float]] = []
    sal_rows: list[list[float]] = []
    refs: list[float] = []
    outs: list[float] = []
    seen: dict[str, int] = {}

    def cell(fields: list[str], name: str) -> str:
        k = col.get(name)
        return fields[k].strip() if k is not None and k < len(fields) else ""

    for line, fields in rows[1:]:
        where = f"line {line}"
        if len(fields) > len(cols):
            raise InputError(
                f"the row has {len(fields)} cells but the header has {len(cols)} columns",
                source=src,
                where=where,
                allowed="one cell per header column",
            )
        iid = cell(fields, id_col)
        if not iid:
            raise InputError(f"the issue id ({id_col}) is empty", source=src, where=where)
        if iid in seen:
            raise InputError(
                f"issue id {iid!r} appears twice (first on line {seen[iid]})",
                source=src,
                where=f"{where}, column {id_col}",
                allowed="one row per issue",
            )
        seen[iid] = line

        pos = [_scale_cell(cell(fields, "p" + c), "p" + c, src, where) for c in codes]
        sal = [_scale_cell(cell(fields, "s" + c), "s" + c, src, where) for c in codes]
        ids.append(iid)
        lines.append(line)
        prop = cell(fields, "prnr") or re.sub(r"i\d+$", "", iid)
        props.append(prop)
        names.append(cell(fields, "prname") or None)
        procs.append(_procedure(cell(fields, "cod") or cell(fields, "procedure")))
        rules.append(_voting_rule(cell(fields, "qmv"), cell(fields, "unanimity"), src, where))
        pos_rows.append(pos)
        sal_rows.append(sal)
        refs.append(_scale_cell(cell(fields, "rp"), "rp", src, where))
        outs.append(_scale_cell(cell(fields, "out"), "out", src, where))
    if not ids:
        raise InputError("the table has a header but no issues", source=src)
    return DeuTable(
        source=src,
        codes=tuple(codes),
        issue_ids=tuple(ids),
        lines=tuple(lines),
        proposal_ids=tuple(props),
        proposal_names=tuple(names),
        procedures=tuple(procs),
        voting_rules=tuple(rules),
        position=np.array(pos_rows, dtype=float).reshape(len(ids), n_a),
        salience=np.array(sal_rows, dtype=float).reshape(len(ids), n_a),
        reference=np.array(refs, dtype=float),
        outcome=np.array(outs, dtype=float),
    )


#: cell texts read as blank: how R, Stata and spreadsheets write a missing value
_MISSING = {"na", "n/a", "nan", ".", "-"}


def _scale_cell(text: str, name: str, src: str, where: str) -> float:
    """A cell on the DEU 0..100 scale; NaN when blank (or NA, NaN, '.', '-')."""
    if text.strip().lower() in _MISSING:
        return np.nan
    x = parse_number(text, source=src, where=f"{where}, column {name}", field=name, required=False)
    if x is None:
        return np.nan
    if not 0.0 <= x <= 100.0:
        raise InputError(
            f"{name} is {x:g}, outside the DEU scale",
            source=src,
            where=f"{where}, column {name}",
            allowed="a number in [0, 100], or blank",
        )
    return x


def _procedure(text: str) -> str | None:
    t = text.strip()
    if not t:
        return None
    m = _PROC.search(t)
    if m:
        return m.group(1).upper()
    return t.upper() if re.fullmatch(r"[A-Za-z]{2,5}", t) else None


def _voting_rule(qmv: str, unanimity: str, src: str, where: str) -> str | None:
    for text, yes, no, name in (
        (qmv, "qmv", "unanimity", "qmv"),
        (unanimity, "unanimity", "qmv", "unanimity"),
    ):
        t = text.strip().lower()
        if not t:
            continue
        if t in {"1", "1.0", "yes", "true"}:
            return yes
        if t in {"0", "0.0", "no", "false"}:
            return no
        raise InputError(
            f"{name} {text!r} is not 0 or 1",
            source=src,
            where=f"{where}, column {name}",
            allowed="1 (yes), 0 (no) or blank",
        )
    return None


# ----------------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class DeuOptions:
    """How a DEU table becomes scenarios (the keyword options of :func:`read_deu`)."""

    capability: str = "auto"
    commission: str = "mean"
    parliament: str = "mean"
    reference: str = "status-quo"
    reference_capability: str = "mean"
    missing_salience: str | float = "issue-mean"
    weights_dir: str | None = None


def read_deu(
    path: str | Path,
    *,
    proposal: str | None = None,
    capability: str = "auto",
    commission: str = "mean",
    parliament: str = "mean",
    reference: Reference = "status-quo",
    reference_capability: str = "mean",
    missing_salience: str | float = "issue-mean",
    weights_dir: str | Path | None = None,
) -> Scenario:
    """One scenario with every issue of a DEU file (see the module docstring), or with the
    issues of one ``proposal`` (its ``prnr``)."""
    table = read_deu_table(path)
    options = DeuOptions(
        capability,
        commission,
        parliament,
        reference,
        reference_capability,
        missing_salience,
        None if weights_dir is None else str(weights_dir),
    )
    prepared, spec = _prepare(table, options)
    rows = [k for k in range(table.n_issues) if prepared.keep[k]]
    scenario_id = Path(path).stem
    if proposal is not None:
        groups = dict(table.proposals())
        if proposal not in groups:
            shown = ", ".join(list(groups)[:8]) + (", ..." if len(groups) > 8 else "")
            raise InputError(
                f"no proposal {proposal!r} in the file",
                source=table.source,
                where="proposal",
                allowed=f"a proposal id (prnr): {shown}",
            )
        rows = [k for k in groups[proposal] if prepared.keep[k]]
        scenario_id = proposal
        if not rows:
            raise InputError(
                f"proposal {proposal!r} has no issue with an actor position",
                source=table.source,
                where="proposal",
            )
    return _build(table, prepared, rows, spec, options.reference, scenario_id=scenario_id)


def read_deu_cases(
    path: str | Path,
    *,
    capability: str = "auto",
    commission: str = "mean",
    parliament: str = "mean",
    reference: Reference = "status-quo",
    reference_capability: str = "mean",
    missing_salience: str | float = "issue-mean",
    weights_dir: str | Path | None = None,
) -> list[Scenario]:
    """One scenario per proposal of a DEU file, its issues in file order."""
    options = DeuOptions(
        capability,
        commission,
        parliament,
        reference,
        reference_capability,
        missing_salience,
        None if weights_dir is None else str(weights_dir),
    )
    return deu_cases(read_deu_table(path), options)


def deu_cases(table: DeuTable, options: DeuOptions) -> list[Scenario]:
    """One scenario per proposal of a parsed DEU table."""
    prepared, spec = _prepare(table, options)
    out = []
    for prop, rows in table.proposals():
        rows = [k for k in rows if prepared.keep[k]]
        if rows:
            out.append(_build(table, prepared, rows, spec, options.reference, scenario_id=prop))
    return out


def resolve_capabilities(
    table: DeuTable, options: DeuOptions, present: np.ndarray, codes: Sequence[str]
) -> CapabilitySpec:
    """The capability settings for a table.

    ``auto`` becomes ``shapley`` when the Council tables are in the weights folder and list
    every member state of the file, else ``equal`` (with a notice saying why).
    """
    wd = (
        Path(table.source).resolve().parent
        if options.weights_dir is None
        else Path(options.weights_dir)
    )
    measure = str(options.capability).strip().lower()
    spec = CapabilitySpec(
        measure="equal",
        commission=options.commission,
        parliament=options.parliament,
        reference=options.reference_capability,
        weights_dir=str(wd),
    )
    spec.rules()  # check the rules before any work
    if measure != "auto":
        return replace(spec, measure=parse_measure(measure, "--capability"))
    try:
        tables = load_council_tables(wd)
        states = [(a, c) for a, c in enumerate(codes) if c not in INSTITUTIONS]
        for i in range(present.shape[0]):
            choose_table([c for a, c in states if present[i, a]], tables, "")
    except InputError as exc:
        notice(
            f"{table.source}: capabilities are equal for every member state "
            f"(capability 'auto' found no usable Council weights tables: {exc.problem})"
        )
        return spec
    return replace(spec, measure="shapley")


@dataclass(frozen=True)
class _Prepared:
    present: np.ndarray  # (I, A')  A' = codes (+ rp)
    position: np.ndarray  # (I, A')
    salience: np.ndarray  # (I, A') on 0..1
    codes: tuple[str, ...]
    keep: np.ndarray  # (I,)


def _prepare(table: DeuTable, options: DeuOptions) -> tuple[_Prepared, CapabilitySpec]:
    reference = options.reference
    missing_salience = options.missing_salience
    if reference not in ("status-quo", "actor", "none"):
        raise InputError(
            f"unknown reference-point option {reference!r}",
            where="--reference",
            allowed="status-quo, actor, none",
        )
    pos = table.position.copy()
    sal = table.salience.copy()
    present = ~np.isnan(pos)
    hole = present & np.isnan(sal)
    rule = str(missing_salience).strip().lower()
    if hole.any():
        if rule == "drop":
            present &= ~hole
        elif rule == "issue-mean":
            known = present & ~np.isnan(sal)
            total = np.where(known, sal, 0.0).sum(axis=1)
            count = known.sum(axis=1)
            mean = np.where(count > 0, total / np.maximum(count, 1), 50.0)
            sal = np.where(hole, mean[:, None], sal)
        else:
            try:
                fill = float(rule)
            except ValueError:
                raise InputError(
                    f"unknown missing-salience rule {missing_salience!r}",
                    where="--missing-salience",
                    allowed="issue-mean, drop, or a number in [0, 100]",
                ) from None
            if not 0.0 <= fill <= 100.0:
                raise InputError(
                    f"missing-salience fill {fill:g} lies outside 0..100",
                    where="--missing-salience",
                    allowed="a number in [0, 100]",
                )
            sal = np.where(hole, fill, sal)
        where = ", ".join(
            f"line {table.lines[i]} {table.codes[a]}" for i, a in np.argwhere(hole)[:5]
        )
        more = "" if hole.sum() <= 5 else ", ..."
        what = "left out" if rule == "drop" else f"filled ({rule})"
        notice(
            f"{table.source}: {int(hole.sum())} blank salience(s) beside a position were "
            f"{what}: {where}{more}"
        )
    notice(f"{table.source}: DEU saliences are on 0..100; they were divided by 100")
    sal = np.where(present, sal, 0.0) / 100.0
    pos = np.where(present, pos, 50.0)
    keep = present.any(axis=1)
    if not keep.all():
        dropped = [table.issue_ids[k] for k in np.flatnonzero(~keep)]
        notice(f"{table.source}: issue(s) with no actor position left out: {', '.join(dropped)}")
    no_outcome = np.flatnonzero(np.isnan(table.outcome) & keep)
    if no_outcome.size:
        shown = ", ".join(f"line {table.lines[k]} {table.issue_ids[k]}" for k in no_outcome[:5])
        more = ", ..." if no_outcome.size > 5 else ""
        notice(
            f"{table.source}: {no_outcome.size} issue(s) have no outcome (out is blank or NA) "
            f"and are skipped by validation: {shown}{more}"
        )
    codes = table.codes
    if reference == "actor":
        has = ~np.isnan(table.reference) & keep
        n = present.sum(axis=1)
        mean_sal = np.where(n > 0, sal.sum(axis=1) / np.maximum(n, 1), 0.0)
        pos = np.column_stack([pos, np.where(has, table.reference, 50.0)])
        sal = np.column_stack([sal, np.where(has, mean_sal, 0.0)])
        present = np.column_stack([present, has])
        codes = (*codes, "rp")
    spec = resolve_capabilities(table, options, present, codes)
    prepared = _Prepared(present=present, position=pos, salience=sal, codes=codes, keep=keep)
    return prepared, spec


def _build(
    table: DeuTable,
    prep: _Prepared,
    rows: list[int],
    spec: CapabilitySpec,
    reference: str,
    *,
    scenario_id: str,
) -> Scenario:
    present = prep.present[rows]
    cap = issue_capabilities(
        list(prep.codes),
        present,
        [table.procedures[k] for k in rows],
        spec,
        source=table.source,
    )
    _check_capabilities(table, prep, rows, cap, present, spec)
    used = np.flatnonzero(present.any(axis=0))
    actors = []
    for a in used:
        code = prep.codes[a]
        caps = cap[present[:, a], a]
        actors.append(
            Actor(id=code, name=ACTOR_NAMES.get(code, code), capability=float(caps.max()))
        )
    issues = []
    stances = []
    for r, k in enumerate(rows):
        iid = table.issue_ids[k]
        ref = table.reference[k]
        out = table.outcome[k]
        pname = table.proposal_names[k]
        issues.append(
            Issue(
                id=iid,
                name=f"{pname} ({iid})" if pname else None,
                scale=Scale(low=0.0, high=100.0),
                reference=None if reference != "status-quo" or np.isnan(ref) else float(ref),
                outcome=None if np.isnan(out) else float(out),
            )
        )
        for a in used:
            if present[r, a]:
                stances.append(
                    Stance(
                        actor=prep.codes[a],
                        issue=iid,
                        position=float(prep.position[k, a]),
                        salience=float(prep.salience[k, a]),
                        capability=float(cap[r, a]),
                    )
                )
    meta: dict[str, Any] = {"format": "deu", "capability": spec.describe()}
    procs = {table.procedures[k] for k in rows}
    votes = {table.voting_rules[k] for k in rows}
    if len(procs) == 1:
        meta["procedure"] = next(iter(procs))
    if len(votes) == 1:
        meta["voting_rule"] = next(iter(votes))
    if len(procs) > 1 or len(votes) > 1:
        for k in rows:
            meta[f"procedure:{table.issue_ids[k]}"] = table.procedures[k]
            meta[f"voting_rule:{table.issue_ids[k]}"] = table.voting_rules[k]
    names = {table.proposal_names[k] for k in rows} - {None}
    try:
        return Scenario(
            id=scenario_id,
            name=next(iter(names)) if len(names) == 1 else None,
            description=f"DEU issues from {Path(table.source).name}",
            sources=(_DATA_SOURCE,),
            actors=tuple(actors),
            issues=tuple(issues),
            stances=tuple(stances),
            metadata=meta,
        )
    except ValidationError as exc:  # a scenario-wide rule, e.g. every capability 0
        first = exc.errors(include_url=False)[0]
        raise InputError(
            str(first["msg"]).removeprefix("Value error, "),
            source=table.source,
            where=f"proposal {scenario_id}",
            allowed=getattr((first.get("ctx") or {}).get("error"), "allowed", None),
        ) from None


def _check_capabilities(
    table: DeuTable,
    prep: _Prepared,
    rows: list[int],
    cap: np.ndarray,
    present: np.ndarray,
    spec: CapabilitySpec,
) -> None:
    """Refuse capabilities (from the weights tables) that are not finite numbers in
    [0, MAX_CAPABILITY], naming the line, the actor and where the numbers came from."""
    bad = present & ~((cap >= 0) & (cap <= MAX_CAPABILITY))  # NaN fails both comparisons
    if not bad.any():
        return
    r, a = (int(x) for x in np.argwhere(bad)[0])
    k = rows[r]
    raise InputError(
        f"capability {cap[r, a]:g} of {prep.codes[a]} on issue {table.issue_ids[k]} "
        f"(computed with {spec.describe()}, weights tables in {spec.weights_dir}) is not a "
        f"finite number from 0 to {MAX_CAPABILITY:g}",
        source=table.source,
        where=f"line {table.lines[k]}",
        allowed=f"weights tables whose numbers give capabilities from 0 to {MAX_CAPABILITY:g}",
    )
