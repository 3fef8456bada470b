"""``detente validate``: score every model on real cases with known outcomes (DEU data)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from detente.cli.app import app
from detente.cli.common import console, err_console, fmt_num, notice, parse_params, print_json
from detente.cli.tables import print_table
from detente.models import available, get_model
from detente.validation.runner import BASELINE, ModelRun, ValidationResult
from detente.validation.scores import METRICS


def _signed(x: float, pct: bool = False) -> str:
    if x != x:
        return "—"
    return f"{x:+.{1 if pct else 2}f}"


def _validate_scenario(
    path: str, names: list[str], param: list[str] | None, seed: int | None, as_json: bool
) -> None:
    """Score the models on a scenario's issues with observed outcomes (the status quo beside
    them), as ``detente run`` prints it."""
    from detente.cli.common import resolve_scenario
    from detente.cli.run import _print_retrospective
    from detente.comparison import run_models
    from detente.errors import InputError
    from detente.models.registry import defaults_for

    sc = resolve_scenario(path)
    if not names:
        names, _ = defaults_for(sc)
    for m in names:
        get_model(m)
    params = parse_params(param, names)
    retro = run_models(sc, names, params=params, seed=seed, keep_going=False).retrospective
    if retro is None:
        raise InputError(
            "no issue carries an observed outcome",
            source=path,
            allowed="issues with outcome (and outcome_date, outcome_source), or a DEU file",
        )
    if as_json:
        print_json(retro.to_dict())
        return
    _print_retrospective(retro)


def _measures_help() -> str:
    """Every capability measure the library accepts, each with its aliases (from
    :data:`detente.power.capabilities.MEASURES`)."""
    from detente.power.capabilities import MEASURE_NAMES, MEASURES

    parts = []
    for name in MEASURE_NAMES:
        aliases = [k for k, v in MEASURES.items() if v == name and k != name]
        parts.append(f"{name} (or {', '.join(aliases)})" if aliases else name)
    return ", ".join(parts)


def _split_models(items: list[str] | None) -> list[str]:
    """``--models a --models b`` or ``--models a,b`` (or both)."""
    out: list[str] = []
    for item in items or []:
        out.extend(x.strip() for x in item.split(",") if x.strip())
    return list(dict.fromkeys(out))


@app.command()
def validate(
    dataset: Annotated[
        str,
        typer.Argument(
            help="DEU-format CSV with outcomes, e.g. DEU2.csv of DEU II (where to download "
            'it: the README\'s section "Validation data"), or a scenario whose issues '
            "carry observed outcomes",
            show_default=False,
        ),
    ],
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--models",
            "-m",
            help="models to score (repeatable or comma-separated); default: every model",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="model parameter MODEL.KEY=VALUE (repeatable)"),
    ] = None,
    capability: Annotated[
        str,
        typer.Option(
            help="member-state capability: auto (shapley when the Council tables are found, "
            f"else equal), {_measures_help()}"
        ),
    ] = "auto",
    commission: Annotated[
        str,
        typer.Option(
            help="Commission capability: mean, max or sum of the member states present, a "
            "factor (2*mean), a number, or per procedure (COD:max,CNS:mean)"
        ),
    ] = "mean",
    parliament: Annotated[
        str, typer.Option(help="Parliament capability, same forms as --commission")
    ] = "mean",
    reference: Annotated[
        str,
        typer.Option(
            help="reference point rp: status-quo (the issue's reference), actor (an extra "
            "actor), none"
        ),
    ] = "status-quo",
    reference_capability: Annotated[
        str, typer.Option(help="capability of the reference-point actor (--reference actor)")
    ] = "mean",
    missing_salience: Annotated[
        str,
        typer.Option(help="blank salience beside a position: issue-mean, drop, or 0..100"),
    ] = "issue-mean",
    weights_dir: Annotated[
        str | None,
        typer.Option(help="folder with EU15.csv and EU27.csv (default: the dataset's folder)"),
    ] = None,
    seed: Annotated[
        int, typer.Option(help="seed of stochastic models and the bootstrap", min=0)
    ] = 0,
    bootstrap: Annotated[int, typer.Option(help="bootstrap resamples", min=1)] = 2000,
    cluster: Annotated[
        str, typer.Option(help="bootstrap resampling unit: proposal or issue")
    ] = "proposal",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
    out_csv: Annotated[
        str | None, typer.Option("--out-csv", help="write the per-issue table to a new CSV")
    ] = None,
    chart: Annotated[
        str | None,
        typer.Option(help="draw the error distributions to a new PNG, SVG or PDF file"),
    ] = None,
    distribution: Annotated[
        str,
        typer.Option(
            help="predictive distribution of each forecast, its spread from the model's "
            "errors on other proposals (grouped cross-validation): empirical (the "
            "out-of-fold residuals), laplace or normal, censored at the scale's ends; or "
            "ensemble: the model's own ensemble under input uncertainty (default spreads)"
        ),
    ] = "empirical",
    ensemble_draws: Annotated[
        int, typer.Option(help="draws per proposal of --distribution ensemble", min=1)
    ] = 200,
    folds: Annotated[
        int, typer.Option(help="folds (by proposal) that calibrate the distributions", min=2)
    ] = 5,
    pit_chart: Annotated[
        str | None,
        typer.Option(
            "--pit-chart", help="draw the PIT histograms (calibration) to a new PNG, SVG or PDF"
        ),
    ] = None,
    procedures: Annotated[
        bool,
        typer.Option(
            "--procedures",
            help="apply each issue's legislative procedure to every forecast: Council "
            "qualified majority (quota of the weights tables) or unanimity, the Parliament's "
            "veto under co-decision (COD); compare each model with and without it",
        ),
    ] = False,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="do not keep this run in the run store")
    ] = False,
) -> None:
    """Forecast every issue with a recorded outcome with each model and score it against
    the outcome: MAE, RMSE, median absolute error, share within 10 points, each with the
    paired bootstrap 95% interval of its difference to the compromise model.

    A scenario file (any format but DEU's) whose issues carry an observed ``outcome`` is
    scored as ``detente run`` scores it: each model's error beside the status quo's."""
    from detente.io.detect import detect_format
    from detente.scenarios import list_scenarios

    bundled = not Path(dataset).is_file() and dataset in {s["id"] for s in list_scenarios()}
    if bundled or (Path(dataset).is_file() and detect_format(dataset) != "deu"):
        _validate_scenario(dataset, _split_models(models), param, seed, as_json)
        return
    from detente.validation.datasets import load_dataset
    from detente.validation.runner import validate as run_validation

    started = time.time()
    names = _split_models(models) or available()
    for m in names:
        get_model(m)  # unknown names fail before any work
    params = parse_params(param, list(dict.fromkeys([BASELINE, *names])))
    ds = load_dataset(
        dataset,
        notify=notice,
        capability=capability,
        commission=commission,
        parliament=parliament,
        reference=reference,
        reference_capability=reference_capability,
        missing_salience=missing_salience,
        weights_dir=weights_dir,
    )

    def progress(name: str, run: ModelRun) -> None:
        err_console.print(
            f"[dim]{name}: {len(ds.cases)} proposals in {run.seconds:.2f} s[/dim]",
            soft_wrap=True,
        )
        if procedures:
            err_console.print(
                f"[dim]{name}: the procedure moved {len(run.bound)} forecast(s)[/dim]",
                soft_wrap=True,
            )
        for text in run.failures[:3]:
            notice(f"{name} failed on {text}")
        if len(run.failures) > 3:
            notice(f"{name} failed on {len(run.failures) - 3} more proposals")

    result = run_validation(
        ds,
        names,
        params=params,
        seed=seed,
        n_boot=bootstrap,
        cluster=cluster,
        progress=progress,
        procedures=procedures,
        weights_dir=weights_dir,
        distribution=distribution,
        folds=folds,
        ensemble_draws=ensemble_draws,
    )
    if not no_record:
        from detente.record import record_run

        record_run(
            "validate",
            None,
            model=names,
            params=params,
            seed=seed,
            result=result.to_dict(),
            started=started,
            inputs={"id": str(dataset), "cases": [c.input_hash() for c in ds.cases]},
        )
    if result.procedures is not None:
        notice(result.procedures.describe())
    if out_csv:
        path = result.write_csv(out_csv)
        notice(f"per-issue table written to {path}")
    if chart:
        from detente.validation.chart import error_chart

        path = error_chart(result, chart)
        notice(f"chart written to {path}")
    if pit_chart:
        from detente.validation.chart import pit_chart as draw_pit

        path = draw_pit(result, pit_chart)
        notice(f"PIT chart written to {path}")
    for line in result.notes:
        notice(line)
    if as_json:
        print_json(result.to_dict())
        return
    _print_tables(result, {m: result.label(m) for m in result.in_sample})


def _print_tables(result: ValidationResult, labels: dict[str, str] | None = None) -> None:
    """The tables of ``detente validate``; ``labels`` renames models in them (``detente``
    says whether its figures are in-sample)."""
    labels = labels or {}
    s = result.to_frame()
    unit = "proposals" if result.cluster == "proposal" else "issues"
    t = Table(
        title=(
            f"{result.dataset}: {result.n_issues} issues with outcomes. Δ: difference to "
            f"{BASELINE}, with its paired bootstrap 95% interval ({result.n_boot} resamples "
            f"of {unit}, seed {result.seed})"
        ),
        title_justify="left",
        caption=(
            "errors in scale points (lower is better); within 10: share of issues forecast "
            "within 10 points (higher is better)"
            + (f"\ncapabilities: {result.capability}" if result.capability else "")
        ),
        caption_justify="left",
    )
    t.add_column("model (issues, time)", no_wrap=True)
    t.add_column("score", no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    t.add_column("Δ", justify="right", no_wrap=True)
    t.add_column("95% interval", justify="right", no_wrap=True)
    for n, (_, r) in enumerate(s.iterrows()):
        if n:
            t.add_section()
        for j, (k, (label, _)) in enumerate(METRICS.items()):
            pct = k == "within_10"
            f = 100.0 if pct else 1.0
            unit_ = " %" if pct else ""
            value = fmt_num(r[k] * f, 1 if pct else 2) + unit_
            if r["model"] == BASELINE:
                diff, ci = "—", "—"
            else:
                diff = _signed(r[f"{k}_diff"] * f, pct)
                ci = f"[{_signed(r[f'{k}_lo'] * f, pct)}, {_signed(r[f'{k}_hi'] * f, pct)}]"
            name = labels.get(str(r["model"]), str(r["model"]))
            side = [name, f"n = {int(r['n'])}", f"{r['seconds']:.2f} s", ""][j]
            t.add_row(side, label, value, diff, ci)
    print_table(t)
    _print_proper(result, unit, labels)
    bp = result.by_procedure()
    if len(bp):
        b = Table(title="MAE by legislative procedure", title_justify="left")
        b.add_column("model", no_wrap=True)
        for _, r in bp.iterrows():
            b.add_column(f"{r['procedure']} (n = {int(r['n'])})", justify="right", no_wrap=True)
        for m in result.models:
            b.add_row(labels.get(m, m), *[fmt_num(v, 2) for v in bp[m]])
        print_table(b)
    ps = result.procedure_summary()
    if len(ps):
        p = Table(
            title=(
                "Effect of --procedures: MAE with the procedure minus MAE without it, with "
                f"its paired bootstrap 95% interval ({result.n_boot} resamples of {unit})"
            ),
            title_justify="left",
        )
        for name in ("model", "issues", "moved", "MAE without", "MAE with", "Δ", "95% interval"):
            p.add_column(name, justify="left" if name == "model" else "right", no_wrap=True)
        for _, r in ps.iterrows():
            p.add_row(
                labels.get(str(r["model"]), str(r["model"])),
                str(int(r["n"])),
                str(int(r["bound"])),
                fmt_num(r["mae_without"], 2),
                fmt_num(r["mae_with"], 2),
                _signed(r["diff"]),
                f"[{_signed(r['lo'])}, {_signed(r['hi'])}]",
            )
        print_table(p)
    failed = {m: run.failures for m, run in result.runs.items() if run.failures}
    for m, items in failed.items():
        console.print(
            f"[yellow]{m}[/yellow] failed on {len(items)} proposal(s); its scores leave them out",
            soft_wrap=True,
        )


def _print_proper(
    result: ValidationResult, unit: str, labels: dict[str, str] | None = None
) -> None:
    """The proper scores of the predictive distributions, with their Δ to compromise."""
    from detente.validation.runner import PROPER

    settings = result.predictive_settings()
    how = (
        f"each model's ensemble, {result.ensemble_draws} draws a proposal"
        if result.distribution == "ensemble"
        else f"spread from the errors on other proposals, {result.folds} folds"
    )
    t = Table(
        title=(
            f"Forecasts as distributions ({result.distribution}, {how}): Δ to {BASELINE} "
            f"with its paired bootstrap 95% interval ({result.n_boot} resamples of {unit})"
        ),
        title_justify="left",
        caption=(
            "lower is better; CRPS in scale points (a point forecast's CRPS is its absolute "
            "error); Brier and log (nats) scores of the outcome's third of the scale "
            f"(boundary to the upper third; probabilities floored at {settings['log_floor']:g} "
            "for the log); uniform thirds score Brier 0.667, log 1.099"
        ),
        caption_justify="left",
    )
    for name in ("model", "score", "value", "Δ", "95% interval"):
        t.add_column(name, justify="left" if name in ("model", "score") else "right", no_wrap=True)
    for n, (_, r) in enumerate(result.proper_summary().iterrows()):
        if n:
            t.add_section()
        for j, (k, label) in enumerate(PROPER.items()):
            digits = 2 if k == "crps" else 3
            diff, ci = "—", "—"
            if r["model"] != BASELINE:
                diff = f"{r[f'{k}_diff']:+.{digits}f}"
                ci = f"[{r[f'{k}_lo']:+.{digits}f}, {r[f'{k}_hi']:+.{digits}f}]"
            side = (labels or {}).get(str(r["model"]), str(r["model"])) if j == 0 else ""
            t.add_row(side, label, fmt_num(r[k], digits), diff, ci)
    print_table(t)
