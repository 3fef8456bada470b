"""The ``detente`` forecaster: each step by hand, invariants, batch, registry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import InputError
from detente.models import available, get_model
from detente.models.forecaster import (
    DetenteForecaster,
    bargaining_weights,
    condorcet_expectation,
    depart,
    detente_outcome,
)
from detente.scenario import Actor, Condition, Effect, Issue, Linkage, Scenario, Stance


def one_issue(positions, saliences, capabilities, reference=None) -> Scenario:
    ids = [f"a{k}" for k in range(len(positions))]
    return Scenario(
        id="t",
        actors=tuple(Actor(id=a, capability=c) for a, c in zip(ids, capabilities, strict=True)),
        issues=(Issue(id="x", reference=reference),),
        stances=tuple(
            Stance(actor=a, issue="x", position=p, salience=s)
            for a, p, s in zip(ids, positions, saliences, strict=True)
        ),
    )


def test_registered_with_fixed_parameters():
    assert "detente" in available()
    m = get_model("detente")
    assert m.get_params() == {
        "capability_exponent": 0.5,
        "condorcet_share": 0.5,
        "departure": 0.15,
        "departure_ramp": 0.1,
    }
    with pytest.raises(InputError, match="condorcet_share"):
        get_model("detente", condorcet_share=1.5)


def test_weights_by_hand():
    """s · (c / max c)^0.5: capabilities 4 and 1 give relative 1 and 0.5."""
    w = bargaining_weights(
        np.array([[0.5], [1.0]]), np.array([[4.0], [1.0]]), np.array([[True], [True]]), 0.5
    )
    assert w[:, 0].tolist() == pytest.approx([0.5, 0.5], abs=1e-12)
    # nobody with weight: equal weights among those present
    w = bargaining_weights(np.zeros((2, 1)), np.ones((2, 1)), np.array([[True], [True]]), 0.5)
    assert w[:, 0].tolist() == [1.0, 1.0]


def test_condorcet_election_by_hand():
    """Positions 0, 50, 100 (span 100), weights 2, 1, 1, quadratic utility.

    Coalitions (squared distances in span units: 0-50 0.25, 0-100 1, 50-100 0.25):
    C(0,50) = 2·0.25 = 0.5, C(50,0) = 0.25 + 0.75 = 1 -> P(0>50) = 1/3;
    C(0,100) = 2·1 = 2 (the middle voter is indifferent), C(100,0) = 1 -> P(0>100) = 2/3;
    C(50,100) = 2·0.75 + 0.25 = 1.75, C(100,50) = 0.25 -> P(50>100) = 7/8.
    Conditional PCE: p ∝ (1/3·2/3, 2/3·7/8, 1/3·1/8) = (2/9, 7/12, 1/24).
    """
    x = np.array([[0.0], [50.0], [100.0]])
    w = np.array([[2.0], [1.0], [1.0]])
    e, p = condorcet_expectation(x, w, np.ones((3, 1), bool), np.array([100.0]))
    raw = np.array([2 / 9, 7 / 12, 1 / 24])
    assert p[:, 0] == pytest.approx(raw / raw.sum(), abs=1e-12)
    assert e[0] == pytest.approx((50 * 7 / 12 + 100 / 24) / raw.sum(), abs=1e-9)


def test_two_actors_with_reference_by_hand():
    """a0 at 0 (salience 1), a1 at 100 (salience 0.5), equal capabilities, reference 0.

    Weighted mean 100·0.5/1.5 = 33.33; PCE: C(0,100) = 1, C(100,0) = 0.5, so p = (2/3, 1/3)
    and e = 33.33; blend 33.33; it lies above the reference, so it moves 15% of the way to
    100: 33.33 + 0.15·66.67 = 43.33.
    """
    sc = one_issue([0.0, 100.0], [1.0, 0.5], [1.0, 1.0], reference=0.0)
    f = DetenteForecaster().forecast(sc)
    d = f.details["x"]
    assert d["weighted_mean"] == pytest.approx(100 / 3, abs=1e-9)
    assert d["condorcet"] == pytest.approx(100 / 3, abs=1e-9)
    assert d["departure_shift"] == pytest.approx(0.15 * 200 / 3, abs=1e-9)
    assert f.outcome[0] == pytest.approx(100 / 3 + 10.0, abs=1e-9)
    assert d["condorcet_favourite"] == "a0"
    # without a reference point there is no departure
    f = DetenteForecaster().forecast(one_issue([0.0, 100.0], [1.0, 0.5], [1.0, 1.0]))
    assert f.outcome[0] == pytest.approx(100 / 3, abs=1e-9)


def test_departure_ramp_and_direction():
    lo, hi = np.array([0.0]), np.array([100.0])
    # below the reference: towards the low end
    assert depart(np.array([40.0]), lo, hi, np.array([60.0]), 0.15, 0.1)[0] == pytest.approx(34.0)
    # within 10% of the span of the reference: the move is scaled by distance / 10
    got = depart(np.array([55.0]), lo, hi, np.array([50.0]), 0.15, 0.1)[0]
    assert got == pytest.approx(55.0 + 0.5 * 0.15 * 45.0, abs=1e-12)
    # at the reference: no move; no reference: no move
    assert depart(np.array([50.0]), lo, hi, np.array([50.0]), 0.15, 0.1)[0] == 50.0
    assert depart(np.array([50.0]), lo, hi, np.array([np.nan]), 0.15, 0.1)[0] == 50.0


def test_unanimous_issue_stays_at_the_common_position():
    sc = one_issue([30.0, 30.0, 30.0], [0.2, 0.9, 0.5], [1.0, 3.0, 2.0], reference=0.0)
    assert DetenteForecaster().forecast(sc).outcome[0] == pytest.approx(30.0, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 100), st.floats(0.05, 1), st.floats(0.1, 10)),
        min_size=2,
        max_size=7,
    ),
    st.one_of(st.none(), st.floats(0, 100)),
    st.permutations(range(7)),
    st.floats(0.1, 50),
)
def test_invariants(rows, reference, perm, scale):
    """Permuting actors changes nothing; scaling every capability changes nothing; the
    forecast stays on the scale (tolerance 1e-9)."""
    pos, sal, cap = (list(v) for v in zip(*rows, strict=True))
    base = DetenteForecaster().forecast(one_issue(pos, sal, cap, reference)).outcome[0]
    order = [k for k in perm if k < len(rows)]
    permuted = one_issue(
        [pos[k] for k in order], [sal[k] for k in order], [cap[k] for k in order], reference
    )
    assert DetenteForecaster().forecast(permuted).outcome[0] == pytest.approx(base, abs=1e-9)
    scaled = one_issue(pos, sal, [c * scale for c in cap], reference)
    assert DetenteForecaster().forecast(scaled).outcome[0] == pytest.approx(base, abs=1e-9)
    assert 0.0 <= base <= 100.0


def test_batch_matches_forecast(tiny):
    arr = tiny.arrays()
    m = DetenteForecaster()
    rng = np.random.default_rng(0)
    e = 5
    pos = np.clip(arr.position + rng.normal(0, 5, (e, *arr.position.shape)), 0, 100)
    sal = np.broadcast_to(arr.salience, pos.shape)
    cap = np.broadcast_to(arr.capability, pos.shape)
    batch = m.outcome_batch(pos, sal, cap, arr.present, arr.low, arr.high, scenario=tiny)
    assert batch.shape == (e, arr.n_issues)
    for k in range(e):
        one = detente_outcome(
            pos[k], arr.salience, arr.capability, arr.present, arr.low, arr.high, arr.reference
        )["outcome"]
        assert batch[k] == pytest.approx(one, abs=1e-12)
    assert batch[0] != pytest.approx(m.forecast(tiny).outcome)  # perturbed, so different
    # without the scenario (its reference points) the batch kernel declines
    with pytest.raises(NotImplementedError):
        m.outcome_batch(pos, sal, cap, arr.present, arr.low, arr.high)


def test_a_freeze_linkage_keeps_the_reference(tiny):
    sc = tiny.replace(
        linkages=(
            Linkage(
                id="hold",
                when=Condition(issue="y", op=">=", value=0),
                then=Effect(kind="freeze", issue="x"),
            ),
        )
    )
    f = DetenteForecaster().forecast(sc)
    assert f.outcome_of("x") == 50.0  # tiny's reference on x
    assert any(e.kind == "freeze" for e in f.events)


def test_chunked_pce_equals_one_pass(monkeypatch):
    """30 actors on 4 issues: computed in one pass, and in chunks of one issue at a time
    (the memory bound forced down), the probabilities agree (tolerance 1e-12) and sum to 1."""
    import detente.models.forecaster as fc

    rng = np.random.default_rng(1)
    x = rng.uniform(0, 100, (30, 4))
    w = rng.uniform(0.1, 1, (30, 4))
    present = rng.uniform(size=(30, 4)) < 0.8
    e1, p1 = condorcet_expectation(x, w, present, np.full(4, 100.0))
    monkeypatch.setattr(fc, "_CHUNK_ELEMENTS", 30**3)
    e2, p2 = fc.condorcet_expectation(x, w, present, np.full(4, 100.0))
    assert p2 == pytest.approx(p1, abs=1e-12)
    assert e2 == pytest.approx(e1, abs=1e-12)
    assert p1.sum(axis=0) == pytest.approx(np.ones(4), abs=1e-12)
    assert (p1[~present] == 0).all()


def test_fast_coalitions_equal_the_definition():
    """The O(A² log A) coalitions equal Σ_a w_a max(0, d²(a,k) - d²(a,j)) computed
    directly, up to the common factor of the per-row rescaling (tolerance 1e-12 relative),
    with ties, absent actors (weight 0) and repeated positions."""
    from detente.models.forecaster import _coalitions

    rng = np.random.default_rng(4)
    x = np.round(rng.uniform(0, 100, (50, 9)) / 10) * 10  # many ties
    w = rng.uniform(0, 1, (50, 9)) * (rng.uniform(size=(50, 9)) < 0.8)
    d2 = (x[:, :, None] - x[:, None, :]) ** 2
    direct = np.einsum("ra,rajk->rjk", w, np.maximum(d2[:, :, None, :] - d2[:, :, :, None], 0))
    width = x.max(axis=1) - x.min(axis=1)
    fast = _coalitions(x, w) * (width**2)[:, None, None]
    assert fast == pytest.approx(direct, rel=1e-12, abs=1e-9)
