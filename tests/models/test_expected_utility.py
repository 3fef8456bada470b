"""The expected-utility model: reference trajectories, a plain transcription of the
reference formulas, invariants, linkages, ensembles, options, the compiled kernel for many
small games and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import detente.models._eu_kernel as kernel
import detente.models._eu_numba as compiled
import detente.models.expected_utility as eu_module
from cli_runner import run_detente_codes
from detente.errors import InputError
from detente.models.expected_utility import ExpectedUtility
from detente.models.registry import get_model
from detente.scenario import Actor, Condition, Effect, Issue, Linkage, Scale, Scenario, Stance

BDM = "reference_cases/dmasad_ExampleActors.csv"
OUT = "reference_outputs/bdm"


# --------------------------------------------------------------------------- helpers
def _scenario(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    *,
    present: np.ndarray | None = None,
    names: list[str] | None = None,
    low: float = 0.0,
    high: float = 100.0,
    linkages: tuple[Linkage, ...] = (),
) -> Scenario:
    """A scenario from (A, I) arrays; capability per stance."""
    position = np.asarray(position, dtype=float)
    a, i = position.shape
    present = np.ones((a, i), bool) if present is None else present
    names = names or [f"a{k}" for k in range(a)]
    return Scenario(
        id="test",
        actors=tuple(Actor(id=n) for n in names),
        issues=tuple(Issue(id=f"i{k}", scale=Scale(low=low, high=high)) for k in range(i)),
        stances=tuple(
            Stance(
                actor=names[p],
                issue=f"i{q}",
                position=float(position[p, q]),
                salience=float(salience[p, q]),
                capability=float(capability[p, q]),
            )
            for p in range(a)
            for q in range(i)
            if present[p, q]
        ),
        linkages=linkages,
    )


def _bdm_case(shared_data) -> tuple[Scenario, list[str]]:
    """The EC emission-standards case: Actor, Capability, Position, Salience (0..100)."""
    df = pd.read_csv(shared_data / BDM)
    names = list(df["Actor"])
    col = lambda name: df[name].to_numpy(float)[:, None]  # noqa: E731
    sc = _scenario(
        col("Position"),
        col("Salience") / 100.0,
        col("Capability"),
        names=names,
        low=float(df["Position"].min()),
        high=float(df["Position"].max()),
    )
    return sc, names


def _random(seed: int, a: int, i: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions uniform on 0..100, saliences uniform on 0.05..1, capability lognormal."""
    rng = np.random.default_rng(seed)
    return (
        rng.uniform(0, 100, (a, i)),
        rng.uniform(0.05, 1.0, (a, i)),
        rng.lognormal(0.0, 1.0, (a, i)),
    )


def _naive_vote(x, s, c, span, k, a, b, r):
    """cmp_k(a, b): k's vote for position a against position b."""
    return c[k] * s[k] * ((abs(x[k] - b) / span) ** r[k] - (abs(x[k] - a) / span) ** r[k])


def _naive_probability(x, s, c, span, r, denominator):
    n = len(x)
    every = sum(
        abs(_naive_vote(x, s, c, span, k, x[a], x[b], r))
        for k in range(n)
        for a in range(n)
        for b in range(n)
    )

    def p(i, j):
        if x[i] == x[j]:
            return 0.0
        votes = [_naive_vote(x, s, c, span, k, x[i], x[j], r) for k in range(n)]
        num = sum(max(0.0, v) for v in votes)
        return num / (every if denominator == "all_pairs" else sum(abs(v) for v in votes))

    return p


def _naive_eu(x, s, span, h, i, j, p, r):
    """E^h(U_ij), with Q = 1."""
    d = abs(x[i] - x[j]) / span
    us = 2 - 4 * (0.5 - 0.5 * d) ** r[h]
    uf = 2 - 4 * (0.5 + 0.5 * d) ** r[h]
    usq = 2 - 4 * 0.5 ** r[h]
    pij = p(i, j)
    return s[j] * (pij * us + (1 - pij) * uf) + (1 - s[j]) * us - usq


#: the model's tolerance of ties, written out here (the model's own constant is checked)
TIE = 1e-9


def test_the_transcription_uses_the_models_tolerance():
    assert kernel.TIE == compiled.TIE == TIE


