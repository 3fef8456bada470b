"""The probabilistic Condorcet election (``condorcet``): closed forms, an independent
loop-by-loop computation of KTAB's formulas, KTAB's own win probabilities, batches,
options and invariants."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from detente.errors import InputError
from detente.models import _smp_kernel as kern
from detente.models.condorcet import Condorcet, election, groups_1d
from detente.models.registry import get_model
from detente.scenario import Actor, Condition, Effect, Issue, Linkage, Scenario, Stance


def ktab_scenario(path: Path) -> Scenario:
    """A scenario from a KTAB CSV (title line; header Actor, Description, Influence, then
    position/salience pairs; values on 0..100)."""
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    dims = [h.strip() for h in rows[1] if h.strip()][3::2]
    body = [r for r in rows[2:] if r and r[0].strip()]
    return Scenario(
        id=path.stem,
        actors=tuple(Actor(id=r[0].strip(), capability=float(r[2])) for r in body),
        issues=tuple(Issue(id=d) for d in dims),
        stances=tuple(
            Stance(
                actor=r[0].strip(),
                issue=d,
                position=float(r[3 + 2 * k]),
                salience=float(r[4 + 2 * k]) / 100.0,
            )
            for r in body
            for k, d in enumerate(dims)
        ),
    )


def ktab_win_turn0(shared: Path, case: str) -> np.ndarray:
    """KTAB's logged win probability of every actor's position before any bargaining."""
    path = shared / "reference_outputs" / "ktab_smp" / f"{case}_winprob.csv"
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return np.array([float(r["turn_0"]) for r in rows])


def random_scenario(seed: int, n_actors: int, n_issues: int, absent: float = 0.0) -> Scenario:
    """Generic numbers: positions and saliences uniform, capabilities lognormal; each
    stance absent with probability ``absent`` (every actor keeps one)."""
    rng = np.random.default_rng(seed)
    stances = []
    for a in range(n_actors):
        keep = rng.uniform(size=n_issues) >= absent
        keep[rng.integers(n_issues)] = True
        stances += [
            Stance(
                actor=f"a{a}",
                issue=f"i{k}",
                position=float(rng.uniform(0, 100)),
                salience=float(rng.uniform(0.05, 1.0)),
            )
            for k in np.flatnonzero(keep)
        ]
    return Scenario(
        id=f"random{seed}",
        actors=tuple(
            Actor(id=f"a{k}", capability=float(rng.lognormal(0.0, 1.0))) for k in range(n_actors)
        ),
        issues=tuple(Issue(id=f"i{k}") for k in range(n_issues)),
        stances=tuple(stances),
    )


def scenario_1d(positions, saliences, capabilities, scale=(0.0, 100.0)) -> Scenario:
    n = len(positions)
    return Scenario(
        id="one-issue",
        actors=tuple(Actor(id=f"a{k}", capability=capabilities[k]) for k in range(n)),
        issues=(Issue(id="q", scale={"low": scale[0], "high": scale[1]}),),
        stances=tuple(
            Stance(actor=f"a{k}", issue="q", position=positions[k], salience=saliences[k])
            for k in range(n)
        ),
    )


def pce_by_loops(x: list[float], w: list[float]) -> dict[float, float]:
    """KTAB's scalar PCE written out with plain loops (positions on [0, 1]): distinct
    positions as options, proportional votes, coalitions with 1e-8, linear victory,
    conditional PCE including P(m > m) = 1/2. Returns position -> probability."""
    total = sum(w)
    w = [v / total for v in w]
    options = []
    for v in x:
        if all(abs(v - o) >= 1e-3 for o in options):
            options.append(v)
    raw = []
    for m in options:
        prod = 1.0
        for q in options:
            if q == m:
                prod *= 0.5
                continue
            cmq = 1e-8 + sum(
                max(0.0, wk * ((1 - abs(xk - m)) - (1 - abs(xk - q))))
                for xk, wk in zip(x, w, strict=True)
            )
            cqm = 1e-8 + sum(
                max(0.0, wk * ((1 - abs(xk - q)) - (1 - abs(xk - m))))
                for xk, wk in zip(x, w, strict=True)
            )
            prod *= cmq / (cmq + cqm)
        raw.append(prod)
    s = sum(raw)
    return {m: r / s for m, r in zip(options, raw, strict=True)}


# ----------------------------------------------------------------------------- numbers
def test_two_actors_expected_is_the_weighted_mean() -> None:
    """With two positions p(a) = C_ab/(C_ab + C_ba) = w_a/(w_a + w_b) (up to 1e-8), so
    the expected outcome is the capability x salience weighted mean."""
    sc = scenario_1d([20.0, 80.0], [0.5, 0.9], [3.0, 1.0])
    fc = Condorcet().forecast(sc)
    wa, wb = 1.5, 0.9
    assert fc.outcome_of("q") == pytest.approx((20 * wa + 80 * wb) / (wa + wb), abs=1e-6)
    probs = fc.details["q"]["win_probability"]
    assert probs["a0"] == pytest.approx(wa / (wa + wb), abs=1e-8)


def test_matches_the_formulas_written_as_loops() -> None:
    """Five actors, two sharing a position: every probability equals the loop version
    (to 1e-12), the duplicates report their common position's probability."""
    xs = [10.0, 35.0, 35.0, 60.0, 95.0]
    sal = [0.9, 0.4, 0.7, 0.5, 1.0]
    cap = [1.0, 4.0, 2.0, 3.0, 0.5]
    fc = Condorcet().forecast(scenario_1d(xs, sal, cap))
    ref = pce_by_loops([v / 100 for v in xs], [s * c for s, c in zip(sal, cap, strict=True)])
    probs = fc.details["q"]["win_probability"]
    for k, v in enumerate(xs):
        assert probs[f"a{k}"] == pytest.approx(ref[v / 100], abs=1e-12)
    assert fc.details["q"]["positions"] == 4
    expected = sum(p * 100 * m for m, p in ref.items())
    assert fc.outcome_of("q") == pytest.approx(expected, abs=1e-9)
    mode = Condorcet(outcome="mode").forecast(scenario_1d(xs, sal, cap))
    assert mode.outcome_of("q") == pytest.approx(100 * max(ref, key=ref.get), abs=1e-12)


