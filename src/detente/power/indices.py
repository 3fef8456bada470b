"""Power indices of a weighted voting body: Shapley-Shubik and normalised Banzhaf.

A weighted voting game ``[q; w_1, ..., w_n]`` lets a coalition ``S`` of players pass a
decision when its weight ``w(S) = sum_{i in S} w_i`` reaches the quota: ``w(S) >= q``.
A player ``i`` *swings* for a coalition ``S`` of the others when ``S`` loses without ``i``
and wins with it, ``q - w_i <= w(S) < q``.

* **Shapley-Shubik index** (Shapley & Shubik 1954, "A method for evaluating the distribution
  of power in a committee system", *APSR* 48(3), eq. on p. 788): the share of the ``n!``
  orders in which the players join in which ``i`` is the pivot, the one whose arrival
  makes the coalition win,
  ``phi_i = sum_{S swung by i} |S|! (n - 1 - |S|)! / n!``.
* **Banzhaf index** (Banzhaf 1965, "Weighted voting doesn't work: a mathematical analysis",
  *Rutgers Law Review* 19(2)): the number of swings ``eta_i`` of ``i``; the normalised index
  ``beta_i = eta_i / sum_j eta_j`` (the shares sum to 1, as in the EU Council tables) and
  the absolute index ``eta_i / 2^(n-1)``.

**Exact computation** by generating functions, i.e. counting coalitions by weight (and
size) with dynamic programming over integer weights (Brams & Affuso 1976, "Power and size:
a new paradox", *Theory and Decision* 7(1-2); Matsui & Matsui 2000, "A survey of
algorithms for calculating power indices of weighted majority games", *J. Operations
Research Society of Japan* 43(1), sec. 3). With ``W = q`` (only weights below the quota
matter) the table ``C[s, k]`` of coalitions of size ``s`` and weight ``k < q`` is built in
``O(n^2 W)`` operations; the table of the others of player ``i`` is taken out of it by the
inverse step ``C_{-i}[s, k] = C[s, k] - C_{-i}[s - 1, k - w_i]`` (``O(n W)`` per player),
and a player's swings are the entries of ``C_{-i}`` with ``q - w_i <= k < q``. The Banzhaf
counts alone need no sizes: prefix and suffix tables over weight (``O(n W)``). All counts
are integers (NumPy ``int64`` up to 62 players, Python integers beyond), so the indices are
exact fractions, returned as floats (and as :class:`fractions.Fraction` by
:func:`exact_indices`).

Weights that are not integers are multiplied by ``10^d``, ``d`` the most decimals of any
weight as written (at most :data:`MAX_DECIMALS`); a coalition wins when its scaled weight is
at least ``ceil(q * 10^d)``, which is the same game. When the weights have more decimals,
or the table would be too large (:data:`EXACT_MAX_CELLS`, :data:`EXACT_MAX_WORK`), the
indices are estimated by **Monte Carlo sampling** (Mann & Shapley 1960, "Values of large
games IV", RAND RM-2651; Fatima, Wooldridge & Jennings 2008 survey the method): random
orders of the players for Shapley-Shubik, random coalitions (each player in with
probability 1/2) for Banzhaf, from a seeded generator, with the standard error of each
estimate (binomial for Shapley-Shubik; the delta method for the ratio that normalises the
Banzhaf counts). There, float sums compare with the quota with a tolerance of
:data:`FLOAT_TOLERANCE` times the total weight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from detente.errors import InputError

__all__ = [
    "DEFAULT_SAMPLES",
    "EXACT_MAX_CELLS",
    "EXACT_MAX_WORK",
    "FLOAT_TOLERANCE",
    "MAX_DECIMALS",
    "Method",
    "PowerIndices",
    "banzhaf_swings",
    "exact_indices",
    "integer_game",
    "power_indices",
    "sample_indices",
]

Method = Literal["auto", "exact", "sample"]

#: weights with more decimals than this are not scaled to integers (sampling instead)
MAX_DECIMALS = 6
#: largest table ``(n + 1) x q`` of coalition counts the exact method builds (80 MB of int64)
EXACT_MAX_CELLS = 10_000_000
#: largest ``n^2 q`` (element operations of the exact method, about one second per 10^9)
EXACT_MAX_WORK = 2_000_000_000
#: beyond this many players the counts exceed int64 and Python integers are used: slower,
#: so the work allowed is smaller
INT64_PLAYERS = 62
EXACT_MAX_WORK_BIG = 50_000_000
#: random orders / coalitions drawn by default when sampling
DEFAULT_SAMPLES = 100_000
#: sampling with float weights: a coalition wins when w(S) >= q - FLOAT_TOLERANCE * total
FLOAT_TOLERANCE = 1e-9
_CHUNK = 2_000_000  # sampled cells held at once


@dataclass(frozen=True)
class PowerIndices:
    """The power indices of the players of a weighted voting game ``[quota; weights]``.

    ``method`` is ``exact`` (``scale``: the factor that made the weights integers) or
    ``sample`` (``samples`` draws from generator seed ``seed``; ``shapley_se`` and
    ``banzhaf_se`` their standard errors). ``swings``: each player's Banzhaf swing count
    (exact only).
    """

    names: tuple[str, ...]
    weights: tuple[float, ...]
    quota: float
    shapley: tuple[float, ...]
    banzhaf: tuple[float, ...]
    method: Literal["exact", "sample"]
    scale: int | None = None
    swings: tuple[int, ...] | None = None
    samples: int | None = None
    seed: int | None = None
    shapley_se: tuple[float, ...] | None = None
    banzhaf_se: tuple[float, ...] | None = None

    @property
    def total(self) -> float:
        return math.fsum(self.weights)

    def capability(self, measure: Literal["shapley", "banzhaf", "weights"]) -> dict[str, float]:
        """Each player's capability under ``measure`` (a scenario's ``capability``)."""
        vals = {"shapley": self.shapley, "banzhaf": self.banzhaf, "weights": self.weights}
        return dict(zip(self.names, vals[measure], strict=True))

    def how(self) -> str:
        """How the indices were computed, in one line."""
        if self.method == "exact":
            scaled = "" if self.scale in (None, 1) else f", weights x {self.scale} to integers"
            return f"exact (dynamic programming over integer weights{scaled})"
        se = max((*(self.shapley_se or ()), *(self.banzhaf_se or ())), default=float("nan"))
        return f"sampled: {self.samples:,} draws, seed {self.seed}; largest standard error {se:.2g}"

    def summary(self) -> str:
        """A few lines: the game, the method, the most powerful players."""
        share = self.quota / self.total if self.total else float("nan")
        order = sorted(range(len(self.names)), key=lambda i: (-self.shapley[i], i))[:3]
        top = ", ".join(
            f"{self.names[i]} {self.shapley[i]:.4f} / {self.banzhaf[i]:.4f}" for i in order
        )
        return (
            f"{len(self.names)} players, total weight {self.total:g}, quota {self.quota:g} "
            f"({share:.1%})\n{self.how()}\nlargest (Shapley-Shubik / Banzhaf): {top}"
        )

    def to_dict(self) -> dict[str, Any]:
        players = []
        for i, name in enumerate(self.names):
            row: dict[str, Any] = {
                "name": name,
                "weight": self.weights[i],
                "shapley_shubik": self.shapley[i],
                "banzhaf": self.banzhaf[i],
            }
            if self.swings is not None:
                row["swings"] = self.swings[i]
            if self.shapley_se is not None and self.banzhaf_se is not None:
                row["shapley_shubik_se"] = self.shapley_se[i]
                row["banzhaf_se"] = self.banzhaf_se[i]
            players.append(row)
        return {
            "quota": self.quota,
            "total_weight": self.total,
            "method": self.method,
            "scale": self.scale,
            "samples": self.samples,
            "seed": self.seed,
            "players": players,
        }

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per player."""
        import pandas as pd

        return pd.DataFrame(self.to_dict()["players"]).set_index("name")


