"""Compiled kernel (numba) of the expected-utility model for many small games.

An ensemble plays a very large number of small games (the bundled scenario: 100,000 draws
x 9 issues of at most 8 actors). The NumPy kernel of :mod:`._eu_kernel` spends most of
its time there on the overhead of a few dozen passes a round over ``(B, N, N)`` arrays;
this module plays each game in compiled loops instead, one game at a time, every pairwise
quantity in small scratch arrays that stay in the cache. :func:`._eu_kernel.play` hands
the games here when they are many and small (:data:`MIN_GAMES`, :data:`MAX_ACTORS`) and
no trace is recorded; the NumPy kernel stays the general path and the reference.
The setting :func:`detente.models.compiled_kernels` (whose default ``DETENTE_NO_NUMBA=1``
turns off) switches this module off and on, with the other models' compiled kernels.

The formulas are those of :mod:`detente.models.expected_utility` ((E1)-(E7)), computed
as :mod:`._eu_kernel` computes them (actors sorted by position, supports ``M_ij`` from
prefix sums over the sorted voters and the midpoint counts), with the same floating-point
operations in the same order, so that the two kernels agree to the last bit. That
matters: the game amplifies a difference in the last place (a compromise moves by the
ratio of two differences of nearly equal utilities), and after ten rounds a few percent
of random games take another offer somewhere if the kernels differ by rounding alone.
How the compiled kernel gets there:

* A round runs in two compiled halves. :func:`_prepare` computes what needs ``r = 1``
  only (the dangers (E5), where ``U_s - U_sq = 2d`` and ``U_s - U_f = 4d``, with the
  win probabilities of (E2) from linear votes; the dmasad reading needs no other
  probability) and the risk exponents, and lists the powers the rest of the round needs
  (``0.5^{r_i}``, ``(0.5 -+ 0.5 d_ij)^{r_i}`` of (E3), and ``d_ka^{r_k}`` of (E1) for the
  Scholz reading) in one flat array; ``np.power`` evaluates them all at once; and
  :func:`_finish` does the rest (votes, probabilities, offers, choices, moves, linkages,
  clipping, stopping rules). ``np.power`` gives the NumPy kernel's values exactly (a
  compiled ``pow`` or ``exp(r log x)`` differs from NumPy's vectorised one in the last
  place for 5-30 % of the values) and is faster than either here (about 2 ns a value
  against 6-12 ns).
* Absent actors are skipped: they add exact zeros to the NumPy kernel's sums in position
  order. The exception is the all-pairs denominator of (E2), which ``np.sum`` adds
  pairwise (eight running sums, a tree, then the tail): :func:`_total` reproduces that
  over the game's full ``N x N`` matrix, absent actors' zeros in their sorted places.
* Each actor's offers are classified in one pass over the proposers and the one taken
  found in a second: the first in position order whose key lies within ``TIE x R`` of
  the least key of the kind taken, with every E(U) comparison within ``TIE``, as
  ``_eu_kernel._round`` decides (:data:`TIE`, the tolerance of ties documented in
  :mod:`detente.models.expected_utility`).
* Large games (:data:`LARGE_ACTORS` actors or more, traced or not) come here too: their
  pairwise scratch is ``O(N^2)`` per thread, allocated once, and above ``_DIRECT_MAX``
  actors every pairwise loop runs along rows, the few transposed reads going through
  tiled transposes (a column of a matrix of tens of megabytes would cost a cache miss an
  element). The accepted moves of the trace (the offer each actor took, its kind and
  both E(U), the number of offers) are recorded as the NumPy kernel's round records.
* Many small games untraced (the ensembles) take functions of their own
  (:func:`_prepare_small`, :func:`_finish_small`): scratch allocated inside the compiled
  function, no large-game branch, no record (scratch passed in from outside cost a fifth of
  the speed). A round that moved nobody is not played again while the linkages hold the
  same actors: it would give the same numbers to the last bit (its inputs are the same),
  so its positions and exponents are repeated and its powers not asked for. Likewise,
  with ``stop="rounds"``, a round that starts where the round before last started (the
  same actors held) repeats that round's result. In the bundled scenario's ensemble about
  half the game-rounds stand still and a fifth go back and forth between two states (an
  actor whose best offer it has taken stays put or swings back; the game goes on).
* The only sum not reproduced bit for bit is the weighted mean of the ``stop="mean"``
  rule (``np.einsum`` there, position order here): a game could stop a round earlier or
  later only if its mean moved by exactly ``tol`` to within rounding.

The tests compare both kernels on random games and on the reference case for every option
the batch path takes, linkages and the thread split included.

Parallelism: the compiled functions release the GIL (``nogil``) and :func:`play` splits
the games between Python threads, one per available core (one thread inside a worker
process of a pool, whose parent already spreads the work over the cores). numba's
``parallel=True`` is not used: none of its threading layers installed here is both
fork-safe and thread-safe (GNU OpenMP fails in a forked pool worker once the parent has
used it, the workqueue layer aborts when two threads call it at once), and detente forks
pools and runs ensembles from the dashboard's threads. The code is cached on disk
(``cache=True``): the first call in a fresh environment compiles it (about 8 s here),
later processes load it (about 0.3 s); ``benchmarks/bench_expected_utility.py`` reports
both.

Where the time goes (bundled scenario, 10 rounds, one thread, measured with cProfile on
a loaded machine, before rounds that move nobody were repeated instead of played): the
second half of a round about 45 %, the first 30 % and ``np.power`` 20 % on AVX-512, where
NumPy runs SVML (about 3 ns a value); with AVX2 code paths (``NUMBA_CPU_NAME=haswell``
and NumPy's AVX-512 features off) ``np.power`` runs the C library's ``pow`` (about 10 ns
a value) and takes 35-40 %. Processor time a draw, one thread, 4,096 draws of the
bundled scenario (kernel only): 7,500 draws a processor-second with the large-game
functions, 9,600 with the small-game ones, 14,600-15,800 with the repeats of rounds that
move nobody, 19,400-19,600 with those of the round before last too.

Nothing here is recursive: numba's cache does not reload recursive functions reliably
(the reloaded code crashed).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from detente.models import _compiled

__all__ = ["ENABLED", "MAX_ACTORS", "MIN_GAMES", "enabled", "play", "use_numba"]

_numba: Any = None
if _compiled.available():  # with DETENTE_NO_NUMBA set numba is not even imported
    try:  # numba is a core dependency; the guard keeps the NumPy path alive without it
        import numba as _numba
    except ImportError:  # pragma: no cover - numba not installed
        _numba = None

#: whether numba is importable and not switched off by ``DETENTE_NO_NUMBA`` (the setting
#: :func:`detente.models.compiled_kernels` decides whether it is used)
ENABLED = _numba is not None and _compiled.available()
#: games with more actors than this stay on the NumPy kernel (O(N^2) arrays pay off there)
MAX_ACTORS = 32
#: fewer games than this stay on the NumPy kernel (a forecast plays one game per issue)
MIN_GAMES = 64
#: games of at least this many actors come here however few (traced or not, except a
#: trace of every offer): one game's ``O(N^2)`` scratch instead of ``(B, N, N)`` arrays
LARGE_ACTORS = 128
#: rounds whose trajectory is allocated at once (and played in one go without linkages)
SEGMENT = 64
#: a thread gets at least this many games
MIN_GAMES_PER_THREAD = 256
#: games are played in chunks whose powers take at most this many values (at least one
#: game a chunk): bounded memory, and a chunk's data stay in the cache through a round
POW_CHUNK = 1 << 20

#: the tolerance of ties, as :data:`detente.models._eu_kernel.TIE` (kept equal by a test)
TIE = 1e-9
#: option codes passed to the compiled kernel
_VARIANT = {"scholz": 0, "dmasad": 1}
_STOP = {"rounds": 0, "positions": 1, "mean": 2}


def enabled() -> bool:
    """Whether :func:`detente.models._eu_kernel.play` may dispatch here: numba at hand and
    the setting :func:`detente.models.compiled_kernels` on."""
    return ENABLED and _compiled.compiled_kernels_enabled()


def use_numba(flag: bool) -> bool:
    """Switch every model's compiled kernels on or off (the process-wide setting
    :func:`detente.models.compiled_kernels`); returns the previous state. Switching on
    without numba (or with ``DETENTE_NO_NUMBA``) keeps them off."""
    before = enabled()
    _compiled.compiled_kernels(flag)
    return before


def _plain(fn: Any) -> Any:  # pragma: no cover - used only without numba
    return fn


# module-level functions, so that numba's on-disk cache can serve later processes;
# error_model="numpy": IEEE division (the code never divides by zero where it matters)
_jit = _numba.njit(cache=True, nogil=True, error_model="numpy") if ENABLED else _plain
#: helpers, inlined into the two round kernels at numba's IR level (no call overhead)
_inline = (
    _numba.njit(cache=True, nogil=True, error_model="numpy", inline="always") if ENABLED else _plain
)


@_inline
def _before(xa: float, a: int, xb: float, b: int) -> bool:
    """Whether actor ``a`` at ``xa`` comes before ``b`` at ``xb`` in a stable argsort
    (NaN last, as NumPy sorts; only absent actors could carry one)."""
    na, nb = np.isnan(xa), np.isnan(xb)
    if na != nb:
        return nb
    if na or xa == xb:
        return a < b
    return xa < xb


@_inline
def _setup(
    g: int,
    x: np.ndarray,
    present: np.ndarray,
    order: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    o: np.ndarray,
    rank: np.ndarray,
    xs: np.ndarray,
    ss: np.ndarray,
    ws: np.ndarray,
) -> int:
    """Sort game ``g``'s actors by position (insertion sort from last round's order, kept
    in ``order[g]``) and gather the ``n`` present ones: actor ``o[k]``, its place
    ``rank[k]`` among all actors, position, salience and weight. Returns ``n``."""
    na = order.shape[1]
    for k in range(1, na):
        a = order[g, k]
        v = x[g, a]
        j = k - 1
        while j >= 0 and _before(v, a, x[g, order[g, j]], order[g, j]):
            order[g, j + 1] = order[g, j]
            j -= 1
        order[g, j + 1] = a
    n = 0
    for k in range(na):
        a = order[g, k]
        if present[g, a]:
            o[n] = a
            rank[n] = k
            xs[n] = x[g, a]
            ss[n] = s[g, a]
            ws[n] = w[g, a]
            n += 1
    return n


#: side of the square tiles in which matrices are transposed (cache-friendly for large N)
_TILE = 32
#: games of at most this many actors read columns directly (their matrices fit the cache)
_DIRECT_MAX = 64


@_inline
def _transpose(rows: int, cols: int, a: np.ndarray, out: np.ndarray) -> None:
    """``out[c, r] = a[r, c]`` for the leading ``rows x cols`` block, tile by tile.

    Large games (thousands of actors) would otherwise read or write a column of an array
    of tens of megabytes, one cache miss an element; every pairwise loop below runs along
    rows, and the few transposed reads go through this."""
    for r0 in range(0, rows, _TILE):
        r1 = min(r0 + _TILE, rows)
        for c0 in range(0, cols, _TILE):
            c1 = min(c0 + _TILE, cols)
            for r in range(r0, r1):
                for c in range(c0, c1):
                    out[c, r] = a[r, c]


@_inline
def _geometry(n: int, xs: np.ndarray, scale: float, dist: np.ndarray, cnt: np.ndarray) -> None:
    """Distances as shares of the range and, for every pair, the number of voters
    strictly left of its midpoint (both symmetric: the upper triangle is mirrored)."""
    for i in range(n):
        dist[i, i] = 0.0
        cnt[i, i] = 0
        t = 0
        for j in range(i + 1, n):
            d = abs(xs[j] - xs[i]) / scale
            dist[i, j] = d if d < 1.0 else 1.0
            mid = 0.5 * (xs[i] + xs[j])
            while t < n and xs[t] < mid:
                t += 1
            cnt[i, j] = t
            if n <= _DIRECT_MAX:  # small games: mirror at once, all in the cache
                dist[j, i] = dist[i, j]
                cnt[j, i] = t
    if n <= _DIRECT_MAX:
        return
    for r0 in range(0, n, _TILE):  # mirror, tile by tile
        for c0 in range(r0, n, _TILE):
            for i in range(r0, min(r0 + _TILE, n)):
                for j in range(max(c0, i + 1), min(c0 + _TILE, n)):
                    dist[j, i] = dist[i, j]
                    cnt[j, i] = cnt[i, j]


@_inline
def _support(
    n: int,
    vote: np.ndarray,
    cnt: np.ndarray,
    h: np.ndarray,
    ht: np.ndarray,
    gg: np.ndarray,
    gt: np.ndarray,
    m: np.ndarray,
) -> None:
    """``m[i, j] = Σ_k max(0, vote[k, j] - vote[k, i])`` by prefix sums over the sorted
    voters, with the arithmetic of ``_eu_kernel._support`` in the same order:
    ``H[t, a]`` the prefix sums (``h``; ``ht`` its transpose), ``G[i, j] = H[t_ij, i]``
    (``gg``; ``gt`` its transpose), ``left = G[j, i] - G[i, j]``; ``m[i, j]`` is ``left``
    above the diagonal and ``(H[n, j] - H[n, i]) - left`` below. Every loop runs along
    rows (``G`` row by row reads ``ht`` in order: ``t_ij`` grows with ``j``)."""
    for a in range(n):
        h[0, a] = 0.0
    for k in range(n):
        for a in range(n):
            h[k + 1, a] = h[k, a] + vote[k, a]
    if n <= _DIRECT_MAX:  # small games: pairs of entries at once, all in the cache
        for i in range(n):
            m[i, i] = 0.0
            for j in range(i + 1, n):
                t = cnt[i, j]
                left = h[t, j] - h[t, i]  # voters left of the midpoint back i (i before j)
                m[i, j] = left if left > 0.0 else 0.0
                right = (h[n, i] - h[n, j]) - (h[t, i] - h[t, j])  # voters right of it
                m[j, i] = right if right > 0.0 else 0.0
        return
    _transpose(n + 1, n, h, ht)
    for i in range(n):
        for j in range(n):
            gg[i, j] = ht[i, cnt[i, j]]
    _transpose(n, n, gg, gt)
    for i in range(n):
        for j in range(n):
            left = gt[i, j] - gg[i, j]  # H[t, j] - H[t, i]: voters left of the midpoint
            v = left if i < j else (h[n, j] - h[n, i]) - left
            m[i, j] = v if v > 0.0 else 0.0


@_jit
def _pairwise_block(a: np.ndarray, lo: int, n: int) -> float:
    """NumPy's pairwise summation of a run of at most 128 values."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@_jit
