"""The compiled resolution (3.9) and assessment passes of the spatial model
(:mod:`detente.models._smp_resolve_numba`) against the NumPy reference in
:mod:`detente.models._smp_kernel`."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import detente.models as dm
from detente.models import _smp_kernel as kern

needs_numba = pytest.mark.skipif(
    not kern.HAVE_NUMBA, reason="compiled kernels unavailable (numba missing or DETENTE_NO_NUMBA)"
)


def _inputs(n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, n, dim])
    x = rng.uniform(0.0, 1.0, (n, dim))
    s = rng.uniform(0.05, 1.0, (n, dim))
    s /= s.sum(axis=1, keepdims=True)
    return x, s, rng.lognormal(0.0, 1.0, n)


def _turn(
    x: np.ndarray, s: np.ndarray, c: np.ndarray, opt: kern.SMPOptions, *, crowd: bool = False
) -> tuple[kern.TurnState, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The inputs of one resolution (both paths then resolve the same bargains);
    ``crowd``: every third actor challenges actor 1 (actor 1 itself actor 2), so that two
    actors have wide elections."""
    state = kern.assess(x, s, c, opt)
    target, prob, _ = kern.challenges(state.d, state.risk, s.sum(axis=1), c, opt)
    if crowd:
        every = np.arange(0, x.shape[0], 3)
        target = target.copy()
        target[every] = np.where(every == 1, 2, 1)
    bi, bj = kern.bargains(x, s, target, prob, opt.bargain)
    return state, target, prob, bi, bj


def _resolve(compiled: bool, x, s, c, state, target, bi, bj, opt):  # type: ignore[no-untyped-def]
    with dm.compiled_kernels(compiled):
        return kern.resolve(x, s, c, state.d, state.risk, target, bi, bj, opt)


def _same_outcome(a, b, rtol: float = 1e-12) -> None:  # type: ignore[no-untyped-def]
    new_a, chosen_a, p_a = a
    new_b, chosen_b, p_b = b
    np.testing.assert_array_equal(chosen_a, chosen_b)
    np.testing.assert_array_equal(new_a, new_b)
    np.testing.assert_allclose(p_a, p_b, rtol=rtol, atol=1e-15)


@pytest.fixture
def numpy_utilities() -> Iterator[None]:
    """resolve()'s NumPy utilities and gather with the compiled coalition kernels (the
    reference the compiled resolution equals to the bit)."""
    saved = kern._NB_RESOLVE
    kern._NB_RESOLVE = None
    try:
        yield
    finally:
        kern._NB_RESOLVE = saved


@needs_numba
@pytest.mark.parametrize("rule", kern.VOTING_RULES)
@pytest.mark.parametrize("model", kern.PCE_MODELS)
def test_compiled_resolve_equals_numpy_every_rule_and_pce(rule: str, model: str) -> None:
    """Every voting rule and PCE model: the compiled resolution makes the NumPy path's
    choices, with its probabilities up to rounding (the NumPy path sums votes pairwise),
    on ordinary turns and on turns with two wide elections."""
    x, s, c = _inputs(90, 6, 1)
    opt = kern.SMPOptions(voting_rule=rule, pce=model)
    for crowd in (False, True):
        state, target, _, bi, bj = _turn(x, s, c, opt, crowd=crowd)
        assert (target >= 0).sum() > 10
        a = _resolve(True, x, s, c, state, target, bi, bj, opt)
        b = _resolve(False, x, s, c, state, target, bi, bj, opt)
        _same_outcome(a, b)


@needs_numba
@pytest.mark.parametrize("victory", kern.VICTORY_MODELS)
@pytest.mark.parametrize("bargain", kern.BARGAINS)
def test_compiled_resolve_equals_numpy_every_victory_model(victory: str, bargain: str) -> None:
    x, s, c = _inputs(70, 4, 2)
    opt = kern.SMPOptions(victory=victory, bargain=bargain)
    state, target, _, bi, bj = _turn(x, s, c, opt, crowd=True)
    _same_outcome(
        _resolve(True, x, s, c, state, target, bi, bj, opt),
        _resolve(False, x, s, c, state, target, bi, bj, opt),
    )


@needs_numba
@pytest.mark.parametrize(("n", "dim"), [(20, 1), (150, 3), (301, 12), (120, 130)])
def test_compiled_resolve_equals_numpy_sizes(n: int, dim: int) -> None:
    """Sizes from a single issue to more than 128 issues (NumPy's pairwise summation of
    the distances splits there), fewer voters than the kernels' blocks and an odd last
    block of voters."""
    x, s, c = _inputs(n, dim, 3)
    opt = kern.SMPOptions()
    for crowd in (False, True):
        state, target, _, bi, bj = _turn(x, s, c, opt, crowd=crowd)
        _same_outcome(
            _resolve(True, x, s, c, state, target, bi, bj, opt),
            _resolve(False, x, s, c, state, target, bi, bj, opt),
        )