# ----------------------------------------------------------------------------- input
def _check_game(
    weights: Sequence[float], quota: float, names: Sequence[str] | None
) -> tuple[list[float], float, tuple[str, ...]]:
    ws: list[float] = []
    for k, w in enumerate(weights, start=1):
        try:
            x = float(w)
        except (TypeError, ValueError):
            raise InputError(
                f"weight {k} ({w!r}) is not a number",
                where="weights",
                allowed="non-negative numbers",
            ) from None
        if not math.isfinite(x) or x < 0:
            raise InputError(
                f"weight {k} is {w}",
                where="weights",
                allowed="finite non-negative numbers",
            )
        ws.append(x)
    if not ws:
        raise InputError("no weights given", where="weights", allowed="one weight per player")
    total = math.fsum(ws)
    try:
        q = float(quota)
    except (TypeError, ValueError):
        raise InputError(
            f"quota {quota!r} is not a number", where="quota", allowed=f"a number in (0, {total:g}]"
        ) from None
    if not math.isfinite(q) or q > total:
        raise InputError(
            f"quota {quota:g} is above the total weight {total:g}: no coalition can win",
            where="quota",
            allowed=f"a number in (0, {total:g}]",
        )
    if q <= 0:
        raise InputError(
            f"quota {quota:g} is not above 0: every coalition, even the empty one, would win",
            where="quota",
            allowed=f"a number in (0, {total:g}]",
        )
    if names is None:
        names = [f"p{k}" for k in range(1, len(ws) + 1)]
    names = tuple(str(x) for x in names)
    if len(names) != len(ws):
        raise InputError(
            f"{len(names)} names for {len(ws)} weights",
            where="names",
            allowed="one name per weight",
        )
    seen: set[str] = set()
    for x in names:
        if x in seen:
            raise InputError(f"name {x!r} is given twice", where="names", allowed="distinct names")
        seen.add(x)
    return ws, q, names


