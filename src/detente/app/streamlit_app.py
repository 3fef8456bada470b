"""detente's dashboard (Streamlit): ``detente app``.

Choose a bundled scenario or upload one, edit the actor x issue table, choose models, run,
and look: the outcome per issue against the status quo, round-by-round trajectories, the
actor map, the Pareto set with the Nash and Kalai-Smorodinsky solutions for two actors,
and, when those parts of detente are installed, ensembles, sensitivity and what-it-takes.
Every number of the scenario is shown beside its source and rationale. Filled expert
questionnaires can be combined into the scenario to run (Experts), and every run is kept
in the run store, listed and compared in the Runs tab.

The page computes nothing itself (docs/design.md): it calls :mod:`detente.app.state`,
:mod:`detente.report` and the library. Problems with the analyst's input are shown with
``st.error`` as one clear message, never a traceback.
"""

from __future__ import annotations

import streamlit as st

from detente.app import views
from detente.app.state import apply_edits
from detente.errors import InputError
from detente.report.tables import actors_table, issues_table, stances_table

st.set_page_config(page_title="detente", page_icon="🕊", layout="wide")
st.title("detente: what would it take to reach agreement?")

loaded, notices = views.sidebar_scenario()
base = views.experts_in_use(loaded)  # the experts' combined scenario, when chosen
models, seed = views.sidebar_models(base)
run_clicked = st.sidebar.button("Run", type="primary", key="run", width="stretch")

if base is None or loaded is None:
    st.info("Choose a bundled scenario, or upload a scenario file, in the sidebar.")
    st.stop()

for text in notices:
    st.warning(text)
views.header(base)

TABS = (
    "Scenario",
    "Outcome",
    "Trajectories",
    "Actor map",
    "Agreement",
    "Ensemble",
    "Sensitivity",
    "What it takes",
    "Experts",
    "Runs",
    "Downloads",
)
if run_clicked:
    st.session_state["tab"] = "Outcome"  # show what the run gives
# lazy tabs: a rerun draws the scenario tables (their edits must persist) and the open tab
tabs = dict(zip(TABS, st.tabs(TABS, key="tab", on_change="rerun"), strict=True))

with tabs["Scenario"]:
    edited_tables = views.scenario_tab(
        base, stances_table(base), actors_table(base), issues_table(base)
    )

try:
    scenario = apply_edits(base, *edited_tables)
    edit_error = None
except InputError as exc:
    scenario = None
    edit_error = exc.message

if edit_error is not None:
    st.error(f"The edited table cannot be used: {edit_error}")
    st.stop()
assert scenario is not None

if run_clicked:
    views.run(scenario, models, seed)

results = views.current_results(scenario)

VIEWS = {
    "Outcome": lambda: views.outcome_tab(scenario, results),
    "Trajectories": lambda: views.trajectories_tab(scenario, results),
    "Actor map": lambda: views.actor_map_tab(scenario, results),
    "Agreement": lambda: views.agreement_tab(scenario, results),
    "Ensemble": lambda: views.ensemble_tab(scenario, models, seed),
    "Sensitivity": lambda: views.sensitivity_tab(scenario, models, seed),
    "What it takes": lambda: views.what_it_takes_tab(scenario, models, seed),
    "Experts": lambda: views.experts_tab(loaded),
    "Runs": lambda: views.runs_tab(scenario),
    "Downloads": lambda: views.downloads_tab(scenario, results),
}
for name, draw in VIEWS.items():
    if tabs[name].open:
        with tabs[name]:
            draw()
