"""Input files of decide, the exchange-model program of Stokman and colleagues (Stokman &
Van Oosten 1994; Stokman 2015), as in ``reference_cases/decide_*.csv``.

One record per line, its first field naming the kind; fields are separated by tabs (a
semicolon or comma is accepted when a file has no tab) and may be quoted with single quotes:

======  ===========================================================================
``#A``  actor: id, name, description
``#P``  issue: id, name, description
``#M``  a marked point on an issue's scale: issue id, value, meaning. The smallest and the
        largest marked values are the ends of the scale, their meanings the words for
        the ends. An issue without ``#M`` rows is on 0..100.
``#D``  a stance: actor id, issue id, position, salience, power (and an ignored comment)
``#O``  the title of the case
``#/``  a comment
======  ===========================================================================

Power is issue-specific in decide; it becomes the stance's capability, and the actor's own
capability is the mean of its powers. Saliences are on 0..1 in decide; a file that gives
them on 0..100 throughout is divided by 100 with a notice. Departures from decide's own
reader, and why: every problem is reported with its line instead of the row being dropped,
and an actor with no ``#D`` row is an error (a scenario needs a stance for every actor).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from statistics import fmean
from typing import Any

from detente.errors import InputError
from detente.io.common import (
    DEFAULT_MAX_BYTES,
    SALIENCE_ALLOWED,
    Problem,
    build_scenario,
    fmt_num,
    parse_number,
    physical_lines,
    raise_problems,
    read_text,
    rescale_notice,
    salience_divisor,
    salience_problem,
)
from detente.scenario import Scenario

__all__ = ["KINDS", "looks_like_decide", "parse_decide", "read_decide"]

KINDS = ("#A", "#P", "#M", "#D", "#O", "#/")
_KINDS_TEXT = "#A (actor), #P (issue), #M (scale point), #D (stance), #O (title), #/ (comment)"
_NEEDS = {
    "#A": (1, "an actor id"),
    "#P": (1, "an issue id"),
    "#M": (2, "an issue id and a value"),
    "#D": (5, "actor, issue, position, salience and power"),
    "#O": (0, ""),
    "#/": (0, ""),
}


def _delimiter(lines: list[str]) -> str:
    sample = [ln for ln in lines[:200] if ln.strip()]
    for d in ("\t", ";", ","):
        if any(d in ln for ln in sample):
            return d
    return "\t"


def _fields(line: str, delimiter: str) -> list[str]:
    row = next(csv.reader([line], delimiter=delimiter, quotechar="'"), [])
    out = []
    for f in row:
        f = f.strip()
        if len(f) >= 2 and f[0] == f[-1] == '"':
            f = f[1:-1].strip()
        out.append(f)
    return out


def looks_like_decide(first_line: str) -> bool:
    """True when a line starts with one of decide's record kinds (quoted or not)."""
    head = first_line.strip().lstrip("'\"")
    return head[:2] in KINDS


