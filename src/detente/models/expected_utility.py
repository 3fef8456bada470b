"""The expected-utility ("challenge") model of Bueno de Mesquita.

Sources: Bueno de Mesquita (1994), "Political forecasting: an expected utility method", in
Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*, Yale UP; Bueno
de Mesquita (2002), *Predicting Politics*, Ohio State UP; and the open reconstruction of
Scholz, Calbert & Smith (2011), "Unravelling Bueno de Mesquita's group decision model",
*Journal of Theoretical Politics* 23(4): 510-531, cited as "SCS §n" by section and "SCS
step n" by the steps of a round its appendix lists (the section numbers as the dmasad
replication cites them; (E1)-(E8) below are this module's own numbering, not the
paper's equation numbers, which we could not check against the text). Reference numbers:
the replication of the paper's EC emission-standards case by jmckib/bdm-scholz-expected-
utility-model (commit 55f63e9, "faithful to Scholz' code") and the dmasad reading
(BDM_DecisionModel_Replication, aa3899a); see docs/models/expected_utility.md.

Each issue is an independent game among the actors present on it. Notation: position
``x``, salience ``s`` in [0, 1], capability ``c``, ``w = c s``; ``R`` is the spread of the
issue's initial positions (``scale="positions"``, as both references) or its scale
(``scale="issue"``); ``d_ij = |x_i - x_j| / R``; ``r`` the risk exponents.

Equations (numbered here; the SCS section each rests on in brackets)
--------------------------------------------------------------------
(E1) vote of ``k`` for ``x_a`` against ``x_b`` [SCS §4]:
     ``cmp_k(a, b) = w_k [ (|x_k - x_b|/R)^{r_k} - (|x_k - x_a|/R)^{r_k} ]``.
(E2) probability that ``i`` prevails over ``j`` [SCS §4]:
     ``P_ij = Σ_k max(0, cmp_k(i, j)) / Den``, ``P_ij = 0`` when ``x_i = x_j``.
     ``denominator="all_pairs"`` (default, Scholz's code as replicated by jmckib):
     ``Den = Σ_k Σ_a Σ_b |cmp_k(a, b)|`` over all actor pairs; ``denominator="pair"``
     (the paper): ``Den = Σ_k |cmp_k(i, j)|``.
(E3) utilities seen by actor ``h`` (exponent ``r_h`` for everybody) [SCS §3]:
     ``U_s = 2 - 4(0.5 - 0.5 d_ij)^{r_h}``, ``U_f = 2 - 4(0.5 + 0.5 d_ij)^{r_h}``,
     ``U_sq = 2 - 4(0.5)^{r_h}``.
(E4) expected utility of ``i`` challenging ``j`` as ``h`` sees it [SCS §2.2]:
     ``E^h(U_ij) = s_j [P_ij U_s + (1 - P_ij) U_f] + (1 - s_j) U_s - Q U_sq`` with ``Q = 1``
     (so the "better/worse" utilities ``U_b``, ``U_w`` and ``T`` drop out, as in both
     references).
(E5) danger to ``i`` with every ``r = 1``: ``D_i = Σ_{j≠i} E^j(U_ji)`` [SCS §5]; then
     ``R_i = (2 D_i - D_max - D_min) / (D_max - D_min)`` and
     ``r_i = (1 - R_i/3) / (1 + R_i/3)`` in [0.5, 2], recomputed at the start of every
     round (SCS steps 2-9).
(E6) offers to ``i`` from every ``j`` with ``x_j ≠ x_i``, with ``e_ij = E^i(U_ij)`` and
     ``e_ji = E^i(U_ji)`` [SCS §6, step 11]:
     confrontation ``e_ji > e_ij > 0`` → ``x_j``;
     compromise ``e_ji > 0 > e_ij`` and ``e_ji > |e_ij|`` → ``x_i + (x_j - x_i)|e_ij / e_ji|``;
     capitulation ``e_ji > 0 > e_ij`` and ``e_ji < |e_ij|`` → ``x_j``.
(E7) choice: a confrontation if there is one (the nearest), else a compromise, else a
     capitulation (the nearest); all actors move at once [SCS §6].
(E8) outcome: the weighted mean ``Σ w x / Σ w`` (Achen 2006) or the position that wins
     every pairwise vote with ``r = 1`` (a weighted median, Black 1958).

Where the reference follows Scholz's code rather than the paper
----------------------------------------------------------------
* ``denominator`` (E2): the code sums ``|cmp|`` over *all* actor pairs, the paper over the
  pair in question; default ``"all_pairs"`` (code), ``"pair"`` (paper).
* ``choice`` (E7): among compromises the code takes the offer minimising
  ``(|e_ij| x_i + |e_ji| x_j) / (|e_ij| + |e_ji|)``; the paper (and BDM) the one that
  changes the actor's position least. Default ``"scholz"``, ``"least_change"`` (paper).
* ``capitulation`` (E6): the code's condition reads ``e_ji < |e_ji|`` and never holds, so
  nobody capitulates; default ``False`` (code), ``True`` applies the paper's ``e_ji < |e_ij|``.

``variant="dmasad"`` plays the dmasad reading instead (docs/models/expected_utility.md): ``P_ij =
max(0, Σ_k w_k(|x_k-x_j| - |x_k-x_i|)) / Σ_k w_k ||x_k-x_j| - |x_k-x_i||`` (no exponent);
the E(U) of (E4) from the challenger's own perspective; every ``j`` with
``E^j(U_ji) > 0`` sends ``i`` an offer; ``i`` takes the one with the largest sender E(U)
(ties: the nearest) and, with ``U_i = E^i(U_ij)`` and ``U_j`` the sender's, moves to
``x_j`` if ``0 < U_i < U_j`` or ``|U_i| > U_j > 0 > U_i``, compromises by ``|U_i / U_j|``
if ``U_i < 0`` and ``|U_i| < U_j``, and otherwise resists. The three options of the
Scholz reading do not apply to it.

Departures from the references, and why
---------------------------------------
* Ties (see "Ties" below) go to the proposer with the lower position (the references take
  the first of exactly equal keys in input order), so that the forecast does not depend
  on the order in which actors are listed. Ties of the pairwise-vote median go to the
  lower position too.
* When every actor faces the same danger to within the tolerance of ties (E5 divides by
  zero, and the references stop with an error) all risk exponents are 1.
* Actors absent from an issue take no part in its game (no votes, offers or dangers);
  ``R`` is taken over the positions of the actors present; an issue where all of them
  agree has nothing to play and stays put.
* Rounds: the references play a given number of rounds (``stop="rounds"``, default 10).
  ``stop="positions"`` (``"mean"``) ends an issue's game once no position (the weighted
  mean) moves more than ``tol`` x the scale span in a round and no linkage held a
  position on it, at most ``max_rounds`` rounds.
* Linkages (:mod:`detente.linkage`) are evaluated at the start of every round on the
  current weighted means; held positions are restored after the round's moves.
  The batch protocol (:meth:`ExpectedUtility.outcome_batch`) carries no linkages: they
  apply there only when the caller passes the scenario (``scenario=``).
* Computation: pairwise quantities are arrays and the win probabilities are computed in
  ``O(N^2)`` per round instead of the references' ``O(N^6)`` (:mod:`._eu_kernel`); the
  results agree with the references to rounding (about 1e-14 on the reference case).
  Many small games (ensembles: at least 64 games of at most 32 actors, no trace) and
  large games (at least 128 actors, the accepted moves traced or not) are played by a
  compiled kernel (:mod:`._eu_numba`) with the same arithmetic in the same order, so
  both paths give identical numbers on one machine; ``DETENTE_NO_NUMBA=1`` keeps NumPy
  only.

Ties: the same answer on every processor
----------------------------------------
The game decides by comparing computed quantities that are often equal in exact
arithmetic: actors that have converged to within a hair of one another offer each other
expected utilities of 1e-13 whose signs and ratios are rounding noise, and their keys tie.
The last bits differ between processors (NumPy's ``np.power`` runs Intel's SVML code on
AVX-512 and the C library's ``pow`` elsewhere: about 5 % of the powers differ in the last
place), so an exact comparison there is a coin toss that differs from one machine to the
next and the game amplifies it (an actor ended at 42.33 on an AVX2 machine and at 39.44
on an AVX-512 one). Every such comparison therefore has a stated tolerance,
``TIE = 1e-9`` (:data:`._eu_kernel.TIE`), relative to the quantity's scale:

* expected utilities (utilities lie in [-2, 2], scale 1): ``a > b`` reads
  ``a > b + TIE``, a sign ``a > 0`` reads ``a > TIE``, so E(U) within ``TIE`` of each
  other or of 0 count as equal (E6, E7, the dmasad resolution and its largest sender
  E(U));
* offer keys (positions or distances, scale ``R``): every offer whose key lies within
  ``TIE x R`` of the least is tied with it, and the tied offer of the proposer with the
  lowest position takes it (then the lowest actor index);
* dangers (E5): when ``D_max - D_min <= TIE x max(|D_max|, |D_min|, 1)`` all risk
  exponents are 1.

Both kernels and the test's plain transcription apply these rules identically; the tests
perturb every input by one unit in the last place and run the model with AVX2 arithmetic
(``tests/models/test_eu_determinism.py``) and expect the same choices. Positions can
still differ by rounding amplified by a compromise (a ratio of two small utilities):
about 1e-12 of the range typically, never a different offer unless a quantity lies
within rounding of a tolerance boundary.

A dominant actor
----------------
With Scholz's all-pairs denominator (E2) ``P_ij`` is ``i``'s share of the support summed
over every ordered pair, not the chance that ``i`` beats ``j``: the shares of all pairs add
up to 1/2, and an actor of capability 1e12 at 10 facing actors of capability 1 at 50 and
90 gets ``P = 1/8`` and ``1/4``. With saliences of 1 nobody moves at all; when the
dominant actor's salience is below 1 its expected utility of a challenge is negative
and it compromises with the weak actors (to 26.57 with salience 0.5), as the references
do (their capitulation never fires). With ``capitulation=True`` (the paper's rule) on
these probabilities it capitulates to 50, then to 90, and back every round (10, 26.57,
50, 90, 50, ...). That is what the published equations, as Scholz's code and the jmckib
replication implement them, give, so the model keeps it (the tests state it against the
transcription of the references); ``denominator="pair"`` (the paper's ``P_ij``, near 1
for the dominant actor) keeps a dominant actor in place and brings the others to it,
and is the better choice when capabilities differ by orders of magnitude.

Complexity
----------
Per issue with ``N`` actors present and ``T`` rounds: time ``O(T N^2)`` (plus a sort per
round), memory ``O(N^2)`` per game in play: the compiled kernel holds about a dozen
``N x N`` scratch arrays per thread and a power buffer of at most 2^18 values (or one
game's ``3 N^2``), the NumPy kernel plays the games in chunks of at most 2e6 pairs (one
game at least). A forecast of ``I`` issues takes ``O(I T N^2)`` time and ``O(threads
N^2 + T N I)`` memory (the trajectory, and the accepted moves of the trace). Measured
on a shared 2-core AVX-512 machine: 2,000 actors x 50 issues, 10 rounds (the accepted
moves traced) took 168 s of processor time on two threads (about 85 s of wall time
when both cores are free; 357 s while other jobs held half of them), with a peak
resident memory of 1.7 GB.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from detente.errors import InputError
from detente.forecasts import Event, Forecast
from detente.linkage import held_mask
from detente.models._eu_kernel import (
    CAPITULATION,
    COMPROMISE,
    CONFRONTATION,
    KIND_NAMES,
    RESISTED,
    EUSettings,
    GameResult,
    pairwise_vote_median,
    play,
)
from detente.models.base import Model, make_forecast
from detente.models.compromise import weighted_mean
from detente.models.registry import register
from detente.progress import report
from detente.scenario import Scenario, ScenarioArrays

__all__ = ["ExpectedUtility"]

#: with ``trace="auto"``, scenarios of at most this many actors record every offer ...
TRACE_ALL_OFFERS_MAX = 20
#: ... unless actors^2 x issues x rounds exceeds this, which keeps the forecast small
TRACE_OFFER_BUDGET = 200_000

_CHOICES: dict[str, tuple[str, ...]] = {
    "stop": ("rounds", "positions", "mean"),
    "outcome": ("mean", "median"),
    "variant": ("scholz", "dmasad"),
    "denominator": ("all_pairs", "pair"),
    "choice": ("scholz", "least_change"),
    "scale": ("positions", "issue"),
    "trace": ("auto", "offers", "moves", "none"),
}

_VERB = {
    CONFRONTATION: "loses a confrontation to",
    COMPROMISE: "compromises with",
    CAPITULATION: "capitulates to",
    RESISTED: "resists",
}


def _bad(key: str, problem: str, allowed: str) -> InputError:
    return InputError(problem, where=f"--param expected_utility.{key}", allowed=allowed)


@register
class ExpectedUtility(Model):
    """Bueno de Mesquita's expected-utility (challenge) model; see the module docstring for
    the equations, the reference readings and every departure from them.

    Parameters
    ----------
    rounds:
        Rounds to play when ``stop="rounds"`` (the references' fixed count).
    stop:
        ``"rounds"``; ``"positions"`` or ``"mean"``: play until no position (the weighted
        mean) moves more than ``tol`` in a round, at most ``max_rounds``.
    tol:
        Convergence tolerance, a fraction of each issue's scale span.
    max_rounds:
        Cap on the rounds when playing to convergence.
    outcome:
        ``"mean"`` (capability x salience weighted mean of the final positions) or
        ``"median"`` (the final pairwise-vote winner).
    variant:
        ``"scholz"`` (Scholz's code as replicated by jmckib) or ``"dmasad"``.
    denominator:
        Denominator of ``P_ij`` (E2): ``"all_pairs"`` (default, Scholz's code: ``|cmp|``
        summed over all actor pairs) or ``"pair"`` (the paper: over the pair in question).
        Variant ``"scholz"`` only.
    choice:
        Offer taken among compromises (E7): ``"scholz"`` (default, Scholz's code: the one
        minimising ``(|e_ij| x_i + |e_ji| x_j) / (|e_ij| + |e_ji|)``) or
        ``"least_change"`` (the paper and BDM: the one that moves the actor least).
        Variant ``"scholz"`` only.
    capitulation:
        ``False`` (default, Scholz's code, whose condition never holds: nobody
        capitulates) or ``True`` (the paper's capitulation ``e_ji < |e_ij|``, E6).
        Variant ``"scholz"`` only.
    scale:
        Range ``R`` of the utilities: ``"positions"`` (initial spread, the references) or
        ``"issue"`` (the issue's scale).
    trace:
        Events kept in the forecast: ``"auto"`` (every offer when at most 20 actors and
        actors^2 x issues x rounds <= 200,000, else the accepted moves and the count of
        offers), ``"offers"``, ``"moves"`` or ``"none"``.
    """

    name = "expected_utility"
    summary = "Bueno de Mesquita's expected-utility (challenge) model, Scholz et al. reading"
    citation = (
        "Bueno de Mesquita (1994), Political forecasting: an expected utility method; "
        "Scholz, Calbert & Smith (2011), J. Theoretical Politics 23(4): 510-531"
    )
    stochastic = False
    moves_positions = True

    def __init__(
        self,
        rounds: int = 10,
        stop: str = "rounds",
        tol: float = 1e-6,
        max_rounds: int = 100,
        outcome: str = "mean",
        variant: str = "scholz",
        denominator: str = "all_pairs",
        choice: str = "scholz",
        capitulation: bool = False,
        scale: str = "positions",
        trace: str = "auto",
    ) -> None:
        for key, value in (("rounds", rounds), ("max_rounds", max_rounds)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise _bad(key, f"{value!r} is not a whole number", "0 to 10000")
            low = 0 if key == "rounds" else 1
            if not low <= value <= 10_000:
                raise _bad(key, f"{value} is out of range", f"{low} to 10000")
        if isinstance(tol, bool) or not isinstance(tol, (int, float)):
            raise _bad("tol", f"{tol!r} is not a number", "a number >= 0")
        if not (math.isfinite(tol) and tol >= 0):
            raise _bad("tol", f"{tol!r} is not a finite number >= 0", "a number >= 0")
        if not isinstance(capitulation, (bool, np.bool_)):
            raise _bad("capitulation", f"{capitulation!r} is not a boolean", "true or false")
        options = {
            "stop": stop,
            "outcome": outcome,
            "variant": variant,
            "denominator": denominator,
            "choice": choice,
            "scale": scale,
            "trace": trace,
        }
        for key, value in options.items():
            if value not in _CHOICES[key]:
                raise _bad(key, f"unknown option {value!r}", ", ".join(_CHOICES[key]))
        if variant == "dmasad":
            for key, value, default in (
                ("denominator", denominator, "all_pairs"),
                ("choice", choice, "scholz"),
                ("capitulation", capitulation, False),
            ):
                if value != default:
                    raise _bad(
                        key,
                        f"{key}={value!r} applies to variant 'scholz' only",
                        f"{default} with variant dmasad",
                    )
        self.rounds = int(rounds)
        self.stop = stop
        self.tol = float(tol)
        self.max_rounds = int(max_rounds)
        self.outcome = outcome
        self.variant = variant
        self.denominator = denominator
        self.choice = choice
        self.capitulation = bool(capitulation)
        self.scale = scale
        self.trace = trace

    # ------------------------------------------------------------------ settings
    def _settings(self) -> EUSettings:
        return EUSettings(
            variant=self.variant,
            denominator=self.denominator,
            choice=self.choice,
            capitulation=self.capitulation,
            stop=self.stop,
            rounds=self.rounds,
            tol=self.tol,
            max_rounds=self.max_rounds,
        )

    def _record_level(self, n_actors: int, n_issues: int) -> str | None:
        if self.trace == "none":
            return None
        if self.trace == "auto":
            limit = self.rounds if self.stop == "rounds" else self.max_rounds
            small = n_actors**2 * n_issues * limit <= TRACE_OFFER_BUDGET
            return "offers" if n_actors <= TRACE_ALL_OFFERS_MAX and small else "moves"
        return self.trace

    # ------------------------------------------------------------------ forecast
    def forecast(self, scenario: Scenario, *, seed: int | None = None) -> Forecast:
        """Play every issue's game; the trajectory has one entry per round plus the input."""
        arr = scenario.arrays()
        hold = None
        if scenario.linkages:
            links = scenario.linkages

            def hold(x: np.ndarray) -> np.ndarray | None:  # x: (I, A)
                current = weighted_mean(x.T, arr.salience, arr.capability, arr.present)
                held = held_mask(links, arr, current)
                return None if held is None else held.T

        record = self._record_level(arr.n_actors, arr.n_issues)
        res = play(
            arr.position.T,
            arr.salience.T,
            arr.capability.T,
            arr.present.T,
            arr.low,
            arr.high,
            self._settings(),
            scale=self.scale,
            hold=hold,
            record=record,
            progress=lambda r, n: report(r / n, f"expected_utility: round {r} of {n}"),
        )
        positions = res.trajectory.transpose(0, 2, 1)  # (T + 1, A, I)
        w = (arr.capability * arr.salience).T
        means = weighted_mean(positions, arr.salience, arr.capability, arr.present)
        medians = pairwise_vote_median(positions.transpose(0, 2, 1), w, arr.present.T)
        outcome = means[-1] if self.outcome == "mean" else medians[-1]
        events = _events(res, scenario, means, medians) if record is not None else []
        details = _details(res, arr, means, medians, self.stop != "rounds")
        return make_forecast(
            self,
            scenario,
            positions,
            outcome,
            seed=seed,
            details=details,
            events=events,
            summary=self._summary(res, arr),
        )

    def _summary(self, res: GameResult, arr: ScenarioArrays) -> list[str]:
        reading = (
            "dmasad reading"
            if self.variant == "dmasad"
            else "Scholz's code"
            if (self.denominator, self.choice, self.capitulation) == ("all_pairs", "scholz", False)
            else "Scholz reading with the paper's "
            + ", ".join(
                name
                for name, on in (
                    ("denominator", self.denominator == "pair"),
                    ("offer choice", self.choice == "least_change"),
                    ("capitulation", self.capitulation),
                )
                if on
            )
        )
        rounds = res.trajectory.shape[0] - 1
        moves = int((np.diff(res.trajectory, axis=0) != 0).sum())
        line = f"expected utility ({reading}): {rounds} round(s), {moves} position change(s)"
        line += f"; outcome = final {'weighted mean' if self.outcome == 'mean' else 'median'}"
        lines = [line]
        if self.stop != "rounds":
            done = [arr.issue_ids[k] for k in np.flatnonzero(res.converged)]
            if len(done) < arr.n_issues:
                left = [i for i in arr.issue_ids if i not in done]
                lines.append(f"not converged within {self.max_rounds} rounds: {', '.join(left)}")
        return lines

    # ------------------------------------------------------------------ ensembles
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
        """Outcomes ``(E, I)`` of ``E`` perturbed scenarios in one call: the ``E x I`` games
        are played side by side by the kernel.

        ``scenario`` (optional, beyond the base protocol) is the scenario the draws perturb;
        when given, its linkages are applied in every draw as :meth:`forecast` does.
        Without it the draws play without linkages. ``final_positions`` (``(E, A, I)``),
        when given, receives every draw's final positions (decision rules and freezes read
        them: :meth:`~detente.models.base.Model.decided_outcome_batch`).
        """
        position = np.asarray(position, dtype=float)
        if position.ndim != 3:
            raise ValueError(f"position must be (draws, actors, issues), got {position.shape}")
        e, a, i = position.shape
        pres = np.broadcast_to(np.asarray(present, dtype=bool), (e, a, i))

        def games(v: np.ndarray) -> np.ndarray:
            return np.broadcast_to(v, (e, a, i)).transpose(0, 2, 1).reshape(e * i, a)

        lo = np.broadcast_to(np.asarray(low, dtype=float), (e, i)).reshape(-1)
        hi = np.broadcast_to(np.asarray(high, dtype=float), (e, i)).reshape(-1)
        salience = np.broadcast_to(np.asarray(salience, dtype=float), (e, a, i))
        capability = np.broadcast_to(np.asarray(capability, dtype=float), (e, a, i))
        sal, cap = games(salience), games(capability)
        hold = None
        if scenario is not None and scenario.linkages:
            arr, links = scenario.arrays(), scenario.linkages
            if (arr.n_actors, arr.n_issues) != (a, i):
                raise ValueError("the scenario does not match the draws' actors x issues")

            # the weights of weighted_mean, once for every round (the same numbers)
            weight = capability * salience * pres
            total = weight.sum(axis=-2)
            fixed_weight = not np.any(total <= 0)

            def hold(x: np.ndarray) -> np.ndarray | None:  # x: (E * I, A)
                cur = x.reshape(e, i, a).transpose(0, 2, 1)
                if fixed_weight:  # weighted_mean's arithmetic without recomputing weights
                    current = np.einsum("...ai,...ai->...i", weight, cur) / total
                else:
                    current = weighted_mean(cur, salience, capability, pres)  # (E, I)
                held = held_mask(links, arr, current)
                return None if held is None else held.transpose(0, 2, 1).reshape(e * i, a)

        res = play(
            games(position),
            sal,
            cap,
            games(pres),
            lo,
            hi,
            self._settings(),
            scale=self.scale,
            hold=hold,
        )
        final, p = res.trajectory[-1], games(pres)
        if final_positions is not None:
            final_positions[...] = final.reshape(e, i, a).transpose(0, 2, 1)
        if self.outcome == "median":
            out = pairwise_vote_median(final, sal * cap, p)
        else:
            out = weighted_mean(final[..., None], sal[..., None], cap[..., None], p[..., None])
            out = out[..., 0]
        return out.reshape(e, i)


# ---------------------------------------------------------------------- explanation
def _details(
    res: GameResult,
    arr: ScenarioArrays,
    means: np.ndarray,
    medians: np.ndarray,
    convergence: bool,
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for k, iss in enumerate(arr.issue_ids):
        present = np.flatnonzero(arr.present[:, k])
        d: dict[str, Any] = {
            "mean": float(means[-1, k]),
            "median": float(medians[-1, k]),
            "rounds": int(res.rounds_played[k]),
            "mean_by_round": [float(v) for v in means[:, k]],
            "median_by_round": [float(v) for v in medians[:, k]],
            "risk_exponents": {
                arr.actor_ids[a]: [float(v) for v in res.risk[:, k, a]] for a in present
            },
        }
        if convergence:
            d["converged"] = bool(res.converged[k])
        d["moves"] = int((np.diff(res.trajectory[:, k], axis=0) != 0).sum())
        if res.records:
            d["offers"] = int(sum(int(rec.n_offers[k]) for rec in res.records))
        out[iss] = d
    return out


def _events(
    res: GameResult, scenario: Scenario, means: np.ndarray, medians: np.ndarray
) -> list[Event]:
    """Events of every round: offers (when recorded), accepted moves, a round summary.
    ``actors`` hold ids; the texts use the actors' names."""
    arr = scenario.arrays()
    ids, issues = arr.actor_ids, arr.issue_ids
    name = [a.label for a in scenario.actors]
    events: list[Event] = []
    for t, rec in enumerate(res.records, start=1):
        for k in np.flatnonzero(rec.active):
            iss = issues[k]
            if rec.offers_kind is not None:
                for i, j in zip(*np.nonzero(rec.offers_kind[k]), strict=True):
                    kind = int(rec.offers_kind[k, i, j])
                    own = float(rec.offers_eu_own[k, i, j])
                    other = float(rec.offers_eu_other[k, i, j])
                    pos = float(rec.offers_position[k, i, j])
                    events.append(
                        Event(
                            round=t,
                            kind="offer",
                            actors=(ids[j], ids[i]),
                            issues=(iss,),
                            text=(
                                f"{iss}: {name[j]} offers {name[i]} a {KIND_NAMES[kind]} "
                                f"({rec.old[k, i]:.4g} -> {pos:.4g}); as {name[i]} sees it "
                                f"E(U) {name[i]}->{name[j]} {own:+.3f}, "
                                f"{name[j]}->{name[i]} {other:+.3f}"
                            ),
                            data={
                                "offer": KIND_NAMES[kind],
                                "from": float(rec.old[k, i]),
                                "to": pos,
                                "eu_receiver": own,
                                "eu_proposer": other,
                            },
                        )
                    )
            for i in np.flatnonzero(rec.chosen[k] >= 0):
                j = int(rec.chosen[k, i])
                kind = int(rec.chosen_kind[k, i])
                old, new = float(rec.old[k, i]), float(rec.new[k, i])
                own, other = float(rec.chosen_eu_own[k, i]), float(rec.chosen_eu_other[k, i])
                held = rec.held is not None and bool(rec.held[k, i])
                text = f"{iss}: {name[i]} {_VERB[kind]} {name[j]}"
                text += f": {old:.4g} -> {new:.4g}" if kind != RESISTED else f" at {old:.4g}"
                text += (
                    f" (E(U) {name[i]}->{name[j]} {own:+.3f}, {name[j]}->{name[i]} {other:+.3f})"
                )
                if held:
                    text += "; a linkage holds the position"
                events.append(
                    Event(
                        round=t,
                        kind=KIND_NAMES[kind],
                        actors=(ids[i], ids[j]),
                        issues=(iss,),
                        text=text,
                        data={
                            "from": old,
                            "to": new,
                            "eu_receiver": own,
                            "eu_proposer": other,
                            "held": held,
                        },
                    )
                )
            moved = int(((rec.new[k] != rec.old[k]) & arr.present[:, k]).sum())
            events.append(
                Event(
                    round=t,
                    kind="round",
                    actors=(),
                    issues=(iss,),
                    text=(
                        f"{iss}: {int(rec.n_offers[k])} offer(s), {moved} move(s); "
                        f"mean {means[t, k]:.4g}, median {medians[t, k]:.4g}"
                    ),
                    data={
                        "offers": int(rec.n_offers[k]),
                        "moves": moved,
                        "mean": float(means[t, k]),
                        "median": float(medians[t, k]),
                    },
                )
            )
    return events
