"""The self-contained HTML report: ``detente report SCENARIO -o report.html``.

One file with everything inline (plotly.js, every chart's data, the styles): it opens in
a browser with no network. It shows the views of the dashboard (outcome per issue against
the status quo, trajectories, actor map, Pareto set with the Nash and Kalai-Smorodinsky
solutions, and, when those parts of detente are installed, the ensemble, the sensitivity
tornado and what-it-takes) and the whole scenario with the source, place and rationale of
every number.

The report is a function of its inputs: the same scenario, models, seed and options give
the same file (no clock time is written into it).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from detente.comparison import Comparison, run_models
from detente.errors import InputError
from detente.report import charts, extras
from detente.report.tables import (
    actors_table,
    gains_by_principal,
    issues_table,
    linkages_table,
    outcome_table,
    sources_table,
    stances_table,
    variants_table,
)
from detente.scenario import Scenario

__all__ = ["ReportOptions", "build_report", "write_report"]

_CONFIG = {"displaylogo": False, "responsive": True}

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       margin: 0 auto; max-width: 1200px; padding: 1.5em; color: #1f2328; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: 0.2em;
     margin-top: 2em; } h3 { margin-top: 1.4em; }
.meta, .note { color: #57606a; font-size: 0.92em; }
.error { color: #b42318; } .ok { color: #1a7f37; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.55em; vertical-align: top; }
th { background: #f6f8fa; text-align: left; }
td.num, th.num { text-align: right; }
nav ul { columns: 2; } .chart { margin: 0.8em 0 1.6em; }
"""


@dataclass(frozen=True)
class ReportOptions:
    """What goes into the report besides the forecasts.

    ``parties``: the two actors of the agreement analysis (default: the principals).
    ``draws``: ensemble draws (0 leaves the ensemble out). ``targets``: for the ensemble
    and what-it-takes (default: ``reset`` when every issue has a reference point).
    ``sensitivity`` / ``what_it_takes``: include those analyses when installed.
    """

    parties: tuple[str, str] | None = None
    draws: int = 1000
    targets: tuple[str, ...] | None = None
    sensitivity: bool = True
    what_it_takes: bool = True
    analysis_model: str | None = None


