"""The KTAB spatial model of politics (``spatial``): KTAB's logged trajectories, options,
edge cases, linkages and invariants."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.errors import InputError
from detente.models import _smp_kernel as kern
from detente.models.registry import get_model
from detente.models.spatial import (
    MAX_EVENTS,
    TRACE_MOVERS,
    Spatial,
    actor_capability,
    normalise_salience,
    trace_turns,
)
from detente.scenario import Actor, Condition, Effect, Issue, Linkage, Scenario, Stance

CASES = ("SOE-Policy", "SOE-Competitive", "SOE-Pol-Comp", "dummyData_3Dim")


# ----------------------------------------------------------------------------- helpers
def ktab_scenario(path: Path) -> Scenario:
    """A scenario from a KTAB CSV: a title line, a header (Actor, Description, Influence,
    then position/salience pairs), one row per actor; values on 0..100."""
    with path.open(newline="") as fh:
        rows = [r for r in csv.reader(fh)]
    header = [h.strip() for h in rows[1] if h.strip()]
    dims = header[3::2]
    actors, stances = [], []
    for row in rows[2:]:
        if not row or not row[0].strip():
            continue
        name = row[0].strip()
        actors.append(Actor(id=name, name=row[1].strip(), capability=float(row[2])))
        for k, dim in enumerate(dims):
            stances.append(
                Stance(
                    actor=name,
                    issue=dim,
                    position=float(row[3 + 2 * k]),
                    salience=float(row[4 + 2 * k]) / 100.0,
                )
            )
    return Scenario(
        id=path.stem,
        actors=tuple(actors),
        issues=tuple(Issue(id=d) for d in dims),
        stances=tuple(stances),
    )


def reference(shared: Path, case: str) -> tuple[np.ndarray, np.ndarray]:
    """KTAB's positions ``(turns + 1, actors, dims)`` and win probabilities
    ``(turns + 1, actors)`` for a case."""
    folder = shared / "reference_outputs" / "ktab_smp"
    pos = pd.read_csv(folder / f"{case}_positions.csv")
    turns = [c for c in pos.columns if c.startswith("turn_")]
    n_actors = pos["actor"].nunique()
    positions = pos[turns].to_numpy(float).reshape(n_actors, -1, len(turns)).transpose(2, 0, 1)
    win = pd.read_csv(folder / f"{case}_winprob.csv")
    wturns = [c for c in win.columns if c.startswith("turn_")]
    return positions, win[wturns].to_numpy(float).T


def printf1(x: np.ndarray) -> np.ndarray:
    """Values as KTAB's log prints them (``%5.1f``)."""
    return np.vectorize(lambda v: float(f"{v:5.1f}"))(x)


@pytest.fixture(params=[True, False], ids=["numba", "numpy"])
def kernels(request: pytest.FixtureRequest):
    """Run a test with the compiled kernels and with the NumPy reference kernels."""
    if request.param and not kern._NB:
        pytest.skip("compiled kernels unavailable (numba missing or DETENTE_NO_NUMBA set)")
    before = kern.use_numba(request.param)
    yield request.param
    kern.use_numba(before)


def random_scenario(seed: int, n_actors: int, n_issues: int, absent: float = 0.0) -> Scenario:
    rng = np.random.default_rng(seed)
    actors = tuple(
        Actor(id=f"a{k}", capability=float(rng.lognormal(0.0, 1.0))) for k in range(n_actors)
    )
    issues = tuple(Issue(id=f"i{k}") for k in range(n_issues))
    stances = []
    for a in range(n_actors):
        keep = rng.uniform(size=n_issues) >= absent
        keep[rng.integers(n_issues)] = True
        for k in np.flatnonzero(keep):
            stances.append(
                Stance(
                    actor=f"a{a}",
                    issue=f"i{k}",
                    position=float(rng.uniform(0, 100)),
                    salience=float(rng.uniform(0.05, 1.0)),
                )
            )
    return Scenario(id=f"random{seed}", actors=actors, issues=issues, stances=tuple(stances))


