"""What-it-takes: exact answers checked by hand, search answers verified by re-running."""

from __future__ import annotations

import numpy as np
import pytest

from detente.analysis.requirements import _Problem, _search, parse_movable, what_it_takes
from detente.errors import InputError
from detente.models import get_model
from detente.scenario import Actor, Issue, Scenario, Stance


def test_position_lp_by_hand(tiny):
    # x: (2*10 + .5*70 + .5*x_c) / 3 <= 30  <=>  x_c <= 70: c moves 100 -> 70, cost 30
    r = what_it_takes(tiny, ["x <= 30"], movable=["c:position"])
    assert r.method.startswith("linear programme")
    assert r.feasible and r.verified
    assert [(c.actor, c.issue, c.field) for c in r.changes] == [("c", "x", "position")]
    assert r.changes[0].after == pytest.approx(70.0, abs=1e-6)
    assert r.total_change == pytest.approx(30.0, abs=1e-6)
    assert r.after["x"] == pytest.approx(30.0, abs=1e-6)
    assert r.before["x"] == pytest.approx(35.0)


def test_the_answer_as_tables_text_and_json(tiny):
    r = what_it_takes(tiny, ["x <= 30"], movable=["c:position"])
    frames = r.to_frames()
    assert frames["changes"].to_dict("records") == [
        {
            "actor": "c",
            "issue": "x",
            "field": "position",
            "from": 100.0,
            "to": pytest.approx(70.0, abs=1e-6),
            "cost": pytest.approx(30.0, abs=1e-6),
        }
    ]
    assert list(frames["outcomes"]["issue"]) == ["x", "y"]
    assert frames["outcomes"].set_index("issue").loc["x", "after"] == pytest.approx(30.0)
    assert list(frames["persuade"]["actor"]) == ["c"]
    assert "total change 30.00" in r.summary() and "c on x: position 100 -> 70" in r.summary()
    assert r.to_dict()["changes"][0]["to"] == pytest.approx(70.0, abs=1e-6)


def test_model_object_with_params_and_parsed_targets(tiny):
    from detente.targets import parse_target

    r = what_it_takes(
        tiny,
        [parse_target("x <= 30", tiny)],
        model=get_model("compromise"),
        movable=("c:position",),
        persuade=False,
    )
    assert r.targets == ["x <= 30"] and r.feasible


def test_the_package_attribute_is_the_function():
    from detente.analysis import sensitivity
    from detente.analysis import what_it_takes as f
    from detente.analysis.drivers import sensitivity as by_module

    assert f is what_it_takes and sensitivity is by_module


def test_salience_lp_by_hand(tiny):
    # (20 + 35 + 100 s) / (2.5 + s) <= 30  <=>  s <= 2/7: from .5, cost (0.5 - 2/7) * 100
    r = what_it_takes(tiny, ["x <= 30"], movable=["c.x:salience"], persuade=False)
    assert r.changes[0].after == pytest.approx(2 / 7, abs=1e-6)
    assert r.total_change == pytest.approx((0.5 - 2 / 7) * 100, abs=1e-4)


def test_lp_picks_the_cheapest_actor(tiny):
    # moving a (weight 2) is three times as effective per point as b or c (weight .5... )
    r = what_it_takes(tiny, ["x <= 30"], movable=["*.x:position"])
    assert r.verified
    # Δo = 5 needs Δ(Σ w x) = 15: a alone moves 7.5 points; b or c would need 30
    assert [c.actor for c in r.changes] == ["a"]
    assert r.total_change == pytest.approx(7.5, abs=1e-6)
    by_actor = {row["actor"]: row for row in r.persuade}
    assert by_actor["a"]["total_change"] == pytest.approx(7.5, abs=1e-6)
    assert by_actor["b"]["total_change"] == pytest.approx(30.0, abs=1e-6)
    assert r.persuade[0]["actor"] == "a"


def test_search_agrees_with_lp(tiny):
    p = _Problem(tiny, get_model("compromise"), ["x <= 30"], parse_movable(["c:position"], tiny), 0)
    sol = _search(p, np.random.default_rng(0), None, 200)
    assert sol is not None and p.feasible(sol)
    assert p.cost(sol) == pytest.approx(30.0, abs=0.05)


def test_infeasible_is_reported(tiny):
    r = what_it_takes(tiny, ["x <= 5"], movable=["c:position"])
    assert not r.feasible and not r.verified and r.changes == []
    assert "not feasible" in r.summary()
    assert r.persuade == [{"actor": "c", "feasible": False, "total_change": None}]


