"""The dashboard page through Streamlit's AppTest (no browser): fast checks of its logic."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from detente.app import APP_FILE
from detente.app.state import scenario_yaml
from detente.app.views import md
from detente.comparison import run_models
from detente.scenarios import DEFAULT_SCENARIO, load_bundled

FAST = ["compromise", "median"]


def plain(markdown: str) -> str:
    """The text a reader sees of markdown whose special characters were escaped."""
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.fixture
def app_page() -> AppTest:
    at = AppTest.from_file(str(APP_FILE), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _run(at: AppTest, models: list[str]) -> AppTest:
    """Choose the models and press Run (which opens the Outcome tab)."""
    at.multiselect(key="models").set_value(models)
    at.button(key="run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["tab"] == "Outcome"
    return at


def _outcomes(at: AppTest):
    tables = [t.value for t in at.table if "reference" in t.value.columns]
    return tables[0]


def test_opens_on_the_bundled_scenario(app_page):
    assert app_page.selectbox(key="bundled_id").value == DEFAULT_SCENARIO
    sc = load_bundled(DEFAULT_SCENARIO)
    assert app_page.subheader[0].value == md(sc.name)
    # the actor x issue table, the actors, the issues, sources, linkages, variants
    frames = app_page.dataframe
    assert len(app_page.data_editor) == 3
    stances = frames[0].value
    assert len(stances) == len(sc.stances)
    assert {"source", "location", "rationale"} <= set(stances.columns)
    assert stances.rationale.str.len().min() > 0  # every stance of the bundle has one
    assert not app_page.info  # tabs are drawn when opened: only the scenario tab is
    app_page.session_state["tab"] = "Outcome"
    app_page.run()
    assert app_page.info[0].value.startswith("Press **Run**")


def test_run_shows_each_models_outcome(app_page):
    at = _run(app_page, FAST)
    table = _outcomes(at)
    res = run_models(load_bundled(DEFAULT_SCENARIO), FAST, seed=0)
    expected = res.to_frame().set_index("issue")
    assert [plain(i) for i in table.index] == list(expected.index)
    for m in FAST:
        assert list(table[m]) == [f"{x:.1f}" for x in expected[m]]
    assert not at.error


def test_variant_is_another_scenario(app_page):
    at = _run(app_page, FAST)
    before = _outcomes(at)
    sc = load_bundled(DEFAULT_SCENARIO)
    variant = next(v.id for v in sc.variants if v.changes)
    at.selectbox(key=f"variant-{sc.id}").set_value(variant).run()
    # results of the scenario as written are not shown against the variant
    assert not [t for t in at.table if "reference" in t.value.columns]
    assert at.info[0].value.startswith("Press **Run**")
    at.button(key="run").click().run()
    after = _outcomes(at)
    res = run_models(sc.variant(variant), FAST, seed=0).to_frame().set_index("issue")
    assert list(after["compromise"]) == [f"{x:.1f}" for x in res["compromise"]]
    assert list(after["compromise"]) != list(before["compromise"])


def test_upload_of_a_malformed_file_shows_the_error(app_page, shared_data):
    path = shared_data / "reference_cases" / "decide_copenhagen_with_errors.csv"
    app_page.radio(key="source").set_value("upload").run()
    app_page.file_uploader(key="upload").upload(path.name, path.read_bytes(), "text/csv").run()
    assert not app_page.exception
    (err,) = [plain(e.value) for e in app_page.error]
    assert err.startswith("Cannot read the uploaded file: decide_copenhagen_with_errors.csv")
    assert "line 86" in err and "position 160" in err


def test_upload_of_unsafe_yaml_is_refused(app_page):
    app_page.radio(key="source").set_value("upload").run()
    app_page.file_uploader(key="upload").upload(
        "evil.yaml", b"!!python/object/apply:os.system ['echo owned']\n", "application/x-yaml"
    ).run()
    assert not app_page.exception
    (err,) = [plain(e.value) for e in app_page.error]
    assert "evil.yaml, line 1" in err and "safe" in err


def test_uploaded_scenario_runs(app_page, tiny):
    app_page.radio(key="source").set_value("upload").run()
    app_page.file_uploader(key="upload").upload(
        "tiny.yaml", scenario_yaml(tiny).encode(), "application/x-yaml"
    ).run()
    at = _run(app_page, ["compromise"])
    table = _outcomes(at)
    # hand check (tiny fixture): x = (2*1*10 + 1*.5*70 + 1*.5*100) / 3 = 35
    assert table.loc["x", "compromise"] == "35.0"
    assert table.loc["y", "reference"] == "—"


def test_downloads_offer_yaml_csv_and_json(app_page):
    at = _run(app_page, FAST)
    at.session_state["tab"] = "Downloads"
    at.run()
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "Scenario as edited (YAML)",
        "Outcomes (CSV)",
        "Trajectories (CSV)",
        "Results (JSON)",
        "Report (HTML)",
    ]


def test_the_html_report_download_is_the_librarys_report():
    from detente.app.views import _report_builder

    res = run_models(load_bundled(DEFAULT_SCENARIO), FAST, seed=3)
    html = _report_builder(res)()
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html
    assert load_bundled(DEFAULT_SCENARIO).name in html and "seed 3" in html


def test_trajectories_open_on_a_model_with_rounds(app_page):
    at = _run(app_page, ["compromise", "expected_utility"])
    at.session_state["tab"] = "Trajectories"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="traj_model").value == "expected_utility"


def test_gains_one_table_per_principal(app_page):
    at = _run(app_page, FAST)
    gains = [t.value for t in at.table if list(t.value.columns) == FAST]
    assert len(gains) == 2  # the United States, Russia
    heads = [m.value for m in at.markdown if "Gain (+) or loss" in m.value]
    assert "United States" in heads[0] and "Russia" in heads[1]


@pytest.mark.parametrize(
    ("tab", "submit"),
    [
        ("Trajectories", None),
        ("Actor map", None),
        ("Agreement", None),
        ("Ensemble", "Run ensemble"),
        ("Sensitivity", "Run sensitivity analysis"),
        ("What it takes", "Find what it takes"),
    ],
)
def test_each_view_draws(app_page, tab, submit):
    at = _run(app_page, FAST)
    at.session_state["tab"] = tab
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if submit is not None:
        buttons = [b for b in at.get("form_submit_button") if b.label == submit]
        if not buttons:  # that part of detente is not installed: the view says so
            assert "appears when" in at.info[0].value
            return
        buttons[0].click().run()
        assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    if tab == "What it takes":
        assert at.success[0].value.startswith("Feasible with compromise")
    else:
        assert at.get("plotly_chart"), f"no chart on the {tab} tab"


def test_runs_tab_lists_the_recorded_run(app_page):
    at = app_page
    at.session_state["tab"] = "Runs"
    at.run()
    assert at.info[0].value.startswith("No run of us\\-russia\\-reset has been recorded yet")
    at = _run(at, FAST)
    assert "Recorded as run" in at.caption[-1].value
    at.session_state["tab"] = "Runs"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    listed = at.table[0].value
    assert len(listed) == 1 and plain(listed["models"].iloc[0]) == "compromise, median"
    forecasts = at.table[1].value
    assert list(forecasts.columns) == ["reference", *FAST]
    assert not at.error

    # sealed and graded (as detente seal and detente grade do): the grade is shown
    from detente.record.grade import Observed, grade_run
    from detente.record.seal import seal_run
    from detente.record.store import RunStore

    with RunStore.open() as store:
        seal = seal_run(store, "last", resolves="2099-01-01")
        score = grade_run(store.get("last"), {"minsk": Observed(50.0)}, sealed_at=seal.sealed_at)
        store.add_grade(seal.run_id, score, "outcomes.csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value.startswith("**Sealed**") for m in at.markdown)
    grade = at.table[2].value
    assert [plain(i) for i in grade.index] == [*FAST, "status quo"]
    assert grade.loc["status quo", "MAE"] == "30.00"  # the reference of minsk is 20


def test_experts_tab_asks_for_files(app_page):
    at = app_page
    at.session_state["tab"] = "Experts"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.info[0].value.startswith("Upload the filled questionnaires")
    assert not at.error


def test_user_text_is_shown_as_text(app_page, tiny):
    """A scenario's words cannot smuggle markdown (links, images, formatting) into the page."""
    pixel = "![pixel](http://example.org/p.png)"
    issues = (tiny.issues[0].model_copy(update={"name": pixel}), tiny.issues[1])
    hostile = tiny.replace(name=f"**bold** {pixel} $x$", issues=issues)
    app_page.radio(key="source").set_value("upload").run()
    app_page.file_uploader(key="upload").upload(
        "hostile.yaml", scenario_yaml(hostile).encode(), "application/x-yaml"
    ).run()
    shown = app_page.subheader[0].value
    assert shown == md(hostile.name)
    assert "![" not in shown and "**" not in shown and "$x$" not in shown
    # table cells are markdown in st.table: the issue's name is escaped there too
    table = _outcomes(_run(app_page, ["compromise"]))
    assert table.loc["x", "name"] == md(pixel)


def test_ensemble_histograms_mark_the_runs_point_forecast(app_page):
    at = _run(app_page, FAST)
    at.session_state["tab"] = "Ensemble"
    at.run()
    buttons = [b for b in at.get("form_submit_button") if b.label == "Run ensemble"]
    if not buttons:
        pytest.skip("the ensemble is not installed")
    at.number_input(key="ens_draws").set_value(50)
    buttons[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = at.get("plotly_chart")
    assert "black: point forecast" in chart.proto.spec


def test_what_it_takes_says_why_it_cannot(app_page):
    at = _run(app_page, FAST)
    at.session_state["tab"] = "What it takes"
    at.run()
    at.text_area(key="wit_targets").set_value("sanctions <= 30")
    at.text_input(key="wit_movable").set_value("russia:position")
    (button,) = [b for b in at.get("form_submit_button") if b.label == "Find what it takes"]
    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.warning[0].value.startswith("No change of the movable inputs")
    why = " ".join(plain(m.value) for m in at.markdown)
    assert "russia's sanctions position is already 0" in why
    assert "frozen at its status quo 60 while minsk < 90" in why