@pytest.mark.parametrize("case", ["SOE-Policy", "SOE-Competitive"])
def test_reproduces_ktab_win_probabilities(shared_data: Path, case: str) -> None:
    """KTAB's one-dimension SOE cases at turn 0: with capability weights and KTAB's risk
    attitudes, every actor's win probability within 1e-3 of KTAB's log (four decimals)."""
    sc = ktab_scenario(shared_data / "reference_cases" / f"KTAB_{case}.csv")
    ref = ktab_win_turn0(shared_data, case)
    fc = Condorcet(weights="capability", risk="ktab").forecast(sc)
    probs = fc.details[sc.issue_ids[0]]["win_probability"]
    ours = np.array([probs[a] for a in sc.actor_ids])
    assert np.abs(ours - ref).max() <= 1e-3


def test_absent_actors_neither_vote_nor_win(tiny: Scenario) -> None:
    """On tiny's issue y only a (0, weight 0.4) and b (100, weight 0.8) take part."""
    fc = Condorcet().forecast(tiny)
    assert fc.outcome_of("y") == pytest.approx(100 * 0.8 / 1.2, abs=1e-6)
    assert set(fc.details["y"]["win_probability"]) == {"a", "b"}


def test_issue_without_stances_is_refused_by_the_scenario(tiny: Scenario) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="no actor takes a stance: z"):
        tiny.replace(issues=(*tiny.issues, Issue(id="z", scale={"low": 10, "high": 30})))


def test_outcome_batch_matches_forecast() -> None:
    sc = random_scenario(4, 7, 3, absent=0.2)
    arr = sc.arrays()
    rng = np.random.default_rng(1)
    draws = [arr.position, np.clip(arr.position + rng.normal(0, 8, arr.position.shape), 0, 100)]
    sal = [arr.salience, np.clip(arr.salience * rng.uniform(0.5, 1.5, arr.salience.shape), 0, 1)]
    for outcome in ("expected", "mode"):
        model = Condorcet(outcome=outcome)
        batch = model.outcome_batch(
            np.stack(draws),
            np.stack(sal),
            np.stack([arr.capability] * 2),
            arr.present,
            arr.low,
            arr.high,
        )
        for e in range(2):
            one = model.forecast(sc.from_arrays(sc, position=draws[e], salience=sal[e]))
            np.testing.assert_allclose(batch[e], one.outcome, atol=1e-12)


def test_election_kernel_shapes() -> None:
    x = np.random.default_rng(2).uniform(size=(50, 4, 6))
    w = np.random.default_rng(3).uniform(size=x.shape)
    p, owner, _ = election(x, w, np.ones(x.shape, dtype=bool))
    assert p.shape == x.shape and owner.shape == x.shape
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-12)
    one, _, _ = election(x[17, 2], w[17, 2], np.ones(6, dtype=bool))
    np.testing.assert_allclose(p[17, 2], one, atol=1e-15)


