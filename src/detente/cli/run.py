"""``detente run``: forecast a scenario with one or more models."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich import box
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from detente.cli.app import app
from detente.cli.common import (
    console,
    fmt_num,
    fmt_signed,
    input_boundary,
    notice,
    parse_params,
    print_json,
    resolve_scenario,
)
from detente.cli.tables import print_table
from detente.comparison import run_models
from detente.forecasts import Forecast
from detente.models import get_model
from detente.models.registry import defaults_for
from detente.retrospective import STATUS_QUO, Retrospective
from detente.scenario import Scenario
from detente.scenarios import DEFAULT_SCENARIO
from detente.utility import gains

if TYPE_CHECKING:
    from rich.progress import TaskID


@contextlib.contextmanager
def _model_bars(show: bool) -> Iterator[Any]:
    """A progress bar per model on stderr while it runs (removed when done), fed by
    :func:`detente.comparison.run_models`; ``None`` when nothing is shown."""
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    tasks: dict[str, TaskID] = {}
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:

        def heard(model: str, share: float, label: str) -> None:
            if model not in tasks:
                tasks[model] = bar.add_task(model, total=1.0)
            bar.update(tasks[model], completed=share, description=label)

        yield heard


def _stderr_is_terminal() -> bool:
    """Whether stderr is a terminal (the progress bar is drawn only there)."""
    return sys.stderr.isatty()


@app.command()
def run(
    scenario: Annotated[
        str,
        typer.Argument(help="bundled scenario id or a scenario file (any supported format)"),
    ] = DEFAULT_SCENARIO,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="model to run (repeatable); default: every model"),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="model parameter MODEL.KEY=VALUE (repeatable)"),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="seed for models that draw at random")
    ] = 0,
    variant: Annotated[
        str | None, typer.Option(help="apply one of the scenario's policy variants")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="input format (default: detected from the file)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
    trace: Annotated[
        bool, typer.Option("--trace", help="list what happened in each round (offers, trades)")
    ] = False,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="do not keep this run in the run store")
    ] = False,
) -> None:
    """Forecast every issue of SCENARIO with the chosen models."""
    started = time.time()
    sc = resolve_scenario(scenario, fmt=fmt, variant=variant)
    names = model
    if not names:  # every model, but those that need data the scenario does not carry
        names, skipped = defaults_for(sc)
        for name, lack in skipped.items():
            notice(f"model {name} not run: {lack}")
    for m in names:
        get_model(m)  # unknown names fail before any work
    params = parse_params(param, names)
    with input_boundary(scenario), _model_bars(not as_json and _stderr_is_terminal()) as bars:
        runs = run_models(sc, names, params=params, seed=seed, keep_going=False, progress=bars)
    result = runs.to_dict(trace=trace)
    run_id = None
    if not no_record:
        from detente.record import record_run

        run_id = record_run(
            "run", sc, model=runs.models, params=params, seed=seed, result=result, started=started
        )
    if as_json:
        print_json(result)
        return
    forecasts = list(runs.forecasts)
    _print_tables(sc, forecasts)
    retro = runs.retrospective
    if retro is not None:
        _print_retrospective(retro)
    if trace:
        _print_trace(forecasts)
    for f in forecasts:
        for line in f.notes:
            console.print(f"[bold]{f.model}[/bold]: {escape(line)}")  # wrapped at spaces
    if run_id is not None:
        console.print(f"[dim]recorded as run {run_id} (detente runs show {run_id})[/dim]")


def _table(title: str) -> Table:
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    t.add_column("issue")
    return t


def _print_tables(sc: Scenario, forecasts: list[Forecast]) -> None:
    """The outcome per issue with the reference point, then each principal's gain or loss."""
    heads = [f.model for f in forecasts]
    t = _table(f"{sc.name or sc.id}: forecast outcome per issue")
    t.add_column("ref.", justify="right")
    for h in heads:
        t.add_column(h, justify="right")
    for k, iss in enumerate(sc.issues):
        t.add_row(
            iss.id, fmt_num(iss.reference), *[fmt_num(float(f.outcome[k])) for f in forecasts]
        )
    print_table(
        t,
        notes=[
            "ref. = the issue's reference point (status quo)",
            "`detente scenarios show` names the issues and both ends of their scales",
        ],
    )

    all_gains = [gains(sc, f.outcome) for f in forecasts]  # (A, I) per model
    for p in sc.principal_ids:
        a = sc.actor_ids.index(p)
        per_model = [g[a] for g in all_gains]
        g = _table(
            f"gain (+) or loss (−) of {sc.actor(p).label} against the reference point "
            "(salience-weighted scale points)"
        )
        for h in heads:
            g.add_column(h, justify="right")
        for k, iss in enumerate(sc.issues):
            g.add_row(iss.id, *[fmt_signed(float(gm[k])) for gm in per_model])
        g.add_row("[bold]total[/bold]", *[fmt_signed(float(np.nansum(gm))) for gm in per_model])
        print_table(g)


def _print_retrospective(retro: Retrospective) -> None:
    """Each model's absolute error on the issues with an observed outcome, beside the
    status quo's ("nothing changes"), the baseline to beat."""
    heads = [STATUS_QUO, *(r.model for r in retro.models)]
    t = _table("error against the observed outcome (absolute, scale points)")
    t.add_column("observed", justify="right")
    for h in heads:
        t.add_column(h, justify="right")
    for iid in retro.issues:
        sq = retro.status_quo.error.get(iid)
        t.add_row(
            iid,
            fmt_num(retro.observed[iid]),
            fmt_num(sq),
            *[fmt_num(r.error[iid]) for r in retro.models],
        )
    t.add_row(
        "[bold]mean[/bold]",
        "",
        fmt_num(retro.status_quo.mae),
        *[fmt_num(r.mae_compared if retro.compared else r.mae) for r in retro.models],
    )
    beat = [r.model for r in retro.models if r.vs_status_quo < 0]
    verdict = (
        f"better than the status quo: {', '.join(beat)}"
        if beat
        else "no model beats the status quo (nothing changes) on these issues"
    )
    notes = [verdict]
    dated = sorted({d for d in retro.dated.values() if d})
    if dated:
        notes.append(
            f"outcomes observed {dated[0]}" + (f" to {dated[-1]}" if len(dated) > 1 else "")
        )
    print_table(t, notes=notes)


def _print_trace(forecasts: list[Forecast]) -> None:
    for f in forecasts:
        console.rule(f"{f.model}: what happened, round by round")
        if not f.events:
            console.print("  (no rounds: closed-form model)")
            continue
        current = None
        for e in f.events:
            if e.round != current:
                current = e.round
                console.print(f"[bold]round {current}[/bold]")
            console.print(Padding(Text(e.text), (0, 0, 0, 2)))  # wrapped at spaces
