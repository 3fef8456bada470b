"""The CSV input of KTAB's spatial model of politics (Wise, Lester, Efird et al., KAPSARC
Toolkit for Behavioral Analysis), as in ``reference_cases/KTAB_*.csv``.

Layout (comma-separated; trailing commas and padding spaces are allowed):

1. a title line: scenario name, description, number of actors, number of dimensions;
2. a header line: ``Actor, Description, Influence`` (or ``Power``), then a position and a
   salience column for each dimension, named after it (``Policy Position, Policy Salience``
   or ``Pstn1, Sal1``);
3. one line per actor: id, description, influence, then its position and salience on each
   dimension.

In KTAB's format positions and saliences are both given on 0..100; the reader keeps the
positions on an issue scale of 0..100 and divides every salience by 100 (the format's
definition, so no notice is given). Influence becomes the actor's capability; the actor
column is its id and its name (KTAB names actors by that column in its output), the
description column its description (in KTAB's own examples it is often one text for many
actors, "Random Spatial Actor", so it would not tell them apart). Each dimension becomes an
issue, named after its header with the words "position"/"pstn" removed (``dim1``,
``dim2``... when nothing else is left). The counts in the title line are checked against
the header and the actor lines.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from detente.errors import InputError
from detente.io.common import (
    DEFAULT_MAX_BYTES,
    Problem,
    build_scenario,
    fmt_num,
    parse_number,
    raise_problems,
    read_text,
    split_lines,
)
from detente.scenario import Scenario

__all__ = ["looks_like_ktab", "parse_ktab", "read_ktab"]

_FIRST_COLUMNS = ("actor", "description")
_INFLUENCE = ("influence", "power", "capability")
_LAYOUT = (
    "a title line (name, description, number of actors, number of dimensions), a header "
    "line (Actor, Description, Influence, then a position and a salience column per "
    "dimension) and one line per actor"
)


def _trim(fields: list[str]) -> list[str]:
    out = [f.strip() for f in fields]
    while out and not out[-1]:
        out.pop()
    return out


def looks_like_ktab(lines: list[str]) -> bool:
    """True when the second non-blank line is a KTAB header (Actor, Description, ...)."""
    body = [ln for ln in lines if ln.strip()][:2]
    if len(body) < 2:
        return False
    head = [f.strip().lower() for f in body[1].split(",")]
    return len(head) >= 5 and head[:2] == list(_FIRST_COLUMNS) and head[2] in _INFLUENCE


def _dimension_name(header: str, k: int) -> str:
    text = header.strip()
    if re.fullmatch(r"(?i)(pstn|pos|position)[\s_-]*\d*", text):
        return f"dim{k + 1}"
    return re.sub(r"(?i)\bposition\b", "", text).strip(" -_:") or f"dim{k + 1}"


def parse_ktab(text: str, source: str = "<ktab>", scenario_id: str = "scenario") -> Scenario:
    """A scenario from the text of a KTAB SMP CSV file."""
    rows = split_lines(text, ",")
    if len(rows) < 2:
        raise InputError("the file has fewer than two lines", source=source, allowed=_LAYOUT)
    (t_line, t_raw), (h_line, h_raw) = rows[0], rows[1]
    title = _trim(t_raw)
    where = f"line {t_line}"
    if len(title) < 3:
        raise InputError(
            f"the title line has {len(title)} field(s)",
            source=source,
            where=where,
            allowed="name, description, number of actors, number of dimensions",
        )
    try:
        n_actors, n_dims = int(title[-2]), int(title[-1])
    except ValueError:
        raise InputError(
            f"the title line must end with the number of actors and of dimensions, "
            f"not {title[-2]!r} and {title[-1]!r}",
            source=source,
            where=where,
            allowed="two whole numbers, e.g. '..., 13, 2'",
        ) from None
    if n_actors < 1 or n_dims < 1:
        raise InputError(
            f"the title line gives {n_actors} actors and {n_dims} dimensions",
            source=source,
            where=where,
            allowed="at least one actor and one dimension",
        )
    name = title[0]
    description = ", ".join(t for t in title[1:-2] if t) or None

    header = _trim(h_raw)
    where = f"line {h_line}"
    low = [h.lower() for h in header]
    if len(low) < 3 or low[:2] != list(_FIRST_COLUMNS) or low[2] not in _INFLUENCE:
        raise InputError(
            f"the header line starts {', '.join(header[:3])!r}",
            source=source,
            where=where,
            allowed="Actor, Description, Influence (or Power), then position/salience pairs",
        )
    n_value_cols = len(header) - 3
    if n_value_cols != 2 * n_dims:
        raise InputError(
            f"the header has {n_value_cols} position/salience column(s) but the title line "
            f"(line {t_line}) says {n_dims} dimension(s), which needs {2 * n_dims}",
            source=source,
            where=where,
            allowed="one position and one salience column per dimension",
        )
    issue_ids: list[str] = []
    for k in range(n_dims):
        dim = _dimension_name(header[3 + 2 * k], k)
        issue_ids.append(dim if dim not in issue_ids else f"dim{k + 1}")

    problems: list[Problem] = []
    actors: list[dict[str, Any]] = []
    stances: list[dict[str, Any]] = []
    actor_lines: list[int] = []
    stance_lines: list[int] = []
    seen: dict[str, int] = {}
    width = 3 + 2 * n_dims
    for line, raw in rows[2:]:
        where = f"line {line}"
        fields = _trim(raw)
        if len(fields) != width:
            problems.append(
                Problem(
                    where,
                    f"the actor line has {len(fields)} field(s), the header {width}",
                    "id, description, influence, then a position and a salience per dimension",
                )
            )
            continue
        ident = fields[0]
        if not ident:
            problems.append(Problem(where, "the actor id is empty", "an id"))
            continue
        if ident in seen:
            problems.append(
                Problem(
                    where,
                    f"actor id {ident!r} appears twice (first at line {seen[ident]})",
                    "each actor id once",
                )
            )
            continue
        seen[ident] = line
        try:
            values = [
                parse_number(f, source=source, where=where, field=header[k])
                for k, f in enumerate(fields[2:], start=2)
            ]
        except InputError as exc:
            problems.append(Problem(where, f"{ident}: {exc.problem}", exc.allowed))
            continue
        influence = values[0]
        assert influence is not None
        if influence < 0:
            problems.append(
                Problem(
                    where, f"{ident}: {header[2]} must be >= 0, got {fmt_num(influence)}", ">= 0"
                )
            )
        actor: dict[str, Any] = {"id": ident, "name": ident, "capability": influence}
        if fields[1]:
            actor["description"] = fields[1]
        actors.append(actor)
        actor_lines.append(line)
        for k, issue in enumerate(issue_ids):
            pos, sal = values[1 + 2 * k], values[2 + 2 * k]
            assert pos is not None and sal is not None
            for what, v in ((header[3 + 2 * k], pos), (header[4 + 2 * k], sal)):
                if not 0.0 <= v <= 100.0:
                    problems.append(
                        Problem(
                            where,
                            f"{ident}: {what} {fmt_num(v)} lies outside 0..100",
                            "positions and saliences on 0..100, as KTAB defines them",
                        )
                    )
            stances.append({"actor": ident, "issue": issue, "position": pos, "salience": sal / 100})
            stance_lines.append(line)
    if not problems and len(actors) != n_actors:
        problems.append(
            Problem(
                f"line {t_line}",
                f"the title line says {n_actors} actors but the file has {len(actors)} actor "
                "line(s)",
                "the number of actor lines in the title line",
            )
        )
    raise_problems(problems, source)
    data: dict[str, Any] = {
        "id": scenario_id,
        "name": name or None,
        "description": description,
        "actors": actors,
        "issues": [{"id": i} for i in issue_ids],
        "stances": stances,
    }

    def describe(loc: tuple[str | int, ...]) -> str | None:
        if len(loc) >= 2 and isinstance(loc[1], int):
            if loc[0] == "actors":
                return f"line {actor_lines[loc[1]]}"
            if loc[0] == "stances":
                return f"line {stance_lines[loc[1]]}"
        if loc[:1] == ("issues",):
            return f"line {h_line}"
        return None

    return build_scenario(data, source=source, describe=describe)


def read_ktab(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Scenario:
    """A scenario from a KTAB SMP CSV file."""
    return parse_ktab(read_text(path, max_bytes), str(path), Path(path).stem)
