"""KTAB's Spatial Model of Politics (SMP): the model ``spatial``.

Source: Wise, Lester, Efird et al., KAPSARC Toolkit for Behavioral Analysis (KTAB),
Spatial Model of Politics, and its MIT-licensed C++ reference (KAPSARC/KTAB: ``smp.cpp``,
``smpbcn.cpp``, ``kmodel.cpp``); docs/models/spatial.md lists the equations, and
:mod:`detente.models._smp_kernel` implements them (equation numbers there).

The issues of a scenario are the dimensions of one policy space; an actor's position is a
point in it and its saliences weight the dimensions. Every turn:

1. risk attitudes from a risk-neutral probabilistic Condorcet election (PCE) over the
   actors' positions (3.6);
2. every actor estimates, from its own perspective, the probability and expected gain of
   challenging every other actor, with third parties joining the side they prefer
   (SemiCommit, 3.7), and targets the most profitable one;
3. each challenge becomes a bargain interpolated between the two positions on every
   dimension at once (S2P2, 3.8);
4. every actor chooses among the status quo and the bargains it is part of by a PCE over
   everybody's utilities (3.9, deterministic: the most probable) and adopts its side;
5. stop after at least two turns when the turn's total movement falls below 2 % of the
   first turn's, or after 100 turns.

With the defaults this reproduces KTAB's logged positions on its SOE and dummyData
cases to the printed decimal at every turn, the same number of turns, and the win
probabilities to 5e-5 (tests/models/test_spatial.py).

Complexity, for N actors, D issues and T turns (T <= ``max_turns``): each turn costs O(N³
+ N²·D) time: distances O(N²·D) (compiled, no (N, N, D) temporary), two probabilistic
Condorcet elections over N positions O(N³) (compiled, vectorised over options, four voters
per pass over the accumulators), the challenges O(N³) in the worst case and the resolution
O(N²·D). A target's gain is at most its utility loss ``|u_ii - u_ij|`` (times ``max(1, 2
s_j - 1)``), so the compiled challenge kernel evaluates each initiator's targets (every
third party each) in batches in decreasing order of that bound, raising the best gain
found after every batch, and stops where the bound falls below it; the targets left out
provably cannot be chosen, so the result is the one of evaluating them all. On random
2,000 x 50 inputs that leaves a median of 32 targets an initiator in the first turn; but
the initiators whose best gain stays small next to that bound (a fifth in the first turn,
nearly all by turn 40 as positions converge) would evaluate nearly all targets (O(N²)
each). Those are screened instead, 16 initiators at a time (every row of distances read
serves all 16), in single precision (twice the SIMD lanes, utilities carried as
losses ``1 - u`` so that close positions keep their precision) with a rigorous bound on the screen's
error, and only the targets the screen cannot rule out are evaluated exactly (a median of
one an initiator at turn 40 of a 2,000 x 50 run); where it rules out little (weights
concentrated on a few actors) every target is evaluated exactly, as before. The choices,
probabilities and gains are those of evaluating every target in double precision. Nothing
here depends on the actors lying on a line: the issues are dimensions of one space and
each voter weighs distance by its own saliences, so the sorted-order prefix sums of the
one-dimensional elections (:func:`._smp_kernel.line_coalitions`) do not apply, and a
turn's risk attitudes change every utility, so last turn's coalitions cannot be reused.
Memory is O(N² + T·N·D): a few (N, N) matrices (32 MB each at N = 2,000; no (N, N, D)
array is built) and the positions of every turn.

Measured (``benchmarks/bench_spatial.py --per-turn 2000x50``: ``bench_scale.py``'s inputs,
2,000 actors x 50 issues; Intel Xeon with AVX-512, 2 cores): 4.5 processor-seconds and
2.4 s wall a turn over the first two turns (challenges 1.1 s, one election's coalitions
0.36 s, the resolution 0.12 s), 2.8 s at turn 40 (challenges 1.7 s, where the screen does
nearly all the work); 6.5 and 4.0 s before the screen and the compiled resolution, 12.0 and
7.1 s before the blocked challenge search (same numbers throughout). Runs of this
kind take close to ``max_turns`` turns (250 x 50: 76 turns, 500 x 50: 96): a full 2,000 x
50 forecast takes 258-285 s wall (two runs) and 0.84 GB peak memory
(``benchmarks/bench_scale.py --models spatial --sizes 2000x50``; 100 turns, the limit;
283 s and 0.81 GB with the compiled code built for AVX2, as on a processor without
AVX-512), against 544 s and 3.3 GB
before the screened challenges, the compiled resolution and the bounded trace (below).

The forecast's trace (:attr:`Forecast.events`) in full has one ``challenge`` event per
challenge and one ``bargain`` event per accepted bargain, each carrying positions on every
issue: O(N·D) time and memory per event, at most 2N events a turn, O(T·N·D) in all (the
order of the trajectories, with a far larger constant). At 2,000 x 50 that is some 3,500
events a turn, 7.5 KB each: 0.25 processor-s a turn and, over 100 turns, 354,000 events,
24 processor-s and 2.65 GB. So the trace is bounded by ``max_events`` (default 20,000; 0:
no limit): a run whose full trace has more events keeps one ``turn`` event for each early
turn (its numbers of challenges, accepted bargains and actors that moved, its total
movement and the largest moves; about 1 ms a turn) and the full events of the last turns that
fit in the rest of the budget, and its summary says so; the events left out are never
built. A trace that fits is kept in full, as before: with the default, every run of up to
100 actors and 100 turns (at most 200 events a turn). At 2,000 x 50 and 100 turns the
default keeps 95 summaries and the last five turns in full: 17,000 events, 1.1
processor-s and 0.13 GB (measured on the logs of a 10-turn run repeated, against 24
processor-s and 2.65 GB with ``max_events=0``). Trajectories, outcome and details do not
depend on it.

Mapping a detente scenario onto KTAB's inputs (and where that departs from KTAB):

* positions are rescaled from each issue's [low, high] to [0, 1] and back;
* KTAB requires an actor's saliences to sum to at most 1 over all dimensions; detente's
  saliences are per issue in [0, 1]. ``salience="excess"`` (default) divides an actor's
  saliences by their total only when the total exceeds 1 (KTAB's inputs are unchanged);
  ``salience="always"`` divides every actor's saliences by their total;
* an actor absent from an issue has salience 0 on that dimension; its coordinate there
  starts at the issue's midpoint and moves only through bargains (it does not count in
  the outcome of that issue);
* KTAB has one capability per actor; detente allows a capability per stance. The actor's
  capability is the salience-weighted mean of its stances' capabilities (the common value
  when they agree, as in every KTAB input). Capabilities are rescaled so the largest is
  100 (KTAB's inputs are on that scale), which makes the model exactly invariant to the
  unit of capability despite KTAB's small additive constants;
* KTAB prints no single predicted outcome. ``outcome="expected"`` (default) is the
  win-probability-weighted mean of the final positions on each issue (each distinct
  position weighted by its probability, at the mean of its holders who take part in the
  issue); ``"mode"`` is the most probable final position; ``"mean"`` the capability x
  salience weighted mean of the final positions. For these final win probabilities
  positions closer than KTAB's tolerance are grouped by connected components and
  represented by the lexicographically smallest, so that the forecast does not depend on
  the order of the actors; KTAB groups them greedily in actor order, and
  :meth:`Spatial.simulate` reports its per-turn win probabilities that way;
* an issue on which every actor present has salience 0 is no dimension anybody weighs:
  KTAB's election would pick among its positions by the actors' wins elsewhere. Its
  forecast is the compromise model's for all-zero weights (:mod:`detente.models.compromise`):
  the plain mean of the input positions of the actors present;
* linkages (:mod:`detente.linkage`) hold positions after each turn's moves;
* not implemented: KTAB's stochastic state transitions and its InitRcvrInterp /
  PWCompInterp bargain models (the latter reads an expected utility as a probability in
  the reference code); KTAB's 3-to-250-actor limits (any number of actors runs).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from detente.decision import decision_arrays
from detente.errors import InputError
from detente.forecasts import Event, Forecast
from detente.linkage import apply_holds, held_mask
from detente.models import _smp_kernel as kern
from detente.models.base import Model, make_forecast
from detente.models.compromise import weighted_mean, weighted_median
from detente.models.registry import register
from detente.scenario import Scenario

__all__ = ["Spatial", "actor_capability", "normalise_salience"]

SALIENCE_MODES = ("excess", "always")
OUTCOMES = ("expected", "mode", "mean")
#: default bound on the forecast's trace (``max_events``): about five turns in full at
#: 2,000 x 50 (some 3,500 events a turn); every run of up to 100 actors and 100 turns fits
MAX_EVENTS = 20_000
#: a summarised turn's ``turn`` event names this many of the largest moves ...
TRACE_MOVERS = 5
#: ... each with this many of its largest changes
TRACE_MOVES = 3

_CHOICES: dict[str, tuple[str, ...]] = {
    "voting_rule": kern.VOTING_RULES,
    "victory": kern.VICTORY_MODELS,
    "pce": kern.PCE_MODELS,
    "risk_range": kern.RISK_RANGES,
    "risk_adjust": kern.RISK_ADJUSTS,
    "third_party": kern.THIRD_PARTY,
    "bargain": kern.BARGAINS,
    "salience": SALIENCE_MODES,
    "outcome": OUTCOMES,
}


def check_choice(model: str, key: str, value: Any, allowed: tuple[str, ...]) -> str:
    """A named option, lower-cased, or :class:`InputError` naming the parameter."""
    text = str(value).strip().lower()
    if text not in allowed:
        raise InputError(
            f"{value!r} is not a known option",
            where=f"--param {model}.{key}",
            allowed=", ".join(allowed),
        )
    return text


def trace_turns(counts: list[int], max_events: int) -> int:
    """The first turn (1-based) of a run traced in full, given each turn's number of
    events ``counts``: 1 (every turn in full) when ``max_events`` is 0 or the events fit
    in it; otherwise the earliest turn ``f`` such that one summary event for each turn
    before ``f`` and the full events of turns ``f`` onwards fit in ``max_events``, or
    ``len(counts) + 1`` (every turn summarised) when none does. O(T) time."""
    n = len(counts)
    if max_events <= 0 or sum(counts) <= max_events:
        return 1
    suffix = sum(counts)
    for first in range(1, n + 1):
        if (first - 1) + suffix <= max_events:
            return first
        suffix -= counts[first - 1]
    return n + 1


def normalise_salience(salience: np.ndarray, mode: str = "excess") -> np.ndarray:
    """Saliences ``(..., A, I)`` made to sum to at most 1 per actor, as KTAB requires:
    divided by the actor's total where it exceeds 1 (``"excess"``) or always
    (``"always"``); all-zero rows stay zero."""
    total = salience.sum(axis=-1, keepdims=True)
    scale = total > 0 if mode == "always" else total > 1.0
    return np.where(scale, salience / np.where(total > 0, total, 1.0), salience)


def actor_capability(
    capability: np.ndarray, salience: np.ndarray, present: np.ndarray
) -> np.ndarray:
    """One capability per actor from per-stance capabilities ``(..., A, I)``: the
    salience-weighted mean over the actor's stances (the plain mean when all its saliences
    are 0; exactly the common value when its stances agree), rescaled so the largest is
    100 (unchanged where all are 0)."""
    pres = np.broadcast_to(present, capability.shape)
    cap = np.where(pres, capability, 0.0)
    sal = np.where(pres, salience, 0.0)
    ws = sal.sum(axis=-1)
    by_sal = (cap * sal).sum(axis=-1) / np.where(ws > 0, ws, 1.0)
    count = pres.sum(axis=-1)
    plain = cap.sum(axis=-1) / np.maximum(count, 1)
    c = np.where(ws > 0, by_sal, plain)
    hi = np.where(pres, capability, -np.inf).max(axis=-1)
    lo = np.where(pres, capability, np.inf).min(axis=-1)
    c = np.where(hi == lo, np.where(np.isfinite(hi), hi, 0.0), c)
    top = c.max(axis=-1, keepdims=True)
    return c * np.where(top > 0, 100.0 / np.where(top > 0, top, 1.0), 1.0)


def _mean(
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
) -> np.ndarray:
    """Capability x salience weighted mean (Achen 2006); an issue nobody takes a stance
    on gives its midpoint instead of 0/0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = weighted_mean(position, salience, capability, present)
    return np.where(np.isfinite(out), out, (low + high) / 2.0)


