"""The dashboard's parts: sidebar, one function per tab.

Each function draws with Streamlit and calls the library for every number it shows; user
problems (:class:`~detente.errors.InputError`) are shown with ``st.error``.
"""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from detente.app.state import (
    EXPERT_TYPES,
    MAX_UPLOAD_BYTES,
    UPLOAD_TYPES,
    combine_experts,
    diff_tables,
    disagreement_table,
    forecasts_table,
    grade_table,
    load_upload,
    read_expert_uploads,
    record_results,
    recorded_runs,
    run_forecasts_table,
    run_label,
    runs_table,
    scenario_yaml,
)
from detente.comparison import Comparison, run_models
from detente.errors import InputError
from detente.models import available
from detente.report import charts, extras
from detente.report.tables import (
    gains_by_principal,
    linkages_table,
    outcome_table,
    sources_table,
    stances_table,
    variants_table,
)
from detente.scenario import Scenario

__all__ = [
    "actor_map_tab",
    "agreement_tab",
    "current_results",
    "downloads_tab",
    "ensemble_tab",
    "experts_in_use",
    "experts_tab",
    "header",
    "outcome_tab",
    "run",
    "runs_tab",
    "scenario_tab",
    "sensitivity_tab",
    "sidebar_models",
    "sidebar_scenario",
    "trajectories_tab",
    "what_it_takes_tab",
]

_NO_VARIANT = "(as written)"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: object) -> str:
    """User text (from a scenario file, an error message) made inert for Streamlit's
    markdown: no formatting, links or images are taken from it."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _fmt(df: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """A table for ``st.table``: whole-number columns as integers, other numbers as text
    with ``digits`` decimals and "—" for
    missing; every other cell, the column names and the index escaped (``st.table``
    renders cells as markdown, and names come from the scenario)."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_integer_dtype(out[c]):  # counts
            out[c] = [str(x) for x in out[c]]
        elif pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = [("—" if pd.isna(x) else f"{x:.{digits}f}") for x in out[c]]
        else:
            out[c] = ["" if x is None else md(x) for x in out[c]]
    out.columns = [md(c) for c in out.columns]
    if not isinstance(out.index, pd.RangeIndex):
        out.index = pd.Index([md(i) for i in out.index], name=out.index.name)
    return out


# ------------------------------------------------------------------------- sidebar
def sidebar_scenario() -> tuple[Scenario | None, list[str]]:
    """The scenario chosen in the sidebar (bundled or uploaded, with a variant applied),
    and the readers' notices; None when there is none yet or it cannot be read."""
    from detente import scenarios

    sb = st.sidebar
    sb.header("Scenario")
    source = sb.radio("Scenario from", ["bundled", "upload"], horizontal=True, key="source")
    base: Scenario | None = None
    notices: list[str] = []
    if source == "bundled":
        ids = scenarios.bundled_ids()
        default = ids.index(scenarios.DEFAULT_SCENARIO) if scenarios.DEFAULT_SCENARIO in ids else 0
        sid = sb.selectbox("Bundled scenario", ids, index=default, key="bundled_id")
        try:
            base = scenarios.load_bundled(sid)
        except InputError as exc:
            sb.error(md(exc.message))
            return None, []
    else:
        from detente.io import FORMATS

        fmt = sb.selectbox("Format", ["detect", *FORMATS], key="upload_format")
        up = sb.file_uploader(
            f"Scenario file (up to {MAX_UPLOAD_BYTES // 1_000_000} MB)",
            type=list(UPLOAD_TYPES),
            key="upload",
            help="native YAML, the long CSV/XLSX table, BDM/Scholz CSV, decide, KTAB or DEU files",
        )
        if up is None:
            return None, []
        key = (up.file_id, up.name, up.size, fmt)
        cached = st.session_state.get("upload_cache")
        if cached is None or cached[0] != key:
            try:
                loaded = load_upload(up.name, up.getvalue(), None if fmt == "detect" else fmt)
                cached = (key, loaded, None)
            except InputError as exc:
                cached = (key, None, exc.message)
            st.session_state["upload_cache"] = cached
        _, loaded, error = cached
        if error is not None:
            st.error(f"Cannot read the uploaded file: {md(error)}")
            return None, []
        base, notices = loaded
    assert base is not None
    if base.variants:
        names = {v.id: (v.name or v.id) for v in base.variants}
        choice = sb.selectbox(
            "Policy variant",
            [_NO_VARIANT, *names],
            format_func=lambda v: v if v == _NO_VARIANT else f"{v}: {names[v]}",
            key=f"variant-{base.id}",
        )
        if choice != _NO_VARIANT:
            base = base.variant(choice)
    return base, list(notices)