def parse_decide(text: str, source: str = "<decide>", scenario_id: str = "scenario") -> Scenario:
    """A scenario from the text of a decide input file."""
    lines = physical_lines(text)
    delimiter = _delimiter(lines)
    problems: list[tuple[int, Problem]] = []

    def problem(line: int, what: str, allowed: str | None = None) -> None:
        problems.append((line, Problem(f"line {line}", what, allowed)))

    title: str | None = None
    actors: dict[str, dict[str, Any]] = {}
    actor_line: dict[str, int] = {}
    issues: dict[str, dict[str, Any]] = {}
    issue_line: dict[str, int] = {}
    marks: dict[str, list[tuple[int, float, str]]] = defaultdict(list)
    stances: list[tuple[int, dict[str, Any]]] = []
    named: set[str] = set()  # actors named by any #D row, readable or not

    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        f = _fields(raw, delimiter)
        kind = f[0] if f else ""
        if kind not in KINDS:
            shown = kind if len(kind) <= 20 else kind[:17] + "..."
            problem(n, f"unknown record kind {shown!r}", f"lines starting with {_KINDS_TEXT}")
            continue
        args = f[1:]
        if kind == "#D" and args:
            named.add(args[0])
        need, what = _NEEDS[kind]
        if len([a for a in args[:need] if a]) < need:
            problem(
                n,
                f"a {kind} record needs {what}; this one has {len(args)} field(s)",
                "fields separated by tabs"
                if delimiter == "\t"
                else f"fields separated by {delimiter!r}",
            )
            continue
        if kind == "#/":
            continue
        if kind == "#O":
            title = " ".join(a for a in args if a) or title
        elif kind in ("#A", "#P"):
            ident = args[0]
            table, first = (actors, actor_line) if kind == "#A" else (issues, issue_line)
            word = "actor" if kind == "#A" else "issue"
            if ident in table:
                problem(
                    n,
                    f"{word} id {ident!r} is declared twice (first at line {first[ident]})",
                    f"each {word} id once",
                )
                continue
            item: dict[str, Any] = {"id": ident}
            if len(args) > 1 and args[1] and args[1] != ident:
                item["name"] = args[1]
            desc = " ".join(a for a in args[2:] if a)
            if desc and desc not in (ident, item.get("name")):
                item["description"] = desc
            table[ident] = item
            first[ident] = n
        elif kind == "#M":
            try:
                value = parse_number(args[1], source=source, where=f"line {n}", field="value")
            except InputError as exc:
                problem(n, exc.problem, exc.allowed)
                continue
            assert value is not None
            marks[args[0]].append((n, value, " ".join(a for a in args[2:] if a)))
        else:  # #D
            actor, issue = args[0], args[1]
            values: dict[str, Any] = {"actor": actor, "issue": issue}
            ok = True
            for name, cell in zip(("position", "salience", "power"), args[2:5], strict=True):
                try:
                    values[name] = parse_number(cell, source=source, where=f"line {n}", field=name)
                except InputError as exc:
                    problem(n, f"{actor} on {issue}: {exc.problem}", exc.allowed)
                    ok = False
            if ok:
                stances.append((n, values))

    # scales from the #M points
    scales: dict[str, tuple[float, float]] = {}
    for issue, pts in marks.items():
        n0 = pts[0][0]
        if issue not in issues:
            problem(
                n0, f"#M names issue {issue!r}, which no #P row declares", _known(issues, "issue")
            )
            continue
        lo = min(pts, key=lambda p: p[1])
        hi = max(pts, key=lambda p: p[1])
        if hi[1] <= lo[1]:
            problem(
                n0,
                f"issue {issue!r} has a single #M value {fmt_num(lo[1])}; its scale needs a "
                "lower and a higher end",
                "two #M rows with different values, or none (scale 0..100)",
            )
            continue
        scales[issue] = (lo[1], hi[1])
        scale: dict[str, Any] = {"low": lo[1], "high": hi[1]}
        if lo[2]:
            scale["low_label"] = lo[2]
        if hi[2]:
            scale["high_label"] = hi[2]
        issues[issue]["scale"] = scale

    divisor = salience_divisor(v["salience"] for _, v in stances)
    seen: dict[tuple[str, str], int] = {}
    kept: list[tuple[int, dict[str, Any]]] = []
    for n, v in stances:
        actor, issue = v["actor"], v["issue"]
        who = f"{actor} on {issue}"
        bad = False
        if actor not in actors:
            problem(
                n, f"#D names actor {actor!r}, which no #A row declares", _known(actors, "actor")
            )
            bad = True
        if issue not in issues:
            problem(
                n, f"#D names issue {issue!r}, which no #P row declares", _known(issues, "issue")
            )
            bad = True
        if bad:
            continue
        if (actor, issue) in seen:
            problem(
                n,
                f"a second #D row for {who} (the first is at line {seen[(actor, issue)]})",
                "one #D row per actor and issue",
            )
            continue
        seen[(actor, issue)] = n
        low, high = scales.get(issue, (0.0, 100.0))
        if not low <= v["position"] <= high:
            problem(
                n,
                f"{who}: position {fmt_num(v['position'])} lies outside the issue's scale "
                f"[{fmt_num(low)}, {fmt_num(high)}]",
                "a position between the issue's lowest and highest #M values "
                "(0..100 when it has no #M rows)",
            )
        why = salience_problem(v["salience"], divisor)
        if why:
            problem(n, f"{who}: {why}", SALIENCE_ALLOWED)
        if v["power"] < 0:
            problem(n, f"{who}: power must be >= 0, got {fmt_num(v['power'])}", "power >= 0")
        kept.append((n, v))
    for actor, n in actor_line.items():
        if actor not in named:
            problem(
                n,
                f"actor {actor!r} has no #D row: it takes no stance on any issue",
                "at least one #D row per actor, or remove its #A row",
            )
    if not actors and not problems:
        problem(1, "the file declares no actor (#A rows)", _KINDS_TEXT)
    if not issues and not problems:
        problem(1, "the file declares no issue (#P rows)", _KINDS_TEXT)
    problems.sort(key=lambda p: p[0])
    raise_problems([p for _, p in problems], source)
    if divisor != 1.0:
        rescale_notice(source, len(kept))

    powers: dict[str, list[float]] = defaultdict(list)
    for _, v in kept:
        powers[v["actor"]].append(v["power"])
    for actor, item in actors.items():
        item["capability"] = fmean(powers[actor])
    data: dict[str, Any] = {
        "id": scenario_id,
        "actors": list(actors.values()),
        "issues": list(issues.values()),
        "stances": [
            {
                "actor": v["actor"],
                "issue": v["issue"],
                "position": v["position"],
                "salience": v["salience"] / divisor,
                "capability": v["power"],
            }
            for _, v in kept
        ],
    }
    if title:
        data["name"] = title
    a_ids, i_ids = list(actors), list(issues)

    def describe(loc: tuple[str | int, ...]) -> str | None:
        if len(loc) >= 2 and isinstance(loc[1], int):
            if loc[0] == "stances" and loc[1] < len(kept):
                return f"line {kept[loc[1]][0]}"
            if loc[0] == "actors" and loc[1] < len(a_ids):
                return f"line {actor_line[a_ids[loc[1]]]}"
            if loc[0] == "issues" and loc[1] < len(i_ids):
                return f"line {issue_line[i_ids[loc[1]]]}"
        return None

    return build_scenario(data, source=source, describe=describe)


def _known(table: dict[str, Any], word: str) -> str:
    kind = "#A" if word == "actor" else "#P"
    ids = list(table)
    if not ids:
        return f"an {word} id declared in a {kind} row (the file has none)"
    shown = ", ".join(repr(i) for i in ids[:12]) + (", ..." if len(ids) > 12 else "")
    return f"an {word} id declared in a {kind} row: {shown}"


def read_decide(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Scenario:
    """A scenario from a decide input file."""
    return parse_decide(read_text(path, max_bytes), str(path), Path(path).stem)