def _pairwise(a: np.ndarray, n: int, stack: np.ndarray, vals: np.ndarray) -> float:
    """NumPy's pairwise summation of ``a[:n]`` (``np.sum`` of a contiguous run): runs of
    more than 128 values are split in two near halves (a multiple of 8 first) and summed
    separately. Reproduced so that the all-pairs denominator agrees to the last bit; the
    split is walked with explicit stacks (``stack`` (K, 3) ints, ``vals`` K floats)
    because numba's cache does not reload recursive functions reliably."""
    if n <= 128:
        return _pairwise_block(a, 0, n)
    top = 0
    nv = 0
    stack[0, 0], stack[0, 1], stack[0, 2] = 0, n, 0
    while top >= 0:
        lo, m, seen = stack[top, 0], stack[top, 1], stack[top, 2]
        top -= 1
        if m <= 128:
            vals[nv] = _pairwise_block(a, lo, m)
            nv += 1
        elif seen == 0:
            m2 = m // 2
            m2 -= m2 % 8
            stack[top + 1, 0], stack[top + 1, 1], stack[top + 1, 2] = lo, m, 1
            stack[top + 2, 0], stack[top + 2, 1], stack[top + 2, 2] = lo + m2, m - m2, 0
            stack[top + 3, 0], stack[top + 3, 1], stack[top + 3, 2] = lo, m2, 0
            top += 3
        else:
            vals[nv - 2] = vals[nv - 2] + vals[nv - 1]
            nv -= 1
    return vals[0]