def _naive_game(x, s, c, rounds, denominator="all_pairs", choice="scholz", capitulation=False):
    """(E1)-(E8) written out with plain loops over actors, one issue: the check on the
    vectorised kernel. Ties as the model documents them: expected utilities within TIE
    and offer keys within TIE x span count as equal, and ties among offers go to the lower
    position (then the lower actor index)."""
    x = [float(v) for v in x]
    n = len(x)
    span = max(x) - min(x)
    traj, risks = [x[:]], []
    for _ in range(rounds):
        ones = [1.0] * n
        p1 = _naive_probability(x, s, c, span, ones, denominator)
        danger = [
            sum(_naive_eu(x, s, span, j, j, i, p1, ones) for j in range(n) if j != i)
            for i in range(n)
        ]
        hi, lo = max(danger), min(danger)
        # all dangers equal to within TIE (every actor at one position): r = 1
        equal = hi - lo <= TIE * max(abs(hi), abs(lo), 1.0)
        big_r = [0.0 if equal else (2 * d - hi - lo) / (hi - lo) for d in danger]
        r = [(1 - v / 3) / (1 + v / 3) for v in big_r]
        p = _naive_probability(x, s, c, span, r, denominator)
        new = x[:]
        for i in range(n):
            offers = {"confrontation": [], "compromise": [], "capitulation": []}
            for j in range(n):
                if x[i] == x[j]:
                    continue
                eij, eji = (
                    _naive_eu(x, s, span, i, i, j, p, r),
                    _naive_eu(x, s, span, i, j, i, p, r),
                )
                if eji - eij > TIE and eij > TIE:
                    offers["confrontation"].append((abs(x[j] - x[i]), x[j], j, x[j]))
                elif eji > TIE and eij < -TIE and eji - abs(eij) > TIE:
                    pos = x[i] + (x[j] - x[i]) * abs(eij / eji)
                    if choice == "scholz":
                        key = (abs(eij) * x[i] + abs(eji) * x[j]) / (abs(eij) + abs(eji))
                    else:
                        key = abs(pos - x[i])
                    offers["compromise"].append((key, x[j], j, pos))
                elif capitulation and eji > TIE and eij < -TIE and abs(eij) - eji > TIE:
                    offers["capitulation"].append((abs(x[j] - x[i]), x[j], j, x[j]))
            for kind in ("confrontation", "compromise", "capitulation"):
                if offers[kind]:
                    least = min(o[0] for o in offers[kind])
                    tied = [o for o in offers[kind] if o[0] <= least + TIE * span]
                    new[i] = min(tied, key=lambda o: (o[1], o[2]))[3]
                    break
        x = new
        traj.append(x[:])
        risks.append(r)
    return np.array(traj), np.array(risks)


# --------------------------------------------------------------------------- references
def test_reproduces_the_jmckib_reference_trajectories_and_risk(shared_data):
    sc, names = _bdm_case(shared_data)
    fc = ExpectedUtility(rounds=10).forecast(sc)
    ref = pd.read_csv(shared_data / OUT / "jmckib_ExampleActors_10rounds.csv")
    risk = pd.read_csv(shared_data / OUT / "jmckib_ExampleActors_10rounds_risk_r.csv")
    assert fc.n_rounds == 10
    # the CSV holds 6 decimals: every actor at every round within 1e-6
    np.testing.assert_allclose(fc.positions[:, :, 0], ref[names].to_numpy(), rtol=0, atol=1e-6)
    d = fc.details["i0"]
    got_r = np.array([d["risk_exponents"][a] for a in names]).T
    np.testing.assert_allclose(got_r, risk[names].to_numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(d["mean_by_round"], ref["mean"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(d["median_by_round"], ref["median"], rtol=0, atol=1e-6)
    assert fc.outcome[0] == pytest.approx(ref["mean"].iloc[-1], abs=1e-6)


def test_matches_the_jmckib_json_to_rounding_and_its_moves(shared_data):
    sc, names = _bdm_case(shared_data)
    fc = ExpectedUtility().forecast(sc)
    hist = json.loads((shared_data / OUT / "jmckib_ExampleActors_10rounds.json").read_text())
    hist = hist["history"]
    want = np.array([[h["positions"][a] for a in names] for h in hist])
    np.testing.assert_allclose(fc.positions[:, :, 0], want, rtol=0, atol=1e-12)
    assert fc.details["i0"]["moves"] == sum(len(h["moves"]) for h in hist[1:])
    for t, h in enumerate(hist[1:], start=1):
        moves = [e for e in fc.events if e.round == t and e.kind in ("confrontation", "compromise")]
        got = {(e.actors[0], e.actors[1], e.kind): e for e in moves}
        assert set(got) == {(m["actor"], m["from"], m["type"]) for m in h["moves"]}
        for m in h["moves"]:
            e = got[(m["actor"], m["from"], m["type"])]
            assert e.data["to"] == pytest.approx(m["new_pos"], abs=1e-12)
            assert e.data["eu_receiver"] == pytest.approx(m["eu"], abs=1e-12)
            assert e.data["eu_proposer"] == pytest.approx(m["other_eu"], abs=1e-12)


def test_reproduces_the_dmasad_reading(shared_data):
    sc, names = _bdm_case(shared_data)
    fc = ExpectedUtility(variant="dmasad").forecast(sc)
    ref = pd.read_csv(shared_data / OUT / "dmasad_ExampleActors_10rounds.csv")
    risk = pd.read_csv(shared_data / OUT / "dmasad_ExampleActors_10rounds_risk_r.csv")
    np.testing.assert_allclose(fc.positions[:, :, 0], ref[names].to_numpy(), rtol=0, atol=1e-6)
    got_r = np.array([fc.details["i0"]["risk_exponents"][a] for a in names]).T
    np.testing.assert_allclose(got_r, risk[names].to_numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        fc.details["i0"]["mean_by_round"], ref["weighted_mean"], rtol=0, atol=1e-6
    )
    # and to rounding against the full-precision JSON of the same run
    hist = json.loads((shared_data / OUT / "dmasad_ExampleActors_10rounds.json").read_text())
    want = np.array([[h["positions"][a] for a in names] for h in hist["history"]])
    np.testing.assert_allclose(fc.positions[:, :, 0], want, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------- transcription
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"denominator": "pair"},
        {"choice": "least_change"},
        {"capitulation": True},
        {"denominator": "pair", "choice": "least_change", "capitulation": True},
    ],
)
@pytest.mark.parametrize(("seed", "n", "rounds"), [(1, 6, 8), (2, 9, 6)])
def test_kernel_equals_the_plain_transcription(options, seed, n, rounds):
    x, s, c = _random(seed, n)
    want, want_r = _naive_game(x[:, 0], s[:, 0], c[:, 0], rounds, **options)
    fc = ExpectedUtility(rounds=rounds, **options).forecast(_scenario(x, s, c))
    np.testing.assert_allclose(fc.positions[:, :, 0], want, rtol=0, atol=1e-9)
    got_r = np.array(list(fc.details["i0"]["risk_exponents"].values())).T
    np.testing.assert_allclose(got_r, want_r, rtol=0, atol=1e-9)


def test_paper_options_change_the_play():
    x, s, c = _random(2, 9)
    kinds = {}
    for opts in ({}, {"capitulation": True}):
        fc = ExpectedUtility(rounds=6, **opts).forecast(_scenario(x, s, c))
        kinds[bool(opts)] = {e.kind for e in fc.events}
    assert "capitulation" not in kinds[False]
    assert "capitulation" in kinds[True]


@pytest.mark.parametrize("broadcast_max", [0, 1000])
def test_large_game_both_count_paths_equal_the_transcription(monkeypatch, broadcast_max):
    monkeypatch.setattr(kernel, "_COUNT_BROADCAST_MAX", broadcast_max)
    x, s, c = _random(5, 30)
    want, _ = _naive_game(x[:, 0], s[:, 0], c[:, 0], 2, denominator="pair")
    fc = ExpectedUtility(rounds=2, denominator="pair").forecast(_scenario(x, s, c))
    np.testing.assert_allclose(fc.positions[:, :, 0], want, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- invariants
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 8), issues=st.integers(1, 3))
def test_permuting_actors_permutes_nothing_in_the_outcome(seed, n, issues):
    x, s, c = _random(seed, n, issues)
    perm = np.random.default_rng(seed + 1).permutation(n)
    model = ExpectedUtility(rounds=5)
    a = model.forecast(_scenario(x, s, c))
    b = model.forecast(_scenario(x[perm], s[perm], c[perm], names=[f"a{k}" for k in perm]))
    np.testing.assert_allclose(a.outcome, b.outcome, rtol=0, atol=1e-9)
    np.testing.assert_allclose(a.positions[:, perm], b.positions, rtol=0, atol=1e-9)


