"""Array kernels of the spatial model of politics (KTAB SMP) and the probabilistic
Condorcet election (PCE).

Everything here works on plain NumPy arrays on KTAB's internal scale: positions in
[0, 1] on every dimension, saliences in [0, 1] with an actor's saliences summing to at
most 1, capabilities >= 0. The model classes in :mod:`detente.models.spatial` and
:mod:`detente.models.condorcet` translate scenarios to and from this scale.

Sources: Wise, Lester, Efird et al., KAPSARC Toolkit for Behavioral Analysis (KTAB),
"Spatial Model of Politics" (KTAB documentation and the MIT-licensed C++ reference,
KAPSARC/KTAB, files ``smp.cpp``, ``smpbcn.cpp``, ``kmodel.cpp``); written out in
docs/models/spatial.md. We number the formulas as follows:

* (3.1) weighted distance ``d_ij = sqrt(Σ_k (s_ik (x_ik - x_jk))² / Σ_k s_ik²)``
* (3.2) utility ``u(d, R) = (1 - d)(1 + d R)``
* (3.3) votes (six voting rules), (3.4) coalitions ``C(a:b) = 1e-8 + Σ_k max(0, v_k(a:b))``,
  victory probability (linear, square, quartic, octic, binary)
* (3.5) probabilistic Condorcet election: conditional, Markov-incentive, Markov-uniform
* (3.6) risk attitudes ``R_i`` from the risk-neutral PCE and their anchored estimates
* (3.7) challenge probabilities and expected gains with third parties
* (3.8) S1P1 / S2P2 / S2PMax bargains, (3.9) resolution by a PCE over each actor's bargains

Everything is vectorised: the per-turn cost is O(N³) (every actor i evaluating every
target j with every third party n), evaluated in chunks over i so that no N³ array is
held at once. KTAB's own code evaluates the same estimates from every actor's perspective
(N⁴) for its database log; only the N³ estimates of the initiators' own perspectives
enter the dynamics, so we compute only those. When numba is importable the O(N³) loops
(coalitions, challenges) and the distances run as compiled kernels (:mod:`._smp_numba`), and
so do the resolution and the assessment's O(N²) passes (:mod:`._smp_resolve_numba`; set
``DETENTE_NO_NUMBA=1`` to keep them off, or switch them with
:func:`detente.models.compiled_kernels`); the NumPy code is the reference and the
fallback, and the tests check that both give the same numbers. The compiled kernel for
KTAB's default rules (proportional votes, SemiCommit) writes a third party's vote in the
equivalent form ``w_n [p_in (u_nn - u_ni) + p_jn (u_nj - u_nn)]``, equal up to rounding.

Departures from the C++ reference (all invisible on KTAB's own inputs):

* A zero voting weight is allowed (KTAB throws): it casts a zero vote.
* An actor whose saliences are all zero sees every position at distance 0 (KTAB divides
  0 by 0).
* When every actor's win probability is the same, ``R_i = 0`` (risk neutral) for all
  (KTAB divides 0 by 0).
* The conditional PCE multiplies probabilities in log space, so it cannot underflow to 0/0
  for hundreds of options; the result is the same up to rounding.
* The Markov PCEs stop after 1000 iterations instead of throwing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from detente import progress
from detente.models import _compiled, _smp_numba, _smp_resolve_numba

__all__ = [
    "BARGAINS",
    "PCE_MODELS",
    "RISK_ADJUSTS",
    "RISK_RANGES",
    "THIRD_PARTY",
    "VICTORY_MODELS",
    "VOTING_RULES",
    "SMPOptions",
    "SMPRun",
    "bs_util",
    "coalitions",
    "distances",
    "line_coalitions",
    "pce",
    "run_smp",
    "scalar_pce",
    "unique_positions",
    "victory_prob",
    "vote",
    "win_probabilities",
]

VOTING_RULES = ("binary", "propbin", "proportional", "propcbc", "cubic", "asymprosp")
VICTORY_MODELS = ("linear", "square", "quartic", "octic", "binary")
PCE_MODELS = ("conditional", "markov_incentive", "markov_uniform")
RISK_RANGES = ("min", "mid", "max")
RISK_ADJUSTS = ("full", "two_thirds", "half", "one_third", "none")
THIRD_PARTY = ("full", "semi", "none")
BARGAINS = ("s1p1", "s2p2", "s2pmax")

#: KTAB constants (kmodel.cpp, smpbcn.cpp, smp.cpp)
MIN_COALITION = 1e-8  # Model::coalitions minC
MIN_CONTEST = 1e-10  # probEduChlg minCltn
MIN_SIG_EDU = 1e-5  # bestChallenge minSigEDU
MIN_BARGAIN_W = 1e-6  # interpBrgnSnPm minW
POS_TOL = 1e-3  # SMPModel::posTol, Euclidean norm on the [0, 1] scale
BINARY_VOTE_TOL = 1e-8
BINARY_VP_THRESHOLD = 1.10
BINARY_VP_MIN = 1e-6

#: relative tolerance of choices among near-equal values: an actor's best challenge is the
#: lowest-index target whose gain lies within this share of the best gain, and a bargain
#: is chosen among those whose PCE probability lies within it of the most probable, first
#: in order; so a choice does not flip with rounding (summation order, SIMD width)
GAIN_RTOL = 1e-9
PROB_RTOL = 1e-9

#: targets of largest utility loss that the compiled challenge kernel evaluates first
_FIRST_TARGETS = 32

#: options from which an election of the resolution runs on the blocked coalition kernel
#: (parallel over its options) rather than on one thread of the kernel over the movers
_WIDE_ELECTION = 32

#: elements of the largest temporary array a chunked NumPy kernel builds
_CHUNK_ELEMENTS = 2_000_000

#: whether the compiled (numba) kernels exist (numba importable, ``DETENTE_NO_NUMBA``
#: unset); set at the end of the module. :func:`compiled_on` says whether they are used.
HAVE_NUMBA = False  # set below, once the compiled kernels are defined


def compiled_on() -> bool:
    """Whether the compiled kernels run now: they exist and the setting
    :func:`detente.models.compiled_kernels` is on."""
    return HAVE_NUMBA and _compiled.compiled_kernels_enabled()


# ----------------------------------------------------------------------------- basics
def distances(x: np.ndarray, s: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    """(3.1) ``d[i, j]``: distance from ``x[i]`` to ``y[j]`` weighted by ``s[i]``.

    ``x`` and ``s`` are ``(N, D)``; ``y`` is ``(M, D)`` (default ``x``). Rows whose
    saliences are all zero give distance 0 (KTAB asserts they do not occur). With the
    compiled kernels a compiled loop gives the same numbers (NumPy's pairwise summation
    over the dimensions reproduced), vectorised over the ``y`` and without ``(N, M, D)``
    temporaries: O(N M D) time, O(N M) memory.
    """
    y = x if y is None else y
    if compiled_on() and x.ndim == 2 and x.shape[0] * y.shape[0] >= 4096:
        return _NB_ASSESS[5](
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(s, dtype=np.float64),
            np.ascontiguousarray(np.asarray(y, dtype=np.float64).T),
        )
    s2 = (s * s).sum(axis=-1)
    out = np.empty((x.shape[0], y.shape[0]))
    step = max(1, _CHUNK_ELEMENTS // max(1, y.shape[0] * x.shape[1]))
    for a in range(0, x.shape[0], step):
        b = min(x.shape[0], a + step)
        ds = (x[a:b, None, :] - y[None, :, :]) * s[a:b, None, :]
        out[a:b] = (ds * ds).sum(axis=-1)
    safe = np.where(s2 > 0, s2, 1.0)
    out /= safe[:, None]
    out[s2 <= 0] = 0.0
    return np.sqrt(out)


def bs_util(d: np.ndarray, r: np.ndarray | float) -> np.ndarray:
    """(3.2) ``u = (1 - d)(1 + d R)``; for ``d > 1`` (round-off) ``(1 - d)(1 + R)``.

    For a 2-D ``d`` and one ``R`` per row (``(N, 1)``) the compiled kernels compute the same
    numbers in one parallel pass without NumPy's temporaries (O(N M) time and memory)."""
    if (
        compiled_on()
        and isinstance(d, np.ndarray)
        and d.ndim == 2
        and d.size >= 4096
        and isinstance(r, np.ndarray)
        and r.shape == (d.shape[0], 1)
    ):
        return _NB_ASSESS[0](
            np.ascontiguousarray(d, dtype=np.float64),
            np.ascontiguousarray(r[:, 0], dtype=np.float64),
        )
    return np.where(d <= 1.0, (1.0 - d) * (1.0 + d * r), (1.0 - d) * (1.0 + r))