@_inline
def _total(
    n: int,
    na: int,
    m: np.ndarray,
    rank: np.ndarray,
    flat: np.ndarray,
    stack: np.ndarray,
    vals: np.ndarray,
) -> float:
    """``np.sum`` of the game's full ``na x na`` support matrix in sorted order (absent
    actors' rows and columns are zeros) to the last bit, from the ``n x n`` present part.
    Up to 128 entries NumPy adds entry ``f`` (row-major) to accumulator ``f % 8`` in
    order, sums the eight as a tree and adds the tail past the last multiple of 8 one by
    one; zeros change none of these sums, so only the present entries are visited."""
    size = na * na
    if size > 128:  # split runs: lay the full matrix out and sum it as NumPy does
        flat[:size] = 0.0
        for i in range(n):
            for j in range(n):
                flat[rank[i] * na + rank[j]] = m[i, j]
        return _pairwise(flat, size, stack, vals)
    if size < 8:
        res = 0.0
        for i in range(n):
            for j in range(n):
                res += m[i, j]
        return res
    body = size - size % 8
    for c in range(8):
        vals[c] = 0.0
    for i in range(n):
        row = rank[i] * na
        for j in range(n):
            f = row + rank[j]
            if f < body:
                vals[f & 7] += m[i, j]
    res = ((vals[0] + vals[1]) + (vals[2] + vals[3])) + ((vals[4] + vals[5]) + (vals[6] + vals[7]))
    for i in range(n):
        row = rank[i] * na
        for j in range(n):
            if row + rank[j] >= body:
                res += m[i, j]
    return res


@_inline
def _probability(
    n: int,
    na: int,
    m: np.ndarray,
    p: np.ndarray,
    variant: int,
    pair: bool,
    rank: np.ndarray,
    flat: np.ndarray,
    stack: np.ndarray,
    vals: np.ndarray,
    mt: np.ndarray,
) -> None:
    """Win probabilities (E2) from the supports, as ``_eu_kernel._probability``. The
    all-pairs total is summed over the game's full ``na x na`` matrix in sorted order,
    absent actors' zero rows and columns included, as ``np.sum`` does there. ``mt`` is
    scratch (the transposed supports)."""
    if variant == 1 or pair:
        _transpose(n, n, m, mt)
        for i in range(n):
            for j in range(n):
                if j == i:
                    p[i, i] = 0.0
                    continue
                a = m[i, j]
                b = mt[i, j]  # m[j, i]
                tot = a + b
                den = tot + (1.0 if tot <= 0.0 else 0.0)
                if variant == 1:
                    d = a - b
                    p[i, j] = (d if d > 0.0 else 0.0) / den
                else:
                    p[i, j] = a / den
        return
    tot = 2.0 * _total(n, na, m, rank, flat, stack, vals)
    den = tot + (1.0 if tot <= 0.0 else 0.0)
    for i in range(n):
        for j in range(n):
            p[i, j] = m[i, j] / den


@_jit
def _prepare(
    g0: int,
    g1: int,
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    present: np.ndarray,
    scale: np.ndarray,
    variant: int,
    pair: bool,
    active: np.ndarray,
    order: np.ndarray,
    rbuf: np.ndarray,
    base: np.ndarray,
    expo: np.ndarray,
    off: np.ndarray,
    shift: int,
    mats: tuple[np.ndarray, ...],
    cnt: np.ndarray,
    flat: np.ndarray,
) -> None:
    """First half of a round for games ``g0 .. g1 - 1``: the risk exponents (E5), from
    dangers with every r = 1, into ``rbuf`` (sorted order), and the powers the rest of
    the round needs as ``base ** expo`` at ``off[g]``: ``0.5^{r_i}``, then for every pair
    ``(i, j)`` ``d_ij^{r_i}``, ``(0.5 - 0.5 d_ij)^{r_i}`` and ``(0.5 + 0.5 d_ij)^{r_i}``.
    ``mats``, ``cnt`` and ``flat`` are the pairwise scratch of :func:`scratch`."""
    na = x.shape[1]
    o = np.empty(na, np.int64)
    rank = np.empty(na, np.int64)
    xs = np.empty(na)
    ss = np.empty(na)
    ws = np.empty(na)
    dist, vote, h, ht, gg, gt, m, p, _ = mats
    stack = np.empty((64, 3), np.int64)
    vals = np.empty(64)
    danger = np.empty(na)
    s4 = np.empty(na)
    per = 3 if variant == 0 else 2  # powers a pair: d^r for the votes (scholz), utilities
    for g in range(g0, g1):
        if not active[g]:
            continue
        n = _setup(g, x, present, order, s, w, o, rank, xs, ss, ws)
        if n == 0:
            continue
        _geometry(n, xs, scale[g], dist, cnt)
        for k in range(n):
            for a in range(n):
                vote[k, a] = dist[k, a] * ws[k]
        _support(n, vote, cnt, h, ht, gg, gt, m)
        _probability(n, na, m, p, variant, pair, rank, flat, stack, vals, gt)
        # (E5): a[j, i] = E_j(U_ji) = 2d - 4d s_i (1 - P_ji) with r = 1; D_i = Σ_j a[j, i],
        # summed over j in order as NumPy does (rows j outer: no column reads)
        if n <= _DIRECT_MAX:  # small games: column by column, all in the cache
            for i in range(n):
                si = 4.0 * ss[i]
                acc = dist[0, i] * (2.0 - si * (1.0 - p[0, i]))
                for j in range(1, n):
                    acc += dist[j, i] * (2.0 - si * (1.0 - p[j, i]))
                danger[i] = acc
        else:
            for i in range(n):
                s4[i] = 4.0 * ss[i]
                danger[i] = 0.0
            for j in range(n):
                for i in range(n):
                    danger[i] += dist[j, i] * (2.0 - s4[i] * (1.0 - p[j, i]))
        big = -np.inf
        small = np.inf
        for i in range(n):
            acc = danger[i]
            big = acc if acc > big else big
            small = acc if acc < small else small
        span = big - small
        size = max(max(abs(big), abs(small)), 1.0)
        ok = np.isfinite(span) and span > TIE * size  # equal dangers to within TIE: r = 1
        q = off[g] - shift
        for i in range(n):
            rr = (2.0 * danger[i] - big - small) / span if ok else 0.0
            rr = -1.0 if rr < -1.0 else (1.0 if rr > 1.0 else rr)
            ri = (1.0 - rr / 3.0) / (1.0 + rr / 3.0)
            rbuf[g, i] = ri
            base[q + i] = 0.5
            expo[q + i] = ri
            for j in range(n):
                if j == i:
                    continue
                d = dist[i, j]
                k = _slot(q, n, per, i, j)
                if per == 3:
                    base[k] = d
                    expo[k] = ri
                    k += 1
                base[k] = 0.5 - 0.5 * d
                base[k + 1] = 0.5 + 0.5 * d
                expo[k] = ri
                expo[k + 1] = ri