def test_permuting_the_reference_case_with_its_ties(shared_data):
    sc, _ = _bdm_case(shared_data)
    arr = sc.arrays()
    perm = np.arange(arr.n_actors)[::-1]
    names = [arr.actor_ids[k] for k in perm]
    sc2 = _scenario(
        arr.position[perm], arr.salience[perm], arr.capability[perm], names=names, low=4, high=10
    )
    a, b = ExpectedUtility().forecast(sc), ExpectedUtility().forecast(sc2)
    np.testing.assert_allclose(a.positions[:, perm], b.positions, rtol=0, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 8),
    factor=st.sampled_from([2.0**-10, 0.25, 2.0, 8.0, 2.0**20]),
)
def test_scaling_capabilities_leaves_the_forecast_unchanged(seed, n, factor):
    # powers of two scale exactly, so even knife-edge comparisons cannot flip
    x, s, c = _random(seed, n, 2)
    model = ExpectedUtility(rounds=5)
    a = model.forecast(_scenario(x, s, c))
    b = model.forecast(_scenario(x, s, c * factor))
    np.testing.assert_allclose(a.positions, b.positions, rtol=0, atol=1e-12)


def test_scaling_capabilities_by_any_constant(shared_data):
    sc, names = _bdm_case(shared_data)
    arr = sc.arrays()
    sc2 = _scenario(arr.position, arr.salience, arr.capability * 3.7, names=names, low=4, high=10)
    a, b = ExpectedUtility().forecast(sc), ExpectedUtility().forecast(sc2)
    np.testing.assert_allclose(a.positions, b.positions, rtol=0, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 7),
    common=st.floats(0, 100),
    variant=st.sampled_from(["scholz", "dmasad"]),
)
def test_a_unanimous_issue_forecasts_the_common_position(seed, n, common, variant):
    x, s, c = _random(seed, n, 2)
    x[:, 1] = common
    fc = ExpectedUtility(rounds=4, variant=variant).forecast(_scenario(x, s, c))
    assert fc.outcome[1] == pytest.approx(common, abs=1e-9)
    assert np.all(fc.positions[:, :, 1] == common)
    assert fc.details["i1"]["median"] == pytest.approx(common, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 9),
    outcome=st.sampled_from(["mean", "median"]),
    variant=st.sampled_from(["scholz", "dmasad"]),
    scale=st.sampled_from(["positions", "issue"]),
)
def test_the_outcome_lies_within_the_span_of_the_positions(seed, n, outcome, variant, scale):
    x, s, c = _random(seed, n, 2)
    fc = ExpectedUtility(rounds=6, outcome=outcome, variant=variant, scale=scale).forecast(
        _scenario(x, s, c)
    )
    assert np.all(np.isfinite(fc.positions))
    assert np.all(fc.outcome >= x.min(axis=0) - 1e-9)
    assert np.all(fc.outcome <= x.max(axis=0) + 1e-9)
    assert np.all(fc.positions >= x.min(axis=0) - 1e-9)
    assert np.all(fc.positions <= x.max(axis=0) + 1e-9)


