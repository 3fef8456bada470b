"""The typer application that every ``detente`` command registers on.

Start-up: a command's module (and what it imports: pandas, plotly, SciPy, SALib, numba,
Dask, streamlit) is imported only when that command runs. :data:`COMMANDS` names each
command's module and the one-paragraph summary that ``detente --help`` lists, so the list
itself imports nothing; :class:`LazyGroup` imports a module on first use of one of its
commands, and the module registers its commands on :data:`app` as usual
(``@app.command()``). ``tests/test_startup.py`` checks that the summaries here are the
commands' own.
"""

from __future__ import annotations

import importlib
import sys
from difflib import get_close_matches
from typing import Any

import typer
import typer.core
from typer.core import TyperCommand, TyperGroup

#: the click that typer runs on (recent typers carry their own copy as ``typer._click``)
click: Any = getattr(typer.core, "_click", None) or importlib.import_module("click")

__all__ = ["COMMANDS", "LazyGroup", "app", "runs_app", "scenarios_app"]

#: command name -> (module under ``detente.cli``, the first paragraph of its help on one
#: line), in the order ``detente --help`` lists them
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "Forecast every issue of SCENARIO with the chosen models."),
    "models": (
        "models_cmd",
        "List the forecasting models with their citations and default parameters.",
    ),
    "what-it-takes": (
        "what_it_takes_cmd",
        "Find the smallest change of positions, saliences or capabilities that makes the "
        "model forecast every target; every answer is checked by re-running the model.",
    ),
    "agree": (
        "what_it_takes_cmd",
        "Packages both parties prefer to the status quo: Pareto set, Nash and "
        "Kalai-Smorodinsky solutions, zone of agreement and cross-issue trades.",
    ),
    "reset": (
        "what_it_takes_cmd",
        "The seed essays' question: does each course of action produce a real reset (a "
        "package both principals prefer to the status quo), and what would it take?",
    ),
    "power": (
        "power_cmd",
        "Shapley-Shubik and Banzhaf power indices of a weighted voting body: exact for "
        "integer (or decimal) weights, sampled with a seed and standard errors when the "
        "exact table would be too large.",
    ),
    "validate": (
        "validate_cmd",
        "Forecast every issue with a recorded outcome with each model and score it against "
        "the outcome: MAE, RMSE, median absolute error, share within 10 points, each with the "
        "paired bootstrap 95% interval of its difference to the compromise model.",
    ),
    "ensemble": (
        "ensemble_cmd",
        "Forecast many perturbed copies of SCENARIO: each issue's outcome distribution and "
        "the probability of each target.",
    ),
    "sensitivity": (
        "ensemble_cmd",
        "Which inputs drive each issue's outcome: Sobol indices, Morris screening and the "
        "one-at-a-time swings of a tornado chart.",
    ),
    "discover": (
        "ensemble_cmd",
        "Scenario discovery: the ranges of inputs (PRIM boxes) under which the target is "
        "likely, with their coverage and density.",
    ),
    "report": (
        "report_cmd",
        "Write one HTML file (charts inline, opens offline) with the forecasts, the analyses "
        "and the scenario's sources and rationales.",
    ),
    "app": (
        "app_cmd",
        "Serve the dashboard: choose or upload a scenario, edit it, run models, look.",
    ),
    "scenarios": ("scenarios_cmd", "List and show the bundled scenarios."),
    "survey": (
        "survey_cmd",
        "Write a questionnaire workbook for experts from SCENARIO (or a skeleton of actors "
        "and issues): stances, their own forecasts, instructions.",
    ),
    "combine": (
        "survey_cmd",
        "Combine filled expert questionnaires into one scenario: each value the experts' "
        "mean or median, their range as its uncertainty, and who disagrees most.",
    ),
    "runs": ("runs_cmd", "List, show, compare and export the recorded runs."),
    "seal": (
        "runs_cmd",
        "Seal a recorded run before its outcome is known: a SHA-256 hash over its inputs, "
        "parameters, version and outputs, chained to the previous seal.",
    ),
    "verify": (
        "runs_cmd",
        "Check every seal of the run store and that sealed run forecasts reproduce.",
    ),
    "grade": (
        "runs_cmd",
        "Score a sealed forecast against the observed outcomes: absolute error per issue "
        "and MAE beside the status quo's; CRPS for an ensemble.",
    ),
}


def load_command(name: str) -> Any:
    """The click command ``name``, importing its module (which registers it on :data:`app`).

    ``None`` when the command is unknown or its module is not part of this installation.
    """
    entry = COMMANDS.get(name)
    if entry is None:
        return None
    module = f"detente.cli.{entry[0]}"
    if module not in sys.modules:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:  # a command module not written yet
            if exc.name != module:
                raise
            return None
    return typer.main.get_group(app).commands.get(name)


class LazyGroup(TyperGroup):
    """A typer group whose commands are imported when used, not when the CLI starts.

    ``detente --help`` lists the summaries of :data:`COMMANDS` without importing anything;
    running a command (or asking for its ``--help``) imports its module.
    """

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        extra = [n for n in self.commands if n not in COMMANDS]
        return [*COMMANDS, *extra]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return self.commands.get(cmd_name)
        module = f"detente.cli.{COMMANDS[cmd_name][0]}"
        if self._listing and module not in sys.modules:
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])
        if module not in sys.modules or cmd_name not in self.commands:
            cmd = load_command(cmd_name)
            if cmd is None:
                return None
            self.commands[cmd_name] = cmd
        return self.commands[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.UsageError as exc:  # suggest among every command, loaded or not
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and "Did you mean" not in exc.message:
                exc.message = (
                    exc.message.rstrip(".")
                    + ". Did you mean "
                    + ", ".join(repr(m) for m in matches)
                    + "?"
                )
            raise


app = typer.Typer(
    name="detente",
    cls=LazyGroup,
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

runs_app = typer.Typer(
    help="List, show, compare and export the recorded runs.", no_args_is_help=True
)
app.add_typer(runs_app, name="runs")