@_jit
def _finish(
    g0: int,
    g1: int,
    x: np.ndarray,
    xn: np.ndarray,
    risk: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    present: np.ndarray,
    scale: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    tol: np.ndarray,
    held: np.ndarray,
    use_held: bool,
    variant: int,
    pair: bool,
    least_change: bool,
    capitulation: bool,
    stop: int,
    active: np.ndarray,
    played: np.ndarray,
    converged: np.ndarray,
    order: np.ndarray,
    rbuf: np.ndarray,
    pw: np.ndarray,
    off: np.ndarray,
    shift: int,
    rec: bool,
    chosen: np.ndarray,
    ckind: np.ndarray,
    ceo: np.ndarray,
    cet: np.ndarray,
    noff: np.ndarray,
    mats: tuple[np.ndarray, ...],
    cnt: np.ndarray,
    flat: np.ndarray,
) -> None:
    """Second half of a round for games ``g0 .. g1 - 1``, with the powers ``pw`` asked for
    by :func:`_prepare` (game ``g``'s at ``off[g] - shift``): offers, choices and moves;
    linkages, clipping and the stopping rules of ``_eu_kernel.play``. Positions ``x`` ->
    ``xn``, exponents into ``risk``. With ``rec``, the offer each actor took as the NumPy
    kernel's round record has it: proposer (original index, -1 for none) ``chosen``, kind
    ``ckind``, the receiver's E(U) ``ceo`` and the proposer's ``cet`` (B, N), and the
    number of offers made ``noff`` (B,). ``mats``, ``cnt``, ``flat``: :func:`scratch`."""
    na = x.shape[1]
    o = np.empty(na, np.int64)
    rank = np.empty(na, np.int64)
    xs = np.empty(na)
    ss = np.empty(na)
    ws = np.empty(na)
    dist, vote, h, ht, gg, gt, m, p, own = mats
    cand = np.empty((4, na))
    pick = np.empty(na, np.int64)
    pkind = np.empty(na, np.int64)
    peo = np.empty(na)
    pet = np.empty(na)
    stack = np.empty((64, 3), np.int64)
    vals = np.empty(64)
    new = np.empty(na)
    for g in range(g0, g1):
        for a in range(na):
            xn[g, a] = x[g, a]
            risk[g, a] = 1.0
            if rec:
                chosen[g, a] = -1
                ckind[g, a] = 0
                ceo[g, a] = 0.0
                cet[g, a] = 0.0
        if rec:
            noff[g] = 0
        if not active[g]:
            continue
        played[g] += 1
        n = _setup(g, x, present, order, s, w, o, rank, xs, ss, ws)
        if n > 0:  # nobody present: nothing moves (the stopping rule still applies)
            _geometry(n, xs, scale[g], dist, cnt)
            q = off[g] - shift
            made = 0
            if variant == 0:  # (E1)-(E2) with the risk exponents: votes w_k d_ka^{r_k}
                for k in range(n):
                    for a in range(n):
                        g_ka = pw[_slot(q, n, 3, k, a)] if a != k else 0.0  # 0^r = 0
                        vote[k, a] = g_ka * ws[k]
                _support(n, vote, cnt, h, ht, gg, gt, m)
                _probability(n, na, m, p, variant, pair, rank, flat, stack, vals, gt)
                pt = p  # small games read P_ji as p[j, i] (in the cache)
                if n > _DIRECT_MAX:
                    _transpose(n, n, p, gt)  # gt[i, j] = P_ji
                    pt = gt
                made = _choose_scholz(
                    n, xs, ss, p, pt, pw, q, least_change, capitulation, TIE * scale[g], cand,
                    new, pick, pkind, peo, pet,
                )  # fmt: skip
            else:  # dmasad: the r = 1 probabilities of the dangers
                for k in range(n):
                    for a in range(n):
                        vote[k, a] = dist[k, a] * ws[k]
                _support(n, vote, cnt, h, ht, gg, gt, m)
                _probability(n, na, m, p, variant, pair, rank, flat, stack, vals, gt)
                made = _choose_dmasad(
                    n, xs, ss, p, pw, q, own, gt, TIE * scale[g], cand, new, pick, pkind, peo,
                    pet,
                )  # fmt: skip
            if rec:
                noff[g] = made
                for k in range(n):
                    if pick[k] >= 0:
                        a = o[k]
                        chosen[g, a] = o[pick[k]]
                        ckind[g, a] = pkind[k]
                        ceo[g, a] = peo[k]
                        cet[g, a] = pet[k]
        was_held = False
        for k in range(n):
            a = o[k]
            risk[g, a] = rbuf[g, k]
            v = new[k]
            if use_held and held[g, a]:
                v = x[g, a]
                was_held = True
            v = v if v > low[g] else low[g]
            xn[g, a] = v if v < high[g] else high[g]
        if stop != 0:
            change = 0.0
            if stop == 1:
                for k in range(n):
                    c = abs(xn[g, o[k]] - x[g, o[k]])
                    change = c if c > change else change
            else:
                change = abs(_mean(xn, w, g, o, n) - _mean(x, w, g, o, n))
            if change <= tol[g] and not was_held:
                converged[g] = True
                active[g] = False


@_inline
def _slot(q: int, n: int, per: int, i: int, j: int) -> int:
    """Where the powers of pair ``(i, j)``, ``i != j``, start in a game's block at ``q``:
    ``0.5^{r_i}`` for every ``i`` first, then ``per`` values a pair in row-major order
    (``d^{r_i}`` when the votes need it, ``(0.5 - 0.5 d)^{r_i}``, ``(0.5 + 0.5 d)^{r_i}``)."""
    return q + n + per * (i * (n - 1) + (j if j < i else j - 1))


@_inline
def _utilities(pw: np.ndarray, q: int, n: int, per: int, i: int, j: int) -> tuple[float, float]:
    """``U_s - U_sq`` and ``U_s - U_f`` of (E3) for actor ``i``'s exponent, pair ``(i, j)``."""
    k = _slot(q, n, per, i, j) + per - 2
    near = pw[k]
    return 4.0 * (pw[q + i] - near), 4.0 * (pw[k + 1] - near)


@_inline
def _choose_scholz(
    n: int,
    xs: np.ndarray,
    ss: np.ndarray,
    p: np.ndarray,
    pt: np.ndarray,
    pw: np.ndarray,
    q: int,
    least_change: bool,
    capitulation: bool,
    tie_key: float,
    cand: np.ndarray,
    new: np.ndarray,
    pick: np.ndarray,
    pkind: np.ndarray,
    peo: np.ndarray,
    pet: np.ndarray,
) -> int:
    """(E4), (E6), (E7): every actor's offers and the one it takes, with the tolerance of
    ``_eu_kernel._round``: E(U) within ``TIE`` and keys within ``tie_key`` count as equal;
    of the keys within ``tie_key`` of the least, the first in position order is taken.
    ``cand`` is scratch: kind, key, E^i(U_ij) and E^i(U_ji) of every proposer. The offer
    taken goes to ``pick`` (-1: none), its kind to ``pkind`` and its two E(U) to ``peo``
    and ``pet``; returns the number of offers made."""
    made = 0
    for i in range(n):
        pick[i] = -1
        xi = xs[i]
        si = ss[i]
        # pass 1: every proposer's offer kind and key, the least key of each kind
        kc, kp, kq = np.inf, np.inf, np.inf
        for j in range(n):
            cand[0, j] = 0.0
            xj = xs[j]
            if xj == xi:
                continue
            gain, spread = _utilities(pw, q, n, 3, i, j)
            own = gain - ss[j] * (1.0 - p[i, j]) * spread  # E^i(U_ij)
            pji = p[j, i] if n <= _DIRECT_MAX else pt[i, j]  # pt: P transposed
            oth = gain - si * (1.0 - pji) * spread  # E^i(U_ji)
            absd = abs(xj - xi)
            cand[2, j], cand[3, j] = own, oth
            if oth > own + TIE and own > TIE:  # confrontation
                cand[0, j], cand[1, j] = 1.0, absd
                kc = absd if absd < kc else kc
                made += 1
            elif oth > TIE and own < -TIE:
                if oth > TIE - own:  # compromise
                    ao, at = abs(own), abs(oth)
                    if least_change:
                        key = absd * ao / at
                        key = key if key < 1e300 else 1e300
                    else:
                        key = (ao * xi + at * xj) / (ao + at)
                    cand[0, j], cand[1, j] = 2.0, key
                    kp = key if key < kp else kp
                    made += 1
                elif capitulation and oth < -own - TIE:  # capitulation
                    cand[0, j], cand[1, j] = 3.0, absd
                    kq = absd if absd < kq else kq
                    made += 1
        # pass 2: the kind taken, then the first proposer within tie_key of its least key
        if kc < np.inf:
            kind, least = 1.0, kc
        elif kp < np.inf:
            kind, least = 2.0, kp
        elif kq < np.inf:
            kind, least = 3.0, kq
        else:
            new[i] = xi
            continue
        for j in range(n):
            if cand[0, j] == kind and cand[1, j] <= least + tie_key:
                if kind == 2.0:
                    new[i] = xi + (xs[j] - xi) * abs(cand[2, j] / cand[3, j])
                else:
                    new[i] = xs[j]
                pick[i], pkind[i], peo[i], pet[i] = j, int(kind), cand[2, j], cand[3, j]
                break
    return made


