"""``detente ensemble``, ``detente sensitivity`` and ``detente discover``.

Each runs its model evaluations in chunks on a local process pool (``--workers``), a Dask
cluster (``--scheduler tcp://HOST:PORT``) or a Dask LocalCluster started for the run
(``--dask-local N``); the numbers are the same on all of them. Progress bars go to stderr
(only on a terminal), ``--json`` output to stdout and contains nothing that varies between
runs, so the same seed gives byte-identical output. Ctrl-C stops the run and its workers.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from detente.cli.app import app
from detente.cli.common import (
    console,
    err_console,
    fmt_num,
    notice,
    parse_params,
    print_json,
    report_interrupt,
    resolve_scenario,
)
from detente.cli.tables import print_table
from detente.errors import InputError
from detente.models import get_model
from detente.scenario import Scenario

try:
    from detente.scenarios import DEFAULT_SCENARIO
except ImportError:  # pragma: no cover - the bundled scenarios not installed
    DEFAULT_SCENARIO = "us-russia-reset"

_SPARK = "▁▂▃▄▅▆▇█"

# ----------------------------------------------------------------------------- options
ScenarioArg = Annotated[
    str, typer.Argument(help="bundled scenario id or a scenario file (any supported format)")
]
ModelOpt = Annotated[str, typer.Option("--model", "-m", help="model to run (see detente models)")]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="model parameter MODEL.KEY=VALUE (repeatable)"),
]
SeedOpt = Annotated[int, typer.Option(help="seed of the draws (same seed, same numbers)", min=0)]
SpreadOpt = Annotated[
    list[str] | None,
    typer.Option(
        help="uncertainty of every input of a field without a range in the scenario: "
        "FIELD=VALUE (absolute) or FIELD=VALUE% (of the issue's span, of [0, 1], of the "
        "capability), FIELD position, salience or capability; repeatable; a field not "
        "given keeps its default: position=10%, salience=0.1, capability=20%. Draws are "
        "censored at the field's valid range (a draw beyond a scale end counts as the end)"
    ),
]
DistOpt = Annotated[
    str, typer.Option(help="distribution of spread inputs: uniform, triangular or normal")
]
VariantOpt = Annotated[str | None, typer.Option(help="apply one of the scenario's variants")]
FormatOpt = Annotated[str | None, typer.Option("--format", help="input format (default: detected)")]
WorkersOpt = Annotated[
    int | None,
    typer.Option(help="local worker processes (default: one per core)", min=1),
]
SchedulerOpt = Annotated[
    str | None, typer.Option(help="run on a Dask cluster: its scheduler, tcp://HOST:PORT")
]
DaskLocalOpt = Annotated[
    int | None,
    typer.Option(
        "--dask-local", help="start a Dask LocalCluster with N workers for the run", min=1
    ),
]
ChunkOpt = Annotated[
    int | None,
    typer.Option(help="draws per chunk of work (does not change the numbers)", min=1),
]
BatchOpt = Annotated[
    bool | None,
    typer.Option(
        "--batch/--no-batch",
        help="evaluate draws with the model's vectorised kernel (default: when it has one) "
        "or one forecast per draw",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="no progress bars")]


# ----------------------------------------------------------------------------- helpers
def _setup(
    scenario: str, variant: str | None, fmt: str | None, model: str, param: list[str] | None
) -> tuple[Scenario, Any]:
    sc = resolve_scenario(scenario, fmt=fmt, variant=variant)
    get_model(model)  # an unknown name fails before any work
    params = parse_params(param, [model]).get(model, {})
    return sc, get_model(model, **params)


def _spread(items: list[str] | None) -> Any:
    from detente.analysis.perturb import parse_spread

    return None if not items else parse_spread(items)


@contextlib.contextmanager
def _pool(
    workers: int | None,
    runs: int,
    model: Any,
    scheduler: str | None,
    dask_local: int | None,
    quiet: bool,
) -> Iterator[tuple[Any, Any]]:
    """The run's executor (a pool sized by :func:`detente.analysis.ensemble.pool_size`, or
    Dask) and its progress bars; Ctrl-C stops both (exit status 130)."""
    from detente.analysis.ensemble import pool_size
    from detente.execution import open_executor

    size = pool_size(workers, runs, model)
    with (
        _interruptible(),
        open_executor(workers=size, scheduler=scheduler, dask_local=dask_local) as ex,
        _bars(quiet) as bars,
    ):
        yield ex, bars


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C: once the executor has stopped its workers, one line and exit status 130."""
    try:
        yield
    except KeyboardInterrupt:
        report_interrupt("interrupted: the run was stopped and its workers shut down")
        raise typer.Exit(130) from None


