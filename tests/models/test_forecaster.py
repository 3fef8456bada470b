"""The ``detente`` forecaster: the median of three forecasts, by hand, its invariants,
and each part against the model it stands for."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.analysis.ensemble import has_batch
from detente.errors import InputError
from detente.models import available, get_model
from detente.models.forecaster import (
    PARTS,
    DetenteForecaster,
    bargaining_weights,
    condorcet_expectation,
    median_of_parts,
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


def trading() -> Scenario:
    """Four actors on two issues that the exchange model trades on: a and b care about x,
    c and d about y, and they sit on opposite sides of both outcomes."""
    pos = {"a": (0.0, 100.0), "b": (10.0, 90.0), "c": (100.0, 0.0), "d": (80.0, 20.0)}
    sal = {"a": (0.9, 0.2), "b": (0.8, 0.3), "c": (0.2, 0.9), "d": (0.3, 0.7)}
    cap = {"a": 1.0, "b": 2.0, "c": 1.5, "d": 1.0}
    return Scenario(
        id="trade",
        actors=tuple(Actor(id=a, capability=c) for a, c in cap.items()),
        issues=(Issue(id="x", reference=0.0), Issue(id="y")),
        stances=tuple(
            Stance(actor=a, issue=i, position=pos[a][k], salience=sal[a][k])
            for a in pos
            for k, i in enumerate(("x", "y"))
        ),
    )


def test_registered_without_parameters():
    assert "detente" in available()
    m = get_model("detente")
    assert m.get_params() == {}
    assert not m.stochastic  # the exchange part breaks exact ties with a fixed stream
    assert not has_batch(m)  # ensembles forecast each draw
    with pytest.raises(InputError, match="no parameter"):
        get_model("detente", condorcet_share=0.5)


def test_median_of_parts_by_hand():
    """Columns: (10, 20, 30) -> 20, the election's; (50, 40, 60) -> 50, the compromise's;
    (30, 30, 90) -> 30, compromise and election tie and the compromise is named."""
    parts = np.array([[10.0, 50.0, 30.0], [20.0, 40.0, 30.0], [30.0, 60.0, 90.0]])
    med, which = median_of_parts(parts, np.full(3, 100.0))
    assert med.tolist() == [20.0, 50.0, 30.0]
    assert [PARTS[k] for k in which] == ["condorcet", "compromise", "compromise"]
    # within TIE_RTOL of the span counts as equal: the first part is named
    med, which = median_of_parts(np.array([[40.0], [40.0 + 1e-12], [70.0]]), np.array([100.0]))
    assert PARTS[int(which[0])] == "compromise"


def test_weights_by_hand():
    """s · (c / max c)^α: capabilities 4 and 1 with α = 0.5 give relative 1 and 0.5."""
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


def test_one_issue_by_hand():
    """The election above as a scenario: saliences 1, capabilities 2, 1, 1.

    Compromise (0·2 + 50 + 100) / 4 = 37.5; election (50·7/12 + 100/24) / (61/72) = 39.34;
    one issue leaves nothing to trade, so the exchange forecast is the compromise, 37.5;
    the median is 37.5, the compromise's, and the Condorcet favourite is a1 (p = 7/12 of
    61/72 = 0.689)."""
    f = DetenteForecaster().forecast(one_issue([0.0, 50.0, 100.0], [1, 1, 1], [2.0, 1.0, 1.0]))
    d = f.details["x"]
    assert d["compromise"] == pytest.approx(37.5, abs=1e-12)
    assert d["condorcet"] == pytest.approx((175 / 6 + 25 / 6) * 72 / 61, abs=1e-9)
    assert d["exchange"] == pytest.approx(37.5, abs=1e-12)
    assert f.outcome[0] == pytest.approx(37.5, abs=1e-12)
    assert d["chosen"] == "compromise"
    assert d["condorcet_favourite"] == "a1"
    assert d["condorcet_probability"] == pytest.approx(7 / 12 * 72 / 61, abs=1e-12)


def test_parts_are_the_models_they_stand_for():
    """On a scenario the exchange model trades on, the three parts equal the compromise
    model's forecast, the quadratic election with weights s·c, and the s·c-weighted mean of
    the exchange model's final positions (tolerance 1e-9); the forecast is their median."""
    sc = trading()
    arr = sc.arrays()
    f = DetenteForecaster().forecast(sc, seed=3)
    compromise = get_model("compromise").forecast(sc).outcome
    w = arr.salience * arr.capability
    election, _ = condorcet_expectation(arr.position, w, arr.present, arr.high - arr.low)
    traded = get_model("exchange").forecast(sc, seed=0).positions[-1]  # EXCHANGE_TIE_SEED
    exchange = (w * traded).sum(axis=0) / w.sum(axis=0)
    parts = np.stack([compromise, election, exchange])
    assert np.abs(exchange - compromise).max() > 1.0  # the exchange did trade here
    for k, iss in enumerate(arr.issue_ids):
        got = [f.details[iss][p] for p in PARTS]
        assert got == pytest.approx(parts[:, k].tolist(), abs=1e-9)
    assert f.outcome == pytest.approx(np.median(parts, axis=0), abs=1e-9)
    # the same seed gives the same forecast
    assert DetenteForecaster().forecast(sc, seed=3).outcome.tolist() == f.outcome.tolist()


