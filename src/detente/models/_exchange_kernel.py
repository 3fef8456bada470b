"""Array kernel of the Stokman-Van Oosten exchange model, one round at a time.

The model, its sources and its departures from them are documented in
:mod:`detente.models.exchange`; this module holds the numbers. Positions here are on the
normalised scale 0..100 (decide normalises with the issue's bounds, and its validity rules
are written for that scale).

Layout. A *candidate* is an exchange between two actors on an issue pair: actor ``I``
supplies (moves on) issue ``q`` and demands ``p``; actor ``J`` supplies ``p`` and demands
``q``. The candidates of a round are generated at once from the group pattern (left or right
of the outcome on both issues) and kept in flat arrays of length ``N``. Realisation is
greedy and therefore sequential; after each realised exchange only the candidates that share
one of its four (actor, issue) roles are evaluated again, found through two CSR indices (by
supplied and by demanded (actor, issue)), in one vectorised call on that subset.

The trade of a candidate is described by ``t_p``, the shift of the outcome on ``p`` caused by
``J``'s move, and ``t_q = r t_p`` on ``q`` caused by ``I``'s, where ``r`` is the exchange rate
(equal gain: ``r = (s_Ip + s_Jp) / (s_Iq + s_Jq)``). A mover's move is its shift times the
issue's total weight ``Σ c s`` over its own weight ``c s``.

Scale. Outside compat mode a candidate's trade is computed by a compiled kernel
(:func:`_trade_one`, numba) that performs NumPy's operations one for one, so both give the
same bits (tested); the NumPy code remains for compat mode and runs without numba. A round
with more candidates than the model's ``max_candidates`` is pruned (:func:`pruned_pairs`):
candidates are generated and evaluated one first actor at a time and only each actor pair's
best few are kept; :mod:`detente.models.exchange` explains why that is an approximation.

State decide keeps per exchange object is kept per candidate, vectorised:

* the current supply position of each side (moved by realised exchanges in which the same
  actor supplied the same issue);
* the move history of each side (decide's ``moves`` list): when a realised exchange moves
  the same actor on the same supply issue, the candidate's current move is kept in its
  history; a new move must point the same way as every move in it and the history plus the
  new move may not sum to more than 100;
* the outcome "as seen" by the demanding actor on each issue: decide records, per exchange,
  only the moves of suppliers in realised exchanges where the same actor demanded the same
  issue, and a second record keeps whichever position lies nearer the start. Because every
  candidate of a round exists from its start, that view depends only on (demanding actor,
  issue) and is kept once per pair.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

import numpy as np

from detente.models import _compiled

__all__ = [
    "DecideShadow",
    "RoundResult",
    "candidate_pairs",
    "count_candidates",
    "exchange_round",
    "pruned_pairs",
]

#: moves and gains at or below this are no exchange (decide: 1e-10)
_MIN = 1e-10
#: slack for the 0..100 bounds of a voting position (float rounding of a full move)
_BOUND_TOL = 1e-9
#: an outcome within this of the demanding actor's position has reached it
_CAP_TOL = 1e-9
#: actors within this of the outcome count as on its right (decide compares exactly)
_SIDE_TOL = 1e-9
#: gains within this relative distance of the best are tied (decide: 1e-20 on Decimals)
TIE_RTOL = 1e-12
#: candidates per block when the best gain is searched for
_BLOCK = 256
#: cells of the (actor, actor, issue pair) grid generated at once when pruning
_PRUNE_CELLS = 2_000_000
#: seconds between progress reports within a round
_REPORT_SECONDS = 2.0
#: gains within this relative distance may be ordered differently by decide's Decimals
_NEAR_RTOL = 1e-9


@dataclass
class RoundResult:
    """What one round produced (positions on the normalised 0..100 scale)."""

    voting: np.ndarray  # (A, I) voting positions at the end of the round
    preference: np.ndarray  # (A, I) preference positions for the next round
    n_candidates: int  # actor pairs in groups a-d or b-c, over all issue pairs
    n_valid: int  # of which valid at the start of the round
    ties: int  # selections where the best gain was tied
    actor_i: np.ndarray  # realised exchanges, in order: I supplies issue_i ...
    actor_j: np.ndarray  # ... and J supplies issue_j
    issue_i: np.ndarray
    issue_j: np.ndarray
    from_i: np.ndarray
    to_i: np.ndarray
    from_j: np.ndarray
    to_j: np.ndarray
    gain: np.ndarray  # the equal gain that ranked the exchange
    gain_i: np.ndarray  # I's own gain (differs from ``gain`` in the randomised variant)
    gain_j: np.ndarray
    n_kept: int = -1  # candidates kept by pruning (-1: the round was not pruned)
    kept_per_pair: int = 0  # the best candidates kept per actor pair (pruned rounds)

    @property
    def n_realised(self) -> int:
        return int(self.gain.size)


def candidate_pairs(
    left: np.ndarray, present: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All (issue p, issue q, actor i, actor j) with p < q and i, j in groups a-d or b-c.

    ``left[a, k]``: actor ``a`` lies left of the outcome on issue ``k``. The group of an actor
    on the pair (p, q) is ``left_p + 2 left_q`` (0 = a, 1 = b, 2 = c, 3 = d); only actors
    present on both issues belong to one. Issue pairs come in :func:`itertools.combinations`
    order; within a pair the a-d pairs first, then the b-c pairs, actors in input order.
    """
    n_issues = left.shape[1]
    ps, qs, iis, jjs = [], [], [], []
    for p, q in zip(*np.triu_indices(n_issues, 1), strict=True):  # issue pairs, not actors
        both = present[:, p] & present[:, q]
        g = np.where(both, left[:, p].astype(np.int64) + 2 * left[:, q], -1)
        for gi, gj in ((0, 3), (1, 2)):
            a = np.flatnonzero(g == gi)
            b = np.flatnonzero(g == gj)
            if a.size and b.size:
                iis.append(np.repeat(a, b.size))
                jjs.append(np.tile(b, a.size))
                ps.append(np.full(a.size * b.size, p))
                qs.append(np.full(a.size * b.size, q))
    if not iis:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    return (
        np.concatenate(ps).astype(np.int64),
        np.concatenate(qs).astype(np.int64),
        np.concatenate(iis).astype(np.int64),
        np.concatenate(jjs).astype(np.int64),
    )


_CTX = Context(prec=28)  # decimal's default context, which decide computes in
_WIDE = Context(prec=80)  # exact differences of 28-digit Decimals and floats
_D0 = Decimal(0)
_DMIN = Decimal("1e-10")
_DTIE = Decimal("1e-20")


def _dec(value: float) -> Decimal:
    """The Decimal decide reads from a file: the shortest text of the float."""
    return Decimal(repr(float(value)))


