"""What would it take? The smallest change of inputs that makes a model forecast a target.

The analyst names targets (issue bounds such as ``"sanctions <= 30"``, or ``"reset"``, see
:mod:`detente.targets`) and the inputs that may move (``--movable``: actors, issues and
fields). The search finds the smallest total change, measured in

* positions: points on a 0..100 rescaling of the issue's scale,
* saliences: points on 0..100 (a change of 0.01 in salience costs 1),
* capabilities: percent of the actor's capability,

that makes the model's forecast meet every target, and re-runs the model on the changed
scenario before reporting (``verified``).

*Exact* for the compromise model (Achen 2006) when only one kind of field moves and the
targets are issue bounds: the outcome O_i = Σ c s x / Σ c s is linear in the positions, and
the constraint O_i <= b, i.e. Σ_a c_a s_a (x_a - b) <= 0, is linear in the saliences and in
the capabilities; the least total (L1) change is then a linear programme (HiGHS through
:func:`scipy.optimize.linprog`). Otherwise a seeded derivative-free search: probe every
movable input at its bounds to find the helpful direction, push all helpful inputs
(guided by the compromise solution when there is one) until the targets are met, bisect
back along that move, then shrink the changes one input at a time in a seeded random order
while the re-run forecast still meets the targets.

"Who to persuade": for each actor, the smallest change of that actor's movable inputs alone
that meets the targets, or that none does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from detente.errors import InputError
from detente.models import Model
from detente.scenario import Scenario
from detente.targets import Target, parse_targets

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Change", "Var", "WhatItTakes", "parse_movable", "what_it_takes"]

Field = Literal["position", "salience", "capability"]
FIELDS: tuple[str, ...] = ("position", "salience", "capability")
_EPS_MARGIN = 1e-6
_SPEC = re.compile(r"^\s*([^.:\s]+)(?:\.([^:\s]+))?(?::([a-z+,]+))?\s*$")


@dataclass(frozen=True)
class Var:
    """One movable input: an actor's position or salience on an issue, or its capability."""

    actor: int
    issue: int  # -1 for capability (per actor)
    field: Field


@dataclass(frozen=True)
class Change:
    actor: str
    issue: str | None
    field: str
    before: float
    after: float
    cost: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "issue": self.issue,
            "field": self.field,
            "from": self.before,
            "to": self.after,
        }


@dataclass
class WhatItTakes:
    """The answer of :func:`what_it_takes`: whether the targets can be met by moving the
    movable inputs, the changes (largest first) and the forecast before and after them,
    and who to persuade (each actor's movable inputs alone)."""

    model: str
    targets: list[str]
    feasible: bool
    verified: bool
    method: str
    changes: list[Change]
    before: dict[str, float]
    after: dict[str, float]
    total_change: float | None
    evaluations: int
    seed: int | None
    persuade: list[dict[str, Any]] = field(default_factory=list)
    #: why: each target already met as the scenario stands, or why no change was found
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``detente what-it-takes --json``."""
        return {
            "model": self.model,
            "targets": self.targets,
            "feasible": self.feasible,
            "changes": [c.to_dict() for c in self.changes],
            "before": self.before,
            "after": self.after,
            "verified": self.verified,
            "persuade": self.persuade,
            "reasons": self.reasons,
        }

    def to_frame(self) -> pd.DataFrame:
        """The changes, largest first (the ``changes`` table of :meth:`to_frames`)."""
        return self.to_frames()["changes"]

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Three tables: ``changes`` (actor, issue, field, from, to, cost; largest first),
        ``outcomes`` (issue, before, after) and ``persuade`` (actor, feasible,
        total_change)."""
        import pandas as pd

        changes = pd.DataFrame(
            [
                {
                    "actor": c.actor,
                    "issue": c.issue or "(all issues)",
                    "field": c.field,
                    "from": c.before,
                    "to": c.after,
                    "cost": c.cost,
                }
                for c in self.changes
            ],
            columns=["actor", "issue", "field", "from", "to", "cost"],
        )
        ids = list(self.before)
        outcomes = pd.DataFrame(
            {
                "issue": ids,
                "before": [self.before[i] for i in ids],
                "after": [self.after.get(i, np.nan) for i in ids],
            }
        )
        persuade = pd.DataFrame(self.persuade, columns=["actor", "feasible", "total_change"])
        return {"changes": changes, "outcomes": outcomes, "persuade": persuade}

    def summary(self) -> str:
        """A few readable lines: met or not, the total change and the largest changes."""
        head = f"what it takes ({self.model}) for {'; '.join(self.targets)}: "
        why = [f"  {r}" for r in self.reasons]
        if not self.feasible:
            return "\n".join(
                [
                    head + f"not feasible by moving the movable inputs ({self.method}, "
                    f"{self.evaluations} model runs)",
                    *why,
                ]
            )
        lines = [
            head + f"total change {self.total_change:.2f} (position points on 0..100, "
            f"salience points, capability %), verified {self.verified}",
            *why,
        ]
        for c in self.changes:
            where = f" on {c.issue}" if c.issue else ""
            lines.append(f"  {c.actor}{where}: {c.field} {c.before:.3g} -> {c.after:.3g}")
        return "\n".join(lines)