@_inline
def _choose_dmasad(
    n: int,
    xs: np.ndarray,
    ss: np.ndarray,
    p: np.ndarray,
    pw: np.ndarray,
    q: int,
    own: np.ndarray,
    other: np.ndarray,
    tie_key: float,
    cand: np.ndarray,
    new: np.ndarray,
    pick: np.ndarray,
    pkind: np.ndarray,
    peo: np.ndarray,
    pet: np.ndarray,
) -> int:
    """The dmasad reading: E(U) from each challenger's own perspective, the offer with the
    largest sender E(U) (within ``TIE``; then the nearest, within ``tie_key``, the first
    in position order) and its resolution, as ``_eu_kernel._round``; the offer taken and
    its resolution into ``pick``, ``pkind``, ``peo``, ``pet`` as :func:`_choose_scholz`;
    returns the number of offers made (every positive sender E(U), resisted ones too)."""
    made = 0
    for i in range(n):
        for j in range(n):
            if xs[j] == xs[i]:  # no offer either way between equal positions
                own[i, j] = 0.0
                continue
            gain, spread = _utilities(pw, q, n, 2, i, j)
            own[i, j] = gain - ss[j] * (1.0 - p[i, j]) * spread
    if n > _DIRECT_MAX:
        _transpose(n, n, own, other)  # other[i, j] = own[j, i], the sender's E(U)
    else:
        for i in range(n):
            for j in range(n):
                other[i, j] = own[j, i]
    for i in range(n):
        xi = xs[i]
        new[i] = xi
        pick[i] = -1
        best = -np.inf
        for j in range(n):
            if xs[j] != xi and other[i, j] > TIE:
                made += 1
                best = other[i, j] if other[i, j] > best else best
        if best == -np.inf:
            continue
        kb = np.inf
        for j in range(n):
            cand[1, j] = 1e300
            if xs[j] != xi and other[i, j] > TIE and other[i, j] >= best - TIE:
                absd = abs(xs[j] - xi)
                cand[1, j] = absd
                kb = absd if absd < kb else kb
        jb = 0
        while cand[1, jb] > kb + tie_key:
            jb += 1
        ui = own[i, jb]
        uj = own[jb, i]
        pick[i], pkind[i], peo[i], pet[i] = jb, 4, ui, uj  # resisted unless below
        if TIE < ui < uj - TIE:  # confrontation
            new[i] = xs[jb]
            pkind[i] = 1
        elif ui < -TIE and -ui < uj - TIE:  # compromise
            new[i] = xi + (xs[jb] - xi) * abs(ui / uj)
            pkind[i] = 2
        elif ui < -TIE and -ui > uj + TIE:  # capitulation
            new[i] = xs[jb]
            pkind[i] = 3
    return made


@_inline
def _mean(x: np.ndarray, w: np.ndarray, g: int, o: np.ndarray, n: int) -> float:
    """Capability x salience weighted mean of game ``g``'s actors ``o[:n]`` (the plain
    mean when none carries weight), as ``compromise.weighted_mean`` (summed in position
    order)."""
    num = 0.0
    den = 0.0
    for k in range(n):
        a = o[k]
        num += w[g, a] * x[g, a]
        den += w[g, a]
    if den <= 0.0:
        num = 0.0
        for k in range(n):
            num += x[g, o[k]]
        den = float(n)
    return num / den


# ------------------------------------------------------------- many small games
# The ensemble's path (games of at most MAX_ACTORS actors, no trace): every pairwise
# quantity in arrays allocated inside the compiled function (LLVM may then keep them in
# registers and vectorise: scratch passed in from outside, as the large games need it,
# cost a fifth of the speed here), no branch for large games in the inner loops, no
# record of the offers taken. The arithmetic is that of the general functions above,
# operation for operation (the tests compare both kernels and the NumPy one).


@_inline
def _geometry_small(
    n: int, xs: np.ndarray, scale: float, dist: np.ndarray, cnt: np.ndarray
) -> None:
    """:func:`_geometry` for a small game, mirroring at once."""
    for i in range(n):
        dist[i, i] = 0.0
        cnt[i, i] = 0
        t = 0
        for j in range(i + 1, n):
            d = abs(xs[j] - xs[i]) / scale
            d = d if d < 1.0 else 1.0
            dist[i, j] = d
            dist[j, i] = d
            mid = 0.5 * (xs[i] + xs[j])
            while t < n and xs[t] < mid:
                t += 1
            cnt[i, j] = t
            cnt[j, i] = t


@_inline
def _support_small(n: int, vote: np.ndarray, cnt: np.ndarray, h: np.ndarray, m: np.ndarray) -> None:
    """:func:`_support` for a small game (pairs of entries at once)."""
    for a in range(n):
        h[0, a] = 0.0
    for k in range(n):
        for a in range(n):
            h[k + 1, a] = h[k, a] + vote[k, a]
    for i in range(n):
        m[i, i] = 0.0
        for j in range(i + 1, n):
            t = cnt[i, j]
            left = h[t, j] - h[t, i]  # voters left of the midpoint back i (i before j)
            m[i, j] = left if left > 0.0 else 0.0
            right = (h[n, i] - h[n, j]) - (h[t, i] - h[t, j])  # voters right of it back j
            m[j, i] = right if right > 0.0 else 0.0


@_inline
def _probability_small(
    n: int,
    na: int,
    m: np.ndarray,
    p: np.ndarray,
    variant: int,
    pair: bool,
    rank: np.ndarray,
    flat: np.ndarray,
    stack: np.ndarray,
    vals: np.ndarray,
) -> None:
    """:func:`_probability` for a small game (pairs of entries at once)."""
    if variant == 1 or pair:
        for i in range(n):
            p[i, i] = 0.0
            for j in range(i + 1, n):
                a = m[i, j]
                b = m[j, i]
                tot = a + b
                den = tot + (1.0 if tot <= 0.0 else 0.0)
                if variant == 1:
                    d = a - b
                    p[i, j] = (d if d > 0.0 else 0.0) / den
                    d = b - a
                    p[j, i] = (d if d > 0.0 else 0.0) / den
                else:
                    p[i, j] = a / den
                    p[j, i] = b / den
        return
    tot = 2.0 * _total(n, na, m, rank, flat, stack, vals)
    den = tot + (1.0 if tot <= 0.0 else 0.0)
    for i in range(n):
        for j in range(n):
            p[i, j] = m[i, j] / den


