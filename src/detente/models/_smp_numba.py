"""Compiled (numba) kernels of the spatial model and the probabilistic Condorcet
election: the O(N³) loops (coalitions, challenges), the distances and the one-dimensional
coalitions, each equal to its NumPy counterpart in :mod:`._smp_kernel` (the reference and
the fallback) to the last bit or up to rounding, as each says.

Nothing here is used directly: :mod:`._smp_kernel` dispatches to these kernels when numba
is importable and the setting :func:`detente.models.compiled_kernels` is on
(``DETENTE_NO_NUMBA`` set: numba is not even imported and the kernels are ``None``).
The code is cached on disk (``cache=True``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from detente.models import _compiled

__all__ = ["NB", "NB_DIST", "NB_LINE", "NB_MANY", "NB_WITHIN", "NUMBA_OK"]

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


#: initiators evaluated together when each evaluates every target: every row d[q] read
#: from memory serves all of them (their accumulators, 4 x 16 x N doubles, stay in the L2
#: cache), which divides the memory traffic of the O(N³) loop by as much
_ALL_BLOCK = 16


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
    # (then by _eval_all_block, together with other such initiators)
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
    # reach, all are evaluated instead, later and in index order, in blocks of such
    # initiators (_eval_all_block: contiguous reads vectorise, each read serves the
    # block; the same numbers either way)
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
def _best_challenges_nb(rule, tp, simple, d, rest, w, s_tot, rtol, min_gain, first, scale):
    # every initiator's best target without evaluating every target: gain_j =
    # Δ_j (1 - 2 s_j (1 - P)) with Δ_j = u_ii - u_ij and 0 <= P <= 1, so
    # |gain_j| <= |Δ_j| * scale with scale = max(1, 2 max_j s_j - 1) (1 when saliences
    # sum to at most 1, as KTAB requires). The `first` targets of largest |Δ| are
    # evaluated, then every target whose bound could still reach the best gain within the
    # tie tolerance; the others cannot be chosen. Same numbers as evaluating them all.
    # Initiators are independent: blocks of them run on parallel threads, each with its
    # own scratch, and every result is the same whatever the number of threads. The
    # initiators that evaluate every target are deferred and then evaluated _ALL_BLOCK at
    # a time (one pass over the distances per block), the blocks on parallel threads.
    n = d.shape[0]
    dt = _transpose(d)
    target = np.full(n, -1, dtype=np.int64)
    p_best = np.zeros(n)
    g_best = np.full(n, -1.0)
    deferred = np.zeros(n, dtype=np.bool_)
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
    for lb in _prange(n_lb):
        hs = late_h[lb * _ALL_BLOCK : min(n_late, (lb + 1) * _ALL_BLOCK)].copy()
        buf = np.empty((9, _ALL_BLOCK, n))
        prob, gain = _eval_all_block(hs, d, rest, w, s_tot, buf)
        for b in range(hs.shape[0]):
            t, p, g = _choose(n, prob[b], gain[b], rtol, min_gain)
            target[hs[b]] = t
            p_best[hs[b]] = p
            g_best[hs[b]] = g
    return target, p_best, g_best


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


@_jit
def _sum_run(a, dim, body):
    # NumPy's pairwise sum of a[:dim] for 8 <= dim <= 128 (body: dim rounded down to 8)
    r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
    r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
    for k in range(8, body, 8):
        r0 += a[k]
        r1 += a[k + 1]
        r2 += a[k + 2]
        r3 += a[k + 3]
        r4 += a[k + 4]
        r5 += a[k + 5]
        r6 += a[k + 6]
        r7 += a[k + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for k in range(body, dim):
        res += a[k]
    return res


@_pjit
def _distances_nb(x, s, y):
    # distances() for 8 <= D <= 128: Σ_k (s_ik (x_ik - y_jk))² and Σ_k s_ik² summed as
    # NumPy sums a contiguous run of at most 128 values (eight running sums over the
    # multiples of 8, added as a tree, then the tail): the same numbers to the last bit.
    # Rows are independent and run on parallel threads.
    n, dim = x.shape
    mm = y.shape[0]
    out = np.empty((n, mm))
    body = dim - dim % 8
    for i in _prange(n):
        ds = np.empty(dim)
        for k in range(dim):
            ds[k] = s[i, k] * s[i, k]
        s2 = _sum_run(ds, dim, body)
        for j in range(mm):
            for k in range(dim):
                v = (x[i, k] - y[j, k]) * s[i, k]
                ds[k] = v * v
            out[i, j] = np.sqrt(_sum_run(ds, dim, body) / s2) if s2 > 0.0 else 0.0
    return out


@_pjit
def _within_nb(x, tol):
    # unique_positions()' relation for 8 <= D <= 128: Euclidean distance below tol, the
    # squares summed as NumPy sums a contiguous run (see _sum_run): the same booleans
    # without (N, N, D) temporaries; rows on parallel threads
    n, dim = x.shape
    out = np.empty((n, n), dtype=np.bool_)
    body = dim - dim % 8
    for i in _prange(n):
        ds = np.empty(dim)
        for j in range(n):
            for k in range(dim):
                v = x[i, k] - x[j, k]
                ds[k] = v * v
            out[i, j] = np.sqrt(_sum_run(ds, dim, body)) < tol
    return out


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
_NB_DIST: Any = (_distances_nb,) if _NUMBA_OK else None
_NB_WITHIN: Any = (_within_nb,) if _NUMBA_OK else None


_NB_LINE: Any = (_line_sorted_nb,) if _NUMBA_OK else None
_NB: Any = (_coalitions_nb, _best_challenges_nb) if _NUMBA_OK else None


#: whether the compiled kernels exist (numba importable, ``DETENTE_NO_NUMBA`` unset)
NUMBA_OK = _NUMBA_OK
#: (coalitions, best challenges); one-dimensional coalitions; distances; many coalitions
NB = _NB
NB_LINE = _NB_LINE
NB_DIST = _NB_DIST
NB_MANY = _NB_MANY
#: positions within a tolerance of each other (unique positions)
NB_WITHIN = _NB_WITHIN