def integer_game(weights: Sequence[float], quota: float) -> tuple[list[int], int, int] | None:
    """The same game with integer weights: ``(int_weights, int_quota, scale)``.

    ``scale = 10^d`` with ``d`` the most decimals of any weight as Python writes it (the
    shortest form that reads back as the same float), ``d <= MAX_DECIMALS``; the quota
    becomes ``ceil(q * scale)`` (a coalition of integer weight reaches ``q * scale`` exactly
    when it reaches its ceiling). ``None`` when some weight has more decimals.
    """
    decs = []
    for w in weights:
        try:
            d = Decimal(repr(float(w)))
        except InvalidOperation:  # pragma: no cover - finite floats always convert
            return None
        exp = d.normalize().as_tuple().exponent
        decs.append(max(0, -int(exp)) if isinstance(exp, int) else 0)
    places = max(decs, default=0)
    if places > MAX_DECIMALS:
        return None
    scale = 10**places
    iw = [int(Decimal(repr(float(w))) * scale) for w in weights]
    iq = math.ceil(Decimal(repr(float(quota))) * scale)
    return iw, int(iq), scale


# ----------------------------------------------------------------------------- exact
def _exact_work(n: int, q: int) -> tuple[int, int, int]:
    """(cells of the table, element operations, the limit on operations) for ``n``, ``q``."""
    limit = EXACT_MAX_WORK if n <= INT64_PLAYERS else EXACT_MAX_WORK_BIG
    return (n + 1) * q, n * n * q, limit


def exact_indices(weights: Sequence[int], quota: int) -> tuple[list[Fraction], list[int]]:
    """Exact Shapley-Shubik indices (fractions) and Banzhaf swing counts of the integer game
    ``[quota; weights]`` (``quota >= 1``), by the size-by-weight generating function.

    ``C[s, k]`` counts the coalitions of ``s`` players of weight ``k`` (``k < quota``: a
    heavier coalition wins whatever joins it). Adding a player of weight ``w`` maps
    ``C[s, k] += C[s - 1, k - w]``; removing it, ``C_{-i}[s, k] = C[s, k] - C_{-i}[s - 1,
    k - w]`` (Matsui & Matsui 2000, sec. 3). Player ``i`` swings for the coalitions of the
    others counted in ``C_{-i}[s, k]`` with ``quota - w_i <= k``; of size ``s`` each is
    pivotal in ``s! (n - 1 - s)!`` of the ``n!`` orders (Shapley & Shubik 1954).
    """
    n = len(weights)
    q = int(quota)
    if q < 1:
        raise ValueError("quota must be at least 1")
    dtype: Any = np.int64 if n <= INT64_PLAYERS else object
    table = np.zeros((n + 1, q), dtype=dtype)
    table[0, 0] = 1
    for w in weights:
        w = int(w)
        if w < q:  # (a player at or above the quota adds no coalition below it)
            table[1:, w:] = table[1:, w:] + table[:-1, : q - w]
    fact = [math.factorial(k) for k in range(n + 1)]
    shapley: list[Fraction] = []
    swings: list[int] = []
    cache: dict[int, tuple[Fraction, int]] = {}
    for w in weights:
        w = int(w)
        if w in cache:  # equal weights, equal indices
            shapley.append(cache[w][0])
            swings.append(cache[w][1])
            continue
        if w < q:
            others = table.copy()
            for s in range(1, n + 1):
                others[s, w:] = others[s, w:] - others[s - 1, : q - w]
        else:
            others = table
        lo = max(q - w, 0)
        counts = [int(others[s, lo:].sum()) for s in range(n)]
        ss = Fraction(sum(c * fact[s] * fact[n - 1 - s] for s, c in enumerate(counts)), fact[n])
        cache[w] = (ss, sum(counts))
        shapley.append(ss)
        swings.append(sum(counts))
    return shapley, swings