class DecideShadow:
    """decide's Decimal arithmetic, kept beside the float arrays (compat mode only).

    decide computes in :class:`decimal.Decimal` (28 digits) and sorts its list of exchanges
    by exact gain. Gains that are equal in exact arithmetic often differ there in the last
    digit, and that difference, not the list order, then decides which of two "tied"
    exchanges comes first; likewise whether an outcome already sitting at the demander's
    position lets a further move through depends on the last digit. Float64 cannot see these
    digits, so compat mode recomputes, in decide's operation order, exactly the exchanges
    where they matter: the near-tied head of the list, the realised exchanges (whose voting
    positions carry forward), and trades at a reached demander position. Everything else
    stays in float arrays.

    ``order[k]`` lists the actors on issue ``k`` in the order of the input rows (decide sums
    in that order, and Decimal sums depend on it).
    """

    def __init__(
        self,
        position: np.ndarray,
        salience: np.ndarray,
        capability: np.ndarray,
        present: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        order: Sequence[Sequence[int]],
        fixed_weight: float,
        salience_weight: float,
    ) -> None:
        n_a, n_i = position.shape
        self.n_actors, self.n_issues = n_a, n_i
        self.present = present & (salience > 0)  # decide skips rows with salience 0
        self.order = [[a for a in order[k] if self.present[a, k]] for k in range(n_i)]
        self.x: dict[tuple[int, int], Decimal] = {}
        self.s: dict[tuple[int, int], Decimal] = {}
        self.c: dict[tuple[int, int], Decimal] = {}
        for k in range(n_i):
            lo, hi = _dec(low[k]), _dec(high[k])
            step = _CTX.divide(Decimal(100), _CTX.subtract(hi, lo))
            for a in self.order[k]:
                self.x[a, k] = _CTX.multiply(_CTX.subtract(_dec(position[a, k]), lo), step)
                self.s[a, k] = _dec(salience[a, k])
                self.c[a, k] = _dec(capability[a, k])
        self.fw = Decimal(fixed_weight)  # decide: Decimal(0.1) of the float
        self.sw = Decimal(salience_weight)

    # ------------------------------------------------------------------ rounds
    def start_round(self) -> None:
        ctx = _CTX
        self.den: list[Decimal] = []
        self.nbs: list[Decimal] = []
        for k in range(self.n_issues):
            den = _D0
            num = _D0
            for a in self.order[k]:
                den = ctx.add(den, ctx.multiply(self.s[a, k], self.c[a, k]))
                num = ctx.add(
                    num, ctx.multiply(ctx.multiply(self.x[a, k], self.s[a, k]), self.c[a, k])
                )
            self.den.append(den)
            self.nbs.append(ctx.divide(num, den) if den != 0 else _D0)
        self.cur: dict[tuple[int, int], Decimal] = {}
        self.views: dict[tuple[int, int], dict[int, Decimal]] = {}
        self.realised: list[tuple[int, int, Decimal]] = []

    @property
    def left(self) -> np.ndarray:
        out = np.zeros((self.n_actors, self.n_issues), dtype=bool)
        for k in range(self.n_issues):
            for a in self.order[k]:
                out[a, k] = self.x[a, k] < self.nbs[k]
        return out

    def floats(self) -> np.ndarray:
        out = np.zeros((self.n_actors, self.n_issues))
        for (a, k), v in self.x.items():
            out[a, k] = float(v)
        return out

    def finish_round(self) -> None:
        """decide's new preference positions: x + (fw + sw (1 - s)) (y - x), written out as
        decide evaluates it, for every realised move in order."""
        ctx = _CTX
        new = {}
        for a, k, y in self.realised:
            x, s = self.x[a, k], self.s[a, k]
            ls = ctx.subtract(Decimal(1), s)
            swv = ctx.multiply(ctx.multiply(ls, self.sw), y)
            fwv = ctx.multiply(self.fw, y)
            pw = ctx.subtract(ctx.subtract(Decimal(1), ctx.multiply(ls, self.sw)), self.fw)
            new[a, k] = ctx.add(ctx.add(swv, fwv), ctx.multiply(pw, x))
        self.x.update(new)

    # ------------------------------------------------------------------ one exchange
    def pos(self, a: int, k: int) -> Decimal:
        return self.cur.get((a, k), self.x[a, k])

    def _outcome(self, view: dict[int, Decimal], k: int, mover: int, at: Decimal) -> Decimal:
        ctx = _CTX
        tot = _D0
        for a in self.order[k]:
            x = at if a == mover else view.get(a, self.x[a, k])
            tot = ctx.add(tot, ctx.multiply(ctx.multiply(x, self.s[a, k]), self.c[a, k]))
        return ctx.divide(tot, self.den[k]) if self.den[k] != 0 else _D0

    def _to_reach(
        self, view: dict[int, Decimal], k: int, mover: int, at: Decimal, target: Decimal
    ) -> Decimal:
        # the mover's shift that puts the outcome on target (decide's view overrides the
        # mover's own position when the view holds one)
        ctx = _CTX
        nom = _D0
        for a in self.order[k]:
            x = view.get(a, at if a == mover else self.x[a, k])
            nom = ctx.add(nom, ctx.multiply(ctx.multiply(x, self.s[a, k]), self.c[a, k]))
        left = ctx.subtract(ctx.multiply(target, self.den[k]), nom)
        return ctx.divide(left, ctx.multiply(self.s[mover, k], self.c[mover, k]))

    def trade(
        self,
        i: int,
        j: int,
        p: int,
        q: int,
        ok: Callable[[int, float, float], bool],
        hints: tuple[int, int] = (2, 2),
    ) -> tuple[Decimal, Decimal, Decimal, bool]:
        """decide's EqualGainExchange.calculate and check_nbs for I = ``i`` (supplies q)
        and J = ``j`` (supplies p): gain, I's move, J's move, and whether the trade was
        valid before the cut (``ok(side, position, move)`` checks one side's move).

        ``hints[side]`` says what the float arrays found for the cut on that side: 0 none,
        1 a cut, 2 too close to call; only 2 runs decide's crossing test in Decimal."""
        ctx = _CTX
        s, c, x = self.s, self.c, self.x
        xi, xj = self.pos(i, q), self.pos(j, p)  # supply positions
        di, dj = x[i, p], x[j, q]  # demand positions

        def shift(dist: Decimal, a: int, k: int) -> Decimal:
            return ctx.divide(ctx.multiply(ctx.multiply(dist, s[a, k]), c[a, k]), self.den[k])

        def move(t: Decimal, a: int, k: int) -> Decimal:
            return ctx.divide(ctx.multiply(t, self.den[k]), ctx.multiply(c[a, k], s[a, k]))

        def ratio(a: int, b: int, sup: int, dem: int) -> Decimal:
            return ctx.divide(ctx.add(s[a, sup], s[b, sup]), ctx.add(s[a, dem], s[b, dem]))

        dp = shift(abs(ctx.subtract(di, xj)), j, p)
        dq = ctx.multiply(ratio(j, i, p, q), dp)
        mi = move(dq, i, q)
        mj = abs(ctx.subtract(di, xj))
        if abs(mi) > abs(ctx.subtract(dj, xi)):
            dq = shift(abs(ctx.subtract(dj, xi)), i, q)
            dp = ctx.multiply(ratio(i, j, q, p), dq)
            mi = abs(ctx.subtract(dj, xi))
            mj = move(dp, j, p)
        if xi > dj:
            mi = -mi
        if xj > di:
            mj = -mj
        gain = abs(ctx.subtract(ctx.multiply(dq, s[i, q]), ctx.multiply(dp, s[i, p])))
        valid = ok(0, float(xi), float(mi)) and ok(1, float(xj), float(mj)) and gain >= _DMIN
        if not valid:
            return gain, mi, mj, False
        # check_nbs, first on I's supply issue q (demanded by J), then on J's
        for side in (0, 1):
            a, b, sup, dem = (i, j, q, p) if side == 0 else (j, i, p, q)
            xa = xi if side == 0 else xj
            ma = mi if side == 0 else mj
            if hints[side] == 0:
                continue
            view = self.views.get((b, sup), {})
            target = x[b, sup]
            if hints[side] == 2:
                n0 = self._outcome(view, sup, a, xa)
                n1 = self._outcome(view, sup, a, ctx.add(xa, ma))
                d0, d1 = ctx.subtract(target, n0), ctx.subtract(target, n1)
                if (d0 >= 0 and d1 >= 0) or (d0 <= 0 and d1 <= 0):
                    continue
            delta = abs(self._to_reach(view, sup, a, xa, target))
            t_a = shift(delta, a, sup)
            t_b = ctx.multiply(ratio(a, b, sup, dem), t_a)
            mb = abs(move(t_b, b, dem))
            xb = xj if side == 0 else xi
            if xb > x[a, dem]:
                mb = -mb
            ma = -delta if xa > target else delta
            gain = abs(ctx.subtract(ctx.multiply(t_b, s[b, dem]), ctx.multiply(t_a, s[b, sup])))
            if side == 0:
                mi, mj = ma, mb
            else:
                mj, mi = ma, mb
        return gain, mi, mj, True

    def record(self, i: int, j: int, p: int, q: int, yi: Decimal, yj: Decimal) -> None:
        """A realised exchange: new supply positions, and the views of the demanders."""
        self.cur[i, q] = yi
        self.cur[j, p] = yj
        self.realised.append((i, q, yi))
        self.realised.append((j, p, yj))
        for demander, issue, mover, y in ((j, q, i, yi), (i, p, j, yj)):
            view = self.views.setdefault((demander, issue), {})
            if mover in view:
                old, start = view[mover], self.x[mover, issue]
                view[mover] = (old if old < y else y) if start <= old else (old if old > y else y)
            else:
                view[mover] = y


_numba: Any = None
if _compiled.available():  # with DETENTE_NO_NUMBA set numba is not even imported
    try:  # numba is a core dependency; the guard keeps the NumPy path alive without it
        import numba as _numba
    except ImportError:  # pragma: no cover - numba not installed
        _numba = None

#: whether the compiled kernels (below) exist: numba importable, ``DETENTE_NO_NUMBA`` unset
COMPILED = _numba is not None