def vote(rule: str, w: np.ndarray | float, u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """(3.3) The vote of an actor of weight ``w`` for option 1 over option 2."""
    du = u1 - u2
    if rule == "proportional":
        return w * du
    if rule == "cubic":
        return w * du * du * du
    if rule == "propcbc":
        return w * (0.5 * du + 0.5 * du * du * du)
    if rule == "asymprosp":
        return np.where(du < 0.0, w * du, np.where(du > 0.0, (2.0 * w * du) / 3.0, 0.0))
    rbin = np.clip(du / BINARY_VOTE_TOL, -1.0, 1.0)
    if rule == "binary":
        return w * rbin
    if rule == "propbin":
        return w * (0.8 * du + 0.2 * rbin)
    raise ValueError(f"unknown voting rule {rule!r}")


def victory_prob(model: str, c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """(3.4) P(1 beats 2) from the coalition strengths ``c1`` (for 1) and ``c2``."""
    if model == "linear":
        x1, x2 = c1, c2
    elif model == "square":
        x1, x2 = c1**2, c2**2
    elif model == "quartic":
        x1, x2 = c1**4, c2**4
    elif model == "octic":
        x1, x2 = c1**8, c2**8
    elif model == "binary":
        t = BINARY_VP_THRESHOLD
        r12 = c1 / (c1 + c2)
        p12 = (r12 * (t + 1.0) - 1.0) / (t - 1.0)
        x1 = np.where(c1 >= t * c2, 1.0, np.where(c2 >= t * c1, BINARY_VP_MIN, p12))
        x2 = np.where(c1 >= t * c2, BINARY_VP_MIN, np.where(c2 >= t * c1, 1.0, 1.0 - p12))
    else:
        raise ValueError(f"unknown victory-probability model {model!r}")
    return x1 / (x1 + x2)


# ----------------------------------------------------------------------------- PCE
def coalitions(rule: str, w: np.ndarray, u: np.ndarray) -> np.ndarray:
    """(3.4) Coalition strengths ``C[..., a, b]`` for option a against option b.

    ``w`` is ``(..., K)`` voter weights, ``u`` is ``(..., K, M)`` utilities of the options
    to the voters. As in KTAB, the vote of k on the pair (a, b) with a > b is computed as
    ``v_k(a:b)``; its positive part goes to C(a:b), its negative part to C(b:a) (this
    matters only for the asymmetric rule ``asymprosp``). Diagonal: ``1e-8``.
    """
    w = np.asarray(w, dtype=float)
    u = np.asarray(u, dtype=float)
    lead = np.broadcast_shapes(w.shape[:-1], u.shape[:-2])
    k, m = u.shape[-2], u.shape[-1]
    if compiled_on() and not lead and k * m * m > 4096:
        uc = np.ascontiguousarray(u, dtype=np.float64)
        return _NB[0](np.int64(_RULE_CODE[rule]), np.array(w, dtype=np.float64), uc)
    if compiled_on() and len(lead) == 1 and w.ndim == 1 and lead[0] * k * m * m > 4096:
        # many small problems with the same voters (the resolution's elections)
        uc = np.ascontiguousarray(np.broadcast_to(u, (*lead, k, m)), dtype=np.float64)
        return _NB_MANY[0](np.int64(_RULE_CODE[rule]), np.array(w, dtype=np.float64), uc)
    size = int(np.prod(lead)) if lead else 1
    w = np.broadcast_to(w, (*lead, k)).reshape(size, k)
    u = np.broadcast_to(u, (*lead, k, m)).reshape(size, k, m)
    pos = np.empty((size, m, m))
    neg = np.empty((size, m, m))
    # blocks of problems and of options so that no temporary exceeds _CHUNK_ELEMENTS
    per_problem = k * m * m
    block = max(1, _CHUNK_ELEMENTS // max(1, per_problem))
    step = m if block > 1 else max(1, _CHUNK_ELEMENTS // max(1, k * m))
    for p0 in range(0, size, block):
        p1 = min(size, p0 + block)
        wk = w[p0:p1, None, :, None]  # (P, 1, K, 1)
        ub = u[p0:p1, None, :, :]  # (P, 1, K, M)
        for a in range(0, m, step):
            b = min(m, a + step)
            ua = np.swapaxes(u[p0:p1, :, a:b], -1, -2)[..., None]  # (P, c, K, 1)
            v = vote(rule, wk, ua, ub)  # v[p, a', k, b'] = vote of k for a' over b'
            pos[p0:p1, a:b, :] = np.maximum(v, 0.0).sum(axis=-2)
            neg[p0:p1, a:b, :] = np.maximum(-v, 0.0).sum(axis=-2)
    pos = pos.reshape(*lead, m, m)
    neg = neg.reshape(*lead, m, m)
    lower = np.tril(np.ones((m, m), dtype=bool), -1)
    c = np.where(lower, pos, np.swapaxes(neg, -1, -2)) + MIN_COALITION
    idx = np.arange(m)
    c[..., idx, idx] = MIN_COALITION
    return c


def line_coalitions(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(3.4) Coalition strengths on one dimension for proportional votes and risk-neutral
    linear utility ``u_k(m) = 1 - |x_k - x_m|``, in O(A log A + A²) time and O(A²) memory
    instead of O(A³).

    ``C(m:l) = 1e-8 + Σ_k w_k max(0, |x_k - x_l| - |x_k - x_m|)``. For ``x_m < x_l`` with
    midpoint ``h`` and gap ``g``, a voter at or below ``x_m`` contributes ``w_k g``, one
    strictly between ``x_m`` and ``h`` contributes ``2 w_k (h - x_k)`` and one at or above
    ``h`` nothing; mirrored for ``x_m > x_l``. The range sums come from prefix sums of ``w``
    and ``w x`` over the sorted positions (each row's midpoints ascend, so one pointer per
    row finds them). Equal to :func:`coalitions` up to rounding (about 1e-16 of the total
    weight). Diagonal ``1e-8``. ``x`` and ``w`` are ``(A,)``.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    order = np.argsort(x, kind="stable")
    xs = np.ascontiguousarray(x[order])
    ws = np.asarray(w, dtype=np.float64)[order]
    cw = np.concatenate([[0.0], np.cumsum(ws)])
    cxw = np.concatenate([[0.0], np.cumsum(ws * xs)])
    le = np.searchsorted(xs, xs, side="right").astype(np.int64)  # voters at or below
    lt = np.searchsorted(xs, xs, side="left").astype(np.int64)  # voters strictly below
    kernel = _NB_LINE[0] if compiled_on() else _line_sorted_numpy
    cs = kernel(xs, cw, cxw, le, lt)
    inv = np.empty(n, dtype=np.intp)
    inv[order] = np.arange(n)
    c = cs[np.ix_(inv, inv)]
    c += MIN_COALITION
    return c


def _line_sorted_numpy(
    xs: np.ndarray, cw: np.ndarray, cxw: np.ndarray, le: np.ndarray, lt: np.ndarray
) -> np.ndarray:
    """:func:`line_coalitions` on sorted positions without the 1e-8 (NumPy reference of
    the compiled kernel; same arithmetic, same results)."""
    n = xs.shape[0]
    total = cw[-1]
    lo = xs[:, None]  # row: the lower position (sorted index i); column: the upper, l > i
    hi = xs[None, :]
    g = hi - lo
    mid = 0.5 * (lo + hi)
    flat = mid.ravel()  # ascending within each row, which keeps searchsorted fast
    pm = np.searchsorted(xs, flat, side="left").reshape(n, n)  # voters below the midpoint
    pu = np.searchsorted(xs, flat, side="right").reshape(n, n)  # at or below it
    a = le[:, None]
    f_lo = g * cw[a] + 2.0 * (mid * (cw[pm] - cw[a]) - (cxw[pm] - cxw[a]))
    b = lt[None, :]
    f_hi = g * (total - cw[b]) + 2.0 * ((cxw[b] - cxw[pu]) - mid * (cw[b] - cw[pu]))
    upper = np.triu(np.ones((n, n), dtype=bool), 1) & (g > 0)
    cs = np.where(upper, np.maximum(f_lo, 0.0), 0.0)
    cs += np.where(upper, np.maximum(f_hi, 0.0), 0.0).T
    return cs


def pce(
    model: str,
    victory: str,
    c: np.ndarray,
    options: np.ndarray | None = None,
    *,
    max_iter: int = 1000,
) -> np.ndarray:
    """(3.5) Probability that each option wins, from coalition strengths ``c[..., M, M]``.

    ``options`` (``(..., M)`` bool) marks the options that take part; the others get
    probability 0 and are ignored (used for duplicate positions). ``conditional``:
    ``p_a ∝ Π_b P(a>b)`` (KTAB condPCE, including ``P(a>a) = 1/2``); ``markov_uniform``
    and ``markov_incentive``: KTAB's fixed-point iterations with half steps.
    """
    m = c.shape[-1]
    if options is None:
        options = np.ones(c.shape[:-1], dtype=bool)
    opt = np.broadcast_to(options, c.shape[:-1])
    optf = opt.astype(float)
    idx = np.arange(m)
    if model == "conditional" and victory == "linear" and c.ndim == 2 and m >= 64 and compiled_on():
        # one election of many options (the assessment's): the same numbers from compiled
        # passes (the transposed sum in cache-sized tiles, the masked row sums pairwise),
        # NumPy's log in between
        pv = _NB_ASSESS[1](np.ascontiguousarray(c, dtype=np.float64))
        np.log(pv, out=pv)
        logp = _NB_ASSESS[2](pv, np.ascontiguousarray(optf))
        logp = np.where(opt, logp, -np.inf)
        top = logp.max(axis=-1, keepdims=True)
        p = np.exp(logp - top)
        return p / p.sum(axis=-1, keepdims=True)
    ct = np.swapaxes(c, -1, -2)
    pv = victory_prob(victory, c, ct)
    pv[..., idx, idx] = 0.5
    if model == "conditional":
        logp = (np.log(pv) * optf[..., None, :]).sum(axis=-1)
        logp = np.where(opt, logp, -np.inf)
        top = logp.max(axis=-1, keepdims=True)
        p = np.exp(logp - top)
        return p / p.sum(axis=-1, keepdims=True)
    n = optf.sum(axis=-1, keepdims=True)
    p = optf / n
    if model == "markov_uniform":
        tol = 1e-6
        for _ in range(max_iter):
            q = (pv * (p[..., :, None] + p[..., None, :]) * optf[..., None, :]).sum(-1) / n
            q = q * optf
            change = np.abs(q - p).max()
            p = 0.5 * (p + q)
            if change <= tol:
                break
        return p / p.sum(axis=-1, keepdims=True)
    if model == "markov_incentive":
        tol = 1e-8
        both = optf[..., :, None] * optf[..., None, :]
        inctv = c * pv * both
        inctv[..., idx, idx] += 1e-10 * optf
        colsum = inctv.sum(axis=-2, keepdims=True)
        chlg = inctv / np.where(colsum > 0, colsum, 1.0)  # chlg[i, j] = P(i challenges j)
        for _ in range(max_iter):
            ctm = p[..., :, None] * np.swapaxes(chlg, -1, -2)  # ct[i, j] = p_i chlg[j, i]
            q = (pv * (ctm + np.swapaxes(ctm, -1, -2))).sum(-1) * optf
            change = np.abs(q - p).max()
            p = 0.5 * (p + q)
            if change <= tol:
                break
        return p / p.sum(axis=-1, keepdims=True)
    raise ValueError(f"unknown PCE model {model!r}")


def scalar_pce(
    w: np.ndarray,
    u: np.ndarray,
    *,
    rule: str = "proportional",
    victory: str = "linear",
    model: str = "conditional",
    options: np.ndarray | None = None,
) -> np.ndarray:
    """KTAB ``Model::scalarPCE``: coalitions of voters ``w`` over options with utilities
    ``u[..., K, M]``, then the PCE; returns ``(..., M)`` probabilities."""
    return pce(model, victory, coalitions(rule, w, u), options)


def unique_positions(
    x: np.ndarray,
    tol: float = POS_TOL,
    candidates: np.ndarray | None = None,
    *,
    canonical: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """KTAB's unique positions (``ueIndices`` with ``equivNdx``).

    ``x`` is ``(..., N, D)``. Returns ``unique`` (``(..., N)`` bool: first appearance of a
    position not within ``tol`` (Euclidean) of an earlier unique one) and ``owner``
    (``(..., N)`` int: for each actor, the last unique position within ``tol`` of its own,
    as KTAB's ``posProb`` looks it up). Only ``candidates`` (``(..., N)`` bool, default
    all) can be unique positions; an actor that is not a candidate and near none of them
    owns itself.

    KTAB's grouping depends on the order of the actors when distinct positions lie within
    ``tol`` of each other. ``canonical=True`` groups instead by connected components of
    the "within tol" relation and represents each by its lexicographically smallest
    position, which no reordering of the actors changes (2-D ``x`` only).
    """
    n = x.shape[-2]
    if x.ndim == 2 and compiled_on() and n * n >= 4096:
        # compiled, NumPy's summation order over the dimensions: the same booleans, each
        # pair evaluated once (the relation is symmetric to the bit); then KTAB's scan in
        # order compiled too. O(N² D / 2) time, O(N²) memory (booleans).
        xc = np.ascontiguousarray(x, dtype=np.float64)
        eq = _NB_ASSESS[3](xc, np.ascontiguousarray(xc.T), np.ones_like(xc), float(tol))
        if not canonical:
            cand = np.ones(n, dtype=bool) if candidates is None else candidates
            cand = np.ascontiguousarray(np.broadcast_to(cand, (n,)), dtype=np.bool_)
            unique, owner = _NB_ASSESS[4](eq, cand)
            return unique, owner.astype(int)
    elif x.ndim == 2:  # in blocks of rows: never an (N, N, D) temporary
        eq = np.empty((n, n), dtype=bool)
        step = max(1, _CHUNK_ELEMENTS // max(1, n * x.shape[1]))
        for a in range(0, n, step):
            b = min(n, a + step)
            diff = x[a:b, None, :] - x[None, :, :]
            eq[a:b] = np.sqrt((diff * diff).sum(-1)) < tol
    else:
        diff = x[..., :, None, :] - x[..., None, :, :]
        eq = np.sqrt((diff * diff).sum(-1)) < tol
    cand = np.ones(x.shape[:-1], dtype=bool) if candidates is None else candidates
    cand = np.broadcast_to(cand, x.shape[:-1])
    if canonical:
        return _canonical_groups(x, eq & cand[:, None] & cand[None, :], cand)
    unique = np.zeros(x.shape[:-1], dtype=bool)
    for i in range(n):
        unique[..., i] = cand[..., i] & ~np.any(eq[..., i, :i] & unique[..., :i], axis=-1)
    near = eq & unique[..., None, :]
    last = n - 1 - np.argmax(near[..., ::-1], axis=-1)
    owner = np.where(near.any(axis=-1), last, np.arange(n))
    return unique, owner


def _canonical_groups(
    x: np.ndarray, eq: np.ndarray, cand: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = x.shape[0]
    # rank of every position in lexicographic order (identical positions share a rank)
    order = np.lexsort(x.T[::-1])
    xs = x[order]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(xs[1:] != xs[:-1], axis=1)
    rank = np.empty(n, dtype=int)
    rank[order] = np.cumsum(new) - 1
    # smallest rank reachable through "within tol": connected components
    label = np.where(cand, rank, n + np.arange(n))
    while True:
        nxt = np.where(eq, label[None, :], n + n).min(axis=1)
        nxt = np.minimum(nxt, label)
        if np.array_equal(nxt, label):
            break
        label = nxt
    # representative: the lowest-index actor holding the component's smallest position
    rep = np.full(n, -1)
    for i in np.flatnonzero(cand)[::-1]:
        if rank[i] == label[i]:
            rep[label[i]] = i
    owner = np.where(cand, rep[np.minimum(label, n - 1)], np.arange(n))
    unique = np.zeros(n, dtype=bool)
    unique[owner[cand]] = True
    return unique, owner


# ----------------------------------------------------------------------------- risk
def big_r(p: np.ndarray, rng: str, mask: np.ndarray | None = None) -> np.ndarray:
    """(3.6) Risk attitude from win probabilities (KTAB ``bigRfromProb``); the range is
    taken over the entries where ``mask`` (default all) holds."""
    if mask is None:
        pmin, pmax = p.min(axis=-1, keepdims=True), p.max(axis=-1, keepdims=True)
    else:
        pmin = np.where(mask, p, np.inf).min(axis=-1, keepdims=True)
        pmax = np.where(mask, p, -np.inf).max(axis=-1, keepdims=True)
        pmin, pmax = np.where(np.isfinite(pmin), pmin, 0.0), np.where(np.isfinite(pmax), pmax, 0.0)
    span = pmax - pmin
    flat = span <= 0
    span = np.where(flat, 1.0, span)
    if rng == "min":
        r = (p - pmin) / span
    elif rng == "mid":
        r = (3.0 * p - (pmax + 2.0 * pmin)) / (2.0 * span)
    elif rng == "max":
        r = (2.0 * p - (pmax + pmin)) / span
    else:
        raise ValueError(f"unknown risk range {rng!r}")
    return np.where(flat, 0.0, r)


def est_risk(rh: np.ndarray, ri: np.ndarray, adjust: str) -> np.ndarray:
    """(3.6) h's estimate of i's risk attitude (KTAB ``Model::estNRA``)."""
    if adjust == "full":
        return ri + 0.0 * rh
    if adjust == "two_thirds":
        return (rh + (2.0 * ri)) / 3.0
    if adjust == "half":
        return (rh + ri) / 2
    if adjust == "one_third":
        return ((2.0 * rh) + ri) / 3.0
    if adjust == "none":
        return rh + 0.0 * ri
    raise ValueError(f"unknown risk adjustment {adjust!r}")


# ----------------------------------------------------------------------------- options
@dataclass(frozen=True)
class SMPOptions:
    """The SMP's named options, with KTAB's defaults."""

    voting_rule: str = "proportional"
    victory: str = "linear"
    pce: str = "conditional"
    risk_range: str = "mid"
    risk_adjust: str = "one_third"
    third_party: str = "semi"
    bargain: str = "s2p2"
    max_turns: int = 100
    min_turns: int = 2
    stop_ratio: float = 0.02
    min_sig_delta: float = 1e-4


@dataclass
class TurnState:
    """What KTAB computes at the start of a turn (``setAllAUtil``) and for ``pDist``."""

    d: np.ndarray  # (N, N) distance from i's position to j's
    risk: np.ndarray  # (N,) R_i
    win: np.ndarray  # (N,) probability that the actor's position wins
    unique: np.ndarray  # (N,) bool


@dataclass
class TurnLog:
    """Challenges and choices of one turn (for the forecast's events)."""

    target: np.ndarray  # (N,) int, -1 where no advantageous target
    prob: np.ndarray  # (N,) initiator's estimate of P(initiator beats target)
    gain: np.ndarray  # (N,) expected gain of the best challenge
    bargain_init: np.ndarray  # (N, D) bargain position proposed to the initiator
    bargain_rcvr: np.ndarray  # (N, D) bargain position proposed to the target
    chosen: np.ndarray  # (N,) int: initiator of the bargain each actor adopted, -1 = SQ
    chosen_prob: np.ndarray  # (N,) PCE probability of the adopted bargain


@dataclass
class SMPRun:
    """Result of :func:`run_smp`."""

    positions: np.ndarray  # (T + 1, N, D)
    win: np.ndarray  # (T + 1, N)
    risk: np.ndarray  # (T + 1, N)
    ratio: np.ndarray  # (T,) stop-rule quantity per turn
    converged: bool
    turns: list[TurnLog] = field(default_factory=list)

    @property
    def n_turns(self) -> int:
        return self.positions.shape[0] - 1


# ----------------------------------------------------------------------------- a turn
def assess(x: np.ndarray, s: np.ndarray, cap: np.ndarray, opt: SMPOptions) -> TurnState:
    """Distances, risk attitudes (3.6) and win probabilities of a state (KTAB
    ``setAllAUtil`` and ``pDist(-1)``)."""
    d = distances(x, s)
    # risk-neutral PCE over every actor's position (no de-duplication), weights = capability
    p_rn = scalar_pce(cap, 1.0 - d, rule=opt.voting_rule, victory=opt.victory, model=opt.pce)
    risk = big_r(p_rn, opt.risk_range)
    p, unique, owner = win_probabilities(x, d, risk, cap, opt)
    return TurnState(d=d, risk=risk, win=p[owner], unique=unique)


def win_probabilities(
    x: np.ndarray,
    d: np.ndarray,
    risk: np.ndarray,
    cap: np.ndarray,
    opt: SMPOptions,
    *,
    canonical: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """KTAB ``pDist(-1)``: PCE over the distinct positions, proportional votes (KTAB
    hard-codes them) weighted by capability, each actor judging with its own risk-aware
    utility. Returns (probability per option, 0 off the representatives), the
    representatives and each actor's representative (see :func:`unique_positions`)."""
    r_self = est_risk(risk, risk, opt.risk_adjust)
    u_self = bs_util(d, r_self[:, None])
    unique, owner = unique_positions(x, canonical=canonical)
    p = scalar_pce(
        cap, u_self, rule="proportional", victory=opt.victory, model=opt.pce, options=unique
    )
    return p, unique, owner


def challenges(
    d: np.ndarray,
    risk: np.ndarray,
    s_tot: np.ndarray,
    cap: np.ndarray,
    opt: SMPOptions,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(3.7) Each actor's best challenge, judged from its own perspective.

    For every initiator i and target j (h = k = i in KTAB's ``probEduChlg``): principal
    contributions with weights ``s c`` (s = total salience), third parties' "little
    conflict" probabilities and committed votes, ``P = C_ij / (C_ij + C_ji)``,
    ``EU = (1 - s_j) 2u_ii + s_j (P 2u_ii + (1-P) 2u_ij)``, gain ``EU - (u_ii + u_ij)``.
    Returns (target or -1, P, gain); a target needs a gain above 1e-5; among targets whose
    gains lie within ``GAIN_RTOL`` (relative) of the best, the lowest index wins (KTAB's
    ``bestChallenge`` takes the lowest index among exact ties).

    Time O(N³) (every initiator, target and third party), memory O(N²). The compiled
    kernel evaluates only the targets that can win (see ``_best_for``: batches in order of
    the bound on the gain, the best found raised after each), which on typical inputs is a
    small share of them; the initiators for which more than a quarter of the targets stay
    in reach (a fifth of them in the first turn of a random 2,000 x 50 run, nearly all
    later) are screened 16 at a time in single precision with a rigorous bound on its
    error (``_screen_block``), and only the targets the screen cannot rule out are
    evaluated exactly; so the choices, probabilities and gains are those of evaluating
    every target. The NumPy path evaluates all, in chunks.
    """
    n = d.shape[0]
    w = s_tot * cap
    # |gain| <= |u_ii - u_ij| * max(1, 2 s_j - 1) bounds what a target can gain
    s_max = float(np.max(s_tot)) if n else 0.0
    bounded = bool(np.all(s_tot >= 0.0)) and s_max <= 2.0
    if compiled_on() and bounded:
        rest = np.ascontiguousarray(est_risk(risk[:, None], risk[None, :], opt.risk_adjust))
        rule, tp = np.int64(_RULE_CODE[opt.voting_rule]), np.int64(_TP_CODE[opt.third_party])
        simple = opt.voting_rule == "proportional" and opt.third_party == "semi"
        target, p_best, g_best, _ = _NB[1](
            rule,
            tp,
            simple,
            np.ascontiguousarray(d, dtype=np.float64),
            rest.astype(np.float64),
            np.array(w, dtype=np.float64),
            np.array(s_tot, dtype=np.float64),
            GAIN_RTOL,
            MIN_SIG_EDU,
            np.int64(_FIRST_TARGETS),
            max(1.0, 2.0 * s_max - 1.0),
        )
        return target.astype(int), p_best, g_best
    prob, gain = _challenges_numpy(d, risk, s_tot, w, opt)
    return best_targets(prob, gain)


def best_targets(prob: np.ndarray, gain: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's best challenge from full ``(N, N)`` matrices: the lowest index among the
    targets whose gain exceeds ``MIN_SIG_EDU`` and lies within ``GAIN_RTOL`` (relative) of
    the row's best (KTAB's ``bestChallenge`` takes the exact maximum, lowest index first;
    the tolerance makes the choice independent of rounding). -1 where none qualifies."""
    n = gain.shape[0]
    eye = np.eye(n, dtype=bool)
    g = np.where(eye | ~(gain > MIN_SIG_EDU), -np.inf, gain)
    gmax = g.max(axis=1) if n > 1 else np.full(n, -np.inf)
    ok = np.isfinite(gmax)
    lim = gmax - GAIN_RTOL * np.abs(np.where(ok, gmax, 0.0))
    tied = np.isfinite(g) & (g >= lim[:, None])
    target = np.where(ok, np.argmax(tied, axis=1), -1) if n > 1 else np.full(n, -1)
    sel = np.where(ok, target, 0)
    p_best = np.where(ok, prob[np.arange(n), sel], 0.0)
    g_best = np.where(ok, gain[np.arange(n), sel], -1.0)
    return target, p_best, g_best


def _third_party_utils(tp: str, uni, unj, unn):
    if tp == "semi":
        return (2 * uni + unn, 3 * unj, 3 * uni, 2 * unj + unn)
    if tp == "full":
        return (3 * uni, 3 * unj, 3 * uni, 3 * unj)
    if tp == "none":
        return (2 * uni + unn, 2 * unj + unn, 2 * uni + unn, 2 * unj + unn)
    raise ValueError(f"unknown third-party commitment {tp!r}")


def _challenges_numpy(
    d: np.ndarray, risk: np.ndarray, s_tot: np.ndarray, w: np.ndarray, opt: SMPOptions
) -> tuple[np.ndarray, np.ndarray]:
    n = d.shape[0]
    rule = opt.voting_rule
    prob = np.zeros((n, n))
    gain = np.zeros((n, n))
    one_d = 1.0 - d
    step = max(1, _CHUNK_ELEMENTS // max(1, n * n))
    ar = np.arange(n)
    for a in range(0, n, step):
        b = min(n, a + step)
        hs = np.arange(a, b)
        c = b - a
        rest = est_risk(risk[hs, None], risk[None, :], opt.risk_adjust)  # (c, N): r^h_n
        # u[c, n, j] = h's estimate of the utility to n of j's position
        u = np.where(
            d[None] <= 1.0,
            one_d[None] * (1.0 + d[None] * rest[:, :, None]),
            one_d[None] * (1.0 + rest[:, :, None]),
        )
        uii = u[np.arange(c), hs, hs][:, None]  # (c, 1)
        uij = u[np.arange(c), hs, :]  # (c, N_j)
        uji = u[np.arange(c), :, hs]  # (c, N_j)  (= u_ni as a function of n)
        ujj = u[:, ar, ar]  # (c, N)
        ci = vote(rule, (w[hs])[:, None], uii, uij)  # contribution of i to (i:j)
        cj = vote(rule, w[None, :], uji, ujj)  # contribution of j to (i:j)
        chij = MIN_CONTEST + np.maximum(ci, 0.0) + np.maximum(cj, 0.0)
        chji = MIN_CONTEST - np.minimum(ci, 0.0) - np.minimum(cj, 0.0)
        # third parties n: axis order (c, j, n)
        uni = uji[:, None, :]
        unj = np.swapaxes(u, 1, 2)
        unn = ujj[:, None, :]
        v0 = vote(rule, w[None, None, :], uni, unj)
        cni = chij[:, :, None] + np.maximum(v0, 0.0)
        cnj = chji[:, :, None] - np.minimum(v0, 0.0)
        pin = cni / (cni + cnj)
        pjn = 1.0 - pin
        ikj, jik, ijk, jki = _third_party_utils(opt.third_party, uni, unj, unn)
        u1 = pin * ikj + pjn * jik
        u2 = pin * ijk + pjn * jki
        vn = vote(rule, w[None, None, :], u1, u2)
        tp = np.ones((c, n, n), dtype=bool)
        tp[np.arange(c), :, hs] = False  # n == i
        tp[:, ar, ar] = False  # n == j
        vn = np.where(tp, vn, 0.0)
        cij = chij + np.maximum(vn, 0.0).sum(-1)
        cji = chji - np.minimum(vn, 0.0).sum(-1)
        p = cij / (cij + cji)
        sj = s_tot[None, :]
        eu = (1.0 - sj) * (uii + uii) + sj * (p * (uii + uii) + (1.0 - p) * (uij + uij))
        prob[a:b] = p
        gain[a:b] = eu - (uii + uij)
    return prob, gain


def _round4(x: np.ndarray) -> np.ndarray:
    return np.trunc(0.5 + x * 10000.0) / 10000.0


def bargains(
    x: np.ndarray, s: np.ndarray, target: np.ndarray, prob: np.ndarray, kind: str
) -> tuple[np.ndarray, np.ndarray]:
    """(3.8) Interpolated bargain from the initiator's perspective (``InitOnlyInterp``).

    Returns the positions proposed to the initiators and to their targets, ``(N, D)``
    each (rows of actors without a target are their own positions).
    """
    has = target >= 0
    j = np.where(has, target, np.arange(x.shape[0]))
    ti, si, tj, sj = x, s, x[j], s[j]
    pi, pj = prob[:, None], 1.0 - prob[:, None]
    if kind in ("s1p1", "s2p2"):
        e = 1 if kind == "s1p1" else 2
        wi = si**e * pi**e
        wj = sj**e * pj**e
        den = wi + MIN_BARGAIN_W + wj
        bi = _round4(((wi + MIN_BARGAIN_W) * ti + wj * tj) / den)
        bj = _round4((wi * ti + (MIN_BARGAIN_W + wj) * tj) / den)
    elif kind == "s2pmax":
        di = np.maximum(pj - pi, 0.0)
        dj = np.maximum(pi - pj, 0.0)
        si2, sj2 = si * si, sj * sj
        dik = (di * sj2) / ((di * sj2) + MIN_BARGAIN_W + ((1 - di) * si2))
        djk = (dj * si2) / ((dj * si2) + MIN_BARGAIN_W + ((1 - dj) * sj2))
        bi = ti + dik * (tj - ti)
        bj = tj + djk * (ti - tj)
    else:
        raise ValueError(f"unknown bargain interpolation {kind!r}")
    bi = np.where(has[:, None], bi, x)
    bj = np.where(has[:, None], bj, x[j])
    return bi, bj


def resolve(
    x: np.ndarray,
    s: np.ndarray,
    cap: np.ndarray,
    d: np.ndarray,
    risk: np.ndarray,
    target: np.ndarray,
    bi: np.ndarray,
    bj: np.ndarray,
    opt: SMPOptions,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(3.9) Every actor picks among its bargains (status quo first, then the bargains it
    initiated or received, in order of initiator) by a PCE with weights = capability over
    everybody's utility of the state after the bargain (mean utility of all N positions
    with the two bargain positions substituted); deterministic transition = most
    probable bargain (the first of those within ``PROB_RTOL`` of it). Returns new
    positions, the initiator of the chosen bargain (-1 for the status quo) and its
    probability.

    Time O(N (N + B D) + Σ_k N M_k²) for B bargains and M_k options of actor k; memory
    O(N B) for the utilities of the bargains. With the compiled kernels
    (:mod:`._smp_resolve_numba`) the utilities come from one fused pass, option-major,
    and each actor's coalitions straight from them (no ``(actors, voters, options)``
    gather): the same numbers as the NumPy expressions with compiled coalitions (votes
    summed in voter order), equal up to rounding to the NumPy-only path (pairwise sums).
    """
    n = x.shape[0]
    r_self = est_risk(risk, risk, opt.risk_adjust)
    inits = np.flatnonzero(target >= 0)
    rcvrs = target[inits]
    new = x.copy()
    chosen = np.full(n, -1)
    chosen_p = np.ones(n)
    if inits.size == 0:
        return new, chosen, chosen_p
    fast = compiled_on() and _NB_RESOLVE is not None
    # utility to every actor a of bargain m: (Σ_n u_a(x_n) - u_a(x_I) - u_a(x_R)
    #                                          + u_a(b_I) + u_a(b_R)) / N
    if fast:  # option-major: gt[m, a] = g[a, m]
        gt = _NB_RESOLVE[0](
            np.ascontiguousarray(x, dtype=np.float64),
            np.ascontiguousarray(s, dtype=np.float64),
            np.ascontiguousarray(d, dtype=np.float64),
            np.ascontiguousarray(r_self, dtype=np.float64),
            np.ascontiguousarray(risk, dtype=np.float64),
            inits.astype(np.int64),
            rcvrs.astype(np.int64),
            np.ascontiguousarray(bi[inits].T, dtype=np.float64),
            np.ascontiguousarray(bj[inits].T, dtype=np.float64),
        )
        w = np.array(cap, dtype=np.float64)
    else:
        u_state = bs_util(d, r_self[:, None])  # u_a(x_n)
        total = u_state.sum(axis=1)
        ui = bs_util(distances(x, s, bi[inits]), risk[:, None])
        ur = bs_util(distances(x, s, bj[inits]), risk[:, None])
        g = np.empty((n, inits.size + 1))
        g[:, 0] = total / n
        g[:, 1:] = (total[:, None] - u_state[:, inits] - u_state[:, rcvrs] + ui + ur) / n
    # every actor's bargains, in initiator order: (actor, bargain) pairs sorted, and each
    # pair's slot among its actor's options (0 is the status quo); O(B log B)
    actor = np.concatenate([inits, rcvrs])
    bargain = np.concatenate([np.arange(inits.size), np.arange(inits.size)])
    order = np.lexsort((bargain, actor))
    actor, bargain = actor[order], bargain[order]
    count = np.bincount(actor, minlength=n)
    slot = np.arange(actor.size) - (np.cumsum(count) - count)[actor] + 1
    movers = np.flatnonzero(count > 0)
    n_opt = count[movers] + 1
    # actors with similar numbers of bargains are solved together, padded to the bucket's
    # width with masked-out options (power-of-two buckets bound the padding)
    bucket = np.ceil(np.log2(n_opt)).astype(int)
    kw = {"rule": opt.voting_rule, "victory": opt.victory, "model": opt.pce}
    row_of = np.full(n, -1)
    for b in np.unique(bucket):
        ks = movers[bucket == b]
        width = int(n_opt[bucket == b].max())
        row_of[ks] = np.arange(ks.size)
        sel = np.flatnonzero(row_of[actor] >= 0)
        rows = row_of[actor[sel]]
        row_of[ks] = -1
        cols = np.zeros((ks.size, width), dtype=int)  # column 0 = status quo
        cols[rows, slot[sel]] = 1 + bargain[sel]
        mask = np.zeros((ks.size, width), dtype=bool)
        mask[:, 0] = True
        mask[rows, slot[sel]] = True
        if fast:
            c = _mover_coalitions(opt.voting_rule, w, gt, cols, count[ks] + 1)
            if ks.size == 1:
                p = pce(opt.pce, opt.victory, c[0], mask[0])[None]
            else:
                p = pce(opt.pce, opt.victory, c, mask)
        else:
            u = np.moveaxis(g[:, cols], 0, 1)  # (actors k, voters, options)
            if ks.size == 1:
                p = scalar_pce(cap, u[0], options=mask[0], **kw)[None]
            else:
                p = scalar_pce(cap, u, options=mask, **kw)
        # the most probable bargain; within PROB_RTOL of it, the first in order
        top = p.max(axis=1, keepdims=True)
        m = np.argmax(p >= top - PROB_RTOL * np.abs(top), axis=1)
        chosen_p[ks] = p[np.arange(ks.size), m]
        picked = m > 0
        kk = ks[picked]
        which = inits[cols[picked.nonzero()[0], m[picked]] - 1]
        chosen[kk] = which
        new[kk] = np.where((which == kk)[:, None], bi[which], bj[which])
    return new, chosen, chosen_p


def _mover_coalitions(
    rule: str, w: np.ndarray, gt: np.ndarray, cols: np.ndarray, nopt: np.ndarray
) -> np.ndarray:
    """(3.4) Coalitions of the elections of one bucket of :func:`resolve` (compiled
    kernels only): mover p votes over the options ``cols[p, :nopt[p]]`` (rows of the
    option-major utilities ``gt``); its slots up to the bucket's width ``W`` repeat the
    status quo, as in the NumPy path. Returns ``(P, W, W)``.

    Narrow buckets go to one parallel kernel over the movers (no gather); a wide election
    (``W >= _WIDE_ELECTION``: an actor many initiators target) gathers its ``(N, M)``
    utilities and runs the blocked coalition kernel, parallel over its options. Both sum
    every coalition's votes in voter order from 1e-8, so the numbers are the same. The
    padded slots copy the status quo's sums (the voting rules other than ``asymprosp`` are
    odd in the utility difference, so these are the numbers a padded option gets);
    for ``asymprosp`` they are computed as options. O(Σ_p N M_p²) time.
    """
    p_count, width = cols.shape
    code = np.int64(_RULE_CODE[rule])
    if width < _WIDE_ELECTION:
        return _NB_RESOLVE[1](code, w, gt, cols.astype(np.int64), nopt.astype(np.int64))
    c = np.empty((p_count, width, width))
    slots = np.arange(width)
    for p in range(p_count):
        m = width if rule == "asymprosp" else int(nopt[p])
        u = np.ascontiguousarray(gt[cols[p, :m]].T)  # (voters, options)
        real = np.where(slots < m, slots, 0)
        c[p] = coalitions(rule, w, u)[np.ix_(real, real)]
    return c


def _ratio_share(ratio: float, stop: float) -> float:
    """An estimate of the share of a run done, for progress bars only: the movement ratio
    shrinks roughly geometrically towards ``stop``, so ``log ratio / log stop``."""
    if not (0.0 < stop < 1.0) or not (0.0 < ratio < 1.0):
        return 0.0
    return min(0.99, float(np.log(ratio) / np.log(stop)))


def _state_dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(((a - b) ** 2).sum(axis=-1)).sum())


def run_smp(
    x0: np.ndarray,
    s: np.ndarray,
    cap: np.ndarray,
    opt: SMPOptions | None = None,
    *,
    hold: Any = None,
    max_turns: int | None = None,
) -> SMPRun:
    """Run the SMP from positions ``x0`` (``(N, D)`` on [0, 1]) with saliences ``s``
    (``(N, D)``, rows summing to at most 1) and capabilities ``cap`` (``(N,)``).

    ``hold(turn, old, new) -> new`` may restore positions after each turn's moves
    (linkages). Stops after at least ``min_turns`` turns when the summed movement of the
    turn falls below ``stop_ratio`` times that of the first turn (+1e-4), or at
    ``max_turns`` (KTAB ``smpStopFn``).
    """
    opt = opt or SMPOptions()
    limit = opt.max_turns if max_turns is None else max_turns
    x = np.asarray(x0, dtype=float).copy()
    s = np.asarray(s, dtype=float)
    cap = np.asarray(cap, dtype=float)
    s_tot = s.sum(axis=1)
    hist = [x.copy()]
    wins, risks, ratios, logs = [], [], [], []
    converged = False
    d01 = 0.0
    share = 0.0
    state = assess(x, s, cap, opt)
    for t in range(1, limit + 1):
        wins.append(state.win)
        risks.append(state.risk)
        target, prob, gain = challenges(state.d, state.risk, s_tot, cap, opt)
        bi, bj = bargains(x, s, target, prob, opt.bargain)
        new, chosen, chosen_p = resolve(x, s, cap, state.d, state.risk, target, bi, bj, opt)
        if hold is not None:
            new = hold(t, x, new)
        logs.append(TurnLog(target, prob, gain, bi, bj, chosen, chosen_p))
        dist = _state_dist(new, x)
        if t == 1:
            d01 = dist + opt.min_sig_delta
        ratio = dist / d01
        ratios.append(ratio)
        x = new
        hist.append(x.copy())
        state = assess(x, s, cap, opt)
        if t >= opt.min_turns and ratio < opt.stop_ratio:
            converged = True
            break
        share = max(share, t / limit, _ratio_share(ratio, opt.stop_ratio))
        progress.report(share, f"spatial: turn {t} (movement {ratio:.3f} of the first turn's)")
    wins.append(state.win)
    risks.append(state.risk)
    return SMPRun(
        positions=np.stack(hist),
        win=np.stack(wins),
        risk=np.stack(risks),
        ratio=np.asarray(ratios),
        converged=converged,
        turns=logs,
    )


# ----------------------------------------------------------------------------- numba
_RULE_CODE = {r: k for k, r in enumerate(VOTING_RULES)}
_TP_CODE = {r: k for k, r in enumerate(THIRD_PARTY)}


# the compiled kernels (numba) live in ._smp_numba; these names are read at every call
_NUMBA_OK = _smp_numba.NUMBA_OK
_NB_MANY: Any = _smp_numba.NB_MANY
_NB_LINE: Any = _smp_numba.NB_LINE
_NB: Any = _smp_numba.NB
_NB_RESOLVE: Any = _smp_resolve_numba.NB_RESOLVE
_NB_ASSESS: Any = _smp_resolve_numba.NB_ASSESS
HAVE_NUMBA = _NUMBA_OK


def use_numba(flag: bool) -> bool:
    """Switch every model's compiled kernels on or off (the process-wide setting
    :func:`detente.models.compiled_kernels`); returns the previous state. Switching on
    without numba installed keeps them off."""
    before = compiled_on()
    _compiled.compiled_kernels(flag)
    return before
