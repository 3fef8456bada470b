"""``detente what-it-takes``, ``detente agree`` and ``detente reset``."""

from __future__ import annotations

import time
from typing import Annotated

import numpy as np
import typer
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from detente.cli.app import app
from detente.cli.common import (
    console,
    fmt_num,
    fmt_signed,
    input_boundary,
    print_json,
    resolve_scenario,
)
from detente.cli.tables import print_table
from detente.scenarios import DEFAULT_SCENARIO


@app.command("what-it-takes")
def what_it_takes_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario id or a scenario file")],
    target: Annotated[
        list[str],
        typer.Option("--target", "-t", help="'ISSUE OP VALUE' (e.g. 'sanctions <= 30') or 'reset'"),
    ],
    model: Annotated[str, typer.Option("--model", "-m")] = "compromise",
    movable: Annotated[
        list[str] | None,
        typer.Option(
            help="what may change: ACTOR[.ISSUE][:FIELD[+FIELD]], FIELD position, salience or "
            "capability; '*' for all (default: every position)"
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(min=0, help="seed of the search and of stochastic models")
    ] = 0,
    budget: Annotated[int, typer.Option(min=1, help="model runs the search may use")] = 400,
    variant: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="do not keep this run in the run store")
    ] = False,
) -> None:
    """Find the smallest change of positions, saliences or capabilities that makes the
    model forecast every target; every answer is checked by re-running the model."""
    from detente.analysis.requirements import what_it_takes

    started = time.time()
    sc = resolve_scenario(scenario, variant=variant)
    with input_boundary(scenario):
        res = what_it_takes(sc, target, model=model, movable=movable, seed=seed, budget=budget)
    if not no_record:
        from detente.record import record_run

        record_run(
            "what-it-takes",
            sc,
            model=model,
            params={"target": target, "movable": movable, "budget": budget},
            seed=seed,
            result=res.to_dict(),
            started=started,
        )
    if as_json:
        print_json(res.to_dict())
        return
    status = "[green]feasible[/green]" if res.feasible else "[red]not feasible[/red]"
    console.print(
        f"[bold]{sc.name or sc.id}[/bold] — model {res.model}, targets: "
        f"{'; '.join(res.targets)}: {status} ({res.method}, {res.evaluations} model runs, "
        f"seed {res.seed})"
    )
    for why in res.reasons:  # the library says why: already met, or what holds the outcome
        console.print(Padding(Text(why), (0, 0, 0, 2)))
    if res.feasible and res.changes:
        console.print(
            f"total change {res.total_change:.2f} (position points on 0..100, salience points, "
            f"capability %); verified by re-running the model: {res.verified}"
        )
        t = Table(title="changes, largest first", title_justify="left")
        for col in ("actor", "issue", "field", "from", "to", "cost"):
            t.add_column(col, justify="right" if col in ("from", "to", "cost") else "left")
        for c in res.changes:
            t.add_row(
                c.actor,
                c.issue or "—",
                c.field,
                f"{c.before:.3g}",
                f"{c.after:.3g}",
                f"{c.cost:.2f}",
            )
        print_table(t)
    o = Table(title="forecast before and after", title_justify="left")
    for col in ("issue", "before", "after"):
        o.add_column(col, justify="left" if col == "issue" else "right")
    for i in sc.issue_ids:
        o.add_row(i, fmt_num(res.before[i]), fmt_num(res.after.get(i)))
    print_table(o)
    if res.persuade:
        p = Table(title="who to persuade: that actor alone", title_justify="left")
        for col in ("actor", "feasible", "total change"):
            p.add_column(col)
        for row in res.persuade:
            p.add_row(
                row["actor"], "yes" if row["feasible"] else "no", fmt_num(row["total_change"], 2)
            )
        print_table(p)


@app.command("agree")
def agree_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario id or a scenario file")] = (
        DEFAULT_SCENARIO
    ),
    parties: Annotated[
        str | None, typer.Option(help="two actor ids, comma-separated (default: the principals)")
    ] = None,
    loss: Annotated[str, typer.Option(help="linear or quadratic")] = "linear",
    variant: Annotated[str | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="do not keep this run in the run store")
    ] = False,
) -> None:
    """Packages both parties prefer to the status quo: Pareto set, Nash and
    Kalai-Smorodinsky solutions, zone of agreement and cross-issue trades."""
    from detente.bargaining import agreement
    from detente.errors import InputError

    if loss not in ("linear", "quadratic"):
        raise InputError(f"unknown loss {loss!r}", where="--loss", allowed="linear, quadratic")
    started = time.time()
    sc = resolve_scenario(scenario, variant=variant)
    pair = None
    if parties:
        names = [p.strip() for p in parties.split(",")]
        if len(names) != 2:
            raise InputError("give exactly two actors", where="--parties", allowed="e.g. a,b")
        pair = (names[0], names[1])
    ag = agreement(sc, pair, loss=loss)  # type: ignore[arg-type]
    if not no_record:
        from detente.record import record_run

        record_run(
            "agree",
            sc,
            model="bargaining",
            params={"parties": parties, "loss": loss},
            seed=None,
            result=ag.to_dict(),
            started=started,
        )
    if as_json:
        print_json(ag.to_dict())
        return
    _print_agreement(sc, ag)