@needs_numba
@pytest.mark.parametrize("rule", ["proportional", "asymprosp", "binary"])
@pytest.mark.parametrize("model", ["conditional", "markov_incentive"])
def test_compiled_resolve_is_bit_identical_to_numpy_utilities(
    rule: str, model: str, numpy_utilities: None
) -> None:
    """With the coalitions compiled in both (sizes where resolve()'s NumPy path uses the
    compiled coalition kernels), the fused utilities and the gather-free coalitions give
    the same numbers to the last bit, wide elections included."""
    x, s, c = _inputs(600, 50, 4)
    opt = kern.SMPOptions(voting_rule=rule, pce=model)
    state, target, _, bi, bj = _turn(x, s, c, opt, crowd=True)
    ref = _resolve(True, x, s, c, state, target, bi, bj, opt)  # _NB_RESOLVE off
    kern._NB_RESOLVE = kern._smp_resolve_numba.NB_RESOLVE
    got = _resolve(True, x, s, c, state, target, bi, bj, opt)
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_array_equal(a, b)


@needs_numba
@pytest.mark.parametrize("dim", [1, 3, 8, 50, 129, 300])
def test_bargain_utilities_equal_numpy_to_the_bit(dim: int) -> None:
    """The fused utilities of the bargains equal resolve()'s NumPy expression (the same
    operations in the same order: distances summed as NumPy sums them)."""
    from detente.models import _smp_resolve_numba as rn

    n = 45
    x, s, c = _inputs(n, dim, 5)
    s[7] = 0.0  # an actor without saliences sees everything at distance 0
    opt = kern.SMPOptions()
    with dm.compiled_kernels(False):
        state = kern.assess(x, s, c, opt)
        target, prob, _ = kern.challenges(state.d, state.risk, s.sum(axis=1), c, opt)
        bi, bj = kern.bargains(x, s, target, prob, opt.bargain)
        inits = np.flatnonzero(target >= 0)
        rcvrs = target[inits]
        r_self = kern.est_risk(state.risk, state.risk, opt.risk_adjust)
        u_state = kern.bs_util(state.d, r_self[:, None])
        total = u_state.sum(axis=1)
        ui = kern.bs_util(kern.distances(x, s, bi[inits]), state.risk[:, None])
        ur = kern.bs_util(kern.distances(x, s, bj[inits]), state.risk[:, None])
        g = np.empty((n, inits.size + 1))
        g[:, 0] = total / n
        g[:, 1:] = (total[:, None] - u_state[:, inits] - u_state[:, rcvrs] + ui + ur) / n
    gt = rn.NB_RESOLVE[0](
        x, s, state.d, r_self, state.risk, inits, rcvrs, bi[inits].T.copy(), bj[inits].T.copy()
    )
    np.testing.assert_array_equal(gt, g.T)


@needs_numba
def test_ties_go_to_the_first_bargain_in_both_paths() -> None:
    """Two identical initiators challenge the same receiver: its two bargains are equal,
    so their probabilities are equal in both paths and the first in order is chosen (the
    tie rule PROB_RTOL)."""
    x, s, c = _inputs(40, 5, 6)
    for twin in (1, 2):
        x[twin], s[twin], c[twin] = x[3], s[3], c[3]
    x[0] = 1.0 - x[3]  # the receiver is far from the initiators: a bargain helps everyone
    opt = kern.SMPOptions()
    with dm.compiled_kernels(False):
        state = kern.assess(x, s, c, opt)
    target = np.full(40, -1)
    target[[1, 3]] = 0
    prob = np.full(40, 0.5)
    bi, bj = kern.bargains(x, s, target, prob, opt.bargain)
    np.testing.assert_array_equal(bj[1], bj[3])
    outcomes = [_resolve(f, x, s, c, state, target, bi, bj, opt) for f in (True, False)]
    _same_outcome(*outcomes)
    new, chosen, _ = outcomes[0]
    assert chosen[0] == 1  # the first of the two equal bargains
    np.testing.assert_array_equal(new[0], bj[1])


@needs_numba
@pytest.mark.parametrize("m", [64, 300, 1000])
def test_compiled_conditional_pce_equals_numpy_to_the_bit(m: int) -> None:
    rng = np.random.default_rng(m)
    c = rng.lognormal(0.0, 2.0, (m, m))
    for options in (None, rng.uniform(size=m) < 0.6):
        with dm.compiled_kernels(True):
            a = kern.pce("conditional", "linear", c, options)
        with dm.compiled_kernels(False):
            b = kern.pce("conditional", "linear", c, options)
        np.testing.assert_array_equal(a, b)


