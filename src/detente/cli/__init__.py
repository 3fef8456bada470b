"""The ``detente`` command line (typer + rich).

Each command lives in a module of this package that registers on :data:`app`; modules of
features not installed yet are skipped. :func:`main` turns input problems into one clear
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

from detente.cli.app import app
from detente.errors import InputError

_COMMANDS = (
    "run",
    "scenarios_cmd",
    "models_cmd",
    "what_it_takes_cmd",
    "validate_cmd",
    "ensemble_cmd",
    "report_cmd",
    "app_cmd",
)

for _name in _COMMANDS:
    try:
        importlib.import_module(f"detente.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command module not written yet
        if exc.name != f"detente.cli.{_name}":
            raise

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``detente`` console script.

    Runs the typer app outside click's standalone mode, so that detente decides how each
    ending looks: an input problem is one line on stderr and exit status 2, Ctrl-C one line
    and 130, a usage error click's own message and 2; never a traceback for these.
    """
    import typer
    from rich.markup import escape

    from detente.cli.common import err_console, report_interrupt

    try:
        code = app(standalone_mode=False)
    except InputError as exc:
        err_console.print(f"[bold red]error:[/bold red] {escape(exc.message)}", soft_wrap=True)
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        code = 130
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # usage errors: click's own message
        if type(exc).__name__ != "NoArgsIsHelpError":  # (help was printed already)
            exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 2))
    code = code if isinstance(code, int) else 0
    if code == 130:  # typer turns Ctrl-C into exit status 130
        report_interrupt()
    sys.exit(code)


if __name__ == "__main__":
    main()