# --------------------------------------------------------------------------- scenarios
def test_absent_actors_take_no_part(tiny):
    fc = ExpectedUtility().forecast(tiny)
    arr = tiny.arrays()
    assert np.all(np.isfinite(fc.positions)) and np.all(np.isfinite(fc.outcome))
    k = arr.issue_ids.index("y")
    assert set(fc.trajectory("y")) == {"a", "b"}
    # c is absent from y: its filler position never moves and nobody offers it anything
    assert np.all(fc.positions[:, arr.actor_ids.index("c"), k] == 50.0)
    assert all("c" not in e.actors for e in fc.events if e.issues == ("y",))
    # an absent actor is no voter: adding one far away changes nothing on y
    x, s, c = arr.position.copy(), arr.salience.copy(), arr.capability.copy()
    pres = arr.present.copy()
    two = _scenario(x[:2, [k]], s[:2, [k]], c[:2, [k]], names=["a", "b"])
    np.testing.assert_allclose(
        ExpectedUtility().forecast(two).positions[:, :, 0], fc.positions[:, :2, k], atol=1e-12
    )
    assert not pres[2, k]


def test_a_linkage_changes_the_forecast():
    x, s, c = _random(7, 6, 2)
    # the hold: while the first issue's weighted mean is below 101 (always), a0 keeps its
    # position on the second issue
    link = Linkage(
        id="hold",
        when=Condition(issue="i0", op="<", value=101),
        then=Effect(kind="hold", issue="i1", actor="a0"),
    )
    free = ExpectedUtility().forecast(_scenario(x, s, c))
    held = ExpectedUtility().forecast(_scenario(x, s, c, linkages=(link,)))
    assert np.ptp(free.positions[:, 0, 1]) > 0  # a0 moves when free
    assert np.all(held.positions[:, 0, 1] == x[0, 1])
    assert held.outcome[1] != pytest.approx(free.outcome[1], abs=1e-6)
    assert any(e.data.get("held") for e in held.events)


def test_bundled_scenario_runs():
    scenarios = pytest.importorskip("detente.scenarios")
    sc = scenarios.load_bundled("us-russia-reset")
    fc = ExpectedUtility().forecast(sc)
    arr = sc.arrays()
    assert fc.positions.shape == (11, arr.n_actors, arr.n_issues)
    assert np.all(np.isfinite(fc.positions))
    assert np.all(fc.positions >= arr.low - 1e-9) and np.all(fc.positions <= arr.high + 1e-9)
    json.dumps(fc.to_dict(events=True))


# --------------------------------------------------------------------------- rounds
def test_convergence_stops_each_issue(tiny):
    fc = ExpectedUtility(stop="positions", tol=1e-9, max_rounds=50).forecast(tiny)
    for iss in tiny.issue_ids:
        d = fc.details[iss]
        assert d["converged"] is True
        assert d["rounds"] < 50
        # the last round played on the issue moved nothing
        k = tiny.issue_ids.index(iss)
        r = d["rounds"]
        np.testing.assert_array_equal(fc.positions[r, :, k], fc.positions[r - 1, :, k])


def test_a_cycling_game_reports_no_convergence(shared_data):
    # the reference case cycles (Belgium, Luxembourg and Ireland chase each other)
    sc, _ = _bdm_case(shared_data)
    fc = ExpectedUtility(stop="mean", tol=1e-9, max_rounds=30).forecast(sc)
    assert fc.n_rounds == 30
    assert fc.details["i0"]["converged"] is False
    assert any("not converged within 30 rounds" in line for line in fc.notes)


def test_outcome_median_option(shared_data):
    sc, _ = _bdm_case(shared_data)
    ref = pd.read_csv(shared_data / OUT / "jmckib_ExampleActors_10rounds.csv")
    fc = ExpectedUtility(outcome="median").forecast(sc)
    assert fc.outcome[0] == pytest.approx(ref["median"].iloc[-1], abs=1e-6)
    assert fc.details["i0"]["mean"] == pytest.approx(ref["mean"].iloc[-1], abs=1e-6)


