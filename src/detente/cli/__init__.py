"""The ``detente`` command line (typer + rich).

Each command lives in a module of this package that registers on :data:`app`; a module is
imported only when one of its commands runs (:class:`detente.cli.app.LazyGroup`), so that
``detente --help`` and light commands start fast. :func:`main` turns input problems into
one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import sys

from detente.cli.app import app
from detente.errors import DetenteError, InputError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``detente`` console script.

    Runs the typer app outside click's standalone mode, so that detente decides how each
    ending looks: an input problem is one line on stderr and exit status 2, Ctrl-C one line
    and 130, a usage error click's own message and 2; never a traceback for these.
    """
    import typer

    try:
        code = app(standalone_mode=False)
    except InputError as exc:
        from rich.markup import escape

        from detente.cli.common import err_console

        err_console.print(f"[bold red]error:[/bold red] {escape(exc.message)}", soft_wrap=True)
        sys.exit(2)
    except DetenteError as exc:  # a defect found by a check (e.g. ModelError): one line
        from rich.markup import escape

        from detente.cli.common import err_console

        err_console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        sys.exit(1)
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
        from detente.cli.common import report_interrupt

        report_interrupt()
    sys.exit(code)


if __name__ == "__main__":
    main()
