"""Exchange model at scale: pruning, the compiled trade, determinism, progress, memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import detente.models._exchange_kernel as kernel
from detente.models.exchange import Exchange
from detente.progress import listening
from detente.scenario import Actor, Issue, Scenario, Stance

NUMBA = kernel.COMPILED


def random_arrays(
    n_a: int, n_i: int, seed: int, grid: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions on 0..100, saliences and capabilities; ``grid``: positions on multiples of
    5 and saliences in tenths, so that exactly tied gains occur."""
    rng = np.random.default_rng(seed)
    if grid:
        pos = rng.integers(0, 21, (n_a, n_i)) * 5.0
        sal = rng.integers(1, 11, (n_a, n_i)) / 10
    else:
        pos = rng.uniform(0.0, 100.0, (n_a, n_i))
        sal = rng.uniform(0.05, 1.0, (n_a, n_i))
    cap = rng.uniform(0.05, 1.0, (n_a, n_i))
    return pos, sal, cap


def scenario(pos: np.ndarray, sal: np.ndarray, cap: np.ndarray) -> Scenario:
    n_a, n_i = pos.shape
    return Scenario(
        id=f"scale-{n_a}x{n_i}",
        actors=tuple(Actor(id=f"a{k:03d}") for k in range(n_a)),
        issues=tuple(Issue(id=f"i{k:02d}") for k in range(n_i)),
        stances=tuple(
            Stance(
                actor=f"a{a:03d}",
                issue=f"i{i:02d}",
                position=float(pos[a, i]),
                salience=float(sal[a, i]),
                capability=float(cap[a, i]),
            )
            for a in range(n_a)
            for i in range(n_i)
        ),
    )


def exchanges(forecast) -> list[tuple]:
    return [(e.round, e.actors, e.issues) for e in forecast.events if e.kind == "exchange"]


def round_arrays(res: kernel.RoundResult) -> list[np.ndarray]:
    return [
        res.voting, res.preference, res.actor_i, res.actor_j, res.issue_i, res.issue_j,
        res.from_i, res.to_i, res.from_j, res.to_j, res.gain, res.gain_i, res.gain_j,
    ]  # fmt: skip


def play(n_a: int, n_i: int, seed: int, **kw) -> kernel.RoundResult:
    pos, sal, cap = random_arrays(n_a, n_i, seed)
    rng = np.random.default_rng(seed)
    present = rng.random((n_a, n_i)) > 0.1
    can_supply = rng.random((n_a, n_i)) > 0.05
    return kernel.exchange_round(
        pos, sal, cap, present, rng=np.random.default_rng(1), can_supply=can_supply, **kw
    )


# --------------------------------------------------------------------------- candidates


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_count_candidates_without_listing_them(seed):
    rng = np.random.default_rng(seed)
    left = rng.random((30, 7)) < 0.4
    present = rng.random((30, 7)) > 0.2
    listed = kernel.candidate_pairs(left, present)[0].size
    assert kernel.count_candidates(left, present) == listed > 0


@pytest.mark.skipif(not NUMBA, reason="numba not available")
@pytest.mark.parametrize("p_random", [0.0, 0.3])
def test_compiled_trade_gives_numpys_bits(monkeypatch, p_random):
    compiled = play(40, 6, 3, p_random=p_random)
    monkeypatch.setattr(kernel, "COMPILED", False)
    plain = play(40, 6, 3, p_random=p_random)
    assert compiled.n_realised == plain.n_realised > 50
    for a, b in zip(round_arrays(compiled), round_arrays(plain), strict=True):
        assert np.array_equal(a, b)


