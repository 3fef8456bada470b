"""``detente run``: forecast a scenario with one or more models."""

from __future__ import annotations

from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from detente.cli.app import app
from detente.cli.common import (
    console,
    fmt_num,
    fmt_signed,
    parse_params,
    print_json,
    resolve_scenario,
)
from detente.forecast import Forecast
from detente.models import available, get_model
from detente.scenario import Scenario
from detente.scenarios import DEFAULT_SCENARIO
from detente.utility import gains


def run_models(
    scenario: Scenario, models: list[str], params: dict[str, dict[str, str]], seed: int | None
) -> list[Forecast]:
    """Build each model with its parameters and forecast the scenario."""
    built = [get_model(m, **params.get(m, {})) for m in models]
    return [m.forecast(scenario, seed=seed) for m in built]


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
    seed: Annotated[int | None, typer.Option(help="seed for models that draw at random")] = 0,
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
) -> None:
    """Forecast every issue of SCENARIO with the chosen models."""
    sc = resolve_scenario(scenario, fmt=fmt, variant=variant)
    models = model or available()
    for m in models:
        get_model(m)  # unknown names fail before any work
    params = parse_params(param, models)
    forecasts = run_models(sc, models, params, seed)
    if as_json:
        print_json(
            {
                "scenario": scenario if variant is None else f"{scenario}@{variant}",
                "seed": seed,
                "forecasts": [_forecast_json(f, trace) for f in forecasts],
            }
        )
        return
    _print_tables(sc, forecasts)
    if trace:
        _print_trace(forecasts)
    for f in forecasts:
        for line in f.summary:
            console.print(f"[bold]{f.model}[/bold]: {line}", soft_wrap=True)


def _forecast_json(f: Forecast, trace: bool) -> dict:
    d = f.to_dict(trajectories=True, events=trace)
    out = {"model": d["model"], "params": d["params"], "issues": []}
    for entry in d["issues"]:
        out["issues"].append({k: entry[k] for k in ("id", "outcome", "reference", "trajectory")})
    if trace:
        out["events"] = d.get("events", [])
        out["summary"] = d.get("summary", [])
    return out


def _print_tables(sc: Scenario, forecasts: list[Forecast]) -> None:
    title = sc.name or sc.id
    t = Table(title=f"{title}: forecast outcome per issue", title_justify="left")
    t.add_column("issue", overflow="fold")
    t.add_column("reference", justify="right")
    for f in forecasts:
        t.add_column(f.model, justify="right")
    for k, iss in enumerate(sc.issues):
        t.add_row(
            iss.label,
            fmt_num(iss.reference),
            *[fmt_num(float(f.outcome[k])) for f in forecasts],
        )
    console.print(t)
    console.print(
        "[dim]scales run 0..100 unless stated; `detente scenarios show` describes both ends[/dim]"
    )

    principals = sc.principal_ids
    if not principals:
        return
    g = Table(
        title=(
            "gain (+) or loss (−) against the reference point, salience-weighted scale points: "
            + " / ".join(sc.actor(p).label for p in principals)
        ),
        title_justify="left",
    )
    g.add_column("issue", overflow="fold")
    for f in forecasts:
        g.add_column(f.model, justify="right")
    idx = [sc.actor_ids.index(p) for p in principals]
    per_model = [gains(sc, f.outcome)[idx] for f in forecasts]  # (P, I) each
    for k, iss in enumerate(sc.issues):
        g.add_row(
            iss.label,
            *[" / ".join(fmt_signed(float(gm[p, k])) for p in range(len(idx))) for gm in per_model],
        )
    g.add_row(
        "[bold]total[/bold]",
        *[
            " / ".join(fmt_signed(float(np.nansum(gm[p]))) for p in range(len(idx)))
            for gm in per_model
        ],
    )
    console.print(g)


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
            console.print(f"  {e.text}", soft_wrap=True)