# ----------------------------------------------------------------------------- KTAB
@pytest.mark.parametrize("case", CASES)
def test_reproduces_ktab_trajectories(shared_data: Path, case: str, kernels: bool) -> None:
    """Every position at every turn within 0.05 of KTAB's one-decimal log (in fact equal
    to it when printed the same way), the same number of turns, and win probabilities
    within 1e-3 of KTAB's (logged to four decimals); with the compiled and the NumPy
    kernels."""
    scenario = ktab_scenario(shared_data / "reference_cases" / f"KTAB_{case}.csv")
    ref_pos, ref_win = reference(shared_data, case)
    model = Spatial()
    fc = model.forecast(scenario)
    assert fc.n_rounds == ref_pos.shape[0] - 1
    assert fc.details[scenario.issue_ids[0]]["converged"]
    assert np.abs(fc.positions - ref_pos).max() <= 0.05 + 1e-9
    np.testing.assert_array_equal(printf1(fc.positions), ref_pos)
    run = model.simulate(scenario)
    assert run.win.shape == ref_win.shape
    assert np.abs(run.win - ref_win).max() <= 1e-3
    assert np.all(run.ratio[:-1] >= 0.02) and run.ratio[-1] < 0.02


def test_convergence_quantity_matches_ktab(shared_data: Path) -> None:
    """The stop-rule quantity per turn equals KTAB's (logged to four decimals)."""
    scenario = ktab_scenario(shared_data / "reference_cases" / "KTAB_dummyData_3Dim.csv")
    ref = pd.read_csv(
        shared_data / "reference_outputs" / "ktab_smp" / "dummyData_3Dim_convergence.csv"
    )
    run = Spatial().simulate(scenario)
    np.testing.assert_allclose(run.ratio, ref["fractional_change_vs_first_step"], atol=5e-5)


@pytest.mark.parametrize(
    ("rule", "third_party"),
    [(r, t) for r in kern.VOTING_RULES for t in kern.THIRD_PARTY],
)
def test_compiled_and_numpy_challenges_agree(rule: str, third_party: str) -> None:
    """Both kernels give the same challenge probabilities and gains (to 1e-12) for
    every voting rule and third-party commitment."""
    if not kern._NB:
        pytest.skip("compiled kernels unavailable (numba missing or DETENTE_NO_NUMBA set)")
    rng = np.random.default_rng(7)
    x = rng.uniform(size=(12, 3))
    s = rng.uniform(size=(12, 3))
    s /= 1.2 * s.sum(axis=1, keepdims=True)
    c = rng.lognormal(size=12)
    opt = kern.SMPOptions(voting_rule=rule, third_party=third_party)
    state = kern.assess(x, s, c, opt)
    before = kern.use_numba(False)
    try:
        slow = kern.challenges(state.d, state.risk, s.sum(1), c, opt)
        slow_c = kern.coalitions(rule, c, 1.0 - state.d)
    finally:
        kern.use_numba(before)
    kern.use_numba(True)
    try:
        fast = kern.challenges(state.d, state.risk, s.sum(1), c, opt)
        fast_c = kern.coalitions(rule, c, 1.0 - state.d)
    finally:
        kern.use_numba(before)
    np.testing.assert_array_equal(slow[0], fast[0])
    np.testing.assert_allclose(slow[1], fast[1], atol=1e-12)
    np.testing.assert_allclose(slow[2], fast[2], atol=1e-12)
    np.testing.assert_allclose(slow_c, fast_c, rtol=1e-12)


@pytest.mark.parametrize(("rule", "third_party"), [("proportional", "semi"), ("cubic", "full")])
def test_compiled_challenge_search_equals_evaluating_every_target(
    rule: str, third_party: str
) -> None:
    """With more actors than the compiled kernel's first batch of targets, its pruned
    search (batches by the gain bound; initiators that evaluate every target deferred and
    evaluated in blocks) chooses the targets that evaluating every target chooses, with
    the same probabilities and gains; the inputs exercise both the batched and the
    deferred initiators."""
    if not kern._NB:
        pytest.skip("compiled kernels unavailable (numba missing or DETENTE_NO_NUMBA set)")
    from detente.models import _smp_numba

    rng = np.random.default_rng(11)
    n = 150
    x = rng.uniform(size=(n, 4))
    s = rng.uniform(0.05, 1.0, size=(n, 4))
    s /= s.sum(axis=1, keepdims=True)
    c = rng.lognormal(size=n)
    opt = kern.SMPOptions(voting_rule=rule, third_party=third_party)
    state = kern.assess(x, s, c, opt)
    s_tot = s.sum(1)
    before = kern.use_numba(False)
    try:
        slow = kern.challenges(state.d, state.risk, s_tot, c, opt)
    finally:
        kern.use_numba(before)
    kern.use_numba(True)
    try:
        fast = kern.challenges(state.d, state.risk, s_tot, c, opt)
    finally:
        kern.use_numba(before)
    np.testing.assert_array_equal(slow[0], fast[0])
    np.testing.assert_allclose(slow[1], fast[1], atol=1e-12)
    np.testing.assert_allclose(slow[2], fast[2], atol=1e-12)
    assert (fast[0] >= 0).sum() > n // 2
    if rule == "proportional":  # both paths of the search were taken
        rest = np.ascontiguousarray(
            kern.est_risk(state.risk[:, None], state.risk[None, :], opt.risk_adjust)
        )
        d = np.ascontiguousarray(state.d)
        deferred = [
            _smp_numba._best_for(
                h,
                2,
                1,
                True,
                d,
                np.ascontiguousarray(d.T),
                rest,
                s_tot * c,
                s_tot,
                kern.GAIN_RTOL,
                kern.MIN_SIG_EDU,
                kern._FIRST_TARGETS,
                1.0,
                np.empty((5, n)),
            )[3]
            for h in range(n)
        ]
        assert 0 < sum(deferred) < n