# --------------------------------------------------------------------------- ensembles
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"variant": "dmasad", "outcome": "median"},
        {"stop": "positions", "tol": 1e-3, "max_rounds": 20},
    ],
)
def test_outcome_batch_equals_forecasts_draw_by_draw(params):
    rng = np.random.default_rng(3)
    e, a, i = 4, 7, 3
    pos = rng.uniform(0, 100, (e, a, i))
    sal = rng.uniform(0.05, 1, (e, a, i))
    cap = rng.lognormal(0, 1, (e, a, i))
    present = np.ones((a, i), bool)
    present[6, 2] = False
    model = ExpectedUtility(**params)
    out = model.outcome_batch(pos, sal, cap, present, np.zeros(i), np.full(i, 100.0))
    assert out.shape == (e, i)
    for d in range(e):
        fc = model.forecast(_scenario(pos[d], sal[d], cap[d], present=present))
        np.testing.assert_allclose(out[d], fc.outcome, rtol=0, atol=1e-12)


def test_outcome_batch_applies_linkages_when_given_the_scenario():
    rng = np.random.default_rng(8)
    e, a, i = 3, 6, 2
    pos = rng.uniform(0, 100, (e, a, i))
    sal = rng.uniform(0.05, 1, (e, a, i))
    cap = rng.lognormal(0, 1, (e, a, i))
    link = Linkage(
        id="freeze",
        when=Condition(issue="i0", op=">", value=float(np.median(pos[:, :, 0]))),
        then=Effect(kind="hold", issue="i1", actor="a2"),
    )
    base = _scenario(pos[0], sal[0], cap[0], linkages=(link,))
    present, low, high = np.ones((a, i), bool), np.zeros(i), np.full(i, 100.0)
    model = ExpectedUtility()
    out = model.outcome_batch(pos, sal, cap, present, low, high, scenario=base)
    plain = model.outcome_batch(pos, sal, cap, present, low, high)
    linked = [
        model.forecast(_scenario(pos[d], sal[d], cap[d], linkages=(link,))).outcome
        for d in range(e)
    ]
    np.testing.assert_allclose(out, np.array(linked), rtol=0, atol=1e-12)
    assert not np.allclose(out, plain)


# --------------------------------------------------------------------------- trace
def test_trace_levels(shared_data):
    sc, _ = _bdm_case(shared_data)
    every = ExpectedUtility().forecast(sc).events
    assert {"offer", "confrontation", "compromise", "round"} <= {e.kind for e in every}
    offers = [e for e in every if e.kind == "offer"]
    assert all(len(e.actors) == 2 and e.text for e in offers)
    moves = ExpectedUtility(trace="moves").forecast(sc).events
    assert "offer" not in {e.kind for e in moves}
    assert [e for e in every if e.kind != "offer"] == list(moves)
    assert ExpectedUtility(trace="none").forecast(sc).events == ()
    # with more than 20 actors only the accepted moves are kept
    x, s, c = _random(4, 21)
    big = ExpectedUtility(rounds=2).forecast(_scenario(x, s, c)).events
    assert big and "offer" not in {e.kind for e in big}


def test_auto_trace_keeps_large_runs_small(shared_data, monkeypatch):
    sc, _ = _bdm_case(shared_data)  # 10 actors x 1 issue x 10 rounds = 1,000
    monkeypatch.setattr(eu_module, "TRACE_OFFER_BUDGET", 999)
    assert "offer" not in {e.kind for e in ExpectedUtility().forecast(sc).events}
    monkeypatch.setattr(eu_module, "TRACE_OFFER_BUDGET", 1000)
    assert "offer" in {e.kind for e in ExpectedUtility().forecast(sc).events}


# --------------------------------------------------------------------------- parameters
def test_registered_and_clonable():
    m = get_model("expected_utility", rounds="3", capitulation="true", choice="least_change")
    assert isinstance(m, ExpectedUtility)
    assert (m.rounds, m.capitulation, m.choice) == (3, True, "least_change")
    assert m.with_params(rounds=4) == ExpectedUtility(
        rounds=4, capitulation=True, choice="least_change"
    )


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"rounds": -1}, "rounds"),
        ({"rounds": 2.5}, "rounds"),
        ({"max_rounds": 0}, "max_rounds"),
        ({"tol": float("nan")}, "tol"),
        ({"stop": "never"}, "stop"),
        ({"outcome": "mode"}, "outcome"),
        ({"variant": "bdm"}, "variant"),
        ({"denominator": "some"}, "denominator"),
        ({"choice": "best"}, "choice"),
        ({"capitulation": "yes"}, "capitulation"),
        ({"scale": "log"}, "scale"),
        ({"trace": "all"}, "trace"),
        ({"variant": "dmasad", "denominator": "pair"}, "denominator"),
    ],
)
def test_bad_parameters_are_input_errors(params, key):
    with pytest.raises(InputError) as err:
        ExpectedUtility(**params)
    assert err.value.where == f"--param expected_utility.{key}"
    assert err.value.allowed


# --------------------------------------------------------------------------- compiled kernel
needs_numba = pytest.mark.skipif(
    not compiled.ENABLED, reason="numba is not installed or DETENTE_NO_NUMBA is set"
)