def _unweighted_where_unsalient(
    outcome: np.ndarray,
    position: np.ndarray,
    salience: np.ndarray,
    capability: np.ndarray,
    present: np.ndarray,
) -> np.ndarray:
    """On an issue where no actor present has a positive salience, the outcome the
    compromise model gives (equal weights: the plain mean of the input positions),
    instead of the election's choice among positions nobody cares about (arrays
    ``(..., A, I)``, outcome ``(..., I)``)."""
    unsalient = ~np.any(present & (salience > 0), axis=-2)
    if not np.any(unsalient):
        return outcome
    with np.errstate(invalid="ignore", divide="ignore"):
        plain = weighted_mean(position, salience, capability, present)
    return np.where(unsalient & np.isfinite(plain), plain, outcome)


@register
class Spatial(Model):
    """KTAB's Spatial Model of Politics over all issues at once (see the module docstring
    for the algorithm, its source and every departure from it)."""

    name: ClassVar[str] = "spatial"
    moves_positions: ClassVar[bool] = True
    summary: ClassVar[str] = (
        "KTAB spatial model of politics: challenges, bargains and probabilistic "
        "Condorcet elections in the space of all issues"
    )
    citation: ClassVar[str] = (
        "Wise, Lester, Efird et al., KAPSARC Toolkit for Behavioral Analysis (KTAB), "
        "Spatial Model of Politics (KAPSARC; reference code KAPSARC/KTAB, MIT licence)"
    )
    stochastic: ClassVar[bool] = False

    def __init__(
        self,
        voting_rule: str = "proportional",
        victory: str = "linear",
        pce: str = "conditional",
        risk_range: str = "mid",
        risk_adjust: str = "one_third",
        third_party: str = "semi",
        bargain: str = "s2p2",
        max_turns: int = 100,
        min_turns: int = 2,
        stop_ratio: float = 0.02,
        salience: str = "excess",
        outcome: str = "expected",
        max_events: int = MAX_EVENTS,
    ) -> None:
        for key, allowed in _CHOICES.items():
            check_choice(self.name, key, locals()[key], allowed)
        self.voting_rule = str(voting_rule).strip().lower()
        self.victory = str(victory).strip().lower()
        self.pce = str(pce).strip().lower()
        self.risk_range = str(risk_range).strip().lower()
        self.risk_adjust = str(risk_adjust).strip().lower()
        self.third_party = str(third_party).strip().lower()
        self.bargain = str(bargain).strip().lower()
        self.salience = str(salience).strip().lower()
        self.outcome = str(outcome).strip().lower()
        for key, value, low, allowed_text in (
            ("max_turns", max_turns, 1, "integers >= 1"),
            ("min_turns", min_turns, 1, "integers >= 1"),
            ("max_events", max_events, 0, "integers >= 0 (0: no limit)"),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise InputError(
                    f"{value!r} is not a whole number >= {low}",
                    where=f"--param {self.name}.{key}",
                    allowed=allowed_text,
                )
        self.max_turns = int(max_turns)
        self.min_turns = int(min_turns)
        self.max_events = int(max_events)
        try:
            ratio = float(stop_ratio)
        except (TypeError, ValueError):
            ratio = float("nan")
        if not (np.isfinite(ratio) and ratio >= 0):
            raise InputError(
                f"{stop_ratio!r} is not a non-negative number",
                where=f"--param {self.name}.stop_ratio",
                allowed="a number >= 0, e.g. 0.02",
            )
        self.stop_ratio = ratio

    # ------------------------------------------------------------------ helpers
    def options(self) -> kern.SMPOptions:
        """The kernel's options for these parameters."""
        return kern.SMPOptions(
            voting_rule=self.voting_rule,
            victory=self.victory,
            pce=self.pce,
            risk_range=self.risk_range,
            risk_adjust=self.risk_adjust,
            third_party=self.third_party,
            bargain=self.bargain,
            max_turns=self.max_turns,
            min_turns=self.min_turns,
            stop_ratio=self.stop_ratio,
        )

    def _inputs(
        self,
        position: np.ndarray,
        salience: np.ndarray,
        capability: np.ndarray,
        present: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = np.clip((position - low) / (high - low), 0.0, 1.0)
        sal = np.where(present, salience, 0.0)
        s = normalise_salience(sal, self.salience)
        c = actor_capability(capability, sal, present)
        return x, s, c

    def simulate(self, scenario: Scenario) -> kern.SMPRun:
        """The full SMP run on the [0, 1] scale (positions, win probabilities and risk
        attitudes at every turn as KTAB logs them, the turns' challenges and choices)."""
        return self._run(scenario)[0]

    def _run(self, scenario: Scenario) -> tuple[kern.SMPRun, np.ndarray, np.ndarray]:
        arr = scenario.arrays()
        x, s, c = self._inputs(
            arr.position, arr.salience, arr.capability, arr.present, arr.low, arr.high
        )
        hold = None
        if scenario.linkages:
            span = arr.high - arr.low
            rules = decision_arrays(scenario)

            def hold(turn: int, old: np.ndarray, new: np.ndarray) -> np.ndarray:
                pos = arr.low + old * span
                current = _mean(pos, arr.salience, arr.capability, arr.present, arr.low, arr.high)
                held = held_mask(scenario.linkages, arr, current, pos, rules)
                return apply_holds(old, new, held)

        return kern.run_smp(x, s, c, self.options(), hold=hold), s, c

    def _final_election(
        self, run: kern.SMPRun, s: np.ndarray, c: np.ndarray, present: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The win probabilities of the final positions with near-identical positions
        grouped independently of the actors' order, and the outcome statistics per issue
        on the [0, 1] scale: ``expected`` (NaN where nobody takes part), ``mode`` and the
        modal group's representative ``mode_idx``."""
        x = run.positions[-1]
        d = kern.distances(x, s)
        p, unique, owner = kern.win_probabilities(
            x, d, run.risk[-1], c, self.options(), canonical=True
        )
        win = p[owner]
        groups = np.flatnonzero(unique)
        member = (owner[:, None] == groups[None, :]).astype(float)  # (actor, group)
        pres = present.astype(float)
        count = member.T @ pres  # present members per group and issue
        mean_x = (member.T @ (pres * x)) / np.maximum(count, 1.0)
        pg = p[groups][:, None] * (count > 0)
        tot = pg.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            expected = (pg * mean_x).sum(axis=0) / tot
        # the most probable group with a member on the issue; ties (to 1e-12) go to the
        # group whose position comes first in lexicographic order
        rank = np.empty(groups.size, dtype=int)
        rank[np.lexsort(x[groups].T[::-1])] = np.arange(groups.size)
        n_iss = x.shape[1]
        mode = np.full(n_iss, np.nan)
        mode_idx = np.full(n_iss, -1)
        for k in range(n_iss):
            ok = count[:, k] > 0
            if not ok.any():
                continue
            best = np.where(ok, p[groups], -np.inf)
            tied = np.flatnonzero(best >= best.max() * (1.0 - 1e-12))
            g = tied[np.argmin(rank[tied])]
            rep = groups[g]
            mode[k] = x[rep, k] if present[rep, k] else mean_x[g, k]
            mode_idx[k] = (
                rep if present[rep, k] else int(np.flatnonzero(member[:, g] * pres[:, k])[0])
            )
        return {"win": win, "expected": expected, "mode": mode, "mode_idx": mode_idx}

    # ------------------------------------------------------------------ protocol
    def forecast(self, scenario: Scenario, *, seed: int | None = None) -> Forecast:
        arr = scenario.arrays()
        run, s, c = self._run(scenario)
        span = arr.high - arr.low
        positions = np.clip(arr.low + run.positions * span, arr.low, arr.high)
        final = positions[-1]
        w_mean = _mean(final, arr.salience, arr.capability, arr.present, arr.low, arr.high)
        with np.errstate(invalid="ignore", divide="ignore"):
            w_median = weighted_median(final, arr.salience, arr.capability, arr.present)
        fin = self._final_election(run, s, c, arr.present)
        expected = np.where(np.isnan(fin["expected"]), w_mean, arr.low + fin["expected"] * span)
        mode = np.where(np.isnan(fin["mode"]), w_mean, arr.low + fin["mode"] * span)
        outcome = {"expected": expected, "mode": mode, "mean": w_mean}[self.outcome]
        outcome = _unweighted_where_unsalient(
            outcome, arr.position, arr.salience, arr.capability, arr.present
        )
        outcome = np.clip(outcome, arr.low, arr.high)

        ids = arr.actor_ids
        win = fin["win"]
        details: dict[str, dict[str, Any]] = {}
        for k, iss in enumerate(arr.issue_ids):
            pres = arr.present[:, k]
            details[iss] = {
                "turns": run.n_turns,
                "converged": run.converged,
                "expected": float(expected[k]),
                "mode": float(mode[k]),
                "mode_actor": ids[int(fin["mode_idx"][k])] if pres.any() else None,
                "weighted_mean": float(w_mean[k]),
                "weighted_median": float(w_median[k]) if pres.any() else None,
                "win_probability": {ids[a]: float(win[a]) for a in np.flatnonzero(pres)},
            }
        events, trace = self._events(
            run,
            positions,
            arr.actor_ids,
            arr.issue_ids,
            arr.present,
            arr.low,
            span,
            max_events=self.max_events,
        )
        summary = self._summary(run, win, arr.actor_ids, scenario)
        if trace:
            summary.append(trace)
        return make_forecast(
            self,
            scenario,
            positions,
            outcome,
            seed=seed,
            details=details,
            events=events,
            summary=summary,
        )

    def outcome_batch(
        self,
        position: np.ndarray,
        salience: np.ndarray,
        capability: np.ndarray,
        present: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        *,
        seed: int | None = None,
        scenario: Scenario | None = None,
        final_positions: np.ndarray | None = None,
    ) -> np.ndarray:
        """Outcomes ``(E, I)`` of ``E`` perturbed scenarios: one SMP run per draw (the
        turns are sequential, so draws are not vectorised). A scenario with linkages is
        forecast draw by draw through :meth:`forecast`, which applies them. With
        ``final_positions`` (``(E, A, I)``) the final positions of each draw are written
        there (for decision rules, :meth:`Model.decided_outcome_batch`)."""
        if scenario is not None and scenario.linkages:
            outs = []
            for n in range(position.shape[0]):
                f = self.forecast(
                    Scenario.from_arrays(
                        scenario,
                        position=position[n],
                        salience=salience[n],
                        capability=capability[n],
                    ),
                    seed=seed,
                )
                if final_positions is not None:
                    final_positions[n] = f.positions[-1]
                outs.append(f.outcome)
            return np.stack(outs)
        e = position.shape[0]
        out = np.empty((e, position.shape[-1]))
        opt = self.options()
        span = high - low
        for n in range(e):
            x, s, c = self._inputs(position[n], salience[n], capability[n], present, low, high)
            run = kern.run_smp(x, s, c, opt)
            final = run.positions[-1]
            if final_positions is not None:
                final_positions[n] = low + final * span
            w_mean = _mean(low + final * span, salience[n], capability[n], present, low, high)
            if self.outcome == "mean":
                out[n] = w_mean
                continue
            fin = self._final_election(run, s, c, present)
            val = fin[self.outcome]
            out[n] = np.where(np.isnan(val), w_mean, low + val * span)
        out = _unweighted_where_unsalient(out, position, salience, capability, present)
        return np.clip(out, low, high)

    # ------------------------------------------------------------------ explanation
    @staticmethod
    def _events(
        run: kern.SMPRun,
        positions: np.ndarray,
        actors: tuple[str, ...],
        issues: tuple[str, ...],
        present: np.ndarray,
        low: np.ndarray,
        span: np.ndarray,
        *,
        max_events: int = 0,
    ) -> tuple[list[Event], str | None]:
        """The trace of the run and, when it was bounded, the line that says so.

        In full: one ``challenge`` event per challenge and one ``bargain`` event per actor
        that adopted a bargain (:meth:`_turn_events`). When that would be more than
        ``max_events`` events (0: no limit), the earliest turns are summarised, one
        ``turn`` event each (:meth:`_turn_summary`), and the last turns whose full events
        fit in what is left of the budget are kept in full (:func:`trace_turns`); the
        events of a summarised turn are never built. Every turn keeps at least its summary,
        so a bounded trace has at most ``max(max_events, T)`` events.
        """
        counts = [
            int(np.count_nonzero(log.target >= 0)) + int(np.count_nonzero(log.chosen >= 0))
            for log in run.turns
        ]
        first_full = trace_turns(counts, max_events)
        events: list[Event] = []
        for t in range(1, first_full):
            events.append(Spatial._turn_summary(run, t, positions, actors, issues, present, span))
        for t in range(first_full, len(counts) + 1):
            events.extend(
                Spatial._turn_events(run, t, positions, actors, issues, present, low, span)
            )
        if first_full == 1:
            return events, None
        n_turns = len(counts)
        summarised = sum(counts[: first_full - 1])
        kept = sum(counts[first_full - 1 :])
        last = (
            f"turns {first_full}-{n_turns} are"
            if first_full < n_turns
            else f"turn {n_turns} is"
            if first_full == n_turns
            else "no turn is"
        )
        head = "turn 1" if first_full == 2 else f"turns 1-{first_full - 1}"
        return events, (
            f"trace bounded to max_events = {max_events:,}: the {summarised:,} challenge and "
            f"bargain events of {head} are summarised in one 'turn' event per turn; {last} "
            f"traced in full ({kept:,} events); max_events = 0 (--param spatial.max_events=0) "
            f"keeps all {sum(counts):,}"
        )

    @staticmethod
    def _turn_events(
        run: kern.SMPRun,
        t: int,
        positions: np.ndarray,
        actors: tuple[str, ...],
        issues: tuple[str, ...],
        present: np.ndarray,
        low: np.ndarray,
        span: np.ndarray,
    ) -> list[Event]:
        """Turn ``t``'s ``challenge`` events (one per challenge) and ``bargain`` events
        (one per actor that adopted a bargain); texts list the visible moves (>= 0.05) on
        the actor's issues. O(N·D) time and memory: at most 2N events, each carrying
        positions on every issue."""
        log = run.turns[t - 1]
        events: list[Event] = []
        pres = present.tolist()
        n_iss = len(issues)

        def moves(a: int, frm: list[float], to: list[float]) -> list[int]:
            row = pres[a]
            return [m for m in range(n_iss) if row[m] and abs(to[m] - frm[m]) >= 0.05]

        def say(a: int, frm: list[float], to: list[float]) -> str:
            ms = moves(a, frm, to)
            if not ms:
                return f"{actors[a]} stays"
            return f"{actors[a]} " + ", ".join(
                f"{issues[m]} {frm[m]:.1f} -> {to[m]:.1f}" for m in ms
            )

        def as_dict(v: list[float]) -> dict[str, float]:
            return dict(zip(issues, v, strict=True))

        before, after = positions[t - 1].tolist(), positions[t].tolist()
        b_init = (low + log.bargain_init * span).tolist()
        b_rcvr = (low + log.bargain_rcvr * span).tolist()
        target, prob, gain = log.target.tolist(), log.prob.tolist(), log.gain.tolist()
        for i in np.flatnonzero(log.target >= 0).tolist():
            j = target[i]
            bi, bj = b_init[i], b_rcvr[i]
            touched = sorted(set(moves(i, before[i], bi) + moves(j, before[j], bj)))
            events.append(
                Event(
                    round=t,
                    kind="challenge",
                    actors=(actors[i], actors[j]),
                    issues=tuple(issues[m] for m in touched),
                    text=(
                        f"{actors[i]} challenges {actors[j]} "
                        f"(P({actors[i]} wins) = {prob[i]:.2f}, expected gain "
                        f"{gain[i]:+.3f}) and proposes: {say(i, before[i], bi)}; "
                        f"{say(j, before[j], bj)}"
                    ),
                    data={
                        "probability": prob[i],
                        "gain": gain[i],
                        "proposal_initiator": as_dict(bi),
                        "proposal_target": as_dict(bj),
                    },
                )
            )
        chosen_p = log.chosen_prob.tolist()
        for k in np.flatnonzero(log.chosen >= 0).tolist():
            init = int(log.chosen[k])
            other = target[init] if init == k else init
            events.append(
                Event(
                    round=t,
                    kind="bargain",
                    actors=(actors[k], actors[other]),
                    issues=tuple(issues[m] for m in moves(k, before[k], after[k])),
                    text=(
                        f"{actors[k]} accepts the bargain with {actors[other]} "
                        f"(p = {chosen_p[k]:.2f}): {say(k, before[k], after[k])}"
                    ),
                    data={
                        "initiator": actors[init],
                        "probability": chosen_p[k],
                        "from": as_dict(before[k]),
                        "to": as_dict(after[k]),
                    },
                )
            )
        return events

    @staticmethod
    def _turn_summary(
        run: kern.SMPRun,
        t: int,
        positions: np.ndarray,
        actors: tuple[str, ...],
        issues: tuple[str, ...],
        present: np.ndarray,
        span: np.ndarray,
    ) -> Event:
        """One ``turn`` event for turn ``t`` of a bounded trace: the numbers of challenges,
        of accepted bargains and of actors that moved (any coordinate changed, on the
        issues an actor takes part in or not), the total movement (the stop rule's
        ``Σ_i ||x_i(t) - x_i(t-1)||`` on the [0, 1] scale, and its ratio to the first
        turn's) and the :data:`TRACE_MOVERS` largest moves on the movers' own issues
        (Euclidean on the [0, 1] scale over the issues the actor takes part in: an
        absent actor's coordinate moves only through bargains and counts in no outcome),
        each with its :data:`TRACE_MOVES` largest changes relative to the issue's span
        (visible ones, >= 0.05, as in the full trace) in the scenario's units. Moves equal
        to 1e-12 rank in actor order. O(N·D) time, O(N + D) memory kept."""
        log = run.turns[t - 1]
        step = run.positions[t] - run.positions[t - 1]
        dist = np.sqrt((step * step).sum(axis=1))
        moved = int(np.count_nonzero(dist > 0.0))
        total = float(dist.sum())
        step = np.where(present, step, 0.0)
        own = np.sqrt((step * step).sum(axis=1))
        order = np.lexsort((np.arange(own.size), -np.round(own, 12)))
        top = [int(a) for a in order[:TRACE_MOVERS] if own[a] > 0.0]
        before, after = positions[t - 1], positions[t]
        largest: dict[str, dict[str, Any]] = {}
        parts = []
        shown: set[int] = set()
        for a in top:
            change = np.abs(after[a] - before[a])
            visible = np.flatnonzero(present[a] & (change >= 0.05))
            rank = visible[np.lexsort((visible, -np.round(change[visible] / span[visible], 12)))]
            listed = sorted(rank[:TRACE_MOVES].tolist())
            shown.update(listed)
            largest[actors[a]] = {
                "distance": float(own[a]),
                "from": {issues[m]: float(before[a, m]) for m in listed},
                "to": {issues[m]: float(after[a, m]) for m in listed},
            }
            what = ", ".join(f"{issues[m]} {before[a, m]:.1f} -> {after[a, m]:.1f}" for m in listed)
            more = rank.size - len(listed)
            if more:
                what += f", and {more} more issue{'s' if more > 1 else ''}"
            parts.append(f"{actors[a]} {own[a]:.3g}" + (f" ({what})" if what else ""))
        n_chal = int(np.count_nonzero(log.target >= 0))
        n_barg = int(np.count_nonzero(log.chosen >= 0))
        ratio = float(run.ratio[t - 1])
        text = (
            f"turn {t} in summary: {n_chal:,} challenge{'s' if n_chal != 1 else ''}, "
            f"{n_barg:,} bargain{'s' if n_barg != 1 else ''} accepted, {moved:,} "
            f"actor{'s' if moved != 1 else ''} moved (total distance {total:.4g} on the "
            f"[0, 1] scale, {ratio:.3g} of the first turn's)"
        )
        if parts:
            text += "; largest moves on their issues: " + "; ".join(parts)
        return Event(
            round=t,
            kind="turn",
            actors=tuple(actors[a] for a in top),
            issues=tuple(issues[m] for m in sorted(shown)),
            text=text,
            data={
                "challenges": n_chal,
                "bargains": n_barg,
                "moved": moved,
                "movement": total,
                "movement_ratio": ratio,
                "largest": largest,
            },
        )

    def _summary(
        self, run: kern.SMPRun, win: np.ndarray, actors: tuple[str, ...], scenario: Scenario
    ) -> list[str]:
        last = float(run.ratio[-1]) if run.ratio.size else 0.0
        if run.converged:
            stop = (
                f"converged after {run.n_turns} turns (movement {last:.4f} of the first "
                f"turn's < {self.stop_ratio:g})"
            )
        else:
            stop = f"stopped at the {run.n_turns}-turn limit (movement ratio {last:.4f})"
        best = int(np.argmax(win >= win.max() * (1.0 - kern.PROB_RTOL)))  # ties: first
        lines = [
            f"KTAB spatial model, {scenario.arrays().n_issues} issues as dimensions: {stop}",
            f"most probable final position: {actors[best]}'s (p = {win[best]:.2f})",
        ]
        arr = scenario.arrays()
        total = np.where(arr.present, arr.salience, 0.0).sum(axis=1)
        if self.salience == "excess" and np.any(total > 1.0):
            n = int(np.sum(total > 1.0))
            lines.append(
                f"saliences of {n} actor(s) summed to more than 1 over the issues and were "
                "divided by their total (KTAB requires at most 1)"
            )
        return lines