@dataclass
class _Doc:
    """The report's body, built section by section."""

    parts: list[str] = field(default_factory=list)
    toc: list[tuple[str, str]] = field(default_factory=list)
    n_charts: int = 0

    def section(self, anchor: str, title: str) -> None:
        self.toc.append((anchor, title))
        self.parts.append(f'<h2 id="{anchor}">{_e(title)}</h2>')

    def h3(self, title: str) -> None:
        self.parts.append(f"<h3>{_e(title)}</h3>")

    def p(self, text: str, cls: str | None = None) -> None:
        attr = f' class="{cls}"' if cls else ""
        self.parts.append(f"<p{attr}>{_e(text)}</p>")

    def raw(self, fragment: str) -> None:
        self.parts.append(fragment)

    def chart(self, fig: go.Figure) -> None:
        self.n_charts += 1
        div = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            config=_CONFIG,
            div_id=f"chart-{self.n_charts}",
            default_height=f"{int(fig.layout.height or 450)}px",
        )
        self.parts.append(f'<div class="chart">{div}</div>')

    def table(self, df: pd.DataFrame, digits: int = 1, index: bool = False) -> None:
        self.parts.append(_table(df, digits, index))


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(df: pd.DataFrame, digits: int = 1, index: bool = False) -> str:
    """An escaped HTML table; numbers right-aligned with ``digits`` decimals, "—" missing."""
    frame = df.reset_index() if index else df
    numeric = {
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    }
    head = "".join(
        f'<th class="num">{_e(c)}</th>' if c in numeric else f"<th>{_e(c)}</th>"
        for c in frame.columns
    )
    rows = []
    for rec in frame.itertuples(index=False):
        cells = []
        for c, v in zip(frame.columns, rec, strict=True):
            if c in numeric:
                text = "—" if pd.isna(v) else f"{v:.{digits}f}"
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{_e('' if v is None else v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def build_report(
    scenario: Scenario,
    *,
    models: Sequence[str] | None = None,
    seed: int = 0,
    options: ReportOptions | None = None,
) -> str:
    """The report of ``scenario`` as one self-contained HTML document."""
    from detente import __version__
    from detente.analysis.reset import default_targets
    from detente.models.registry import defaults_for

    opts = options or ReportOptions()
    names = list(models) if models else defaults_for(scenario)[0]
    results = run_models(scenario, names, seed=seed)
    targets = opts.targets if opts.targets is not None else default_targets(scenario)
    doc = _Doc()
    _outcome_section(doc, scenario, results)
    _trajectories_section(doc, scenario, results)
    doc.section("actor-map", "Actor map")
    doc.p(
        "Each actor's position against the weight it brings to the issue (capability × "
        "salience); larger markers care more. Dotted: the status quo; dashed: forecasts.",
        "note",
    )
    doc.chart(charts.actor_map(scenario, list(results.forecasts)))
    _agreement_section(doc, scenario, results, opts.parties)
    analysis_model = opts.analysis_model or _analysis_model(results)
    if opts.draws > 0:
        # the point forecast the histograms mark: that model's forecast above, if run
        point = next((f.outcome for f in results.forecasts if f.model == analysis_model), None)
        _ensemble_section(doc, scenario, analysis_model, seed, opts.draws, targets, point)
    if opts.sensitivity:
        _sensitivity_section(doc, scenario, analysis_model, seed)
    if opts.what_it_takes and targets:
        _what_it_takes_section(doc, scenario, targets, seed)
    _scenario_section(doc, scenario)

    title = scenario.name or scenario.id
    meta = (
        f"Scenario <code>{_e(scenario.id)}</code> (input hash {_e(scenario.input_hash())}) · "
        f"models: {_e(', '.join(results.models) or 'none')} · seed {seed} · "
        f"detente {_e(__version__)}"
    )
    toc = "".join(f'<li><a href="#{a}">{_e(t)}</a></li>' for a, t in doc.toc)
    description = f"<p>{_e(scenario.description)}</p>" if scenario.description else ""
    principals = scenario.principal_ids
    who = (
        f"<p>Principals: <b>{_e(scenario.actor(principals[0]).label)}</b> and "
        f"<b>{_e(scenario.actor(principals[1]).label)}</b>.</p>"
        if len(principals) >= 2
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>detente report: {_e(title)}</title>\n<style>{_CSS}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        "</head>\n<body>\n"
        f'<h1>{_e(title)}</h1>\n<p class="meta">{meta}</p>\n{description}{who}'
        f"<nav><ul>{toc}</ul></nav>\n" + "\n".join(doc.parts) + "\n</body>\n</html>\n"
    )


def _analysis_model(results: Comparison) -> str:
    """The model the ensemble, sensitivity and what-it-takes sections use: compromise when
    it ran (closed form, fast, exact for what-it-takes), else the first model that ran."""
    if "compromise" in results.models or not results.models:
        return "compromise"
    return results.models[0]


# ------------------------------------------------------------------------- sections
def _outcome_section(doc: _Doc, scenario: Scenario, results: Comparison) -> None:
    doc.section("outcome", "Forecast outcome per issue")
    for model, msg in results.errors.items():
        doc.p(f"{model} did not run: {msg}", "error")
    fc = list(results.forecasts)
    if not fc:
        doc.p("No model produced a forecast.", "error")
        return
    doc.p("The status quo is each issue's reference point.", "note")
    doc.table(outcome_table(scenario, fc))
    doc.chart(charts.outcome_chart(scenario, fc))
    if len(scenario.principal_ids) >= 2:
        doc.h3("Gain (+) or loss (−) of the principals against the status quo")
        doc.p("Salience-weighted scale points; the last row is the total over issues.", "note")
        for name, table in gains_by_principal(scenario, fc).items():  # one narrow table each
            doc.p(name)
            doc.table(table)
    lines = [(f.model, line) for f in fc for line in f.notes]
    if lines:
        doc.raw("<ul>" + "".join(f"<li><b>{_e(m)}</b>: {_e(t)}</li>" for m, t in lines) + "</ul>")


def _trajectories_section(doc: _Doc, scenario: Scenario, results: Comparison) -> None:
    doc.section("trajectories", "Trajectories, round by round")
    closed = [f.model for f in results.forecasts if f.n_rounds == 0]
    if closed:
        doc.p(
            f"Closed-form models (no rounds; their positions are the inputs): {', '.join(closed)}.",
            "note",
        )
    for f in results.forecasts:
        if f.n_rounds > 0:
            doc.chart(charts.trajectories_chart(scenario, f))


def _agreement_section(
    doc: _Doc, scenario: Scenario, results: Comparison, parties: tuple[str, str] | None
) -> None:
    from detente.bargaining import agreement

    doc.section("agreement", "Agreement: Pareto set, Nash and Kalai-Smorodinsky solutions")
    try:
        ag = agreement(scenario, parties)
    except InputError as exc:
        doc.p(f"Not computed: {exc.message}", "note")
        return
    la, lb = (scenario.actor(p).label for p in ag.parties)
    if ag.reset_possible:
        doc.p(f"A package exists that both {la} and {lb} prefer to the status quo.", "ok")
    else:
        doc.p(f"No package leaves both {la} and {lb} better off than the status quo.")
    doc.chart(charts.pareto_chart(ag, scenario, list(results.forecasts)))
    table = ag.to_frame().set_index("issue")
    doc.table(table, index=True)
    if ag.trades:
        doc.h3(f"Trades both gain from ({la} concedes one issue, {lb} another)")
        trades = ag.trades_frame().head(10)
        trades.columns = [f"{la} concedes", f"{lb} concedes", f"gain of {la}", f"gain of {lb}"]
        doc.table(trades)


def _ensemble_section(
    doc: _Doc,
    scenario: Scenario,
    model: str,
    seed: int,
    draws: int,
    targets: tuple[str, ...],
    point: np.ndarray | None = None,
) -> None:
    if not extras.has("ensemble"):
        return
    doc.section("ensemble", "Ensemble: how sure is the forecast?")
    try:
        res = extras.run_ensemble(scenario, model, draws=draws, seed=seed, targets=list(targets))
    except InputError as exc:
        doc.p(f"Not computed: {exc.message}", "note")
        return
    doc.p(
        f"{res.draws} draws of the uncertain inputs (ranges in the scenario, else the default "
        f"spread), forecast with {res.model}.",
        "note",
    )
    bounds, probs = extras.ensemble_bounds(res)
    if probs:
        doc.table(
            pd.DataFrame(
                {"target": list(probs), "probability": [f"{p:.1%}" for p in probs.values()]}
            )
        )
    doc.chart(
        charts.ensemble_chart(scenario, res.outcomes, model=res.model, bounds=bounds, point=point)
    )
    doc.h3("Quantiles of the outcome per issue (percent)")
    doc.table(res.quantiles(), index=True)


def _sensitivity_section(doc: _Doc, scenario: Scenario, model: str, seed: int) -> None:
    if not extras.has("sensitivity"):
        return
    doc.section("sensitivity", "Sensitivity: what drives each outcome?")
    try:
        res = extras.run_sensitivity(scenario, model, seed=seed)
    except InputError as exc:
        doc.p(f"Not computed: {exc.message}", "note")
        return
    doc.p(
        f"{res.model}: each input is set to the low and then the high end of its range, "
        "all others at their scenario values; the bars are the change of the outcome.",
        "note",
    )
    for iss in scenario.issues:
        effects = extras.sensitivity_effects(res, iss.id)
        doc.chart(
            charts.tornado_chart(
                effects,
                title=f"What moves the outcome on {iss.label}",
                xlabel="change of the outcome (scale points)",
                top=8,
                scenario=scenario,
            )
        )


def _what_it_takes_section(
    doc: _Doc, scenario: Scenario, targets: tuple[str, ...], seed: int
) -> None:
    if not extras.has("what_it_takes"):
        return
    doc.section("what-it-takes", "What would it take?")
    model = "compromise"
    try:
        res = extras.run_what_it_takes(scenario, list(targets), model=model, seed=seed)
    except InputError as exc:
        doc.p(f"Not computed: {exc.message}", "note")
        return
    tables = res.to_frames()
    doc.p(f"Targets: {', '.join(targets)}; model {res.model}; any position may move.", "note")
    if res.feasible:
        doc.p(
            f"Feasible: total change {res.total_change:.2f} ({res.method}; verified by "
            f"re-running the model: {res.verified}).",
            "ok",
        )
        if res.changes:
            doc.table(tables["changes"], digits=2)
    else:
        doc.p("No change of the movable inputs meets the targets.")
    for why in res.reasons:  # already met, or what holds the outcome
        doc.p(why)
    doc.table(tables["outcomes"])
    if len(tables["persuade"]):
        doc.h3("Who to persuade (each actor's inputs alone)")
        doc.table(tables["persuade"], digits=2)


def _scenario_section(doc: _Doc, scenario: Scenario) -> None:
    doc.section("scenario", "The scenario: every number with its source and rationale")
    src = sources_table(scenario)
    if len(src):
        doc.h3("Sources")
        doc.table(src)
    doc.h3("Actors")
    doc.table(actors_table(scenario), digits=4)
    doc.h3("Issues")
    doc.table(issues_table(scenario))
    doc.h3("Positions and saliences (actor × issue)")
    doc.table(stances_table(scenario), digits=2)
    links = linkages_table(scenario)
    if len(links):
        doc.h3("Linkages")
        doc.table(links)
    var = variants_table(scenario)
    if len(var):
        doc.h3("Policy variants")
        doc.table(var)


def write_report(
    path: str | Path, text: str, *, force: bool = False, inputs: Sequence[str | Path] = ()
) -> Path:
    """Write the report safely: an existing file is refused unless ``force``; an input of
    the run (``inputs``, and every file the readers read), even through a link or under
    another name, and a symbolic link at ``path`` are refused always; the file is written
    atomically (:func:`detente.io.safe_write.write_output`)."""
    from detente.io.safe_write import write_output

    return write_output(path, text, inputs=inputs, overwrite=force, where="-o")
