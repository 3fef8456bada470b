"""``detente``: the project's own forecaster, the median of three bargaining models.

For every issue the forecast is the **median of three forecasts** that read the same
positions, saliences and capabilities in three different ways (median-of-models
combination: Armstrong 2001, *Principles of Forecasting*, "Combining forecasts"; the median
as the robust combination of few forecasts, Stock & Watson 2004, *J. Forecasting* 23):

1. **Compromise** (Achen 2006, *The European Union Decides*, eq. 8.1): the weighted mean
   ``m = Σ_a w_a x_a / Σ_a w_a`` with ``w_a = s_a c_a`` (salience times capability).

2. **Probabilistic Condorcet election** over the actors' positions with the same weights
   (the PCE of KTAB's spatial model, Wise, Lester, Efird et al. 2015; Abdollahian,
   Baranick, Efird & Kugler 2006), with quadratic utility ``u_a(y) = -((x_a - y)/span)²``:
   the coalition for position ``j`` against ``k`` is
   ``C_jk = Σ_a w_a max(0, u_a(x_j) - u_a(x_k))``, ``j`` beats ``k`` with probability
   ``P_jk = C_jk / (C_jk + C_kj)`` (½ when both are 0), the conditional PCE gives
   ``p_j ∝ Π_k P_jk`` over the other actors present, and the election's expected outcome
   is ``e = Σ_j p_j x_j``.

3. **Exchange** (Stokman & Van Oosten 1994; :mod:`detente.models.exchange` with its
   defaults, 10 rounds, equal gain): actors trade positions across the scenario's issues;
   ``v`` is the weighted mean (weights ``s c``) of the positions after the last round.
   On large scenarios the rounds are bounded (below, *Scale*).

The forecast::

    f = median(m, e, v)

So the forecast leaves the compromise only where the election *and* the exchange both
move away from it on the same side, and then only as far as the nearer of the two: it is
the compromise moved, conservatively, where a voting reading and a trading reading of the
bargain agree. Each issue's ``details`` name the model whose forecast is the median
(``chosen``; forecasts within :data:`TIE_RTOL` of the span count as equal and the first of
compromise, condorcet, exchange is named).

**Parameters: none are tuned.** The three parts keep the weights and defaults they have as
models of their own (the compromise's ``s·c``; the exchange model's defaults); the median of
three takes no weight. The combination was *chosen* on the DEU II development file
(docs/validation.md): it is the simplest of the variants tried there whose error, against
the compromise model's, had a paired bootstrap interval below zero, and the figures there
are therefore in-sample for that choice. The same page gives the nested cross-validated
figure of the whole search (choosing among every median-of-three by an inner
cross-validation). ``scripts/tuning/ablation.py`` reproduces every figure.

Where each part stands on a scenario without DEU's structure: an issue without a
reference point changes nothing here (none of the three parts reads it, except the exchange
model's fill for an issue nobody takes a stance on); a one-issue scenario has no exchange
(the exchange model trades across pairs of issues), so its third forecast is the
compromise and the forecast is the compromise.

Scale. The exchange part's first round has ``n`` candidate exchanges (about ``A² I² / 16``
with the actors split evenly on each issue; counted exactly, in O(A I²), by
:func:`detente.models.exchange.first_round_candidates`). It plays the exchange model's 10
rounds whenever ``10 n`` is at most :data:`EXCHANGE_BUDGET` (40 million: ten rounds of the
exchange model's own candidate limit, 4 million), that is whenever the first round is played
in full, unpruned: the third forecast is then the exchange model's, exactly (every DEU II
proposal and the bundled scenarios have at most a few thousand). Above it, the part plays
``max(1, EXCHANGE_BUDGET // n)`` rounds (one from 1,000 actors x 20 issues, ``n`` about 25
million, upward), each pruned by the exchange model as it prunes any round above its limit
(each actor pair's best candidates); the forecast then says so in its notes, its trace
(an ``"approximation"`` event) and each issue's details (``exchange_rounds``,
``exchange_pruned_rounds``). Fewer rounds move the actors less (each round moves a
preference position only part of the way to its voting position), so the exchange forecast
stays nearer the compromise and the median leans toward the compromise and the election.
The bound counts work, not seconds: the same scenario gets the same forecast on every
machine.

Complexity, for A actors and I issues: the compromise O(A I); the election O(I·A² log A)
time and O(A² + A·I) memory (one issue's (A, A) matrices at a time, 32 MB each at A =
2,000); the exchange part O(A² I²) time per round (candidate generation, compiled; then the
realisations) and at most ``min(10, max(1, EXCHANGE_BUDGET // n))`` rounds, memory O(A² I²)
below the exchange model's candidate limit (at most 4 million candidates, some 1.6 GB) and
O(k A² + A I²) above it (``k`` candidates kept per actor pair). The exchange part runs
without building its trace (:meth:`detente.models.exchange.Exchange.play`). Measured on a
shared 2-core Xeon (AVX-512) under a load average of 6-9, so wall times are two to four
times the CPU times (random scenarios of ``benchmarks/bench_scale.py``):

* 400 x 20: 10 full exchange rounds (3.8 million candidates each), 116 CPU-s, 208 s wall,
  1.6 GB peak;
* 500 x 20: pruned rounds within the budget, 33 s wall (load average 2-5), 0.5 GB peak;
* 1,000 x 20: 1 pruned round (about 25 million candidates), 69 s wall, 0.9 GB peak;
* 2,000 x 50: 1 pruned round (612 million candidates, 4.0 million kept, 102,000 exchanges
  realised), 103 CPU-s (the election 29, the exchange round 75), 264 s wall (117 s at a
  load average of 2-5), 1.7 GB peak.

The dearest scenarios are those just within the budget: ten full rounds of up to 4 million
candidates each (400 x 20 above), or a few pruned rounds that each realise from 4 million
kept candidates.

Ensembles: the exchange model has no batch kernel, so ensembles forecast each draw with
:meth:`DetenteForecaster.forecast` (no ``outcome_batch`` of its own): about 0.05-0.09 s a
draw on the bundled scenario (8 actors x 9 issues, 2-core machine), some 90 % of it the
exchange part's ten rounds, so a batch path for the compromise and the election would save
little.

Departures from the sources, and why:

* The PCE uses quadratic utilities (KTAB's default is linear in distance): with linear
  utility the election's expected outcome stays within a point or so of the weighted mean
  on DEU (with two actors it is the weighted mean exactly), so the median of three would
  nearly always be the compromise; the quadratic election is a distinct forecast
  (docs/validation.md, the ablation). Quadratic utility on a line also lets the
  coalitions be summed from sorted prefix sums, in O(A² log A) per issue instead of O(A³).
* The PCE candidate set is the actors' positions (as in KTAB); an actor's position is a
  candidate even when its weight is 0. Where every actor on an issue has zero weight,
  weights are equal among those present (as in :mod:`detente.models.compromise`); an issue
  nobody takes a stance on is forecast at its reference point, else its midpoint.
* The exchange model breaks exact ties of gains by a seeded draw. Here that draw always
  comes from the fixed stream :data:`EXCHANGE_TIE_SEED` (0), whatever the forecast's
  ``seed``: the forecaster is deterministic (``stochastic = False``; the seed it is given is
  recorded and changes nothing). The figures of docs/validation.md were computed with that
  stream. Ties matter on DEU II (discrete positions and saliences): with the streams 0..9
  the development file's MAE is 24.47, 24.46, 24.48, 24.46, 24.46, 24.48, 24.43, 24.51,
  24.47, 24.48 (RMSE 31.79-31.82), and 42 of its 190 scored issues move, by up to 4.8
  points; breaking every tie by the exchange model's fixed candidate order instead (first
  tied candidate in the order of actor ids, then issues) gives 24.45 (RMSE 31.83). The
  spread, about 0.08, is the forecaster's sensitivity to an arbitrary choice, not a
  measured difference between variants.
* Decision rules and linkages are applied as for every model (:func:`make_forecast`), to
  the actors' stated positions: the forecast is a closed-form reading of the bargain, and
  its trajectory is the stated positions (one frame).

The condorcet model of the registry is not called: this forecaster's figures are recorded
with its own fixed PCE, so that they do not change when another model's defaults do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from detente import progress
from detente.decision import decision_arrays
from detente.forecasts import Event, Forecast
from detente.linkage import freeze_event, freeze_outcome
from detente.models.base import Model, make_forecast
from detente.models.registry import register
from detente.scenario import Scenario

__all__ = [
    "DEVELOPMENT_SHA256",
    "EXCHANGE_BUDGET",
    "EXCHANGE_ROUNDS",
    "EXCHANGE_TIE_SEED",
    "PARTS",
    "TIE_RTOL",
    "DetenteForecaster",
    "bargaining_weights",
    "condorcet_expectation",
    "exchange_rounds",
    "in_sample_note",
    "is_development_file",
    "median_of_parts",
    "weighted_mean",
]

#: the three forecasts whose median is the forecast, in the order ties are named
PARTS = ("compromise", "condorcet", "exchange")

#: forecasts closer than this share of the issue's span count as equal when the details
#: name the model whose forecast is the median
TIE_RTOL = 1e-9

#: SHA-256 of the file the combination was chosen on: the DEU II development file
#: (``../shared/data/deu2/DEU2.csv``, 197 issues of 75 proposals); this model's scores on
#: it are in-sample
DEVELOPMENT_SHA256 = "64eab967c3c3fd8eafe6b0f80e4a4cd04d4e6a10a3a111471dd8228ded673e56"

#: candidate exchanges the exchange part may generate over its rounds, counted as rounds
#: times the first round's candidates: ten rounds of the exchange model's default
#: ``max_candidates`` (4 million), so that a scenario whose first round is played in full
#: plays all ten
EXCHANGE_BUDGET = 40_000_000

#: rounds of the exchange part below the budget (the exchange model's default)
EXCHANGE_ROUNDS = 10

#: the fixed stream the exchange part breaks its exact ties with, whatever the forecast's
#: seed (so that the forecaster is deterministic; see the module docstring)
EXCHANGE_TIE_SEED = 0

#: share of the progress bar given to the election (the exchange part has the rest)
_ELECTION_SHARE = 0.2

#: elements of the largest (rows, A, A) temporary the PCE builds at once
_CHUNK_ELEMENTS = 4_000_000

#: relative tolerance of the reported Condorcet favourite: actors whose win probability
#: lies within this share of the largest count as tied, and the lowest index is named, so
#: that the name does not flip with rounding
FAVOURITE_RTOL = 1e-9


def bargaining_weights(
    salience: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
    capability_exponent: float,
) -> np.ndarray:
    """``s · (c / max c) ^ exponent`` over the actor axis (-2); equal weights among those
    present on an issue where every weight is 0. Arrays ``(..., A, I)``."""
    cap = np.where(present, capability, 0.0)
    cmax = cap.max(axis=-2, keepdims=True)
    rel = cap / np.where(cmax > 0, cmax, 1.0)
    if capability_exponent == 1.0:
        scaled = rel
    else:
        with np.errstate(divide="ignore"):
            scaled = np.where(rel > 0, rel**capability_exponent, 0.0)
    w = np.where(present, scaled * salience, 0.0)
    total = w.sum(axis=-2, keepdims=True)
    return np.where(total > 0, w, np.broadcast_to(present, w.shape).astype(float))


def exchange_rounds(candidates: int) -> int:
    """Rounds of the exchange part for a first round of ``candidates`` candidate exchanges:
    :data:`EXCHANGE_ROUNDS` while that many rounds stay within :data:`EXCHANGE_BUDGET`,
    else as many as fit, one at least."""
    if candidates * EXCHANGE_ROUNDS <= EXCHANGE_BUDGET:
        return EXCHANGE_ROUNDS
    return max(1, EXCHANGE_BUDGET // candidates)


def condorcet_expectation(
    position: np.ndarray,
    weight: np.ndarray,
    present: np.ndarray,
    span: np.ndarray,
    report: Callable[[float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Conditional probabilistic Condorcet election over the actors' positions.

    ``position`` and ``weight`` ``(..., A, I)``, ``present`` ``(A, I)`` or broadcastable,
    ``span`` ``(I,)``. Returns the expected outcome ``(..., I)`` and the winning
    probabilities ``(..., A, I)`` (0 for absent actors). ``report(share)``, if given, hears
    the share of the elections done after each chunk.
    """
    position, weight = np.broadcast_arrays(position, weight)
    present = np.broadcast_to(present, position.shape)
    lead = position.shape[:-2]
    n_a, n_i = position.shape[-2:]
    # move issues next to the leading axes: rows of shape (A,) to process in chunks
    x = np.moveaxis(position / span, -1, -2).reshape(-1, n_a)  # (R, A)
    w = np.moveaxis(weight, -1, -2).reshape(-1, n_a)
    pr = np.moveaxis(present, -1, -2).reshape(-1, n_a)
    n_rows = x.shape[0]
    probs = np.zeros_like(x)
    step = max(1, _CHUNK_ELEMENTS // max(1, n_a**2))
    for lo in range(0, n_rows, step):
        sl = slice(lo, min(n_rows, lo + step))
        probs[sl] = _pce_rows(x[sl], np.where(pr[sl], w[sl], 0.0), pr[sl])
        if report is not None:
            report(sl.stop / n_rows)
    probs_full = np.moveaxis(probs.reshape(*lead, n_i, n_a), -1, -2)
    expected = (probs_full * position).sum(axis=-2)
    return expected, probs_full


def _coalitions(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``C[r, j, k] = Σ_a w_a max(0, (x_a - x_k)² - (x_a - x_j)²)`` for ``R`` rows of ``A``
    actors, in O(R·A²·log) rather than O(R·A³).

    With quadratic utility on a line, the voters who prefer ``x_j`` to ``x_k`` are those on
    ``j``'s side of the midpoint ``m``, and each gains ``2|x_k - x_j|·|m - x_a|``; so
    ``C_jk = 2|x_k - x_j|·(m·W - XW)`` for ``x_j < x_k``, with ``W`` and ``XW`` the sums of
    ``w`` and ``w·x`` over the voters below ``m`` (mirrored for ``x_j > x_k``). The sums come
    from prefix sums over the sorted positions, found for every midpoint at once by one
    search in the rows laid end to end (each row rescaled to [0, 1], which scales its
    coalitions by one common factor, and offset by ``2r``).
    """
    n_r, n_a = x.shape
    # the probabilities only use ratios of coalitions: put every row on [0, 1] first
    lo = x.min(axis=1, keepdims=True)
    width = x.max(axis=1, keepdims=True) - lo
    x = (x - lo) / np.where(width > 0, width, 1.0)
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    ws = np.take_along_axis(w, order, axis=1)
    zeros = np.zeros((n_r, 1))
    cum_w = np.concatenate([zeros, np.cumsum(ws, axis=1)], axis=1)  # (R, A + 1)
    cum_xw = np.concatenate([zeros, np.cumsum(ws * xs, axis=1)], axis=1)
    mid = 0.5 * (x[:, :, None] + x[:, None, :])  # (R, j, k)
    if n_r == 1:
        # one row: search its midpoints in sorted order (each row of them ascends, which
        # keeps searchsorted fast) and put the counts back in the actors' order
        mid_s = 0.5 * (xs[0][:, None] + xs[0][None, :])  # the same sums, sorted order
        found = np.searchsorted(xs[0], mid_s.ravel(), side="left").reshape(n_a, n_a)
        inv = np.empty(n_a, dtype=np.intp)
        inv[order[0]] = np.arange(n_a)
        below = found[np.ix_(inv, inv)][None]
    else:
        offset = 2.0 * np.arange(n_r)[:, None]
        flat = (xs + offset).ravel()
        below = np.searchsorted(flat, (mid + offset[:, :, None]).ravel(), side="left")
        below = below.reshape(n_r, n_a, n_a) - (np.arange(n_r) * n_a)[:, None, None]
    rows = np.arange(n_r)[:, None, None]
    w_lo = cum_w[rows, below]
    xw_lo = cum_xw[rows, below]
    w_hi = cum_w[:, -1][:, None, None] - w_lo
    xw_hi = cum_xw[:, -1][:, None, None] - xw_lo
    gap = x[:, None, :] - x[:, :, None]  # x_k - x_j
    lower_side = mid * w_lo - xw_lo  # voters below m, for j below k
    upper_side = xw_hi - mid * w_hi  # voters above m, for j above k
    c = 2.0 * np.abs(gap) * np.where(gap > 0, lower_side, upper_side)
    return np.maximum(np.where(gap != 0, c, 0.0), 0.0)


def _pce_rows(x: np.ndarray, w: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Winning probabilities ``(R, A)`` for ``R`` independent one-issue elections."""
    coalition = _coalitions(x, w)
    both = coalition + np.swapaxes(coalition, 1, 2)
    p_win = np.where(both > 0, coalition / np.where(both > 0, both, 1.0), 0.5)
    pair = present[:, :, None] & present[:, None, :]
    with np.errstate(divide="ignore"):
        log_p = np.where(pair, np.log(p_win), 0.0).sum(axis=2)
    log_p = np.where(present, log_p, -np.inf)
    top = log_p.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    p = np.exp(log_p - top)
    total = p.sum(axis=1, keepdims=True)
    return np.where(total > 0, p / np.where(total > 0, total, 1.0), 0.0)


def weighted_mean(
    position: np.ndarray,
    weight: np.ndarray,
    present: np.ndarray,
    fill: np.ndarray,
) -> np.ndarray:
    """``Σ w x / Σ w`` over the actor axis (-2) of ``(..., A, I)`` arrays; ``fill`` ``(I,)``
    where no actor is present on an issue (``weight`` from :func:`bargaining_weights`,
    which is positive somewhere wherever an actor is present)."""
    total = weight.sum(axis=-2)
    safe = np.where(total > 0, total, 1.0)
    mean = (weight * np.where(present, position, 0.0)).sum(axis=-2) / safe
    return np.where(total > 0, mean, fill)


def median_of_parts(parts: np.ndarray, span: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The median of the three forecasts ``parts`` ``(3, ..., I)`` (order :data:`PARTS`),
    and the index of the part it equals ``(..., I)``: the first within :data:`TIE_RTOL` of
    ``span`` ``(I,)``."""
    med = np.median(parts, axis=0)
    close = np.abs(parts - med) <= TIE_RTOL * np.maximum(span, 1e-300)
    return med, np.argmax(close, axis=0)


@register
class DetenteForecaster(Model):
    """The median of the compromise, a quadratic-utility Condorcet election and the exchange
    model. No parameter; see the module docstring for the equations, sources and validation.
    """

    name = "detente"
    summary = (
        "median of three forecasts: the weighted mean, a probabilistic Condorcet election and "
        "the exchange model (validated on DEU)"
    )
    citation = (
        "Achen (2006); KTAB PCE (Wise et al. 2015); Stokman & Van Oosten (1994); "
        "median of forecasts (Armstrong 2001); chosen on DEU II (docs/validation.md)"
    )
    stochastic = False

    def parts(self, scenario: Scenario) -> dict[str, Any]:
        """The three forecasts of every issue (``(I,)`` each, keys :data:`PARTS`), the
        election's winning probabilities ``pce`` ``(A, I)``, and how the exchange part was
        played: ``exchange_candidates`` (its first round's), ``exchange_rounds`` and
        ``exchange_pruned`` (the rounds the exchange model pruned, 1-based)."""
        from detente.models.exchange import Exchange, first_round_candidates

        arr = scenario.arrays()
        fill = np.where(np.isnan(arr.reference), (arr.low + arr.high) / 2.0, arr.reference)
        w = bargaining_weights(arr.salience, arr.capability, arr.present, 1.0)
        mean = weighted_mean(arr.position, w, arr.present, fill)
        n_cand = first_round_candidates(scenario)
        rounds = exchange_rounds(n_cand)
        # progress: a fixed fifth of the bar for the elections (28 % of the CPU time at
        # 2,000 x 50, 1 % at 400 x 20), the rest for the exchange part's rounds
        label = "detente: Condorcet elections"
        progress.report(0.0, label)
        election, pce = condorcet_expectation(
            arr.position,
            w,
            arr.present,
            arr.high - arr.low,
            report=lambda share: progress.report(_ELECTION_SHARE * share, label),
        )
        election = np.where(arr.present.any(axis=0), election, fill)

        def exchange_progress(share: float, text: str) -> None:
            progress.report(_ELECTION_SHARE + (1.0 - _ELECTION_SHARE) * share, f"detente: {text}")

        played = Exchange(rounds=rounds).play(
            scenario, seed=EXCHANGE_TIE_SEED, report=exchange_progress
        )
        exchange = weighted_mean(played.positions[-1], w, arr.present, fill)
        pruned = [r for r, res in enumerate(played.results, start=1) if res.n_kept >= 0]
        return {
            "compromise": mean,
            "condorcet": election,
            "exchange": exchange,
            "pce": pce,
            "exchange_candidates": n_cand,
            "exchange_rounds": rounds,
            "exchange_pruned": pruned,
        }

    def forecast(self, scenario: Scenario, *, seed: int | None = None) -> Forecast:
        arr = scenario.arrays()
        p = self.parts(scenario)
        stacked = np.stack([p[k] for k in PARTS])
        out, which = median_of_parts(stacked, arr.high - arr.low)
        out, frozen = freeze_outcome(
            scenario.linkages, arr, out, arr.position, decision_arrays(scenario)
        )
        events = [freeze_event(arr, k) for k in np.flatnonzero(frozen)]
        notes = _approximation_notes(
            p["exchange_candidates"], p["exchange_rounds"], p["exchange_pruned"]
        )
        if notes:
            events.insert(
                0,
                Event(
                    round=0,
                    kind="approximation",
                    actors=(),
                    issues=(),
                    text=" ".join(notes),
                    data={
                        "exchange_candidates": p["exchange_candidates"],
                        "exchange_rounds": p["exchange_rounds"],
                        "exchange_pruned_rounds": list(p["exchange_pruned"]),
                        "budget": EXCHANGE_BUDGET,
                    },
                ),
            )
        details = {}
        pce = p["pce"]
        for k, iss in enumerate(arr.issue_ids):
            # the most probable position; within FAVOURITE_RTOL of it, the lowest index
            col = pce[:, k]
            top = int(np.argmax(col >= col.max() * (1.0 - FAVOURITE_RTOL)))
            details[iss] = {
                **{name: float(p[name][k]) for name in PARTS},
                "chosen": PARTS[int(which[k])],
                "condorcet_favourite": arr.actor_ids[top],
                "condorcet_probability": float(pce[top, k]),
                "exchange_rounds": p["exchange_rounds"],
                "exchange_pruned_rounds": len(p["exchange_pruned"]),
            }
        return make_forecast(
            self,
            scenario,
            arr.position[None, :, :],
            out,
            seed=seed,
            details=details,
            events=events,
            summary=notes,
        )


def _approximation_notes(candidates: int, rounds: int, pruned: list[int]) -> list[str]:
    """Readable lines saying where the exchange part is not the exchange model's ten full
    rounds (none when it is)."""
    notes = []
    if rounds < EXCHANGE_ROUNDS:
        notes.append(
            f"The exchange part played {rounds} of the exchange model's {EXCHANGE_ROUNDS} "
            f"rounds: its first round has {candidates:,} candidate exchanges and the part "
            f"generates at most {EXCHANGE_BUDGET:,} (rounds x first-round candidates)."
        )
    if pruned:
        notes.append(
            f"Exchange round{'s' if len(pruned) > 1 else ''} {', '.join(map(str, pruned))} "
            "had more candidates than the exchange model's limit and kept each actor pair's "
            "best at the round's start: an approximation of the full exchange model."
        )
    return notes


def is_development_file(path: str | Path) -> bool:
    """Whether the file at ``path`` is, byte for byte (SHA-256), the development file this
    forecaster was chosen on (:data:`DEVELOPMENT_SHA256`); ``False`` for data that are not
    a file (built in memory)."""
    if not Path(path).is_file():
        return False
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == DEVELOPMENT_SHA256


def in_sample_note(path: str | Path) -> tuple[bool, str]:
    """Whether ``detente``'s scores on the data file ``path`` are in-sample, and one line
    saying so for the user (``detente validate`` prints it)."""
    if is_development_file(path):
        return True, (
            "detente was chosen on this file (the DEU II development data, SHA-256 "
            f"{DEVELOPMENT_SHA256[:12]}...): its figures here are in-sample; its "
            "cross-validated estimate is in docs/validation.md"
        )
    return False, (
        "detente was chosen on the DEU II development data (docs/validation.md); this file "
        "is not that file, so its figures here are out of sample except on issues it shares "
        "with DEU II"
    )