def banzhaf_swings(weights: Sequence[int], quota: int) -> list[int]:
    """Banzhaf swing counts alone, in ``O(n W)``: with ``F_i`` the weight counts of the
    coalitions of players before ``i`` and ``B_i`` of those after it, player ``i``'s swings
    are ``sum_k F_i[k] * #{coalitions of B_i with q - w_i - k <= weight < q - k}``."""
    n = len(weights)
    q = int(quota)
    dtype: Any = np.int64 if n <= INT64_PLAYERS else object
    suffix = [np.zeros(q, dtype=dtype) for _ in range(n + 1)]
    suffix[n][0] = 1
    for i in range(n - 1, -1, -1):
        nxt = suffix[i + 1].copy()
        w = int(weights[i])
        if w < q:
            nxt[w:] = nxt[w:] + suffix[i + 1][: q - w]
        suffix[i] = nxt
    prefix = np.zeros(q, dtype=dtype)
    prefix[0] = 1
    out = []
    for i in range(n):
        w = int(weights[i])
        after = suffix[i + 1]
        cum = np.concatenate([np.zeros(1, dtype=dtype), np.cumsum(after)])  # cum[m] = sum < m
        k = np.arange(q)
        hi = q - k  # weight of the others' part < q - k
        lo = np.maximum(q - w - k, 0)
        out.append(int(np.sum(prefix * (cum[hi] - cum[np.minimum(lo, q)]))))
        if w < q:
            prefix = prefix.copy()
            prefix[w:] = prefix[w:] + prefix[: q - w].copy()
    return out


