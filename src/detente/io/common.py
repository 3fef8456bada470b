"""What every reader shares: safe file access, number parsing, salience rescaling, and the
translation of validation errors into :class:`~detente.errors.InputError` messages that name
the file, the place in it, what is wrong and what is allowed.

Readers never open a file for writing: input files are only ever read.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from detente.errors import InputError, InputNotice
from detente.io.safe_write import register_input
from detente.scenario import Scenario

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FileProblems",
    "Problem",
    "build_scenario",
    "cell_text",
    "check_file",
    "fmt_num",
    "near_duplicates",
    "notice",
    "one_edit_apart",
    "parse_number",
    "physical_lines",
    "raise_problems",
    "read_text",
    "salience_divisor",
    "sniff_delimiter",
    "split_lines",
    "typo_notice",
]

#: files larger than this are refused before they are read (``max_bytes`` overrides)
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"


# ----------------------------------------------------------------------------- files
def check_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Path:
    """The path, once it is known to be an existing, non-empty file within the size limit."""
    p = Path(path)
    src = str(path)
    if not p.exists():
        raise InputError("no such file", source=src, allowed="a path to an existing file")
    if not p.is_file():
        raise InputError("not a file (a directory?)", source=src, allowed="a path to a file")
    size = p.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"the file is {size / 1024**2:.1f} MB, over the size limit of "
            f"{max_bytes / 1024**2:.1f} MB",
            source=src,
            allowed=f"files up to {max_bytes} bytes (raise the limit with max_bytes)",
        )
    if size == 0:
        raise InputError(
            "the file is empty", source=src, allowed="a scenario file with actors and stances"
        )
    register_input(p)  # no output of this run may replace it (detente.io.safe_write)
    return p


def read_text(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, decoded as UTF-8 (a leading byte-order mark is dropped).

    Raises :class:`InputError` for a missing, over-size, empty, binary or non-UTF-8 file,
    naming the line and column of the first byte that is not UTF-8.
    """
    p = check_file(path, max_bytes)
    data = p.read_bytes()
    return decode_utf8(data, str(path))


