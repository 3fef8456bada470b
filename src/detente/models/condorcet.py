"""The probabilistic Condorcet election on each issue: the model ``condorcet``.

Source: the probabilistic Condorcet election (PCE) of KAPSARC's KTAB (Wise, Lester,
Efird et al., KAPSARC Toolkit for Behavioral Analysis; reference code KAPSARC/KTAB,
``kmodel.cpp``: ``Model::scalarPCE``, ``coalitions``, ``vProb``, ``condPCE``), as KTAB's
spatial model computes the probability that each actor's position wins (``pDist``);
described in docs/models/condorcet.md and implemented in
:mod:`detente.models._smp_kernel`. On one issue, with positions x on [0, 1]:

* utility of position m to actor k: ``u_km = 1 - |x_k - x_m|`` (KTAB's ``(1-d)(1+dR)`` with
  risk neutrality R = 0, eq. 3.2);
* vote of k for m over l (proportional rule): ``v_k(m:l) = w_k (u_km - u_kl)`` with
  ``w_k`` = capability x salience (eq. 3.3);
* coalition strength ``C(m:l) = 1e-8 + Σ_k max(0, v_k(m:l))``, victory probability
  ``P(m>l) = C(m:l) / (C(m:l) + C(l:m))`` (linear, eq. 3.4);
* conditional PCE: ``p_m ∝ Π_l P(m>l)`` over the distinct positions (eq. 3.5).

The forecast is the probability-weighted position (``outcome="expected"``) or the most
probable position (``outcome="mode"``). With two actors the expected outcome is exactly
the capability x salience weighted mean. The voting rule, victory-probability form and
PCE variant are parameters (docs/models/spatial.md names the alternatives).

``weights="capability"`` and ``risk="ktab"`` reproduce what KTAB's spatial model reports
as win probabilities on a one-dimensional case before any bargaining: votes weighted by
capability alone, and each actor's utility curved by its risk attitude, inferred from a
risk-neutral PCE over all actors' positions (eq. 3.6); in that mode the election itself
uses proportional votes whatever ``voting_rule`` says, as KTAB's ``pDist`` does.

Departures from KTAB, none visible on its inputs:

* weights are rescaled to sum to 1 on each issue, so that KTAB's additive 1e-8 does not
  make the result depend on the unit of capability; where every weight is 0 the actors
  present count equally;
* positions closer than KTAB's tolerance (1e-3 of the scale) count as one (KTAB
  ``ueIndices``); KTAB groups them greedily in actor order, we take the connected groups
  of the sorted positions, represented by the smallest, so that the result does not
  depend on the actors' order (the two agree unless distinct positions lie that close).
  An actor's win probability is that of its position, so duplicates make the reported
  probabilities sum to more than 1, as in KTAB's output; ties for the most probable
  position go to the smallest;
* actors absent from an issue neither vote nor are candidates; an issue nobody takes a
  stance on forecasts its midpoint.

Complexity, for A actors and I issues: the issues are solved one after another (blocks of
small ones together), so memory is O(A² + A·I) (one issue's (A, A) matrices, 32 MB at
A = 2,000). Time is O(I·A² log A) with the defaults (proportional votes, risk-neutral
utility) above :data:`DIRECT_MAX_ACTORS` actors, where the coalitions come from sorted
prefix sums (:func:`detente.models._smp_kernel.line_coalitions`); other voting rules and
``risk="ktab"`` sum every voter's vote, O(I·A³).

The model is closed-form (no rounds). As in the team's other closed-form models,
linkages (:mod:`detente.linkage`) are evaluated once on the forecast: a held position is
the input position already, and an issue that a linkage freezes (every actor held) stays
at its reference point (when it has one).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from detente import progress
from detente.decision import decision_arrays
from detente.forecasts import Event, Forecast
from detente.linkage import freeze_event, freeze_outcome
from detente.models import _smp_kernel as kern
from detente.models.base import Model, make_forecast
from detente.models.registry import register
from detente.models.spatial import check_choice
from detente.scenario import Scenario

__all__ = ["Condorcet", "election", "groups_1d", "line_coalitions"]

OUTCOMES = ("expected", "mode")
WEIGHTS = ("capability_salience", "capability")
RISKS = ("neutral", "ktab")

_CHOICES: dict[str, tuple[str, ...]] = {
    "outcome": OUTCOMES,
    "voting_rule": kern.VOTING_RULES,
    "victory": kern.VICTORY_MODELS,
    "pce": kern.PCE_MODELS,
    "weights": WEIGHTS,
    "risk": RISKS,
}


#: above this many actors on an issue, proportional risk-neutral elections take their
#: coalitions from sorted prefix sums (O(A² log A) per issue) instead of summing every
#: voter's vote (O(A³)); the two agree to rounding (about 1e-16 of the total weight)
DIRECT_MAX_ACTORS = 64

#: relative tolerance of the mode: positions whose probability lies within this share of
#: the largest count as tied, and the smallest of them is the mode
MODE_RTOL = 1e-12

#: elements of the largest (problems, A, A) temporary the direct path builds at once
_CHUNK_ELEMENTS = 4_000_000

line_coalitions = kern.line_coalitions


def election(
    x: np.ndarray,
    w: np.ndarray,
    present: np.ndarray,
    *,
    voting_rule: str = "proportional",
    victory: str = "linear",
    pce: str = "conditional",
    risk: str = "neutral",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The PCE on many one-dimensional problems at once.

    ``x`` (positions on [0, 1]), ``w`` (weights >= 0) and ``present`` (bool) are
    ``(..., A)``. Returns ``p`` (``(..., A)``: probability of each distinct position, on
    the actor that represents it, 0 elsewhere), ``owner`` (``(..., A)``: index of the
    position representing each actor's) and ``present`` as used (an issue without actors
    takes all of them, at equal weight).

    Problems are solved in blocks so that no temporary exceeds about 4 million elements
    per block beyond the (A, A) matrices of one problem: memory O(A² + P·A) for P
    problems. Time O(P·A³) in general, O(P·A² log A) for proportional votes with
    risk-neutral utility above :data:`DIRECT_MAX_ACTORS` actors
    (:func:`detente.models._smp_kernel.line_coalitions`).
    """
    x = np.asarray(x, dtype=float)
    lead = x.shape[:-1]
    n = x.shape[-1]
    pres = np.broadcast_to(np.asarray(present, dtype=bool), x.shape)
    pres = pres | ~pres.any(axis=-1, keepdims=True)
    w = np.where(pres, np.broadcast_to(w, x.shape), 0.0)
    tot = w.sum(axis=-1, keepdims=True)
    w = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), pres / pres.sum(-1, keepdims=True))
    unique, owner = groups_1d(x, pres)
    size = int(np.prod(lead)) if lead else 1
    xf, wf = x.reshape(size, n), w.reshape(size, n)
    pf, of = pres.reshape(size, n), unique.reshape(size, n)
    p = np.empty((size, n))
    rule = "proportional" if risk == "ktab" else voting_rule
    fast = risk == "neutral" and voting_rule == "proportional" and n > DIRECT_MAX_ACTORS
    block = 1 if fast else max(1, _CHUNK_ELEMENTS // max(1, n * n))
    for a in range(0, size, block):
        b = min(size, a + block)
        if fast:
            c = line_coalitions(xf[a], wf[a])
            p[a] = kern.pce(pce, victory, c, of[a])
        else:
            d = np.abs(xf[a:b, :, None] - xf[a:b, None, :])  # d[k, m]
            if risk == "ktab":
                c_rn = kern.coalitions(voting_rule, wf[a:b], 1.0 - d)
                p_rn = kern.pce(pce, victory, c_rn, pf[a:b])
                r = kern.big_r(p_rn, "mid", mask=pf[a:b])
                u = kern.bs_util(d, kern.est_risk(r, r, "one_third")[..., :, None])
            else:
                u = 1.0 - d
            p[a:b] = kern.scalar_pce(
                wf[a:b], u, rule=rule, victory=victory, model=pce, options=of[a:b]
            )
        progress.report(b / size, f"condorcet: {b} of {size} elections")
    return p.reshape(x.shape), owner, pres


def groups_1d(
    x: np.ndarray, candidates: np.ndarray, tol: float = kern.POS_TOL
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct positions on a line, independent of the actors' order.

    ``x`` and ``candidates`` are ``(..., A)``. Sorted positions closer than ``tol`` to
    their neighbour form one group (connected components of KTAB's equivalence), whose
    representative is its smallest position (lowest index among equal ones). Returns
    ``unique`` (the representatives) and ``owner`` (each candidate's representative;
    others own themselves)."""
    a = x.shape[-1]
    key = np.where(candidates, x, np.inf)
    order = np.argsort(key, axis=-1, kind="stable")
    xs = np.take_along_axis(key, order, axis=-1)
    start = np.ones(xs.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        start[..., 1:] = ~(np.diff(xs, axis=-1) < tol)
    first = np.maximum.accumulate(np.where(start, np.arange(a), 0), axis=-1)
    rep_sorted = np.take_along_axis(order, first, axis=-1)
    owner = np.empty_like(order)
    np.put_along_axis(owner, order, rep_sorted, axis=-1)
    owner = np.where(candidates, owner, np.arange(a))
    unique = candidates & (owner == np.arange(a))
    return unique, owner


@register
class Condorcet(Model):
    """Probabilistic Condorcet election on each issue (see the module docstring for the
    algorithm, its source and every departure from it)."""

    name: ClassVar[str] = "condorcet"
    summary: ClassVar[str] = (
        "probabilistic Condorcet election on each issue: the probability that each "
        "position wins, and the probability-weighted position"
    )
    citation: ClassVar[str] = (
        "Wise, Lester, Efird et al., KAPSARC Toolkit for Behavioral Analysis (KTAB), "
        "probabilistic Condorcet election (KAPSARC; reference code KAPSARC/KTAB, MIT licence)"
    )
    stochastic: ClassVar[bool] = False

    def __init__(
        self,
        outcome: str = "expected",
        voting_rule: str = "proportional",
        victory: str = "linear",
        pce: str = "conditional",
        weights: str = "capability_salience",
        risk: str = "neutral",
    ) -> None:
        for key, allowed in _CHOICES.items():
            check_choice(self.name, key, locals()[key], allowed)
        self.outcome = str(outcome).strip().lower()
        self.voting_rule = str(voting_rule).strip().lower()
        self.victory = str(victory).strip().lower()
        self.pce = str(pce).strip().lower()
        self.weights = str(weights).strip().lower()
        self.risk = str(risk).strip().lower()

    # ------------------------------------------------------------------ kernel
    def _solve(
        self,
        position: np.ndarray,
        salience: np.ndarray,
        capability: np.ndarray,
        present: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Arrays ``(..., A, I)`` -> (expected, mode, modal actor) ``(..., I)``, the
        per-actor win probabilities ``(..., A, I)`` and the option probabilities."""
        x = np.swapaxes(np.clip((position - low) / (high - low), 0.0, 1.0), -1, -2)
        w = capability if self.weights == "capability" else capability * salience
        pres = np.broadcast_to(present, position.shape)
        p, owner, used = election(
            x,
            np.swapaxes(w, -1, -2),
            np.swapaxes(pres, -1, -2),
            voting_rule=self.voting_rule,
            victory=self.victory,
            pce=self.pce,
            risk=self.risk,
        )
        expected = low + (p * x).sum(axis=-1) * (high - low)
        # most probable position; ties (to 1e-12) go to the smallest position
        tied = p >= p.max(axis=-1, keepdims=True) * (1.0 - MODE_RTOL)
        top = np.argmin(np.where(tied & (p > 0), x, np.inf), axis=-1)
        mode = low + np.take_along_axis(x, top[..., None], axis=-1)[..., 0] * (high - low)
        per_actor = np.where(used, np.take_along_axis(p, owner, axis=-1), 0.0)
        return (
            np.clip(expected, low, high),
            mode,
            top,
            np.swapaxes(per_actor, -1, -2),
            np.swapaxes(p, -1, -2),
        )

    # ------------------------------------------------------------------ protocol
    def forecast(self, scenario: Scenario, *, seed: int | None = None) -> Forecast:
        arr = scenario.arrays()
        expected, mode, top, per_actor, p_opt = self._solve(
            arr.position, arr.salience, arr.capability, arr.present, arr.low, arr.high
        )
        outcome = expected if self.outcome == "expected" else mode
        ids = arr.actor_ids
        details: dict[str, dict[str, Any]] = {}
        events: list[Event] = []
        outcome, frozen = freeze_outcome(
            scenario.linkages, arr, outcome, arr.position, decision_arrays(scenario)
        )
        for k, iss in enumerate(arr.issue_ids):
            pres = np.flatnonzero(arr.present[:, k])
            lead = int(top[k])
            holders = [
                ids[a] for a in pres if abs(arr.position[a, k] - arr.position[lead, k]) < 1e-9
            ]
            details[iss] = {
                "expected": float(expected[k]),
                "mode": float(mode[k]),
                "mode_actor": ids[lead] if pres.size else None,
                "positions": int((p_opt[:, k] > 0).sum()),
                "win_probability": {ids[a]: float(per_actor[a, k]) for a in pres},
                "frozen": bool(frozen[k]),
            }
            if frozen[k]:
                events.append(freeze_event(arr, k))
            if pres.size:
                events.append(
                    Event(
                        round=0,
                        kind="election",
                        actors=tuple(holders),
                        issues=(iss,),
                        text=(
                            f"{iss}: most probable position {mode[k]:.1f} "
                            f"({', '.join(holders)}; p = {p_opt[lead, k]:.2f}), "
                            f"probability-weighted position {expected[k]:.1f}"
                        ),
                        data={"win_probability": details[iss]["win_probability"]},
                    )
                )
        weights = "capability" if self.weights == "capability" else "capability x salience"
        summary = [
            f"probabilistic Condorcet election on each issue: {self.pce} PCE, {self.victory} "
            f"victory probability, {self.voting_rule} votes weighted by {weights}"
            + (", risk attitudes as KTAB infers them" if self.risk == "ktab" else "")
        ]
        return make_forecast(
            self,
            scenario,
            arr.position[None, :, :],
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
    ) -> np.ndarray:
        """Outcomes ``(E, I)`` of ``E`` perturbed scenarios in one vectorised call."""
        expected, mode, *_ = self._solve(position, salience, capability, present, low, high)
        # the model's aggregate; decision rules and freezes are added by
        # Model.decided_outcome_batch, as make_forecast adds them to forecast
        return expected if self.outcome == "expected" else mode

    def probabilities(self, scenario: Scenario) -> dict[str, dict[str, float]]:
        """Issue -> actor -> probability that the actor's position wins."""
        return {iss: d["win_probability"] for iss, d in self.forecast(scenario).details.items()}
