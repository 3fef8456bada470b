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


def _edit_first_position(page: Page, value: str) -> str:
    """Type ``value`` into the position cell of the first row of the actor x issue table
    (a canvas grid: select the first cell, move to the column, edit); the old text."""
    panel = _tab(page, "Scenario")
    grid = panel.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible(timeout=TIMEOUT)
    grid.scroll_into_view_if_needed()
    editor = page.locator("textarea.gdg-input, input.gdg-input").first
    for _ in range(5):  # the grid takes a moment to take clicks after its tab is shown
        page.wait_for_timeout(300)
        box = grid.bounding_box()
        assert box is not None
        page.mouse.click(box["x"] + 40, box["y"] + 35 + 17)  # below the header: row 0, col 0
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

    old = _edit_first_position(page, "100")
    assert float(old) == 0.0  # the United States on election interference, in the bundle
    expect(page.get_by_text("The inputs changed since the last run")).to_be_visible(timeout=TIMEOUT)
    _run(page)
    expect(page.get_by_text("The inputs changed since the last run")).to_have_count(
        0, timeout=TIMEOUT
    )
    after = _outcome_text(page)
    assert after != before

    # the edited issue's row: the reference stays, the compromise (weighted mean) rises
    # as the United States moves from 0 to 100 on it
    def first_row(text: str) -> list[float]:
        row = text.split("election_interference", 1)[1].split("western_hemisphere", 1)[0]
        return [float(t) for t in row.split() if re.fullmatch(r"-?\d+\.\d", t)]

    ref_b, comp_b, *_ = first_row(before)
    ref_a, comp_a, *_ = first_row(after)
    assert ref_a == ref_b
    assert comp_a > comp_b

    panel = _tab(page, "Outcome")
    _chart(panel, "outcome-chart")
    _shot(page, "outcome")

    panel = _tab(page, "Trajectories")
    models = [m for m in ("expected_utility", "exchange", "spatial") if m in after]
    if models:  # a model with rounds: pick it in the selectbox
        panel.get_by_test_id("stSelectbox").click()
        page.get_by_role("option", name=models[0], exact=True).click()
        _idle(page)
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