def _on() -> bool:
    """Whether the compiled kernels replace the NumPy ones now (outside compat mode): they
    exist and the setting :func:`detente.models.compiled_kernels` is on."""
    return COMPILED and _compiled.compiled_kernels_enabled()


def _plain(fn: Callable[..., object]) -> Callable[..., object]:  # pragma: no cover
    return fn


# error_model="numpy": IEEE division, as in the NumPy code; no fastmath, so every operation
# is rounded as NumPy rounds it (no contraction into fused multiply-adds, no reordering)
_jit = _numba.njit(cache=True, nogil=True, error_model="numpy") if COMPILED else _plain
_inline = (
    _numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
    if COMPILED
    else _plain
)


@_inline
def _move_ok(n: int, h_sum: float, h_min: float, h_max: float, x: float, m: float) -> bool:
    """One side's move of :meth:`_Round._moves_ok`, operation for operation."""
    a = abs(m)
    y = x + m
    if not (a > _MIN and a <= 100.0 and y >= -_BOUND_TOL and y <= 100.0 + _BOUND_TOL):
        return False
    if not h_sum + m <= 100.0:
        return False
    return n == 0 or (h_max < 0 and m < 0) or (h_min > 0 and m > 0)


@_inline
def _trade_one(
    r: float,
    x_iq: float,
    x_jp: float,
    d_ip: float,
    d_jq: float,
    w_iq: float,
    w_jp: float,
    tot_p: float,
    tot_q: float,
    s_ip: float,
    s_iq: float,
    s_jp: float,
    s_jq: float,
    h_i: tuple[int, float, float, float],
    h_j: tuple[int, float, float, float],
    u_i: float,
    u_j: float,
    vnum_q: float,
    vnum_p: float,
) -> tuple[float, float, float, float, bool]:
    """:meth:`_Round._trade_numpy` for one candidate, the same IEEE operations in the same
    order: moves of I and J, gains of I and J, validity. ``h_*`` is a side's move history
    (count, sum, min, max); ``u_*`` where the mover stands in the demander's view (its
    recorded position, else its round-start one); ``vnum_*`` the demander's view of
    ``Σ c s x`` on the issue it demands (J's on q, I's on p)."""
    dist_j = abs(d_ip - x_jp)
    dist_i = abs(d_jq - x_iq)
    t_p = dist_j * w_jp / tot_p
    t_q = t_p * r
    m_i = t_q * tot_q / w_iq
    m_j = dist_j
    if m_i > dist_i:
        t_q = dist_i * w_iq / tot_q
        t_p = t_q / r
        m_i = dist_i
        m_j = t_p * tot_p / w_jp
    dir_i = -1.0 if x_iq > d_jq else 1.0
    dir_j = -1.0 if x_jp > d_ip else 1.0
    gain0 = abs(t_q * s_iq - t_p * s_ip)
    valid = (
        _move_ok(h_i[0], h_i[1], h_i[2], h_i[3], x_iq, dir_i * m_i)
        and _move_ok(h_j[0], h_j[1], h_j[2], h_j[3], x_jp, dir_j * m_j)
        and gain0 >= _MIN
    )
    # the outcome may not pass the demanding actor's position (rule 5): I's side, J's side
    room = (d_jq - (vnum_q + w_iq * (x_iq - u_i)) / tot_q) * dir_i
    if valid and room > -_CAP_TOL and room < t_q:
        t_q = room if room >= 0.0 or room != room else 0.0  # np.maximum(room, 0.0)
        t_p = t_q / r
        m_i = t_q * tot_q / w_iq
        m_j = t_p * tot_p / w_jp
    room = (d_ip - (vnum_p + w_jp * (x_jp - u_j)) / tot_p) * dir_j
    if valid and room > -_CAP_TOL and room < t_p:
        t_p = room if room >= 0.0 or room != room else 0.0
        t_q = t_p * r
        m_j = t_p * tot_p / w_jp
        m_i = t_q * tot_q / w_iq
    m_i = dir_i * m_i
    m_j = dir_j * m_j
    if valid:
        valid = _move_ok(h_i[0], h_i[1], h_i[2], h_i[3], x_iq, m_i) and _move_ok(
            h_j[0], h_j[1], h_j[2], h_j[3], x_jp, m_j
        )
    return m_i, m_j, t_p * s_ip - t_q * s_iq, t_q * s_jq - t_p * s_jp, valid


@_jit
def _trade_compiled(
    idx: np.ndarray,
    r_all: np.ndarray,
    cur: np.ndarray,
    f_iq: np.ndarray,
    f_jp: np.ndarray,
    f_ip: np.ndarray,
    f_jq: np.ndarray,
    d_ip: np.ndarray,
    d_jq: np.ndarray,
    w_iq: np.ndarray,
    w_jp: np.ndarray,
    tot_p: np.ndarray,
    tot_q: np.ndarray,
    s_ip: np.ndarray,
    s_iq: np.ndarray,
    s_jp: np.ndarray,
    s_jq: np.ndarray,
    h_n: np.ndarray,
    h_sum: np.ndarray,
    h_min: np.ndarray,
    h_max: np.ndarray,
    ov: np.ndarray,
    x0f: np.ndarray,
    vnum: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:meth:`_Round._trade` outside compat mode through :func:`_trade_one` (``r_all[k]``
    is the rate of candidate ``idx[k]``)."""
    n = idx.size
    out_mi = np.empty(n)
    out_mj = np.empty(n)
    out_gi = np.empty(n)
    out_gj = np.empty(n)
    out_ok = np.empty(n, dtype=np.bool_)
    for k in range(n):
        e = idx[k]
        u_i = ov[0, e]
        if u_i != u_i:
            u_i = x0f[f_iq[e]]
        u_j = ov[1, e]
        if u_j != u_j:
            u_j = x0f[f_jp[e]]
        out_mi[k], out_mj[k], out_gi[k], out_gj[k], out_ok[k] = _trade_one(
            r_all[k], cur[f_iq[e]], cur[f_jp[e]], d_ip[e], d_jq[e], w_iq[e], w_jp[e],
            tot_p[e], tot_q[e], s_ip[e], s_iq[e], s_jp[e], s_jq[e],
            (h_n[0, e], h_sum[0, e], h_min[0, e], h_max[0, e]),
            (h_n[1, e], h_sum[1, e], h_min[1, e], h_max[1, e]),
            u_i, u_j, vnum[f_jq[e]], vnum[f_ip[e]],
        )  # fmt: skip
    return out_mi, out_mj, out_gi, out_gj, out_ok


@_jit
def _best_of_pairs(
    a: int,
    k: int,
    x0: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    total: np.ndarray,
    num: np.ndarray,
    left: np.ndarray,
    present: np.ndarray,
    can_supply: np.ndarray,
    rank: np.ndarray,
    out: np.ndarray,
) -> tuple[int, int]:
    """:func:`pruned_pairs` for the pairs (``a``, b > a), compiled: for each, every
    candidate (issues p < q on both of which the two lie on opposite sides, rule 2; roles
    as in :class:`_Round`), its round-start trade through :func:`_trade_one`, and the kept
    ones written to ``out`` rows (p, q, I, J, tie key). Returns (rows written, candidates
    generated). Memory O(I²) besides ``out``."""
    n_a, n_i = x0.shape
    m_max = n_i * (n_i - 1) // 2
    gbuf = np.empty(m_max)
    rows = np.empty((m_max, 5), dtype=np.int64)
    opp = np.empty(n_i, dtype=np.int64)
    top = np.empty(max(min(k, m_max), 1))  # the pair's k largest gains so far, descending
    none = (0, 0.0, np.inf, -np.inf)  # an empty move history
    n_out = 0
    n_gen = 0
    for b in range(a + 1, n_a):
        n_opp = 0
        for kk in range(n_i):
            if present[a, kk] and present[b, kk] and left[a, kk] != left[b, kk]:
                opp[n_opp] = kk
                n_opp += 1
        m = 0
        for u in range(n_opp):
            for v in range(u + 1, n_opp):
                p = opp[u]
                q = opp[v]
                n_gen += 1
                i, j = (b, a) if left[a, q] else (a, b)  # i right of the outcome on q
                if s[i, p] * s[j, q] < s[j, p] * s[i, q]:
                    i, j = j, i  # I supplies q, J supplies p
                if not (w[i, q] > 0 and w[j, p] > 0 and can_supply[i, q] and can_supply[j, p]):
                    continue
                s_ip, s_iq, s_jp, s_jq = s[i, p], s[i, q], s[j, p], s[j, q]
                x_iq, x_jp = x0[i, q], x0[j, p]
                _, _, g_i, _, ok = _trade_one(
                    (s_ip + s_jp) / (s_iq + s_jq), x_iq, x_jp, x0[i, p], x0[j, q],
                    w[i, q], w[j, p], total[p], total[q], s_ip, s_iq, s_jp, s_jq,
                    none, none, x_iq, x_jp, num[q], num[p],
                )  # fmt: skip
                if not ok:
                    continue
                g = abs(g_i)
                # insert g among the k largest (a gain's value, not its tie order, sets
                # the bound below, so ties need no order here)
                t = min(m, k)
                if t < k or g > top[t - 1]:
                    if t == k:
                        t -= 1
                    while t > 0 and top[t - 1] < g:
                        top[t] = top[t - 1]
                        t -= 1
                    top[t] = g
                gbuf[m] = g
                rows[m, 0] = p
                rows[m, 1] = q
                rows[m, 2] = i
                rows[m, 3] = j
                rows[m, 4] = ((rank[i] * n_a + rank[j]) * n_i + q) * n_i + p
                m += 1
        if m == 0:
            continue
        last = top[min(k, m) - 1]  # the k-th largest gain (the smallest, if fewer)
        bound = last - TIE_RTOL * last
        for e in range(m):  # in any order: the caller sorts the kept rows by tie key
            if gbuf[e] >= bound:
                out[n_out, :] = rows[e, :]
                n_out += 1
    return n_out, n_gen


@_jit
def _commit_compiled(
    idx: np.ndarray,
    k1: int,
    k2: int,
    f_iq: np.ndarray,
    f_jp: np.ndarray,
    m_i: np.ndarray,
    m_j: np.ndarray,
    h_n: np.ndarray,
    h_sum: np.ndarray,
    h_min: np.ndarray,
    h_max: np.ndarray,
) -> None:
    """:meth:`_Round._commit`, one candidate at a time (``idx`` holds no repeats)."""
    for e in idx:
        for side in range(2):
            f = f_iq[e] if side == 0 else f_jp[e]
            if f != k1 and f != k2:
                continue
            m = m_i[e] if side == 0 else m_j[e]
            h_n[side, e] += 1
            h_sum[side, e] = h_sum[side, e] + m
            lo = h_min[side, e]
            if lo == lo and (m != m or m < lo):  # np.minimum, NaN kept
                h_min[side, e] = m
            hi = h_max[side, e]
            if hi == hi and (m != m or m > hi):
                h_max[side, e] = m


@_jit
def _mark_view_compiled(
    cand: np.ndarray,
    key: int,
    demander: int,
    f_iq: np.ndarray,
    cj: np.ndarray,
    f_jp: np.ndarray,
    ci: np.ndarray,
    ov: np.ndarray,
    new: float,
) -> None:
    """The last lines of :meth:`_Round._record_view`, one candidate at a time."""
    for e in cand:
        if f_iq[e] == key and cj[e] == demander:
            ov[0, e] = new
        if f_jp[e] == key and ci[e] == demander:
            ov[1, e] = new


def _sides(
    x0: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    present: np.ndarray,
    shadow: DecideShadow | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights ``c s`` (0 where absent), their sum and the weighted sum of positions per
    issue, and which actors lie left of the outcome (rule 2)."""
    n_i = x0.shape[1]
    w = np.where(present, c * s, 0.0)
    total = w.sum(axis=0)  # Σ c s per issue
    num = (w * x0).sum(axis=0)
    nbs = np.divide(num, total, out=np.zeros(n_i), where=total > 0)
    flat = total <= 0  # nobody weighs: the plain mean decides the sides
    if flat.any():
        cnt = np.maximum(present.sum(axis=0), 1)
        nbs = np.where(flat, np.where(present, x0, 0.0).sum(axis=0) / cnt, nbs)
    left = x0 < nbs[None, :] - _SIDE_TOL if shadow is None else shadow.left
    return w, total, num, left


def _csr(keys: np.ndarray, cand: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(keys, kind="stable")
    starts = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n_keys), out=starts[1:])
    return starts, cand[order]