@contextlib.contextmanager
def _bars(quiet: bool) -> Iterator[Any]:
    """A factory of progress bars on stderr: ``add(label, total)`` returns a callback."""
    show = not quiet and err_console.is_terminal
    if not show:
        yield lambda label, total: None
        return
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    )
    with bar:

        def add(label: str, total: int) -> Any:
            task = bar.add_task(label, total=total)
            return lambda n: bar.advance(task, n)

        yield add


def _default_notice(plan: Any) -> None:
    if plan.defaulted:
        notice(
            "no --spread given: every input without an uncertainty range in the scenario "
            "varies by position ±10% of the span, salience ±0.1, capability ±20% "
            "(set --spread FIELD=0 to hold a field fixed)"
        )


def _spark(counts: list[int]) -> str:
    top = max(counts) if counts else 0
    if top == 0:
        return ""
    return "".join(
        " " if c == 0 else _SPARK[min(len(_SPARK) - 1, int(c / top * (len(_SPARK) - 1) + 0.5))]
        for c in counts
    )


# ----------------------------------------------------------------------------- ensemble
@app.command()
def ensemble(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    model: ModelOpt = "compromise",
    draws: Annotated[int, typer.Option("--draws", "-n", help="number of draws", min=1)] = 10000,
    seed: SeedOpt = 0,
    target: Annotated[
        list[str] | None,
        typer.Option("--target", "-t", help="'ISSUE OP VALUE' or 'reset' (repeatable)"),
    ] = None,
    spread: SpreadOpt = None,
    distribution: DistOpt = "uniform",
    correlation: Annotated[
        list[str] | None,
        typer.Option(
            help="couple the draws by a Gaussian copula: 'default' (salience=0.5,"
            "position=0.3) or FIELD=RHO, FIELD salience (the saliences of the actors on "
            "the same side of an issue's status quo) or position (an actor's positions on "
            "linked issues), RHO the correlation of their normal scores; a field not given "
            "keeps its default; each input's own range and distribution stay as they are"
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(help="write every draw (inputs, outcomes, targets) to .parquet or .csv"),
    ] = None,
    bins: Annotated[int, typer.Option(help="histogram bins per issue", min=1)] = 10,
    param: ParamOpt = None,
    variant: VariantOpt = None,
    fmt: FormatOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    chunk_size: ChunkOpt = None,
    batch: BatchOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="do not keep this run in the run store")
    ] = False,
) -> None:
    """Forecast many perturbed copies of SCENARIO: each issue's outcome distribution and
    the probability of each target.

    What the band means: every uncertain input is drawn around the scenario's value (over
    its range in the scenario, or value ± --spread) and censored at the ends of its valid
    range (a draw beyond an end of the issue's scale, of [0, 1] for a salience, below 0 for
    a capability counts as that end), so the scenario's value stays the median of its
    draws. The 5%-95% columns hold the middle 90% of the draws' outcomes: where the model
    puts the issue when the inputs vary together over their ranges. It is not an interval
    for the model's own error (see detente validate for that)."""
    from detente.analysis.ensemble import run_ensemble
    from detente.analysis.perturb import PerturbationPlan, parse_correlation
    from detente.targets import parse_targets

    sc, m = _setup(scenario, variant, fmt, model, param)
    plan = PerturbationPlan.build(sc, _spread(spread), distribution, parse_correlation(correlation))
    targets = parse_targets(target or [], sc)
    if out is not None:
        _check_out(out)
    _default_notice(plan)
    t0 = time.perf_counter()
    with _pool(workers, draws, m, scheduler, dask_local, quiet) as (ex, bars):
        res = run_ensemble(
            sc,
            m,
            draws=draws,
            seed=seed,
            plan=plan,
            targets=targets,
            keep_inputs=out is not None,
            batch=batch,
            executor=ex,
            workers=1,
            chunk_size=chunk_size,
            progress=bars(f"ensemble {m.name}", draws),
        )
    elapsed = time.perf_counter() - t0
    for line in res.notes:
        notice(line)
    if out is not None:
        res.write(out)
    summary = res.to_dict(bins=bins)
    if not no_record:
        from detente.record import record_run

        record_run(
            "ensemble",
            sc,
            model=m.name,
            params={m.name: summary["params"]},
            seed=seed,
            result=summary,
            started=time.time() - elapsed,
        )
    if as_json:
        print_json(summary)
        return
    _print_ensemble(sc, summary, elapsed, out)


def _check_out(out: str) -> None:
    from pathlib import Path

    p = Path(out)
    if p.suffix.lower() not in (".parquet", ".pq", ".csv"):
        raise InputError(
            f"cannot tell the format of {p.name!r} from its extension",
            where="--out",
            allowed=".parquet, .pq or .csv",
        )
    if p.exists():
        raise InputError(
            f"{p} exists already; detente does not overwrite files",
            where="--out",
            allowed="a new file name",
        )