@pytest.mark.parametrize(
    ("rule", "victory", "pce"),
    list(itertools.product(kern.VOTING_RULES, kern.VICTORY_MODELS, kern.PCE_MODELS)),
)
def test_every_option_gives_a_distribution(rule: str, victory: str, pce: str) -> None:
    sc = random_scenario(9, 6, 2, absent=0.2)
    fc = get_model("condorcet", voting_rule=rule, victory=victory, pce=pce).forecast(sc)
    for iss, d in fc.details.items():
        arr = sc.arrays()
        k = arr.issue_ids.index(iss)
        xs = arr.position[arr.present[:, k], k]
        assert xs.min() - 1e-9 <= fc.outcome_of(iss) <= xs.max() + 1e-9
        assert all(0.0 <= p <= 1.0 for p in d["win_probability"].values())


@pytest.mark.parametrize(
    "params",
    [
        {"outcome": "median"},
        {"voting_rule": "plurality"},
        {"weights": "salience"},
        {"risk": "averse"},
    ],
)
def test_bad_parameters_are_input_errors(params: dict) -> None:
    with pytest.raises(InputError) as err:
        Condorcet(**params)
    assert f"condorcet.{next(iter(params))}" in str(err.value)


def test_freezing_linkage_keeps_the_reference_point(tiny: Scenario) -> None:
    """A linkage that freezes x while its forecast is below 60 keeps x at its reference
    point 50 (the closed-form convention), and y is unaffected."""
    base = Condorcet().forecast(tiny)
    assert base.outcome_of("x") != pytest.approx(50.0)
    linked = tiny.replace(
        linkages=(
            Linkage(
                id="freeze-x",
                when=Condition(issue="x", op="<", value=60),
                then=Effect(kind="freeze", issue="x"),
            ),
        )
    )
    fc = Condorcet().forecast(linked)
    assert fc.outcome_of("x") == 50.0
    assert fc.outcome_of("y") == base.outcome_of("y")
    assert any(e.kind == "freeze" for e in fc.events)


def test_trace_and_summary(tiny: Scenario) -> None:
    fc = Condorcet().forecast(tiny)
    assert [e.issues for e in fc.events] == [("x",), ("y",)]
    assert "most probable position" in fc.events[0].text
    assert fc.notes and fc.n_rounds == 0


# ----------------------------------------------------------------------------- invariants
# hypothesis draws either the numbers themselves or the seed of a random scenario
_settings = settings(max_examples=15, deadline=None)


@_settings
@given(
    seed=st.integers(0, 2**32 - 1),
    perm_seed=st.integers(0, 1000),
    outcome=st.sampled_from(["expected", "mode"]),
)
def test_permuting_actors_changes_nothing(seed: int, perm_seed: int, outcome: str) -> None:
    sc = random_scenario(seed, 6, 3, absent=0.2)
    order = np.random.default_rng(perm_seed).permutation(6)
    permuted = sc.replace(actors=tuple(sc.actors[k] for k in order))
    np.testing.assert_allclose(
        Condorcet(outcome=outcome).forecast(sc).outcome,
        Condorcet(outcome=outcome).forecast(permuted).outcome,
        atol=1e-9,
    )


@_settings
@given(
    xs=st.lists(
        st.sampled_from([0.0, 10.0, 10.05, 10.1, 10.2, 50.0, 50.0, 99.95, 100.0]),
        min_size=2,
        max_size=7,
    ),
    perm_seed=st.integers(0, 1000),
    outcome=st.sampled_from(["expected", "mode"]),
)
def test_near_duplicates_do_not_depend_on_order(
    xs: list[float], perm_seed: int, outcome: str
) -> None:
    """Positions closer than 0.1 (KTAB's tolerance on 0..100), chained or exact, and
    equal weights (ties): permuting the actors changes nothing."""
    n = len(xs)
    order = np.random.default_rng(perm_seed).permutation(n)
    a = scenario_1d(xs, [0.5] * n, [1.0] * n)
    b = scenario_1d([xs[k] for k in order], [0.5] * n, [1.0] * n)
    assert Condorcet(outcome=outcome).forecast(a).outcome_of("q") == pytest.approx(
        Condorcet(outcome=outcome).forecast(b).outcome_of("q"), abs=1e-9
    )


