"""Compiled (numba) kernels of the spatial model and the probabilistic Condorcet
election: the O(N³) loops (coalitions, challenges; the challenges' single-precision screen
of targets) and the one-dimensional coalitions, each equal to its NumPy counterpart in
:mod:`._smp_kernel` (the reference and the fallback) to the last bit or up to rounding,
as each says (the screen only rules targets out: the choices are those of evaluating every
target). The resolution's and the assessment's kernels are in
:mod:`._smp_resolve_numba`.

Nothing here is used directly: :mod:`._smp_kernel` dispatches to these kernels when numba
is importable and the setting :func:`detente.models.compiled_kernels` is on
(``DETENTE_NO_NUMBA`` set: numba is not even imported and the kernels are ``None``).
The code is cached on disk (``cache=True``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detente.models import _compiled

__all__ = ["NB", "NB_LINE", "NB_MANY", "NUMBA_OK"]

_numba: Any = None
if _compiled.available():  # with DETENTE_NO_NUMBA set numba is not even imported
    try:  # optional compiled kernels
        import numba as _numba
    except ImportError:  # pragma: no cover - numba not installed
        _numba = None

_NUMBA_OK = _numba is not None and _compiled.available()


def _plain(fn: Any) -> Any:  # pragma: no cover - used only without numba
    return fn


# module-level functions, so that numba's on-disk cache can serve later processes
_jit = _numba.njit(cache=True, nogil=True, error_model="numpy") if _NUMBA_OK else _plain
#: kernels whose outer loop runs on parallel threads (independent iterations only, so the
#: results do not depend on the number of threads; NUMBA_NUM_THREADS limits them)
_pjit = (
    _numba.njit(cache=True, nogil=True, error_model="numpy", parallel=True) if _NUMBA_OK else _plain
)
_prange = _numba.prange if _NUMBA_OK else range


@_jit
def _nb_vote(rule, w, u1, u2):
    du = u1 - u2
    if rule == 2:  # proportional
        return w * du
    if rule == 4:  # cubic
        return w * du * du * du
    if rule == 3:  # propcbc
        return w * (0.5 * du + 0.5 * du * du * du)
    if rule == 5:  # asymprosp
        if du < 0.0:
            return w * du
        if du > 0.0:
            return (2.0 * w * du) / 3.0
        return 0.0
    rbin = du / 1e-8
    rbin = 1.0 if rbin > 1.0 else rbin
    rbin = -1.0 if rbin < -1.0 else rbin
    if rule == 0:
        return w * rbin
    return w * (0.8 * du + 0.2 * rbin)


@_jit
def _nb_util(d, r):
    if d <= 1.0:
        return (1.0 - d) * (1.0 + d * r)
    return (1.0 - d) * (1.0 + r)


#: options (coalitions) or initiators (challenges) whose accumulators a compiled kernel
#: keeps at once: every row of ``u`` or ``d`` it streams is reused this many times, which
#: divides the memory traffic of an O(N³) loop by as much (the accumulators, 2 x 16 x N
#: doubles, stay in the L2 cache up to several thousand actors)
_BLOCK = 16


@_pjit
def _coalitions_nb(rule, w, u):
    # u[k, m]: utility of option m to voter k (voter-major, contiguous over options).
    # C(a:b) for b < a accumulates the votes in voter order q = 0, 1, ... (from 1e-8),
    # exactly as a plain loop over q would; the innermost loop runs over the options b, so
    # it is element-wise (no reduction) and vectorises without reordering any sum.
    # Blocks of options are independent (each writes its own rows and columns of C) and
    # run on parallel threads; the results do not depend on the number of threads.
    k, m = u.shape
    c = np.empty((m, m))
    n_blocks = (m + _BLOCK - 1) // _BLOCK
    for it in _prange(n_blocks):
        # iterations alternate short and long blocks (the work grows with a), so that
        # contiguous shares of the iterations carry equal work
        blk = it // 2 if it % 2 == 0 else n_blocks - 1 - it // 2
        a0 = blk * _BLOCK
        acc_p = np.empty((_BLOCK, m))
        acc_n = np.empty((_BLOCK, m))
        nb = min(_BLOCK, m - a0)
        for aa in range(nb):
            for b in range(a0 + aa):
                acc_p[aa, b] = 1e-8
                acc_n[aa, b] = 1e-8
        # proportional votes, KTAB's default: four voters per pass over the accumulators,
        # added one after the other (the same sums in the same order as one voter per
        # pass, with a quarter of the accumulator loads and stores)
        q0 = k - k % 4 if rule == 2 else 0
        for q in range(0, q0, 4):
            r0, r1, r2, r3 = u[q], u[q + 1], u[q + 2], u[q + 3]
            w0, w1, w2, w3 = w[q], w[q + 1], w[q + 2], w[q + 3]
            for aa in range(nb):
                a = a0 + aa
                x0, x1, x2, x3 = r0[a], r1[a], r2[a], r3[a]
                ap = acc_p[aa]
                an = acc_n[aa]
                for b in range(a):
                    v0 = w0 * (x0 - r0[b])
                    v1 = w1 * (x1 - r1[b])
                    v2 = w2 * (x2 - r2[b])
                    v3 = w3 * (x3 - r3[b])
                    p0 = max(v0, 0.0)
                    p1 = max(v1, 0.0)
                    p2 = max(v2, 0.0)
                    p3 = max(v3, 0.0)
                    ap[b] = (((ap[b] + p0) + p1) + p2) + p3
                    an[b] = (((an[b] + (p0 - v0)) + (p1 - v1)) + (p2 - v2)) + (p3 - v3)
        for q in range(q0, k):
            row = u[q]
            wq = w[q]
            for aa in range(nb):
                ua = row[a0 + aa]
                ap = acc_p[aa]
                an = acc_n[aa]
                if rule == 2:  # proportional, KTAB's default: a loop the compiler vectorises
                    for b in range(a0 + aa):
                        v = wq * (ua - row[b])
                        pos = max(v, 0.0)
                        ap[b] += pos
                        an[b] += pos - v
                    continue
                for b in range(a0 + aa):
                    v = _nb_vote(rule, wq, ua, row[b])
                    pos = max(v, 0.0)  # branch-free: adds exactly 0.0 on the other side
                    ap[b] += pos
                    an[b] += pos - v
        for aa in range(nb):
            a = a0 + aa
            c[a, a] = 1e-8
            for b in range(a):
                c[a, b] = acc_p[aa, b]
                c[b, a] = acc_n[aa, b]
    return c


@_jit
def _eval_targets(rule, tp, simple, h, cand, m, d, dt, r, w, s_tot, uni, unn, prob, gain):
    # P(h beats j) and the expected gain for the m targets j = cand[:m], from h's own
    # perspective; third parties q accumulate in the order q = 0, 1, ... for every j, and
    # the innermost loop runs over the targets (element-wise: it vectorises). d[q, j] is
    # read as dt[j, q] (dt = d transposed, contiguous): the m columns of d are m
    # contiguous rows of dt, so consecutive q share cache lines (a gather from d's rows
    # would read a cache line per element)
    n = d.shape[0]
    uii = unn[h]
    wh = w[h]
    a0 = np.empty(m)
    ab = np.empty(m)
    cij = np.empty(m)
    cji = np.empty(m)
    uij = np.empty(m)
    for t in range(m):
        j = cand[t]
        uij[t] = _nb_util(d[h, j], r[h])
        if simple:
            ci = wh * (uii - uij[t])
            cj = w[j] * (uni[j] - unn[j])
            x = 1e-10 + (ci if ci > 0.0 else 0.0) + (cj if cj > 0.0 else 0.0)
            y = 1e-10 - (ci if ci < 0.0 else 0.0) - (cj if cj < 0.0 else 0.0)
        else:
            ci = _nb_vote(rule, wh, uii, uij[t])
            cj = _nb_vote(rule, w[j], uni[j], unn[j])
            x = 1e-10
            y = 1e-10
            if ci > 0.0:
                x += ci
            if ci < 0.0:
                y -= ci
            if cj > 0.0:
                x += cj
            if cj < 0.0:
                y -= cj
        a0[t] = x
        ab[t] = x + y
        cij[t] = x
        cji[t] = y
    # KTAB's defaults: the m columns of d side by side (loc[q, t] = d[q, cand[t]]), so
    # that the loop over the targets reads contiguous memory and vectorises
    loc = np.empty((n if simple else 0, m))
    cm = cand[:m]
    if simple:
        for q in range(n):  # written in order; each of the m rows of dt read in order
            lq = loc[q]
            for t in range(m):
                lq[t] = dt[cm[t], q]
    for q in range(n):
        if q == h:
            continue
        rq = r[q]
        ui = uni[q]
        un = unn[q]
        wq = w[q]
        if simple:
            # KTAB's defaults (proportional votes, SemiCommit), the third party's vote
            # simplified algebraically: w_n [p_in (u_nn - u_ni) + p_jn (u_nj - u_nn)]
            lq = loc[q]
            for t in range(m):
                keep = 0.0 if cm[t] == q else 1.0  # q == j is no third party: adds exactly 0
                dq = lq[t]
                uj = (1.0 - dq) * (1.0 + dq * rq) if dq <= 1.0 else (1.0 - dq) * (1.0 + rq)
                v0 = wq * (ui - uj)
                av = abs(v0)
                # branch-free: 0.5 (v0 + |v0|) = max(v0, 0) exactly
                pin = (a0[t] + 0.5 * (v0 + av)) / (ab[t] + av)
                vn = wq * (pin * (un - ui) + (1.0 - pin) * (uj - un))
                pos = max(vn, 0.0)
                cij[t] += pos * keep
                cji[t] += (pos - vn) * keep
            continue
        for t in range(m):
            j = cand[t]
            keep = 0.0 if j == q else 1.0
            uj = _nb_util(dt[j, q], rq)
            v0 = _nb_vote(rule, wq, ui, uj)
            av = abs(v0)
            pin = (a0[t] + 0.5 * (v0 + av)) / (ab[t] + av)
            pjn = 1.0 - pin
            if tp == 1:  # semi
                u1 = pin * (ui + ui + un) + pjn * (uj + uj + uj)
                u2 = pin * (ui + ui + ui) + pjn * (uj + uj + un)
            elif tp == 0:  # full
                u1 = pin * (ui + ui + ui) + pjn * (uj + uj + uj)
                u2 = pin * (ui + ui + ui) + pjn * (uj + uj + uj)
            else:  # none
                u1 = pin * (ui + ui + un) + pjn * (uj + uj + un)
                u2 = pin * (ui + ui + un) + pjn * (uj + uj + un)
            vn = _nb_vote(rule, wq, u1, u2)
            pos = max(vn, 0.0)
            cij[t] += pos * keep
            cji[t] += (pos - vn) * keep
    for t in range(m):
        j = cand[t]
        p = cij[t] / (cij[t] + cji[t])
        sj = s_tot[j]
        u_ij = uij[t]
        eu = (1.0 - sj) * (uii + uii) + sj * (p * (uii + uii) + (1.0 - p) * (u_ij + u_ij))
        prob[j] = p
        gain[j] = eu - (uii + u_ij)


#: initiators screened together when each evaluates every target: every row of distances
#: read from memory serves all of them (their single-precision accumulators, 7 x 16 x N
#: floats, stay in the L2 cache)
_ALL_BLOCK = 16


#: single-precision constants of the screen (numba keeps a module-level float32 as one)
_F0 = np.float32(0.0)
_F1 = np.float32(1.0)
_FH = np.float32(0.5)
#: third parties summed in single precision before their partial sum joins the
#: double-precision accumulator: bounds the rounding error of the screen's sums
_SCREEN_QB = 32
#: unit roundoff of single and double precision
_U32 = 2.0**-24
_U64 = 2.0**-53


@_jit
def _loss(d, r):
    # 1 - u for the utility of (3.2), computed directly so that small losses keep their
    # relative precision: d (1 - (1 - d) R) for d <= 1, d - (1 - d) R beyond (round-off)
    if d <= 1.0:
        return d - ((1.0 - d) * d) * r
    return d - (1.0 - d) * r


@_jit
def _screen_range(drow, wq, rq, c1, li, ln, kappa, a0b, abb, p1b, p2b):
    # single-precision votes of one third party on the targets of these views (see
    # _screen_block); indices from 0, so that no wraparound check stops vectorisation.
    # With losses L: L_j = d (1 - R + d R) (c1 = 1 - R), v0 = w (L_j - L_i),
    # p = (a0 + max(v0, 0)) / (ab + |v0|) and the vote
    # w (p (L_i - L_n) + (1 - p)(L_n - L_j)) = w ((L_n - L_j) + p (L_j + kappa)),
    # kappa = L_i - 2 L_n: fewer operations, the same value up to rounding
    for j in range(drow.shape[0]):
        dq = drow[j]
        lj = dq * (c1 + dq * rq)  # the third party's loss at the target's position
        v0 = wq * (lj - li)
        pin = (a0b[j] + max(v0, _F0)) / (abb[j] + abs(v0))
        vn = wq * ((ln - lj) + pin * (lj + kappa))
        pos = max(vn, _F0)
        p1b[j] += pos
        p2b[j] += pos - vn


@_jit
def _screen_terms(q, b, d32, w32, li32, ln32, rq32, a032, ab32, p1, p2):
    # third party q's single-precision votes on every target j != q of row b: the targets
    # before q and those after it, as two runs (a test of the index inside the loop would
    # halve its speed)
    drow, a0b, abb, p1b, p2b = d32[q], a032[b], ab32[b], p1[b], p2[b]
    wq, rq, li, ln = w32[q], rq32[b, q], li32[b, q], ln32[b, q]
    c1 = _F1 - rq
    kappa = li - (ln + ln)
    _screen_range(drow[:q], wq, rq, c1, li, ln, kappa, a0b[:q], abb[:q], p1b[:q], p2b[:q])
    k = q + 1
    _screen_range(drow[k:], wq, rq, c1, li, ln, kappa, a0b[k:], abb[k:], p1b[k:], p2b[k:])


@_jit
def _screen_block(hs, d, d32, rest, w, w32, s_tot, w_sum, wd, sd, w_max, d_max, scale):
    # Bounds on the gain of every target j of each initiator h in hs: the arithmetic of
    # _eval_targets (default rules) in single precision (twice the SIMD lanes; third
    # parties outermost so that each row of d32 serves the block), with a rigorous bound
    # on its difference to the double-precision value. Utilities are carried as losses
    # L = 1 - u = d (1 - R + d R) (_loss in double precision; in float32 from d32), whose
    # terms share one sign, so that close positions keep their relative precision:
    # u_ni - u_nj = L_nj - L_ni.
    # Error analysis (u = 2^-24, every input rounded once, d <= 1, |R| <= 1, L <= 2d, for
    # third party q with M = d_qh + d_qj and ab = C_ij + C_ji of the principals): the
    # losses are off by at most 12u d, the vote v0 = w_q (L_qj - L_qh) by 20u w_q M, and,
    # while w_q M <= 2.5e5 ab, p_in by at most 9u + 88u w_q M / ab (it stays in [0, 1]:
    # rounding is monotone), so the third party's vote by at most
    #   64u w_q M + 176u w_q^2 M^2 / ab;
    # summed over q, with M^2 <= 2 (d_qh^2 + d_qj^2): 64u (wd_h + wd_j) +
    # 352u (sd_h + sd_j) / ab, where wd_k = Σ_q w_q d_qk and sd_k = Σ_q w_q^2 d_qk^2. The
    # float32 sums of _SCREEN_QB votes add (_SCREEN_QB + 2) u Σ|votes|, the
    # double-precision path's own rounding at most 2^-53 (4N (ab + 2W) + 64 W). Doubled
    # for safety, B bounds |C'_ij - C_ij| and |C'_ji - C_ji|; with T' = C'_ij + C'_ji >
    # 4B, |P' - P| <= B / (T' - 4B) (else 1), and the gain Δ (1 - 2 s_j (1 - P)) is off
    # by at most 2 s_j |Δ| |P' - P| (+ 1e-13 for the formula's rounding). Returns
    # (upper, lower), shape (len(hs), N), -inf at j = h.
    nb = hs.shape[0]
    n = d.shape[0]
    f32 = np.float32
    li32 = np.empty((nb, n), dtype=f32)
    ln32 = np.empty((nb, n), dtype=f32)
    rq32 = np.empty((nb, n), dtype=f32)
    a032 = np.empty((nb, n), dtype=f32)
    ab32 = np.empty((nb, n), dtype=f32)
    p1 = np.empty((nb, n), dtype=f32)
    p2 = np.empty((nb, n), dtype=f32)
    c1 = np.empty((nb, n))
    c2 = np.empty((nb, n))
    ab = np.empty((nb, n))
    delta = np.empty((nb, n))
    uij = np.empty((nb, n))
    for b in range(nb):
        h = hs[b]
        r = rest[h]
        for q in range(n):
            li32[b, q] = f32(_loss(d[q, h], r[q]))
            ln32[b, q] = f32(_loss(d[q, q], r[q]))
            rq32[b, q] = f32(r[q])
        uii = _nb_util(d[h, h], r[h])
        wh = w[h]
        for j in range(n):
            u_ij = _nb_util(d[h, j], r[h])
            uij[b, j] = u_ij
            delta[b, j] = uii - u_ij
            ci = wh * (uii - u_ij)
            cj = w[j] * (_nb_util(d[j, h], r[j]) - _nb_util(d[j, j], r[j]))
            x = 1e-10 + (ci if ci > 0.0 else 0.0) + (cj if cj > 0.0 else 0.0)
            y = 1e-10 - (ci if ci < 0.0 else 0.0) - (cj if cj < 0.0 else 0.0)
            c1[b, j] = x
            c2[b, j] = y
            ab[b, j] = x + y
            a032[b, j] = f32(x)
            ab32[b, j] = f32(x + y)
    for q0 in range(0, n, _SCREEN_QB):
        p1[:] = _F0
        p2[:] = _F0
        for q in range(q0, min(n, q0 + _SCREEN_QB)):
            for b in range(nb):
                if q != hs[b]:
                    _screen_terms(q, b, d32, w32, li32, ln32, rq32, a032, ab32, p1, p2)
        for b in range(nb):
            for j in range(n):
                c1[b, j] += p1[b, j]
                c2[b, j] += p2[b, j]
    upper = np.empty((nb, n))
    lower = np.empty((nb, n))
    for b in range(nb):
        h = hs[b]
        uii = _nb_util(d[h, h], rest[h, h])
        for j in range(n):
            x = c1[b, j]
            y = c2[b, j]
            tot = x + y
            abj = ab[b, j]
            votes = 1.01 * abs(tot - abj)
            big_b = 2.0 * (
                _U32
                * (
                    64.0 * (wd[h] + wd[j])
                    + 352.0 * (sd[h] + sd[j]) / abj
                    + (_SCREEN_QB + 2.0) * votes
                )
                + _U64 * (4.0 * n * (abj + 2.0 * w_sum) + 64.0 * w_sum)
                + 4e-12 * w_sum
            )
            # the float32 losses use the formula for d <= 1 (beyond 1 only by round-off,
            # off by less than 1e-12 there, in the 4e-12 W above; saliences summing to
            # more than 1 would take distances further: then nothing is screened)
            valid = 2.0 * w_max * d_max <= 2.5e5 * abj and d_max <= 1.0 + 1e-12
            dp = 1.0
            if valid and tot > 4.0 * big_b:
                dp = min(1.0, big_b / (tot - 4.0 * big_b) + 1e-15)
            p = x / tot
            sj = s_tot[j]
            u_ij = uij[b, j]
            eu = (1.0 - sj) * (uii + uii) + sj * (p * (uii + uii) + (1.0 - p) * (u_ij + u_ij))
            g = eu - (uii + u_ij)
            ad = abs(delta[b, j])
            err = 2.0 * sj * ad * dp + 1e-13
            lim = ad * scale + 1e-13
            upper[b, j] = min(g + err, lim)
            lower[b, j] = max(g - err, -lim)
        upper[b, h] = -np.inf
        lower[b, h] = -np.inf
    return upper, lower


@_jit
def _third_party(q, h, b, d, rest, w, uni, unn, a0, ab, cij, cji):
    # third party q's vote on every target j of initiator h (row b of the block's
    # accumulators), as _eval_targets adds it
    n = d.shape[0]
    drow = d[q]
    wq = w[q]
    rq = rest[h, q]
    ui = uni[b, q]
    un = unn[b, q]
    a0b = a0[b]
    abb = ab[b]
    cijb = cij[b]
    cjib = cji[b]
    for j in range(n):
        keep = 0.0 if j == q else 1.0
        dq = drow[j]
        uj = (1.0 - dq) * (1.0 + dq * rq) if dq <= 1.0 else (1.0 - dq) * (1.0 + rq)
        v0 = wq * (ui - uj)
        av = abs(v0)
        pin = (a0b[j] + 0.5 * (v0 + av)) / (abb[j] + av)
        vn = wq * (pin * (un - ui) + (1.0 - pin) * (uj - un))
        pos = max(vn, 0.0)
        cijb[j] += pos * keep
        cjib[j] += (pos - vn) * keep


@_jit
def _eval_all_block(hs, d, rest, w, s_tot, buf):
    # P(h beats j) and the expected gain of every target j != h for each initiator h in
    # hs (at most _ALL_BLOCK), KTAB's default rules only (proportional votes,
    # SemiCommit): for each h exactly the arithmetic of _eval_targets in the same order
    # (third parties q = 0, 1, ... for every j), with the loop over q outermost so that
    # each row d[q] is read once for the whole block. buf: (9, _ALL_BLOCK, N) scratch;
    # returns (prob, gain) of shape (len(hs), N), gain -inf at j = h.
    nb = hs.shape[0]
    n = d.shape[0]
    uni, unn, a0, ab, cij, cji, uij = buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6]
    prob, gain = buf[7], buf[8]
    for b in range(nb):
        h = hs[b]
        r = rest[h]
        for q in range(n):
            uni[b, q] = _nb_util(d[q, h], r[q])
            unn[b, q] = _nb_util(d[q, q], r[q])
        uii = unn[b, h]
        wh = w[h]
        for j in range(n):
            uij[b, j] = _nb_util(d[h, j], r[h])
            ci = wh * (uii - uij[b, j])
            cj = w[j] * (uni[b, j] - unn[b, j])
            x = 1e-10 + (ci if ci > 0.0 else 0.0) + (cj if cj > 0.0 else 0.0)
            y = 1e-10 - (ci if ci < 0.0 else 0.0) - (cj if cj < 0.0 else 0.0)
            a0[b, j] = x
            ab[b, j] = x + y
            cij[b, j] = x
            cji[b, j] = y
    # third parties four at a time where none of them is the initiator: each target's
    # accumulators take the four votes one after the other (the same sums in the same
    # order as one third party per pass, with a quarter of the accumulator traffic)
    q4 = n - n % 4
    for q in range(0, q4, 4):
        d0, d1, d2, d3 = d[q], d[q + 1], d[q + 2], d[q + 3]
        wq0, wq1, wq2, wq3 = w[q], w[q + 1], w[q + 2], w[q + 3]
        for b in range(nb):
            h = hs[b]
            if q <= h < q + 4:  # the initiator is no third party: the others one by one
                for qq in range(q, q + 4):
                    if qq != h:
                        _third_party(qq, h, b, d, rest, w, uni, unn, a0, ab, cij, cji)
                continue
            rq0, rq1, rq2, rq3 = rest[h, q], rest[h, q + 1], rest[h, q + 2], rest[h, q + 3]
            ui0, ui1, ui2, ui3 = uni[b, q], uni[b, q + 1], uni[b, q + 2], uni[b, q + 3]
            un0, un1, un2, un3 = unn[b, q], unn[b, q + 1], unn[b, q + 2], unn[b, q + 3]
            a0b = a0[b]
            abb = ab[b]
            cijb = cij[b]
            cjib = cji[b]
            for j in range(n):
                a0j = a0b[j]
                abj = abb[j]
                c1 = cijb[j]
                c2 = cjib[j]
                keep = 0.0 if j == q + 0 else 1.0
                dq = d0[j]
                uj = (1.0 - dq) * (1.0 + dq * rq0) if dq <= 1.0 else (1.0 - dq) * (1.0 + rq0)
                v0 = wq0 * (ui0 - uj)
                av = abs(v0)
                pin = (a0j + 0.5 * (v0 + av)) / (abj + av)
                vn = wq0 * (pin * (un0 - ui0) + (1.0 - pin) * (uj - un0))
                pos = max(vn, 0.0)
                c1 += pos * keep
                c2 += (pos - vn) * keep
                keep = 0.0 if j == q + 1 else 1.0
                dq = d1[j]
                uj = (1.0 - dq) * (1.0 + dq * rq1) if dq <= 1.0 else (1.0 - dq) * (1.0 + rq1)
                v0 = wq1 * (ui1 - uj)
                av = abs(v0)
                pin = (a0j + 0.5 * (v0 + av)) / (abj + av)
                vn = wq1 * (pin * (un1 - ui1) + (1.0 - pin) * (uj - un1))
                pos = max(vn, 0.0)
                c1 += pos * keep
                c2 += (pos - vn) * keep
                keep = 0.0 if j == q + 2 else 1.0
                dq = d2[j]
                uj = (1.0 - dq) * (1.0 + dq * rq2) if dq <= 1.0 else (1.0 - dq) * (1.0 + rq2)
                v0 = wq2 * (ui2 - uj)
                av = abs(v0)
                pin = (a0j + 0.5 * (v0 + av)) / (abj + av)
                vn = wq2 * (pin * (un2 - ui2) + (1.0 - pin) * (uj - un2))
                pos = max(vn, 0.0)
                c1 += pos * keep
                c2 += (pos - vn) * keep
                keep = 0.0 if j == q + 3 else 1.0
                dq = d3[j]
                uj = (1.0 - dq) * (1.0 + dq * rq3) if dq <= 1.0 else (1.0 - dq) * (1.0 + rq3)
                v0 = wq3 * (ui3 - uj)
                av = abs(v0)
                pin = (a0j + 0.5 * (v0 + av)) / (abj + av)
                vn = wq3 * (pin * (un3 - ui3) + (1.0 - pin) * (uj - un3))
                pos = max(vn, 0.0)
                c1 += pos * keep
                c2 += (pos - vn) * keep
                cijb[j] = c1
                cjib[j] = c2
    for q in range(q4, n):
        for b in range(nb):
            if q != hs[b]:
                _third_party(q, hs[b], b, d, rest, w, uni, unn, a0, ab, cij, cji)
    for b in range(nb):
        h = hs[b]
        uii = unn[b, h]
        for j in range(n):
            p = cij[b, j] / (cij[b, j] + cji[b, j])
            sj = s_tot[j]
            u_ij = uij[b, j]
            eu = (1.0 - sj) * (uii + uii) + sj * (p * (uii + uii) + (1.0 - p) * (u_ij + u_ij))
            prob[b, j] = p
            gain[b, j] = eu - (uii + u_ij)
        gain[b, h] = -np.inf
    return prob[:nb], gain[:nb]


@_jit
def _choose(n, prob, gain, rtol, min_gain):
    # gains within rtol (relative) of the best count as equal; the lowest index wins;
    # unevaluated targets hold -inf
    gmax = -np.inf
    for j in range(n):
        g = gain[j]
        if g > min_gain and g > gmax:
            gmax = g
    if gmax == -np.inf:
        return -1, 0.0, -1.0
    lim = gmax - rtol * abs(gmax)
    for j in range(n):
        if gain[j] > min_gain and gain[j] >= lim:
            return j, prob[j], gain[j]
    return -1, 0.0, -1.0


@_jit
def _best_for(h, rule, tp, simple, d, dt, rest, w, s_tot, rtol, min_gain, first, scale, scratch):
    # initiator h's best target (see _best_challenges_nb); scratch: per-thread arrays.
    # Returns (target, P, gain, deferred): deferred when every target is to be evaluated
    # (then screened by _screen_block, together with other such initiators)
    n = d.shape[0]
    uni, unn, delta, prob, gain = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
    r = rest[h]
    for q in range(n):
        uni[q] = _nb_util(d[q, h], r[q])
        unn[q] = _nb_util(d[q, q], r[q])
        gain[q] = -np.inf
    uii = unn[h]
    for j in range(n):
        delta[j] = -abs(uii - _nb_util(d[h, j], r[h]))  # negated: argsort ascending
    delta[h] = np.inf  # never a target of itself
    k1 = min(first, n - 1)
    if k1 < 1:
        return -1, 0.0, -1.0, False
    # the first batch: the k1 targets of largest |Δ| (ties: lowest index), found by a
    # selection instead of a sort (their order does not matter: targets are independent)
    thr = np.partition(delta, k1 - 1)[k1 - 1]
    taken = np.zeros(n, dtype=np.bool_)
    batch = np.empty(k1, dtype=np.int64)
    c = 0
    for j in range(n):
        if delta[j] < thr:
            batch[c] = j
            taken[j] = True
            c += 1
    for j in range(n):
        if c < k1 and delta[j] == thr:
            batch[c] = j
            taken[j] = True
            c += 1
    _eval_targets(rule, tp, simple, h, batch, k1, d, dt, r, w, s_tot, uni, unn, prob, gain)
    best = min_gain
    for t in range(k1):
        if gain[batch[t]] > best:
            best = gain[batch[t]]
    # then, in decreasing order of |Δ| (ties: lowest index), the next `first` targets whose
    # bound can still reach the best found so far, again and again: the best rises as they
    # are evaluated, which ends the search sooner (a target left out had its bound below a
    # cut no higher than the last). When more than a quarter of the targets remain in
    # reach, all are screened instead, later, in blocks of such initiators
    # (_screen_block: single precision with a bound on its error, contiguous reads that
    # vectorise, each read serving the block), and only the targets the screen cannot
    # rule out are evaluated exactly: the same choice either way
    cut = best - rtol * abs(best) - 1e-12
    cand = np.empty(n, dtype=np.int64)
    cnt = 0
    for j in range(n):
        if j != h and not taken[j] and -delta[j] * scale >= cut:
            cand[cnt] = j
            cnt += 1
    if simple and 4 * cnt > n:
        return -1, 0.0, -1.0, True
    sub = cand[:cnt]
    order = sub[np.argsort(delta[sub], kind="mergesort")]  # sub ascends: ties by index
    k2 = 0
    while k2 < cnt:
        cut = best - rtol * abs(best) - 1e-12
        k3 = k2
        while k3 < cnt and k3 - k2 < first and -delta[order[k3]] * scale >= cut:
            k3 += 1
        if k3 == k2:
            break
        rest_c = order[k2:k3].copy()
        _eval_targets(
            rule, tp, simple, h, rest_c, k3 - k2, d, dt, r, w, s_tot, uni, unn, prob, gain
        )
        for t in range(k2, k3):
            if gain[order[t]] > best:
                best = gain[order[t]]
        k2 = k3
    t, p, g = _choose(n, prob, gain, rtol, min_gain)
    return t, p, g, False


@_pjit
def _transpose(d):
    n, m = d.shape
    out = np.empty((m, n))
    for j0 in _prange((m + 63) // 64):
        for i in range(n):
            for j in range(j0 * 64, min(m, j0 * 64 + 64)):
                out[j, i] = d[i, j]
    return out


@_pjit
def _screen_inputs(d, w):
    # the screen's single-precision distances, and per actor k: wd_k = Σ_q w_q d_qk and
    # sd_k = Σ_q w_q^2 d_qk^2 (for its error bound; columns on parallel threads, each
    # summed in the order q = 0, 1, ...)
    n = d.shape[0]
    d32 = np.empty((n, n), dtype=np.float32)
    for i in _prange(n):
        for j in range(n):
            d32[i, j] = np.float32(d[i, j])
    wd = np.zeros(n)
    sd = np.zeros(n)
    for k0 in _prange((n + 63) // 64):
        for q in range(n):
            wq = w[q]
            for k in range(k0 * 64, min(n, k0 * 64 + 64)):
                x = d[q, k]
                wd[k] += wq * x
                sd[k] += (wq * x) * (wq * x)
    return d32, wd, sd


@_pjit
def _best_challenges_nb(rule, tp, simple, d, rest, w, s_tot, rtol, min_gain, first, scale):
    # every initiator's best target without evaluating every target: gain_j =
    # Δ_j (1 - 2 s_j (1 - P)) with Δ_j = u_ii - u_ij and 0 <= P <= 1, so
    # |gain_j| <= |Δ_j| * scale with scale = max(1, 2 max_j s_j - 1) (1 when saliences
    # sum to at most 1, as KTAB requires). The `first` targets of largest |Δ| are
    # evaluated, then every target whose bound could still reach the best gain within the
    # tie tolerance; the others cannot be chosen. Same numbers as evaluating them all.
    # Initiators are independent: blocks of them run on parallel threads, each with its
    # own scratch, and every result is the same whatever the number of threads. The
    # initiators that would evaluate every target are deferred and then screened
    # _ALL_BLOCK at a time (one pass over the distances per block, in single precision
    # with a bound on the error), the blocks on parallel threads; the targets the screen
    # cannot rule out are evaluated exactly. Returns (target, P, gain, evaluated): the
    # last is the number of targets a deferred initiator evaluated exactly (-1 for the
    # others).
    n = d.shape[0]
    dt = _transpose(d)
    target = np.full(n, -1, dtype=np.int64)
    p_best = np.zeros(n)
    g_best = np.full(n, -1.0)
    deferred = np.zeros(n, dtype=np.bool_)
    evaluated = np.full(n, -1, dtype=np.int64)  # targets evaluated exactly, -1: as found
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for blk in _prange(n_blocks):
        scratch = np.empty((5, n))
        for h in range(blk * _BLOCK, min(n, (blk + 1) * _BLOCK)):
            t, p, g, late = _best_for(
                h, rule, tp, simple, d, dt, rest, w, s_tot, rtol, min_gain, first, scale, scratch
            )
            target[h] = t
            p_best[h] = p
            g_best[h] = g
            deferred[h] = late
    late_h = np.flatnonzero(deferred)
    n_late = late_h.shape[0]
    n_lb = (n_late + _ALL_BLOCK - 1) // _ALL_BLOCK
    d32, wd, sd = _screen_inputs(d, w)
    w32 = w.astype(np.float32)
    w_sum = 0.0
    w_max = 0.0
    for q in range(n):
        w_sum += abs(w[q])
        w_max = max(w_max, abs(w[q]))
    d_max = 0.0
    for i in range(n):
        for j in range(n):
            d_max = max(d_max, d[i, j])
    exact_all = np.zeros(n, dtype=np.bool_)
    for lb in _prange(n_lb):
        hs = late_h[lb * _ALL_BLOCK : min(n_late, (lb + 1) * _ALL_BLOCK)].copy()
        upper, lower = _screen_block(
            hs, d, d32, rest, w, w32, s_tot, w_sum, wd, sd, w_max, d_max, scale
        )
        scratch = np.empty((4, n))
        uni, unn, prob, gain = scratch[0], scratch[1], scratch[2], scratch[3]
        cand = np.empty(n, dtype=np.int64)
        for b in range(hs.shape[0]):
            h = hs[b]
            # the best gain is at least the largest lower bound; only targets whose upper
            # bound reaches its tie band (or the threshold) can be chosen: those are
            # evaluated exactly (double precision, _eval_targets), the rest cannot win
            best = min_gain
            for j in range(n):
                if lower[b, j] > best:
                    best = lower[b, j]
            cut = best - rtol * abs(best) - 1e-12
            m = 0
            for j in range(n):
                gain[j] = -np.inf
                if upper[b, j] >= cut and upper[b, j] > min_gain:
                    cand[m] = j
                    m += 1
            evaluated[h] = m
            if 4 * m > n:  # the screen decided little: every target, in blocks, below
                exact_all[h] = True
                continue
            if m > 0:
                r = rest[h]
                for q in range(n):
                    uni[q] = _nb_util(d[q, h], r[q])
                    unn[q] = _nb_util(d[q, q], r[q])
                _eval_targets(
                    rule, tp, simple, h, cand, m, d, dt, r, w, s_tot, uni, unn, prob, gain
                )
            t, p, g = _choose(n, prob, gain, rtol, min_gain)
            target[h] = t
            p_best[h] = p
            g_best[h] = g
    all_h = np.flatnonzero(exact_all)
    n_all = all_h.shape[0]
    for lb in _prange((n_all + _ALL_BLOCK - 1) // _ALL_BLOCK):
        hs = all_h[lb * _ALL_BLOCK : min(n_all, (lb + 1) * _ALL_BLOCK)].copy()
        buf = np.empty((9, _ALL_BLOCK, n))
        prob2, gain2 = _eval_all_block(hs, d, rest, w, s_tot, buf)
        for b in range(hs.shape[0]):
            t, p, g = _choose(n, prob2[b], gain2[b], rtol, min_gain)
            target[hs[b]] = t
            p_best[hs[b]] = p
            g_best[hs[b]] = g
            evaluated[hs[b]] = n - 1
    return target, p_best, g_best, evaluated


@_jit
def _line_sorted_nb(xs, cw, cxw, le, lt):
    # line_coalitions on sorted positions (see _line_sorted_numpy for the same arithmetic)
    n = xs.shape[0]
    total = cw[n]
    cs = np.zeros((n, n))
    for i in range(n):
        a = le[i]
        lo = xs[i]
        pm = a
        pu = a
        for col in range(i + 1, n):
            hi = xs[col]
            g = hi - lo
            if not g > 0.0:
                continue
            mid = 0.5 * (lo + hi)
            while pm < n and xs[pm] < mid:
                pm += 1
            while pu < n and xs[pu] <= mid:
                pu += 1
            b = lt[col]
            f_lo = g * cw[a] + 2.0 * (mid * (cw[pm] - cw[a]) - (cxw[pm] - cxw[a]))
            f_hi = g * (total - cw[b]) + 2.0 * ((cxw[b] - cxw[pu]) - mid * (cw[b] - cw[pu]))
            cs[i, col] = max(f_lo, 0.0)
            cs[col, i] = max(f_hi, 0.0)
    return cs


@_pjit
def _coalitions_many_nb(rule, w, u):
    # coalitions() of P problems at once, u[p, k, m] (voter weights w[k] shared): each
    # problem as _coalitions_nb computes one (votes accumulated in voter order from 1e-8);
    # problems are independent and run on parallel threads
    p_count, k, m = u.shape
    c = np.empty((p_count, m, m))
    for p in _prange(p_count):
        acc_p = np.empty((m, m))
        acc_n = np.empty((m, m))
        for a in range(m):
            for b in range(a):
                acc_p[a, b] = 1e-8
                acc_n[a, b] = 1e-8
        for q in range(k):
            wq = w[q]
            for a in range(m):
                ua = u[p, q, a]
                for b in range(a):
                    v = _nb_vote(rule, wq, ua, u[p, q, b])
                    pos = max(v, 0.0)
                    acc_p[a, b] += pos
                    acc_n[a, b] += pos - v
        for a in range(m):
            c[p, a, a] = 1e-8
            for b in range(a):
                c[p, a, b] = acc_p[a, b]
                c[p, b, a] = acc_n[a, b]
    return c


_NB_MANY: Any = (_coalitions_many_nb,) if _NUMBA_OK else None


_NB_LINE: Any = (_line_sorted_nb,) if _NUMBA_OK else None
_NB: Any = (_coalitions_nb, _best_challenges_nb) if _NUMBA_OK else None


#: whether the compiled kernels exist (numba importable, ``DETENTE_NO_NUMBA`` unset)
NUMBA_OK = _NUMBA_OK
#: (coalitions, best challenges); one-dimensional coalitions; many coalitions
NB = _NB
NB_LINE = _NB_LINE
NB_MANY = _NB_MANY
