"""End to end in a real headless Chromium: ``detente app`` serves the bundled scenario; the
analyst edits a position, runs, sees the outcome change and the charts; a malformed upload
gets a clear message. Screenshots of the main views go to docs/screenshots/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytest.importorskip("pytest_playwright", reason="pytest-playwright is not installed")

from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

#: where the end-to-end run leaves its screenshots (DETENTE_SCREENSHOTS overrides)
SCREENSHOTS = Path(
    os.environ.get(
        "DETENTE_SCREENSHOTS", Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    )
)

TIMEOUT = 60_000  # ms, for a run of every model on a shared 2-core machine


def _idle(page: Page) -> None:
    """Wait until the page's script run has finished (Streamlit marks its state on the
    app's root element)."""
    page.wait_for_timeout(150)  # a click's rerun may not have started yet
    expect(page.locator("[data-test-script-state]").first).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=TIMEOUT
    )


def _open(page: Page, url: str) -> None:
    page.set_default_timeout(TIMEOUT)  # every wait, not only the explicit ones: a loaded CI
    page.goto(url)
    expect(page.get_by_role("tab", name="Scenario")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=TIMEOUT)
    _idle(page)


def _tab(page: Page, name: str) -> Locator:
    """Open a tab (its content is drawn on opening) and wait for it."""
    tab = page.get_by_role("tab", name=name, exact=True)
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    expect(tab).to_have_attribute("aria-selected", "true", timeout=TIMEOUT)
    _idle(page)
    return page.get_by_role("tabpanel", name=name)


def _run(page: Page) -> None:
    """Press Run; the page then opens the Outcome tab by itself (clicking a tab while the
    run is under way would start a new script run and cancel this one)."""
    page.get_by_role("button", name="Run", exact=True).click()
    outcome = page.get_by_role("tab", name="Outcome", exact=True)
    expect(outcome).to_have_attribute("aria-selected", "true", timeout=TIMEOUT)
    _idle(page)


