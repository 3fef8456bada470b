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


#: zero spread for every field: only the scenario's own ranges vary
NO_SPREAD = {f: Spread(0) for f in ("position", "salience", "capability")}


def test_a_spread_for_some_fields_keeps_the_defaults_of_the_others():
    """``--spread salience=0 --spread capability=0`` holds those fields fixed and keeps the
    default spread of positions, as the notice of the default says."""
    default = PerturbationPlan.build(_scenario())
    plan = PerturbationPlan.build(_scenario(), {"salience": Spread(0), "capability": Spread(0)})
    assert not plan.defaulted
    assert plan.spread["position"] == DEFAULT_SPREAD["position"]
    positions = [u for u in default.inputs if u.field == "position"]
    assert plan.inputs == tuple(positions) and len(positions) == 5
    plan = PerturbationPlan.build(_scenario(), {"position": Spread(5)})
    assert plan.n_inputs == default.n_inputs
    assert plan.bounds[0].tolist() == [5.0, 15.0]  # a at 10 on x, ± 5
    assert np.array_equal(plan.bounds[5:], default.bounds[5:])  # the other fields' defaults
    assert PerturbationPlan.build(_scenario(), NO_SPREAD).n_inputs == 0
    assert PerturbationPlan.build(_scenario(), {}).defaulted


def test_scenario_ranges_take_precedence_with_their_distribution():
    sc = _scenario(
        ax=Uncertainty(position=(5, 30), distribution="triangular"),
        b_actor=Uncertainty(capability=(0.5, 2.0), distribution="normal"),
    )
    plan = PerturbationPlan.build(sc, {**NO_SPREAD, "position": Spread(1)})
    by = {u.name: u for u in plan.inputs}
    assert (by["position:a:x"].low, by["position:a:x"].high) == (5, 30)
    assert by["position:a:x"].distribution == "triangular"
    assert (by["position:b:x"].low, by["position:b:x"].high) == (69, 71)  # the spread
    assert by["capability:b"].distribution == "normal"
    assert by["capability:b"].sd == pytest.approx(1.5 / 4)
    assert "capability:a" not in by  # no spread for capabilities, no range for a


def test_value_outside_its_range_is_an_input_error_naming_the_stance():
    with pytest.raises(InputError) as exc:
        PerturbationPlan.build(_scenario(ax=Uncertainty(position=(20, 30))), NO_SPREAD)
    msg = str(exc.value)
    assert "stance a on x" in msg and "uncertainty.position" in msg and "10" in msg


def test_range_beyond_the_scale_is_censored_with_a_notice():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plan = PerturbationPlan.build(_scenario(ax=Uncertainty(position=(-10, 40))), NO_SPREAD)
    assert any(issubclass(w.category, InputNotice) and "censored" in str(w.message) for w in caught)
    assert tuple(plan.bounds[0]) == (0.0, 40.0)  # the values' range
    u = plan.inputs[0]
    assert (u.draw_low, u.draw_high) == (-10.0, 40.0)  # the range drawn from
    v = plan.draw(0, 0, 20 * BLOCK)[:, 0]
    assert v.min() == 0.0 and v.max() <= 40.0
    # a fifth of the range lies below the scale: about a fifth of the draws sit on its end
    assert abs(np.mean(v == 0.0) - 0.2) < 5 * np.sqrt(0.2 * 0.8 / v.size)


def test_actor_position_range_is_refused():
    with pytest.raises(InputError) as exc:
        PerturbationPlan.build(_scenario(b_actor=Uncertainty(position=(0, 10))), NO_SPREAD)
    assert "actor b" in str(exc.value) and "stances" in str(exc.value)


def test_stance_capability_range_makes_the_stance_its_own_input():
    sc = _scenario(by=Uncertainty(capability=(0.5, 1.5)))
    plan = PerturbationPlan.build(sc, {**NO_SPREAD, "capability": Spread(10, percent=True)})
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