@_jit
def _prepare_small(
    g0: int,
    g1: int,
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    present: np.ndarray,
    scale: np.ndarray,
    variant: int,
    pair: bool,
    active: np.ndarray,
    order: np.ndarray,
    rbuf: np.ndarray,
    base: np.ndarray,
    expo: np.ndarray,
    off: np.ndarray,
    shift: int,
    held: np.ndarray,
    use_held: bool,
    same: np.ndarray,
    hprev: np.ndarray,
    skip: np.ndarray,
    roff: np.ndarray,
    cyc: np.ndarray,
    back: bool,
    x2: np.ndarray,
    held2: np.ndarray,
    use_held2: bool,
) -> int:
    """:func:`_prepare` for small games (scratch allocated here). A game whose last round
    moved nobody (``same``) and whose linkages hold the same actors as then (``hprev``)
    would play that round again to the last bit: it is marked in ``skip`` and left out
    (:func:`_finish_small` repeats its positions). With ``back``, a game that starts where
    it started the round before last (``x2``), the linkages holding the same actors as
    then (``held2``), is marked in ``cyc`` and left out too (it repeats that round). The
    games played write their powers one after the other, game ``g``'s from ``roff[g]``;
    returns how many there are."""
    na = x.shape[1]
    o = np.empty(na, np.int64)
    rank = np.empty(na, np.int64)
    xs = np.empty(na)
    ss = np.empty(na)
    ws = np.empty(na)
    dist = np.empty((na, na))
    cnt = np.empty((na, na), np.int64)
    vote = np.empty((na, na))
    h = np.empty((na + 1, na))
    m = np.empty((na, na))
    p = np.empty((na, na))
    flat = np.empty(na * na)
    stack = np.empty((64, 3), np.int64)
    vals = np.empty(64)
    danger = np.empty(na)
    per = 3 if variant == 0 else 2  # powers a pair: d^r for the votes (scholz), utilities
    used = 0
    for g in range(g0, g1):
        skip[g] = False
        cyc[g] = False
        if not active[g]:
            continue
        if back:
            again = True
            for a in range(na):
                if present[g, a] and x[g, a] != x2[g, a]:
                    again = False
                    break
            if again:
                for a in range(na):
                    if (use_held and held[g, a]) != (use_held2 and held2[g, a]):
                        again = False
                        break
            if again:
                cyc[g] = True
                continue
        if same[g]:
            again = True
            for a in range(na):
                if hprev[g, a] != (use_held and held[g, a]):
                    again = False
                    break
            if again:
                skip[g] = True
                continue
        n = _setup(g, x, present, order, s, w, o, rank, xs, ss, ws)
        if n == 0:
            continue
        q = used
        roff[g] = q
        used += n + per * n * (n - 1)
        _geometry_small(n, xs, scale[g], dist, cnt)
        for k in range(n):
            for a in range(n):
                vote[k, a] = dist[k, a] * ws[k]
        _support_small(n, vote, cnt, h, m)
        _probability_small(n, na, m, p, variant, pair, rank, flat, stack, vals)
        # (E5), as _prepare: D_i = Σ_j a[j, i] summed over j in order
        big = -np.inf
        small = np.inf
        for i in range(n):
            si = 4.0 * ss[i]
            acc = dist[0, i] * (2.0 - si * (1.0 - p[0, i]))
            for j in range(1, n):
                acc += dist[j, i] * (2.0 - si * (1.0 - p[j, i]))
            danger[i] = acc
            big = acc if acc > big else big
            small = acc if acc < small else small
        span = big - small
        size = max(max(abs(big), abs(small)), 1.0)
        ok = np.isfinite(span) and span > TIE * size  # equal dangers to within TIE: r = 1
        for i in range(n):
            rr = (2.0 * danger[i] - big - small) / span if ok else 0.0
            rr = -1.0 if rr < -1.0 else (1.0 if rr > 1.0 else rr)
            ri = (1.0 - rr / 3.0) / (1.0 + rr / 3.0)
            rbuf[g, i] = ri
            base[q + i] = 0.5
            expo[q + i] = ri
            for j in range(n):
                if j == i:
                    continue
                d = dist[i, j]
                k = _slot(q, n, per, i, j)
                if per == 3:
                    base[k] = d
                    expo[k] = ri
                    k += 1
                base[k] = 0.5 - 0.5 * d
                base[k + 1] = 0.5 + 0.5 * d
                expo[k] = ri
                expo[k + 1] = ri
    return used


@_inline
def _choose_scholz_small(
    n: int,
    xs: np.ndarray,
    ss: np.ndarray,
    p: np.ndarray,
    pw: np.ndarray,
    q: int,
    least_change: bool,
    capitulation: bool,
    tie_key: float,
    cand: np.ndarray,
    new: np.ndarray,
) -> None:
    """:func:`_choose_scholz` without the record of the offer taken."""
    for i in range(n):
        xi = xs[i]
        si = ss[i]
        kc, kp, kq = np.inf, np.inf, np.inf
        for j in range(n):
            cand[0, j] = 0.0
            xj = xs[j]
            if xj == xi:
                continue
            gain, spread = _utilities(pw, q, n, 3, i, j)
            own = gain - ss[j] * (1.0 - p[i, j]) * spread  # E^i(U_ij)
            oth = gain - si * (1.0 - p[j, i]) * spread  # E^i(U_ji)
            absd = abs(xj - xi)
            if oth > own + TIE and own > TIE:  # confrontation
                cand[0, j], cand[1, j] = 1.0, absd
                kc = absd if absd < kc else kc
            elif oth > TIE and own < -TIE:
                if oth > TIE - own:  # compromise
                    ao, at = abs(own), abs(oth)
                    if least_change:
                        key = absd * ao / at
                        key = key if key < 1e300 else 1e300
                    else:
                        key = (ao * xi + at * xj) / (ao + at)
                    cand[0, j], cand[1, j], cand[2, j], cand[3, j] = 2.0, key, own, oth
                    kp = key if key < kp else kp
                elif capitulation and oth < -own - TIE:  # capitulation
                    cand[0, j], cand[1, j] = 3.0, absd
                    kq = absd if absd < kq else kq
        if kc < np.inf:
            kind, least = 1.0, kc
        elif kp < np.inf:
            kind, least = 2.0, kp
        elif kq < np.inf:
            kind, least = 3.0, kq
        else:
            new[i] = xi
            continue
        for j in range(n):
            if cand[0, j] == kind and cand[1, j] <= least + tie_key:
                if kind == 2.0:
                    new[i] = xi + (xs[j] - xi) * abs(cand[2, j] / cand[3, j])
                else:
                    new[i] = xs[j]
                break


@_inline
def _choose_dmasad_small(
    n: int,
    xs: np.ndarray,
    ss: np.ndarray,
    p: np.ndarray,
    pw: np.ndarray,
    q: int,
    own: np.ndarray,
    tie_key: float,
    cand: np.ndarray,
    new: np.ndarray,
) -> None:
    """:func:`_choose_dmasad` without the record (columns read directly)."""
    for i in range(n):
        for j in range(n):
            if xs[j] == xs[i]:  # no offer either way between equal positions
                own[i, j] = 0.0
                continue
            gain, spread = _utilities(pw, q, n, 2, i, j)
            own[i, j] = gain - ss[j] * (1.0 - p[i, j]) * spread
    for i in range(n):
        xi = xs[i]
        new[i] = xi
        best = -np.inf
        for j in range(n):
            if xs[j] != xi and own[j, i] > TIE:
                best = own[j, i] if own[j, i] > best else best
        if best == -np.inf:
            continue
        kb = np.inf
        for j in range(n):
            cand[1, j] = 1e300
            if xs[j] != xi and own[j, i] > TIE and own[j, i] >= best - TIE:
                absd = abs(xs[j] - xi)
                cand[1, j] = absd
                kb = absd if absd < kb else kb
        jb = 0
        while cand[1, jb] > kb + tie_key:
            jb += 1
        ui = own[i, jb]
        uj = own[jb, i]
        if TIE < ui < uj - TIE:  # confrontation
            new[i] = xs[jb]
        elif ui < -TIE and -ui < uj - TIE:  # compromise
            new[i] = xi + (xs[jb] - xi) * abs(ui / uj)
        elif ui < -TIE and -ui > uj + TIE:  # capitulation
            new[i] = xs[jb]