def test_unanimous_issue_stays_at_the_common_position():
    sc = one_issue([30.0, 30.0, 30.0], [0.2, 0.9, 0.5], [1.0, 3.0, 2.0], reference=0.0)
    assert DetenteForecaster().forecast(sc).outcome[0] == pytest.approx(30.0, abs=1e-12)


@settings(max_examples=30, deadline=None)
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
    forecast lies between the smallest and largest of its three parts and within the
    actors' positions (tolerance 1e-9)."""
    pos, sal, cap = (list(v) for v in zip(*rows, strict=True))
    f = DetenteForecaster().forecast(one_issue(pos, sal, cap, reference))
    base = f.outcome[0]
    order = [k for k in perm if k < len(rows)]
    permuted = one_issue(
        [pos[k] for k in order], [sal[k] for k in order], [cap[k] for k in order], reference
    )
    assert DetenteForecaster().forecast(permuted).outcome[0] == pytest.approx(base, abs=1e-9)
    scaled = one_issue(pos, sal, [c * scale for c in cap], reference)
    assert DetenteForecaster().forecast(scaled).outcome[0] == pytest.approx(base, abs=1e-9)
    parts = [f.details["x"][p] for p in PARTS]
    assert min(parts) - 1e-9 <= base <= max(parts) + 1e-9
    assert min(pos) - 1e-9 <= base <= max(pos) + 1e-9


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


def test_documented_deu2_figures(shared_data):
    """The figures of docs/validation.md §2-3 on the development file, default options,
    seed 0: compromise MAE 25.71, detente 24.47 (in-sample for the choice of the
    combination), RMSE 32.34 and 31.80; tolerance 0.01."""
    import warnings

    from detente.errors import InputNotice
    from detente.validation import load_dataset, validate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        ds = load_dataset(shared_data / "deu2" / "DEU2.csv")
    res = validate(ds, ["compromise", "detente"], n_boot=200)
    assert res.n_issues == 190
    assert res.scores["compromise"]["mae"] == pytest.approx(25.71, abs=0.01)
    assert res.scores["detente"]["mae"] == pytest.approx(24.47, abs=0.01)
    assert res.scores["compromise"]["rmse"] == pytest.approx(32.34, abs=0.01)
    assert res.scores["detente"]["rmse"] == pytest.approx(31.80, abs=0.01)


def test_exchange_rounds_by_hand():
    """Ten rounds while ten rounds of the first round's candidates fit in the budget of 40
    million (every first round the exchange model plays in full, up to its 4 million), then
    as many as fit, one at least."""
    from detente.models.forecaster import EXCHANGE_BUDGET, exchange_rounds

    assert EXCHANGE_BUDGET == 40_000_000
    assert [exchange_rounds(n) for n in (0, 1, 4_000_000)] == [10, 10, 10]
    assert exchange_rounds(4_000_001) == 9
    assert exchange_rounds(10_000_000) == 4
    assert exchange_rounds(25_000_000) == 1  # about 1,000 actors x 20 issues
    assert exchange_rounds(600_000_000) == 1  # about 2,000 x 50


def test_the_exchange_part_is_the_exchange_model_below_the_budget():
    """On the bundled scenario and the trading one: ten rounds, no note, no approximation
    event; the exchange part equals the exchange model's ten rounds bit for bit."""
    from detente.models.exchange import Exchange
    from detente.scenarios import load_bundled

    for sc in (trading(), load_bundled("us-russia-reset")):
        arr = sc.arrays()
        f = DetenteForecaster().forecast(sc, seed=5)
        assert f.notes == ()
        assert not [e for e in f.events if e.kind == "approximation"]
        assert {d["exchange_rounds"] for d in f.details.values()} == {10}
        assert {d["exchange_pruned_rounds"] for d in f.details.values()} == {0}
        w = bargaining_weights(arr.salience, arr.capability, arr.present, 1.0)
        traded = Exchange().forecast(sc, seed=0).positions[-1]
        want = (w * np.where(arr.present, traded, 0.0)).sum(0) / w.sum(0)
        got = DetenteForecaster().parts(sc)["exchange"]
        assert np.array_equal(got, want)


