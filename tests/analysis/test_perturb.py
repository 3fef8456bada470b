"""Perturbation plans: which inputs are uncertain, their ranges, and reproducible draws."""

from __future__ import annotations

import itertools
import pickle
import warnings

import numpy as np
import pytest
from scipy import stats

from detente.analysis.perturb import (
    BLOCK,
    DEFAULT_SPREAD,
    PerturbationPlan,
    Spread,
    parse_spread,
)
from detente.errors import InputError, InputNotice
from detente.scenario import Actor, Issue, Scenario, Stance, Uncertainty


def _scenario(**stance_unc: Uncertainty) -> Scenario:
    """tiny-like: a (cap 2) and b (cap 1) on x and y; c (cap 1, own cap 3 on x) on x."""
    unc = stance_unc
    return Scenario(
        id="s",
        actors=(
            Actor(id="a", capability=2.0),
            Actor(id="b", capability=1.0, uncertainty=unc.get("b_actor")),
            Actor(id="c", capability=1.0),
        ),
        issues=(Issue(id="x", reference=50.0), Issue(id="y")),
        stances=(
            Stance(actor="a", issue="x", position=10, salience=1.0, uncertainty=unc.get("ax")),
            Stance(actor="b", issue="x", position=70, salience=0.5, uncertainty=unc.get("bx")),
            Stance(actor="c", issue="x", position=100, salience=0.5, capability=3.0),
            Stance(actor="a", issue="y", position=0, salience=0.2),
            Stance(actor="b", issue="y", position=100, salience=0.8, uncertainty=unc.get("by")),
        ),
    )


# ------------------------------------------------------------------------ spreads
def test_parse_spread_forms():
    sp = parse_spread(["position=10", "salience=0.1,capability=20%"])
    assert sp == {
        "position": Spread(10.0),
        "salience": Spread(0.1),
        "capability": Spread(20.0, percent=True),
    }
    assert parse_spread(None) == {}


@pytest.mark.parametrize("bad", ["position", "weight=3", "position=-1", "position=abc", "=3"])
def test_parse_spread_rejects_with_the_option_named(bad):
    with pytest.raises(InputError) as exc:
        parse_spread([bad])
    assert "--spread" in str(exc.value)


def test_spread_half_widths():
    assert Spread(10, percent=True).half_width("position", 50, span=200) == 20
    assert Spread(10, percent=True).half_width("salience", 0.5, span=100) == pytest.approx(0.1)
    assert Spread(20, percent=True).half_width("capability", 3.0, span=100) == pytest.approx(0.6)
    assert Spread(4).half_width("position", 50, span=200) == 4


# ------------------------------------------------------------------------ plans
def test_default_spread_covers_every_input_in_order():
    plan = PerturbationPlan.build(_scenario())
    assert plan.defaulted and plan.spread == DEFAULT_SPREAD
    assert plan.names == (
        "position:a:x",
        "position:a:y",
        "position:b:x",
        "position:b:y",
        "position:c:x",
        "salience:a:x",
        "salience:a:y",
        "salience:b:x",
        "salience:b:y",
        "salience:c:x",
        "capability:a",
        "capability:b",
        "capability:c:x",  # c has its own capability on x: an input of the stance
    )
    b = dict(zip(plan.names, map(tuple, plan.bounds), strict=True))
    # ranges are cut at the valid range: the scale, [0, 1], capability >= 0
    assert b["position:a:x"] == pytest.approx((0.0, 20.0))
    assert b["position:c:x"] == pytest.approx((90.0, 100.0))
    assert b["salience:a:x"] == pytest.approx((0.9, 1.0))
    assert b["capability:a"] == pytest.approx((1.6, 2.4))
    assert b["capability:c:x"] == pytest.approx((2.4, 3.6))


def test_explicit_spread_only_for_named_fields_and_zero_is_no_input():
    plan = PerturbationPlan.build(_scenario(), {"position": Spread(5)})
    assert not plan.defaulted
    assert all(n.startswith("position:") for n in plan.names) and plan.n_inputs == 5
    assert PerturbationPlan.build(_scenario(), {"position": Spread(0)}).n_inputs == 0
    assert PerturbationPlan.build(_scenario(), {}).n_inputs == 0


def test_scenario_ranges_take_precedence_with_their_distribution():
    sc = _scenario(
        ax=Uncertainty(position=(5, 30), distribution="triangular"),
        b_actor=Uncertainty(capability=(0.5, 2.0), distribution="normal"),
    )
    plan = PerturbationPlan.build(sc, {"position": Spread(1)})
    by = {u.name: u for u in plan.inputs}
    assert (by["position:a:x"].low, by["position:a:x"].high) == (5, 30)
    assert by["position:a:x"].distribution == "triangular"
    assert (by["position:b:x"].low, by["position:b:x"].high) == (69, 71)  # the spread
    assert by["capability:b"].distribution == "normal"
    assert by["capability:b"].sd == pytest.approx(1.5 / 4)
    assert "capability:a" not in by  # no spread for capabilities, no range for a


def test_value_outside_its_range_is_an_input_error_naming_the_stance():
    with pytest.raises(InputError) as exc:
        PerturbationPlan.build(_scenario(ax=Uncertainty(position=(20, 30))), {})
    msg = str(exc.value)
    assert "stance a on x" in msg and "uncertainty.position" in msg and "10" in msg


