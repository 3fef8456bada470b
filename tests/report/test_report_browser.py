"""The report opens in a real headless Chromium with the network cut: every chart draws and
nothing is fetched."""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_playwright", reason="pytest-playwright is not installed")

from playwright.sync_api import Browser

from detente.report.html import ReportOptions, build_report, write_report
from detente.scenarios import DEFAULT_SCENARIO, load_bundled

pytestmark = pytest.mark.browser


def test_report_opens_offline_with_all_charts(browser: Browser, tmp_path) -> None:
    text = build_report(
        load_bundled(DEFAULT_SCENARIO),
        models=["compromise", "expected_utility"],
        options=ReportOptions(draws=200),
    )
    n_charts = text.count('class="plotly-graph-div"')
    assert n_charts >= 4  # outcome, trajectories (expected utility), actor map, Pareto
    path = write_report(tmp_path / "report.html", text)

    context = browser.new_context(offline=True, viewport={"width": 1300, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_function(
            f"document.querySelectorAll('.plotly-graph-div .main-svg').length >= {n_charts}",
            timeout=30_000,
        )
        drawn = page.evaluate(
            "Array.from(document.querySelectorAll('.plotly-graph-div'))"
            ".filter(d => d.querySelectorAll('.main-svg .trace').length > 0).length"
        )
    finally:
        context.close()
    assert drawn == n_charts
    assert errors == []
    assert [u for u in requests if not u.startswith("file:")] == []