@pytest.mark.skipif(not NUMBA, reason="numba not available")
def test_compiled_pruning_keeps_what_numpy_keeps(monkeypatch):
    pos, sal, cap = random_arrays(60, 9, 4)
    rng = np.random.default_rng(4)
    present = rng.random(pos.shape) > 0.1
    can = rng.random(pos.shape) > 0.05
    rank = rng.permutation(60).astype(np.int64)
    compiled = kernel.pruned_pairs(pos, sal, cap, present, can, 2, rank)
    monkeypatch.setattr(kernel, "COMPILED", False)
    plain = kernel.pruned_pairs(pos, sal, cap, present, can, 2, rank)
    assert compiled[4] == plain[4]
    for a, b in zip(compiled[:4], plain[:4], strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("k", [1, 3])
def test_pruning_keeps_each_pairs_best_by_brute_force(k):
    """The kept set against every candidate of the full round, evaluated at its start."""
    n_a, n_i = 25, 6
    pos, sal, cap = random_arrays(n_a, n_i, 7 + k, grid=True)
    present = np.ones(pos.shape, dtype=bool)
    can = np.ones(pos.shape, dtype=bool)
    rank = np.arange(n_a, dtype=np.int64)
    st = kernel._Round(pos, sal, cap, present, can, None, 0.0, np.random.default_rng(0))
    _, _, g_i, _, valid, _ = st._trade(np.arange(st.n), st.r_eq)
    want = set()
    by_pair: dict[tuple[int, int], list[tuple[float, tuple[int, ...]]]] = {}
    for e in np.flatnonzero(valid):
        ci, cj, p, q = int(st.ci[e]), int(st.cj[e]), int(st.p[e]), int(st.q[e])
        key = (ci, cj, q, p)  # the tie order: actors' ranks (here their index), then issues
        by_pair.setdefault((min(ci, cj), max(ci, cj)), []).append((abs(float(g_i[e])), key))
    for cands in by_pair.values():
        cands.sort(key=lambda gk: (-gk[0], gk[1]))
        last = cands[min(k, len(cands)) - 1][0]
        want |= {key for g, key in cands if g >= last - kernel.TIE_RTOL * last}
    p, q, i, j, n_total = kernel.pruned_pairs(pos, sal, cap, present, can, k, rank)
    assert n_total == kernel.candidate_pairs(st_left(pos, sal, cap), present)[0].size
    got = {(int(a), int(b), int(c), int(d)) for a, b, c, d in zip(i, j, q, p, strict=True)}
    assert got == want
    assert len(got) > k * len(by_pair) // 2


def st_left(pos: np.ndarray, sal: np.ndarray, cap: np.ndarray) -> np.ndarray:
    present = np.ones(pos.shape, dtype=bool)
    return kernel._sides(pos, sal, cap, present, None)[3]


@pytest.mark.parametrize("p_random", [0.0, 0.3])
def test_room_for_every_candidate_is_the_full_round(p_random):
    """Pruning that keeps a pair's every candidate changes nothing: candidates act on the
    state only when realised (with a random rate, the draws differ with the candidates'
    order, so only the equal-gain model is compared exactly)."""
    full = play(50, 7, 5, p_random=p_random)
    every = play(50, 7, 5, p_random=p_random, pair_limit=21, max_candidates=0)
    assert every.n_kept == full.n_valid
    assert every.n_candidates == full.n_candidates
    if p_random == 0:
        for a, b in zip(round_arrays(every), round_arrays(full), strict=True):
            assert np.array_equal(a, b)
    else:
        assert every.n_realised > 0


def test_pruning_is_an_approximation():
    """Keeping one exchange per pair changes which exchanges are realised (the model's
    docs say why); the test pins that down so the docs stay true."""
    full = play(50, 7, 5)
    one = play(50, 7, 5, pair_limit=1, max_candidates=0)
    assert one.n_kept < full.n_valid
    assert one.n_realised != full.n_realised or not np.array_equal(one.actor_i, full.actor_i)


# --------------------------------------------------------------------------- the model


def test_large_rounds_are_pruned_and_say_so():
    sc = scenario(*random_arrays(30, 5, 9))
    f = Exchange(rounds=2, max_candidates=100, pair_limit=2).forecast(sc, seed=1)
    heads = [e for e in f.events if e.kind == "round"]
    assert all("pruned to" in e.text and e.data["kept"] > 0 for e in heads)
    assert any("approximation" in line for line in f.notes)
    f = Exchange(rounds=2).forecast(sc, seed=1)
    assert all("kept" not in e.data for e in f.events if e.kind == "round")
    assert not any("approximation" in line for line in f.notes)


def test_decide_rounds_are_never_pruned(tiny):
    f = Exchange(rounds=2, compat="decide", max_candidates=0).forecast(tiny, seed=1)
    assert all("kept" not in e.data for e in f.events if e.kind == "round")


@pytest.mark.parametrize("grid", [False, True])
@pytest.mark.parametrize("params", [{}, {"max_candidates": 0, "pair_limit": 2}])
def test_one_ulp_changes_no_choice(grid, params):
    """Inputs moved by one ulp (positions toward the middle, saliences toward 0,
    capabilities up) give the same exchanges, also where gains are exactly tied."""
    pos, sal, cap = random_arrays(40, 6, 11, grid=grid)
    model = Exchange(rounds=3, **params)
    base = model.forecast(scenario(pos, sal, cap), seed=2)
    moved = model.forecast(
        scenario(np.nextafter(pos, 50.0), np.nextafter(sal, 0.0), np.nextafter(cap, np.inf)),
        seed=2,
    )
    assert len(exchanges(base)) > 30
    assert exchanges(moved) == exchanges(base)
    assert np.allclose(moved.positions, base.positions, rtol=0, atol=1e-9)
    if grid:
        assert sum(e.data["ties"] for e in base.events if e.kind == "round") > 0


def test_progress_reports_every_round():
    heard: list[tuple[float, str]] = []
    sc = scenario(*random_arrays(20, 4, 12))
    with listening(lambda share, label: heard.append((share, label))):
        Exchange(rounds=3).forecast(sc, seed=1)
    labels = [label for _, label in heard]
    for r in (1, 2, 3):
        assert f"exchange: round {r} of 3" in labels
    shares = [share for share, _ in heard]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] == 1.0