def decode_utf8(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text, or an :class:`InputError` saying where it is not."""
    if data.startswith(_ZIP_MAGIC):
        raise InputError(
            "this is a zip archive (an .xlsx workbook?), not a text file",
            source=source,
            allowed="UTF-8 text, or an .xlsx workbook read with format 'xlsx'",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "the file is UTF-16 text",
            source=source,
            allowed="UTF-8 text (save the file again as UTF-8)",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded "
            "(the file is probably in a legacy encoding such as Windows-1252 or Latin-1)",
            source=source,
            where=f"line {line}, column {col}",
            allowed="UTF-8 text (e.g. 'CSV UTF-8' when saving from a spreadsheet)",
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(
            "the file contains NUL bytes: it is binary, not text",
            source=source,
            where=f"line {line}",
            allowed="UTF-8 text",
        )
    if not text.strip():
        raise InputError(
            "the file is empty (only white space)",
            source=source,
            allowed="a scenario file with actors and stances",
        )
    return text


# ----------------------------------------------------------------------------- tables
def sniff_delimiter(line: str, source: str, where: str = "line 1") -> str:
    """The delimiter of a header line: the most frequent of ``,``, ``;`` and tab.

    A header that does not split into several columns on any of them is reported as a
    wrong delimiter when it looks like several column names run together.
    """
    counts = {d: line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        shown = line.strip()
        if len(shown) > 60:
            shown = shown[:57] + "..."
        if re.search(r"[|:]|\s\S", shown):
            raise InputError(
                f"wrong delimiter: the header {shown!r} is a single column",
                source=source,
                where=where,
                allowed="columns separated by commas, semicolons or tabs",
            )
    return best


def split_lines(text: str, delimiter: str, quotechar: str = '"') -> list[tuple[int, list[str]]]:
    """Rows of delimited text with the (1-based) line each row starts on; blank rows dropped."""
    # newline="": the csv module sees the line ends, so quoted fields may hold line breaks
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    for fields in reader:
        start = line
        line = reader.line_num + 1
        if not any(f.strip() for f in fields):
            continue
        rows.append((start, fields))
    return rows


def physical_lines(text: str) -> list[str]:
    """The lines of a text as an editor numbers them (split at \\n, \\r\\n or \\r only,
    unlike :meth:`str.splitlines`, which also splits at form feeds and Unicode separators)."""
    return _LINE_BREAK.split(text)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def cell_text(value: object) -> str:
    """A table cell as text: integral numbers without a trailing ``.0``, None as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_number(
    value: object, *, source: str, where: str, field: str, required: bool = True
) -> float | None:
    """A finite number from a cell (text or number); blank gives None unless required."""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        x = float(value)
    else:
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                raise InputError(
                    f"{field} is empty", source=source, where=where, allowed="a number"
                )
            return None
        try:
            x = float(text)
        except ValueError:
            hint = "a number with a dot as decimal separator"
            if re.fullmatch(r"[+-]?\d+,\d+", text):
                hint += f" ({text.replace(',', '.')!r}, not {text!r})"
            raise InputError(
                f"{field} {text!r} is not a number", source=source, where=where, allowed=hint
            ) from None
    if not math.isfinite(x):
        raise InputError(
            f"{field} must be a finite number, got {x}",
            source=source,
            where=where,
            allowed="a finite number (not NaN or infinity)",
        )
    return x


def fmt_num(x: float) -> str:
    """A number the way a person typed it: 10 rather than 10.0, full precision otherwise."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


# ----------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class Problem:
    """One problem found in a file, with its place (``where``) and what would be allowed."""

    where: str | None
    problem: str
    allowed: str | None = None


class FileProblems(InputError):
    """An :class:`InputError` for a file with several problems: the message is the first
    one, with its place and what is allowed, followed by the next one and a count; every
    problem is on :attr:`problems`."""

    def __init__(self, problems: Sequence[Problem], source: str) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.problem, source=source, where=first.where, allowed=first.allowed)

    @property
    def message(self) -> str:
        text = super().message
        rest = self.problems[1:]
        if rest:
            nxt = rest[0]
            at = f"{nxt.where}: " if nxt.where else ""
            if len(rest) == 1:
                text += f"; also {at}{nxt.problem}"
            else:
                text += f"; and {len(rest)} more problems, the next at {at}{nxt.problem}"
        return text


def raise_problems(problems: Sequence[Problem], source: str) -> None:
    """Raise the problems found in a file (in file order), if any, as one
    :class:`FileProblems` error."""
    if problems:
        raise FileProblems(problems, source)


def notice(text: str) -> None:
    """Tell the user about something a reader changed or assumed (see InputNotice)."""
    warnings.warn(text, InputNotice, stacklevel=3)


# ----------------------------------------------------------------------------- typos
#: ids shorter than this are not compared (country codes such as 'at'/'de' or 'can'/'chn'
#: differ by one letter on purpose)
MIN_TYPO_LENGTH = 4
#: the most candidate pairs compared when looking for typos (bounds the time on huge files)
MAX_TYPO_COMPARISONS = 1_000_000
#: with more distinct ids than this, ids are not compared for typos (a generated table,
#: not a hand-written one; the check would take seconds)
MAX_TYPO_IDS = 10_000


def one_edit_apart(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are at Damerau-Levenshtein distance exactly 1: one letter
    replaced, inserted, deleted, or two adjacent letters swapped (optimal string alignment,
    Damerau 1964, "A technique for computer detection and correction of spelling errors",
    CACM 7(3)). O(len) time."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    k = next((k for k, (x, y) in enumerate(zip(short, long_, strict=False)) if x != y), len(short))
    return short[k:] == long_[k + 1 :]


def near_duplicates(ids: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs of ids (in first-seen order) one edit apart (:func:`one_edit_apart`), such as
    'china' and 'chnia': likely typos that would make two actors or issues out of one.

    Ids shorter than :data:`MIN_TYPO_LENGTH` and pairs that differ only in digits
    ('issue1' / 'issue2', 'a9' / 'a10') are left out. Candidates come from the
    symmetric-deletion neighbourhood (Garbe's SymSpell): every id with one character
    deleted, keyed apart by whether a letter or a digit was deleted, so that numbered ids
    never meet. Time O(n L^2) for n ids of length L, not O(n^2) pairs, and at most
    :data:`MAX_TYPO_COMPARISONS` comparisons; more than :data:`MAX_TYPO_IDS` distinct ids
    are not compared at all (empty result).
    """
    distinct = dict.fromkeys(ids)
    if len(distinct) > MAX_TYPO_IDS:
        return []
    order = {x: k for k, x in enumerate(distinct) if len(x) >= MIN_TYPO_LENGTH}
    whole: dict[str, str] = {}  # the id itself
    letter: dict[str, list[str]] = {}  # ids with one non-digit deleted
    digit: dict[str, list[str]] = {}  # ids with one digit deleted
    for x in order:
        whole[x] = x
        for k, ch in enumerate(x):
            key = x[:k] + x[k + 1 :]
            (digit if ch.isdigit() else letter).setdefault(key, []).append(x)
    candidates: list[tuple[str, str]] = []
    for key, members in letter.items():
        if len(members) == 1 and key not in digit and key not in whole:
            continue  # the common case: nothing else is one letter away this way
        # a letter replaced or two letters swapped (both lose the same letter), a letter
        # replaced by a digit (one loses a letter, the other a digit), a letter inserted
        uniq = list(dict.fromkeys(members))
        candidates.extend((a, b) for n, a in enumerate(uniq) for b in uniq[n + 1 :])
        candidates.extend((a, b) for a in uniq for b in digit.get(key, ()) if a != b)
        if key in whole:
            candidates.extend((whole[key], b) for b in uniq)
        if len(candidates) > MAX_TYPO_COMPARISONS:
            break
    found: set[tuple[str, str]] = set()
    for a, b in candidates[:MAX_TYPO_COMPARISONS]:
        pair = (a, b) if order[a] < order[b] else (b, a)
        if pair in found or _strip_digits(a) == _strip_digits(b) or not one_edit_apart(a, b):
            continue
        found.add(pair)
    return sorted(found, key=lambda pr: (order[pr[0]], order[pr[1]]))


def _strip_digits(text: str) -> str:
    return re.sub(r"\d", "", text)


def typo_notice(
    source: str, what: str, pairs: Sequence[tuple[str, str]], place: Callable[[str], str]
) -> None:
    """One notice listing ids that look like typos of each other (``place(id)`` says where
    each is first seen)."""
    if not pairs:
        return
    shown = "; ".join(f"{a!r} ({place(a)}) and {b!r} ({place(b)})" for a, b in pairs[:3])
    more = f"; and {len(pairs) - 3} more pair(s)" if len(pairs) > 3 else ""
    notice(
        f"{source}: {what} ids one letter apart, read as different {what}s (a typo?): {shown}{more}"
    )


# ----------------------------------------------------------------------------- salience
def salience_divisor(values: Iterable[float]) -> float:
    """100 when the saliences are on a 0..100 scale, else 1.

    Saliences are taken to be on 0..100 when the largest of those in [0, 100] exceeds 1 and
    more than half of the non-zero ones exceed 1. The last condition keeps a single typo
    (1.4 among values in [0, 1]) an error instead of silently rescaling the whole file.
    Values outside [0, 100] do not take part in the decision; the readers report them as
    errors against whichever scale the file is on.
    """
    vals = [v for v in values if math.isfinite(v) and 0.0 <= v <= 100.0]
    if not vals or max(vals) <= 1.0:
        return 1.0
    nonzero = [v for v in vals if v > 0]
    above = sum(1 for v in nonzero if v > 1.0)
    return 100.0 if above * 2 > len(nonzero) else 1.0


def salience_problem(value: float, divisor: float) -> str | None:
    """Why a salience (as written in the file) is not allowed, or None."""
    if divisor == 1.0 and not 0.0 <= value <= 1.0:
        return f"salience must lie in [0, 1], got {fmt_num(value)}"
    if divisor == 100.0 and not 0.0 <= value <= 100.0:
        return (
            f"salience must lie in [0, 100] (this file gives saliences on 0..100), "
            f"got {fmt_num(value)}"
        )
    return None


SALIENCE_ALLOWED = "saliences in [0, 1], or all of the file's saliences on 0..100 (rescaled)"


def rescale_notice(source: str, n: int) -> None:
    notice(
        f"{source}: the saliences are on a 0..100 scale; all {n} were divided by 100 "
        "to put them on detente's 0..1 scale"
    )


# ----------------------------------------------------------------------------- validation
_ITEM_WORDS = {
    "actors": "actor",
    "issues": "issue",
    "stances": "stance",
    "linkages": "linkage",
    "variants": "variant",
    "sources": "source",
}

Describe = Callable[[tuple[str | int, ...]], str | None]


def _label(data: Any, loc: tuple[str | int, ...]) -> str:
    """A readable name for the object at ``loc`` in the raw data, e.g. 'stance 3 (USA on
    sanctions)'."""
    if len(loc) >= 2 and loc[0] in _ITEM_WORDS and isinstance(loc[1], int):
        word = _ITEM_WORDS[str(loc[0])]
        item = _get(data, loc[:2])
        name = ""
        if isinstance(item, dict):
            if loc[0] == "stances":
                name = f" ({item.get('actor', '?')} on {item.get('issue', '?')})"
            elif "id" in item:
                name = f" ({item['id']})"
        return f"{word} {loc[1] + 1}{name}"
    return "scenario"


def _get(data: Any, loc: Sequence[str | int]) -> Any:
    cur = data
    for key in loc:
        try:
            cur = cur[key]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def _model_at(loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model that holds the field at ``loc`` (for listing allowed fields)."""
    model: type[BaseModel] | None = Scenario
    for key in loc:
        if model is None:
            return None
        if isinstance(key, int):
            continue
        field = model.model_fields.get(key)
        if field is None:
            return None
        model = _find_model(field.annotation)
    return model


def _find_model(tp: Any) -> type[BaseModel] | None:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    if get_origin(tp) in (tuple, list, Union) or get_args(tp):
        for arg in get_args(tp):
            found = _find_model(arg)
            if found is not None:
                return found
    return None


def _message_loc(msg: str, data: Any) -> tuple[str | int, ...]:
    """For a scenario-level message, the place it is about (found from its wording)."""
    m = re.match(r"stance (\d+) \(.*?\): (position|unknown actor|unknown issue|a second)", msg)
    if m:
        field = {"position": "position", "unknown actor": "actor", "unknown issue": "issue"}
        at: tuple[str | int, ...] = ("stances", int(m.group(1)) - 1)
        return (*at, field[m.group(2)]) if m.group(2) in field else at
    m = re.match(r"duplicate (actor|issue|source|variant|linkage) id\(s\): ([^,]+)", msg)
    if m:
        key = m.group(1) + "s"
        dup = m.group(2).strip()
        items = data.get(key) if isinstance(data, dict) else None
        seen = 0
        for k, item in enumerate(items or []):
            if isinstance(item, dict) and item.get("id") == dup:
                seen += 1
                if seen == 2:
                    return (key, k, "id")
        return (key,)
    m = re.match(r"actor\(s\) with no stance on any issue: ([^,]+)", msg)
    if m:
        return _find_id(data, "actors", m.group(1).strip())
    m = re.match(r"(linkage|variant) '([^']+)'", msg)
    if m:
        return _find_id(data, m.group(1) + "s", m.group(2))
    if msg.startswith("principal"):
        return ("principals",)
    return ()


def _find_id(data: Any, key: str, ident: str) -> tuple[str | int, ...]:
    items = data.get(key) if isinstance(data, dict) else None
    for k, item in enumerate(items or []):
        if isinstance(item, dict) and item.get("id") == ident:
            return (key, k)
    return (key,)


def _problem_text(err: dict[str, Any], data: Any) -> tuple[tuple[str | int, ...], str, str | None]:
    """(place, problem, allowed) for one pydantic error."""
    loc = tuple(err.get("loc", ()))
    msg = str(err.get("msg", "invalid value"))
    kind = err.get("type", "")
    value = err.get("input")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    # a scenario check that says what is allowed (detente.errors.InvalidValue)
    given = getattr((err.get("ctx") or {}).get("error"), "allowed", None)
    field_loc = loc
    # drop the validator steps pydantic may append to a location, e.g. 'function-after[...]'
    while field_loc and isinstance(field_loc[-1], str) and "[" in field_loc[-1]:
        field_loc = field_loc[:-1]
    if not loc and kind == "value_error":
        return _message_loc(msg, data), msg, given
    if kind == "value_error":
        # an object's own check ("salience must lie in [0, 1]"): point at the field it names
        model = _model_at(field_loc)
        word = re.match(r"[a-z_]+", msg)
        if model is not None and word and word.group(0) in model.model_fields:
            field_loc = (*field_loc, word.group(0))
    label = _label(data, field_loc)
    field = (
        ".".join(str(x) for x in field_loc[2:] if isinstance(x, str)) if len(field_loc) > 2 else ""
    )
    if len(field_loc) == 1 and isinstance(field_loc[0], str):
        field = field_loc[0]
    allowed = None
    if kind == "missing":
        problem = f"{field or 'a required field'} is missing"
        allowed = _fields_of(field_loc[:-1])
    elif kind == "extra_forbidden":
        problem = f"unknown field {field_loc[-1]!r}"
        allowed = _fields_of(field_loc[:-1])
    elif kind.startswith(("float_", "int_")):
        problem = f"{field} must be a number, got {value!r}"
    elif kind.startswith("string_"):
        problem = f"{field} must be text, got {value!r}"
        if isinstance(value, int | float):
            allowed = f"text: quote the value, e.g. '{value}'"
    elif kind in ("tuple_type", "list_type", "dict_type", "model_type"):
        problem = f"{field or 'value'}: {msg.lower()}, got {type(value).__name__} {value!r}"
    else:
        problem = f"{field}: {msg}" if field and field not in msg else msg
    if label != "scenario":
        problem = f"{label}: {problem}"
    return field_loc, problem, allowed or given


def _fields_of(loc: Sequence[str | int]) -> str | None:
    model = _model_at(loc)
    if model is None:
        return None
    return "fields " + ", ".join(model.model_fields)


def build_scenario(
    data: dict[str, Any], *, source: str, describe: Describe | None = None
) -> Scenario:
    """``Scenario.model_validate(data)``, with any validation error turned into an
    :class:`InputError` that names the place (``describe(loc)`` gives the line or row of the
    object at a pydantic location) and the object (e.g. 'stance 3 (USA on sanctions)')."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = []
        for err in errors:
            loc, problem, allowed = _problem_text(dict(err), data)
            where = describe(loc) if describe is not None else None
            problems.append(Problem(where, problem, allowed))
        raise_problems(problems, source)
        raise AssertionError("unreachable") from exc  # pragma: no cover
