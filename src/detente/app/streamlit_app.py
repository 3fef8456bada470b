"""detente's dashboard (Streamlit): ``detente app``.

Choose a bundled scenario or upload one, edit the actor x issue table, choose models, run,
and look: the outcome per issue against the status quo, round-by-round trajectories, the
actor map, the Pareto set with the Nash and Kalai-Smorodinsky solutions for two actors,
and, when those parts of detente are installed, ensembles, sensitivity and what-it-takes.
Every number of the scenario is shown beside its source and rationale.

The page computes nothing itself (DESIGN.md §2): it calls :mod:`detente.app.state`,
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

base, notices = views.sidebar_scenario()
models, seed = views.sidebar_models()
run_clicked = st.sidebar.button("Run", type="primary", key="run", width="stretch")

if base is None:
    st.info("Choose a bundled scenario, or upload a scenario file, in the sidebar.")
    st.stop()

for text in notices:
    st.warning(text)
views.header(base)

tabs = st.tabs(
    [
        "Scenario",
        "Outcome",
        "Trajectories",
        "Actor map",
        "Agreement",
        "Ensemble",
        "Sensitivity",
        "What it takes",
        "Downloads",
    ]
)

with tabs[0]:
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

with tabs[1]:
    views.outcome_tab(scenario, results)
with tabs[2]:
    views.trajectories_tab(scenario, results)
with tabs[3]:
    views.actor_map_tab(scenario, results)
with tabs[4]:
    views.agreement_tab(scenario, results)
with tabs[5]:
    views.ensemble_tab(scenario, models, seed)
with tabs[6]:
    views.sensitivity_tab(scenario, models, seed)
with tabs[7]:
    views.what_it_takes_tab(scenario, models, seed)
with tabs[8]:
    views.downloads_tab(scenario, results)