def parse_movable(specs: list[str] | None, scenario: Scenario) -> list[Var]:
    """``ACTOR[.ISSUE][:FIELD[+FIELD]]`` (ACTOR or ISSUE may be ``*``; FIELD defaults to
    position). With no spec, every actor's position on every issue may move."""
    arr = scenario.arrays()
    specs = specs or ["*:position"]
    out: list[Var] = []
    seen: set[Var] = set()
    for spec in specs:
        m = _SPEC.match(spec)
        if not m:
            raise InputError(
                f"cannot read movable spec {spec!r}",
                where="--movable",
                allowed="ACTOR[.ISSUE][:FIELD[+FIELD]], e.g. 'russia:position', "
                "'*.sanctions:salience', 'united_states:position+salience'",
            )
        actor, issue, fields = m.group(1), m.group(2), m.group(3) or "position"
        if actor != "*" and actor not in arr.actor_ids:
            raise InputError(
                f"unknown actor {actor!r}",
                where=f"--movable {spec}",
                allowed=", ".join(arr.actor_ids),
            )
        if issue not in (None, "*") and issue not in arr.issue_ids:
            raise InputError(
                f"unknown issue {issue!r}",
                where=f"--movable {spec}",
                allowed=", ".join(arr.issue_ids),
            )
        actors = range(arr.n_actors) if actor == "*" else [arr.actor_ids.index(actor)]
        issues = range(arr.n_issues) if issue in (None, "*") else [arr.issue_ids.index(issue)]
        for f in re.split(r"[+,]", fields):
            if f not in FIELDS:
                raise InputError(
                    f"unknown field {f!r}", where=f"--movable {spec}", allowed=", ".join(FIELDS)
                )
            for a in actors:
                if f == "capability":
                    cand = [Var(a, -1, "capability")]
                else:
                    cand = [Var(a, i, f) for i in issues if arr.present[a, i]]  # type: ignore[arg-type]
                for v in cand:
                    if v not in seen:
                        seen.add(v)
                        out.append(v)
    if not out:
        raise InputError("no movable input matches", where="--movable", allowed="see --help")
    return out