def test_compiled_unique_positions_equal_numpy() -> None:
    """The compiled "within tolerance" relation (8 to 128 dimensions) groups positions as
    the NumPy code does, greedy and canonical, including positions on a grid (exact
    duplicates) and pairs near the tolerance."""
    if not kern._NB:
        pytest.skip("compiled kernels unavailable (numba missing or DETENTE_NO_NUMBA set)")
    rng = np.random.default_rng(5)
    base = rng.uniform(size=(40, 12))
    near = base + rng.normal(scale=kern.POS_TOL / 4.0, size=base.shape) / np.sqrt(12)
    x = np.ascontiguousarray(np.vstack([base, near, np.round(base * 4) / 4]))
    before = kern.use_numba(False)
    try:
        slow = kern.unique_positions(x) + kern.unique_positions(x, canonical=True)
    finally:
        kern.use_numba(before)
    kern.use_numba(True)
    try:
        fast = kern.unique_positions(x) + kern.unique_positions(x, canonical=True)
    finally:
        kern.use_numba(before)
    assert 40 <= slow[0].sum() < x.shape[0]
    for a, b in zip(slow, fast, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("voters", [37, 40])
@pytest.mark.parametrize("rule", kern.VOTING_RULES)
def test_compiled_coalitions_equal_numpy(rule: str, voters: int) -> None:
    """The compiled coalition kernel (proportional votes: four voters per pass, then the
    rest one by one) gives NumPy's coalition strengths up to rounding, and a voter added
    with weight 0 changes nothing, bit for bit."""
    if not kern._NB:
        pytest.skip("compiled kernels unavailable (numba missing or DETENTE_NO_NUMBA set)")
    rng = np.random.default_rng(3)
    u = rng.uniform(size=(voters, 41))
    w = rng.lognormal(size=voters)
    before = kern.use_numba(False)
    try:
        slow = kern.coalitions(rule, w, u)
    finally:
        kern.use_numba(before)
    kern.use_numba(True)
    try:
        fast = kern.coalitions(rule, w, u)
        padded = kern.coalitions(rule, np.append(w, 0.0), np.vstack([u, u[:1]]))
    finally:
        kern.use_numba(before)
    np.testing.assert_allclose(fast, slow, rtol=1e-12)
    np.testing.assert_array_equal(padded, fast)


# ----------------------------------------------------------------------------- kernels
def test_two_option_pce_by_hand() -> None:
    """Two options, two voters at them: P(a beats b) = C_ab / (C_ab + C_ba) with
    C = 1e-8 + weight, and the conditional PCE gives option a exactly that."""
    u = np.array([[1.0, 0.0], [0.0, 1.0]])
    w = np.array([3.0, 1.0])
    p = kern.scalar_pce(w, u)
    expected = (3.0 + 1e-8) / (4.0 + 2e-8)
    np.testing.assert_allclose(p, [expected, 1 - expected], rtol=1e-14)


def test_markov_pce_alternatives_sum_to_one() -> None:
    rng = np.random.default_rng(3)
    u = rng.uniform(size=(6, 5))
    w = rng.uniform(size=6)
    for model in kern.PCE_MODELS:
        for victory in kern.VICTORY_MODELS:
            p = kern.scalar_pce(w, u, model=model, victory=victory)
            assert np.all(p >= 0) and abs(p.sum() - 1) < 1e-12, (model, victory)


def test_risk_attitudes_span_mid_range() -> None:
    """BigRRange Mid maps the least likely position to -1/2 and the most likely to 1."""
    r = kern.big_r(np.array([0.1, 0.2, 0.7]), "mid")
    np.testing.assert_allclose(r[[0, 2]], [-0.5, 1.0])
    assert np.all(kern.big_r(np.full(3, 1 / 3), "mid") == 0.0)


def test_bargain_s2p2_by_hand() -> None:
    """S2P2 on one dimension: weights s² P² and s² (1-P)², rounded to 4 decimals."""
    x = np.array([[0.2], [0.8]])
    s = np.array([[0.5], [0.25]])
    bi, bj = kern.bargains(x, s, np.array([1, -1]), np.array([0.75, 0.0]), "s2p2")
    wi, wj = 0.25 * 0.5625, 0.0625 * 0.0625
    exp_i = ((wi + 1e-6) * 0.2 + wj * 0.8) / (wi + wj + 1e-6)
    exp_j = (wi * 0.2 + (wj + 1e-6) * 0.8) / (wi + wj + 1e-6)
    assert bi[0, 0] == pytest.approx(round(exp_i, 4), abs=1e-12)
    assert bj[0, 0] == pytest.approx(round(exp_j, 4), abs=1e-12)
    assert bi[1, 0] == 0.8  # no target: own position


# ----------------------------------------------------------------------------- model
def test_tiny_runs_and_stays_on_scale(tiny: Scenario) -> None:
    fc = Spatial().forecast(tiny)
    assert np.all(np.isfinite(fc.positions)) and np.all(np.isfinite(fc.outcome))
    assert fc.positions.min() >= 0 and fc.positions.max() <= 100
    assert fc.n_rounds >= 2
    # c takes no stance on y: it is left out of y's trajectory and win probabilities
    assert "c" not in fc.trajectory("y")
    assert set(fc.details["y"]["win_probability"]) == {"a", "b"}
    assert any(e.kind == "challenge" for e in fc.events)
    assert fc.notes and "KTAB spatial model" in fc.notes[0]


def test_outcome_options(tiny: Scenario) -> None:
    fcs = {o: Spatial(outcome=o).forecast(tiny) for o in ("expected", "mode", "mean")}
    d = fcs["expected"].details
    for k, iss in enumerate(tiny.issue_ids):
        assert fcs["expected"].outcome[k] == pytest.approx(d[iss]["expected"])
        assert fcs["mode"].outcome[k] == pytest.approx(d[iss]["mode"])
        assert fcs["mean"].outcome[k] == pytest.approx(d[iss]["weighted_mean"])


@pytest.mark.parametrize(
    ("key", "value"),
    [("voting_rule", v) for v in kern.VOTING_RULES]
    + [("victory", v) for v in kern.VICTORY_MODELS]
    + [("pce", v) for v in kern.PCE_MODELS]
    + [("risk_range", v) for v in kern.RISK_RANGES]
    + [("risk_adjust", v) for v in kern.RISK_ADJUSTS]
    + [("third_party", v) for v in kern.THIRD_PARTY]
    + [("bargain", v) for v in kern.BARGAINS]
    + [("salience", "always")],
)
def test_every_option_runs(key: str, value: str) -> None:
    scenario = random_scenario(5, 7, 3, absent=0.2)
    fc = get_model("spatial", **{key: value}).forecast(scenario)
    assert np.all(np.isfinite(fc.positions))
    assert np.all((fc.outcome >= 0) & (fc.outcome <= 100))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"voting_rule": "majority"}, "spatial.voting_rule"),
        ({"victory": "logistic"}, "spatial.victory"),
        ({"outcome": "median"}, "spatial.outcome"),
        ({"max_turns": 0}, "spatial.max_turns"),
        ({"min_turns": 0}, "spatial.min_turns"),
        ({"stop_ratio": -1.0}, "spatial.stop_ratio"),
        ({"max_events": -1}, "spatial.max_events"),
        ({"max_events": 2.5}, "spatial.max_events"),
        ({"max_events": True}, "spatial.max_events"),
    ],
)
def test_bad_parameters_are_input_errors(params: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        Spatial(**params)
    assert field in str(err.value)


def test_string_parameters_from_the_cli() -> None:
    model = get_model("spatial", max_turns="7", stop_ratio="0.05", voting_rule="Cubic")
    assert model.max_turns == 7 and model.stop_ratio == 0.05 and model.voting_rule == "cubic"


def test_max_turns_limits_the_run() -> None:
    fc = Spatial(max_turns=2).forecast(random_scenario(2, 12, 4))
    assert fc.n_rounds <= 2


def test_salience_and_capability_mapping() -> None:
    sal = np.array([[0.8, 0.6], [0.2, 0.3], [0.0, 0.0]])
    excess = normalise_salience(sal, "excess")
    np.testing.assert_allclose(excess[0], [0.8 / 1.4, 0.6 / 1.4])
    np.testing.assert_array_equal(excess[1:], sal[1:])
    np.testing.assert_allclose(normalise_salience(sal, "always")[1], [0.4, 0.6])
    present = np.array([[True, True], [True, False], [True, True]])
    cap = np.array([[2.0, 4.0], [5.0, 0.0], [3.0, 3.0]])
    c = actor_capability(cap, sal, present)
    raw = np.array([(0.8 * 2 + 0.6 * 4) / 1.4, 5.0, 3.0])
    np.testing.assert_allclose(c, 100 * raw / raw.max())


def test_linkage_changes_the_forecast(tiny: Scenario) -> None:
    """Freezing issue x while its weighted mean is below 60 keeps every position there."""
    base = Spatial().forecast(tiny)
    linked = tiny.replace(
        linkages=(
            Linkage(
                id="freeze-x",
                when=Condition(issue="x", op="<", value=60),
                then=Effect(kind="freeze", issue="x"),
            ),
        )
    )
    fc = Spatial().forecast(linked)
    np.testing.assert_array_equal(
        fc.positions[:, :, 0], np.broadcast_to(fc.positions[0, :, 0], fc.positions[:, :, 0].shape)
    )
    assert not np.allclose(base.positions[-1, :, 0], fc.positions[-1, :, 0])


def test_outcome_batch_matches_forecast() -> None:
    scenario = random_scenario(11, 6, 3, absent=0.2)
    arr = scenario.arrays()
    model = Spatial()
    fc = model.forecast(scenario)
    rng = np.random.default_rng(0)
    pos = np.stack(
        [arr.position, np.clip(arr.position + rng.normal(0, 5, arr.position.shape), 0, 100)]
    )
    batch = model.outcome_batch(
        pos,
        np.stack([arr.salience] * 2),
        np.stack([arr.capability] * 2),
        arr.present,
        arr.low,
        arr.high,
    )
    np.testing.assert_allclose(batch[0], fc.outcome, atol=1e-12)
    assert np.all(np.isfinite(batch[1]))


def test_many_actors_run() -> None:
    """No actor cap: 300 actors (KTAB refuses more than 250) run a few turns."""
    fc = Spatial(max_turns=2).forecast(random_scenario(1, 300, 3))
    assert fc.positions.shape == (3, 300, 3)
    assert np.all(np.isfinite(fc.outcome))


# ----------------------------------------------------------------------------- invariants
# The SMP breaks exact ties by actor order, as KTAB does, so the invariants are checked on
# generic inputs: hypothesis draws the seed of a random scenario rather than each number.
_settings = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_settings
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 7), perm_seed=st.integers(0, 1000))
def test_permuting_actors_changes_nothing(seed: int, n: int, perm_seed: int) -> None:
    """The trajectory is permuted exactly and every outcome is unchanged (positions within
    KTAB's tolerance are grouped independently of the actors' order for the forecast)."""
    scenario = random_scenario(seed, n, 3, absent=0.15)
    order = np.random.default_rng(perm_seed).permutation(n)
    permuted = scenario.replace(actors=tuple(scenario.actors[k] for k in order))
    for outcome in ("expected", "mode", "mean"):
        a, b = (
            Spatial(outcome=outcome).forecast(scenario),
            Spatial(outcome=outcome).forecast(permuted),
        )
        assert a.n_rounds == b.n_rounds
        np.testing.assert_allclose(a.positions[:, order], b.positions, atol=1e-12)
        np.testing.assert_allclose(a.outcome, b.outcome, atol=1e-9)