def test_range_beyond_the_scale_is_cut_with_a_notice():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = PerturbationPlan.build(_scenario(ax=Uncertainty(position=(-10, 40))), {})
    assert any(issubclass(w.category, InputNotice) for w in caught)
    assert tuple(plan.bounds[0]) == (0.0, 40.0)


def test_actor_position_range_is_refused():
    with pytest.raises(InputError) as exc:
        PerturbationPlan.build(_scenario(b_actor=Uncertainty(position=(0, 10))), {})
    assert "actor b" in str(exc.value) and "stances" in str(exc.value)


def test_stance_capability_range_makes_the_stance_its_own_input():
    sc = _scenario(by=Uncertainty(capability=(0.5, 1.5)))
    plan = PerturbationPlan.build(sc, {"capability": Spread(10, percent=True)})
    assert "capability:b:y" in plan.names and "capability:b" in plan.names
    values = np.array([[1.2 if n == "capability:b" else 0.7 for n in plan.names]])
    values[0, plan.names.index("capability:a")] = 2.0
    values[0, plan.names.index("capability:c:x")] = 3.0
    _, _, cap = plan.apply(values)
    a = sc.actor_ids.index("b")
    assert cap[0, a, 0] == 1.2  # b on x: the actor's capability
    assert cap[0, a, 1] == 0.7  # b on y: the stance's own


def test_select_by_field_actor_issue():
    plan = PerturbationPlan.build(_scenario())
    sub = plan.select(fields=["position"], actors=["a"])
    assert sub.names == ("position:a:x", "position:a:y")
    assert plan.select(issues=["y"]).names == (
        "position:a:y",
        "position:b:y",
        "salience:a:y",
        "salience:b:y",
        "capability:a",
        "capability:b",
    )
    with pytest.raises(InputError, match="--actor"):
        plan.select(actors=["zz"])


# ------------------------------------------------------------------------ drawing
def test_apply_writes_values_into_their_cells_only():
    sc = _scenario()
    plan = PerturbationPlan.build(sc)
    arr = sc.arrays()
    values = plan.nominal[None, :].repeat(2, axis=0)
    values[1, plan.names.index("position:b:y")] = 77.0
    values[1, plan.names.index("capability:a")] = 5.0
    pos, sal, cap = plan.apply(values)
    np.testing.assert_array_equal(pos[0], arr.position)
    np.testing.assert_array_equal(sal[0], arr.salience)
    np.testing.assert_array_equal(cap[0], arr.capability)
    assert pos[1, 1, 1] == 77.0
    assert cap[1, 0, 0] == cap[1, 0, 1] == 5.0  # the actor's capability on every issue
    assert cap[1, 2, 1] == 0.0 and not arr.present[2, 1]  # absent stays absent


def test_draws_do_not_depend_on_how_they_are_split():
    plan = PerturbationPlan.build(_scenario())
    whole = plan.draw(7, 0, 3 * BLOCK + 100)
    for cuts in ([0, 1, 2 * BLOCK, 3 * BLOCK + 100], [0, 500, 1500, 2600, 3 * BLOCK + 100]):
        parts = [plan.draw(7, s, e) for s, e in itertools.pairwise(cuts)]
        np.testing.assert_array_equal(np.concatenate(parts), whole)
    assert not np.array_equal(plan.draw(8, 0, 10), whole[:10])
    # a plan survives pickling (worker processes) with the same draws
    again = pickle.loads(pickle.dumps(plan))
    np.testing.assert_array_equal(again.draw(7, 0, 200), whole[:200])


@pytest.mark.parametrize("dist", ["uniform", "triangular", "normal"])
def test_draws_stay_in_range_and_match_the_distribution(dist):
    """Means within 5 standard errors of the exact mean (scipy.stats for the truncated
    normal), every draw inside its range (normal: inside the valid range)."""
    sc = _scenario()
    plan = PerturbationPlan.build(sc, {"position": Spread(20)}, dist)
    n = 40 * BLOCK
    v = plan.draw(3, 0, n)
    for k, u in enumerate(plan.inputs):
        lo, hi = (u.valid_low, u.valid_high) if dist == "normal" else (u.low, u.high)
        assert v[:, k].min() >= lo and v[:, k].max() <= hi
        if dist == "uniform":
            ref = stats.uniform(u.low, u.high - u.low)
        elif dist == "triangular":
            c = (u.nominal - u.low) / (u.high - u.low)
            ref = stats.triang(c, loc=u.low, scale=u.high - u.low)
        else:
            a, b = (u.valid_low - u.nominal) / u.sd, (u.valid_high - u.nominal) / u.sd
            ref = stats.truncnorm(a, b, loc=u.nominal, scale=u.sd)
        se = ref.std() / np.sqrt(n)
        assert abs(v[:, k].mean() - ref.mean()) < 5 * se, (u.name, v[:, k].mean(), ref.mean())
        # and the shape: Kolmogorov-Smirnov distance small (critical value at 1e-3 ~ 0.0096)
        assert stats.kstest(v[:, k], ref.cdf).statistic < 0.0096


def test_from_uniform_in_place_equals_fresh():
    plan = PerturbationPlan.build(
        _scenario(ax=Uncertainty(position=(5, 30), distribution="triangular")),
        {"salience": Spread(0.1)},
        "normal",
    )
    u = np.random.default_rng(0).random((50, plan.n_inputs))
    fresh = plan.from_uniform(u)
    plan.from_uniform(u, out=u)
    np.testing.assert_array_equal(u, fresh)
