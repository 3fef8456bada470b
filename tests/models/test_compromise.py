"""Compromise (weighted mean) and weighted median: hand-checked values and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.models import get_model
from detente.models.compromise import weighted_mean
from detente.scenario import Actor, Issue, Scenario, Stance


def test_tiny_by_hand(tiny):
    f = get_model("compromise").forecast(tiny)
    # x: weights 2*1, 1*.5, 1*.5 -> (20 + 35 + 50) / 3 = 35
    assert f.outcome_of("x") == pytest.approx(35.0, abs=1e-12)
    # y: weights .4, .8 -> (0 + 80) / 1.2
    assert f.outcome_of("y") == pytest.approx(80 / 1.2, abs=1e-12)
    m = get_model("median").forecast(tiny)
    # x sorted 10 (w2), 70 (.5), 100 (.5): half of 3 = 1.5 reached at 10
    assert m.outcome_of("x") == 10.0
    assert m.outcome_of("y") == 100.0  # .4 < .6, reached at 100
    assert f.n_rounds == 0 and f.positions.shape == (1, 3, 2)
    assert f.input_hash == tiny.input_hash()


def test_zero_weight_issue_falls_back_to_plain_mean():
    pos = np.array([[10.0], [30.0]])
    zero = np.zeros_like(pos)
    present = np.ones_like(pos, dtype=bool)
    assert weighted_mean(pos, zero, np.ones_like(pos), present)[0] == 20.0


def test_batch_matches_single(tiny):
    arr = tiny.arrays()
    rng = np.random.default_rng(0)
    pos = np.clip(arr.position + rng.normal(0, 5, (50, *arr.position.shape)), 0, 100)
    for name in ("compromise", "median"):
        model = get_model(name)
        batch = model.outcome_batch(
            pos,
            np.broadcast_to(arr.salience, pos.shape),
            np.broadcast_to(arr.capability, pos.shape),
            arr.present,
            arr.low,
            arr.high,
        )
        for e in (0, 17, 49):
            one = model.outcome_batch(
                pos[e], arr.salience, arr.capability, arr.present, arr.low, arr.high
            )
            np.testing.assert_allclose(batch[e], one, rtol=0, atol=1e-12)


@st.composite
def scenarios(draw):
    n = draw(st.integers(2, 7))
    pos = draw(st.lists(st.integers(0, 100), min_size=n, max_size=n))
    sal = draw(st.lists(st.floats(0.05, 1.0), min_size=n, max_size=n))
    cap = draw(st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n))
    return pos, sal, cap


def _scenario(pos, sal, cap, order=None, scale=1.0):
    order = order or list(range(len(pos)))
    return Scenario(
        actors=tuple(Actor(id=f"a{k}", capability=cap[k] * scale) for k in order),
        issues=(Issue(id="x"),),
        stances=tuple(
            Stance(actor=f"a{k}", issue="x", position=pos[k], salience=sal[k]) for k in order
        ),
    )


@pytest.mark.parametrize("name", ["compromise", "median"])
@settings(max_examples=40, deadline=None)
@given(data=scenarios())
def test_invariants(name, data):
    pos, sal, cap = data
    model = get_model(name)
    base = model.forecast(_scenario(pos, sal, cap)).outcome[0]
    perm = list(reversed(range(len(pos))))
    assert model.forecast(_scenario(pos, sal, cap, order=perm)).outcome[0] == pytest.approx(base)
    assert model.forecast(_scenario(pos, sal, cap, scale=7.5)).outcome[0] == pytest.approx(base)
    assert min(pos) - 1e-9 <= base <= max(pos) + 1e-9
    same = [pos[0]] * len(pos)
    assert model.forecast(_scenario(same, sal, cap)).outcome[0] == pytest.approx(pos[0])


def test_freeze_linkage_keeps_the_status_quo(tiny):
    from detente.scenario import Condition, Effect, Linkage

    freeze = Linkage(
        id="f", when=Condition(issue="y", op=">", value=50), then=Effect(kind="freeze", issue="x")
    )
    f = get_model("compromise").forecast(tiny.replace(linkages=(freeze,)))
    assert f.outcome_of("x") == 50.0  # reference point, instead of 35
    assert [e.kind for e in f.events] == ["freeze"]
    off = freeze.model_copy(update={"when": Condition(issue="y", op="<", value=50)})
    assert get_model("compromise").forecast(tiny.replace(linkages=(off,))).outcome_of("x") == 35.0