@_settings
@given(seed=st.integers(0, 2**32 - 1), factor=st.floats(1e-3, 1e3))
def test_scaling_capabilities_changes_nothing(seed: int, factor: float) -> None:
    scenario = random_scenario(seed, 5, 3)
    scaled = scenario.replace(
        actors=tuple(
            a.model_copy(update={"capability": a.capability * factor}) for a in scenario.actors
        )
    )
    np.testing.assert_allclose(
        Spatial().forecast(scenario).outcome, Spatial().forecast(scaled).outcome, atol=1e-9
    )


@_settings
@given(seed=st.integers(0, 2**32 - 1), common=st.floats(0, 100))
def test_unanimous_issue_forecasts_the_common_position(seed: int, common: float) -> None:
    """Bargains are rounded to 4 decimals of the [0, 1] scale (KTAB), so the common
    position is kept to 0.005 on a 0..100 scale."""
    scenario = random_scenario(seed, 5, 3)
    stances = tuple(
        s.model_copy(update={"position": common}) if s.issue == "i0" else s
        for s in scenario.stances
    )
    fc = Spatial().forecast(scenario.replace(stances=stances))
    assert fc.outcome_of("i0") == pytest.approx(common, abs=0.005 + 1e-9)


@_settings
@given(seed=st.integers(0, 2**32 - 1), outcome=st.sampled_from(["expected", "mode", "mean"]))
def test_outcome_within_span_of_positions(seed: int, outcome: str) -> None:
    scenario = random_scenario(seed, 6, 3, absent=0.2)
    arr = scenario.arrays()
    fc = Spatial(outcome=outcome).forecast(scenario)
    for k in range(arr.n_issues):
        xs = arr.position[arr.present[:, k], k]
        assert xs.min() - 0.005 <= fc.outcome[k] <= xs.max() + 0.005