@needs_numba
def test_compiled_bs_util_equals_numpy_to_the_bit() -> None:
    rng = np.random.default_rng(8)
    d = rng.uniform(0.0, 1.05, (90, 70))  # some beyond 1 (round-off in KTAB's terms)
    r = rng.uniform(-1.0, 1.0, (90, 1))
    with dm.compiled_kernels(True):
        a = kern.bs_util(d, r)
    with dm.compiled_kernels(False):
        b = kern.bs_util(d, r)
    np.testing.assert_array_equal(a, b)


@needs_numba
@pytest.mark.parametrize(("n", "dim"), [(64, 1), (100, 3), (300, 7), (400, 50), (150, 130)])
def test_compiled_unique_positions_equal_numpy(n: int, dim: int) -> None:
    """Near-duplicate positions (clusters about POS_TOL wide), with and without candidates,
    KTAB's order and the canonical grouping."""
    rng = np.random.default_rng([9, n, dim])
    centres = rng.uniform(0.0, 1.0, (20, dim))
    x = centres[rng.integers(0, 20, n)] + rng.normal(0.0, 6e-4 / np.sqrt(dim), (n, dim))
    for cand in (None, rng.uniform(size=n) < 0.7):
        for canonical in (False, True):
            with dm.compiled_kernels(True):
                a = kern.unique_positions(x, candidates=cand, canonical=canonical)
            with dm.compiled_kernels(False):
                b = kern.unique_positions(x, candidates=cand, canonical=canonical)
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])
            assert 0 < a[0].sum() < n


@needs_numba
def test_pairwise_sum_is_numpys() -> None:
    from detente.models import _smp_resolve_numba as rn

    rng = np.random.default_rng(10)
    for n in [*range(0, 270), 511, 1000, 1999, 2000, 4097]:
        a = rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 3, n)
        assert rn._pw_sum(a, 0, n) == a.sum()
        if n > 5:
            assert rn._pw_sum(a, 3, n - 5) == a[3 : n - 2].sum()


@needs_numba
def test_assess_is_unchanged_by_the_compiled_passes() -> None:
    """assess() with the new compiled passes equals assess() with them bypassed (the
    coalitions compiled in both): the same risks, win probabilities and representatives."""
    x, s, c = _inputs(300, 10, 11)
    x[5:40] = x[4] + 1e-5  # duplicates
    opt = kern.SMPOptions()
    with dm.compiled_kernels(True):
        a = kern.assess(x, s, c, opt)
        b = _assess_without_new_passes(x, s, c, opt)
    assert 1 < a.unique.sum() < 300
    np.testing.assert_array_equal(a.risk, b.risk)
    np.testing.assert_array_equal(a.win, b.win)
    np.testing.assert_array_equal(a.unique, b.unique)


def _assess_without_new_passes(x, s, c, opt):  # type: ignore[no-untyped-def]
    """assess() spelled out with the NumPy forms of bs_util, the conditional PCE and the
    unique positions, and the compiled distances and coalitions."""
    d = kern.distances(x, s)
    cr = kern.coalitions(opt.voting_rule, c, 1.0 - d)
    with dm.compiled_kernels(False):
        p_rn = kern.pce(opt.pce, opt.victory, cr)
    risk = kern.big_r(p_rn, opt.risk_range)
    r_self = kern.est_risk(risk, risk, opt.risk_adjust)
    with dm.compiled_kernels(False):
        u_self = kern.bs_util(d, r_self[:, None])
        unique, owner = kern.unique_positions(x)
    cs = kern.coalitions("proportional", c, u_self)
    with dm.compiled_kernels(False):
        p = kern.pce(opt.pce, opt.victory, cs, unique)
    return kern.TurnState(d=d, risk=risk, win=p[owner], unique=unique)


@needs_numba
@pytest.mark.parametrize("dim", [1, 5, 8, 13, 50, 128, 129, 260])
def test_compiled_distances_equal_numpy_to_the_bit(dim: int) -> None:
    """distances() compiled (vectorised over the second set, two rows per pass) equals
    the NumPy expression for any number of dimensions, with an odd number of rows and an
    actor without saliences."""
    rng = np.random.default_rng([12, dim])
    x, s, _ = _inputs(71, dim, 12)
    s[3] = 0.0
    y = rng.uniform(0.0, 1.0, (300, dim))
    for other in (None, y):
        with dm.compiled_kernels(True):
            a = kern.distances(x, s, other)
        with dm.compiled_kernels(False):
            b = kern.distances(x, s, other)
        np.testing.assert_array_equal(a, b)
        assert np.all(a[3] == 0.0)