class _Problem:
    """Evaluation of a candidate change: apply, forecast, check the targets."""

    def __init__(
        self,
        scenario: Scenario,
        model: Model,
        exprs: list[str],
        variables: list[Var],
        seed: int | None,
    ) -> None:
        self.scenario = scenario
        self.model = model
        self.exprs = exprs
        self.targets: list[Target] = parse_targets(exprs, scenario)
        self.vars = variables
        self.seed = seed
        arr = scenario.arrays()
        self.arr = arr
        span = arr.high - arr.low
        v0, lo, hi, unit = [], [], [], []
        cap0 = np.array([a.capability for a in scenario.actors])
        self.cap0 = cap0
        cmax = float(cap0.max()) if cap0.size and cap0.max() > 0 else 1.0
        for v in variables:
            if v.field == "position":
                v0.append(arr.position[v.actor, v.issue])
                lo.append(arr.low[v.issue])
                hi.append(arr.high[v.issue])
                unit.append(span[v.issue] / 100.0)
            elif v.field == "salience":
                v0.append(arr.salience[v.actor, v.issue])
                lo.append(0.0)
                hi.append(1.0)
                unit.append(0.01)
            else:
                c = cap0[v.actor]
                v0.append(c)
                lo.append(0.0)
                hi.append(max(3.0 * c, cmax))
                unit.append(0.01 * (c if c > 0 else cmax))
        self.v0 = np.array(v0, dtype=float)
        self.lo = np.array(lo, dtype=float)
        self.hi = np.array(hi, dtype=float)
        self.unit = np.array(unit, dtype=float)
        self.evaluations = 0
        self._cache: dict[bytes, tuple[np.ndarray, np.ndarray, bool]] = {}

    def cost(self, v: np.ndarray) -> float:
        return float(np.sum(np.abs(v - self.v0) / self.unit))

    def scenario_for(self, v: np.ndarray) -> Scenario:
        arr = self.arr
        pos = np.array(arr.position)
        sal = np.array(arr.salience)
        cap = np.array(arr.capability)
        touched = set()
        for var, x in zip(self.vars, v, strict=True):
            if var.field == "position":
                pos[var.actor, var.issue] = x
                touched.add("position")
            elif var.field == "salience":
                sal[var.actor, var.issue] = x
                touched.add("salience")
            else:
                c0 = self.cap0[var.actor]
                cap[var.actor] = cap[var.actor] * (x / c0) if c0 > 0 else x
                touched.add("capability")
        return Scenario.from_arrays(
            self.scenario,
            position=pos if "position" in touched else None,
            salience=sal if "salience" in touched else None,
            capability=cap if "capability" in touched else None,
        )

    def evaluate(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """(outcome (I,), margins (> 0 is met), whether every target is met)."""
        v = np.clip(v, self.lo, self.hi)
        key = np.round(v, 10).tobytes()
        if key in self._cache:
            return self._cache[key]
        sc = self.scenario_for(v)
        self.evaluations += 1
        out = self.model.forecast(sc, seed=self.seed).outcome
        margins = np.concatenate([np.atleast_1d(t.margin(out, sc)) for t in self.targets])
        met = all(bool(np.all(t.met(out, sc))) for t in self.targets)
        self._cache[key] = (out, margins, met)
        return self._cache[key]

    def feasible(self, v: np.ndarray) -> bool:
        return self.evaluate(v)[2]

    def score(self, v: np.ndarray) -> float:
        """How close to meeting every target: minus the total shortfall (0 when met)."""
        return float(np.minimum(self.evaluate(v)[1], 0.0).sum())


# ----------------------------------------------------------------------------- exact
def _linear_compromise(p: _Problem) -> np.ndarray | None:
    """Least-L1 change for the compromise model by linear programming (None if the
    problem is not linear, or infeasible)."""
    from scipy.optimize import linprog

    kinds = {v.field for v in p.vars}
    if len(kinds) != 1 or any(t.kind != "bound" for t in p.targets):
        return None
    kind = kinds.pop()
    arr = p.arr
    w = np.where(arr.present, arr.capability * arr.salience, 0.0)
    rows, rhs = [], []
    for t in p.targets:
        i = t.issue_index
        if w[:, i].sum() <= 0:
            return None
        bounds: list[tuple[str, float]] = []
        if t.op in ("<", "<="):
            bounds.append(("le", t.value - (_EPS_MARGIN if t.op == "<" else 0.0)))
        elif t.op in (">", ">="):
            bounds.append(("ge", t.value + (_EPS_MARGIN if t.op == ">" else 0.0)))
        else:
            bounds += [("le", t.value + 0.5 - _EPS_MARGIN), ("ge", t.value - 0.5 + _EPS_MARGIN)]
        for sense, b in bounds:
            # constraint g·v <= h, with g from the linear form of the outcome
            g = np.zeros(len(p.vars))
            x = arr.position[:, i]
            if kind == "position":
                # Σ w x - b Σ w <= 0  (w fixed)
                for k, var in enumerate(p.vars):
                    if var.issue == i:
                        g[k] = w[var.actor, i]
                const = float((w[:, i] * x).sum() - b * w[:, i].sum()) - float(g @ p.v0)
            elif kind == "salience":
                for k, var in enumerate(p.vars):
                    if var.issue == i:
                        g[k] = arr.capability[var.actor, i] * (x[var.actor] - b)
                const = float((w[:, i] * (x - b)).sum()) - float(g @ p.v0)
            else:
                for k, var in enumerate(p.vars):
                    a = var.actor
                    if not arr.present[a, i]:
                        continue
                    ratio = arr.capability[a, i] / p.cap0[a] if p.cap0[a] > 0 else 1.0
                    g[k] = ratio * arr.salience[a, i] * (x[a] - b)
                const = float((w[:, i] * (x - b)).sum()) - float(g @ p.v0)
            if sense == "ge":
                g, const = -g, -const
            rows.append(g)
            rhs.append(-const)
    n = len(p.vars)
    g = np.array(rows)
    # v = v0 + up - down; minimise Σ (up + down) / unit
    c = np.concatenate([1 / p.unit, 1 / p.unit])
    a_ub = np.hstack([g, -g])
    b_ub = np.array(rhs) - g @ p.v0
    bounds = [(0, hi - v0) for v0, hi in zip(p.v0, p.hi, strict=True)] + [
        (0, v0 - lo) for v0, lo in zip(p.v0, p.lo, strict=True)
    ]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if res.status != 0:
        return None
    return p.v0 + res.x[:n] - res.x[n:]


# ----------------------------------------------------------------------------- search
def _search(p: _Problem, rng: np.random.Generator, guide: np.ndarray | None, budget: int):
    v0 = p.v0
    if p.feasible(v0):
        return v0.copy()
    starts: list[np.ndarray] = []
    # 1. the compromise solution as a direction, scaled up until the model agrees
    if guide is not None:
        d = guide - v0
        for t in (1.0, 1.5, 2.0, 3.0, 5.0):
            cand = np.clip(v0 + t * d, p.lo, p.hi)
            if p.evaluations >= budget:
                break
            if p.feasible(cand):
                starts.append(cand)
                break
    # 2. probe each input at its bounds: which way helps, and how much per unit of cost
    base = p.score(v0)
    far = v0.copy()
    help_ = np.zeros(len(v0))
    for k in rng.permutation(len(v0)):
        if p.evaluations >= budget:
            break
        for x in (p.lo[k], p.hi[k]):
            trial = v0.copy()
            trial[k] = x
            gain = p.score(trial) - base
            if gain > help_[k] + 1e-12:
                far[k], help_[k] = x, gain
    cost_full = np.abs(far - v0) / p.unit
    efficiency = np.where(cost_full > 0, help_ / np.maximum(cost_full, 1e-12), 0.0)
    # 2a. greedy, most efficient first (the shape of the L1 optimum of a linear problem),
    #     the last input added only as far as needed
    cand = v0.copy()
    for k in np.argsort(-efficiency, kind="stable"):
        if efficiency[k] <= 0 or p.evaluations >= budget:
            break
        cand[k] = far[k]
        if p.feasible(cand):
            a, b = 0.0, 1.0
            for _ in range(12):
                mid = 0.5 * (a + b)
                trial = cand.copy()
                trial[k] = v0[k] + mid * (far[k] - v0[k])
                if p.feasible(trial):
                    b = mid
                else:
                    a = mid
            cand[k] = v0[k] + b * (far[k] - v0[k])
            starts.append(cand.copy())
            break
    # 2b. every helpful input pushed fully (helps when inputs only work together)
    if p.evaluations < budget and p.feasible(far):
        starts.append(far)
    best: np.ndarray | None = None
    for start in starts:
        sol = _tighten(p, rng, start, budget)
        if best is None or p.cost(sol) < p.cost(best):
            best = sol
    return best


def _tighten(p: _Problem, rng: np.random.Generator, start: np.ndarray, budget: int):
    """Bisect back along v0 -> start, then shrink one input at a time (seeded order)."""
    v0 = p.v0
    lo_t, hi_t = 0.0, 1.0
    for _ in range(12):
        if p.evaluations >= budget:
            break
        mid = 0.5 * (lo_t + hi_t)
        if p.feasible(v0 + mid * (start - v0)):
            hi_t = mid
        else:
            lo_t = mid
    best = v0 + hi_t * (start - v0)
    for _ in range(3):
        improved = False
        for k in rng.permutation(len(v0)):
            if p.evaluations >= budget or abs(best[k] - v0[k]) < 1e-12:
                continue
            trial = best.copy()
            trial[k] = v0[k]
            if p.feasible(trial):
                best, improved = trial, True
                continue
            a, b = 0.0, 1.0  # fraction of this input's change kept
            for _ in range(8):
                mid = 0.5 * (a + b)
                trial[k] = v0[k] + mid * (best[k] - v0[k])
                if p.feasible(trial):
                    b = mid
                else:
                    a = mid
            if b < 1.0:
                trial[k] = v0[k] + b * (best[k] - v0[k])
                if p.feasible(trial):
                    best, improved = trial, True
        if not improved:
            break
    return best


def _solve(p: _Problem, rng: np.random.Generator, budget: int) -> tuple[np.ndarray | None, str]:
    # the compromise model's exact answer; for other models it guides the search
    lin = _linear_compromise(p)
    if p.model.name == "compromise" and lin is not None and p.feasible(lin):
        return lin, "linear programme (exact)"
    sol = _search(p, rng, lin, budget)
    return sol, "seeded derivative-free search"


def what_it_takes(
    scenario: Scenario,
    targets: Sequence[str | Target],
    *,
    model: str | Model = "compromise",
    params: Mapping[str, Any] | None = None,
    movable: Sequence[str] | None = None,
    seed: int = 0,
    budget: int = 400,
    persuade: bool = True,
) -> WhatItTakes:
    """The smallest change of the movable inputs that makes ``model`` meet ``targets``.

    ``targets`` are expressions such as ``"sanctions <= 30"`` or ``"reset"``
    (:mod:`detente.targets`); ``model`` a registry name or a model object, with
    ``params``; ``movable`` specs ``ACTOR[.ISSUE][:FIELD[+FIELD]]`` (default: every
    position). ``seed`` seeds the search and stochastic models; ``budget`` caps the model
    runs of the search; ``persuade`` adds, for each actor, the smallest change of its
    inputs alone.

    Example::

        >>> from detente.scenarios import load_bundled
        >>> s = load_bundled("us-russia-reset")
        >>> w = what_it_takes(s, ["syria <= 70"], movable=["russia:position"])
        >>> w.feasible, w.verified
        (True, True)
    """
    if not targets:
        raise InputError("give at least one target", where="--target", allowed="e.g. 'reset'")
    from detente.analysis.ensemble import resolve_model

    m = resolve_model(model, params)
    variables = parse_movable(list(movable) if movable else None, scenario)
    exprs = [t.expr if isinstance(t, Target) else t for t in targets]
    p = _Problem(scenario, m, exprs, variables, seed)
    rng = np.random.default_rng(seed)
    before = p.evaluate(p.v0)[0]
    sol, method = _solve(p, rng, budget)
    ids = scenario.issue_ids
    res = WhatItTakes(
        model=m.name,
        targets=exprs,
        feasible=False,
        verified=False,
        method=method,
        changes=[],
        before={i: float(x) for i, x in zip(ids, before, strict=True)},
        after={},
        total_change=None,
        evaluations=0,
        seed=seed,
    )
    if sol is not None:
        # verify on a fresh model run of the changed scenario (no cache)
        changed = p.scenario_for(sol)
        out = m.forecast(changed, seed=seed).outcome
        ok = all(bool(np.all(t.met(out, changed))) for t in p.targets)
        res.after = {i: float(x) for i, x in zip(ids, out, strict=True)}
        res.verified = ok
        res.feasible = ok
        if ok:
            res.changes = _changes(p, sol)
            res.total_change = p.cost(sol)
    else:
        res.after = dict(res.before)
    res.reasons = _reasons(p, before, res.feasible)
    if persuade:
        res.persuade = _persuade(scenario, m, exprs, variables, seed, budget)
    res.evaluations = p.evaluations
    return res


def _changes(p: _Problem, v: np.ndarray) -> list[Change]:
    out = []
    arr = p.arr
    for var, x0, x, unit in zip(p.vars, p.v0, v, p.unit, strict=True):
        if abs(x - x0) < 1e-9:
            continue
        out.append(
            Change(
                actor=arr.actor_ids[var.actor],
                issue=None if var.issue < 0 else arr.issue_ids[var.issue],
                field=var.field,
                before=float(x0),
                after=float(x),
                cost=float(abs(x - x0) / unit),
            )
        )
    return sorted(out, key=lambda c: -c.cost)


def _persuade(
    scenario: Scenario,
    model: Model,
    targets: list[str],
    variables: list[Var],
    seed: int,
    budget: int,
) -> list[dict[str, Any]]:
    rows = []
    arr = scenario.arrays()
    for a in sorted({v.actor for v in variables}):
        sub = [v for v in variables if v.actor == a]
        p = _Problem(scenario, model, targets, sub, seed)
        sol, _ = _solve(p, np.random.default_rng(seed), max(60, budget // 4))
        ok = False
        if sol is not None:
            changed = p.scenario_for(sol)
            out = model.forecast(changed, seed=seed).outcome
            ok = all(bool(np.all(t.met(out, changed))) for t in p.targets)
        rows.append(
            {
                "actor": arr.actor_ids[a],
                "feasible": ok,
                "total_change": round(p.cost(sol), 6) if ok and sol is not None else None,
            }
        )
    return sorted(rows, key=lambda r: (not r["feasible"], r["total_change"] or 0.0))


# ----------------------------------------------------------------------------- reasons
_TOWARD = {"<": "lower", "<=": "lower", ">": "raise", ">=": "raise", "==": "move"}


def _poss(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _who(p: _Problem, variables: Sequence[Var]) -> str:
    """The movable inputs in words: "russia's position", "the positions of 5 actors"..."""
    arr = p.arr
    pairs = sorted({(arr.actor_ids[v.actor], v.field) for v in variables})
    if len(pairs) <= 3:
        return " and ".join(f"{_poss(a)} {f}" for a, f in pairs)
    fields = sorted({f for _, f in pairs})
    n = len({a for a, _ in pairs})
    plural = {"position": "positions", "salience": "saliences", "capability": "capabilities"}
    return f"the {' and '.join(plural[f] for f in fields)} of {n} actors"


def _reasons(p: _Problem, before: np.ndarray, feasible: bool) -> list[str]:
    """Why the answer is what it is, in words, from model runs and the scenario's rules.

    * Every target met as the scenario stands: "already met: compromise forecasts
      sanctions at 26.1 <= 30" (nothing needs to change).
    * No change found: for each target the forecast does not meet, what stops it: no
      movable input acts on the issue; the movable positions already sit at the end of the
      scale the target lies toward; or, with every movable input on the issue at its most
      helpful end (one model run), the outcome does not move, and then the linkages that
      freeze the issue (from that run's trace) and the veto players or the deciding actor
      of its decision rule (their positions as in the scenario) are named; or the
      outcome moves but not far enough ("at best 45.0"); or it would meet the target
      there, but the search (which probes each input alone) did not get there.
    """
    arr, sc, name = p.arr, p.scenario, p.model.name
    if all(bool(np.all(t.met(before, sc))) for t in p.targets):
        out = []
        for t in p.targets:
            if t.kind == "bound":
                iss = arr.issue_ids[t.issue_index]
                x = float(before[t.issue_index])
                out.append(f"already met: {name} forecasts {iss} at {x:.1f} {t.op} {t.value:g}")
            else:
                out.append(f"already met: {t.expr} holds for {name}'s forecast as it stands")
        return out
    if feasible:
        return []
    out = []
    for t in p.targets:
        if bool(np.all(t.met(before, sc))):
            continue
        if t.kind != "bound":
            out.append(
                f"{t.expr}: no change of {_who(p, p.vars)} that the search tried makes "
                f"{name} forecast it"
            )
            continue
        out.append(_bound_reason(p, t, before))
    return out


def _bound_reason(p: _Problem, t: Target, before: np.ndarray) -> str:
    arr, sc, name = p.arr, p.scenario, p.model.name
    i = t.issue_index
    iss = arr.issue_ids[i]
    want = _TOWARD.get(t.op, "move")
    on = [
        (k, v)
        for k, v in enumerate(p.vars)
        if v.issue == i or (v.field == "capability" and arr.present[v.actor, i])
    ]
    if not on:
        return (
            f"no movable input acts on {iss}: the movable inputs ({_who(p, p.vars)}) lie "
            f"on other issues (add e.g. --movable '*.{iss}:position')"
        )
    lower = t.op in ("<", "<=") or (t.op == "==" and before[i] > t.value)
    v = p.v0.copy()
    for k, var in on:
        if var.field == "position":
            v[k] = p.lo[k] if lower else p.hi[k]
    for k, var in on:  # saliences and capabilities: the end that helps this target more
        if var.field != "position":
            best = None
            for x in (p.lo[k], p.hi[k]):
                trial = v.copy()
                trial[k] = x
                m = float(np.min(t.margin(p.evaluate(trial)[0], sc)))
                if best is None or m > best[0]:
                    best = (m, x)
            assert best is not None
            v[k] = best[1]
    pinned = [(var, float(p.v0[k])) for k, var in on if var.field == "position" and v[k] == p.v0[k]]
    movers = _who(p, [var for _, var in on])
    if len(pinned) == len(on):
        var, x0 = pinned[0]
        head = (
            f"{_poss(arr.actor_ids[var.actor])} {iss} position is already {x0:g}"
            if len(pinned) == 1
            else f"the movable positions on {iss} are already at that end of the scale"
        )
        head += f": moving {'it' if len(pinned) == 1 else 'them'} cannot {want} the outcome"
        rules = _holding(p, t, before, v)
        return head + (f"; besides, {', and '.join(rules)}" if rules else "")
    x_best = float(p.evaluate(v)[0][i])
    span = float(arr.high[i] - arr.low[i])
    one = len(on) == 1
    if bool(np.all(t.met(p.evaluate(v)[0], sc))):
        return (
            f"{movers} at the most helpful end of {'its' if one else 'their'} "
            f"range{'' if one else 's'} make{'s' if one else ''} {name} forecast {iss} at "
            f"{x_best:.1f}, which meets {t.op} {t.value:g}, but the search (which probes "
            f"each input alone) found no change meeting every target within its budget of "
            f"model runs"
        )
    if abs(x_best - float(before[i])) > 1e-6 * span:
        return (
            f"even with {movers} at the most helpful end of {'its' if one else 'their'} "
            f"range{'' if one else 's'}, {name} forecasts {iss} at {x_best:.1f} at best, "
            f"not {t.op} {t.value:g}"
        )
    # the outcome does not move at all: say what holds it
    clauses = _holding(p, t, before, v) or [
        f"{_poss(name)} forecast of {iss} stays at {before[i]:.1f} whatever they are"
    ]
    return ", and ".join(clauses) + f": moving {movers} cannot change it"


def _holding(p: _Problem, t: Target, before: np.ndarray, v: np.ndarray) -> list[str]:
    """What holds the outcome of ``t``'s issue with the movable inputs at ``v``: the
    linkages that freeze it (from the model's trace of that run) and the veto players or
    the deciding actor of its decision rule (at their positions in ``v``)."""
    arr, sc, name = p.arr, p.scenario, p.model.name
    i = t.issue_index
    iss = arr.issue_ids[i]
    span = float(arr.high[i] - arr.low[i])
    lower = t.op in ("<", "<=") or (t.op == "==" and before[i] > t.value)
    clauses = []
    changed = p.scenario_for(v)
    events = p.model.forecast(changed, seed=p.seed).events
    if any(e.kind == "freeze" and iss in e.issues for e in events):
        links = [k for k in sc.linkages if k.then.kind == "freeze" and k.then.issue in (iss, "*")]
        conds = []
        for k in links:
            if k.when.actor is None:
                j = arr.issue_ids.index(k.when.issue)
                now = f"{name} forecasts {k.when.issue} at {before[j]:.1f}; "
            else:
                now = ""
            conds.append(f"{k.when} ({now}linkage {k.id})")
        if conds:
            clauses.append(
                f"{iss} is frozen at its status quo {arr.reference[i]:g} while "
                + " or ".join(conds)
            )
        else:
            clauses.append(f"linkages hold every actor's position on {iss}")
    dec = sc.issues[i].decision
    moving = {(var.actor, var.issue) for var in p.vars if var.field == "position"}
    if dec.rule == "unilateral" and dec.actor is not None:
        if (arr.actor_ids.index(dec.actor), i) not in moving:
            clauses.append(f"{dec.actor} decides {iss} alone and its position may not move")
    elif dec.veto:
        ref = float(arr.reference[i])
        pos = changed.arrays().position[:, i]
        at = [float(pos[arr.actor_ids.index(a)]) for a in dec.veto]
        lo = max(x - abs(x - ref) for x in at)
        hi = min(x + abs(x - ref) for x in at)
        end = lo if lower else hi
        if (lower and end >= before[i] - 1e-9 * span) or (
            not lower and end <= before[i] + 1e-9 * span
        ):
            who = " and ".join(_poss(a) for a in dec.veto)
            clauses.append(
                f"{who} vetoes ({dec.rule}) accept nothing {'below' if lower else 'above'} "
                f"{end:g} (positions {' and '.join(f'{x:g}' for x in at)}; status quo {ref:g})"
            )
    return clauses