def _censored(ref: stats.rv_continuous, lo: float, hi: float) -> tuple[float, float, float]:
    """Mean of ``clip(X, lo, hi)`` for ``X ~ ref``, and the masses at ``lo`` and ``hi``."""
    q = (np.arange(200_000) + 0.5) / 200_000  # midpoint rule on the quantile scale
    x = np.clip(ref.ppf(q), lo, hi)
    return float(x.mean()), float(ref.cdf(lo)), float(ref.sf(hi))


@pytest.mark.parametrize("dist", ["uniform", "triangular", "normal"])
def test_draws_are_censored_draws_of_the_distribution(dist):
    """Each input is drawn on its whole range (uniform, triangular with its mode at the
    value, normal with sd a quarter of the range), then clipped to the valid range: the
    mean within 5 standard errors of the exact mean of the censored distribution, the
    shares of draws on each end within 5 standard errors of the mass beyond it, the
    uncensored draws distributed as the distribution (Kolmogorov-Smirnov)."""
    sc = _scenario()
    plan = PerturbationPlan.build(sc, {"position": Spread(20)}, dist)
    n = 40 * BLOCK
    v = plan.draw(3, 0, n)
    for k, u in enumerate(plan.inputs):
        x = v[:, k]
        assert x.min() >= u.valid_low and x.max() <= u.valid_high
        if dist != "normal":  # (a normal draw may leave the range, not the valid range)
            assert x.min() >= u.low and x.max() <= u.high
        lo, hi = u.draw_low, u.draw_high
        if dist == "uniform":
            ref = stats.uniform(lo, hi - lo)
        elif dist == "triangular":
            ref = stats.triang((u.nominal - lo) / (hi - lo), loc=lo, scale=hi - lo)
        else:
            ref = stats.norm(u.nominal, u.sd)
        mean, below, above = _censored(ref, u.valid_low, u.valid_high)
        se = ref.std() / np.sqrt(n)
        assert abs(x.mean() - mean) < 5 * se, (u.name, x.mean(), mean)
        for share, mass in (
            (np.mean(x == u.valid_low), below),
            (np.mean(x == u.valid_high), above),
        ):
            assert abs(share - mass) < 5 * np.sqrt(max(mass * (1 - mass), 1e-9) / n) + 1e-12
        inner = x[(x > u.valid_low) & (x < u.valid_high)]
        a, b = ref.cdf(u.valid_low), ref.cdf(u.valid_high)
        cond = lambda t, a=a, b=b, ref=ref: (ref.cdf(t) - a) / (b - a)  # noqa: E731
        assert stats.kstest(inner, cond).statistic < 1.95 / np.sqrt(inner.size), u.name


@pytest.mark.parametrize("dist", ["uniform", "triangular", "normal"])
def test_the_stated_value_is_the_median_of_its_draws_even_at_a_scale_end(dist):
    """Censoring, not truncation: a value at (or near) an end of its valid range is drawn
    symmetrically and clipped, so it stays the median of its draws and the band around
    it is not pushed inward."""
    sc = Scenario(
        id="ends",
        actors=(Actor(id="a", capability=0.5), Actor(id="b", capability=1.0)),
        issues=(Issue(id="x"),),
        stances=(
            Stance(actor="a", issue="x", position=0, salience=1.0),  # both at an end
            Stance(actor="b", issue="x", position=97, salience=0.95),  # near an end
        ),
    )
    spread = {"position": Spread(10), "salience": Spread(0.1), "capability": Spread(1.0)}
    plan = PerturbationPlan.build(sc, spread, dist)
    n = 40 * BLOCK
    v = plan.draw(11, 0, n)
    for k, u in enumerate(plan.inputs):
        x = v[:, k]
        # sampling error of a median: 5 standard errors of the share of draws below it
        below = np.mean(x < u.nominal)
        at_most = np.mean(x <= u.nominal)
        tol = 5 * np.sqrt(0.25 / n)
        assert below <= 0.5 + tol and at_most >= 0.5 - tol, (u.name, below, at_most)
        assert x.min() >= u.valid_low and x.max() <= u.valid_high
    by = dict(zip(plan.names, v.T, strict=True))
    assert np.mean(by["position:a:x"] == 0.0) > 0.45  # about half the draws on the end
    assert np.mean(by["capability:a"] == 0.0) > 0.05  # capability 0.5 ± 1 is censored at 0


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
