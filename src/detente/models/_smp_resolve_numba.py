"""Compiled (numba) kernels of the spatial model's resolution (3.9) and assessment.

:func:`._smp_kernel.resolve` lets every actor choose among the status quo and the
bargains it takes part in by a PCE over everybody's utilities. Its NumPy form builds the
utilities of all bargains to all actors, ``g`` (``(N, B + 1)``, B bargains), and then, for
each bucket of actors with similar numbers of options, gathers ``g[:, cols]`` into an
``(actors, voters, options)`` array for the coalitions. The kernels here compute the same
numbers without those temporaries:

* :func:`_bargain_utils_nb` fuses the utilities of the state, their sums, the distances
  to the bargain positions and the utilities of the states after each bargain into one
  pass, written option-major (``gT = g.T``, so that each option's utilities to the voters
  are contiguous);
* :func:`_option_coalitions_nb` computes each mover's coalitions straight from the rows
  of ``gT`` it needs (no gather), votes accumulated in voter order from 1e-8 exactly as
  ``_coalitions_many_nb`` accumulates them;
* for the assessment: :func:`_utils_nb` (``bs_util`` of a distance matrix in one pass),
  :func:`_linear_victory_nb` and :func:`_masked_row_sums_nb` (the conditional PCE with
  linear victory probabilities around NumPy's log), :func:`_within_sym_nb` and
  :func:`_first_unique_nb` (KTAB's unique positions: each pair once, then the scan in
  order) and :func:`_distances_nb` (distances vectorised over the second set).

Every sum is formed in the order NumPy forms it (:func:`_pw_sum` reproduces NumPy's
pairwise summation), so the results are the same to the last bit as those of the NumPy
expressions they replace when the coalitions run compiled (and equal up to rounding to
the NumPy-only path, whose coalitions sum the votes pairwise). No fastmath; parallel
loops run over independent iterations only, so nothing depends on the number of threads.

Nothing here is used directly: :mod:`._smp_kernel` dispatches to these kernels when numba
is importable and the setting :func:`detente.models.compiled_kernels` is on
(``DETENTE_NO_NUMBA`` set: numba is not even imported and the kernels are ``None``).
The code is cached on disk (``cache=True``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

# the same compiler settings as the other spatial kernels (numba absent or DETENTE_NO_NUMBA
# set: plain Python functions, never called)
from detente.models._smp_numba import _NUMBA_OK, _jit, _nb_util, _nb_vote, _pjit, _prange

__all__ = ["NB_ASSESS", "NB_RESOLVE", "NUMBA_OK"]

#: NumPy's block of pairwise summation (PW_BLOCKSIZE in numpy's loops_utils.h.src)
_PW_BLOCK = 128

#: voters whose utilities :func:`_bargain_utils_nb` computes together (one parallel
#: iteration): each option's row of ``gT`` is written in runs of this many contiguous
#: values (a cache line)
_VOTERS = 8

#: bargains whose distances :func:`_bargain_utils_nb` computes together for a voter or a
#: pair of voters (eight running sums of this many doubles for each: 16 KB, in the L1 cache)
_CHUNK = 128


@_jit
def _pw_leaf(a, lo, n):
    # NumPy's pairwise sum of a[lo:lo + n] for n <= 128: a plain loop below 8 values,
    # else eight running sums over the multiples of 8 added as a tree, then the tail
    if n < 8:
        res = 0.0
        for k in range(lo, lo + n):
            res += a[k]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    body = n - n % 8
    for k in range(lo + 8, lo + body, 8):
        r0 += a[k]
        r1 += a[k + 1]
        r2 += a[k + 2]
        r3 += a[k + 3]
        r4 += a[k + 4]
        r5 += a[k + 5]
        r6 += a[k + 6]
        r7 += a[k + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for k in range(lo + body, lo + n):
        res += a[k]
    return res


@_jit
def _pw_sum(a, lo, n):
    # NumPy's pairwise sum of a[lo:lo + n] for any n (a contiguous run, as ``x.sum(-1)``
    # sums each row): blocks of at most 128 values summed by _pw_leaf, halves rounded down
    # to a multiple of 8, added as a binary tree (left + right). The recursion runs on an
    # explicit stack (depth < 64): a node waits there with its left half's sum.
    if n <= _PW_BLOCK:
        return _pw_leaf(a, lo, n)
    los = np.empty(64, dtype=np.int64)
    ns = np.empty(64, dtype=np.int64)
    right = np.zeros(64, dtype=np.bool_)  # the node is summing its right half
    left = np.empty(64)
    top = 0
    los[0], ns[0] = lo, n
    while True:
        while ns[top] > _PW_BLOCK:  # down the left halves to a block
            n2 = ns[top] // 2
            n2 -= n2 % 8
            right[top] = False
            los[top + 1], ns[top + 1] = los[top], n2
            top += 1
        v = _pw_leaf(a, los[top], ns[top])
        top -= 1
        while top >= 0 and right[top]:  # both halves done: left + right, up the tree
            v = left[top] + v
            top -= 1
        if top < 0:
            return v
        left[top] = v  # the left half is done: the right half next
        right[top] = True
        n2 = ns[top] // 2
        n2 -= n2 % 8
        los[top + 1], ns[top + 1] = los[top] + n2, ns[top] - n2
        top += 1


@_jit
def _chunk_distances(x, s, a, s2, yt, m0, m1, acc, out):
    # (3.1) distances() from voter a to the positions y_m, m0 <= m < m1, given
    # dimension-major (yt = y.T): out[m - m0] = sqrt(Σ_k (s_ak (x_ak - y_mk))² / s2),
    # 0 where s2 = Σ_k s_ak² <= 0. The squares are summed in NumPy's pairwise order, the
    # running sums of all m side by side (acc: eight rows of at least m1 - m0), so that the
    # loops over m vectorise without reordering any sum: D < 8 in order from 0,
    # 8 <= D <= 128 eight running sums (dimension k into sum k mod 8), a tree, the tail;
    # larger D value by value (_pw_sum). O((m1 - m0) D) time.
    dim = x.shape[1]
    w = m1 - m0
    if dim > _PW_BLOCK:
        ds = np.empty(dim)
        for mm in range(w):
            for k in range(dim):
                v = (x[a, k] - yt[k, m0 + mm]) * s[a, k]
                ds[k] = v * v
            out[mm] = _pw_sum(ds, 0, dim)
    elif dim < 8:
        for mm in range(w):
            out[mm] = 0.0
        for k in range(dim):
            xk = x[a, k]
            sk = s[a, k]
            for mm in range(w):
                v = (xk - yt[k, m0 + mm]) * sk
                out[mm] += v * v
    else:
        for j in range(8):
            xk = x[a, j]
            sk = s[a, j]
            for mm in range(w):
                v = (xk - yt[j, m0 + mm]) * sk
                acc[j, mm] = v * v
        body = dim - dim % 8
        for k in range(8, body):
            xk = x[a, k]
            sk = s[a, k]
            j = k % 8
            for mm in range(w):
                v = (xk - yt[k, m0 + mm]) * sk
                acc[j, mm] += v * v
        for mm in range(w):
            out[mm] = ((acc[0, mm] + acc[1, mm]) + (acc[2, mm] + acc[3, mm])) + (
                (acc[4, mm] + acc[5, mm]) + (acc[6, mm] + acc[7, mm])
            )
        for k in range(body, dim):
            xk = x[a, k]
            sk = s[a, k]
            for mm in range(w):
                v = (xk - yt[k, m0 + mm]) * sk
                out[mm] += v * v
    den = s2 if s2 > 0.0 else 1.0
    for mm in range(w):
        out[mm] = 0.0 if s2 <= 0.0 else np.sqrt(out[mm] / den)


@_jit
def _pair_distances(x, s, a, b, s2a, s2b, yt, m0, m1, acc, acc2, out, out2):
    # _chunk_distances for two voters a and b at once, 8 <= D <= 128 only: each position
    # read serves both (the same operations per voter, in the same order)
    dim = x.shape[1]
    w = m1 - m0
    for j in range(8):
        xa, sa, xb, sb = x[a, j], s[a, j], x[b, j], s[b, j]
        for mm in range(w):
            y = yt[j, m0 + mm]
            v = (xa - y) * sa
            acc[j, mm] = v * v
            v2 = (xb - y) * sb
            acc2[j, mm] = v2 * v2
    body = dim - dim % 8
    for k in range(8, body):
        xa, sa, xb, sb = x[a, k], s[a, k], x[b, k], s[b, k]
        j = k % 8
        for mm in range(w):
            y = yt[k, m0 + mm]
            v = (xa - y) * sa
            acc[j, mm] += v * v
            v2 = (xb - y) * sb
            acc2[j, mm] += v2 * v2
    for mm in range(w):
        out[mm] = ((acc[0, mm] + acc[1, mm]) + (acc[2, mm] + acc[3, mm])) + (
            (acc[4, mm] + acc[5, mm]) + (acc[6, mm] + acc[7, mm])
        )
        out2[mm] = ((acc2[0, mm] + acc2[1, mm]) + (acc2[2, mm] + acc2[3, mm])) + (
            (acc2[4, mm] + acc2[5, mm]) + (acc2[6, mm] + acc2[7, mm])
        )
    for k in range(body, dim):
        xa, sa, xb, sb = x[a, k], s[a, k], x[b, k], s[b, k]
        for mm in range(w):
            y = yt[k, m0 + mm]
            v = (xa - y) * sa
            out[mm] += v * v
            v2 = (xb - y) * sb
            out2[mm] += v2 * v2
    den_a = s2a if s2a > 0.0 else 1.0
    den_b = s2b if s2b > 0.0 else 1.0
    for mm in range(w):
        out[mm] = 0.0 if s2a <= 0.0 else np.sqrt(out[mm] / den_a)
        out2[mm] = 0.0 if s2b <= 0.0 else np.sqrt(out2[mm] / den_b)


@_pjit
def _bargain_utils_nb(x, s, d, r_self, risk, inits, rcvrs, yit, yjt):
    # resolve()'s utilities, option-major: gT[0, a] = Σ_n u_a(x_n) / N (the status quo)
    # and, for bargain m between initiator I = inits[m] and receiver R = rcvrs[m] with
    # positions yit[:, m], yjt[:, m] (dimension-major),
    #   gT[1 + m, a] = ((((Σ_n u_a(x_n) - u_a(x_I)) - u_a(x_R)) + u_a(b_I)) + u_a(b_R)) / N
    # with u_a(x_n) = bs_util(d[a, n], r_self[a]) and u_a(b) = bs_util(dist_a(b), risk[a]):
    # the NumPy expression's operations in its order. Blocks of _VOTERS voters are
    # independent and run on parallel threads; the bargains are taken _CHUNK at a time so
    # that the running sums stay in the L1 cache. O(N (N + B D)) time, O(B N) memory.
    n, dim = x.shape
    k = inits.shape[0]
    g = np.empty((k + 1, n))
    n_blocks = (n + _VOTERS - 1) // _VOTERS
    pairs = 8 <= dim <= _PW_BLOCK
    for blk in _prange(n_blocks):
        a0 = blk * _VOTERS
        a1 = min(n, a0 + _VOTERS)
        us = np.empty((_VOTERS, n))  # u_a(x_n) of the block's voters
        ds = np.empty(dim)
        tot = np.empty(_VOTERS)
        s2 = np.empty(_VOTERS)
        acc = np.empty((8, _CHUNK))
        acc2 = np.empty((8, _CHUNK))
        di = np.empty((_VOTERS, _CHUNK))
        dj = np.empty((_VOTERS, _CHUNK))
        for a in range(a0, a1):
            ra = r_self[a]
            row = us[a - a0]
            for q in range(n):
                row[q] = _nb_util(d[a, q], ra)
            tot[a - a0] = _pw_sum(row, 0, n)
            g[0, a] = tot[a - a0] / n
            for kk in range(dim):
                ds[kk] = s[a, kk] * s[a, kk]
            s2[a - a0] = _pw_sum(ds, 0, dim)
        for m0 in range(0, k, _CHUNK):
            m1 = min(k, m0 + _CHUNK)
            single = a0
            if pairs:  # two voters per pass; an odd last one alone
                for a in range(a0, a1 - 1, 2):
                    la, lb = a - a0, a + 1 - a0
                    for yt, dd in ((yit, di), (yjt, dj)):
                        _pair_distances(
                            x, s, a, a + 1, s2[la], s2[lb], yt, m0, m1, acc, acc2, dd[la], dd[lb]
                        )
                single = a1 - (a1 - a0) % 2
            for a in range(single, a1):
                ll = a - a0
                _chunk_distances(x, s, a, s2[ll], yit, m0, m1, acc, di[ll])
                _chunk_distances(x, s, a, s2[ll], yjt, m0, m1, acc, dj[ll])
            for a in range(a0, a1):
                ll = a - a0
                row = us[ll]
                ta = tot[ll]
                rk = risk[a]
                for m in range(m0, m1):
                    t = (ta - row[inits[m]]) - row[rcvrs[m]]
                    ui = _nb_util(di[ll, m - m0], rk)
                    g[1 + m, a] = ((t + ui) + _nb_util(dj[ll, m - m0], rk)) / n
    return g


@_pjit
def _distances_nb(x, s, yt):
    # (3.1) distances(x, s, y) with yt = y.T: d[i, j] = sqrt(Σ_k (s_ik (x_ik - y_jk))² /
    # Σ_k s_ik²), 0 for all-zero saliences, every sum in NumPy's pairwise order (the same
    # numbers as the NumPy expression for any D); vectorised over j, two rows per pass for
    # 8 <= D <= 128 (_pair_distances). Pairs of rows run on parallel threads.
    # O(N M D) time, O(N M) memory.
    n, dim = x.shape
    mm_all = yt.shape[1]
    out = np.empty((n, mm_all))
    pairs = 8 <= dim <= _PW_BLOCK
    for it in _prange((n + 1) // 2):
        a = 2 * it
        b = min(a + 1, n - 1)
        ds = np.empty(dim)
        for kk in range(dim):
            ds[kk] = s[a, kk] * s[a, kk]
        s2a = _pw_sum(ds, 0, dim)
        for kk in range(dim):
            ds[kk] = s[b, kk] * s[b, kk]
        s2b = _pw_sum(ds, 0, dim)
        acc = np.empty((8, _CHUNK))
        acc2 = np.empty((8, _CHUNK))
        for m0 in range(0, mm_all, _CHUNK):
            m1 = min(mm_all, m0 + _CHUNK)
            if pairs and b != a:
                _pair_distances(
                    x, s, a, b, s2a, s2b, yt, m0, m1, acc, acc2, out[a, m0:m1], out[b, m0:m1]
                )
            else:
                _chunk_distances(x, s, a, s2a, yt, m0, m1, acc, out[a, m0:m1])
                if b != a:
                    _chunk_distances(x, s, b, s2b, yt, m0, m1, acc, out[b, m0:m1])
    return out


@_pjit
def _option_coalitions_nb(rule, w, g, cols, nopt):
    # (3.4) coalitions() of every mover's election, straight from the option-major
    # utilities g (rows: options, columns: voters): mover p's options are the rows
    # cols[p, :nopt[p]] (the status quo first), the slots up to cols.shape[1] repeat the
    # status quo (the NumPy path's padding). C(a:b) for b < a accumulates the votes of the
    # voters q = 0, 1, ... from 1e-8, as _coalitions_many_nb does (one pair at a time, its
    # two sums in registers, the rows of g streamed); the padded slots copy
    # the status quo's sums (the same numbers: the rules other than asymprosp are odd in
    # the utility difference; for asymprosp the padded slots are computed as options).
    # Movers are independent and run on parallel threads.
    # O(Σ_p N nopt_p²) time, O(P W²) memory (W = cols.shape[1]).
    p_count, width = cols.shape
    n = g.shape[1]
    c = np.empty((p_count, width, width))
    for p in _prange(p_count):
        m = width if rule == 5 else nopt[p]
        acc_p = np.empty((m, m))
        acc_n = np.empty((m, m))
        for a in range(1, m):
            ua = g[cols[p, a]]
            for b in range(a):
                ub = g[cols[p, b]]
                sp = 1e-8
                sn = 1e-8
                for q in range(n):
                    v = _nb_vote(rule, w[q], ua[q], ub[q])
                    pos = max(v, 0.0)
                    sp += pos
                    sn += pos - v
                acc_p[a, b] = sp
                acc_n[a, b] = sn
        for a in range(width):
            ra = a if a < m else 0
            for b in range(width):
                rb = b if b < m else 0
                if ra == rb:
                    c[p, a, b] = 1e-8
                elif ra > rb:
                    c[p, a, b] = acc_p[ra, rb]
                else:
                    c[p, a, b] = acc_n[rb, ra]
    return c


#: rows and columns of the tiles in which :func:`_linear_victory_nb` reads C and its
#: transpose (two 32 x 32 tiles of doubles stay in the L1 cache)
_TILE = 32


@_pjit
def _utils_nb(d, r):
    # (3.2) bs_util(d, r[:, None]) for a 2-D d: u[a, b] = (1 - d)(1 + d R_a), or
    # (1 - d)(1 + R_a) where d > 1; the same operations as the NumPy expression, without
    # its temporaries. Rows run on parallel threads. O(N M) time and memory.
    n, m = d.shape
    u = np.empty((n, m))
    for a in _prange(n):
        ra = r[a]
        for b in range(m):
            u[a, b] = _nb_util(d[a, b], ra)
    return u


@_pjit
def _linear_victory_nb(c):
    # (3.4) victory_prob("linear", C, C^T) with the diagonal set to 1/2, as pce() forms it:
    # P[a, b] = C[a, b] / (C[a, b] + C[b, a]). Tiles of _TILE rows, so that the transposed
    # reads stay in the cache; rows of tiles run on parallel threads. O(M²) time and memory.
    m = c.shape[0]
    pv = np.empty((m, m))
    n_tiles = (m + _TILE - 1) // _TILE
    for ti in _prange(n_tiles):
        a0 = ti * _TILE
        a1 = min(m, a0 + _TILE)
        for b0 in range(0, m, _TILE):
            b1 = min(m, b0 + _TILE)
            for a in range(a0, a1):
                for b in range(b0, b1):
                    x1 = c[a, b]
                    pv[a, b] = x1 / (x1 + c[b, a])
        for a in range(a0, a1):
            pv[a, a] = 0.5
    return pv


@_pjit
def _masked_row_sums_nb(v, f):
    # (3.5) the conditional PCE's Σ_b log P(a > b) f_b: row sums of v[a, b] * f[b] in NumPy's
    # pairwise order (``(v * f).sum(-1)``). Rows run on parallel threads. O(M²) time.
    m, k = v.shape
    out = np.empty(m)
    for a in _prange(m):
        row = np.empty(k)
        for b in range(k):
            row[b] = v[a, b] * f[b]
        out[a] = _pw_sum(row, 0, k)
    return out


@_jit
def _within_upper(x, xt, ones, tol, i, eq, acc, out):
    # row i of _within_sym_nb from the diagonal on
    n = x.shape[0]
    for j0 in range(i, n, _CHUNK):
        j1 = min(n, j0 + _CHUNK)
        _chunk_distances(x, ones, i, 1.0, xt, j0, j1, acc, out)
        for j in range(j0, j1):
            eq[i, j] = out[j - j0] < tol


@_pjit
def _within_sym_nb(x, xt, ones, tol):
    # unique_positions()' relation: |x_i - x_j| (Euclidean) < tol, the squares summed in
    # NumPy's pairwise order (_chunk_distances with unit saliences: multiplying by 1 is
    # exact; xt = x.T, ones = 1 of x's shape). The relation is symmetric to the bit
    # (x_j - x_i is the exact negation of x_i - x_j), so each pair is evaluated once, in
    # the rows' upper triangles, and mirrored in tiles afterwards: half the work of the full
    # matrix. Rows i and n - 1 - i (long and short) go to the same iteration, so
    # iterations carry equal work; iterations run on parallel threads.
    # O(N² D / 2) time, O(N²) memory (booleans).
    n = x.shape[0]
    eq = np.empty((n, n), dtype=np.bool_)
    for it in _prange((n + 1) // 2):
        acc = np.empty((8, _CHUNK))
        out = np.empty(_CHUNK)
        _within_upper(x, xt, ones, tol, it, eq, acc, out)
        if n - 1 - it != it:
            _within_upper(x, xt, ones, tol, n - 1 - it, eq, acc, out)
    n_tiles = (n + _TILE - 1) // _TILE
    for tj in _prange(n_tiles):  # the lower triangle from the upper, tile by tile
        j0 = tj * _TILE
        j1 = min(n, j0 + _TILE)
        for i0 in range(0, j1, _TILE):
            for i in range(i0, min(i0 + _TILE, j1)):
                for j in range(max(j0, i + 1), j1):
                    eq[j, i] = eq[i, j]
    return eq


@_jit
def _first_unique_nb(eq, cand):
    # KTAB's ueIndices: actor i is a unique position when it is a candidate and within tol
    # of no earlier unique one (sequential: each answer depends on the earlier ones); the
    # owner of i is the last unique position within tol of it, else i itself (equivNdx).
    # O(N²) time at most.
    n = eq.shape[0]
    unique = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if not cand[i]:
            continue
        free = True
        for j in range(i):
            if unique[j] and eq[i, j]:
                free = False
                break
        unique[i] = free
    owner = np.empty(n, dtype=np.int64)
    for i in range(n):
        owner[i] = i
        for j in range(n - 1, -1, -1):
            if unique[j] and eq[i, j]:
                owner[i] = j
                break
    return unique, owner


#: (bargain utilities, option coalitions); None without numba
_NB_RESOLVE: Any = (_bargain_utils_nb, _option_coalitions_nb) if _NUMBA_OK else None
#: (utilities of a distance matrix, linear victory probabilities, masked row sums)
_NB_ASSESS: Any = (
    (
        _utils_nb,
        _linear_victory_nb,
        _masked_row_sums_nb,
        _within_sym_nb,
        _first_unique_nb,
        _distances_nb,
    )
    if _NUMBA_OK
    else None
)

#: whether the compiled kernels exist (numba importable, ``DETENTE_NO_NUMBA`` unset)
NUMBA_OK = _NUMBA_OK
#: (bargain utilities, option coalitions) of the resolution
NB_RESOLVE = _NB_RESOLVE
#: (utilities of a distance matrix, linear victory probabilities, masked row sums, the
#: symmetric "within tol" relation, unique positions and owners, distances) of the
#: assessment
NB_ASSESS = _NB_ASSESS