def _shot(target: Page | Locator, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _chart(panel: Locator, key: str) -> Locator:
    """A plotly chart in its keyed container, once drawn."""
    svg = panel.locator(f".st-key-{key} .js-plotly-plot .main-svg").first
    expect(svg).to_be_visible(timeout=TIMEOUT)
    # drawn, not just laid out: the chart's data traces are in the SVG
    assert panel.locator(f".st-key-{key} .js-plotly-plot .main-svg .trace").count() > 0
    return svg


def _outcome_text(page: Page) -> str:
    table = _tab(page, "Outcome").locator(".st-key-outcome-table [data-testid=stTable]")
    expect(table).to_be_visible(timeout=TIMEOUT)
    _idle(page)
    return table.inner_text()


def _edit_first_position(page: Page, value: str, row: int = 0) -> str:
    """Type ``value`` into the position cell of the first row (or of row ``row``, from 0)
    of the actor x issue table (a canvas grid of 35-pixel rows: select the row's first cell,
    move to the column, edit); the old text."""
    panel = _tab(page, "Scenario")
    grid = panel.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible(timeout=TIMEOUT)
    grid.scroll_into_view_if_needed()
    editor = page.locator("textarea.gdg-input, input.gdg-input").first
    for _ in range(5):  # the grid takes a moment to take clicks after its tab is shown
        page.wait_for_timeout(300)
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 40, box["y"] + 35 * (row + 1) + 17)  # below the header
        for _ in range(2):  # actor, issue -> position
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            expect(editor).to_be_visible(timeout=2_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
    expect(editor).to_be_visible(timeout=1_000)
    old = editor.input_value()
    editor.fill(value)
    page.keyboard.press("Enter")
    _idle(page)
    return old


def test_edit_run_and_see_the_outcome_change(page: Page, dashboard: str) -> None:
    _open(page, dashboard)
    expect(page.get_by_text("The U.S.-Russia reset").first).to_be_visible()
    # sources and rationales beside the numbers
    expect(page.get_by_text("Principals: United States and Russia")).to_be_visible()
    _shot(page, "scenario")

    # choose models: drop the slowest (the spatial model's bargaining rounds) from the run
    remove = page.get_by_role("button", name="Remove spatial", exact=True)
    if remove.count():
        remove.click()
        _idle(page)
        expect(remove).to_have_count(0)

    _run(page)
    before = _outcome_text(page)
    assert "election_interference" in before and "compromise" in before
    assert "spatial" not in before

    # election interference is Russia's own decision in the bundle (a unilateral rule): edit
    # a stance whose issue the weighted positions decide
    old = _edit_first_position(page, "100", row=2)
    assert float(old) == 10.0  # the United States on Eastern Europe, in the bundle
    expect(page.get_by_text("The inputs changed since the last run")).to_be_visible(timeout=TIMEOUT)
    _run(page)
    expect(page.get_by_text("The inputs changed since the last run")).to_have_count(
        0, timeout=TIMEOUT
    )
    after = _outcome_text(page)
    assert after != before

    # the edited issue's row: the reference stays, the compromise (weighted mean) rises
    # as the United States moves from 10 to 100 on it
    def first_row(text: str) -> list[float]:
        row = text.split("eastern_europe_sphere", 1)[1].split("sanctions", 1)[0]
        return [float(t) for t in row.split() if re.fullmatch(r"-?\d+\.\d", t)]

    ref_b, comp_b, *_ = first_row(before)
    ref_a, comp_a, *_ = first_row(after)
    assert ref_a == ref_b
    assert comp_a > comp_b

    panel = _tab(page, "Outcome")
    _chart(panel, "outcome-chart")
    _shot(page, "outcome")
    # the tables fit the page: nothing to scroll sideways (one gains table per principal)
    tables = panel.locator(
        ".st-key-outcome-table [data-testid=stTable], "
        "[class*=st-key-gains-table-] [data-testid=stTable]"
    )
    assert tables.count() == 3  # the outcome, the United States' gains, Russia's gains
    for k in range(tables.count()):
        widths = tables.nth(k).evaluate(
            "el => [el, ...el.querySelectorAll('*')].map(e => e.scrollWidth - e.clientWidth)"
        )
        assert max(widths) <= 1, f"table {k} scrolls sideways by {max(widths)} px"

    panel = _tab(page, "Trajectories")
    models = [m for m in ("expected_utility", "exchange", "spatial") if m in after]
    if models:  # opens on the first model with rounds, not a one-step closed form
        expect(panel.locator(".st-key-trajectories-chart")).to_contain_text(
            f"{models[0]}: positions round by round", timeout=TIMEOUT
        )
    _chart(panel, "trajectories-chart")
    _shot(page, "trajectories")

    panel = _tab(page, "Actor map")
    _chart(panel, "actor-map-chart")
    _shot(page, "actor_map")

    panel = _tab(page, "Agreement")
    _chart(panel, "pareto-chart")
    expect(panel.get_by_text("Kalai-Smorodinsky solution").first).to_be_visible()
    _shot(page, "agreement")

    for tab, button, key, shot in (
        ("Ensemble", "Run ensemble", "ensemble-chart", "ensemble"),
        ("Sensitivity", "Run sensitivity analysis", "tornado-chart", "sensitivity"),
    ):
        panel = _tab(page, tab)
        run = panel.get_by_role("button", name=button)
        if run.count():  # the part of detente behind the view is installed
            run.click()
            _idle(page)
            _chart(panel, key)
            _shot(page, shot)

    panel = _tab(page, "What it takes")
    run = panel.get_by_role("button", name="Find what it takes")
    if run.count():
        run.click()
        _idle(page)
        expect(panel.get_by_test_id("stTable").first).to_be_visible(timeout=TIMEOUT)
        _shot(page, "what_it_takes")

    panel = _tab(page, "Downloads")
    expect(panel.get_by_role("button", name="Report (HTML)")).to_be_visible(timeout=TIMEOUT)

    assert page.get_by_test_id("stException").count() == 0


def test_malformed_upload_shows_the_error(page: Page, dashboard: str, shared_data) -> None:
    path = shared_data / "reference_cases" / "decide_copenhagen_with_errors.csv"
    _open(page, dashboard)
    page.get_by_text("upload", exact=True).click()
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(path))
    alert = page.get_by_test_id("stAlert").filter(has_text="Cannot read the uploaded file")
    expect(alert).to_be_visible(timeout=TIMEOUT)
    text = alert.inner_text()
    assert "decide_copenhagen_with_errors.csv, line 86" in text
    assert re.search(r"position 160 lies outside the issue's scale", text)
    assert "Traceback" not in page.content()
    assert page.get_by_test_id("stException").count() == 0
    _shot(page, "upload_error")


