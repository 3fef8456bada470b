"""Vectorised kernel of the expected-utility (challenge) model.

The kernel plays many independent one-issue games at once. Every array has a leading
*game* axis ``B`` (ensemble draws x issues, flattened) and an actor axis ``N``; pairwise
quantities are ``(B, N, N)`` arrays indexed ``[game, i, j]``. There is no Python loop over
actors or actor pairs: a round costs a handful of ``O(B N^2)`` array operations plus a
sort per game.

The formulas are documented in :mod:`detente.models.expected_utility`; this module only
explains how they are computed fast.

Win probability in ``O(N^2)``
-----------------------------
The reference programs compute the support for ``i`` against ``j``,

    M_ij = Σ_k max(0, cmp_k(i, j)),   cmp_k(i, j) = w_k [g_k(j) - g_k(i)],
    g_k(a) = (|x_k - x_a| / R)^{r_k},  w_k = c_k s_k,

as an ``N^3`` sum, and Scholz's denominator ``Σ_k Σ_a Σ_b |cmp_k(a, b)|`` as another
``N^3`` sum for every pair (``N^6`` a round). Two observations make it ``O(N^2)``:

* ``g_k`` is increasing in the distance ``|x_k - x_a|`` whatever ``r_k > 0``, so
  ``cmp_k(i, j) > 0`` exactly when voter ``k`` is nearer to ``x_i`` than to ``x_j``: on
  ``i``'s side of the midpoint ``m_ij = (x_i + x_j)/2``. With the voters sorted by
  position that side is a prefix (``x_i < x_j``) or a suffix (``x_i > x_j``) of the sorted
  order, so with prefix sums ``H[t, j] = Σ_{k < t} w_k g_k(j)`` over sorted voters and
  ``t_ij`` = the number of voters left of ``m_ij``,
  ``M_ij = H[t_ij, j] - H[t_ij, i]`` (or the same with suffix sums). A voter exactly at
  the midpoint contributes ``0`` either way.
* ``|z| = max(0, z) + max(0, -z)`` gives ``Σ_k |cmp_k(a, b)| = M_ab + M_ba``; so the
  all-pairs denominator is ``2 Σ_{a,b} M_ab``, computed once per round from ``M``.

The counts ``t_ij`` come from one broadcast comparison for small games and from a sorted
search per game for large ones. The tests check the kernel against a plain
transcription of the reference formulas.

Many small games
----------------
An ensemble plays hundreds of thousands of games of a handful of actors, where these
array passes cost more in overhead than in arithmetic. :func:`play` hands such games
(without a trace) to the compiled kernel of :mod:`._eu_numba`, which plays them game by
game in numba and gives the same numbers to the last bit; ``DETENTE_NO_NUMBA=1`` keeps
everything here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from detente.models import _eu_numba
from detente.models.compromise import weighted_mean

__all__ = [
    "KIND_NAMES",
    "EUSettings",
    "GameResult",
    "RoundRecord",
    "pairwise_vote_median",
    "play",
]

#: offer kinds, coded as small integers in the round records
KIND_NAMES = ("none", "confrontation", "compromise", "capitulation", "resisted")
NONE, CONFRONTATION, COMPROMISE, CAPITULATION, RESISTED = range(5)

#: games with at most this many actors count voters left of midpoints by broadcasting
_COUNT_BROADCAST_MAX = 24
#: bound on the elements of one broadcast chunk
_CHUNK_ELEMENTS = 2_000_000
#: key given to non-candidate offers (real keys are positions or distances)
_FAR = 1e300
#: relative tolerance of every comparison between computed quantities that can be equal
#: (see "Ties" in :mod:`detente.models.expected_utility`): expected utilities within
#: ``TIE`` (utilities lie in [-2, 2]) and offer keys within ``TIE x R`` count as equal
TIE = 1e-9


@dataclass(frozen=True)
class EUSettings:
    """The model's options, as validated by :class:`ExpectedUtility`."""

    variant: str = "scholz"  # "scholz" (Scholz's code, jmckib) or "dmasad"
    denominator: str = "all_pairs"  # "all_pairs" (Scholz's code) or "pair" (the paper)
    choice: str = "scholz"  # "scholz" (compromise key of Scholz's code) or "least_change"
    capitulation: bool = False  # False: Scholz's code (never fires); True: the paper
    stop: str = "rounds"  # "rounds", "positions" or "mean"
    rounds: int = 10
    tol: float = 1e-6  # fraction of the game's scale span
    max_rounds: int = 100