def test_groups_on_a_line() -> None:
    """Chains closer than the tolerance form one group, represented by the smallest."""
    x = np.array([0.5, 0.1005, 0.1, 0.9, 0.1014, 0.5])
    unique, owner = groups_1d(x, np.ones(6, dtype=bool))
    assert owner.tolist() == [0, 2, 2, 3, 2, 0]
    assert unique.tolist() == [True, False, True, True, False, False]
    _, owner = groups_1d(x, np.array([True, True, False, True, True, True]))
    assert owner.tolist() == [0, 1, 2, 3, 1, 0]


@_settings
@given(seed=st.integers(0, 2**32 - 1), factor=st.floats(1e-4, 1e4))
def test_scaling_capabilities_changes_nothing(seed: int, factor: float) -> None:
    sc = random_scenario(seed, 5, 3, absent=0.2)
    scaled = sc.replace(
        actors=tuple(a.model_copy(update={"capability": a.capability * factor}) for a in sc.actors)
    )
    np.testing.assert_allclose(
        Condorcet().forecast(sc).outcome, Condorcet().forecast(scaled).outcome, atol=1e-9
    )


@_settings
@given(
    common=st.floats(-50, 50),
    sal=st.lists(st.floats(0, 1), min_size=1, max_size=6),
    outcome=st.sampled_from(["expected", "mode"]),
)
def test_unanimous_issue_forecasts_the_common_position(
    common: float, sal: list[float], outcome: str
) -> None:
    sc = scenario_1d([common] * len(sal), sal, [1.0] * len(sal), scale=(-50.0, 50.0))
    assert Condorcet(outcome=outcome).forecast(sc).outcome_of("q") == pytest.approx(
        common, abs=1e-9
    )


@_settings
@given(
    xs=st.lists(st.floats(0, 100), min_size=1, max_size=7),
    data=st.data(),
    outcome=st.sampled_from(["expected", "mode"]),
)
def test_outcome_within_span_of_positions(
    xs: list[float], data: st.DataObject, outcome: str
) -> None:
    n = len(xs)
    sal = data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    cap = data.draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n))
    assume(any(c > 0 for c in cap))  # a scenario refuses all-zero capabilities
    out = Condorcet(outcome=outcome).forecast(scenario_1d(xs, sal, cap)).outcome_of("q")
    assert min(xs) - 1e-9 <= out <= max(xs) + 1e-9


def test_bundled_scenario_runs() -> None:
    from detente.scenarios import load_bundled

    scenario = load_bundled("us-russia-reset")
    arr = scenario.arrays()
    for outcome in ("expected", "mode"):
        fc = Condorcet(outcome=outcome).forecast(scenario)
        assert np.all((fc.outcome >= arr.low) & (fc.outcome <= arr.high))
        assert sum(e.kind == "election" for e in fc.events) == arr.n_issues


@pytest.mark.parametrize("n", [5, 70, 300])
def test_line_coalitions_equal_the_vote_sums(n: int) -> None:
    """The O(A² log A) coalitions of proportional risk-neutral votes on a line equal
    KTAB's vote sums (to rounding), with duplicates and zero weights; the compiled and
    NumPy versions agree exactly."""
    rng = np.random.default_rng(n)
    x = rng.uniform(size=n)
    x[3] = x[1]
    w = rng.uniform(size=n)
    w[2] = 0.0
    w /= w.sum()
    direct = kern.coalitions("proportional", w, 1.0 - np.abs(x[:, None] - x[None, :]))
    fast = kern.line_coalitions(x, w)
    np.testing.assert_allclose(fast, direct, rtol=0, atol=1e-14)
    before = kern.use_numba(False)
    try:
        plain = kern.line_coalitions(x, w)
    finally:
        kern.use_numba(before)
    np.testing.assert_array_equal(plain, fast)


def test_large_issue_takes_the_fast_path_with_the_same_result() -> None:
    """Above DIRECT_MAX_ACTORS actors the election uses the line coalitions; its
    probabilities match the direct O(A³) election to 1e-12."""
    from detente.models import condorcet as cmod

    rng = np.random.default_rng(5)
    n = cmod.DIRECT_MAX_ACTORS + 40
    x = rng.uniform(size=(3, n))
    w = rng.uniform(size=(3, n))
    pres = np.ones((3, n), dtype=bool)
    fast, owner, _ = election(x, w, pres)
    old = cmod.DIRECT_MAX_ACTORS
    cmod.DIRECT_MAX_ACTORS = 10**9
    try:
        direct, owner2, _ = election(x, w, pres)
    finally:
        cmod.DIRECT_MAX_ACTORS = old
    np.testing.assert_array_equal(owner, owner2)
    np.testing.assert_allclose(fast, direct, rtol=0, atol=1e-12)