def sidebar_models(scenario: Scenario | None = None) -> tuple[list[str], int]:
    """The models to run and the seed. Every model is offered; a model that needs data
    most scenarios lack (the ``experts`` model) is offered, and chosen, when ``scenario``
    carries that data (:func:`detente.models.registry.defaults_for`)."""
    from detente.models.registry import defaults_for

    sb = st.sidebar
    sb.header("Models")
    names = available()
    key = "models"
    if scenario is not None:
        extra = [m for m in defaults_for(scenario)[0] if m not in names]
        if extra:  # another list of choices: its own widget, every model chosen
            names = [*names, *extra]
            key = "models-with-" + "-".join(extra)
    models = sb.multiselect("Models", names, default=names, key=key)
    seed = int(sb.number_input("Seed", min_value=0, value=0, step=1, key="seed"))
    return list(models), seed


def header(scenario: Scenario) -> None:
    st.subheader(md(scenario.name or scenario.id))
    if scenario.description:
        st.caption(md(scenario.description))
    p = scenario.principal_ids
    if len(p) >= 2:
        st.markdown(
            f"Principals: **{md(scenario.actor(p[0]).label)}** and "
            f"**{md(scenario.actor(p[1]).label)}**"
            f" · {len(scenario.actors)} actors · {len(scenario.issues)} issues"
        )