@dataclass
class RoundRecord:
    """What happened in one round, for the trace (indices are original actor indices).

    ``offers_*`` are ``(B, N, N)`` arrays ``[game, receiver, proposer]`` and present only
    when the play was asked to record every offer.
    """

    active: np.ndarray  # (B,) games that played this round
    risk: np.ndarray  # (B, N) risk exponents used this round
    n_offers: np.ndarray  # (B,) offers made
    chosen: np.ndarray  # (B, N) proposer whose offer the actor took, -1 if none
    chosen_kind: np.ndarray  # (B, N) int, KIND_NAMES index
    chosen_eu_own: np.ndarray  # (B, N) receiver's EU of challenging the proposer
    chosen_eu_other: np.ndarray  # (B, N) proposer's EU (as the receiver estimates it)
    old: np.ndarray  # (B, N) positions before the round
    new: np.ndarray  # (B, N) positions after the round (holds applied)
    held: np.ndarray | None  # (B, N) positions kept by a linkage
    offers_kind: np.ndarray | None = None
    offers_position: np.ndarray | None = None
    offers_eu_own: np.ndarray | None = None
    offers_eu_other: np.ndarray | None = None


@dataclass
class GameResult:
    trajectory: np.ndarray  # (T + 1, B, N)
    risk: np.ndarray  # (T, B, N); exponents of inactive games are left at 1
    rounds_played: np.ndarray  # (B,) rounds in which each game was still active
    converged: np.ndarray  # (B,) bool (always False when stop == "rounds")
    records: list[RoundRecord] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers
def _take(a: np.ndarray, order: np.ndarray) -> np.ndarray:
    return np.take_along_axis(a, order, axis=1)


