"""Tell a scenario file's format from its extension and its content.

The extension decides for workbooks (``.xlsx``, or any file that is a zip archive) and for
native YAML/JSON (``.yaml``, ``.yml``, ``.json``). Text files are recognised by content:

- ``decide``: the first line starts with a decide record kind (``#A``, ``#P``, ``#M``,
  ``#D``, ``#O``, ``#/``, quoted or not);
- ``ktab``: the second line is a KTAB header (``Actor, Description, Influence, ...``);
- ``bdm``: the header is exactly ``Actor, Capability, Position, Salience``;
- ``csv``: the header has at least ``actor, issue, position, salience``;
- ``deu``: the header is that of the DEU dataset (asked of :mod:`detente.io.deu`);
- ``yaml``: a top-level ``actors:``, ``issues:`` or ``stances:`` key.

Anything else is an :class:`~detente.errors.InputError` listing the formats and saying
how to name one.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path

from detente.errors import InputError
from detente.io.common import (
    DEFAULT_MAX_BYTES,
    check_file,
    physical_lines,
    read_text,
    sniff_delimiter,
)
from detente.io.decide import looks_like_decide
from detente.io.ktab import looks_like_ktab

__all__ = ["FORMATS", "FORMAT_HELP", "detect", "detect_format", "detect_text", "deu_module"]

#: every format :func:`detente.io.load_scenario` reads, by the name ``format=`` takes
FORMATS = ("yaml", "csv", "xlsx", "bdm", "decide", "ktab", "deu")

FORMAT_HELP = {
    "yaml": "native detente YAML (.yaml, .yml; JSON too)",
    "csv": "long table: actor, issue, position, salience[, capability, ...]",
    "xlsx": "long table in an Excel workbook",
    "bdm": "BDM/Scholz CSV: Actor, Capability, Position, Salience",
    "decide": "decide input: #A/#P/#M/#D records",
    "ktab": "KTAB SMP CSV: title line, Actor, Description, Influence, position/salience pairs",
    "deu": "DEU dataset CSV (each issue a scenario)",
}

_YAML_SUFFIXES = (".yaml", ".yml", ".json")
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_BDM = {"actor", "capability", "position", "salience"}
_LONG = {"actor", "issue", "position", "salience"}


def deu_module() -> object | None:
    """:mod:`detente.io.deu` when it is installed, else None (imported on first use)."""
    try:
        return importlib.import_module("detente.io.deu")
    except ModuleNotFoundError as exc:
        if exc.name == "detente.io.deu":
            return None
        raise


def _allowed() -> str:
    return (
        "yaml (.yaml/.yml), csv (columns actor, issue, position, salience), xlsx, "
        "bdm (Actor, Capability, Position, Salience), decide (#A/#P/#M/#D lines), "
        "ktab (title line, then Actor, Description, Influence, ...), deu; "
        "name the format with --format if detection fails"
    )


def _header(line: str) -> list[str]:
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    delim = max(counts, key=lambda d: counts[d])
    return [f.strip().strip("'\"").strip() for f in line.split(delim)]


def detect_text(text: str, *, suffix: str = "", source: str = "<text>") -> str:
    """The format of a text file's content (``suffix`` is its extension, for hints)."""
    lines = physical_lines(text)
    body = [ln for ln in lines if ln.strip()]
    first = body[0] if body else ""
    if suffix.lower() in _YAML_SUFFIXES:
        return "yaml"
    if looks_like_decide(first):
        return "decide"
    if looks_like_ktab(lines):
        return "ktab"
    header = _header(first)
    names = {h.lower().replace(" ", "_") for h in header if h}
    if names == _BDM:
        return "bdm"
    if names >= _LONG:
        return "csv"
    deu = deu_module()
    looks_like_deu: Callable[[list[str]], bool] | None = getattr(deu, "looks_like_deu", None)
    if looks_like_deu is not None and looks_like_deu(header):
        return "deu"
    if first.lstrip().startswith("{") or any(
        re.match(r"(actors|issues|stances)\s*:", ln) for ln in lines
    ):
        return "yaml"
    if "actor" in names and "issue" in names:
        return "csv"  # a long table with a misnamed column: its reader names the column
    if "actor" in names and "capability" in names:
        return "bdm"
    low = first.lower()
    if "actor" in low and "position" in low:
        # named columns but no usable delimiter: say so rather than "unknown format"
        sniff_delimiter(first, source, where=f"line {lines.index(first) + 1}")
    raise InputError(
        "cannot tell which format this file is in"
        + (f" (its first line is {first[:60]!r})" if first else ""),
        source=source,
        allowed=_allowed(),
    )


def detect_format(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The format of a file, one of :data:`FORMATS` (see the module docstring)."""
    return detect(path, max_bytes=max_bytes)[0]


def detect(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, str | None]:
    """The format of a file and, for a text format, its text (so it is read only once)."""
    p = check_file(path, max_bytes)
    suffix = p.suffix.lower()
    if suffix in _XLSX_SUFFIXES:
        return "xlsx", None
    with p.open("rb") as fh:
        if fh.read(4) == b"PK\x03\x04":
            return "xlsx", None
    text = read_text(path, max_bytes)
    return detect_text(text, suffix=suffix, source=str(path)), text