# ----------------------------------------------------------------------------- sampling
def sample_indices(
    weights: Sequence[float], quota: float, samples: int = DEFAULT_SAMPLES, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Monte Carlo estimates ``(shapley, shapley_se, banzhaf, banzhaf_se)``.

    Shapley-Shubik: ``samples`` uniformly random orders of the players; the estimate is the
    share of orders in which each player is the pivot, standard error
    ``sqrt(p (1 - p) / samples)``. Banzhaf: ``samples`` random coalitions (each player in
    with probability 1/2); for each player the share ``a_i`` of draws in which the
    coalition of the others (the draw without ``i``) is swung by ``i``; the normalised
    index is ``a_i / sum_j a_j`` and its standard error the delta-method one,
    ``sd(X_i - beta_i T) / (sqrt(samples) mean(T))`` with ``X_i`` the swing indicator and
    ``T = sum_j X_j``. Weights that :func:`integer_game` turns into integers are summed as
    integers; other float sums meet the quota with tolerance
    ``FLOAT_TOLERANCE * total``.
    """
    if samples < 2:
        raise InputError(f"{samples} samples", where="samples", allowed="at least 2")
    game = integer_game(weights, quota)
    w: np.ndarray
    if game is not None and sum(game[0]) < 2**62:
        w = np.asarray(game[0], dtype=np.int64)
        q: float = game[1]
        eps: float = 0
    else:
        w = np.asarray(weights, dtype=float)
        q = float(quota)
        eps = FLOAT_TOLERANCE * float(np.sum(w))
    n = w.size
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK // max(n, 1))
    pivots = np.zeros(n, dtype=np.int64)
    sx = np.zeros(n)  # sums of X_i, of X_i T, of T and of T^2 (delta method)
    st = 0.0
    stt = 0.0
    sxt = np.zeros(n)
    done = 0
    while done < samples:
        m = min(rows, samples - done)
        # Shapley-Shubik: the pivot of each random order
        order = rng.random((m, n)).argsort(axis=1)
        cum = np.cumsum(w[order], axis=1)
        pos = (cum >= q - eps).argmax(axis=1)
        pivots += np.bincount(order[np.arange(m), pos], minlength=n)
        # Banzhaf: swings of every player against the rest of a random coalition
        inside = rng.random((m, n)) < 0.5
        tot = inside.astype(w.dtype) @ w
        without = tot[:, None] - inside * w[None, :]
        x = ((without < q - eps) & (without + w[None, :] >= q - eps)).astype(float)
        t = x.sum(axis=1)
        sx += x.sum(axis=0)
        sxt += x.T @ t
        st += float(t.sum())
        stt += float(t @ t)
        done += m
    p = pivots / samples
    ss_se = np.sqrt(p * (1 - p) / samples)
    mean_t = st / samples
    beta = sx / st if st > 0 else np.full(n, np.nan)
    # var(X_i - beta_i T) = E[X_i] - 2 beta_i E[X_i T] + beta_i^2 E[T^2] - (E[X_i] - beta_i E[T])^2
    ex = sx / samples
    ext = sxt / samples
    ett = stt / samples
    var = ex - 2 * beta * ext + beta**2 * ett - (ex - beta * mean_t) ** 2
    var *= samples / (samples - 1)  # the unbiased sample variance
    bz_se = np.sqrt(np.maximum(var, 0) / samples) / mean_t
    return p, ss_se, beta, bz_se


# ----------------------------------------------------------------------------- front
def power_indices(
    weights: Sequence[float],
    quota: float,
    *,
    names: Sequence[str] | None = None,
    method: Method = "auto",
    samples: int = DEFAULT_SAMPLES,
    seed: int = 0,
) -> PowerIndices:
    """Shapley-Shubik and normalised Banzhaf indices of the game ``[quota; weights]``.

    ``method``: ``exact`` (the dynamic programme; an :class:`InputError` when the weights
    have more than :data:`MAX_DECIMALS` decimals or the table is too large), ``sample``
    (Monte Carlo with ``samples`` draws and ``seed``), ``auto`` (exact when it can be, else
    sampled). Bad weights (negative, not numbers), a quota not in ``(0, total]`` or names
    that do not match are :class:`InputError`.
    """
    ws, q, labels = _check_game(weights, quota, names)
    if method not in ("auto", "exact", "sample"):
        raise InputError(
            f"unknown method {method!r}", where="method", allowed="auto, exact, sample"
        )
    if method != "sample":
        game = integer_game(ws, q)
        why = None
        if game is None:
            why = f"weights with more than {MAX_DECIMALS} decimals"
        else:
            cells, work, limit = _exact_work(len(ws), game[1])
            if cells > EXACT_MAX_CELLS or work > limit:
                why = (
                    f"{len(ws)} players with an integer quota of {game[1]:,} need a table of "
                    f"{cells:,} cells and {work:,} operations "
                    f"(limits {EXACT_MAX_CELLS:,} and {limit:,})"
                )
        if why is None and game is not None:
            iw, iq, scale = game
            ss, sw = exact_indices(iw, iq)
            total = sum(sw)
            return PowerIndices(
                names=labels,
                weights=tuple(ws),
                quota=q,
                shapley=tuple(float(x) for x in ss),
                banzhaf=tuple(float(Fraction(s, total)) for s in sw),
                method="exact",
                scale=scale,
                swings=tuple(sw),
            )
        if method == "exact":
            raise InputError(
                f"no exact computation for {why}",
                where="method",
                allowed="--method sample (Monte Carlo with a seed and standard errors), or "
                "integer weights of a smaller total",
            )
    ss_p, ss_se, bz, bz_se = sample_indices(ws, q, samples=samples, seed=seed)
    return PowerIndices(
        names=labels,
        weights=tuple(ws),
        quota=q,
        shapley=tuple(float(x) for x in ss_p),
        banzhaf=tuple(float(x) for x in bz),
        method="sample",
        samples=int(samples),
        seed=int(seed),
        shapley_se=tuple(float(x) for x in ss_se),
        banzhaf_se=tuple(float(x) for x in bz_se),
    )