def _print_agreement(sc, ag) -> None:
    a, b = (sc.actor(p).label for p in ag.parties)
    verdict = (
        "[green]yes[/green]: packages exist that both prefer to the status quo"
        if ag.reset_possible
        else "[red]no[/red]: every package that helps one side hurts the other"
    )
    console.print(f"[bold]Agreement between {a} and {b}[/bold] ({ag.loss} loss) — {verdict}")
    table = ag.to_frame()
    gains = ag.gains_frame()
    t = Table(title="packages (outcome per issue)", title_justify="left")
    cols = ["status quo", "Nash solution", "Kalai-Smorodinsky solution"]
    t.add_column("issue")
    for col in (*cols, "zone of agreement"):
        t.add_column(col.removesuffix(" solution"), justify="right")
    for vals in table.to_dict("records"):
        zone = (
            f"{vals['zone low']:.1f} – {vals['zone high']:.1f}"
            if np.isfinite(vals["zone low"])
            else "—"
        )
        t.add_row(sc.issue(vals["issue"]).label, *[fmt_num(vals[c]) for c in cols], zone)
    t.add_row(
        f"[bold]gain {a} / {b}[/bold]",
        *[
            " / ".join(fmt_signed(float(g)) for g in gains.loc[c]) if c in gains.index else "—"
            for c in cols
        ],
        "",
    )
    print_table(t)
    if ag.trades:
        tr = Table(
            title="cross-issue trades both gain from (from the status quo)", title_justify="left"
        )
        for col in (f"{a} concedes", f"{b} concedes", f"gain {a}", f"gain {b}"):
            tr.add_column(col)
        for x in ag.trades[:8]:
            tr.add_row(x.gives_a, x.gives_b, fmt_signed(x.gain_a), fmt_signed(x.gain_b))
        print_table(tr)


@app.command("reset")
def reset_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario id or a scenario file")] = (
        DEFAULT_SCENARIO
    ),
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="models to compare (default: all)")
    ] = None,
    takes_model: Annotated[
        str, typer.Option("--takes-model", help="model for the what-it-takes search")
    ] = "compromise",
    seed: Annotated[int, typer.Option(min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The seed essays' question: does each course of action produce a real reset (a
    package both principals prefer to the status quo), and what would it take?"""
    from detente.analysis.reset import reset_summary

    sc = resolve_scenario(scenario)
    with input_boundary(scenario):
        summary = reset_summary(sc, models=model, takes_model=takes_model, seed=seed)
    if as_json:
        print_json(summary.to_dict())
        return
    a, b = (sc.actor(p).label for p in summary.parties)
    t = Table(
        title=f"total gain against the status quo, {a} / {b} (✓ = real reset)",
        title_justify="left",
    )
    t.add_column("course of action")
    for m in summary.models:
        t.add_column(m, justify="right")
    for v in summary.variants:
        row = []
        for m in summary.models:
            g = summary.gains[(v, m)]
            mark = " ✓" if summary.is_reset(v, m) else ""
            row.append(" / ".join(fmt_signed(float(x)) for x in g) + mark)
        t.add_row(summary.variant_names[v], *row)
    print_table(t)
    _print_agreement(sc, summary.agreement)
    w = summary.takes
    if w is None:
        return
    if w.feasible:
        console.print(
            f"[bold]What it would take[/bold] ({w.model} model, verified {w.verified}): "
            f"total change {w.total_change:.1f}; largest changes:"
        )
        for c in w.changes[:6]:
            console.print(
                f"  {sc.actor(c.actor).label} on {c.issue}: {c.field} "
                f"{c.before:.3g} → {c.after:.3g}"
            )
    else:
        console.print(f"[bold]What it would take[/bold]: no change of positions found ({w.model}).")
    for line in summary.lines:
        console.print(line)