def test_above_the_budget_fewer_rounds_and_said_so(monkeypatch):
    """With the budget lowered below ten rounds of the trading scenario's candidates, the
    exchange part plays budget // candidates rounds of the exchange model, and the forecast
    says so in its notes, its trace and every issue's details."""
    import detente.models.forecaster as fc
    from detente.models.exchange import Exchange, first_round_candidates

    sc = trading()
    n = first_round_candidates(sc)
    assert n > 0
    monkeypatch.setattr(fc, "EXCHANGE_BUDGET", 2 * n + n // 2)
    f = DetenteForecaster().forecast(sc, seed=1)
    assert {d["exchange_rounds"] for d in f.details.values()} == {2}
    (note,) = f.notes
    assert "played 2 of the exchange model's 10 rounds" in note
    (ev,) = [e for e in f.events if e.kind == "approximation"]
    assert ev.data["exchange_rounds"] == 2 and ev.data["exchange_candidates"] == n
    arr = sc.arrays()
    w = arr.salience * arr.capability
    traded = Exchange(rounds=2).forecast(sc, seed=0).positions[-1]
    want = (w * traded).sum(0) / w.sum(0)
    assert [f.details[i]["exchange"] for i in arr.issue_ids] == pytest.approx(want, abs=1e-12)


def test_pruned_rounds_are_noted():
    from detente.models.forecaster import _approximation_notes

    assert _approximation_notes(100, 10, []) == []
    (rounds, pruned) = _approximation_notes(25_000_000, 1, [1])
    assert "played 1 of" in rounds and "25,000,000 candidate" in rounds
    assert pruned.startswith("Exchange round 1 had more candidates")


def test_progress_covers_the_election_then_the_exchange():
    from detente import progress

    heard: list[tuple[float, str]] = []
    with progress.listening(lambda s, t: heard.append((s, t))):
        DetenteForecaster().forecast(trading(), seed=0)
    shares = [s for s, _ in heard]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] == 1.0
    assert heard[0][1] == "detente: Condorcet elections"
    assert heard[-1][1] == "detente: exchange: round 10 of 10"


def tied() -> Scenario:
    """Five actors on three issues with discrete positions and saliences: the exchange
    model meets exact ties of gains, and which one it realises moves its forecast (by up to
    0.74 points of 100 over seeds 0..5)."""
    pos = [[50, 0, 25], [25, 25, 25], [0, 0, 0], [0, 50, 50], [50, 25, 50]]
    sal = [[1, 0.5, 0.5], [1, 1, 1], [0.5, 1, 1], [1, 1, 1], [1, 0.5, 1]]
    cap = [1.0, 2.0, 2.0, 2.0, 2.0]
    return Scenario(
        id="tied",
        actors=tuple(Actor(id=f"a{a}", capability=c) for a, c in enumerate(cap)),
        issues=tuple(Issue(id=f"i{k}") for k in range(3)),
        stances=tuple(
            Stance(actor=f"a{a}", issue=f"i{k}", position=pos[a][k], salience=sal[a][k])
            for a in range(5)
            for k in range(3)
        ),
    )


def test_the_forecast_does_not_depend_on_the_seed():
    """On a scenario whose exchange forecast depends on the seed (exact ties), the detente
    forecast is the same for every seed (bit for bit), its exchange part is the exchange
    model's with the fixed tie stream EXCHANGE_TIE_SEED, and the seed given is recorded."""
    from detente.models.forecaster import EXCHANGE_TIE_SEED

    sc = tied()
    exchange = get_model("exchange")
    draws = np.array([exchange.forecast(sc, seed=s).outcome for s in range(6)])
    assert np.ptp(draws, axis=0).max() > 0.5  # the ties matter to the exchange model
    f0 = DetenteForecaster().forecast(sc, seed=0)
    for s in (1, 2, 3, 4, 5, None):
        f = DetenteForecaster().forecast(sc, seed=s)
        assert f.outcome.tolist() == f0.outcome.tolist()
        assert f.seed == s
    arr = sc.arrays()
    w = arr.salience * arr.capability
    traded = exchange.forecast(sc, seed=EXCHANGE_TIE_SEED).positions[-1]
    want = (w * traded).sum(0) / w.sum(0)
    assert [f0.details[i]["exchange"] for i in arr.issue_ids] == pytest.approx(want, abs=1e-12)
