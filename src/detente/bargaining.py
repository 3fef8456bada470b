"""Bargaining over packages of outcomes: Pareto set, Nash and Kalai-Smorodinsky solutions,
the zone of agreement, and the cross-issue trades two principals gain from.

A *package* gives an outcome on every issue. Party p's value of a package is its total gain
against the status quo (the issues' reference points),

    g_p(o) = Σ_i [u_pi(o_i) - u_pi(r_i)],

with the salience-weighted spatial utilities of :mod:`detente.utility` (linear or quadratic
loss, optional risk exponent). The status quo is the disagreement point, so d = (0, 0).

Because g_p is a sum over issues, the weighted-sum problem max λ g_A + (1-λ) g_B splits
into one small problem per issue; sweeping λ over (0, 1) traces the Pareto frontier of
the (convex, for concave utilities) utility-possibility set exactly at its vertices. Every
Pareto-optimal outcome of an issue lies between the two parties' ideal points, so each
issue is searched on a fine grid of that interval. Between two adjacent vertices the
frontier is the segment of convex combinations of the two packages; with linear loss this
is exact (both utilities are linear in o between the ideal points).

* Nash bargaining solution (Nash 1950, "The bargaining problem", Econometrica 18(2)):
  argmax (g_A - d_A)(g_B - d_B) over the frontier with g >= d; on each frontier segment the
  product is a quadratic in the segment parameter, maximised in closed form.
* Kalai-Smorodinsky solution (Kalai & Smorodinsky 1975, Econometrica 43(3)): the
  frontier point on the segment from d to the ideal point a, a_p = max g_p subject to the
  other party getting at least d.
* Zone of possible agreement: the Pareto-optimal packages that both parties strictly
  prefer to the status quo. A *real reset* exists when this zone is not empty.
* Trades (Stokman & Van Oosten 1994 logic of exchange): A concedes issue p to B's position
  and B concedes issue q to A's; the trade is listed when both gain, i.e. each concedes on
  the issue it cares about relatively less.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from detente.errors import InputError
from detente.scenario import Scenario
from detente.utility import Loss, utility

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Agreement",
    "Package",
    "Trade",
    "agreement",
    "is_reset",
    "package_gains",
    "trades",
]

_EPS = 1e-9


def is_reset(gains: np.ndarray) -> np.ndarray:
    """Whether packages with these gains ``(..., P)`` against the status quo are a *real
    reset*: every party strictly better off (gain above 1e-9 scale points). The one test
    of a reset that the ``reset`` target, the agreement analysis and ``detente reset``
    share."""
    return np.all(np.asarray(gains, dtype=float) > _EPS, axis=-1)


@dataclass(frozen=True)
class Package:
    """Outcomes on every issue, and each party's gain against the status quo."""

    outcome: np.ndarray  # (I,)
    gains: np.ndarray  # (2,)

    def to_dict(self, issue_ids: tuple[str, ...], parties: tuple[str, str]) -> dict:
        return {
            "outcome": {
                i: round(float(x), 6) for i, x in zip(issue_ids, self.outcome, strict=True)
            },
            "gains": {p: round(float(g), 6) for p, g in zip(parties, self.gains, strict=True)},
        }


@dataclass(frozen=True)
class Trade:
    """A concedes ``gives_a`` to B's position, B concedes ``gives_b`` to A's position."""

    gives_a: str
    gives_b: str
    gain_a: float
    gain_b: float