class _Round:
    """State of one round's greedy realisation (see the module docstring)."""

    def __init__(
        self,
        x0: np.ndarray,
        s: np.ndarray,
        c: np.ndarray,
        present: np.ndarray,
        can_supply: np.ndarray,
        shadow: DecideShadow | None,
        p_random: float,
        rng: np.random.Generator,
        pairs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int] | None = None,
    ) -> None:
        n_a, n_i = x0.shape
        self.n_actors, self.n_issues = n_a, n_i
        self.x0 = x0
        self.x0f = x0.ravel()
        self.rng = rng
        self.p_random = p_random
        self.shadow = shadow
        self.compat = shadow is not None
        w, total, num, left = _sides(x0, s, c, present, shadow)
        self.w = w

        if pairs is None:
            p, q, i, j = candidate_pairs(left, present)
            self.n_candidates = int(p.size)
        else:  # (p, q, i, j) given, and how many candidates they were chosen from
            p, q, i, j, self.n_candidates = pairs
        # roles: each actor supplies on the issue it cares relatively less about; for
        # positive saliences this is decide's s_ip / s_iq < s_jp / s_jq, cross-multiplied
        swap = s[i, p] * s[j, q] < s[j, p] * s[i, q]
        ci = np.where(swap, j, i)  # I: supplies q, demands p
        cj = np.where(swap, i, j)  # J: supplies p, demands q
        keep = (w[ci, q] > 0) & (w[cj, p] > 0) & can_supply[ci, q] & can_supply[cj, p]
        ci, cj, p, q = ci[keep], cj[keep], p[keep], q[keep]
        self.ci, self.cj, self.p, self.q = ci, cj, p, q
        n = int(ci.size)
        self.n = n
        # a candidate's numbers lie side by side (rows of blocks, read through column
        # views), so that re-evaluating scattered candidates touches few cache lines
        fb = np.empty((n, 4), dtype=np.int64)
        np.add(ci * n_i, q, out=fb[:, 0])  # flat (actor, issue): I's supply
        np.add(ci * n_i, p, out=fb[:, 1])  # I's demand
        np.add(cj * n_i, p, out=fb[:, 2])  # J's supply
        np.add(cj * n_i, q, out=fb[:, 3])  # J's demand
        self.f_iq, self.f_ip, self.f_jp, self.f_jq = fb[:, 0], fb[:, 1], fb[:, 2], fb[:, 3]
        sf, wf = s.ravel(), w.ravel()
        sb = np.empty((n, 11))
        cols = (
            (sf, self.f_ip), (sf, self.f_iq), (sf, self.f_jp), (sf, self.f_jq),
            (wf, self.f_iq), (wf, self.f_jp), (total, p), (total, q),
            (self.x0f, self.f_ip), (self.x0f, self.f_jq),  # demand positions
        )  # fmt: skip
        for k, (src, at) in enumerate(cols):
            np.take(src, at, out=sb[:, k])
        self.s_ip, self.s_iq, self.s_jp, self.s_jq = sb[:, 0], sb[:, 1], sb[:, 2], sb[:, 3]
        self.w_iq, self.w_jp, self.tot_p, self.tot_q = sb[:, 4], sb[:, 5], sb[:, 6], sb[:, 7]
        self.d_ip, self.d_jq, self.r_eq = sb[:, 8], sb[:, 9], sb[:, 10]
        np.divide(self.s_ip + self.s_jp, self.s_iq + self.s_jq, out=self.r_eq)

        self.cur = x0.astype(float).ravel().copy()  # supply positions after realisations
        self.vnum = np.repeat(num[None, :], n_a, axis=0).ravel()  # Σ c s x per view
        # per candidate side (views of shape (2, n), the two sides of a candidate adjacent):
        # the mover's own position in the demander's view (NaN: none), and the move history
        db = np.empty((n, 8))
        db[:, 0:2] = 0.0
        db[:, 2:4] = np.inf
        db[:, 4:6] = -np.inf
        db[:, 6:8] = np.nan
        self.h_sum, self.h_min, self.h_max, self.ov = (db[:, k : k + 2].T for k in (0, 2, 4, 6))
        self.ov_rec: dict[tuple[int, int, int], float] = {}  # (demander, issue, mover)
        self.h_n = np.zeros((n, 2), dtype=np.int64).T
        self.m_i = np.zeros(n)
        self.m_j = np.zeros(n)
        self.g_i = np.zeros(n)
        self.g_j = np.zeros(n)
        self.graw = np.zeros(n)  # equal gain, also of invalid candidates
        self.valid = np.zeros(n, dtype=bool)
        self.mult = np.zeros(n, dtype=np.int64)  # entries in the list of open exchanges
        m = n if self.compat else 0  # arrays only compat mode reads
        self.ver = np.zeros(m, dtype=np.int64)  # evaluations so far (compat: cache key)
        self.hint = np.full((2, m), 2, dtype=np.int8)  # compat: cut found by the floats
        self.dhi = np.zeros(m)  # compat: sort key, the gain as dhi + dlo (exact once
        self.dlo = np.zeros(m)  # resolved in Decimal, else the float gain)
        self.dres = np.zeros(m, dtype=bool)
        self.dcache: dict[int, tuple[int, Decimal]] = {}  # compat: exact gains

        keys = n_a * n_i
        cand = np.arange(n, dtype=np.int64)
        self.sup = _csr(np.concatenate([self.f_iq, self.f_jp]), np.tile(cand, 2), keys)
        self.dem = _csr(np.concatenate([self.f_ip, self.f_jq]), np.tile(cand, 2), keys)

    # ------------------------------------------------------------------ evaluation
    def _moves_ok(self, side: int, idx: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        a = np.abs(m)
        y = x + m
        ok = (a > _MIN) & (a <= 100.0) & (y >= -_BOUND_TOL) & (y <= 100.0 + _BOUND_TOL)
        ok &= self.h_sum[side, idx] + m <= 100.0
        same = ((self.h_max[side, idx] < 0) & (m < 0)) | ((self.h_min[side, idx] > 0) & (m > 0))
        return ok & ((self.h_n[side, idx] == 0) | same)

    def _ok(self, e: int, side: int, x: float, m: float) -> bool:
        """:meth:`_moves_ok` for one side of one candidate."""
        a = abs(m)
        if not (_MIN < a <= 100.0 and -_BOUND_TOL <= x + m <= 100.0 + _BOUND_TOL):
            return False
        if self.h_sum[side, e] + m > 100.0:
            return False
        if self.h_n[side, e] == 0:
            return True
        return bool((self.h_max[side, e] < 0 < -m) or (self.h_min[side, e] > 0 < m))

    def _decimal(self, e: int) -> tuple[Decimal, Decimal, Decimal, bool]:
        assert self.shadow is not None
        return self.shadow.trade(
            int(self.ci[e]),
            int(self.cj[e]),
            int(self.p[e]),
            int(self.q[e]),
            lambda side, x, m: self._ok(e, side, x, m),
            (int(self.hint[0, e]), int(self.hint[1, e])),
        )

    def _decimal_trade(self, e: int) -> tuple[float, float, float, bool]:
        """A candidate evaluated in decide's Decimal arithmetic (compat mode)."""
        gain, mi, mj, valid = self._decimal(e)
        self.dcache[e] = (int(self.ver[e]), gain)
        m_i, m_j = float(mi), float(mj)
        x_i = float(self.cur[self.f_iq[e]])
        x_j = float(self.cur[self.f_jp[e]])
        valid = valid and self._ok(e, 0, x_i, m_i) and self._ok(e, 1, x_j, m_j)
        return m_i, m_j, float(gain), valid

    def decimal_gain(self, e: int) -> Decimal:
        hit = self.dcache.get(e)
        if hit is not None and hit[0] == self.ver[e]:
            return hit[1]
        gain = self._decimal(e)[0]
        self.dcache[e] = (int(self.ver[e]), gain)
        return gain

    def _room(
        self,
        side: int,
        idx: np.ndarray,
        view: np.ndarray,
        mover: np.ndarray,
        f_sup: np.ndarray,
        x: np.ndarray,
        w: np.ndarray,
        tot: np.ndarray,
        demand: np.ndarray,
        direction: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """How far the outcome may still shift toward the demanding actor's position.

        Returns (room for the crossing test, room for the size of the cut): the outcome in
        the demander's view with the mover at its current position, and (decide) with the
        mover at the position recorded in that view, when there is one.
        """
        ov = self.ov[side, idx]
        hit = ~np.isnan(ov)
        u = np.where(hit, ov, self.x0f[f_sup])
        nbs = (self.vnum[view] + w * (x - u)) / tot
        room = (demand - nbs) * direction
        if not self.compat:
            return room, room
        return room, np.where(hit, (demand - self.vnum[view] / tot) * direction, room)

    def _cut_mask(
        self, valid: np.ndarray, room: np.ndarray, shift: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which trades are cut at the demander's position; which sit so close to it that
        only decide's Decimal arithmetic can say whether a move goes through (compat mode);
        and the hint for that arithmetic (0 no cut, 1 cut, 2 too close to call)."""
        cut = valid & (room > -_CAP_TOL) & (room < shift)
        if not self.compat:
            none = np.zeros(cut.shape, dtype=bool)
            return cut, none, none.view(np.int8)
        reached = valid & (np.abs(room) <= _CAP_TOL)
        edge = valid & (np.abs(room - shift) <= _CAP_TOL * np.maximum(1.0, shift))
        hint = np.where(reached | edge, 2, cut.astype(np.int8)).astype(np.int8)
        return cut, reached, hint

    def _trade(
        self, idx: np.ndarray, r: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Signed moves of I and J, both gains, validity, and whether decide's Decimal
        arithmetic must settle the trade (compat mode), at exchange rate ``r``."""
        if _on() and not self.compat:
            m_i, m_j, g_i, g_j, valid = _trade_compiled(
                idx, np.ascontiguousarray(r, dtype=float), self.cur,
                self.f_iq, self.f_jp, self.f_ip, self.f_jq, self.d_ip, self.d_jq,
                self.w_iq, self.w_jp, self.tot_p, self.tot_q,
                self.s_ip, self.s_iq, self.s_jp, self.s_jq,
                self.h_n, self.h_sum, self.h_min, self.h_max, self.ov, self.x0f, self.vnum,
            )  # fmt: skip
            return m_i, m_j, g_i, g_j, valid, np.zeros(idx.size, dtype=bool)
        return self._trade_numpy(idx, r)

    def _trade_numpy(
        self, idx: np.ndarray, r: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`_trade` in NumPy (compat mode, and without numba)."""
        x_iq = self.cur[self.f_iq[idx]]
        x_jp = self.cur[self.f_jp[idx]]
        d_ip, d_jq = self.d_ip[idx], self.d_jq[idx]
        w_iq, w_jp = self.w_iq[idx], self.w_jp[idx]
        tot_p, tot_q = self.tot_p[idx], self.tot_q[idx]
        s_ip, s_iq, s_jp, s_jq = self.s_ip[idx], self.s_iq[idx], self.s_jp[idx], self.s_jq[idx]

        dist_j = np.abs(d_ip - x_jp)
        dist_i = np.abs(d_jq - x_iq)
        # J moves all the way to I's position on p; if I's matching move on q would carry it
        # past J's position, I moves all the way instead
        t_p = dist_j * w_jp / tot_p
        t_q = t_p * r
        m_i = t_q * tot_q / w_iq
        m_j = dist_j.copy()
        over = m_i > dist_i
        if over.any():
            t_q = np.where(over, dist_i * w_iq / tot_q, t_q)
            t_p = np.where(over, t_q / r, t_p)
            m_i = np.where(over, dist_i, m_i)
            m_j = np.where(over, t_p * tot_p / w_jp, m_j)
        dir_i = np.where(x_iq > d_jq, -1.0, 1.0)
        dir_j = np.where(x_jp > d_ip, -1.0, 1.0)
        gain0 = np.abs(t_q * s_iq - t_p * s_ip)
        valid = (
            self._moves_ok(0, idx, x_iq, dir_i * m_i)
            & self._moves_ok(1, idx, x_jp, dir_j * m_j)
            & (gain0 >= _MIN)
        )
        # the outcome may not pass the demanding actor's position: cut on I's side (issue
        # q, demanded by J), then on J's side (issue p, demanded by I)
        f_jq, f_ip = self.f_jq[idx], self.f_ip[idx]
        room, size = self._room(
            0, idx, f_jq, self.ci[idx], self.f_iq[idx], x_iq, w_iq, tot_q, d_jq, dir_i
        )
        cut, amb, hint_i = self._cut_mask(valid, room, t_q)
        if cut.any():
            t_q = np.where(cut, np.maximum(size, 0.0), t_q)
            t_p = np.where(cut, t_q / r, t_p)
            m_i = np.where(cut, t_q * tot_q / w_iq, m_i)
            m_j = np.where(cut, t_p * tot_p / w_jp, m_j)
        room, size = self._room(
            1, idx, f_ip, self.cj[idx], self.f_jp[idx], x_jp, w_jp, tot_p, d_ip, dir_j
        )
        cut, amb_p, hint_j = self._cut_mask(valid, room, t_p)
        amb |= amb_p
        if self.compat:
            self.hint[0, idx] = hint_i
            self.hint[1, idx] = hint_j
        if cut.any():
            t_p = np.where(cut, np.maximum(size, 0.0), t_p)
            t_q = np.where(cut, t_p * r, t_q)
            m_j = np.where(cut, t_p * tot_p / w_jp, m_j)
            m_i = np.where(cut, t_q * tot_q / w_iq, m_i)
        m_i = dir_i * m_i
        m_j = dir_j * m_j
        valid &= self._moves_ok(0, idx, x_iq, m_i) & self._moves_ok(1, idx, x_jp, m_j)
        g_i = t_p * s_ip - t_q * s_iq  # I gains on p and gives on q
        g_j = t_q * s_jq - t_p * s_jp
        return m_i, m_j, g_i, g_j, valid, amb

    def evaluate(self, idx: np.ndarray) -> None:
        """(Re)compute the candidates ``idx``: moves, gains, validity."""
        if idx.size == 0:
            return
        m_i, m_j, g_i, g_j, valid, amb = self._trade(idx, self.r_eq[idx])
        graw = np.abs(g_i)  # equal gain: |g_i| == |g_j|
        if self.compat:
            self.ver[idx] += 1
        if self.compat:
            for k in np.flatnonzero(amb):
                m_i[k], m_j[k], graw[k], valid[k] = self._decimal_trade(int(idx[k]))
                g_i[k] = g_j[k] = graw[k]
        self.graw[idx] = graw
        if self.compat:
            self.dhi[idx] = graw
            self.dlo[idx] = 0.0
            self.dres[idx] = False
        if self.p_random > 0 and valid.any():
            # randomised exchange rate, between the equal-gain rate and the rate at which
            # one side gains nothing; the equal gain still ranks the candidates
            v = self.rng.random(idx.size)
            z = self.rng.random(idx.size)
            r_eq = self.r_eq[idx]
            r_i0 = self.s_ip[idx] / self.s_iq[idx]  # I gains nothing
            with np.errstate(divide="ignore"):
                r_j0 = self.s_jp[idx] / self.s_jq[idx]  # J gains nothing
            shift = self.p_random * z
            r = np.where(v < 0.5, r_eq + shift * (r_i0 - r_eq), r_eq - shift * (r_eq - r_j0))
            r = np.where(valid & (r > 0) & np.isfinite(r), r, r_eq)
            m_i2, m_j2, g_i2, g_j2, valid2, _ = self._trade(idx, r)
            m_i = np.where(valid, m_i2, m_i)
            m_j = np.where(valid, m_j2, m_j)
            g_i = np.where(valid, g_i2, g_i)
            g_j = np.where(valid, g_j2, g_j)
            valid = valid & valid2
        self.m_i[idx] = m_i
        self.m_j[idx] = m_j
        self.g_i[idx] = g_i
        self.g_j[idx] = g_j
        self.valid[idx] = valid

    # ------------------------------------------------------------------ realisation
    def _lookup(self, csr: tuple[np.ndarray, np.ndarray], key: int) -> np.ndarray:
        starts, cand = csr
        return cand[starts[key] : starts[key + 1]]

    def _record_view(self, demander: int, issue: int, mover: int, y: float) -> None:
        """Record ``mover``'s new position on ``issue`` in the view of ``demander``; a
        second record keeps whichever position lies nearer the start of the round."""
        n_i = self.n_issues
        start = float(self.x0[mover, issue])
        old = self.ov_rec.get((demander, issue, mover))
        if old is None:
            old, new = start, y
        else:
            new = min(old, y) if start <= old else max(old, y)
        self.ov_rec[demander, issue, mover] = new
        self.vnum[demander * n_i + issue] += self.w[mover, issue] * (new - old)
        key = mover * n_i + issue
        cand = self._lookup(self.sup, key)
        if _on() and not self.compat:
            _mark_view_compiled(
                cand, key, demander, self.f_iq, self.cj, self.f_jp, self.ci, self.ov, new
            )
            return
        side_i = cand[(self.f_iq[cand] == key) & (self.cj[cand] == demander)]
        side_j = cand[(self.f_jp[cand] == key) & (self.ci[cand] == demander)]
        self.ov[0, side_i] = new
        self.ov[1, side_j] = new

    def _commit(self, idx: np.ndarray, k1: int, k2: int) -> None:
        """Sides of ``idx`` that supply (actor, issue) ``k1`` or ``k2`` keep their current
        move in their history (decide appends the realised move, pops, appends anew)."""
        if _on() and not self.compat:
            _commit_compiled(
                idx, k1, k2, self.f_iq, self.f_jp, self.m_i, self.m_j,
                self.h_n, self.h_sum, self.h_min, self.h_max,
            )  # fmt: skip
            return
        for side, f, mv in ((0, self.f_iq, self.m_i), (1, self.f_jp, self.m_j)):
            hit = idx[(f[idx] == k1) | (f[idx] == k2)]
            if hit.size:
                m = mv[hit]
                self.h_n[side, hit] += 1
                self.h_sum[side, hit] += m
                self.h_min[side, hit] = np.minimum(self.h_min[side, hit], m)
                self.h_max[side, hit] = np.maximum(self.h_max[side, hit], m)

    def realise(self, e: int) -> tuple[np.ndarray, np.ndarray]:
        """Carry out candidate ``e`` (its list entry already removed) and re-evaluate the
        open candidates it touches. Returns those candidates and, for each, how many of its
        list entries stay valid (entries are re-evaluated one after the other)."""
        n_i = self.n_issues
        a1, a2, q, p = int(self.ci[e]), int(self.cj[e]), int(self.q[e]), int(self.p[e])
        k1, k2 = a1 * n_i + q, a2 * n_i + p
        if self.shadow is not None:
            _, mi, mj, _ = self._decimal(e)
            y1d = _CTX.add(self.shadow.pos(a1, q), mi)
            y2d = _CTX.add(self.shadow.pos(a2, p), mj)
            self.shadow.record(a1, a2, p, q, y1d, y2d)
            y1, y2 = float(y1d), float(y2d)
        else:
            y1 = min(max(float(self.cur[k1] + self.m_i[e]), 0.0), 100.0)
            y2 = min(max(float(self.cur[k2] + self.m_j[e]), 0.0), 100.0)
        aff = np.concatenate(
            [
                self._lookup(self.sup, k1),
                self._lookup(self.sup, k2),
                self._lookup(self.dem, a2 * n_i + q),
                self._lookup(self.dem, a1 * n_i + p),
            ]
        )
        aff = np.unique(aff[(self.mult[aff] > 0) & self.valid[aff]])
        self._commit(aff, k1, k2)
        self.cur[k1] = y1
        self.cur[k2] = y2
        self._record_view(a2, q, a1, y1)  # J demanded q: it sees I's move
        self._record_view(a1, p, a2, y2)
        self.evaluate(aff)
        n_ok = self.valid[aff].astype(np.int64)
        # a candidate listed twice (decide's tie rule can duplicate an entry) is
        # re-evaluated once per entry; each pass keeps the last move in the history
        again = aff[self.valid[aff] & (self.mult[aff] > 1)]
        rep = 1
        while again.size:
            self._commit(again, k1, k2)
            self.evaluate(again)
            ok = again[self.valid[again]]
            n_ok[np.searchsorted(aff, ok)] += 1
            rep += 1
            again = ok[self.mult[ok] > rep]
        return aff, n_ok

    def _realise_noted(self, e: int, g: float, out: list[tuple[float, ...]]) -> np.ndarray:
        """:meth:`realise` ``e`` and note it in ``out``; returns :meth:`realise`'s result."""
        n_i = self.n_issues
        k1, k2 = int(self.ci[e] * n_i + self.q[e]), int(self.cj[e] * n_i + self.p[e])
        before = (float(self.cur[k1]), float(self.cur[k2]), float(self.g_i[e]), float(self.g_j[e]))
        result = self.realise(e)
        out.append(
            (e, before[0], float(self.cur[k1]), before[1], float(self.cur[k2]), g, *before[2:])
        )
        return result

    def run_random(
        self, tie_key: np.ndarray, progress: Callable[[float], None] | None = None
    ) -> tuple[list[tuple[float, ...]], int]:
        """Realise the best exchange until none is left; gains within ``TIE_RTOL`` (relative)
        of the best are tied, and ties are broken by a draw from ``rng`` among the tied
        candidates ordered by ``tie_key``. The best gain is found through the maxima of
        blocks of candidates, kept up to date as gains change. ``progress(share)`` hears,
        every few seconds, the share of the round's valid candidates no longer open."""
        out: list[tuple[float, ...]] = []
        ties = 0
        n = self.n
        if n == 0:
            return out, ties
        open_0 = max(int(self.valid.sum()), 1)
        n_open = open_0
        ticks = 0
        last = time.monotonic()
        self.mult[:] = self.valid
        size = _BLOCK
        n_blocks = -(-n // size)
        gain = np.full(n_blocks * size, -np.inf)
        gain[:n] = np.where(self.valid, self.graw, -np.inf)
        blocks = gain.reshape(n_blocks, size)
        bmax = blocks.max(axis=1)
        while True:
            b = int(np.argmax(bmax))
            g = float(bmax[b])
            if not np.isfinite(g):
                break
            floor = g - TIE_RTOL * g
            hot = np.flatnonzero(bmax >= floor)
            tied = np.concatenate([h * size + np.flatnonzero(blocks[h] >= floor) for h in hot])
            best = int(tied[0])
            if tied.size > 1:
                ties += 1
                tied = tied[np.argsort(tie_key[tied], kind="stable")]
                best = int(tied[self.rng.integers(tied.size)])
            g = float(gain[best])
            self.mult[best] = 0
            aff, n_ok = self._realise_noted(best, g, out)
            self.mult[aff] = n_ok
            idx = np.concatenate([[best], aff])
            new = np.concatenate([[-np.inf], np.where(n_ok > 0, self.graw[aff], -np.inf)])
            old = gain[idx]
            if progress is not None:
                n_open -= int(np.count_nonzero(np.isfinite(old) & ~np.isfinite(new)))
                ticks += 1
                if ticks % 64 == 0 and time.monotonic() - last > _REPORT_SECONDS:
                    last = time.monotonic()
                    progress(1.0 - n_open / open_0)
            blk = idx // size
            was_max = old >= bmax[blk]
            gain[idx] = new
            np.maximum.at(bmax, blk, new)
            redo = np.unique(blk[was_max & (new < old)])
            if redo.size:
                bmax[redo] = blocks[redo].max(axis=1)
        return out, ties

    def _sorted(self, ent: np.ndarray) -> np.ndarray:
        """decide's list sorted by exact gain, stably (ties keep their place in the list).

        The sort key is a candidate's Decimal gain written exactly as a pair of floats
        (``dhi + dlo``); until it is needed that is just the float gain. It is needed for
        the entries whose float gains lie within float noise of a neighbour's: those are
        computed in Decimal, and the list is sorted again."""
        place = np.arange(ent.size)
        order = np.lexsort((place, -self.dlo[ent], -self.dhi[ent]))
        out = ent[order]
        g = self.dhi[out]
        near = np.flatnonzero((g[:-1] - g[1:] <= _NEAR_RTOL * g[:-1]) & (g[:-1] > _MIN))
        if near.size == 0:
            return out
        todo = np.unique(out[np.concatenate([near, near + 1])])
        todo = todo[~self.dres[todo]]
        if todo.size == 0:
            return out
        for e in todo.tolist():
            gain = self.decimal_gain(e)
            hi = float(gain)
            self.dhi[e] = hi
            self.dlo[e] = float(_WIDE.subtract(gain, Decimal(hi)))
            self.dres[e] = True
        return ent[np.lexsort((place, -self.dlo[ent], -self.dhi[ent]))]

    def run_decide(self, pyrng: random.Random) -> tuple[list[tuple[float, ...]], int]:
        """decide's selection: the list of open exchanges (valid or not, until the first
        realisation) is sorted by gain, stably; when the first two are tied (within 1e-20)
        a draw from ``pyrng`` decides which is realised, and the other goes to the end of
        the list (when the second is realised) or is listed a second time (when the first
        is: decide appends it again)."""
        out: list[tuple[float, ...]] = []
        ties = 0
        ent = np.arange(self.n, dtype=np.int64)  # the list, by candidate
        while ent.size:
            ent = self._sorted(ent)
            top = int(ent[0])
            if (
                ent.size > 1
                and abs(self.decimal_gain(top) - self.decimal_gain(int(ent[1]))) < _DTIE
            ):
                ties += 1
                nxt = int(ent[1])
                if pyrng.random() >= 0.5:
                    ent = np.concatenate([ent[2:], [top]])
                    top = nxt
                else:
                    ent = np.concatenate([ent[1:], [nxt]])
            else:
                ent = ent[1:]
            if not self.valid[top]:
                continue
            ent = ent[self.valid[ent]]  # invalid entries are dropped unseen
            self.mult[:] = 0
            np.add.at(self.mult, ent, 1)
            aff, n_ok = self._realise_noted(top, float(self.graw[top]), out)
            if aff.size:
                # keep the first n_ok entries (in list order) of each re-evaluated candidate
                limit = np.full(self.n, np.iinfo(np.int64).max)
                limit[aff] = n_ok
                order = np.argsort(ent, kind="stable")
                sorted_c = ent[order]
                occ = np.empty(ent.size, dtype=np.int64)
                occ[order] = np.arange(ent.size) - np.searchsorted(sorted_c, sorted_c)
                ent = ent[occ < limit[ent]]
        return out, ties


def count_candidates(left: np.ndarray, present: np.ndarray) -> int:
    """How many candidates :func:`candidate_pairs` would list, without listing them:
    ``Σ_{p<q} n_a n_d + n_b n_c`` from the group sizes of every issue pair, found as
    products of the (actor x issue) side indicators. Time O(A I²), memory O(I²)."""
    right = (present & ~left).astype(np.int64)
    lft = (present & left).astype(np.int64)
    n_a = right.T @ right  # [p, q]: right on both
    n_d = lft.T @ lft  # left on both
    n_b = lft.T @ right  # left on p, right on q
    n_c = right.T @ lft
    upper = np.triu(np.ones(n_a.shape, dtype=bool), 1)
    return int((n_a * n_d + n_b * n_c)[upper].sum())


def _pair_blocks(n_actors: int, n_pairs: int, budget: int) -> list[tuple[int, int]]:
    """Consecutive actor blocks [a0, a1) such that each block's (first actor, second actor,
    issue pair) grid, with the second actor after the first, holds about ``budget`` cells."""
    rest = (n_actors - 1 - np.arange(n_actors)) * max(n_pairs, 1)  # cells per first actor
    blocks, a0, acc = [], 0, 0
    for a in range(n_actors):
        acc += int(rest[a])
        if acc >= budget or a == n_actors - 1:
            blocks.append((a0, a + 1))
            a0, acc = a + 1, 0
    return blocks


def pruned_pairs(
    x0: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
    can_supply: np.ndarray,
    pair_limit: int,
    rank: np.ndarray,
    progress: Callable[[float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The candidates a pruned round keeps: per unordered actor pair, the ``pair_limit``
    valid candidates of highest round-start equal gain, plus every other one whose gain is
    within ``TIE_RTOL`` (relative) of the last kept, so that float noise at the boundary
    cannot decide what is kept; order among gains that differ by more is by gain, among
    tied gains by (actor rank of I, of J, issue q, issue p).

    Candidates are generated, evaluated and pruned blockwise over the first actor of each
    pair, so memory is bounded by the block, not by the A² I² / 16 candidates of the round:
    compiled (:func:`_best_of_pairs`), one first actor at a time, O(A I²) scratch memory;
    without numba in NumPy, blocks of first actors (:func:`_pair_blocks`) of about
    ``_PRUNE_CELLS`` (actor, actor, issue pair) cells. Both keep the same candidates
    (tested). Time O(A² I²). Returns (p, q, I, J) of the kept candidates, ordered by the
    tie key above, and the number of candidates they were chosen from.
    """
    n_a, n_i = x0.shape
    w, total, num, left = _sides(x0, salience, capability, present, None)
    if _on():
        return _pruned_compiled(
            x0, salience, w, total, num, left, present, can_supply, pair_limit, rank, progress
        )
    pp, qq = np.triu_indices(n_i, 1)
    blocks = _pair_blocks(n_a, pp.size, _PRUNE_CELLS)
    kept: list[tuple[np.ndarray, ...]] = []
    n_total = 0
    never = np.random.default_rng(0)  # no draws: evaluation at round start is not random
    last = time.monotonic()
    for done, (a0, a1) in enumerate(blocks):
        first = np.arange(a0, a1)
        # opposite sides of the outcome on an issue, both actors present (rule 2: a pair
        # is in groups a-d or b-c on (p, q) exactly when it is opposite on p and on q)
        opp = (
            present[first, None, :]
            & present[None, :, :]
            & (left[first, None, :] != left[None, :, :])
            & (first[:, None] < np.arange(n_a)[None, :])[:, :, None]
        )
        al, b, k = np.nonzero(opp[:, :, pp] & opp[:, :, qq])
        if al.size == 0:
            continue
        a = first[al]
        p, q = pp[k], qq[k]
        # orient as candidate_pairs does: i in group a or b (right of the outcome on q)
        i = np.where(left[a, q], b, a)
        j = np.where(left[a, q], a, b)
        n_total += int(i.size)
        st = _Round(
            x0, salience, capability, present, can_supply, None, 0.0, never,
            pairs=(p, q, i, j, int(i.size)),
        )  # fmt: skip
        if st.n == 0:
            continue
        _, _, g_i, _, valid, _ = st._trade(np.arange(st.n), st.r_eq)
        ok = np.flatnonzero(valid)
        if ok.size == 0:
            continue
        ci, cj, cp, cq = st.ci[ok], st.cj[ok], st.p[ok], st.q[ok]
        gain = np.abs(g_i[ok])
        pair = np.minimum(ci, cj) * n_a + np.maximum(ci, cj)
        tkey = ((rank[ci] * n_a + rank[cj]) * n_i + cq) * n_i + cp
        order = np.lexsort((tkey, -gain, pair))
        pair, gain = pair[order], gain[order]
        start = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
        size = np.diff(np.r_[start, pair.size])
        last_kept = gain[start + np.minimum(size, pair_limit) - 1]
        bound = np.repeat(last_kept - TIE_RTOL * last_kept, size)
        sel = order[gain >= bound]
        kept.append((cp[sel], cq[sel], ci[sel], cj[sel], tkey[sel]))
        if progress is not None and time.monotonic() - last > _REPORT_SECONDS:
            last = time.monotonic()
            progress((done + 1) / len(blocks))
    if not kept:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty, n_total
    p, q, i, j, tkey = (np.concatenate(col) for col in zip(*kept, strict=True))
    order = np.argsort(tkey, kind="stable")
    return p[order], q[order], i[order], j[order], n_total


def _pruned_compiled(
    x0: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    total: np.ndarray,
    num: np.ndarray,
    left: np.ndarray,
    present: np.ndarray,
    can_supply: np.ndarray,
    pair_limit: int,
    rank: np.ndarray,
    progress: Callable[[float], None] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """:func:`pruned_pairs` through :func:`_best_of_pairs`, one first actor at a time."""
    n_a, n_i = x0.shape
    m_max = n_i * (n_i - 1) // 2
    f64 = np.ascontiguousarray
    args = (
        f64(x0, dtype=float), f64(s, dtype=float), f64(w, dtype=float),
        f64(total, dtype=float), f64(num, dtype=float), f64(left, dtype=bool),
        f64(present, dtype=bool), f64(can_supply, dtype=bool), f64(rank, dtype=np.int64),
    )  # fmt: skip
    kept: list[np.ndarray] = []
    n_total = 0
    work = n_a * (n_a - 1) / 2
    done = 0.0
    last = time.monotonic()
    for a in range(n_a - 1):
        out = np.empty(((n_a - 1 - a) * m_max, 5), dtype=np.int64)
        n_out, n_gen = _best_of_pairs(a, pair_limit, *args, out)
        n_total += int(n_gen)
        if n_out:
            kept.append(out[:n_out].copy())
        done += n_a - 1 - a
        if progress is not None and time.monotonic() - last > _REPORT_SECONDS:
            last = time.monotonic()
            progress(done / work)
    if not kept:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty, n_total
    rows = np.concatenate(kept)
    rows = rows[np.argsort(rows[:, 4], kind="stable")]
    return rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3], n_total


def exchange_round(
    x0: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
    *,
    rng: np.random.Generator,
    can_supply: np.ndarray | None = None,
    fixed_weight: float = 0.1,
    salience_weight: float = 0.4,
    p_random: float = 0.0,
    tie_key: np.ndarray | None = None,
    shadow: DecideShadow | None = None,
    decide_rng: random.Random | None = None,
    pair_limit: int | None = None,
    max_candidates: int = 0,
    progress: Callable[[float], None] | None = None,
) -> RoundResult:
    """Play one round of the exchange model on normalised (0..100) positions ``x0``.

    ``can_supply[a, k]`` False keeps actor ``a`` from moving on issue ``k`` (linkage holds).
    Exactly tied gains are broken with ``rng`` among the tied candidates ordered by actor
    rank ``tie_key[a]`` (pass the rank of the actor ids, so that the forecast does not
    depend on the input order). With a ``shadow`` (decide compatibility), the positions are
    the shadow's, decide's selection procedure runs on ``decide_rng``, and the shadow's
    Decimal arithmetic settles what float64 cannot (see :class:`DecideShadow`).

    ``pair_limit`` k prunes the round to each actor pair's k best candidates at its start
    (:func:`pruned_pairs`) when it has more than ``max_candidates`` candidates (never with a
    shadow); k is lowered, to 1 at least, so that k per pair come to at most
    ``max_candidates`` (unless that is 0). ``progress(share)`` hears, every few seconds, the
    share of the round done.
    """
    n_a, n_i = x0.shape
    if can_supply is None:
        can_supply = np.ones((n_a, n_i), dtype=bool)
    if shadow is not None:
        shadow.start_round()
        x0 = shadow.floats()
        present = shadow.present
    rank = np.arange(n_a) if tie_key is None else np.asarray(tie_key, dtype=np.int64)
    pairs = None
    realising = progress
    if pair_limit is not None and shadow is None:
        left = _sides(x0, salience, capability, present, None)[3]
        if count_candidates(left, present) <= max_candidates:
            pair_limit = None
    else:
        pair_limit = None
    n_kept = -1
    if pair_limit is not None:
        if max_candidates > 0:  # keep about max_candidates at most: memory as a full round's
            pair_limit = max(1, min(pair_limit, max_candidates // max(n_a * (n_a - 1) // 2, 1)))
        gen = None if progress is None else (lambda share: progress(0.5 * share))
        realising = None if progress is None else (lambda share: progress(0.5 + 0.5 * share))
        pairs = pruned_pairs(x0, salience, capability, present, can_supply, pair_limit, rank, gen)
        n_kept = int(pairs[0].size)
    st = _Round(x0, salience, capability, present, can_supply, shadow, p_random, rng, pairs)
    del pairs
    st.evaluate(np.arange(st.n, dtype=np.int64))
    n_valid = int(st.valid.sum())
    if shadow is not None:
        out, ties = st.run_decide(decide_rng or random.Random(0))
    else:
        key = ((rank[st.ci] * n_a + rank[st.cj]) * n_i + st.q) * n_i + st.p
        out, ties = st.run_random(key, realising)

    voting = st.cur.reshape(n_a, n_i).copy()
    if shadow is not None:
        shadow.finish_round()
        preference = shadow.floats()
    else:
        weight = fixed_weight + salience_weight * (1.0 - salience)
        preference = x0 + weight * (voting - x0)
    rec = np.asarray(out, dtype=float).reshape(-1, 8)
    idx = rec[:, 0].astype(np.int64)
    return RoundResult(
        voting=voting,
        preference=preference,
        n_candidates=st.n_candidates,
        n_valid=n_valid,
        ties=ties,
        actor_i=st.ci[idx],
        actor_j=st.cj[idx],
        issue_i=st.q[idx],
        issue_j=st.p[idx],
        from_i=rec[:, 1],
        to_i=np.clip(rec[:, 2], 0.0, 100.0),
        from_j=rec[:, 3],
        to_j=np.clip(rec[:, 4], 0.0, 100.0),
        gain=rec[:, 5],
        gain_i=rec[:, 6],
        gain_j=rec[:, 7],
        n_kept=n_kept,
        kept_per_pair=0 if n_kept < 0 else int(pair_limit or 0),
    )
