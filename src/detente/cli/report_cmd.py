"""``detente report``: write a self-contained HTML report of a scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from detente.cli.app import app
from detente.cli.common import console, input_boundary, resolve_scenario
from detente.errors import InputError
from detente.io.safe_write import check_output
from detente.models import get_model
from detente.models.registry import defaults_for
from detente.report.html import ReportOptions, build_report, write_report
from detente.scenarios import DEFAULT_SCENARIO


@app.command()
def report(
    scenario: Annotated[
        str,
        typer.Argument(help="bundled scenario id or a scenario file (any supported format)"),
    ] = DEFAULT_SCENARIO,
    output: Annotated[Path, typer.Option("--output", "-o", help="the HTML file to write")] = Path(
        "report.html"
    ),
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="model to run (repeatable); default: every model"),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="seed for models and analyses that draw")] = 0,
    variant: Annotated[
        str | None, typer.Option(help="apply one of the scenario's policy variants")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="input format (default: detected from the file)"),
    ] = None,
    parties: Annotated[
        str | None,
        typer.Option(help="two actors for the agreement analysis, 'A,B' (default: principals)"),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target", "-t", help="target for the ensemble and what-it-takes (repeatable)"
        ),
    ] = None,
    draws: Annotated[int, typer.Option(help="ensemble draws (0 leaves the ensemble out)")] = 1000,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write one HTML file (charts inline, opens offline) with the forecasts, the analyses
    and the scenario's sources and rationales."""
    # the output is checked before any work, and again when written: never an input of
    # the run (not even with --force), never through a symbolic link
    inputs = [scenario] if Path(scenario).is_file() else []
    check_output(output, inputs=inputs, overwrite=force, where="-o")
    if draws < 0:
        raise InputError(f"{draws} draws", where="--draws", allowed="a whole number >= 0")
    sc = resolve_scenario(scenario, fmt=fmt, variant=variant)
    models = model or defaults_for(sc)[0]
    for m in models:
        get_model(m)  # unknown names fail before any work
    pair: tuple[str, str] | None = None
    if parties:
        names = [p.strip() for p in parties.split(",") if p.strip()]
        if len(names) != 2:
            raise InputError(
                f"{parties!r} does not name two actors",
                where="--parties",
                allowed="two actor ids separated by a comma, e.g. united_states,russia",
            )
        pair = (names[0], names[1])
        for p in pair:  # the same message as ``detente agree``
            if p not in sc.actor_ids:
                raise InputError(
                    f"unknown actor {p!r}", where="--parties", allowed=", ".join(sc.actor_ids)
                )
    opts = ReportOptions(parties=pair, draws=draws, targets=tuple(target) if target else None)
    with input_boundary(scenario):
        text = build_report(sc, models=models, seed=seed, options=opts)
    path = write_report(output, text, force=force, inputs=inputs)
    console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