#: every option combination the batch path takes (the outcome is computed after the play)
_BATCH_OPTIONS = [
    {"variant": "scholz", "denominator": d, "choice": c, "capitulation": cap}
    for d in ("all_pairs", "pair")
    for c in ("scholz", "least_change")
    for cap in (False, True)
] + [{"variant": "dmasad"}]


def _small_games(seed: int, games: int, actors: int):
    """Random games with what a kernel can trip on: absent actors, shared positions,
    saliences of 0 and 1, zero capabilities, games with one actor and with none."""
    rng = np.random.default_rng(seed)
    shape = (games, actors)
    x = rng.uniform(0, 100, shape)
    x = np.where(rng.random(shape) < 0.25, np.round(x / 25) * 25, x)
    s = rng.uniform(0, 1, shape)
    s = np.where(rng.random(shape) < 0.1, 1.0, np.where(rng.random(shape) < 0.05, 0.0, s))
    c = np.where(rng.random(shape) < 0.05, 0.0, rng.lognormal(0, 1, shape))
    present = rng.random(shape) > 0.2
    present[:2] = False
    present[1, 0] = True
    return x, s, c, present, np.zeros(games), np.full(games, 100.0)


def _both_kernels(monkeypatch, fn):
    """``fn()`` on the NumPy kernel, then on the compiled one (for any number of games)."""
    monkeypatch.setattr(compiled, "MIN_GAMES", 1)
    before = compiled.use_numba(False)
    try:
        plain = fn()
        compiled.use_numba(True)
        fast = fn()
    finally:
        compiled.use_numba(before)
    return plain, fast


def _assert_same_play(plain: kernel.GameResult, fast: kernel.GameResult) -> None:
    # the compiled kernel does the NumPy kernel's floating-point operations in the same
    # order (the powers by np.power in both): they agree to the last bit; 1e-12 is promised
    assert fast.trajectory.shape == plain.trajectory.shape
    np.testing.assert_allclose(fast.trajectory, plain.trajectory, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.risk, plain.risk, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fast.rounds_played, plain.rounds_played)
    np.testing.assert_array_equal(fast.converged, plain.converged)