@_jit
def _finish_small(
    g0: int,
    g1: int,
    x: np.ndarray,
    xn: np.ndarray,
    risk: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    present: np.ndarray,
    scale: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    tol: np.ndarray,
    held: np.ndarray,
    use_held: bool,
    variant: int,
    pair: bool,
    least_change: bool,
    capitulation: bool,
    stop: int,
    active: np.ndarray,
    played: np.ndarray,
    converged: np.ndarray,
    order: np.ndarray,
    rbuf: np.ndarray,
    pw: np.ndarray,
    off: np.ndarray,
    shift: int,
    same: np.ndarray,
    hprev: np.ndarray,
    skip: np.ndarray,
    roff: np.ndarray,
    cyc: np.ndarray,
    x2: np.ndarray,
    r2: np.ndarray,
) -> None:
    """:func:`_finish` for small games without a record (scratch allocated here). A game
    marked in ``skip`` keeps its positions and exponents (the round it would replay); for
    the others ``same`` records whether the round moved nobody and ``hprev`` the actors
    the linkages held (with ``stop="rounds"``: the other rules stop such a game). A game
    marked in ``cyc`` stands where it stood before last round with the same actors held:
    it takes the positions ``x2`` and exponents ``r2`` that round gave. Game ``g``'s
    powers are at ``roff[g]`` (:func:`_prepare_small`)."""
    na = x.shape[1]
    o = np.empty(na, np.int64)
    rank = np.empty(na, np.int64)
    xs = np.empty(na)
    ss = np.empty(na)
    ws = np.empty(na)
    dist = np.empty((na, na))
    cnt = np.empty((na, na), np.int64)
    vote = np.empty((na, na))
    h = np.empty((na + 1, na))
    m = np.empty((na, na))
    p = np.empty((na, na))
    own = np.empty((na, na))
    cand = np.empty((4, na))
    flat = np.empty(na * na)
    stack = np.empty((64, 3), np.int64)
    vals = np.empty(64)
    new = np.empty(na)
    for g in range(g0, g1):
        for a in range(na):
            xn[g, a] = x[g, a]
            risk[g, a] = 1.0
        if not active[g]:
            continue
        played[g] += 1
        if cyc[g]:  # the round before last again: its result
            for a in range(na):
                xn[g, a] = x2[g, a]
                risk[g, a] = r2[g, a]
                hprev[g, a] = use_held and held[g, a]
            same[g] = False
            continue
        if skip[g]:  # last round again: the same positions, exponents in sorted order
            n = 0
            for k in range(na):
                a = order[g, k]
                if present[g, a]:
                    risk[g, a] = rbuf[g, n]
                    n += 1
            continue
        n = _setup(g, x, present, order, s, w, o, rank, xs, ss, ws)
        if n > 0:  # nobody present: nothing moves (the stopping rule still applies)
            q = roff[g]
            _geometry_small(n, xs, scale[g], dist, cnt)
            if variant == 0:  # (E1)-(E2) with the risk exponents: votes w_k d_ka^{r_k}
                for k in range(n):
                    for a in range(n):
                        g_ka = pw[_slot(q, n, 3, k, a)] if a != k else 0.0  # 0^r = 0
                        vote[k, a] = g_ka * ws[k]
                _support_small(n, vote, cnt, h, m)
                _probability_small(n, na, m, p, variant, pair, rank, flat, stack, vals)
                _choose_scholz_small(
                    n, xs, ss, p, pw, q, least_change, capitulation, TIE * scale[g], cand, new
                )  # fmt: skip
            else:  # dmasad: the r = 1 probabilities of the dangers
                for k in range(n):
                    for a in range(n):
                        vote[k, a] = dist[k, a] * ws[k]
                _support_small(n, vote, cnt, h, m)
                _probability_small(n, na, m, p, variant, pair, rank, flat, stack, vals)
                _choose_dmasad_small(n, xs, ss, p, pw, q, own, TIE * scale[g], cand, new)
        was_held = False
        moved = False
        for k in range(n):
            a = o[k]
            risk[g, a] = rbuf[g, k]
            v = new[k]
            if use_held and held[g, a]:
                v = x[g, a]
                was_held = True
            v = v if v > low[g] else low[g]
            xn[g, a] = v if v < high[g] else high[g]
            moved = moved or xn[g, a] != x[g, a]
        same[g] = stop == 0 and not moved
        for a in range(na):
            hprev[g, a] = use_held and held[g, a]
        if stop != 0:
            change = 0.0
            if stop == 1:
                for k in range(n):
                    c = abs(xn[g, o[k]] - x[g, o[k]])
                    change = c if c > change else change
            else:
                change = abs(_mean(xn, w, g, o, n) - _mean(x, w, g, o, n))
            if change <= tol[g] and not was_held:
                converged[g] = True
                active[g] = False


# --------------------------------------------------------------------------- driver
def scratch(na: int) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """Pairwise scratch of :func:`_prepare` and :func:`_finish` for games of ``na``
    actors, allocated once per thread (for thousands of actors, hundreds of megabytes
    that a fresh allocation every round would page in again): ``dist, vote, H, H^T, G,
    G^T, M, P, own``, the midpoint counts and a flat matrix for the all-pairs sum."""
    sq = (na, na)
    mats = (
        np.empty(sq),
        np.empty(sq),
        np.empty((na + 1, na)),
        np.empty((na, na + 1)),
        *(np.empty(sq) for _ in range(5)),
    )
    return mats, np.empty(sq, np.int64), np.empty(na * na)


_POOL: tuple[int, ThreadPoolExecutor] | None = None
_POOL_LOCK = threading.Lock()


def _threads(games: int) -> int:
    """Threads for ``games`` games: one per available core, one in a pool's worker."""
    if multiprocessing.parent_process() is not None:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, games // MIN_GAMES_PER_THREAD))


def _pool(k: int) -> ThreadPoolExecutor:
    """A thread pool of this process (a forked child makes its own)."""
    global _POOL
    pid = os.getpid()
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != pid or _POOL[1]._max_workers < k:
            _POOL = (pid, ThreadPoolExecutor(max_workers=k, thread_name_prefix="detente-eu"))
        return _POOL[1]


