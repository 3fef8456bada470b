"""The exchange model: actors trade positions across issues (Stokman & Van Oosten).

Stokman & Van Oosten (1994), "The exchange of voting positions: an object-oriented model of
policy networks", in Bueno de Mesquita & Stokman (eds.), *European Community Decision
Making*, Yale University Press; Stokman (2015). Equal-gain variant as computed by decide
(foarsitter/decide-exchange-model, commit 51dee66); the rules are in docs/models/exchange.md
and numbered here as there. Notation: actor ``i`` has position ``x``, salience ``s`` and
capability ``c`` on each issue; positions are normalised to 0..100 with the issue's bounds.

1. Outcome of issue d: ``O_d = Σ_i c_id s_id x_id / Σ_i c_id s_id``.
2. For every issue pair (p, q) each actor belongs to a group by its side of the outcome on
   both issues (a: right, right; b: left, right; c: right, left; d: left, left; "left" is
   ``x < O``). Only a-d and b-c pairs can exchange.
3. Roles: the actor that cares relatively less about p (``s_ip / s_iq < s_jp / s_jq``)
   supplies p, i.e. moves on p toward the other, and demands q; call the supplier of q
   ``I`` and the supplier of p ``J``.
4. Exchange: ``J`` moves all the way to ``I``'s position on p, shifting the outcome by
   ``Δp = |x_Ip - x_Jp| c_Jp s_Jp / Σ_k c_kp s_kp``; equal gain,
   ``Δp s_Ip - Δq s_Iq = Δq s_Jq - Δp s_Jp``, gives ``Δq = Δp (s_Ip + s_Jp) / (s_Iq + s_Jq)``
   and ``I``'s move ``Δq Σ_k c_kq s_kq / (c_Iq s_Iq)``. If that would carry ``I`` past
   ``J``'s position, ``I`` moves all the way and ``J``'s move follows from the ratio. The
   gain of both is ``|Δp s_Ip - Δq s_Iq|``.
5. Cap: if a move would carry the outcome past the position of the actor demanding that
   issue, it is cut so that the outcome lands there, and the other move follows.
6. Invalid: a move of at most 1e-10 or more than 100, a voting position outside 0..100, a
   move against the direction of the actor's earlier moves on that issue in this round, a
   history of moves summing to more than 100, or a gain below 1e-10.
7. Realisation, greedy: the exchange with the highest gain is carried out, every open
   exchange sharing one of its (actor, supply issue) or (actor, demand issue) roles is
   recalculated from the new positions (or dropped when no longer valid), and so on until
   none is left. Exactly tied gains are broken by a seeded random draw.
8. End of round: the voting positions are the realised positions; every actor that moved
   takes the new preference position ``x + (fixed_weight + salience_weight (1 - s)) (y - x)``
   (decide: 0.1 and 0.4) for the next round. The number of rounds is fixed (``rounds``).

Details of decide kept in both modes (they shape its results): the outcome a cut is measured
against is the one *seen by the demanding actor*, the round-start positions plus the moves
of suppliers in realised exchanges that actor demanded on that issue (when a supplier moves
toward it twice, the record nearer the round-start position is kept); and when a realised
exchange moves an actor on an issue it also supplies in an open exchange, that exchange's
previous move joins the move history its next move is checked against (rule 6).

The forecast's ``outcome`` is the capability x salience weighted mean of the preference
positions after the last round (as decide reports it); the trajectory holds the preference
positions at the start of each round and after the last. Each realised exchange is an
``Event`` of kind ``"exchange"``; the summary names the trades realised between the
scenario's two principals.

Randomised exchange rate (parameter ``p``, after Dijkstra et al. 2018 and decide's
randomised variant): the exchange rate ``Δq / Δp`` is drawn between the equal-gain rate and
the rate at which one side gains nothing: with probability 1/2 toward either side, a
fraction ``p z`` of the way, ``z ~ U(0, 1)``. ``p = 0`` is the equal-gain model. The equal
gain still ranks the exchanges.

Scale: pruning, complexity, determinism.

* Candidates. With the actors split about evenly on each issue, a round has about ``A² I² /
  16`` candidate exchanges (``A²/8`` actor pairs in groups a-d or b-c per issue pair, ``I (I
  - 1) / 2`` issue pairs): 24 million at 1,000 actors x 20 issues, 600 million at 2,000 x
  50. A round whose candidates number at most ``max_candidates`` (default 4,000,000) is
  played in full, the model above. A larger round is *pruned*: only each actor pair's
  ``pair_limit`` (default 4) candidates of highest equal gain at the round's start are kept
  (fewer, one at least, where ``pair_limit`` per actor pair would come to more than
  ``max_candidates``), together with every other candidate of the pair whose gain lies
  within ``TIE_RTOL`` (1e-12, relative) of the last kept one; they are generated, evaluated
  and pruned one first actor at a time, so the full set is never held. The round's event and
  the summary say when a round was pruned. ``compat="decide"`` rounds are never pruned.
* Pruning is an approximation, and it cannot be otherwise. Greedy realisation (rule 7) goes
  on until no valid exchange is left, so exchanges that rank low at the round's start are
  realised late, once everything better has been carried out or has become invalid; and one
  pair can realise several exchanges on different issue pairs in a round. In random
  scenarios of 200 actors x 10 issues, 369 of the 5,137 times a pair traded in a round (two
  rounds) it traded more than once; realised exchanges ranked as low as 38th within their
  pair at the round's start, and the last ones realised ranked among the lowest 1 % of all
  candidates. A pair's best exchanges are therefore not the only ones the selection rule can
  pick, and dropping the others changes the forecast. At 200 actors x 10 issues x 10 rounds
  (random scenario) the forecast outcome moves by 0.48 points on average (at most 0.94) on a
  0..100 scale with 4 kept per pair, 0.80 (1.87) with 1, 0.43 (0.90) with 16; for scale,
  moving every input position by up to ±0.001 moves it by 0.04 (0.08). What does hold, and
  is tested: (a) a candidate invalid at the round's start is never realised (an invalid
  candidate is never evaluated again), so dropping it changes nothing; (b) candidates change
  the state only when realised, so a pruned round realises exactly the full round's
  exchanges whenever it keeps all of them (and, for ties, all candidates tied with each
  chosen one); in particular, with ``pair_limit`` at least the number of a pair's candidates
  (``I (I - 1) / 2``) the pruned round *is* the full round.
* Complexity of a round, full model: time O(A² I²) to generate and evaluate the candidates,
  plus O(A I) realisations (about 1.2-1.8 per actor and issue in random scenarios) that each
  re-evaluate the O(A I) candidates sharing one of their four (actor, issue) roles: O(A² I²)
  in all, the realisations dominating; memory O(A² I²), about 400 bytes per candidate (1.5
  GB peak for the 3.8 million of 400 actors x 20 issues; 2,000 x 50 would need some 250 GB).
  Pruned (k = ``pair_limit``): time O(A² I²) for generation (compiled, nothing stored) plus
  O(A I) realisations of O(k A / I)-candidate re-evaluations each; memory O(k A² + A I²) and
  at most about ``max_candidates`` candidates: the kept ones, at most k per pair barring
  ties, and one first actor's buffer. Measured on a 2-core AVX-512 machine (random
  scenarios, default parameters): 1,000 x 20 x 10 rounds, 92 s and 1.1 GB peak; 2,000 x 50 x
  10 rounds, 590 s of CPU (about 25 s of each round generation, the rest realisation) and
  2.2 GB peak.
* Same answer on every processor. Every choice among near-equal values uses a stated
  tolerance and a fixed order: gains within ``TIE_RTOL`` (1e-12 relative) of the best are
  tied and drawn from in the order (rank of I's id, rank of J's id, issue q, issue p);
  pruning keeps a pair's candidates in the order (gain, then the same key) and keeps all
  within ``TIE_RTOL`` of the last kept one; actors within 1e-9 of the outcome count as on
  its right. The arithmetic is element by element in IEEE double precision (NumPy and the
  compiled kernel round each operation alike: no fused multiply-add, no reassociation), and
  the only sums, ``Σ c s`` and ``Σ c s x`` per issue, add the actors in a fixed order, so
  neither SIMD width nor the number of cores changes a bit of the result; the tests run the
  model on inputs moved by one ulp and find the same exchanges.

Departures from decide, and why:

* Ties. decide compares the best gain only with the next one in its sorted list and, when
  it keeps the first, lists the second a second time. Here every candidate tied with the
  best (relative difference below 1e-12: float64 cannot resolve decide's 1e-20 on 28-digit
  decimals) is drawn from with equal probability, from a ``numpy`` generator seeded with
  the forecast's seed, in an order that does not depend on the order of the actors.
  ``compat="decide"`` instead replays decide's own procedure on Python's ``random`` stream
  seeded with the same seed, and recomputes in decide's Decimal arithmetic what float64
  cannot see (which of two "tied" gains is larger in the 28th digit, whether an outcome
  already sitting at a demander's position lets a move through, the realised positions);
  with seeds 1, 2, 3 it reproduces decide's reference runs on COP21 and Copenhagen to
  1e-13.
* An outcome that has already reached the demanding actor's position stops further moves
  toward it (rule 5 taken literally). decide lets such a move through, uncut, whenever its
  Decimal arithmetic puts the outcome exactly on the position (typically a position that
  is still an input value) and cuts it to nothing otherwise; ``compat="decide"`` follows
  decide.
* When decide cuts a move at the demander's position it sizes the cut with the mover at
  the position recorded for it in the demander's view of the outcome, not at its current
  position, which can carry the outcome past the demander. The default uses the current
  position; ``compat="decide"`` follows decide.
* Actors within 1e-9 of the outcome count as on its right (decide compares exactly), so
  that rounding cannot move an actor between groups.
* Actors with zero weight (``c s = 0``) on an issue cannot supply it: their move would not
  shift the outcome (decide divides by zero). Stances with salience 0 take part in the
  groups; decide skips them on input (``compat="decide"`` does too).
* Linkages (detente's extension): an actor held on an issue by a linkage cannot supply that
  issue in the round, and its position is restored after it.
* An issue on which no actor takes a stance keeps its reference point, else the middle of
  its scale (the weighted mean would be 0 / 0).
* ``seed=None`` draws fresh entropy (numpy's and Python's convention): pass a seed for a
  reproducible forecast whenever the scenario has exact ties.
* The randomised rate is our reading of the randomised variant; decide's randomises the
  split of the gain with one side's move fixed. ``compat="decide"`` requires ``p = 0``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from detente import progress
from detente.errors import InputError
from detente.forecasts import Event, Forecast
from detente.linkage import apply_holds, held_mask
from detente.models._exchange_kernel import (
    DecideShadow,
    RoundResult,
    _sides,
    count_candidates,
    exchange_round,
)
from detente.models.base import Model, make_forecast
from detente.models.compromise import weighted_mean, weighted_median
from detente.models.registry import register
from detente.scenario import Scenario

__all__ = ["Exchange", "Played", "first_round_candidates"]

_COMPAT = ("none", "decide")
#: trades between the principals listed in the summary, the most frequent first
_SUMMARY_TRADES = 8


def _unit(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InputError(
            f"{name} must be a number between 0 and 1, got {value!r}",
            where=f"--param exchange.{name}",
            allowed="0 <= value <= 1",
        )
    return float(value)


def _outcome(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
    reference: np.ndarray,
    midpoint: np.ndarray,
) -> np.ndarray:
    """Weighted mean per issue; an issue on which no actor takes a stance keeps its
    reference point (else the middle of its scale) rather than becoming 0 / 0."""
    nobody = ~present.any(axis=0)
    if not nobody.any():
        return weighted_mean(position, salience, capability, present)
    fill = np.where(np.isnan(reference), midpoint, reference)
    safe = present | nobody[None, :]
    out = weighted_mean(position, salience, capability, safe)
    return np.where(nobody, fill, out)


@dataclass
class Played:
    """The rounds of one run of the exchange model (:meth:`Exchange.play`), on the issues'
    own scales."""

    positions: np.ndarray  # (rounds + 1, A, I) preference positions, stated ones first
    results: list[RoundResult]  # one per round (normalised 0..100 scale)
    voting: np.ndarray  # (A, I) voting positions at the end of the last round


def first_round_candidates(scenario: Scenario) -> int:
    """How many candidate exchanges the first round of the exchange model has on
    ``scenario`` (actor pairs in groups a-d or b-c over all issue pairs, rule 2), counted
    without listing them: time O(A I²), memory O(I²). Rounds with more than
    ``max_candidates`` are pruned; the count of later rounds differs as positions move."""
    arr = scenario.arrays()
    x = (arr.position - arr.low) / (arr.high - arr.low) * 100.0
    left = _sides(x, arr.salience, arr.capability, arr.present, None)[3]
    return count_candidates(left, arr.present)


@register
class Exchange(Model):
    """Stokman & Van Oosten's exchange model, equal-gain variant (see the module docs).

    Time per round O(A² I²) (full and pruned alike; the full model's realisations carry the
    larger constant); memory O(A² I²) for a full round, O(k A² + A I²) for a pruned one
    (``pair_limit`` k, rounds with more than ``max_candidates`` candidates)."""

    name: ClassVar[str] = "exchange"
    summary: ClassVar[str] = (
        "actors trade positions across issues, the best equal-gain exchanges first"
    )
    citation: ClassVar[str] = (
        "Stokman & Van Oosten (1994), The exchange of voting positions, in European "
        "Community Decision Making; Stokman (2015); equal-gain variant as in "
        "foarsitter/decide-exchange-model"
    )
    stochastic: ClassVar[bool] = True

    def __init__(
        self,
        rounds: int = 10,
        fixed_weight: float = 0.1,
        salience_weight: float = 0.4,
        p: float = 0.0,
        compat: str = "none",
        pair_limit: int = 4,
        max_candidates: int = 4_000_000,
    ) -> None:
        if isinstance(rounds, bool) or not isinstance(rounds, int) or not 0 <= rounds <= 10_000:
            raise InputError(
                f"rounds must be a whole number from 0 to 10000, got {rounds!r}",
                where="--param exchange.rounds",
                allowed="0 ... 10000",
            )
        fw = _unit("fixed_weight", fixed_weight)
        sw = _unit("salience_weight", salience_weight)
        if fw + sw > 1:
            raise InputError(
                f"fixed_weight + salience_weight must not exceed 1, got {fw + sw:g}",
                where="--param exchange.fixed_weight / exchange.salience_weight",
                allowed="a sum <= 1 (a new position between the old and the voting one)",
            )
        _unit("p", p)
        if compat not in _COMPAT:
            raise InputError(
                f"unknown compat {compat!r}",
                where="--param exchange.compat",
                allowed=", ".join(_COMPAT),
            )
        if compat == "decide" and p != 0:
            raise InputError(
                "compat=decide reproduces decide's equal-gain runs and needs p = 0",
                where="--param exchange.p",
                allowed="0 with compat=decide",
            )
        for key, value, least in (
            ("pair_limit", pair_limit, 1),
            ("max_candidates", max_candidates, 0),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise InputError(
                    f"{key} must be a whole number of at least {least}, got {value!r}",
                    where=f"--param exchange.{key}",
                    allowed=f"{least}, {least + 1}, ...",
                )
        self.pair_limit = pair_limit
        self.max_candidates = max_candidates
        self.rounds = rounds
        self.fixed_weight = fixed_weight
        self.salience_weight = salience_weight
        self.p = p
        self.compat = compat

    # ------------------------------------------------------------------ forecast
    def forecast(self, scenario: Scenario, *, seed: int | None = None) -> Forecast:
        arr = scenario.arrays()
        low, span = arr.low, arr.high - arr.low
        played = self.play(scenario, seed=seed)
        results = played.results
        final = played.positions[-1]
        outcome = _outcome(
            final, arr.salience, arr.capability, arr.present, arr.reference, (low + arr.high) / 2
        )
        events = self._events(scenario, results, low, span)
        details = self._details(scenario, results, final, played.voting, outcome)
        return make_forecast(
            self, scenario, played.positions, outcome,
            seed=seed, details=details, events=events,
            summary=self._summary(scenario, results),
        )  # fmt: skip

    def play(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        report: Callable[[float, str], None] = progress.report,
    ) -> Played:
        """The rounds of :meth:`forecast` without its trace: the preference positions at the
        start of each round and after the last, each round's result and the final voting
        positions (:class:`Played`). ``report(share, label)`` hears the progress (default
        :func:`detente.progress.report`). Time and memory as :meth:`forecast`'s, less the
        trace's O(realised exchanges) events."""
        arr = scenario.arrays()
        low, high = arr.low, arr.high
        span = high - low
        sal, cap, present = arr.salience, arr.capability, arr.present
        x = (arr.position - low) / span * 100.0  # decide's 0..100
        rng = np.random.default_rng(seed)
        tie_key = np.argsort(np.argsort(np.asarray(arr.actor_ids, dtype=object), kind="stable"))
        shadow = None
        decide_rng = None
        if self.compat == "decide":
            a_index = {a: k for k, a in enumerate(arr.actor_ids)}
            i_index = {i: k for k, i in enumerate(arr.issue_ids)}
            order: list[list[int]] = [[] for _ in arr.issue_ids]
            for st in scenario.stances:
                order[i_index[st.issue]].append(a_index[st.actor])
            shadow = DecideShadow(
                arr.position, sal, cap, present, low, high, order,
                self.fixed_weight, self.salience_weight,
            )  # fmt: skip
            decide_rng = random.Random(seed)
            x = np.where(present, shadow.floats(), x)

        def scale(v: np.ndarray) -> np.ndarray:
            return np.clip(low + v / 100.0 * span, low, high)

        trajectory = [arr.position.astype(float)]
        results: list[RoundResult] = []
        voting = x
        for r in range(self.rounds):
            label = f"exchange: round {r + 1} of {self.rounds}"
            report(r / self.rounds, label)

            def within(share: float, r: int = r, label: str = label) -> None:
                report((r + share) / self.rounds, label)

            current = _outcome(scale(x), sal, cap, present, arr.reference, (low + high) / 2)
            held = held_mask(scenario.linkages, arr, current)
            res = exchange_round(
                x, sal, cap, present,
                rng=rng,
                can_supply=None if held is None else ~held,
                fixed_weight=self.fixed_weight,
                salience_weight=self.salience_weight,
                p_random=self.p,
                tie_key=tie_key,
                shadow=shadow,
                decide_rng=decide_rng,
                pair_limit=self.pair_limit,
                max_candidates=self.max_candidates,
                progress=within,
            )  # fmt: skip
            new = np.where(present, res.preference, x)
            x = apply_holds(x, new, held)
            voting = np.where(present, res.voting, voting)
            results.append(res)
            trajectory.append(np.where(present, scale(x), arr.position))
        if self.rounds:
            report(1.0, f"exchange: round {self.rounds} of {self.rounds}")
        return Played(np.stack(trajectory), results, scale(voting))

    # ------------------------------------------------------------------ explanation
    def _details(
        self,
        scenario: Scenario,
        results: list[RoundResult],
        final: np.ndarray,
        voting: np.ndarray,
        outcome: np.ndarray,
    ) -> dict[str, dict[str, Any]]:
        arr = scenario.arrays()
        nobody = ~arr.present.any(axis=0)
        safe = arr.present | nobody[None, :]
        median = np.where(
            nobody, outcome, weighted_median(final, arr.salience, arr.capability, safe)
        )
        vote = np.where(nobody, outcome, weighted_mean(voting, arr.salience, arr.capability, safe))
        n_i = arr.n_issues
        count = np.zeros(n_i, dtype=np.int64)
        for res in results:
            count += np.bincount(res.issue_i, minlength=n_i) + np.bincount(
                res.issue_j, minlength=n_i
            )
        ties = sum(r.ties for r in results)
        return {
            iss: {
                "weighted_mean": float(outcome[k]),
                "weighted_median": float(median[k]),
                "voting_outcome": float(vote[k]) if results else float(outcome[k]),
                "exchanges": int(count[k]),
                "rounds": self.rounds,
                "ties": ties,
            }
            for k, iss in enumerate(arr.issue_ids)
        }

    def _events(
        self, scenario: Scenario, results: list[RoundResult], low: np.ndarray, span: np.ndarray
    ) -> list[Event]:
        arr = scenario.arrays()
        actor = [scenario.actor(a).label for a in arr.actor_ids]
        issue = [scenario.issue(i).label for i in arr.issue_ids]
        events: list[Event] = []
        for r, res in enumerate(results, start=1):
            events.append(
                Event(
                    round=r,
                    kind="round",
                    actors=(),
                    issues=(),
                    text=(
                        f"round {r}: {res.n_candidates} candidate exchanges "
                        + (
                            f"pruned to {res.n_kept}, each actor pair's {res.kept_per_pair} best "
                            if res.n_kept >= 0
                            else ""
                        )
                        + f"({res.n_valid} valid), {res.n_realised} realised, "
                        f"{res.ties} exact ties broken at random"
                    ),
                    data={
                        "candidates": res.n_candidates,
                        "valid": res.n_valid,
                        "realised": res.n_realised,
                        "ties": res.ties,
                        **({"kept": res.n_kept} if res.n_kept >= 0 else {}),
                    },
                )
            )
            for k in range(res.n_realised):
                a, b = int(res.actor_i[k]), int(res.actor_j[k])
                qa, qb = int(res.issue_i[k]), int(res.issue_j[k])
                fa = float(low[qa] + res.from_i[k] / 100 * span[qa])
                ta = float(low[qa] + res.to_i[k] / 100 * span[qa])
                fb = float(low[qb] + res.from_j[k] / 100 * span[qb])
                tb = float(low[qb] + res.to_j[k] / 100 * span[qb])
                gain = float(res.gain[k])
                moves = [
                    {"actor": arr.actor_ids[a], "issue": arr.issue_ids[qa], "from": fa, "to": ta,
                     "gain": float(res.gain_i[k])},
                    {"actor": arr.actor_ids[b], "issue": arr.issue_ids[qb], "from": fb, "to": tb,
                     "gain": float(res.gain_j[k])},
                ]  # fmt: skip
                text = (
                    f"{actor[a]} moves on {issue[qa]} from {fa:.4g} to {ta:.4g} toward "
                    f"{actor[b]}; {actor[b]} moves on {issue[qb]} from {fb:.4g} to {tb:.4g} "
                    f"toward {actor[a]} (gain {gain:.4g})"
                )
                events.append(
                    Event(
                        round=r,
                        kind="exchange",
                        actors=(arr.actor_ids[a], arr.actor_ids[b]),
                        issues=(arr.issue_ids[qa], arr.issue_ids[qb]),
                        text=text,
                        data={"moves": moves, "gain": gain},
                    )
                )
        return events

    def _summary(self, scenario: Scenario, results: list[RoundResult]) -> list[str]:
        arr = scenario.arrays()
        total = sum(r.n_realised for r in results)
        ties = sum(r.ties for r in results)
        lines = [
            f"{total} exchanges realised in {len(results)} rounds "
            f"({ties} exact ties broken at random)."
        ]
        pruned = [str(r) for r, res in enumerate(results, start=1) if res.n_kept >= 0]
        if pruned:
            k = max(res.kept_per_pair for res in results)
            lines.append(
                f"Round{'s' if len(pruned) > 1 else ''} {', '.join(pruned)} had more than "
                f"{self.max_candidates} candidate exchanges and kept each actor pair's "
                f"{k} best at the round's start: an approximation of the full model "
                "(raise exchange.max_candidates for the full one)."
            )
        principals = scenario.principal_ids
        if len(principals) < 2:
            return lines
        pa, pb = (arr.actor_ids.index(p) for p in principals[:2])
        la, lb = (scenario.actor(p).label for p in principals[:2])
        issue = [scenario.issue(i).label for i in arr.issue_ids]
        trades: dict[tuple[int, int, int, int], list[int]] = {}
        for r, res in enumerate(results, start=1):
            for k in range(res.n_realised):
                a, b = int(res.actor_i[k]), int(res.actor_j[k])
                qa, qb = int(res.issue_i[k]), int(res.issue_j[k])
                if {a, b} != {pa, pb}:
                    continue
                if a != pa:  # read it from the first principal's side
                    a, b, qa, qb = b, a, qb, qa
                trades.setdefault((a, qa, b, qb), []).append(r)
        if not trades:
            lines.append(
                f"The model realises no trade between {la} and {lb} in {len(results)} rounds."
            )
            return lines
        ranked = sorted(trades.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
        for (_, qa, _, qb), rounds in ranked[:_SUMMARY_TRADES]:
            when = ", ".join(str(r) for r in rounds)
            lines.append(
                f"{la} moves on {issue[qa]} toward {lb} in exchange for {lb} moving on "
                f"{issue[qb]} (round{'s' if len(rounds) > 1 else ''} {when})."
            )
        if len(ranked) > _SUMMARY_TRADES:
            lines.append(
                f"... and {len(ranked) - _SUMMARY_TRADES} more trades between {la} and {lb} "
                "(see the trace)."
            )
        return lines