def test_bundled_scenario_runs() -> None:
    """The bundled U.S.-Russia scenario (with its linkages) runs to convergence."""
    from detente.scenarios import load_bundled

    scenario = load_bundled("us-russia-reset")
    fc = Spatial().forecast(scenario)
    arr = scenario.arrays()
    assert np.all(np.isfinite(fc.outcome))
    assert np.all((fc.outcome >= arr.low) & (fc.outcome <= arr.high))
    assert fc.details[arr.issue_ids[0]]["converged"]
    assert {"challenge", "bargain"} <= {e.kind for e in fc.events}


def _edge_scenario(caps: list[float], sals: list[float], empty_issue: bool) -> Scenario:
    issues = [Issue(id="x"), Issue(id="y", reference=40)]
    if empty_issue:
        issues.append(Issue(id="z", scale={"low": 10, "high": 30}))
    stances = []
    for a in range(len(caps)):
        stances.append(Stance(actor=f"a{a}", issue="x", position=10 + 30 * a, salience=sals[a]))
        stances.append(Stance(actor=f"a{a}", issue="y", position=90 - 20 * a, salience=sals[a]))
    return Scenario(
        actors=tuple(Actor(id=f"a{a}", capability=c) for a, c in enumerate(caps)),
        issues=tuple(issues),
        stances=tuple(stances),
    )


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    ("caps", "sals", "empty_issue"),
    [
        ([1.0], [0.5], False),  # one actor
        ([1.0, 2.0], [0.5, 0.3], False),  # two actors
        ([0.0, 0.0, 1.0], [0.5, 0.3, 0.2], False),  # one actor has capability
        ([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], False),  # nobody cares
        ([0.0, 2.0, 3.0], [0.4, 0.0, 0.2], False),  # mixed
    ],
)
def test_degenerate_inputs_give_finite_forecasts(
    caps: list[float], sals: list[float], empty_issue: bool
) -> None:
    """No warning, no NaN (an issue nobody takes a stance on is refused by the scenario)."""
    scenario = _edge_scenario(caps, sals, empty_issue)
    for outcome in ("expected", "mode", "mean"):
        fc = Spatial(outcome=outcome).forecast(scenario)
        assert np.all(np.isfinite(fc.positions)) and np.all(np.isfinite(fc.outcome))