# ------------------------------------------------------------------------- experts, runs
def _keep_models(page: Page, keep: set[str]) -> None:
    """Leave only the models in ``keep`` chosen in the sidebar (fewer models, a quicker
    run on a shared machine)."""
    from detente.models import available

    for name in [*available(), "experts"]:
        if name in keep:
            continue
        remove = page.get_by_role("button", name=f"Remove {name}", exact=True)
        if remove.count():
            remove.click()
            _idle(page)
            expect(remove).to_have_count(0)


def _rows(table: Locator) -> list[list[str]]:
    """The cells of a ``st.table``, row by row, the header first (index cells included)."""
    expect(table).to_be_visible(timeout=TIMEOUT)
    return [
        [c.strip() for c in tr.locator("th, td").all_inner_texts()]
        for tr in table.locator("tr").all()
    ]


#: INVENTED answers of three invented experts on the bundled scenario: Russia's position on
#: Minsk (carl far from the others) and one forecast per expert for every issue
_EXPERTS = {"anna": (20, 30), "boris": (25, 40), "carl": (100, 80)}


def _expert_files(folder: Path) -> list[Path]:
    """Two questionnaires written by detente's survey writer and filled with openpyxl as an
    expert would, and one long CSV."""
    import openpyxl

    from detente.experts.survey import Skeleton, write_survey
    from detente.scenarios import DEFAULT_SCENARIO, load_bundled

    base = load_bundled(DEFAULT_SCENARIO)
    paths = []
    for name in ("anna", "boris"):
        position, forecast = _EXPERTS[name]
        path = write_survey(Skeleton.from_scenario(base), folder / f"{name}.xlsx")
        wb = openpyxl.load_workbook(path)
        ws = wb["stances"]
        head = [c.value for c in ws[1]]
        for r in range(2, ws.max_row + 1):
            key = (
                ws.cell(r, head.index("actor") + 1).value,
                ws.cell(r, head.index("issue") + 1).value,
            )
            if key == ("russia", "minsk"):
                ws.cell(r, head.index("position") + 1, position)
                ws.cell(r, head.index("salience") + 1, 0.7)
        wo = wb["outcomes"]
        head = [c.value for c in wo[1]]
        for r in range(2, wo.max_row + 1):
            wo.cell(r, head.index("forecast") + 1, forecast)
        wb.save(path)
        paths.append(path)
    position, forecast = _EXPERTS["carl"]
    lines = ["actor,issue,position,salience,capability,confidence,comment,forecast"]
    lines.append(f"russia,minsk,{position},0.7,,0.9,,")
    lines += [f",{i},,,,0.5,,{forecast}" for i in base.issue_ids]
    csv = folder / "carl.csv"
    csv.write_text("\n".join(lines) + "\n")
    return [*paths, csv]