@pytest.mark.slow
def test_pruned_round_memory_is_bounded():
    """800 actors x 10 issues: about 4 million candidates (a full round holds them in some
    2 GB); pruned to one per pair it stays far below. Peak RSS of a fresh process."""
    code = textwrap.dedent(
        """
        import resource
        import numpy as np
        from detente.models._exchange_kernel import exchange_round
        rng = np.random.default_rng(0)
        # compile first (a fresh install has no numba cache; compiling takes memory too)
        w = rng.uniform(0.05, 1, (20, 4))
        exchange_round(w * 100, w, w, np.ones((20, 4), bool), rng=np.random.default_rng(1),
                       pair_limit=1, max_candidates=0)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        x = rng.uniform(0, 100, (800, 10))
        s = rng.uniform(0.05, 1, (800, 10))
        c = rng.uniform(0.05, 1, (800, 10))
        res = exchange_round(x, s, c, np.ones((800, 10), bool), rng=np.random.default_rng(1),
                             pair_limit=1, max_candidates=0)
        print(res.n_candidates, res.n_kept, res.n_realised,
              resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    ).stdout.split()
    n_candidates, n_kept, n_realised, grown_kb = (int(v) for v in out)
    assert n_candidates > 3_500_000
    assert 0 < n_kept < 800 * 800 and n_realised > 1000
    # the round's own peak, beyond what start-up and compiling took: a full round of 4
    # million candidates would add some 2 GB
    assert grown_kb < 500_000


_CHILD = textwrap.dedent(
    """
    import json
    import numpy as np
    from detente.models.exchange import Exchange
    from detente.scenario import Actor, Issue, Scenario, Stance

    rng = np.random.default_rng(21)
    pos = rng.uniform(0, 100, (60, 7))
    sal = rng.uniform(0.05, 1, (60, 7))
    cap = rng.uniform(0.05, 1, (60, 7))
    sc = Scenario(
        id="simd",
        actors=tuple(Actor(id=f"a{k:02d}") for k in range(60)),
        issues=tuple(Issue(id=f"i{k}") for k in range(7)),
        stances=tuple(
            Stance(actor=f"a{a:02d}", issue=f"i{i}", position=float(pos[a, i]),
                   salience=float(sal[a, i]), capability=float(cap[a, i]))
            for a in range(60) for i in range(7)
        ),
    )
    out = []
    for params in ({}, {"max_candidates": 0, "pair_limit": 2}, {"p": 0.3}):
        f = Exchange(rounds=3, **params).forecast(sc, seed=4)
        out.append({
            "positions": f.positions.tolist(),
            "exchanges": [[e.round, *e.actors, *e.issues, e.data["gain"]]
                          for e in f.events if e.kind == "exchange"],
        })
    print(json.dumps(out))
    """
)


def _child(env: dict[str, str]) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.slow
def test_avx2_arithmetic_gives_the_same_bits():
    """NumPy's AVX-512 code switched off (as on an AVX2 processor) and numba generating code
    for Haswell: the same exchanges and positions, bit for bit (full, pruned, randomised)."""
    from numpy._core import _multiarray_umath as umath

    wide = [f for f in umath.__cpu_dispatch__ if f.startswith("AVX512") or f == "X86_V4"]
    native = _child({})
    avx2 = _child({"NPY_DISABLE_CPU_FEATURES": " ".join(wide), "NUMBA_CPU_NAME": "haswell"})
    assert all(len(run["exchanges"]) > 100 for run in native)
    assert avx2 == native