@pytest.mark.parametrize("outcome", ["expected", "mode", "mean"])
def test_issue_nobody_weighs_gets_the_compromise_forecast(outcome: str) -> None:
    """An issue on which every salience is 0 is forecast as the compromise model does
    with all-zero weights (the plain mean of the positions), not by the election's choice
    among positions that nobody weighs; the other issues are unaffected."""
    from detente.models.compromise import Compromise

    rng = np.random.default_rng(11)
    n = 6
    pos_x = rng.uniform(0, 100, n)
    stances = []
    for a in range(n):
        stances.append(Stance(actor=f"a{a}", issue="x", position=float(pos_x[a]), salience=0.0))
        stances.append(
            Stance(
                actor=f"a{a}",
                issue="y",
                position=float(rng.uniform(0, 100)),
                salience=float(rng.uniform(0.2, 1.0)),
            )
        )
    sc = Scenario(
        actors=tuple(Actor(id=f"a{a}", capability=float(1 + a)) for a in range(n)),
        issues=(Issue(id="x"), Issue(id="y")),
        stances=tuple(stances),
    )
    fc = Spatial(outcome=outcome).forecast(sc)
    assert fc.outcome_of("x") == pytest.approx(float(pos_x.mean()), abs=1e-9)
    assert fc.outcome_of("x") == pytest.approx(Compromise().forecast(sc).outcome_of("x"), abs=1e-9)
    # the batch kernel agrees
    arr = sc.arrays()
    batch = Spatial(outcome=outcome).outcome_batch(
        arr.position[None],
        arr.salience[None],
        arr.capability[None],
        arr.present,
        arr.low,
        arr.high,
        scenario=sc,
    )
    np.testing.assert_allclose(batch[0], fc.outcome, atol=1e-12)


