"""``detente what-it-takes``, ``agree`` and ``reset`` on the bundled scenario."""

from __future__ import annotations

import json


def test_what_it_takes_json_shape_and_verification(cli):
    code, out, err = cli(
        "what-it-takes",
        "us-russia-reset",
        "--target",
        "eastern_europe_sphere >= 30",
        "--movable",
        "united_states:position",
        "--movable",
        "european_allies:position",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {
        "model",
        "targets",
        "feasible",
        "changes",
        "before",
        "after",
        "verified",
        "persuade",
        "reasons",
    }
    assert data["feasible"] and data["verified"]
    assert data["reasons"] == []  # found: nothing to explain
    after, before = data["after"], data["before"]
    assert after["eastern_europe_sphere"] >= 30 - 1e-9 > before["eastern_europe_sphere"]
    assert {c["actor"] for c in data["changes"]} <= {"united_states", "european_allies"}
    assert {"actor", "feasible", "total_change"} == set(data["persuade"][0])


def test_agree_and_reset_run(cli):
    code, out, err = cli("agree", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["parties"] == ["united_states", "russia"]
    assert isinstance(data["reset_possible"], bool)
    code, out, err = cli("reset", "--model", "compromise", "--model", "median")
    assert code == 0, err
    assert "What it would take" in out
    assert "Agreement between United States and Russia" in out


def test_bad_target(cli):
    code, _, err = cli("what-it-takes", "us-russia-reset", "--target", "nonsense <= 3")
    assert code == 2 and "unknown issue 'nonsense'" in err
