"""Shared helpers of the CLI commands: finding a scenario, parsing ``--param``, printing.

The CLI computes nothing itself (docs/design.md): it resolves inputs, calls the library and
prints. User-input problems surface as :class:`~detente.errors.InputError`, which
:func:`detente.cli.main` prints as one line and exit status 2.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from detente.errors import InputError, InputNotice

if TYPE_CHECKING:  # loaded with the first scenario, not at start-up
    from detente.scenario import Scenario

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


_interrupt_reported = False


def report_interrupt(text: str = "interrupted") -> None:
    """Say once that the run was stopped by Ctrl-C (commands may say more than main)."""
    global _interrupt_reported
    if not _interrupt_reported:
        err_console.print(escape(text))
        _interrupt_reported = True


def notice(text: str) -> None:
    err_console.print(f"[yellow]notice:[/yellow] {escape(text)}", soft_wrap=True)


def resolve_scenario(spec: str, *, fmt: str | None = None, variant: str | None = None) -> Scenario:
    """A bundled scenario id, or a path to a file in any supported format.

    ``id@variant`` (or ``--variant``) applies one of the scenario's policy variants.
    Notices from the readers (e.g. a rescale of saliences) are printed to stderr.
    """
    from detente.api import load

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNotice)
        scenario = load(spec, format=fmt, variant=variant)
    for w in caught:
        if issubclass(w.category, InputNotice):
            notice(str(w.message))
    return scenario


def parse_params(items: list[str] | None, models: list[str]) -> dict[str, dict[str, str]]:
    """``--param MODEL.KEY=VALUE`` options, grouped by model."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for item in items or []:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise InputError(
                f"{item!r} is not of the form MODEL.KEY=VALUE",
                where="--param",
                allowed="e.g. --param expected_utility.rounds=20",
            )
        lhs, value = item.split("=", 1)
        model, key = lhs.split(".", 1)
        if model not in models:
            raise InputError(
                f"--param names model {model!r}, which is not being run",
                where="--param",
                allowed=", ".join(models),
            )
        out[model][key] = value
    return dict(out)


def print_json(data: Any) -> None:
    """Machine-readable output on stdout (nothing else is printed there).

    JSON has no NaN or infinity: a non-finite number is written as ``null`` and a notice on
    stderr names where (strict JSON parsers would refuse ``NaN``/``Infinity``).
    """
    from detente.jsonsafe import finite_json

    clean, bad = finite_json(data)
    if bad:
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        notice(
            f"{len(bad)} value(s) are not finite numbers and are written as null: "
            f"{', '.join(bad[:5])}{more}"
        )
    sys.stdout.write(json.dumps(clean, indent=2, allow_nan=False) + "\n")


@contextmanager
def input_boundary(source: str | None = None) -> Iterator[None]:
    """Turn a pydantic ``ValidationError`` raised inside (a scenario that an analysis
    derived from the user's input fails the scenario's checks) into an
    :class:`~detente.errors.InputError` naming the field, so the user gets one line and
    exit status 2 instead of a traceback."""
    from pydantic import ValidationError

    try:
        yield
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first: dict[str, Any] = dict(errors[0]) if errors else {"loc": (), "msg": str(exc)}
        loc = " ".join(
            f"#{x + 1}" if isinstance(x, int) else str(x)
            for x in first.get("loc", ())
            if "[" not in str(x)
        )
        msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        ctx_error = (first.get("ctx") or {}).get("error")
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(
            f"{loc}: {msg}{more}" if loc else f"{msg}{more}",
            source=source,
            allowed=getattr(ctx_error, "allowed", None),
        ) from None


def fmt_num(x: float | None, digits: int = 1) -> str:
    if x is None or x != x:  # None or NaN
        return "—"
    return f"{x:.{digits}f}"


def fmt_signed(x: float | None, digits: int = 1) -> str:
    if x is None or x != x:
        return "—"
    if abs(x) < 0.5 * 10**-digits:
        return f"{0:.{digits}f}"
    return f"{x:+.{digits}f}".replace("-", "−")
