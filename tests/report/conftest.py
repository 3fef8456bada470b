"""Scenarios for the report and dashboard tests: small, with every kind of provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.scenario import (
    Actor,
    Condition,
    Effect,
    Issue,
    Linkage,
    Provenance,
    Scale,
    Scenario,
    Source,
    Stance,
    StanceChange,
    Variant,
)


def _p(src: str, loc: str, why: str) -> Provenance:
    return Provenance(source=src, location=loc, rationale=why)


@pytest.fixture(scope="session")
def documented() -> Scenario:
    """Three actors, two issues with reference points, provenance on every number, a
    linkage and a variant; the second issue has its own scale (-10..10). Immutable, so
    shared by the whole session."""
    return Scenario(
        id="documented",
        name="Documented <test> scenario",
        description="A & B bargain; C watches.",
        principals=("a", "b"),
        sources=(Source(id="s1", title="Essay one", author="Someone", year=2001),),
        actors=(
            Actor(id="a", name="Alpha", capability=2.0, provenance=_p("s1", "¶1", "cap A")),
            Actor(id="b", name="Beta", capability=1.0, provenance=_p("s1", "¶2", "cap B")),
            Actor(id="c", name="Gamma", capability=1.0, provenance=_p("s1", "¶3", "cap C")),
        ),
        issues=(
            Issue(
                id="x",
                name="Issue X",
                reference=50.0,
                scale=Scale(low=0, high=100, low_label="none", high_label="all"),
                provenance=_p("s1", "¶4", "status quo of X"),
            ),
            Issue(
                id="y",
                name="Issue Y",
                reference=0.0,
                scale=Scale(low=-10, high=10),
                provenance=_p("s1", "¶5", "status quo of Y"),
            ),
        ),
        stances=(
            Stance(
                actor="a",
                issue="x",
                position=10,
                salience=1.0,
                provenance=_p("s1", "¶6", "A wants little X"),
            ),
            Stance(
                actor="b",
                issue="x",
                position=70,
                salience=0.5,
                provenance=_p("s1", "¶7", "B wants more X"),
            ),
            Stance(
                actor="c",
                issue="x",
                position=100,
                salience=0.5,
                provenance=_p("s1", "¶8", "C wants all X"),
            ),
            Stance(
                actor="a",
                issue="y",
                position=-10,
                salience=0.2,
                provenance=_p("s1", "¶9", "A is against Y"),
            ),
            Stance(
                actor="b",
                issue="y",
                position=10,
                salience=0.8,
                provenance=_p("s1", "¶10", "B wants Y"),
            ),
        ),
        linkages=(
            Linkage(
                id="hold_y",
                when=Condition(issue="x", op="<", value=5),
                then=Effect(kind="hold", issue="y", actor="b"),
                provenance=_p("s1", "¶11", "B keeps Y while X is low"),
            ),
        ),
        variants=(
            Variant(
                id="soft",
                name="A softens",
                changes=(StanceChange(actor="a", issue="x", position=40, rationale="A gives"),),
            ),
        ),
    )


# ------------------------------------------------------------------------- browser
#: Debian's ``chromium`` package (scripts/install-browser.sh installs it when root)
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at Debian's Chromium (the same options
    as the dashboard's browser tests in tests/app)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's package with "
            "'bash scripts/install-browser.sh' (as root), or run 'make test'"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }
