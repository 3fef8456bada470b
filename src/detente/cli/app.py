"""The typer application that every ``detente`` command registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="detente",
    help=(
        "detente: what would it take for these parties to reach agreement? "
        "Forecast multi-actor, multi-issue bargaining and find what changes an outcome."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

scenarios_app = typer.Typer(help="List and show the bundled scenarios.", no_args_is_help=True)
app.add_typer(scenarios_app, name="scenarios")