def _midpoint_counts(xs: np.ndarray) -> np.ndarray:
    """``t[b, i, j]`` = number of sorted voters strictly left of ``(xs_i + xs_j) / 2``."""
    b, n = xs.shape
    mid = 0.5 * (xs[:, :, None] + xs[:, None, :])
    out = np.empty((b, n, n), dtype=np.intp)
    if n <= _COUNT_BROADCAST_MAX:
        step = max(1, _CHUNK_ELEMENTS // (n**3))
        for lo in range(0, b, step):  # chunks of games, not pairs
            sl = slice(lo, lo + step)
            np.sum(xs[sl, :, None, None] < mid[sl, None, :, :], axis=1, out=out[sl])
        return out
    for g in range(b):  # one vectorised search per game
        out[g] = np.searchsorted(xs[g], mid[g], side="left")
    return out


def _gather_index(counts: np.ndarray) -> np.ndarray:
    """Flat indices of ``H[b, t_ij, i]`` in a ``(B, N + 1, N)`` array of prefix sums."""
    b, n, _ = counts.shape
    return (np.arange(b)[:, None, None] * (n + 1) + counts) * n + np.arange(n)[None, :, None]


def _support(vote: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``M[b, i, j] = Σ_k max(0, vote[b, k, j] - vote[b, k, i])`` for actors sorted by position.

    ``vote[b, k, a] = w_k g_k(a)`` (voter ``k`` first) with ``g_k`` increasing in
    ``|x_k - x_a|``; ``index`` from :func:`_gather_index`. ``O(N^2)`` per game.
    """
    b, n, _ = vote.shape
    h = np.empty((b, n + 1, n))
    h[:, 0, :] = 0.0
    np.cumsum(vote, axis=1, out=h[:, 1:, :])  # H[t, a] = Σ_{k < t} vote[k, a]
    g = np.take(h.reshape(-1), index)  # g[i, j] = H[t_ij, i]; t is symmetric
    # i < j (sorted): voters left of the midpoint back i: H[t, j] - H[t, i];
    # i > j: voters right of it: (H[n, j] - H[t, j]) - (H[n, i] - H[t, i]).
    left = g.transpose(0, 2, 1) - g
    tot = h[:, n, :]
    right = (tot[:, None, :] - tot[:, :, None]) - left
    m = np.where(np.triu(np.ones((n, n), dtype=bool), 1), left, right)
    return np.maximum(m, 0.0, out=m)


def _probability(m: np.ndarray, cfg: EUSettings) -> np.ndarray:
    """P[i, j] that i prevails over j, from the supports ``M`` (zero for equal positions)."""
    mt = m.transpose(0, 2, 1)
    if cfg.variant == "dmasad":  # net support over total support, no exponent
        num, tot = np.maximum(m - mt, 0.0), m + mt
    elif cfg.denominator == "pair":  # the paper: Σ_k |cmp_k(i, j)|
        num, tot = m, m + mt
    else:  # Scholz's code: Σ_k Σ_a Σ_b |cmp_k(a, b)| = 2 Σ_ab M_ab
        num, tot = m, 2.0 * m.sum(axis=(1, 2))[:, None, None]
    # num is 0 wherever tot is (equal positions, absent actors, nobody with weight)
    return num / (tot + (tot <= 0.0))


def _risk(danger: np.ndarray, present: np.ndarray) -> np.ndarray:
    """r_i = (1 - R_i/3)/(1 + R_i/3), R_i = (2 D_i - D_max - D_min)/(D_max - D_min)."""
    big = np.where(present, danger, -np.inf).max(axis=1, keepdims=True)
    small = np.where(present, danger, np.inf).min(axis=1, keepdims=True)
    span = big - small
    with np.errstate(invalid="ignore"):  # a game nobody is present in: inf - inf, unused
        size = np.maximum(np.maximum(np.abs(big), np.abs(small)), 1.0)
        ok = np.isfinite(span) & (span > TIE * size)  # equal dangers to within TIE: r = 1
        rr = np.where(ok, (2.0 * danger - big - small) / np.where(ok, span, 1.0), 0.0)
    rr = np.clip(rr, -1.0, 1.0)  # rounding only; the formula lies in [-1, 1]
    return np.where(present, (1.0 - rr / 3.0) / (1.0 + rr / 3.0), 1.0)


def _gains(dist: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``U_s - U_sq`` and ``U_s - U_f`` for the row actor's exponent ``r`` (Scholz et al.
    2011, sec. 3): U_s = 2 - 4(0.5 - 0.5 d)^r, U_f = 2 - 4(0.5 + 0.5 d)^r, U_sq = 2 - 4(0.5)^r.
    """
    rr = r[:, :, None]
    near = (0.5 - 0.5 * dist) ** rr
    far = (0.5 + 0.5 * dist) ** rr
    return 4.0 * (0.5**rr - near), 4.0 * (far - near)


def _first_within(key: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Per row, the first column (in sorted order: the lowest position) whose key lies
    within ``tol`` of the row's least key; ``key (B, N, N)``, ``tol (B, 1, 1)``."""
    least = key.min(axis=-1, keepdims=True)
    return np.argmax(key <= least + tol, axis=-1)


def _gather(a: np.ndarray, j: np.ndarray) -> np.ndarray:
    return np.take_along_axis(a, j[:, :, None], axis=2)[:, :, 0]


# --------------------------------------------------------------------------- one round
def _round(
    x: np.ndarray,
    s: np.ndarray,
    w: np.ndarray,
    present: np.ndarray,
    scale: np.ndarray,
    cfg: EUSettings,
    record: str | None,
) -> dict[str, np.ndarray]:
    """One round of every game, computed with the actors sorted by position.

    Returns per-actor results in the original actor order. E(U) of a challenge is written
    ``U_s - U_sq - s_t (1 - P)(U_s - U_f)``, the same as
    ``s_t [P U_s + (1 - P) U_f] + (1 - s_t) U_s - U_sq`` with fewer array passes.
    """
    b = x.shape[0]
    order = np.argsort(x, axis=1, kind="stable")
    xs, ss, ws, ps = _take(x, order), _take(s, order), _take(w, order), _take(present, order)
    pair = ps[:, :, None] & ps[:, None, :]
    pairf = pair.astype(float)
    diff = xs[:, None, :] - xs[:, :, None]  # [i, j] = x_j - x_i
    # shares of the range; pairs with an absent actor get 0 (they take no part), and the
    # clip only guards against rounding above 1 (positions stay within their first spread)
    dist = np.minimum(np.abs(diff) / scale[:, None, None], 1.0) * pairf
    distinct = pair & (diff != 0)
    index = _gather_index(_midpoint_counts(xs))
    s_col = ss[:, None, :]  # salience of the column actor j
    s_row = ss[:, :, None]
    tie_key = TIE * scale[:, None, None]  # offer keys are positions or distances

    def support(g: np.ndarray) -> np.ndarray:  # g[b, k, a] = g_k(a)
        return _support(g * ws[:, :, None], index) * pairf

    # risk exponents from the dangers with every r = 1, where U_s - U_sq = 2d, U_s - U_f = 4d:
    # a[j, i] = E_j(U_ji) = 2d - 4d s_i (1 - P_ji); danger_i = Σ_j a[j, i]
    p1 = _probability(support(dist), cfg)
    danger = (dist * (2.0 - 4.0 * s_col * (1.0 - p1))).sum(axis=1)
    r = _risk(danger, ps)

    gain, spread = _gains(dist, r)
    xi = xs[:, :, None]
    if cfg.variant == "dmasad":
        # the dmasad win probability carries no risk exponent; e[h, j] = E_h(U_hj)
        own = gain - s_col * (1.0 - p1) * spread  # own[i, j] = E_i(U_ij)
        other = own.transpose(0, 2, 1)  # other[i, j] = E_j(U_ji), j's own estimate
        sent = distinct & (other > TIE)
        best = np.where(sent, other, -np.inf).max(axis=-1, keepdims=True)
        cand = sent & (other >= best - TIE)  # the largest sender E(U), to within TIE
        j = _first_within(np.where(cand, np.abs(diff), _FAR), tie_key)  # then the nearest
        has = sent.any(axis=-1)
        u_i, u_j = _gather(own, j), _gather(other, j)
        kind = _dmasad_kind(u_i, u_j, has)
    else:
        p = _probability(support(dist ** r[:, :, None]), cfg)
        own = gain - s_col * (1.0 - p) * spread  # E_i(U_ij): i challenges j
        other = gain - s_row * (1.0 - p.transpose(0, 2, 1)) * spread  # E_i(U_ji)
        conf = distinct & (other > own + TIE) & (own > TIE)
        lower = distinct & (other > TIE) & (own < -TIE)
        comp = lower & (other > TIE - own)
        capit = lower & (other < -own - TIE) if cfg.capitulation else np.zeros_like(lower)
        any_conf, any_comp, any_capit = conf.any(-1), comp.any(-1), capit.any(-1)
        use_comp = comp & ~any_conf[:, :, None]
        cand = conf | use_comp | (capit & ~(any_conf | any_comp)[:, :, None])
        ao, at = np.abs(own), np.abs(other)
        guard = (at == 0.0) | ~np.isfinite(at)  # never where a compromise is offered
        if cfg.choice == "scholz":  # Scholz's key for compromises
            ckey = (ao * xi + at * xs[:, None, :]) / (ao + at + guard)
        else:  # the paper: the least change of position
            ckey = np.minimum(np.abs(diff) * ao / (at + guard), _FAR)
        # masks are applied by arithmetic (keys are finite): much faster than np.where on
        # unpredictable masks. Non-candidates get a key far above any real one.
        absd = np.abs(diff)
        key = use_comp * ckey + (~use_comp) * absd + (~cand) * _FAR  # exact for 0/1 masks
        # keys within TIE x R of the least tie; the proposer with the lower position (the
        # first in sorted order) takes them
        j = _first_within(key, tie_key)
        has = any_conf | any_comp | any_capit
        kind = np.where(
            any_conf,
            CONFRONTATION,
            np.where(any_comp, COMPROMISE, np.where(any_capit, CAPITULATION, NONE)),
        ).astype(np.int8)
        u_i, u_j = _gather(own, j), _gather(other, j)

    xj = np.take_along_axis(xs, j, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        toward = xs + (xj - xs) * np.abs(u_i / u_j)
    new_s = np.where(
        kind == COMPROMISE,
        toward,
        np.where((kind == CONFRONTATION) | (kind == CAPITULATION), xj, xs),
    )

    inv = np.argsort(order, axis=1)
    out = {
        "new": _take(new_s, inv),
        "risk": _take(r, inv),
        "chosen": _take(np.where(has, np.take_along_axis(order, j, axis=1), -1), inv),
        "chosen_kind": _take(kind, inv),
        "chosen_eu_own": _take(np.where(has, u_i, 0.0), inv),
        "chosen_eu_other": _take(np.where(has, u_j, 0.0), inv),
    }
    if record is not None:
        kinds = _offer_kinds(own, other, distinct, cfg)
        out["n_offers"] = (kinds > 0).sum(axis=(1, 2))
        if record == "offers":
            with np.errstate(divide="ignore", invalid="ignore"):
                pos = np.where(kinds == COMPROMISE, xi + diff * np.abs(own / other), xs[:, None, :])
            pos = np.where(kinds == RESISTED, xi, pos)
            idx = (np.arange(b)[:, None, None], inv[:, :, None], inv[:, None, :])
            out["offers_kind"] = kinds[idx]
            out["offers_position"] = np.where(kinds > 0, pos, np.nan)[idx]
            out["offers_eu_own"] = own[idx]
            out["offers_eu_other"] = other[idx]
    return out


def _dmasad_kind(u_i: np.ndarray, u_j: np.ndarray, has: np.ndarray) -> np.ndarray:
    """Resolution of the offer an actor took (dmasad): U_i its own E(U) of challenging the
    proposer, U_j the proposer's E(U)."""
    kind = np.where(has, RESISTED, NONE)
    kind = np.where(has & (u_i > TIE) & (u_i < u_j - TIE), CONFRONTATION, kind)
    kind = np.where(has & (u_i < -TIE) & (-u_i < u_j - TIE), COMPROMISE, kind)
    kind = np.where(has & (u_i < -TIE) & (-u_i > u_j + TIE), CAPITULATION, kind)
    return kind.astype(np.int8)


def _offer_kinds(
    own: np.ndarray, other: np.ndarray, distinct: np.ndarray, cfg: EUSettings
) -> np.ndarray:
    """Kind of every offer ``[receiver, proposer]`` (for the trace)."""
    if cfg.variant == "dmasad":
        sent = distinct & (other > TIE)
        return _dmasad_kind(own, other, sent)
    kind = np.full(own.shape, NONE, dtype=np.int8)
    lower = distinct & (other > TIE) & (own < -TIE)
    kind[distinct & (other > own + TIE) & (own > TIE)] = CONFRONTATION
    kind[lower & (other > TIE - own)] = COMPROMISE
    if cfg.capitulation:
        kind[lower & (other < -own - TIE)] = CAPITULATION
    return kind


# --------------------------------------------------------------------------- the play
def play(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    settings: EUSettings,
    *,
    scale: str = "positions",
    hold: Callable[[np.ndarray], np.ndarray | None] | None = None,
    record: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> GameResult:
    """Play ``B`` independent games of ``N`` actors.

    Arrays are ``(B, N)`` (``present`` bool), ``low``/``high`` ``(B,)``. ``scale``:
    ``"positions"`` takes R as the spread of each game's initial positions (the
    references), ``"issue"`` the issue's scale. ``hold(x)`` returns the positions a
    linkage keeps this round (``(B, N)`` bool or ``None``). ``record``: ``None``,
    ``"moves"`` (accepted moves) or ``"offers"`` (every offer too). ``progress(r, T)``
    is called after every round ``r`` of at most ``T``. Many small games without a
    record, and large games, go to the compiled kernel (:func:`_compiled`), with the same
    result. The NumPy kernel plays the games in chunks of at most ``_CHUNK_ELEMENTS``
    pairs (one game at least): memory ``O(N^2)`` per game in a chunk.
    """
    x = np.array(position, dtype=float)
    s = np.asarray(salience, dtype=float)
    present = np.asarray(present, dtype=bool)
    w = np.where(present, np.asarray(capability, dtype=float) * s, 0.0)
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    b, n = x.shape
    if scale == "issue":
        span = high - low
    else:
        span = np.where(present, x, -np.inf).max(axis=1) - np.where(present, x, np.inf).min(axis=1)
        span = np.where(np.isfinite(span), span, 0.0)
    span = np.where(span > 0, span, 1.0)  # a unanimous game: no distances, no moves

    fixed = settings.stop == "rounds"
    limit = settings.rounds if fixed else settings.max_rounds
    tol = settings.tol * (high - low)
    if record != "offers" and _compiled(b, n, record):
        traj_c, risk_c, played_c, converged_c, rec_c = _eu_numba.play(
            x,
            s,
            w,
            present,
            span,
            low,
            high,
            tol,
            variant=settings.variant,
            denominator=settings.denominator,
            choice=settings.choice,
            capitulation=settings.capitulation,
            stop=settings.stop,
            limit=limit,
            hold=hold,
            record=record is not None,
            progress=progress,
        )
        records = []
        if rec_c is not None:
            records = [
                RoundRecord(
                    active=played_c > t,
                    risk=risk_c[t],
                    n_offers=rec_c["n_offers"][t],
                    chosen=rec_c["chosen"][t],
                    chosen_kind=rec_c["kind"][t],
                    chosen_eu_own=rec_c["eu_own"][t],
                    chosen_eu_other=rec_c["eu_other"][t],
                    old=traj_c[t],
                    new=traj_c[t + 1],
                    held=rec_c["held"][t],
                )
                for t in range(risk_c.shape[0])
            ]
        return GameResult(
            trajectory=traj_c,
            risk=risk_c,
            rounds_played=played_c,
            converged=converged_c,
            records=records,
        )
    active = np.ones(b, dtype=bool)
    played = np.zeros(b, dtype=int)
    converged = np.zeros(b, dtype=bool)
    traj = [x.copy()]
    risks: list[np.ndarray] = []
    records: list[RoundRecord] = []
    per_chunk = max(1, _CHUNK_ELEMENTS // max(1, n * n))  # games a chunk
    for t in range(limit):
        if not active.any():
            break
        held = hold(x) if hold is not None else None
        idx = np.flatnonzero(active)
        parts = [
            _round(x[c], s[c], w[c], present[c], span[c], settings, record)
            for c in (idx[k : k + per_chunk] for k in range(0, idx.size, per_chunk))
        ]
        res = (
            parts[0]
            if len(parts) == 1
            else {key: np.concatenate([r[key] for r in parts]) for key in parts[0]}
        )
        sub = idx
        new = x.copy()
        new[sub] = res["new"]
        if held is not None:
            new = np.where(held & present, x, new)
        new = np.clip(new, low[:, None], high[:, None])
        new = np.where(present, new, x)
        risk = np.ones((b, n))
        risk[sub] = res["risk"]
        played[idx] += 1
        if not fixed:
            if settings.stop == "mean":
                with np.errstate(invalid="ignore"):  # nobody present: no mean, never stops
                    change = np.abs(_mean(new, w, present) - _mean(x, w, present))
            else:
                change = np.where(present, np.abs(new - x), 0.0).max(axis=1)
            was_held = np.zeros(b, bool) if held is None else (held & present).any(axis=1)
            done = active & (change <= tol) & ~was_held
            converged |= done
        if record is not None:
            records.append(_record(res, idx, active.copy(), b, n, x, new, held, risk))
        x = new
        traj.append(x.copy())
        risks.append(risk)
        if not fixed:
            active &= ~converged
        if progress is not None:
            progress(t + 1, limit)
    return GameResult(
        trajectory=np.stack(traj),
        risk=np.stack(risks) if risks else np.ones((0, b, n)),
        rounds_played=played,
        converged=converged,
        records=records,
    )


def _compiled(games: int, actors: int, record: str | None = None) -> bool:
    """Whether :func:`play` hands the games to the compiled kernel (:mod:`._eu_numba`),
    numba available and not switched off: many small games without a trace, or games of
    at least :data:`._eu_numba.LARGE_ACTORS` actors (the accepted moves traced or not),
    where the compiled kernel's ``O(N^2)`` scratch per game replaces ``(B, N, N)`` arrays."""
    if not _eu_numba.enabled() or games == 0:
        return False
    if actors >= _eu_numba.LARGE_ACTORS:
        return True
    return record is None and games >= _eu_numba.MIN_GAMES and 0 < actors <= _eu_numba.MAX_ACTORS


def _record(res, idx, active, b, n, old, new, held, risk) -> RoundRecord:
    def full(key: str, fill, dtype=float) -> np.ndarray:
        arr = res[key]
        out = np.full((b, *arr.shape[1:]), fill, dtype=dtype)
        out[idx] = arr
        return out

    rec = RoundRecord(
        active=active,
        risk=risk,
        n_offers=full("n_offers", 0, int),
        chosen=full("chosen", -1, int),
        chosen_kind=full("chosen_kind", NONE, np.int8),
        chosen_eu_own=full("chosen_eu_own", 0.0),
        chosen_eu_other=full("chosen_eu_other", 0.0),
        old=old.copy(),
        new=new.copy(),
        held=None if held is None else held.copy(),
    )
    if "offers_kind" in res:
        rec.offers_kind = full("offers_kind", NONE, np.int8)
        rec.offers_position = full("offers_position", np.nan)
        rec.offers_eu_own = full("offers_eu_own", 0.0)
        rec.offers_eu_other = full("offers_eu_other", 0.0)
    return rec


def _mean(x: np.ndarray, w: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Capability x salience weighted mean per game (Achen 2006), ``(B,)``."""
    return weighted_mean(
        x[..., None], w[..., None], np.ones_like(w)[..., None], present[..., None]
    )[..., 0]


def pairwise_vote_median(x: np.ndarray, w: np.ndarray, present: np.ndarray) -> np.ndarray:
    """The position that wins every pairwise vote among the actors' positions.

    With the linear (r = 1) votes of the references, ``a`` beats ``b`` when
    ``Σ_k w_k |x_k - a| < Σ_k w_k |x_k - b|``, so the winner is the actor position with the
    least weighted distance to all voters: a weighted median. Computed in ``O(N log N)``
    per game with prefix sums over sorted positions; ties go to the lower position.
    Arrays ``(..., N)``; returns ``(...)``.
    """
    x = np.asarray(x, dtype=float)
    present = np.broadcast_to(np.asarray(present, dtype=bool), x.shape)
    w = np.where(present, np.broadcast_to(w, x.shape), 0.0)
    if not np.all(w.sum(axis=-1) > 0):
        w = np.where((w.sum(axis=-1, keepdims=True) > 0), w, present.astype(float))
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    ps = np.take_along_axis(present, order, axis=-1)
    cw = np.cumsum(ws, axis=-1)
    cwx = np.cumsum(ws * xs, axis=-1)
    tw, twx = cw[..., -1:], cwx[..., -1:]
    cost = xs * cw - cwx + (twx - cwx) - xs * (tw - cw)
    cost = np.where(ps, cost, np.inf)
    best = cost.min(axis=-1, keepdims=True)
    tie = ps & (cost <= best + 1e-12 * np.maximum(np.abs(best), 1.0))
    k = np.argmax(tie, axis=-1)
    return np.take_along_axis(xs, k[..., None], axis=-1)[..., 0]