# ------------------------------------------------------------------------- scenario
def scenario_tab(
    base: Scenario, stances: pd.DataFrame, actors: pd.DataFrame, issues: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The editable tables, each number beside its source, location and rationale."""
    gen = st.session_state.setdefault("edit_generation", 0)
    suffix = f"{base.input_hash()}-{gen}"
    left, right = st.columns([4, 1])
    left.markdown(
        "**Actor × issue table.** Edit a position or a salience; the source, place and "
        "rationale of every number stand beside it. Then press **Run**."
    )
    if right.button("Undo all edits", key="reset_edits"):
        st.session_state["edit_generation"] = gen + 1
        st.rerun()
    text = st.column_config.TextColumn
    provenance = {
        "source": text("source", width="small"),
        "location": text("location", width="small"),
        "rationale": text("rationale", width="large"),
    }
    edited_stances = st.data_editor(
        stances,
        key=f"stances-{suffix}",
        hide_index=True,
        disabled=["actor", "issue", "capability", "source", "location", "rationale"],
        column_config={
            "position": st.column_config.NumberColumn("position", format="%.1f"),
            "salience": st.column_config.NumberColumn(
                "salience", min_value=0.0, max_value=1.0, step=0.01, format="%.2f"
            ),
            "capability": st.column_config.NumberColumn("capability", format="%.4g"),
            **provenance,
        },
    )
    st.markdown("**Actors.** Capability (any unit; only ratios matter).")
    edited_actors = st.data_editor(
        actors,
        key=f"actors-{suffix}",
        hide_index=True,
        disabled=["actor", "name", "source", "location", "rationale"],
        column_config={
            "capability": st.column_config.NumberColumn("capability", min_value=0.0, format="%.4g"),
            **provenance,
        },
    )
    st.markdown("**Issues.** Scale, what each end means, and the status quo (reference point).")
    edited_issues = st.data_editor(
        issues,
        key=f"issues-{suffix}",
        hide_index=True,
        disabled=[c for c in issues.columns if c != "reference"],
        column_config={
            "reference": st.column_config.NumberColumn("reference", format="%.1f"),
            **provenance,
        },
    )
    src = sources_table(base)
    if len(src):
        st.markdown("**Sources**")
        st.dataframe(src, hide_index=True)
    links = linkages_table(base)
    if len(links):
        st.markdown("**Linkages** (rules between issues, applied in every model's rounds)")
        st.dataframe(links, hide_index=True)
    var = variants_table(base)
    if len(var):
        st.markdown("**Policy variants** (choose one in the sidebar)")
        st.dataframe(var, hide_index=True)
    return (
        edited_stances[["actor", "issue", "position", "salience"]],
        edited_actors[["actor", "capability"]],
        edited_issues[["issue", "reference"]],
    )


# ------------------------------------------------------------------------- run
def run(scenario: Scenario, models: list[str], seed: int) -> None:
    """Forecast with the chosen models and keep the results for the other tabs."""
    if not models:
        st.sidebar.error("Choose at least one model.")
        return
    started = time.time()
    with st.spinner("Forecasting…"):
        try:
            results = run_models(scenario, models, seed=seed)
        except InputError as exc:
            st.error(md(exc.message))
            return
    st.session_state["results"] = results
    # kept in the run store as `detente run` keeps its runs (None: not recorded)
    st.session_state["run_id"] = (scenario.input_hash(), record_results(results, started))


def current_results(scenario: Scenario) -> Comparison | None:
    """The last run's results, if they belong to this scenario's actors and issues (with a
    note when the inputs changed since)."""
    res: Comparison | None = st.session_state.get("results")
    if res is None:
        return None
    same_shape = (
        res.scenario.actor_ids == scenario.actor_ids
        and res.scenario.issue_ids == scenario.issue_ids
        and res.scenario.id == scenario.id
    )
    if not same_shape:
        return None
    if res.scenario.input_hash() != scenario.input_hash():
        st.warning("The inputs changed since the last run: press **Run** to update the results.")
    return res


def _need_run() -> None:
    st.info("Press **Run** in the sidebar to forecast the scenario with the chosen models.")


# ------------------------------------------------------------------------- outcome
def outcome_tab(scenario: Scenario, results: Comparison | None) -> None:
    if results is None:
        _need_run()
        return
    for model, msg in results.errors.items():
        st.error(f"{md(model)}: {md(msg)}")
    if not results.forecasts:
        return
    sc = results.scenario
    fc = list(results.forecasts)
    st.markdown("**Forecast outcome per issue** (status quo = the issue's reference point)")
    with st.container(key="outcome-table"):
        st.table(_fmt(outcome_table(sc, fc)).set_index("issue"))
    with st.container(key="outcome-chart"):
        st.plotly_chart(charts.outcome_chart(sc, fc), key="chart-outcome")
    if len(sc.principal_ids) >= 2:
        # one table per principal (issues down, models across): fits the page's width
        for k, (name, table) in enumerate(gains_by_principal(sc, fc).items()):
            st.markdown(
                f"**Gain (+) or loss (−) of {md(name)} against the status quo** "
                "(salience-weighted scale points)"
            )
            with st.container(key=f"gains-table-{k}"):
                st.table(_fmt(table).set_index("issue"))
    lines = [(f.model, line) for f in fc for line in f.notes]
    if lines:
        st.markdown("\n".join(f"- **{md(m)}**: {md(line)}" for m, line in lines))
    recorded = st.session_state.get("run_id")
    if recorded is not None and recorded[0] == sc.input_hash():
        st.caption(
            f"Recorded as run {recorded[1]} (see the **Runs** tab)."
            if recorded[1] is not None
            else "This run could not be recorded in the run store."
        )


# ------------------------------------------------------------------------- trajectories
def trajectories_tab(scenario: Scenario, results: Comparison | None) -> None:
    if results is None or not results.forecasts:
        _need_run()
        return
    names = results.models
    # open on a model that bargains in rounds (a closed form has one step to show)
    rounds = [k for k, f in enumerate(results.forecasts) if f.n_rounds > 0]
    model = st.selectbox("Model", names, index=rounds[0] if rounds else 0, key="traj_model")
    f = results.forecasts[names.index(model)]
    with st.container(key="trajectories-chart"):
        st.plotly_chart(charts.trajectories_chart(results.scenario, f), key=f"chart-traj-{model}")
    if f.events:
        with st.expander(f"What happened, round by round ({len(f.events)} events)"):
            st.markdown("\n".join(f"- round {e.round}: {md(e.text)}" for e in f.events[:500]))


# ------------------------------------------------------------------------- actor map
def actor_map_tab(scenario: Scenario, results: Comparison | None) -> None:
    sc = results.scenario if results is not None else scenario
    fc = list(results.forecasts) if results is not None else []
    labels = {i.id: i.label for i in sc.issues}
    chosen = st.multiselect(
        "Issues", list(labels), default=list(labels), format_func=labels.get, key="map_issues"
    )
    if not chosen:
        st.info("Choose at least one issue.")
        return
    with st.container(key="actor-map-chart"):
        st.plotly_chart(charts.actor_map(sc, fc, chosen), key="chart-actor-map")


# ------------------------------------------------------------------------- agreement
def agreement_tab(scenario: Scenario, results: Comparison | None) -> None:
    from detente.bargaining import agreement

    ids = list(scenario.actor_ids)
    if len(ids) < 2:
        st.info("The agreement analysis needs two actors.")
        return
    labels = {a.id: a.label for a in scenario.actors}
    p = scenario.principal_ids
    c1, c2 = st.columns(2)
    a = c1.selectbox("First party", ids, index=ids.index(p[0]), format_func=labels.get, key="pa")
    rest = [x for x in ids if x != a]
    b_default = p[1] if len(p) > 1 and p[1] in rest else rest[0]
    b = c2.selectbox(
        "Second party", rest, index=rest.index(b_default), format_func=labels.get, key="pb"
    )
    cache_key = (scenario.input_hash(), a, b)
    cached = st.session_state.get("agreement_cache")
    if cached is None or cached[0] != cache_key:
        try:
            cached = (cache_key, agreement(scenario, (a, b)), None)
        except InputError as exc:
            cached = (cache_key, None, exc.message)
        st.session_state["agreement_cache"] = cached
    _, ag, error = cached
    if error is not None:
        st.info(md(error))
        return
    fresh = results is not None and results.scenario.input_hash() == scenario.input_hash()
    fc = list(results.forecasts) if fresh and results is not None else []
    verdict = (
        "**A real reset exists**: packages both prefer to the status quo."
        if ag.reset_possible
        else "**No package** leaves both better off than the status quo."
    )
    st.markdown(verdict)
    with st.container(key="pareto-chart"):
        st.plotly_chart(charts.pareto_chart(ag, scenario, fc), key="chart-pareto")
    table = ag.to_frame().set_index("issue")
    st.markdown("**Packages** (outcome per issue)")
    st.table(_fmt(table))
    if ag.trades:
        st.markdown(
            f"**Trades both gain from** ({md(labels[a])} concedes one issue, "
            f"{md(labels[b])} another)"
        )
        trades = ag.trades_frame().head(10)
        trades.columns = [
            f"{labels[a]} concedes",
            f"{labels[b]} concedes",
            f"gain of {labels[a]}",
            f"gain of {labels[b]}",
        ]
        st.table(_fmt(trades))


# ------------------------------------------------------------------------- ensemble
def _targets_text(scenario: Scenario, key: str) -> list[str]:
    from detente.analysis.reset import default_targets

    default = "\n".join(default_targets(scenario))
    text = st.text_area(
        "Targets, one per line (e.g. `sanctions <= 30`, or `reset`)", default, key=key
    )
    return [t.strip() for t in text.splitlines() if t.strip()]


def ensemble_tab(scenario: Scenario, models: list[str], seed: int) -> None:
    if not extras.has("ensemble"):
        st.info(extras.missing("ensemble"))
        return
    names = models or available()
    with st.form("ensemble_form"):
        c1, c2 = st.columns(2)
        model = c1.selectbox("Model", names, key="ens_model")
        draws = int(c2.number_input("Draws", 10, 20_000, 500, step=100, key="ens_draws"))
        spread = st.text_input(
            "Spread of inputs without a range in the scenario",
            "position=10%, salience=0.1, capability=20%",
            key="ens_spread",
        )
        targets = _targets_text(scenario, "ens_targets")
        go = st.form_submit_button("Run ensemble")
    key = "ensemble_result"
    if go:
        bar = st.progress(0.0, text=f"Running {draws} draws with {model}…")
        with st.spinner("Running the ensemble…"):
            try:
                res = extras.run_ensemble(
                    scenario,
                    model,
                    draws=draws,
                    seed=seed,
                    spread=[spread],
                    targets=targets,
                    progress=lambda share: bar.progress(share),
                )
                st.session_state[key] = (scenario.input_hash(), res, None)
            except InputError as exc:
                st.session_state[key] = (scenario.input_hash(), None, exc.message)
        bar.empty()
    stored = st.session_state.get(key)
    if stored is None or stored[0] != scenario.input_hash():
        st.info("Set the ensemble up and press **Run ensemble**.")
        return
    _, res, error = stored
    if error is not None:
        st.error(md(error))
        return
    bounds, probs = extras.ensemble_bounds(res)
    if probs:
        st.table(
            _fmt(
                pd.DataFrame(
                    {"target": list(probs), "probability": [f"{p:.1%}" for p in probs.values()]}
                ).set_index("target")
            )
        )
    with st.container(key="ensemble-chart"):
        st.plotly_chart(
            charts.ensemble_chart(
                scenario,
                res.outcomes,
                model=res.model,
                bounds=bounds,
                point=_point_forecast(scenario, res.model),
            ),
            key="chart-ensemble",
        )
    st.markdown("**Quantiles of the outcome per issue** (percent)")
    st.table(_fmt(res.quantiles()))


# ------------------------------------------------------------------------- sensitivity
def sensitivity_tab(scenario: Scenario, models: list[str], seed: int) -> None:
    if not extras.has("sensitivity"):
        st.info(extras.missing("sensitivity"))
        return
    names = models or available()
    with st.form("sens_form"):
        c1, c2 = st.columns(2)
        model = c1.selectbox("Model", names, key="sens_model")
        spread = c2.text_input(
            "Range of inputs without one in the scenario",
            "position=10%, salience=0.1, capability=20%",
            key="sens_spread",
        )
        go = st.form_submit_button("Run sensitivity analysis")
    key = "sens_result"
    if go:
        bar = st.progress(0.0, text=f"One input at a time, with {model}…")
        with st.spinner("Running the sensitivity analysis…"):
            try:
                res = extras.run_sensitivity(
                    scenario,
                    model,
                    seed=seed,
                    spread=[spread],
                    progress=lambda share: bar.progress(share),
                )
                st.session_state[key] = (scenario.input_hash(), res, None)
            except InputError as exc:
                st.session_state[key] = (scenario.input_hash(), None, exc.message)
        bar.empty()
    stored = st.session_state.get(key)
    if stored is None or stored[0] != scenario.input_hash():
        st.info(
            "Choose a model and press **Run sensitivity analysis**: every input is set to "
            "the low and the high end of its range in turn (a tornado)."
        )
        return
    _, res, error = stored
    if error is not None:
        st.error(md(error))
        return
    labels = {i.id: i.label for i in scenario.issues}
    issue = st.selectbox("Issue", list(labels), format_func=labels.get, key="sens_issue")
    effects = extras.sensitivity_effects(res, issue)
    with st.container(key="tornado-chart"):
        st.plotly_chart(
            charts.tornado_chart(
                effects,
                title=f"{res.model}: what moves the outcome on {labels[issue]}",
                xlabel="change of the outcome (scale points)",
                scenario=scenario,
            ),
            key="chart-tornado",
        )


def _point_forecast(scenario: Scenario, model: str) -> np.ndarray | None:
    """``model``'s outcome in the last run, when that run forecast this scenario as it is
    now (the mark of the point forecast on the ensemble's histograms)."""
    results: Comparison | None = st.session_state.get("results")
    if results is None or results.scenario.input_hash() != scenario.input_hash():
        return None
    if model not in results.models:
        return None
    return results.forecasts[results.models.index(model)].outcome


# ------------------------------------------------------------------------- what it takes
def what_it_takes_tab(scenario: Scenario, models: list[str], seed: int) -> None:
    if not extras.has("what_it_takes"):
        st.info(extras.missing("what_it_takes"))
        return
    names = models or available()
    with st.form("wit_form"):
        c1, c2 = st.columns(2)
        default = names.index("compromise") if "compromise" in names else 0
        model = c1.selectbox("Model", names, index=default, key="wit_model")
        movable = c2.text_input(
            "What may move (ACTOR[.ISSUE][:FIELD], comma-separated; empty: every position)",
            "",
            key="wit_movable",
        )
        targets = _targets_text(scenario, "wit_targets")
        go = st.form_submit_button("Find what it takes")
    key = "wit_result"
    if go:
        with st.spinner("Searching…"):
            try:
                mv = [m.strip() for m in movable.split(",") if m.strip()]
                res = extras.run_what_it_takes(
                    scenario, targets, model=model, movable=mv, seed=seed
                )
                st.session_state[key] = (scenario.input_hash(), res, None)
            except InputError as exc:
                st.session_state[key] = (scenario.input_hash(), None, exc.message)
    stored = st.session_state.get(key)
    if stored is None or stored[0] != scenario.input_hash():
        st.info("Name a target and press **Find what it takes**.")
        return
    _, res, error = stored
    if error is not None:
        st.error(md(error))
        return
    _what_it_takes_result(res)


def _what_it_takes_result(res: Any) -> None:
    tables = res.to_frames()
    if res.feasible:
        st.success(
            f"Feasible with {res.model}: total change {res.total_change:.2f} "
            f"({res.method}; checked by re-running the model: {res.verified})."
        )
        if res.changes:
            st.table(_fmt(tables["changes"], 2))
    else:
        st.warning(f"No change of the movable inputs meets the targets with {res.model}.")
    for why in res.reasons:  # already met, or what holds the outcome
        st.markdown(f"- {md(why)}")
    st.table(_fmt(tables["outcomes"]).set_index("issue"))
    if len(tables["persuade"]):
        st.markdown("**Who to persuade** (each actor's inputs alone)")
        st.table(_fmt(tables["persuade"], 2))


# ------------------------------------------------------------------------- downloads
def downloads_tab(scenario: Scenario, results: Comparison | None) -> None:
    st.download_button(
        "Scenario as edited (YAML)",
        scenario_yaml(scenario),
        file_name=f"{scenario.id.replace('@', '_')}.yaml",
        mime="application/x-yaml",
        key="dl_yaml",
    )
    if results is None:
        _need_run()
        return
    st.download_button(
        "Outcomes (CSV)",
        results.to_csv(),
        file_name=f"{scenario.id.replace('@', '_')}-outcomes.csv",
        mime="text/csv",
        key="dl_csv",
    )
    st.download_button(
        "Trajectories (CSV)",
        results.trajectories_csv(),
        file_name=f"{scenario.id.replace('@', '_')}-trajectories.csv",
        mime="text/csv",
        key="dl_traj",
    )
    st.download_button(
        "Results (JSON)",
        results.to_json(),
        file_name=f"{scenario.id.replace('@', '_')}-results.json",
        mime="application/json",
        key="dl_json",
    )
    st.download_button(
        "Report (HTML)",
        _report_builder(results),  # written when asked for: it runs the analyses again
        file_name=f"{scenario.id.replace('@', '_')}-report.html",
        mime="text/html",
        key="dl_html",
        help="The scenario, these forecasts, the agreement, an ensemble, the sensitivity "
        "and what it takes, in one HTML file that opens offline (as `detente report`).",
    )


def _report_builder(results: Comparison):
    """The HTML report of the run's scenario, models and seed
    (:func:`detente.report.html.build_report`), built when the download is asked for."""

    def build() -> str:
        from detente.report.html import build_report

        return build_report(results.scenario, models=results.models, seed=results.seed or 0)

    return build


# ------------------------------------------------------------------------- experts
_IN_USE = "experts_in_use"


def experts_in_use(loaded: Scenario | None) -> Scenario | None:
    """The scenario to work on: the experts' combined scenario when the analyst chose to
    use it (for the scenario loaded now; choosing another one drops it), else ``loaded``.
    While it is in use the sidebar says so and offers the way back."""
    stored = st.session_state.get(_IN_USE)
    if stored is None or loaded is None:
        return loaded
    if stored[0] != loaded.input_hash():
        del st.session_state[_IN_USE]
        return loaded
    sb = st.sidebar
    sb.info(f"Working on the experts' combined scenario ({md(stored[2])}).")
    if sb.button("Back to the scenario as loaded", key="experts_back"):
        del st.session_state[_IN_USE]
        st.rerun()
    return stored[1]


def experts_tab(loaded: Scenario) -> None:
    """Filled expert questionnaires combined against the scenario loaded in the sidebar
    (:mod:`detente.experts`): the disagreement report, the experts' own forecasts, the
    combined stances, and a button to work on the combined scenario."""
    from detente.experts.combine import METHODS
    from detente.experts.survey import Skeleton, survey_bytes

    st.markdown(
        "**Combine experts.** Each expert fills one questionnaire (the workbook below, or a "
        "long CSV with its columns); upload them together. They are combined against the "
        "scenario chosen in the sidebar: a value no expert gave keeps its number there, "
        "and where experts differ their range becomes the stance's uncertainty."
    )
    c1, c2 = st.columns([3, 1])
    ups = c1.file_uploader(
        f"Filled questionnaires, one per expert (up to {MAX_UPLOAD_BYTES // 1_000_000} MB each)",
        type=list(EXPERT_TYPES),
        accept_multiple_files=True,
        key="expert_uploads",
        help="the experts are named by their file names",
    )
    method = c2.radio("Combine by the", list(METHODS), horizontal=True, key="experts_method")
    c2.download_button(
        "Blank questionnaire (xlsx)",
        survey_bytes(Skeleton.from_scenario(loaded)),
        file_name=f"{loaded.id.replace('@', '_')}-questionnaire.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_questionnaire",
    )
    if not ups:
        st.info("Upload the filled questionnaires of two or more experts.")
        return
    key = (loaded.input_hash(), method, tuple((u.file_id, u.name, u.size) for u in ups))
    cached = st.session_state.get("experts_cache")
    if cached is None or cached[0] != key:
        try:
            files, notes = read_expert_uploads([(u.name, u.getvalue()) for u in ups], loaded)
            combined, more = combine_experts(files, loaded, method)
            cached = (key, combined, notes + more, None)
        except InputError as exc:
            cached = (key, None, [], exc.message)
        st.session_state["experts_cache"] = cached
    _, combined, notes, error = cached
    if error is not None:
        st.error(f"Cannot combine the expert files: {md(error)}")
        return
    for text in notes:
        st.warning(md(text))
    stored = st.session_state.get(_IN_USE)
    in_use = stored is not None and stored[1] == combined.scenario
    left, right = st.columns([3, 1])
    left.markdown(
        f"**{len(combined.experts)} experts** ({md(', '.join(combined.experts))}), "
        f"combined by the {method}."
    )
    if in_use:
        right.success("In use: press **Run**.")
    elif right.button("Use the combined scenario", type="primary", key="experts_use"):
        label = f"{len(combined.experts)} experts, {method}"
        st.session_state[_IN_USE] = (loaded.input_hash(), combined.scenario, label)
        st.rerun()
    st.markdown(
        "**Where the experts disagree most** (the range of their answers as a share of "
        "what it could be; the outlier: the one expert farthest from the median of three "
        "or more)"
    )
    table = disagreement_table(combined, 25)
    if len(table):
        with st.container(key="experts-disagreement"):
            st.table(_fmt(table, 2))
        if len(combined.disagreements) > 25:
            st.caption(f"The first 25 of {len(combined.disagreements)}.")
    else:
        st.info("No value was given by two or more experts: nothing to compare.")
    fc = forecasts_table(combined)
    if len(fc):
        st.markdown("**The experts' own forecasts** of each outcome")
        st.table(_fmt(fc).set_index("issue"))
        st.caption(
            "The `experts` model (run with the combined scenario) reports the mean of these "
            "forecasts per issue, as `detente run` does; the statistic chosen above combines "
            "the stances."
        )
    st.markdown("**The combined scenario** (position, salience and capability per stance)")
    with st.container(key="experts-stances"):
        st.dataframe(stances_table(combined.scenario), hide_index=True)


# ------------------------------------------------------------------------- runs
def runs_tab(scenario: Scenario) -> None:
    """The runs recorded for this scenario id (:mod:`detente.record`): the list, one run's
    forecasts with its seal and grade, and what changed between two runs."""
    from detente.record.store import store_path

    try:
        listing = recorded_runs(scenario.id)
    except InputError as exc:
        st.error(f"Cannot read the run store: {md(exc.message)}")
        return
    if not listing.runs:
        st.info(
            f"No run of {md(scenario.id)} has been recorded yet: press **Run** (every run "
            "is kept, as `detente run` keeps them)."
        )
        return
    shown = listing.runs[-50:]
    st.markdown(
        f"**Recorded runs of {md(scenario.id)}**, newest first "
        f"({len(listing.runs)} in the run store {md(store_path())})"
    )
    with st.container(key="runs-table"):
        st.table(_fmt(runs_table(listing, scenario.input_hash()).head(len(shown))))
    by_label = {run_label(r): r for r in reversed(shown)}
    labels = list(by_label)

    st.markdown("**One run**: each model's forecast per issue")
    chosen = st.selectbox("Run", labels, key=f"runs_show-{len(listing.runs)}")
    r = by_label[chosen]
    st.caption(
        md(
            f"run {r.id} · {r.command} · seed {r.seed} · detente {r.version} · "
            f"{r.elapsed:.1f} s · input hash {r.input_hash}"
        )
    )
    with st.container(key="runs-one"):
        st.table(_fmt(run_forecasts_table(r)))
    seal = listing.seals.get(r.id)
    if seal is None:
        st.caption(md(f"Not sealed. Seal it before the outcome is known: detente seal {r.id[:12]}"))
    else:
        st.markdown(
            f"**Sealed** {md(seal.sealed_at[:19].replace('T', ' '))}"
            + (f" · resolves {md(seal.resolves)}" if seal.resolves else "")
            + (f" · {md(seal.note)}" if seal.note else "")
        )
    grade = listing.grades.get(r.id)
    if grade is not None:
        st.markdown(f"**Grade** ({md(grade.graded_at[:10])}): mean absolute error")
        with st.container(key="runs-grade"):
            st.table(_fmt(grade_table(grade), 2).set_index("forecast"))
    elif seal is not None:
        st.caption(md(f"Not graded yet: detente grade {r.id[:12]} outcomes.csv"))

    if len(labels) < 2:
        return
    st.markdown("**What changed between two runs**")
    c1, c2 = st.columns(2)
    a = c1.selectbox("From run", labels, index=1, key=f"runs_a-{len(listing.runs)}")
    b = c2.selectbox("To run", labels, index=0, key=f"runs_b-{len(listing.runs)}")
    tables = diff_tables(by_label[a], by_label[b])
    with st.container(key="runs-diff"):
        if len(tables["inputs"]):
            st.markdown("Inputs that differ")
            st.table(_fmt(tables["inputs"]))
        else:
            st.markdown("The inputs are the same.")
        if len(tables["settings"]):
            st.markdown("Settings that differ")
            st.table(_fmt(tables["settings"]))
        moves = tables["forecasts"]
        moved = moves[moves["change"].abs() >= 0.05]  # what shows as a change at 1 decimal
        if len(moved):
            st.markdown("How each forecast moved (largest change first)")
            st.table(_fmt(moved.reset_index(drop=True)))
        if len(moves) > len(moved):
            st.caption(
                f"{len(moves) - len(moved)} of {len(moves)} forecasts (model and issue) "
                "moved by less than 0.05."
            )
