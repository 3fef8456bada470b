"""The compiled spatial-model kernels' single-precision screen of challenge targets: its
bounds contain the double-precision gains, and the search that uses it chooses what
evaluating every target chooses."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import _smp_kernel as kern

pytestmark = pytest.mark.skipif(
    not kern._NB, reason="compiled kernels unavailable (numba missing or DETENTE_NO_NUMBA set)"
)


def _state(seed: int, n: int, dims: int, *, spread: float, sigma: float):
    rng = np.random.default_rng(seed)
    centre = rng.uniform(size=dims)
    x = np.clip(centre + spread * rng.normal(size=(n, dims)), 0.0, 1.0)
    s = rng.uniform(0.05, 1.0, size=(n, dims))
    s /= s.sum(axis=1, keepdims=True)
    c = rng.lognormal(0.0, sigma, size=n)
    c *= 100.0 / c.max()
    opt = kern.SMPOptions()
    state = kern.assess(x, s, c, opt)
    return state, s.sum(axis=1), c, opt


def _searched(seed: int, n: int, dims: int, *, spread: float, sigma: float):
    """The compiled search's (target, P, gain, targets evaluated exactly) and, from
    evaluating every target with the NumPy path, (target, P, gain)."""
    from detente.models import _smp_numba as nbk

    state, s_tot, c, opt = _state(seed, n, dims, spread=spread, sigma=sigma)
    w = s_tot * c
    rest = np.ascontiguousarray(
        kern.est_risk(state.risk[:, None], state.risk[None, :], "one_third")
    )
    d = np.ascontiguousarray(state.d)
    prob, gain = kern._challenges_numpy(d, state.risk, s_tot, w, opt)
    fast = nbk._best_challenges_nb(
        2,
        1,
        True,
        d,
        rest,
        w,
        s_tot,
        kern.GAIN_RTOL,
        kern.MIN_SIG_EDU,
        np.int64(kern._FIRST_TARGETS),
        1.0,
    )
    return fast, kern.best_targets(prob, gain)


def _assert_same_choices(fast, slow) -> None:
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_allclose(fast[1], slow[1], atol=1e-12)
    np.testing.assert_allclose(fast[2], slow[2], atol=1e-12)


CASES = [
    # (seed, actors, dimensions, spread of positions, sigma of log capabilities)
    (1, 120, 5, 0.3, 1.0),  # scattered
    (2, 150, 8, 0.02, 1.0),  # clustered: gains small, most initiators screened
    (3, 90, 3, 0.05, 3.0),  # a few actors carry nearly all the weight
    (4, 64, 12, 0.0005, 0.5),  # nearly coincident positions: principals nearly indifferent
]


@pytest.mark.parametrize(("seed", "n", "dims", "spread", "sigma"), CASES)
def test_screen_bounds_contain_the_exact_gains(
    seed: int, n: int, dims: int, spread: float, sigma: float
) -> None:
    """For every initiator and target, the screen's lower and upper bounds (from the
    arithmetic in single precision and its error bound) contain the gain computed in
    double precision by the NumPy path (which evaluates every target)."""
    from detente.models import _smp_numba as nbk

    state, s_tot, c, opt = _state(seed, n, dims, spread=spread, sigma=sigma)
    w = s_tot * c
    rest = np.ascontiguousarray(
        kern.est_risk(state.risk[:, None], state.risk[None, :], "one_third")
    )
    d = np.ascontiguousarray(state.d)
    _, gain = kern._challenges_numpy(d, state.risk, s_tot, w, opt)
    scale = max(1.0, 2.0 * float(s_tot.max()) - 1.0)
    hs = np.arange(n, dtype=np.int64)
    upper = np.empty((n, n))
    lower = np.empty((n, n))
    d32, wd, sd = nbk._screen_inputs(d, w)
    for a in range(0, n, 16):
        blk = hs[a : a + 16].copy()
        up, lo = nbk._screen_block(
            blk,
            d,
            d32,
            rest,
            w,
            w.astype(np.float32),
            s_tot,
            float(w.sum()),
            wd,
            sd,
            float(w.max()),
            float(d.max()),
            scale,
        )
        upper[a : a + 16], lower[a : a + 16] = up, lo
    off = ~np.eye(n, dtype=bool)
    assert np.all(lower[off] <= gain[off])
    assert np.all(gain[off] <= upper[off])
    assert np.all(np.isneginf(upper[~off]))
    # the screen is informative, for scattered and clustered positions alike: on most
    # pairs its interval is far narrower than the gains (the search had only the trivial
    # interval [-|Δ|, |Δ|] without it); wider where a few actors carry nearly all the
    # weight (its bound grows with Σ w², see _screen_block)
    width = upper[off] - lower[off]
    limit = 0.1 if sigma > 2.0 else 0.005
    assert np.median(width) < limit * np.median(np.abs(gain[off]))


@pytest.mark.parametrize(("seed", "n", "dims", "spread", "sigma"), CASES)
def test_screened_search_chooses_as_evaluating_every_target(
    seed: int, n: int, dims: int, spread: float, sigma: float
) -> None:
    """The compiled search (batches by the gain bound, the rest screened in single
    precision, the survivors evaluated exactly) chooses the targets that evaluating every
    target in double precision chooses, with the same probabilities and gains; the
    screened initiators evaluate few of their targets exactly."""
    fast, slow = _searched(seed, n, dims, spread=spread, sigma=sigma)
    _assert_same_choices(fast, slow)
    evaluated = fast[3]
    screened = evaluated >= 0
    assert screened.any()  # the screen was used ...
    # ... and ruled out nearly every target (most where the weight is spread)
    assert np.median(evaluated[screened]) <= (n // 4 if sigma > 2.0 else 10)


def test_search_falls_back_to_every_target_where_the_screen_decides_little() -> None:
    """When a few actors carry nearly all the weight (capabilities spread over many
    orders of magnitude), the screen's bound is too wide to rule out targets; those
    initiators evaluate every target exactly (in blocks), and the choices still equal
    evaluating every target."""
    n = 120
    fast, slow = _searched(7, n, 4, spread=0.3, sigma=4.0)
    assert (fast[3] == n - 1).sum() >= 5
    _assert_same_choices(fast, slow)