def _reset_case():
    return Scenario(
        id="reset",
        actors=(Actor(id="A"), Actor(id="B"), Actor(id="C", capability=4)),
        issues=(Issue(id="p", reference=50), Issue(id="q", reference=50)),
        stances=(
            Stance(actor="A", issue="p", position=0, salience=1.0),
            Stance(actor="A", issue="q", position=0, salience=0.25),
            Stance(actor="B", issue="p", position=100, salience=0.25),
            Stance(actor="B", issue="q", position=100, salience=1.0),
            Stance(actor="C", issue="p", position=100, salience=1.0),
            Stance(actor="C", issue="q", position=0, salience=1.0),
        ),
    )


@pytest.mark.parametrize("model", ["compromise", "median"])
def test_reset_target_found_and_verified(model):
    sc = _reset_case()
    r = what_it_takes(sc, ["reset"], model=model, movable=["C:position"], seed=1)
    assert r.feasible and r.verified
    # the reported "after" outcomes give both principals a gain
    from detente.bargaining import package_gains

    changed = sc.with_changes([])
    g = package_gains(changed, np.array([r.after["p"], r.after["q"]]))
    assert np.all(g > 0)


def test_same_seed_same_answer():
    sc = _reset_case()
    a = what_it_takes(sc, ["reset"], model="median", movable=["C"], seed=3).to_dict()
    b = what_it_takes(sc, ["reset"], model="median", movable=["C"], seed=3).to_dict()
    assert a == b


def test_movable_errors(tiny):
    with pytest.raises(InputError, match="unknown actor 'zz'"):
        parse_movable(["zz:position"], tiny)
    with pytest.raises(InputError, match="unknown field 'size'"):
        parse_movable(["a:size"], tiny)
    assert len(parse_movable(None, tiny)) == 5  # every present stance's position
    assert parse_movable(["a:capability"], tiny)[0].issue == -1


# --------------------------------------------------------------------------- reasons
def test_already_met_says_so(tiny):
    r = what_it_takes(tiny, ["x <= 40"], movable=["c:position"], persuade=False)
    assert r.feasible and r.changes == []
    assert r.reasons == ["already met: compromise forecasts x at 35.0 <= 40"]
    assert r.to_dict()["reasons"] == r.reasons
    assert "already met" in r.summary()


def test_infeasible_says_how_far_the_movable_inputs_reach(tiny):
    # c at 0: (2*10 + .5*70 + .5*0) / 3 = 18.33, still above 5
    r = what_it_takes(tiny, ["x <= 5"], movable=["c:position"], persuade=False)
    assert r.reasons == [
        "even with c's position at the most helpful end of its range, compromise forecasts "
        "x at 18.3 at best, not <= 5"
    ]


def test_infeasible_position_already_at_the_end(tiny):
    r = what_it_takes(tiny, ["x >= 90"], movable=["c:position"], persuade=False)
    assert not r.feasible
    assert r.reasons == ["c's x position is already 100: moving it cannot raise the outcome"]


def test_infeasible_no_movable_input_on_the_issue(tiny):
    r = what_it_takes(tiny, ["y <= 10"], movable=["c:position"], persuade=False)
    assert not r.feasible
    assert r.reasons == [
        "no movable input acts on y: the movable inputs (c's position) lie on other issues "
        "(add e.g. --movable '*.y:position')"
    ]


def test_bundled_sanctions_names_the_freeze_and_the_vetoes():
    from detente.scenarios import load_bundled

    s = load_bundled("us-russia-reset")
    r = what_it_takes(s, ["sanctions <= 30"], movable=["russia:position"], persuade=False)
    assert not r.feasible
    (why,) = r.reasons
    assert why.startswith("russia's sanctions position is already 0: moving it cannot lower")
    assert "sanctions is frozen at its status quo 60 while minsk < 90" in why
    assert "linkage sanctions_until_minsk" in why
    assert "united_states' and european_allies' vetoes (unanimity) accept nothing below 60" in why
    # saliences do move the weighted mean, but the freeze and the vetoes hold the outcome
    r = what_it_takes(s, ["sanctions <= 30"], movable=["*:salience"], persuade=False)
    (why,) = r.reasons
    assert "frozen" in why and "vetoes" in why
    assert why.endswith("moving the saliences of 5 actors cannot change it")


def test_reason_when_the_ends_would_do_but_the_search_did_not():
    from detente.scenarios import load_bundled

    s = load_bundled("us-russia-reset")
    r = what_it_takes(
        s,
        ["syria >= 95"],
        model="median",
        movable=["china:salience+position"],
        budget=120,
        persuade=False,
    )
    assert not r.feasible
    (why,) = r.reasons
    assert why.startswith("china's position and china's salience at the most helpful end")
    assert "which meets >= 95, but the search (which probes each input alone)" in why