def test_experts_combined_and_run(page: Page, dashboard: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad" / "dora.csv"
    bad.parent.mkdir()
    bad.write_text("actor,issue,position,salience\nnobody,minsk,30,0.5\n")
    files = _expert_files(tmp_path)

    _open(page, dashboard)
    panel = _tab(page, "Experts")
    uploader = panel.locator("[data-testid=stFileUploader] input[type=file]")
    uploader.set_input_files([str(files[0]), str(bad)])
    alert = panel.get_by_test_id("stAlert").filter(has_text="Cannot combine the expert files")
    expect(alert).to_be_visible(timeout=TIMEOUT)
    assert "dora.csv, row 2: unknown actor 'nobody'" in alert.inner_text()
    assert "Traceback" not in page.content()
    assert page.get_by_test_id("stException").count() == 0

    _open(page, dashboard)  # a new session: no files uploaded
    panel = _tab(page, "Experts")
    uploader.set_input_files([str(p) for p in files])
    _idle(page)
    panel.get_by_text("median", exact=True).click()
    _idle(page)
    rows = _rows(panel.locator(".st-key-experts-disagreement [data-testid=stTable]"))
    head, top = rows[0], rows[1]
    cell = dict(zip(head[-len(top) :], top, strict=True))
    # the experts disagree most on Russia's position on Minsk (20, 25, 100: 80% of the
    # 0..100 scale); the median is 25 and carl is the outlier
    assert (cell["actor"], cell["issue"], cell["field"]) == ("russia", "minsk", "position")
    assert cell["experts"] == "3" and cell["median"] == "25.00"
    assert cell["range (% of possible)"] == "80.00" and cell["outlier"] == "carl"
    expect(panel.get_by_text("3 experts")).to_be_visible()
    _shot(page, "experts")

    panel.get_by_role("button", name="Use the combined scenario").click()
    _idle(page)
    expect(page.get_by_text("Working on the experts' combined scenario")).to_be_visible()
    _keep_models(page, {"compromise", "experts"})
    _run(page)
    out = _rows(_tab(page, "Outcome").locator(".st-key-outcome-table [data-testid=stTable]"))
    head = out[0]
    assert "experts" in head and "compromise" in head
    k = head.index("experts")
    # the experts model: the mean of the experts' forecasts (30, 40, 80) of every issue (its
    # own statistic, the mean by default, as with detente run; the median combined stances)
    assert {row[0]: row[k] for row in out[1:]} == {i: "50.0" for i in (r[0] for r in out[1:])}
    assert len(out) == 1 + 9
    assert page.get_by_test_id("stException").count() == 0


def test_runs_listed_and_compared(page: Page, dashboard: str) -> None:
    _open(page, dashboard)
    panel = _tab(page, "Runs")
    listed = panel.locator(".st-key-runs-table [data-testid=stTable]")
    expect(listed.or_(panel.get_by_text("has been recorded yet"))).to_be_visible(timeout=TIMEOUT)
    runs = listed.locator("tbody tr")
    before = runs.count()  # other tests of this module may have run the same scenario
    _keep_models(page, {"compromise"})
    _run(page)
    old = _edit_first_position(page, "100", row=2)
    assert float(old) == 10.0  # the United States on Eastern Europe, in the bundle
    _run(page)

    panel = _tab(page, "Runs")
    expect(runs).to_have_count(before + 2, timeout=TIMEOUT)
    newest = _rows(panel.locator(".st-key-runs-table [data-testid=stTable]"))[1]
    assert "compromise" in newest and any("(as loaded now)" in c for c in newest)
    diff = panel.locator(".st-key-runs-diff")
    expect(diff.get_by_text("How each forecast moved")).to_be_visible(timeout=TIMEOUT)
    _idle(page)
    tables = diff.get_by_test_id("stTable")
    inputs = _rows(tables.nth(0))
    assert ["united_states", "eastern_europe_sphere", "position", "10", "100"] in [
        r[-5:] for r in inputs
    ]
    expect(diff.get_by_text("How each forecast moved")).to_be_visible(timeout=TIMEOUT)
    _idle(page)
    moves = _rows(tables.last)
    top = moves[1][-5:]
    # the compromise (a weighted mean) on the edited issue moves up, and only it
    assert top[:2] == ["compromise", "eastern_europe_sphere"]
    assert float(top[3]) > float(top[2]) and float(top[4]) > 0
    assert len(moves) == 2
    expect(panel.get_by_text("Not sealed").first).to_be_visible()
    _shot(panel, "runs")  # the whole tab, down to the diff
    assert page.get_by_test_id("stException").count() == 0