@dataclass(frozen=True)
class Agreement:
    """The agreement analysis between two parties."""

    parties: tuple[str, str]
    issue_ids: tuple[str, ...]
    status_quo: np.ndarray
    frontier: tuple[Package, ...]  # Pareto-optimal vertices, by party A's gain, descending
    nash: Package | None
    kalai_smorodinsky: Package | None
    zone: tuple[Package, ...]  # frontier packages both strictly prefer to the status quo
    ideal: np.ndarray  # (2,) best gain each can get with the other no worse off
    loss: str = "linear"
    trades: tuple[Trade, ...] = field(default_factory=tuple)

    @property
    def reset_possible(self) -> bool:
        """Is there a package both parties strictly prefer to the status quo?"""
        return self.nash is not None and bool(is_reset(self.nash.gains))

    def zone_ranges(self) -> dict[str, tuple[float, float]]:
        """Range of each issue's outcome over the zone of agreement."""
        pts = [p.outcome for p in self.zone]
        if self.nash is not None and self.reset_possible:
            pts.append(self.nash.outcome)
        if not pts:
            return {}
        arr = np.array(pts)
        return {
            i: (float(arr[:, k].min()), float(arr[:, k].max()))
            for k, i in enumerate(self.issue_ids)
        }

    def best(self, k: int = 3) -> list[Package]:
        """The zone's packages with the largest Nash product, NBS and KS first."""
        cands = [p for p in (self.nash, self.kalai_smorodinsky) if p is not None]
        cands += sorted(self.zone, key=lambda p: -float(np.prod(p.gains)))
        out: list[Package] = []
        for p in cands:
            if is_reset(p.gains) and not any(np.allclose(p.outcome, q.outcome) for q in out):
                out.append(p)
            if len(out) == k:
                break
        return out

    def to_frame(self) -> pd.DataFrame:
        """The packages, one row per issue: the status quo, the Nash and Kalai-Smorodinsky
        solutions (NaN where there is none) and the range of the zone of agreement (NaN
        where it is empty). The table ``detente agree``, the dashboard and the report show."""
        import pandas as pd

        zr = self.zone_ranges()
        nan = np.full(len(self.issue_ids), np.nan)
        return pd.DataFrame(
            {
                "issue": list(self.issue_ids),
                "status quo": self.status_quo,
                "Nash solution": nan if self.nash is None else self.nash.outcome,
                "Kalai-Smorodinsky solution": (
                    nan if self.kalai_smorodinsky is None else self.kalai_smorodinsky.outcome
                ),
                "zone low": [zr[i][0] if zr else np.nan for i in self.issue_ids],
                "zone high": [zr[i][1] if zr else np.nan for i in self.issue_ids],
            }
        )

    def gains_frame(self) -> pd.DataFrame:
        """Each party's total gain against the status quo at the status quo (0) and at the
        Nash and Kalai-Smorodinsky solutions: one row a package, one column a party."""
        import pandas as pd

        rows = {"status quo": np.zeros(2)}
        if self.nash is not None:
            rows["Nash solution"] = self.nash.gains
        if self.kalai_smorodinsky is not None:
            rows["Kalai-Smorodinsky solution"] = self.kalai_smorodinsky.gains
        return pd.DataFrame(
            [[float(g) for g in v] for v in rows.values()],
            index=pd.Index(list(rows), name="package"),
            columns=list(self.parties),
        )

    def trades_frame(self) -> pd.DataFrame:
        """The cross-issue trades, best first: the issue each party concedes and each
        party's gain (columns ``gives_a``, ``gives_b``, ``gain_a``, ``gain_b``; a = the
        first party)."""
        import pandas as pd

        cols = ["gives_a", "gives_b", "gain_a", "gain_b"]
        return pd.DataFrame([[getattr(t, c) for c in cols] for t in self.trades], columns=cols)

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """``packages`` (:meth:`to_frame`), ``gains`` (:meth:`gains_frame`), ``trades``
        (:meth:`trades_frame`) and ``frontier`` (the Pareto frontier's vertices: each
        party's gain and the outcome of every issue)."""
        import pandas as pd

        frontier = pd.DataFrame(
            [
                {
                    **{f"gain {p}": float(g) for p, g in zip(self.parties, pk.gains, strict=True)},
                    **{i: float(x) for i, x in zip(self.issue_ids, pk.outcome, strict=True)},
                }
                for pk in self.frontier
            ],
            columns=[*(f"gain {p}" for p in self.parties), *self.issue_ids],
        )
        return {
            "packages": self.to_frame(),
            "gains": self.gains_frame(),
            "trades": self.trades_frame(),
            "frontier": frontier,
        }

    def summary(self) -> str:
        """A few readable lines: is a real reset possible, what the Nash and
        Kalai-Smorodinsky solutions give each party, and the best trade."""
        a, b = self.parties
        if not self.reset_possible:
            return f"{a} and {b}: no package leaves both better off than the status quo"
        lines = [f"{a} and {b}: packages exist that both prefer to the status quo"]
        for name, pk in (("Nash", self.nash), ("Kalai-Smorodinsky", self.kalai_smorodinsky)):
            if pk is not None:
                lines.append(f"  {name} solution: {a} {pk.gains[0]:+.2f}, {b} {pk.gains[1]:+.2f}")
        if self.trades:
            t = self.trades[0]
            lines.append(
                f"  best trade: {a} concedes {t.gives_a}, {b} concedes {t.gives_b} "
                f"({a} {t.gain_a:+.2f}, {b} {t.gain_b:+.2f})"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict:
        def pk(p: Package | None) -> dict | None:
            return None if p is None else p.to_dict(self.issue_ids, self.parties)

        return {
            "parties": list(self.parties),
            "loss": self.loss,
            "reset_possible": self.reset_possible,
            "status_quo": {
                i: float(x) for i, x in zip(self.issue_ids, self.status_quo, strict=True)
            },
            "ideal": {p: float(g) for p, g in zip(self.parties, self.ideal, strict=True)},
            "nash": pk(self.nash),
            "kalai_smorodinsky": pk(self.kalai_smorodinsky),
            "zone_ranges": {i: list(r) for i, r in self.zone_ranges().items()},
            "frontier": [pk(p) for p in self.frontier],
            "best": [pk(p) for p in self.best()],
            "trades": [t.__dict__ for t in self.trades],
        }


def _party_arrays(scenario: Scenario, parties: tuple[str, str]):
    arr = scenario.arrays()
    for p in parties:
        if p not in arr.actor_ids:
            raise InputError(
                f"unknown actor {p!r}", where="--parties", allowed=", ".join(arr.actor_ids)
            )
    missing = [i for i, r in zip(arr.issue_ids, arr.reference, strict=True) if np.isnan(r)]
    if missing:
        raise InputError(
            "agreement analysis measures gains against the status quo, and these issues have "
            f"no reference point: {', '.join(missing)}",
            source=scenario.id,
            where="issues",
            allowed="a 'reference' value on every issue",
        )
    idx = [arr.actor_ids.index(p) for p in parties]
    pos = arr.position[idx]
    sal = np.where(arr.present[idx], arr.salience[idx], 0.0)
    return arr, pos, sal


def package_gains(
    scenario: Scenario,
    outcome: np.ndarray,
    parties: tuple[str, str] | None = None,
    *,
    loss: Loss = "linear",
    risk: float = 1.0,
) -> np.ndarray:
    """Each party's total gain against the status quo for packages ``(..., I)``: ``(..., 2)``."""
    parties = parties or _principals(scenario)
    arr, pos, sal = _party_arrays(scenario, parties)
    span = arr.high - arr.low
    u = utility(outcome, pos, sal, span, loss=loss, risk=risk)
    u0 = utility(arr.reference, pos, sal, span, loss=loss, risk=risk)
    return (u - u0).sum(axis=-1)


def _principals(scenario: Scenario) -> tuple[str, str]:
    p = scenario.principal_ids
    if len(p) < 2:
        raise InputError("agreement analysis needs two parties", source=scenario.id)
    return (p[0], p[1])


def agreement(
    scenario: Scenario,
    parties: tuple[str, str] | None = None,
    *,
    loss: Loss = "linear",
    risk: float = 1.0,
    n_lambda: int = 801,
    n_grid: int = 401,
) -> Agreement:
    """Pareto set, Nash and Kalai-Smorodinsky solutions and zone of agreement of two parties
    (default: the scenario's two principals), with the cross-issue trades both gain from.

    Example::

        >>> from detente.scenarios import load_bundled
        >>> a = agreement(load_bundled("us-russia-reset"), ("united_states", "russia"))
        >>> a.reset_possible
        True
    """
    parties = parties or _principals(scenario)
    arr, pos, sal = _party_arrays(scenario, parties)
    span = arr.high - arr.low
    ref = arr.reference
    n_i = arr.n_issues
    # candidate outcomes per issue: grid between the two ideal points (where every Pareto
    # outcome lies); a party absent from an issue leaves it at the other's ideal point
    lo = np.minimum(pos[0], pos[1])
    hi = np.maximum(pos[0], pos[1])
    t = np.linspace(0.0, 1.0, n_grid)
    grid = lo[None, :] + t[:, None] * (hi - lo)[None, :]  # (G, I)
    u0 = utility(ref, pos, sal, span, loss=loss, risk=risk)  # (2, I)
    ug = utility(grid, pos, sal, span, loss=loss, risk=risk) - u0  # (G, 2, I)
    lam = np.concatenate([[1.0 - 1e-9], np.linspace(1.0, 0.0, n_lambda)[1:-1], [1e-9]])
    score = lam[:, None, None] * ug[None, :, 0, :] + (1 - lam)[:, None, None] * ug[None, :, 1, :]
    best = np.argmax(score, axis=1)  # (Λ, I): first max on the grid (ties -> nearer lo)
    cols = np.arange(n_i)
    outcomes = grid[best, cols[None, :]]  # (Λ, I)
    gains = ug[best, 0, cols[None, :]].sum(-1), ug[best, 1, cols[None, :]].sum(-1)
    g = np.stack(gains, axis=-1)  # (Λ, 2)
    # unique vertices in order of decreasing gain of party A
    _, first = np.unique(np.round(outcomes, 9), axis=0, return_index=True)
    order = sorted(first, key=lambda k: (-g[k, 0], g[k, 1]))
    verts = [Package(outcomes[k].copy(), g[k].copy()) for k in order]
    frontier = _pareto(verts)

    def exact(o: np.ndarray) -> Package:
        gg = (utility(o, pos, sal, span, loss=loss, risk=risk) - u0).sum(-1)
        return Package(o, gg)

    nash = _nash(frontier, exact)
    ideal = _ideal(frontier)
    ks = _ks(frontier, ideal, exact)
    zone = tuple(p for p in frontier if is_reset(p.gains))
    return Agreement(
        parties=parties,
        issue_ids=arr.issue_ids,
        status_quo=ref.copy(),
        frontier=tuple(frontier),
        nash=nash,
        kalai_smorodinsky=ks,
        zone=zone,
        ideal=ideal,
        loss=loss,
        trades=tuple(trades(scenario, parties)),
    )


def _pareto(verts: list[Package]) -> list[Package]:
    out: list[Package] = []
    best_b = -np.inf
    for p in verts:  # sorted by A's gain descending: keep those improving B's gain
        if p.gains[1] > best_b + _EPS:
            out.append(p)
            best_b = p.gains[1]
    # drop points inside a straight stretch of the frontier (ties of the λ sweep)
    k = 1
    while k < len(out) - 1:
        a, b, c = out[k - 1].gains, out[k].gains, out[k + 1].gains
        cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        scale = max(1.0, float(np.abs(c - a).max()) ** 2)
        if abs(cross) <= 1e-9 * scale:
            del out[k]
        else:
            k += 1
    return out


def _segments(frontier: list[Package]):
    if len(frontier) == 1:
        yield frontier[0], frontier[0]
    yield from itertools.pairwise(frontier)


def _nash(frontier: list[Package], exact) -> Package | None:
    """Maximise g_A g_B over the frontier segments with g >= 0 (d = status quo = 0)."""
    best_val, best = 0.0, None
    for a, b in _segments(frontier):
        da = b.gains - a.gains
        cand = [0.0, 1.0]
        # f(t) = (a0 + t da0)(a1 + t da1); f' = 0 at t* = -(a0 da1 + a1 da0) / (2 da0 da1)
        den = 2 * da[0] * da[1]
        if abs(den) > 1e-15:
            cand.append(-(a.gains[0] * da[1] + a.gains[1] * da[0]) / den)
        for tt in cand:
            if not 0.0 <= tt <= 1.0:
                continue
            gg = a.gains + tt * da
            if np.all(gg >= -_EPS) and gg[0] * gg[1] > best_val + 1e-12:
                best_val = float(gg[0] * gg[1])
                best = (a, b, tt)
    if best is None:
        return None
    a, b, tt = best
    return exact(a.outcome + tt * (b.outcome - a.outcome))


def _ideal(frontier: list[Package]) -> np.ndarray:
    """a_p = max g_p over frontier points where the other party gets >= 0."""
    ideal = np.zeros(2)
    for a, b in _segments(frontier):
        for p in (0, 1):
            q = 1 - p
            for gg in (a.gains, b.gains):
                if gg[q] >= -_EPS:
                    ideal[p] = max(ideal[p], gg[p])
            # crossing of g_q = 0 inside the segment
            d = b.gains[q] - a.gains[q]
            if abs(d) > 1e-15:
                tt = -a.gains[q] / d
                if 0 < tt < 1:
                    ideal[p] = max(ideal[p], a.gains[p] + tt * (b.gains[p] - a.gains[p]))
    return ideal


def _ks(frontier: list[Package], ideal: np.ndarray, exact) -> Package | None:
    """Frontier point on the ray from d = 0 towards the ideal point (largest such)."""
    if np.any(ideal <= _EPS):
        return None
    best = None
    for a, b in _segments(frontier):
        # cross(g(t), ideal) = 0 with g(t) = a + t (b - a)
        ca = a.gains[0] * ideal[1] - a.gains[1] * ideal[0]
        cb = b.gains[0] * ideal[1] - b.gains[1] * ideal[0]
        if ca == cb:
            if abs(ca) > 1e-12:
                continue
            tt = 0.0
        else:
            tt = ca / (ca - cb)
        if -1e-12 <= tt <= 1 + 1e-12:
            tt = min(max(tt, 0.0), 1.0)
            gg = a.gains + tt * (b.gains - a.gains)
            if np.all(gg >= -_EPS) and (best is None or gg.sum() > best[3].sum()):
                best = (a, b, tt, gg)
    if best is None:
        return None
    a, b, tt, _ = best
    return exact(a.outcome + tt * (b.outcome - a.outcome))


def trades(
    scenario: Scenario, parties: tuple[str, str] | None = None, *, loss: Loss = "linear"
) -> list[Trade]:
    """Cross-issue trades from the status quo that both parties gain from, best first.

    For issues p != q: A concedes p (its outcome moves from the reference point to B's
    position) and B concedes q (to A's position). Listed when both total gains are positive.
    """
    parties = parties or _principals(scenario)
    arr, pos, sal = _party_arrays(scenario, parties)
    span = arr.high - arr.low
    u0 = utility(arr.reference, pos, sal, span, loss=loss)  # (2, I)
    to_b = utility(pos[1], pos, sal, span, loss=loss) - u0  # gains if issue goes to B
    to_a = utility(pos[0], pos, sal, span, loss=loss) - u0
    # gain of party k from the pair (p conceded to B, q conceded to A): to_b[k,p] + to_a[k,q]
    ga = to_b[0][:, None] + to_a[0][None, :]
    gb = to_b[1][:, None] + to_a[1][None, :]
    both = (ga > _EPS) & (gb > _EPS)
    np.fill_diagonal(both, False)
    # an issue where both parties are absent or agree is no trade
    contested = np.abs(pos[0] - pos[1]) > _EPS
    both &= contested[:, None] & contested[None, :]
    out = [
        Trade(arr.issue_ids[p], arr.issue_ids[q], float(ga[p, q]), float(gb[p, q]))
        for p, q in zip(*np.nonzero(both), strict=True)
    ]
    return sorted(out, key=lambda t: -min(t.gain_a, t.gain_b))