@needs_numba
@pytest.mark.parametrize("options", _BATCH_OPTIONS, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.parametrize("stop", ["rounds", "positions", "mean"])
@pytest.mark.parametrize("scale", ["positions", "issue"])
def test_compiled_kernel_equals_the_numpy_kernel_on_random_games(monkeypatch, options, stop, scale):
    cfg = kernel.EUSettings(**options, stop=stop, rounds=10, tol=1e-3, max_rounds=25)
    # 13 actors: the all-pairs denominator sums more than 128 terms (NumPy splits the sum)
    for seed, actors in ((1, 3), (2, 8), (3, 13)):
        args = _small_games(seed, 100, actors)
        plain, fast = _both_kernels(monkeypatch, lambda a=args: kernel.play(*a, cfg, scale=scale))
        _assert_same_play(plain, fast)
        assert np.any(fast.trajectory[-1] != fast.trajectory[0])  # the games did move


@needs_numba
@pytest.mark.parametrize("options", _BATCH_OPTIONS, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.parametrize("stop", ["rounds", "mean"])
def test_compiled_kernel_equals_the_numpy_kernel_on_the_reference_case(
    shared_data, monkeypatch, options, stop
):
    sc, _ = _bdm_case(shared_data)
    model = ExpectedUtility(**options, stop=stop, tol=1e-9, max_rounds=30, trace="none")
    plain, fast = _both_kernels(monkeypatch, lambda: model.forecast(sc))
    np.testing.assert_allclose(fast.positions, plain.positions, rtol=0, atol=1e-12)
    assert fast.details == plain.details


@needs_numba
@pytest.mark.parametrize(
    ("variant", "ref"),
    [
        ("scholz", "jmckib_ExampleActors_10rounds.json"),
        ("dmasad", "dmasad_ExampleActors_10rounds.json"),
    ],
)
def test_compiled_kernel_reproduces_the_reference_runs(shared_data, monkeypatch, variant, ref):
    sc, names = _bdm_case(shared_data)
    monkeypatch.setattr(compiled, "MIN_GAMES", 1)
    fc = ExpectedUtility(variant=variant, trace="none").forecast(sc)
    hist = json.loads((shared_data / OUT / ref).read_text())["history"]
    want = np.array([[h["positions"][a] for a in names] for h in hist])
    np.testing.assert_allclose(fc.positions[:, :, 0], want, rtol=0, atol=1e-12)


@needs_numba
@pytest.mark.parametrize("params", [{}, {"stop": "positions", "tol": 1e-3}, {"outcome": "median"}])
def test_compiled_kernel_applies_linkages_like_the_numpy_kernel(monkeypatch, params):
    scenarios = pytest.importorskip("detente.scenarios")
    sc = scenarios.load_bundled("us-russia-reset")
    arr = sc.arrays()
    assert sc.linkages
    rng = np.random.default_rng(11)
    e = 12  # 108 games: the compiled kernel's regime without lowering MIN_GAMES
    shape = (e, *arr.position.shape)
    pos = np.clip(arr.position + rng.normal(0, 10, shape), arr.low, arr.high)
    sal = np.clip(arr.salience + rng.normal(0, 0.1, shape), 0, 1)
    cap = arr.capability * rng.uniform(0.8, 1.2, shape)
    model = ExpectedUtility(**params)
    batch = (pos, sal, cap, arr.present, arr.low, arr.high)
    plain, fast = _both_kernels(monkeypatch, lambda: model.outcome_batch(*batch, scenario=sc))
    np.testing.assert_allclose(fast, plain, rtol=0, atol=1e-12)
    assert not np.allclose(fast, model.outcome_batch(*batch))  # the linkages held something


@needs_numba
@pytest.mark.parametrize("threads", [1, 3])
def test_compiled_kernel_splits_the_games_between_threads(monkeypatch, threads):
    monkeypatch.setattr(compiled, "_threads", lambda games: threads)
    args = _small_games(4, 301, 6)
    cfg = kernel.EUSettings(stop="positions", tol=1e-3, max_rounds=25)
    plain, fast = _both_kernels(monkeypatch, lambda: kernel.play(*args, cfg))
    _assert_same_play(plain, fast)


@needs_numba
def test_only_many_small_games_without_a_trace_go_to_the_compiled_kernel(monkeypatch):
    calls: list[int] = []
    play = compiled.play
    monkeypatch.setattr(
        compiled, "play", lambda *a, **k: calls.append(a[0].shape[0]) or play(*a, **k)
    )
    cfg = kernel.EUSettings(rounds=2)
    many = compiled.MIN_GAMES
    kernel.play(*_small_games(5, many, 6), cfg)
    kernel.play(*_small_games(5, many, 6), cfg, record="moves")
    kernel.play(*_small_games(5, many - 1, 6), cfg)
    kernel.play(*_small_games(5, many, compiled.MAX_ACTORS + 1), cfg)
    assert calls == [many]


def test_detente_no_numba_keeps_the_numpy_kernel():
    code = "import detente.models._eu_numba as m; print(m.ENABLED, m.enabled())"
    env = {**os.environ, "DETENTE_NO_NUMBA": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- command line
def _cli(*args: str) -> tuple[int, str, str]:
    return run_detente_codes(*args)


def test_cli_json_trajectories_and_trace():
    pytest.importorskip("detente.cli")
    code, out, err = _cli(
        "run", "us-russia-reset", "--model", "expected_utility", "--json", "--trace"
    )
    assert code == 0, err
    (fc,) = json.loads(out)["forecasts"]
    assert fc["model"] == "expected_utility"
    traj = fc["issues"][0]["trajectory"]
    assert all(len(v) == 11 for v in traj.values())
    assert any(e["kind"] in ("confrontation", "compromise") for e in fc["events"])


def test_cli_bad_parameter_exits_2():
    pytest.importorskip("detente.cli")
    code, _out, err = _cli(
        "run", "--model", "expected_utility", "--param", "expected_utility.variant=bdm"
    )
    assert code == 2
    assert "expected_utility.variant" in err and "Traceback" not in err


def _assert_same_records(plain: kernel.GameResult, fast: kernel.GameResult) -> None:
    assert len(fast.records) == len(plain.records) > 0
    for a, b in zip(plain.records, fast.records, strict=True):
        for name in ("active", "n_offers", "chosen", "chosen_kind"):
            np.testing.assert_array_equal(getattr(b, name), getattr(a, name), err_msg=name)
        for name in ("risk", "chosen_eu_own", "chosen_eu_other", "old", "new"):
            np.testing.assert_allclose(getattr(b, name), getattr(a, name), rtol=0, atol=1e-12)
        assert (a.held is None) == (b.held is None)
        if a.held is not None:
            np.testing.assert_array_equal(b.held, a.held)


@needs_numba
@pytest.mark.parametrize("options", _BATCH_OPTIONS, ids=lambda o: "-".join(map(str, o.values())))
def test_compiled_kernel_records_the_moves_like_the_numpy_kernel(monkeypatch, options):
    monkeypatch.setattr(compiled, "LARGE_ACTORS", 5)  # small games take the large-game path
    monkeypatch.setattr(compiled, "POW_CHUNK", 500)  # and the chunks hold a few games each
    cfg = kernel.EUSettings(**options, stop="positions", tol=1e-3, max_rounds=12)
    args = _small_games(6, 40, 9)
    hold = lambda x: x > 60  # noqa: E731 - a linkage holding every position above 60
    plain, fast = _both_kernels(
        monkeypatch, lambda: kernel.play(*args, cfg, record="moves", hold=hold)
    )
    _assert_same_play(plain, fast)
    _assert_same_records(plain, fast)


@needs_numba
def test_large_games_go_to_the_compiled_kernel_traced_or_not(monkeypatch):
    calls: list[int] = []
    play = compiled.play
    monkeypatch.setattr(
        compiled, "play", lambda *a, **k: calls.append(a[0].shape[1]) or play(*a, **k)
    )
    monkeypatch.setattr(compiled, "LARGE_ACTORS", 40)
    x, s, c = _random(9, 40, 2)
    fc = ExpectedUtility(rounds=3).forecast(_scenario(x, s, c))
    assert calls == [40]
    assert any(e.kind in ("confrontation", "compromise") for e in fc.events)
    compiled.use_numba(False)
    try:
        plain = ExpectedUtility(rounds=3).forecast(_scenario(x, s, c))
    finally:
        compiled.use_numba(compiled.ENABLED)
    np.testing.assert_allclose(fc.positions, plain.positions, rtol=0, atol=1e-12)
    assert fc.events == plain.events


# --------------------------------------------------------------------------- dominant actor
def _dominant(salience0: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Capability 1e12 at 10, two actors of capability 1 at 50 and 90."""
    x = np.array([[10.0], [50.0], [90.0]])
    s = np.array([[salience0], [1.0], [1.0]])
    return x, s, np.array([[1e12], [1.0], [1.0]])


def test_a_dominant_actor_wins_at_most_a_quarter_of_its_pairs_with_scholz_denominator():
    # Scholz's all-pairs denominator divides by the support summed over every pair, so
    # P_ij is a share of it, not the chance that i beats j: 1/8 and 1/4 here, however
    # large the capability; the paper's pair denominator gives (nearly) 1
    x, _, c = _dominant(1.0)
    p = _naive_probability(list(x[:, 0]), [1.0] * 3, c[:, 0], 80.0, [1.0] * 3, "all_pairs")
    assert p(0, 1) == pytest.approx(1 / 8) and p(0, 2) == pytest.approx(1 / 4)
    p = _naive_probability(list(x[:, 0]), [1.0] * 3, c[:, 0], 80.0, [1.0] * 3, "pair")
    assert p(0, 1) == pytest.approx(1.0) and p(0, 2) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("salience0", "options", "dominant", "final"),
    [
        # Scholz's code (the references): with saliences 1 nobody moves at all
        (1.0, {}, [10.0] * 11, [10.0, 50.0, 90.0]),
        # a dominant actor that cares less compromises with the weaker ones, as the
        # references do (their capitulation never fires)
        (0.5, {}, [10.0] + [26.57] * 10, [26.57, 50.0, 90.0]),
        # the paper's capitulation on Scholz's probabilities: it capitulates to 50, to 90,
        # and back, every round, and ends at 50 after 10 rounds
        (
            0.5,
            {"capitulation": True},
            [10.0, 26.57] + [50.0, 90.0] * 4 + [50.0],
            [50.0, 50.0, 90.0],
        ),
        # the paper's denominator: the dominant actor stays and the others come to it
        (0.5, {"denominator": "pair", "capitulation": True}, [10.0] * 11, [10.0, 10.0, 10.0]),
        (1.0, {"denominator": "pair"}, [10.0] * 11, [10.0, 10.0, 10.0]),
    ],
)
def test_a_dominant_actor_moves_as_the_reference_formulas_make_it(
    salience0, options, dominant, final
):
    x, s, c = _dominant(salience0)
    fc = ExpectedUtility(rounds=10, **options).forecast(_scenario(x, s, c))
    np.testing.assert_allclose(fc.positions[:, 0, 0], dominant, rtol=0, atol=0.01)
    np.testing.assert_allclose(fc.positions[-1, :, 0], final, rtol=0, atol=0.01)
    want, _ = _naive_game(x[:, 0], s[:, 0], c[:, 0], 10, **options)
    np.testing.assert_allclose(fc.positions[:, :, 0], want, rtol=0, atol=1e-9)


@needs_numba
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"denominator": "pair", "choice": "least_change", "capitulation": True},
        {"variant": "dmasad"},
    ],
    ids=["code", "paper", "dmasad"],
)
def test_compiled_kernel_on_large_games_equals_the_numpy_kernel(monkeypatch, options):
    # more than _eu_numba._DIRECT_MAX actors: the row-wise loops and tiled transposes
    actors = compiled.LARGE_ACTORS + 3
    args = _small_games(12, 5, actors)
    cfg = kernel.EUSettings(**options, rounds=4)
    plain, fast = _both_kernels(monkeypatch, lambda: kernel.play(*args, cfg, record="moves"))
    _assert_same_play(plain, fast)
    _assert_same_records(plain, fast)


def test_outcome_batch_writes_the_final_positions_of_every_draw():
    rng = np.random.default_rng(21)
    e, a, i = 3, 6, 2
    pos = rng.uniform(0, 100, (e, a, i))
    sal = rng.uniform(0.05, 1, (e, a, i))
    cap = rng.lognormal(0, 1, (e, a, i))
    present = np.ones((a, i), bool)
    final = np.full((e, a, i), np.nan)
    model = ExpectedUtility()
    assert model.moves_positions
    model.outcome_batch(
        pos, sal, cap, present, np.zeros(i), np.full(i, 100.0), final_positions=final
    )
    for d in range(e):
        fc = model.forecast(_scenario(pos[d], sal[d], cap[d]))
        np.testing.assert_allclose(final[d], fc.positions[-1], rtol=0, atol=1e-12)
    assert np.any(final != pos)  # the positions did move
