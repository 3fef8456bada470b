"""The BDM/Scholz CSV: one issue, one row per actor, columns ``Actor, Capability, Position,
Salience`` (any order, names case-insensitive).

This is the input of the expected-utility model as Scholz, Calbert & Smith (2011, J.
Theoretical Politics 23(4)) describe it for Bueno de Mesquita's EC emission-standards case
(``reference_cases/dmasad_ExampleActors.csv``). The file names no issue, so the scenario has
one issue with id ``issue``; its scale is 0..100 when every position fits in it (the usual
convention), else the range of the positions, with a notice. Saliences on 0..100, as in the
published case, are divided by 100 with a notice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io.common import (
    DEFAULT_MAX_BYTES,
    SALIENCE_ALLOWED,
    Problem,
    build_scenario,
    fmt_num,
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
)
from detente.scenario import Scenario

__all__ = ["COLUMNS", "ISSUE_ID", "parse_bdm", "read_bdm"]

COLUMNS = ("actor", "capability", "position", "salience")
ISSUE_ID = "issue"


def parse_bdm(text: str, source: str = "<bdm>", scenario_id: str = "scenario") -> Scenario:
    """A one-issue scenario from the text of a BDM/Scholz CSV."""
    lines = physical_lines(text)
    first = next(n for n, ln in enumerate(lines, 1) if ln.strip())
    delimiter = sniff_delimiter(lines[first - 1], source, where=f"line {first}")
    rows = split_lines(text, delimiter)
    head_line, head = rows[0]
    names = [h.strip().lower() for h in head]
    while names and not names[-1]:
        names.pop()
    where = f"line {head_line}"
    if len(names) == 1 and any(d in names[0] for d in ";\t,|"):
        raise InputError(
            f"wrong delimiter: the header {head[0]!r} is a single column",
            source=source,
            where=where,
            allowed="Actor,Capability,Position,Salience separated by commas",
        )
    if sorted(names) != sorted(COLUMNS):
        missing = [c for c in COLUMNS if c not in names]
        unknown = [h for h in names if h not in COLUMNS]
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if unknown:
            parts.append("unexpected " + ", ".join(repr(u) for u in unknown))
        if not parts:
            parts.append("a column is repeated")
        raise InputError(
            "the header is not that of a BDM/Scholz file: " + "; ".join(parts),
            source=source,
            where=where,
            allowed="the columns Actor, Capability, Position, Salience",
        )
    col = {c: names.index(c) for c in COLUMNS}
    if len(rows) == 1:
        raise InputError(
            "the file has a header but no actors",
            source=source,
            where=where,
            allowed="one row per actor below the header",
        )
    problems: list[tuple[int, Problem]] = []

    def problem(line: int, text: str, allowed: str | None = None) -> None:
        problems.append((line, Problem(f"line {line}", text, allowed)))

    records: list[tuple[int, str, dict[str, float]]] = []
    seen: dict[str, int] = {}
    for line, raw in rows[1:]:
        fields = list(raw)
        while len(fields) > len(names) and not fields[-1].strip():
            fields.pop()
        if len(fields) != len(names):
            problem(
                line,
                f"the row has {len(fields)} fields, the header {len(names)} "
                "(a wrong delimiter, or a delimiter inside a name?)",
                "Actor,Capability,Position,Salience",
            )
            continue
        actor = fields[col["actor"]].strip()
        if not actor:
            problem(line, "the actor's name is empty", "a name")
            continue
        if actor in seen:
            problem(
                line,
                f"actor {actor!r} appears twice (first at line {seen[actor]})",
                "one row per actor",
            )
            continue
        seen[actor] = line
        values: dict[str, float] = {}
        for c in ("capability", "position", "salience"):
            try:
                x = parse_number(fields[col[c]], source=source, where=f"line {line}", field=c)
            except InputError as exc:
                problem(line, f"{actor}: {exc.problem}", exc.allowed)
                continue
            assert x is not None
            values[c] = x
        if values.get("capability", 0.0) < 0:
            cap = fmt_num(values["capability"])
            problem(line, f"{actor}: capability must be >= 0, got {cap}", "capability >= 0")
        records.append((line, actor, values))
    divisor = salience_divisor(v["salience"] for _, _, v in records if "salience" in v)
    for line, actor, v in records:
        if "salience" in v:
            why = salience_problem(v["salience"], divisor)
            if why:
                problem(line, f"{actor}: {why}", SALIENCE_ALLOWED)
    problems.sort(key=lambda p: p[0])
    raise_problems([p for _, p in problems], source)
    if divisor != 1.0:
        rescale_notice(source, len(records))

    positions = [v["position"] for _, _, v in records]
    low, high = 0.0, 100.0
    if min(positions) < 0.0 or max(positions) > 100.0:
        low, high = min(positions), max(positions)
        if high == low:
            low, high = low - 1.0, high + 1.0
        notice(
            f"{source}: the positions do not fit on 0..100, so the issue's scale is taken "
            f"as their range [{fmt_num(low)}, {fmt_num(high)}]"
        )
    data: dict[str, Any] = {
        "id": scenario_id,
        "actors": [{"id": a, "capability": v["capability"]} for _, a, v in records],
        "issues": [{"id": ISSUE_ID, "scale": {"low": low, "high": high}}],
        "stances": [
            {
                "actor": a,
                "issue": ISSUE_ID,
                "position": v["position"],
                "salience": v["salience"] / divisor,
            }
            for _, a, v in records
        ],
    }
    lines_of = [line for line, _, _ in records]

    def describe(loc: tuple[str | int, ...]) -> str | None:
        if len(loc) >= 2 and loc[0] in ("actors", "stances") and isinstance(loc[1], int):
            return f"line {lines_of[loc[1]]}"
        return None

    return build_scenario(data, source=source, describe=describe)


def read_bdm(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Scenario:
    """A one-issue scenario from a BDM/Scholz CSV file."""
    return parse_bdm(read_text(path, max_bytes), str(path), Path(path).stem)