# ----------------------------------------------------------------------------- bounded trace
class TestBoundedTrace:
    """Beyond ``max_events`` the trace summarises the early turns, one ``turn`` event
    each, and keeps the last turns that fit in full; the run itself is unchanged."""

    @staticmethod
    def scenario() -> Scenario:
        return random_scenario(3, 12, 4, absent=0.2)

    @staticmethod
    def per_round(events: tuple, n_rounds: int) -> list[list]:
        rounds: list[list] = [[] for _ in range(n_rounds + 1)]
        for e in events:
            rounds[e.round].append(e)
        return rounds

    def test_plan_of_turns(self) -> None:
        assert trace_turns([5, 5, 5], 0) == 1  # no limit
        assert trace_turns([5, 5, 5], 15) == 1  # fits
        assert trace_turns([5, 5, 5], 14) == 2  # 1 summary + 10
        assert trace_turns([5, 5, 5], 11) == 2
        assert trace_turns([5, 5, 5], 10) == 3  # 2 summaries + 5
        assert trace_turns([5, 5, 5], 6) == 4  # the last turn alone does not fit
        assert trace_turns([5, 5, 5], 2) == 4  # every turn keeps its summary
        assert trace_turns([0, 10, 0], 5) == 3  # a turn without events costs 0 in full
        assert trace_turns([], 1) == 1

    def test_default_keeps_the_whole_trace_of_small_scenarios(self) -> None:
        sc = self.scenario()
        default = Spatial().forecast(sc)
        unlimited = Spatial(max_events=0).forecast(sc)
        assert Spatial().max_events == MAX_EVENTS > len(default.events)
        assert [e.to_dict() for e in default.events] == [e.to_dict() for e in unlimited.events]
        assert {e.kind for e in default.events} == {"challenge", "bargain"}
        assert default.notes == unlimited.notes
        assert not any("max_events" in n for n in default.notes)

    def test_budget_summarises_early_turns_and_keeps_the_last(
        self, kernels: bool, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        sc = self.scenario()
        full = Spatial(max_events=0).forecast(sc)
        t_last = full.n_rounds
        assert t_last >= 4
        rounds = self.per_round(full.events, t_last)
        # exactly room for a summary of each turn before the last two and both in full
        budget = (t_last - 2) + len(rounds[t_last - 1]) + len(rounds[t_last])
        built: list[int] = []
        turn_events = Spatial._turn_events

        def spy(run: kern.SMPRun, t: int, *args: object) -> list:
            built.append(t)
            return turn_events(run, t, *args)

        monkeypatch.setattr(Spatial, "_turn_events", staticmethod(spy))
        fc = Spatial(max_events=budget).forecast(sc)
        # the summarised turns' events are never built
        assert built == [t_last - 1, t_last]
        # the run and the forecast are those of the unbounded trace
        np.testing.assert_array_equal(fc.positions, full.positions)
        np.testing.assert_array_equal(fc.outcome, full.outcome)
        assert fc.details == full.details
        assert fc.notes[:-1] == full.notes
        assert len(fc.events) == budget
        bounded = self.per_round(fc.events, t_last)
        # the last two turns in full, exactly as in the unbounded trace
        for t in (t_last - 1, t_last):
            assert [e.to_dict() for e in bounded[t]] == [e.to_dict() for e in rounds[t]]
        # one summary for every earlier turn, with the numbers of the full trace
        arr = sc.arrays()
        span = arr.high - arr.low
        for t in range(1, t_last - 1):
            (e,) = bounded[t]
            assert e.kind == "turn" and e.round == t
            n_chal = sum(x.kind == "challenge" for x in rounds[t])
            n_barg = sum(x.kind == "bargain" for x in rounds[t])
            dist = np.sqrt((((full.positions[t] - full.positions[t - 1]) / span) ** 2).sum(1))
            assert e.data["challenges"] == n_chal and e.data["bargains"] == n_barg
            assert e.data["moved"] == int(np.count_nonzero(dist > 1e-12))
            assert e.data["movement"] == pytest.approx(dist.sum(), rel=1e-9)
            # the largest moves: on the issues each actor takes part in
            own = np.sqrt(
                (
                    (np.where(arr.present, full.positions[t] - full.positions[t - 1], 0) / span)
                    ** 2
                ).sum(1)
            )
            top = [sc.actor_ids[a] for a in np.argsort(-own, kind="stable")[:TRACE_MOVERS]]
            assert own[sc.actor_ids.index(top[0])] > 0
            assert list(e.actors) == top[: len(e.actors)]
            assert list(e.data["largest"]) == list(e.actors)
            for name, move in e.data["largest"].items():
                a = sc.actor_ids.index(name)
                assert move["distance"] == pytest.approx(own[a], rel=1e-9)
                for iss, value in move["to"].items():
                    k = sc.issue_ids.index(iss)
                    assert arr.present[a, k]
                    assert value == full.positions[t, a, k]
                    assert move["from"][iss] == full.positions[t - 1, a, k]
                    assert abs(value - move["from"][iss]) >= 0.05
            assert e.text.startswith(f"turn {t} in summary: {n_chal} challenge")
            assert all(name in e.text for name in e.actors)
        # the notice says what was summarised and how to get it all
        note = fc.notes[-1]
        summarised = sum(len(rounds[t]) for t in range(1, t_last - 1))
        assert f"max_events = {budget:,}" in note
        assert f"the {summarised:,} challenge and bargain events of turns 1-{t_last - 2}" in note
        assert f"turns {t_last - 1}-{t_last} are traced in full" in note
        assert f"keeps all {len(full.events):,}" in note and "spatial.max_events=0" in note
        # one event less and only the last turn fits
        fewer = Spatial(max_events=budget - 1).forecast(sc)
        assert [e.kind for e in fewer.events[: t_last - 1]] == ["turn"] * (t_last - 1)
        assert {e.round for e in fewer.events[t_last - 1 :]} == {t_last}
        assert f"turn {t_last} is traced in full" in fewer.notes[-1]

    def test_tiny_budget_summarises_every_turn(self) -> None:
        sc = self.scenario()
        fc = Spatial(max_events=1).forecast(sc)
        assert [e.kind for e in fc.events] == ["turn"] * fc.n_rounds
        assert [e.round for e in fc.events] == list(range(1, fc.n_rounds + 1))
        assert "no turn is traced in full (0 events)" in fc.notes[-1]

    def test_summary_events_render(self) -> None:
        import json

        pytest.importorskip("detente.cli")
        from detente.cli.common import console
        from detente.cli.run import _print_trace

        full = Spatial(max_events=0).forecast(self.scenario())
        last = sum(e.round == full.n_rounds for e in full.events)
        fc = Spatial(max_events=full.n_rounds - 1 + last).forecast(self.scenario())
        json.dumps(fc.to_dict(events=True), allow_nan=False)
        with console.capture() as cap:
            _print_trace([fc])
        out = cap.get()
        assert "round 1" in out and "turn 1 in summary:" in out
        assert "challenges" in out and "accepts the bargain" in out

    def test_max_events_from_the_cli(self) -> None:
        assert get_model("spatial", max_events="0").max_events == 0
        assert get_model("spatial", max_events="500").max_events == 500
