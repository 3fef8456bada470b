"""Printing the CLI's tables so that a person can read them at any terminal width.

Every command builds a :class:`rich.table.Table` as usual and prints it with
:func:`print_table`, which lays it out for the width it will be read at:

1. If the table fits as it is, it is printed as it is.
2. A table without rules between its columns tries one space between cells, not two.
3. Columns empty in every row are left out, and column headers that name a model are
   abbreviated by the fixed map :data:`MODEL_ABBREVIATIONS` (``compromise`` -> ``comp``,
   ...) with a legend line under the table saying what each abbreviation stands for.
4. A table with rules between its columns that still does not fit loses them (a rule
   under the header only). Columns that are still too wide are narrowed, widest first,
   and their cells wrapped;
   a cell is broken only at a space or after an underscore (``european_`` / ``allies``),
   never inside a word, and a column is never narrower than its longest unbreakable word,
   so no header or cell is cut or ellipsised.
5. When even that does not fit, or a row would need more than :data:`MAX_LINES` lines or
   the rows more than 4 lines on average (long free text in a narrow column), the table is
   pivoted to a long layout: one block per row, one line per non-empty column
   (``header  value``), with full model names.

The width is the terminal's; ``COLUMNS`` overrides it (also for output to a file or a
pipe). Output to a file or a pipe without ``COLUMNS`` is laid out for :data:`PIPE_WIDTH`
columns, so that the numeric tables are printed whole, one line per row.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from copy import copy

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

__all__ = [
    "MAX_LINES",
    "MODEL_ABBREVIATIONS",
    "PIPE_WIDTH",
    "fit_table",
    "print_table",
    "wrap_cell",
]

#: the fixed abbreviations of model names in narrow column headers
MODEL_ABBREVIATIONS: dict[str, str] = {
    "compromise": "comp",
    "median": "med",
    "expected_utility": "EU",
    "exchange": "exch",
    "spatial": "SMP",
    "condorcet": "PCE",
    "detente": "det",
    "experts": "expt",
}

#: a row wrapped to more lines than this (or rows of more than 4 lines on average) make
#: the table pivot to the long layout
MAX_LINES = 8


def _text(cell: object, console: Console) -> Text | None:
    """A cell as rich Text (markup read as rich reads it), or None when it is not text."""
    if cell is None:
        return Text("")
    if isinstance(cell, Text):
        return cell
    if isinstance(cell, str):
        return console.render_str(cell, highlight=False)
    return None


def _pieces(line: str) -> list[tuple[int, int]]:
    """The unbreakable pieces of one line: runs of non-spaces, split after each ``_``; a
    piece without a letter or digit (a mark such as ``/``) is glued to the one before."""
    out: list[tuple[int, int]] = []
    n = len(line)
    i = 0
    while i < n:
        if line[i] == " ":
            i += 1
            continue
        j = i
        while j < n and line[j] != " ":
            j += 1
        start = i
        for k in range(i, j):
            if line[k] == "_" and k + 1 < j:
                out.append((start, k + 1))
                start = k + 1
        out.append((start, j))
        i = j
    glued: list[tuple[int, int]] = []
    for a, b in out:  # a mark alone ("/", "–", "✓") stays with the word before it
        if glued and not any(ch.isalnum() for ch in line[a:b]):
            glued[-1] = (glued[-1][0], b)
        else:
            glued.append((a, b))
    return glued


def longest_piece(text: Text | str) -> int:
    """The width of the widest piece a cell can not be broken inside."""
    plain = text.plain if isinstance(text, Text) else text
    best = 0
    for line in plain.split("\n"):
        for a, b in _pieces(line):
            best = max(best, cell_len(line[a:b]))
    return best


def _natural(text: Text) -> int:
    return max((cell_len(line) for line in text.plain.split("\n")), default=0)


def wrap_cell(text: Text, width: int) -> Text:
    """``text`` wrapped to ``width`` cells, breaking only at spaces and after underscores
    (a piece wider than ``width`` keeps a line of its own); styles are kept."""
    plain = text.plain
    if _natural(text) <= width:
        return text
    out: list[Text] = []
    offset = 0
    for line in plain.split("\n"):
        pieces = _pieces(line)
        if not pieces:
            out.append(Text(""))
        start = end = None
        for a, b in pieces:
            if start is None:
                start, end = a, b
            elif cell_len(line[start:b]) <= width:
                end = b
            else:
                out.append(text[offset + start : offset + end])
                start, end = a, b
        if start is not None and end is not None:
            out.append(text[offset + start : offset + end])
        offset += len(line) + 1
    return Text("\n").join(out)


#: the width tables are laid out for in a file or pipe when ``COLUMNS`` is not set
PIPE_WIDTH = 200


def _piped(console: Console) -> bool:
    return not console.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit()


def _target_width(console: Console) -> int:
    """The width to lay out for: the terminal's or ``COLUMNS``; :data:`PIPE_WIDTH` for
    output to a file or pipe without ``COLUMNS``."""
    return PIPE_WIDTH if _piped(console) else console.width


def _measure(console: Console, table: Table) -> int:
    options = console.options.update(width=10**6, max_width=10**6)
    return Measurement.get(console, options, table).maximum


def _with_columns(table: Table, columns: list[Column]) -> Table:
    new = copy(table)
    new.columns = columns
    return new


def fit_table(
    table: Table, console: Console, width: int | None = None, *, pivot: bool = True
) -> tuple[RenderableType, str]:
    """``table`` laid out for ``width`` cells (default: where ``console`` prints), and the
    legend of the abbreviated headers ("" when none). See the module's description;
    ``pivot=False`` never turns to the long layout (long cells are then simply tall)."""
    width = _target_width(console) if width is None else width
    if _measure(console, table) <= width:
        return table, ""
    if not table.collapse_padding and (table.box is None or not table.box.mid_vertical.strip()):
        # columns without rules between them: one space between cells, not two
        table = copy(table)
        table.collapse_padding = True
        if _measure(console, table) <= width:
            return table, ""
    cols = table.columns
    headers = [_text(c.header, console) for c in cols]
    cells = [[_text(x, console) for x in c._cells] for c in cols]
    if any(h is None for h in headers) or any(x is None for col in cells for x in col):
        return table, ""  # a cell that is not text: rich lays it out
    keep = [k for k, col in enumerate(cells) if k == 0 or any(x and x.plain.strip() for x in col)]
    if len(keep) < len(cols) and table.rows:  # columns empty in every row say nothing
        cols = [cols[k] for k in keep]
        headers, cells = [headers[k] for k in keep], [cells[k] for k in keep]
        table = _with_columns(table, cols)
    heads: list[Text] = [h for h in headers if h is not None]
    body: list[list[Text]] = [[x for x in col if x is not None] for col in cells]
    # 3. abbreviate model names in the headers
    short, used = [], []
    for h in heads:
        abbr = MODEL_ABBREVIATIONS.get(h.plain)
        if abbr is not None:
            used.append(f"{abbr} = {h.plain}")
            short.append(Text(abbr, style=h.style))
        else:
            short.append(h)
    legend = ", ".join(used)
    natural = [
        max([_natural(h), *(_natural(x) for x in col)]) for h, col in zip(short, body, strict=True)
    ]
    minimum = [
        max([longest_piece(h), *(longest_piece(x) for x in col)])
        for h, col in zip(short, body, strict=True)
    ]
    free = [
        dataclasses.replace(c, width=w, min_width=None, max_width=None, ratio=None)
        for c, w in zip(cols, natural, strict=True)
    ]
    overhead = _measure(console, _with_columns(table, free)) - sum(natural)
    if sum(natural) > width - overhead and table.box is not None and table.box.mid_vertical.strip():
        # rules between the columns cost three cells each: drop them before wrapping
        table = copy(table)
        table.box, table.collapse_padding, table.pad_edge = box.SIMPLE_HEAD, True, False
        overhead = _measure(console, _with_columns(table, free)) - sum(natural)
    budget = width - overhead
    if sum(minimum) <= budget:
        # 4. narrow the widest columns to a common cap, never below their longest piece
        lo, hi = 0, max(natural)
        while lo < hi:  # the largest cap that fits
            cap = (lo + hi + 1) // 2
            if sum(max(m, min(n, cap)) for m, n in zip(minimum, natural, strict=True)) <= budget:
                lo = cap
            else:
                hi = cap - 1
        widths = [max(m, min(n, lo)) for m, n in zip(minimum, natural, strict=True)]
        wrapped = [[wrap_cell(x, w) for x in col] for col, w in zip(body, widths, strict=True)]
        heights = [
            max((len(col[r].plain.split("\n")) for col in wrapped), default=1)
            for r in range(len(wrapped[0]) if wrapped else 0)
        ]
        readable = max(heights, default=1) <= MAX_LINES and sum(heights) <= 4 * len(heights)
        if readable or not pivot:
            columns = [
                dataclasses.replace(
                    c,
                    header=wrap_cell(h, w),
                    _cells=list(col),
                    width=w,
                    min_width=None,
                    max_width=None,
                    ratio=None,
                    no_wrap=True,
                    overflow="fold",
                )
                for c, h, col, w in zip(cols, short, wrapped, widths, strict=True)
            ]
            return _with_columns(table, columns), legend
    if not pivot:
        # narrower than the longest words: rich folds the cells (the long layout is
        # already this table, and laying it out long again would never end)
        folded = [dataclasses.replace(c, overflow="fold", no_wrap=False) for c in table.columns]
        return _with_columns(table, folded), legend
    # 5. the long layout
    return _long(table, heads, body, console, width), ""


def _long(
    table: Table, heads: list[Text], body: list[list[Text]], console: Console, width: int
) -> RenderableType:
    """One block per row: the first column's header and value in bold, then every other
    non-empty column as ``header  value``."""
    long = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1))
    long.add_column("field", style="dim")
    long.add_column("value")
    n_rows = len(body[0]) if body else 0
    for r in range(n_rows):
        if r:
            long.add_row("", "")
        long.add_row(Text(heads[0].plain, style="bold"), Text(body[0][r].plain, style="bold"))
        for h, col in zip(heads[1:], body[1:], strict=True):
            if col[r].plain.strip():
                long.add_row(h.plain, col[r])
    fitted, _ = fit_table(long, console, width, pivot=False)
    if not table.title:
        return fitted
    # the title on a line of its own, not wrapped to the narrow two columns
    title = table.title if isinstance(table.title, Text) else console.render_str(table.title)
    return Group(Text(title.plain, style="table.title"), fitted)


#: the legend printed last on each console (tables in a row share one)
_last_legend: dict[int, str] = {}


@contextmanager
def _wide(console: Console, width: int) -> Iterator[None]:
    old = console.width
    if width > old:
        console.width = width
    try:
        yield
    finally:
        console.width = old


def print_table(table: Table, *, notes: Sequence[str] = (), console: Console | None = None) -> None:
    """Print ``table`` laid out for the output's width, then ``notes`` and the legend of
    abbreviated headers as one dim line (wrapped at spaces)."""
    if console is None:
        from detente.cli.common import console as default

        console = default
    fitted, legend = fit_table(table, console)
    if legend and _last_legend.get(id(console)) == legend:
        legend = ""  # the table just above said it
    elif legend:
        _last_legend[id(console)] = legend
    lines = [*notes, *([legend] if legend else [])]
    if _piped(console):
        with _wide(console, min(_measure(console, fitted), PIPE_WIDTH)):
            console.print(fitted)
    else:
        console.print(fitted)
    if lines:
        console.print("[dim]" + escape("; ".join(lines)) + "[/dim]")
