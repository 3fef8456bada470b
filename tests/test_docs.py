"""The documentation site: it builds with warnings as errors, and what its pages state
(model parameters, the scenario examples, the bundled forecasts) is what detente does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from detente.models.registry import available, model_class

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _nav_files(nav: list) -> list[str]:
    out: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        out.extend(_nav_files(value) if isinstance(value, list) else [value])
    return out


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The site built outside the repository, with ``--strict``."""
    out = tmp_path / "site"
    env = {**os.environ, "DETENTE_HOME": os.environ["DETENTE_HOME"]}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = proc.stdout + proc.stderr
    warnings = [ln for ln in log.splitlines() if ln.startswith(("WARNING", "ERROR"))]
    assert proc.returncode == 0 and not warnings, log
    return out


def test_the_site_builds_with_warnings_as_errors(site: Path, config: dict) -> None:
    for page in _nav_files(config["nav"]):
        stem = page[: -len(".md")]
        html = site / (stem + ".html" if stem.endswith("index") else stem + "/index.html")
        assert html.is_file(), f"{page} was not rendered"
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    # mkdocstrings rendered the classes, with their members and parameters
    for name in ("detente.scenario.Scenario", "detente.forecasts.Forecast", "to_frame"):
        assert name in api


def test_every_page_is_in_the_nav(config: dict) -> None:
    listed = set(_nav_files(config["nav"]))
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert pages - listed == set(), "pages missing from the nav of mkdocs.yml"


@pytest.mark.parametrize("name", available(every=True))
def test_every_model_has_a_page_with_its_parameters(name: str, config: dict) -> None:
    page = f"models/{name}.md"
    assert page in _nav_files(config["nav"])
    text = (DOCS / page).read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| `([^`]*)` \|", text, re.M)}
    defaults = model_class(name).param_defaults()
    assert set(rows) == set(defaults), f"{page}: parameter table"
    for key, value in defaults.items():
        assert rows[key].replace('"', "'") in (repr(value), str(value)), f"{page}: {key}"
    assert "## Reference checks" in text or "## Checks" in text


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)


def test_the_scenario_format_examples_load() -> None:
    from detente.io.table import parse_csv
    from detente.io.yaml_io import parse_yaml
    from detente.models import get_model

    text = (DOCS / "scenarios.md").read_text(encoding="utf-8")
    (example,) = [b for b in _blocks(text, "yaml") if "stances:" in b]
    sc = parse_yaml(example, "scenarios.md")
    assert sc.issue_ids == ("sanctions", "trade")
    assert sc.issues[0].decision.rule == "unanimity"
    assert sc.stances[3].capability == 3.0 and sc.linkages and sc.variant("softer")
    (table,) = [b for b in _blocks(text, "text") if b.startswith("actor,issue")]
    tab = parse_csv(table, "scenarios.md")
    assert tab.issues[0].decision.veto == ("us", "eu")
    # unanimity of us (80) and eu (50), both above the status quo 60 -> not gridlock
    assert get_model("compromise").forecast(tab).outcome_of("sanctions") == pytest.approx(60.0)


def test_who_decides_table_is_what_the_models_forecast() -> None:
    from detente.models import get_model
    from detente.scenarios import load_bundled

    text = (DOCS / "who_decides.md").read_text(encoding="utf-8")
    part = text.split("## The bundled scenario under its rules", 1)[1]
    lines = [ln for ln in part.splitlines() if ln.startswith("|")]
    models = re.findall(r"`(\w+)`", lines[0])
    sc = load_bundled("us-russia-reset")
    outcome = {m: get_model(m).forecast(sc, seed=0) for m in models}
    issues = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        issue = cells[0].strip("`")
        issues.append(issue)
        k = sc.issue_ids.index(issue)
        assert float(cells[1]) == sc.issues[k].reference
        for m, cell in zip(models, cells[3:], strict=True):
            assert cell == f"{outcome[m].outcome[k]:.1f}", f"{issue}, {m}"
    assert issues == list(sc.issue_ids)


def test_the_bundled_scenario_page_names_every_actor_issue_and_variant() -> None:
    from detente.scenarios import load_bundled

    text = (DOCS / "reset.md").read_text(encoding="utf-8")
    sc = load_bundled("us-russia-reset")
    for ident in (*sc.actor_ids, *sc.issue_ids, *(v.id for v in sc.variants)):
        assert f"`{ident}`" in text, ident


def test_source_docstrings_point_at_pages_that_exist() -> None:
    """No pointer to files outside the repository; every ``docs/...`` named in the source
    exists."""
    for path in (ROOT / "src").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(MODELS|DESIGN)\.md\b", text), path
        for ref in re.findall(r"\bdocs/[\w/.-]+\.md\b", text):
            assert (ROOT / ref).is_file(), f"{path}: {ref}"


@pytest.mark.parametrize("doc", ["index.md", "models/index.md", "scenarios.md"])
def test_the_python_examples_run(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's Python blocks run in order, in one namespace, in a scratch folder that
    holds the page's CSV example as ``case.csv``."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    blocks = _blocks(text, "python")
    assert blocks
    for table in _blocks((DOCS / "scenarios.md").read_text(encoding="utf-8"), "text"):
        if table.startswith("actor,issue"):
            (tmp_path / "case.csv").write_text(table, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for n, block in enumerate(blocks, 1):
        exec(compile(block, f"{doc}, python block {n}", "exec"), namespace)