def _print_ensemble(sc: Scenario, s: dict[str, Any], elapsed: float, out: str | None) -> None:
    corr = s.get("correlation")
    coupled = (
        "independent inputs"
        if corr is None
        else f"copula salience={corr['salience']:g} ({corr['groups']['salience']} coalitions), "
        f"position={corr['position']:g} ({corr['groups']['position']} linked sets)"
    )
    t = Table(
        title=f"{sc.name or sc.id}: {s['model']}, {s['draws']} draws, seed {s['seed']}, " + coupled,
        title_justify="left",
    )
    t.add_column("issue", overflow="fold")
    t.add_column("ref.", justify="right", no_wrap=True)
    for col in ("mean", "5%", "25%", "median", "75%", "95%"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("histogram", no_wrap=True, min_width=len(s["issues"][0]["histogram"]["counts"]))
    for k, entry in enumerate(s["issues"]):
        q = entry["quantiles"]
        t.add_row(
            Text(entry["id"]),
            fmt_num(sc.issues[k].reference),
            fmt_num(entry["mean"]),
            *[fmt_num(q[p]) for p in ("5", "25", "50", "75", "95")],
            _spark(entry["histogram"]["counts"]),
        )
    print_table(t)
    if s["targets"]:
        g = Table(title="targets", title_justify="left")
        for col in ("target", "probability", "draws met"):
            g.add_column(col, justify="left" if col == "target" else "right")
        for tg in s["targets"]:
            g.add_row(Text(tg["expr"]), f"{tg['probability']:.3f}", f"{tg['draws_met']}")
        print_table(g)
    spread = ", ".join(f"{k}={v}" for k, v in s["spread"].items()) or "ranges in the scenario"
    console.print(
        f"{s['uncertain_inputs']} uncertain inputs ({spread}; {s['distribution']}); "
        f"5%-95%: the middle 90% of the draws' outcomes; "
        f"histograms over each issue's scale, low to high; "
        f"{s['draws'] / max(elapsed, 1e-9):,.0f} draws/s"
        + (f"; draws written to {out}" if out else "")
    )


# ----------------------------------------------------------------------------- sensitivity
@app.command()
def sensitivity(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    model: ModelOpt = "compromise",
    method: Annotated[
        list[str] | None,
        typer.Option(help="sobol, morris, tornado (repeatable; default: all three)"),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(help="only inputs of this field: position, salience, capability"),
    ] = None,
    actor: Annotated[list[str] | None, typer.Option(help="only inputs of this actor")] = None,
    issue: Annotated[list[str] | None, typer.Option(help="only inputs on this issue")] = None,
    samples: Annotated[
        int, typer.Option(help="Sobol base samples N (a power of two); N·(K+2) runs", min=1)
    ] = 256,
    trajectories: Annotated[
        int, typer.Option(help="Morris trajectories r; r·(K+1) runs", min=1)
    ] = 20,
    levels: Annotated[int, typer.Option(help="Morris grid levels (even)", min=2)] = 4,
    top: Annotated[int, typer.Option(help="inputs shown per issue in the tables", min=1)] = 5,
    seed: SeedOpt = 0,
    spread: SpreadOpt = None,
    param: ParamOpt = None,
    variant: VariantOpt = None,
    fmt: FormatOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Which inputs drive each issue's outcome: Sobol indices, Morris screening and the
    one-at-a-time swings of a tornado chart."""
    from detente.analysis.drivers import run_counts
    from detente.analysis.drivers import sensitivity as run_sensitivity
    from detente.analysis.perturb import PerturbationPlan

    sc, m = _setup(scenario, variant, fmt, model, param)
    plan = PerturbationPlan.build(sc, _spread(spread))
    _default_notice(plan)
    methods = method or ["sobol", "morris", "tornado"]
    counts = run_counts(
        plan.select(field, actor, issue).n_inputs, samples=samples, trajectories=trajectories
    )
    runs = max(counts.get(x, 0) for x in methods)
    with _pool(workers, runs, m, scheduler, dask_local, quiet) as (ex, bars):
        res = run_sensitivity(
            sc,
            m,
            methods=methods,
            plan=plan,
            fields=field,
            actors=actor,
            issues=issue,
            samples=samples,
            trajectories=trajectories,
            levels=levels,
            seed=seed,
            executor=ex,
            progress=bars,
        )
    for line in res.notes:
        notice(line)
    if as_json:
        print_json(res.to_dict())
        return
    console.print(
        f"[bold]{sc.name or sc.id}[/bold] — model {res.model}, {res.plan.n_inputs} inputs, "
        f"seed {seed}; runs: " + ", ".join(f"{k} {v}" for k, v in res.settings["runs"].items())
    )
    specs = {
        "sobol": ("ST", ["S1", "S1_conf", "ST", "ST_conf"], "Sobol indices (largest ST first)"),
        "morris": ("mu_star", ["mu", "mu_star", "sigma"], "Morris screening (largest mu*)"),
        "tornado": (
            "swing",
            ["low", "high", "outcome_low", "outcome_high", "swing"],
            "tornado: outcome with the input at the low and high end of its range",
        ),
    }
    for name, (key, cols, title) in specs.items():
        df = getattr(res, name)
        if df is None:
            continue
        t = Table(title=title, title_justify="left")
        t.add_column("issue", overflow="fold")
        t.add_column("input", overflow="fold")
        for c in cols:
            t.add_column(c, justify="right")
        for iss in sc.issue_ids:
            sub = df[df["issue"] == iss].sort_values(key, ascending=False, kind="stable")
            for n, row in enumerate(sub.head(top).itertuples(index=False)):
                vals = row._asdict()
                t.add_row(
                    Text(iss if n == 0 else ""),
                    Text(vals["input"]),
                    *[_fmt_cell(vals[c]) for c in cols],
                )
            if name == "sobol" and not sub.empty and not bool(sub["varies"].iloc[0]):
                t.add_row(
                    Text(iss), "(the outcome does not vary over the sample)", *[""] * len(cols)
                )
        print_table(t)


def _fmt_cell(x: Any) -> str:
    if isinstance(x, float):
        if not math.isfinite(x):
            return "—"
        return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"
    return str(x)


# ----------------------------------------------------------------------------- discover
@app.command()
def discover(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    target: Annotated[
        str, typer.Option("--target", "-t", help="'ISSUE OP VALUE' or 'reset'")
    ] = "reset",
    model: ModelOpt = "compromise",
    draws: Annotated[int, typer.Option("--draws", "-n", help="number of draws", min=1)] = 5000,
    threshold: Annotated[
        float, typer.Option(help="density a box must reach (share of its draws meeting the target)")
    ] = 0.8,
    boxes: Annotated[int, typer.Option(help="at most this many boxes", min=1)] = 3,
    max_inputs: Annotated[
        int, typer.Option(help="PRIM runs on the inputs that best separate the cases", min=1)
    ] = 12,
    seed: SeedOpt = 0,
    spread: SpreadOpt = None,
    distribution: DistOpt = "uniform",
    param: ParamOpt = None,
    variant: VariantOpt = None,
    fmt: FormatOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    dask_local: DaskLocalOpt = None,
    batch: BatchOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Scenario discovery: the ranges of inputs (PRIM boxes) under which the target is
    likely, with their coverage and density."""
    from detente.analysis.discovery import discover as run_discover
    from detente.analysis.ensemble import run_ensemble
    from detente.analysis.perturb import PerturbationPlan
    from detente.targets import parse_target

    sc, m = _setup(scenario, variant, fmt, model, param)
    plan = PerturbationPlan.build(sc, _spread(spread), distribution)
    tg = parse_target(target, sc)
    _default_notice(plan)
    with _pool(workers, draws, m, scheduler, dask_local, quiet) as (ex, bars):
        res = run_ensemble(
            sc,
            m,
            draws=draws,
            seed=seed,
            plan=plan,
            targets=[tg],
            keep_inputs=True,
            batch=batch,
            executor=ex,
            progress=bars(f"ensemble {m.name}", draws),
        )
    for line in res.notes:
        notice(line)
    found = run_discover(res, 0, threshold=threshold, max_boxes=boxes, max_inputs=max_inputs)
    if as_json:
        print_json(
            {
                "scenario": sc.id,
                "input_hash": sc.input_hash(),
                "model": res.model,
                "params": res.params,
                "seed": seed,
                **found.to_dict(),
            }
        )
        return
    console.print(
        f"[bold]{sc.name or sc.id}[/bold] — model {res.model}, target {found.target!r}: met in "
        f"{found.cases} of {found.draws} draws ({found.base_rate:.1%}), seed {seed}"
    )
    if found.note:
        notice(found.note)
    for b in found.boxes:
        t = Table(
            title=(
                f"box {b.number}: coverage {b.coverage:.2f}, density {b.density:.2f}, "
                f"mass {b.mass:.3f} ({b.draws} draws)"
            ),
            title_justify="left",
        )
        t.add_column("input", overflow="fold")
        for col in ("box low", "box high", "full range", "quasi-p"):
            t.add_column(col, justify="right", no_wrap=True)
        for lim in b.limits:
            t.add_row(
                Text(lim.input),
                f"{lim.low:.3g}",
                f"{lim.high:.3g}",
                f"{lim.full_low:.3g} – {lim.full_high:.3g}",
                f"{lim.qp:.2g}",
            )
        print_table(t)