def play(
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    present: np.ndarray,
    scale: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    tol: np.ndarray,
    *,
    variant: str,
    denominator: str,
    choice: str,
    capitulation: bool,
    stop: str,
    limit: int,
    hold: Callable[[np.ndarray], np.ndarray | None] | None,
    record: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any] | None]:
    """Play ``B`` games of ``N`` actors; arguments as prepared by ``_eu_kernel.play``
    (``w = c s`` of the actors present, ``scale`` the range R, ``tol`` absolute).

    Returns ``trajectory (T + 1, B, N)``, ``risk (T, B, N)``, ``rounds_played (B,)``,
    ``converged (B,)`` with ``T`` the rounds played by the longest game, as the NumPy
    kernel's play loop, and with ``record`` the offers taken, round by round
    (``chosen``, ``kind``, ``eu_own``, ``eu_other`` ``(T, B, N)``, ``n_offers (T, B)``
    and ``held``, a list of the linkages' masks), else ``None``. ``hold`` is evaluated
    before every round, as there, and ``progress(r, limit)`` called after every round
    ``r`` (both make the rounds go one by one). Memory: the inputs and the trajectory,
    plus per thread ``O(N^2)`` scratch and a power buffer of at most :data:`POW_CHUNK`
    values (or one game's ``3 N^2``); games are played in chunks of that size.
    """
    b, n = x.shape
    # fresh C-ordered, writable copies: numba compiles (and caches) one version only
    x, s, w, scale, low, high, tol = (
        np.array(v, dtype=float, order="C") for v in (x, s, w, scale, low, high, tol)
    )
    present = np.array(present, dtype=bool, order="C")
    var, pair = _VARIANT[variant], denominator == "pair"
    opts = (var, pair, choice == "least_change", bool(capitulation), _STOP[stop])
    active = np.ones(b, dtype=bool)
    played = np.zeros(b, dtype=np.int64)
    converged = np.zeros(b, dtype=bool)
    order = np.argsort(x, axis=1, kind="stable")
    rbuf = np.ones((b, n))
    npres = present.sum(axis=1)
    off = np.zeros(b + 1, dtype=np.int64)
    per = 3 if var == 0 else 2
    np.cumsum(npres + per * npres * (npres - 1), out=off[1:])
    # many small games untraced: the small-game functions (local scratch), which replay
    # a round that moved nobody by copying it (same: it moved nobody; hprev: the actors
    # the linkages held in it; skip: this round is such a replay)
    small = n <= MAX_ACTORS and not record
    same = np.zeros(b if small else 0, dtype=bool)
    hprev = np.zeros((b, n) if small else (0, n), dtype=bool)
    skip = np.zeros(b if small else 0, dtype=bool)
    roff = np.zeros(b if small else 0, dtype=np.int64)  # where a game's powers start
    # and a round that starts where the round before last started, with the same actors
    # held, repeats that round's result (cyc; rounds="rounds" only, within a segment)
    cyc = np.zeros(b if small else 0, dtype=bool)
    cycles = small and _STOP[stop] == 0
    k = _threads(max(b, b * n * n // 64))  # work in games of 8 actors
    bounds = np.linspace(0, b, k + 1).astype(np.int64)
    no_hold = np.zeros((1, 1), dtype=bool)
    no_rec = (np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int8), np.zeros((1, 1)))

    def chunks(lo: int, hi: int) -> list[tuple[int, int]]:
        """Runs of games ``lo .. hi - 1`` whose powers fit :data:`POW_CHUNK` (one at least)."""
        out = []
        while lo < hi:
            end = int(np.searchsorted(off, off[lo] + POW_CHUNK, side="right")) - 1
            end = min(hi, max(end, lo + 1))
            out.append((lo, end))
            lo = end
        return out

    # each thread's chunks and buffers, made once for the whole play (the linkages make
    # the rounds go one by one: fresh buffers every round would be paged in every round)
    plans = [chunks(int(bounds[c]), int(bounds[c + 1])) for c in range(k)]
    buffers: list[tuple[Any, ...] | None] = [None] * k

    def rounds_of(
        c: int,
        t0: int,
        t1: int,
        traj: np.ndarray,
        risk: np.ndarray,
        hm: np.ndarray,
        rec: tuple[np.ndarray, ...] | None,
        hms: list[np.ndarray],
    ) -> None:
        """Thread ``c``'s games through rounds ``t0 .. t1 - 1`` of a segment, chunk by
        chunk (every round of a chunk before the next: its data stay in the cache)."""
        parts = plans[c]
        if buffers[c] is None:
            size = max(off[c1] - off[c0] for c0, c1 in parts) if parts else 0
            # every game's block is written by _prepare before _finish reads it; small
            # games allocate their scratch inside the compiled functions
            extra = None if small else scratch(n)
            buffers[c] = (np.empty(size), np.empty(size), np.empty(size), extra)
        base, expo, pw, scr = buffers[c]
        for c0, c1 in parts:
            shift = off[c0]
            m = off[c1] - shift
            for t in range(t0, t1):
                if not active[c0:c1].any():  # every game of the chunk has stopped
                    traj[t + 1 : t1 + 1, c0:c1] = traj[t, c0:c1]
                    risk[t:t1, c0:c1] = 1.0
                    if rec is not None:
                        rec[0][t:t1, c0:c1] = -1
                        rec[1][t:t1, c0:c1] = 0
                        rec[2][t:t1, c0:c1] = 0.0
                        rec[3][t:t1, c0:c1] = 0.0
                        rec[4][t:t1, c0:c1] = 0
                    break
                if small:
                    back = cycles and t >= 2
                    h2 = hms[t - 2] if back else no_hold
                    m = _prepare_small(
                        c0, c1, traj[t], s, w, present, scale, var, pair, active, order, rbuf,
                        base, expo, off, shift, hm, hm is not no_hold, same, hprev, skip, roff,
                        cyc, back, traj[t - 2 if back else t], h2, h2 is not no_hold,
                    )  # fmt: skip
                else:
                    _prepare(
                        c0, c1, traj[t], s, w, present, scale, var, pair, active, order, rbuf,
                        base, expo, off, shift, *scr,
                    )  # fmt: skip
                with np.errstate(all="ignore"):
                    np.power(base[:m], expo[:m], out=pw[:m])
                if small:
                    _finish_small(
                        c0, c1, traj[t], traj[t + 1], risk[t], s, w, present, scale, low, high,
                        tol, hm, hm is not no_hold, *opts, active, played, converged, order,
                        rbuf, pw, off, shift, same, hprev, skip, roff, cyc,
                        traj[t - 1 if t >= 1 else t], risk[t - 2 if t >= 2 else t],
                    )  # fmt: skip
                    continue
                out = (
                    (no_rec[0], no_rec[1], no_rec[2], no_rec[2], no_rec[0][0])
                    if rec is None
                    else (rec[0][t], rec[1][t], rec[2][t], rec[3][t], rec[4][t])
                )
                _finish(
                    c0, c1, traj[t], traj[t + 1], risk[t], s, w, present, scale, low, high,
                    tol, hm, hm is not no_hold, *opts, active, played, converged, order, rbuf,
                    pw, off, shift, rec is not None, *out, *scr,
                )  # fmt: skip

    # segments of at most SEGMENT rounds, each played by every thread in one go (round by
    # round, the linkages evaluated in between, when there are any)
    trajs: list[np.ndarray] = []
    risks: list[np.ndarray] = []
    recs: list[tuple[np.ndarray, ...]] = []
    helds: list[np.ndarray | None] = []
    cur = x
    done = 0
    while done < limit and active.any():
        rounds = min(SEGMENT, limit - done)
        traj = np.empty((rounds + 1, b, n))
        traj[0] = cur
        risk = np.empty((rounds, b, n))
        rec = None
        if record:
            rec = (
                np.empty((rounds, b, n), np.int64),
                np.empty((rounds, b, n), np.int8),
                np.empty((rounds, b, n)),
                np.empty((rounds, b, n)),
                np.empty((rounds, b), np.int64),
            )
        t = 0
        hms = [no_hold] * rounds  # the linkages' mask of every round of the segment
        while t < rounds and active.any():
            held = hold(traj[t]) if hold is not None else None
            step = 1 if hold is not None or progress is not None else rounds - t
            hm = no_hold if held is None else np.array(held, dtype=bool, order="C")
            helds.extend([None if held is None else hm.copy()] * step)
            hms[t : t + step] = [hm] * step
            if k == 1:
                rounds_of(0, t, t + step, traj, risk, hm, rec, hms)
            else:
                pool = _pool(k - 1)
                futures = [
                    pool.submit(rounds_of, c, t, t + step, traj, risk, hm, rec, hms)
                    for c in range(1, k)
                ]
                rounds_of(0, t, t + step, traj, risk, hm, rec, hms)
                for f in futures:
                    f.result()
            t += step
            if progress is not None:
                progress(done + t, limit)
        trajs.append(traj[: t + 1] if not trajs else traj[1 : t + 1])
        risks.append(risk[:t])
        if rec is not None:
            recs.append(tuple(r[:t] for r in rec))
        cur = traj[t]
        done += t
    total = int(played.max()) if b else 0
    records = None
    if record:
        names = ("chosen", "kind", "eu_own", "eu_other", "n_offers")
        records = {
            name: (
                np.concatenate([r[c] for r in recs])[:total]
                if recs
                else np.zeros((0, b) if name == "n_offers" else (0, b, n))
            )
            for c, name in enumerate(names)
        }
        records["held"] = helds[:total]
    if not trajs:
        return x[None], np.ones((0, b, n)), played, converged, records
    trajectory = trajs[0] if len(trajs) == 1 else np.concatenate(trajs)
    risk_all = risks[0] if len(risks) == 1 else np.concatenate(risks)
    return trajectory[: total + 1], risk_all[:total], played, converged, records
