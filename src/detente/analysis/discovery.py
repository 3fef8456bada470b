"""Scenario discovery: which combinations of inputs lead to a target.

Over an ensemble (:func:`detente.analysis.ensemble.run_ensemble` with the draws' inputs
kept) the draws that meet a target are the *cases of interest*. PRIM, the Patient Rule
Induction Method (Friedman & Fisher 1999, "Bump hunting in high-dimensional data",
Statistics and Computing 9(2)), peels the input space down to boxes (a range per input)
where those cases are dense; Bryant & Lempert (2010, Technological Forecasting and Social
Change 77(1)) read such boxes as *scenarios*. The ``prim`` package does the peeling and
pasting; each box is reported with

* **coverage**: the share of all cases of interest that lie in the box;
* **density**: the share of the draws in the box that are cases of interest;
* **mass**: the share of all draws that lie in the box;
* its **limits**: the inputs it restricts, with the box's range and the input's full
  range, and PRIM's quasi-p value of each restriction (Bryant & Lempert 2010).

Choice of box: PRIM offers a peeling trajectory (more coverage, less density as it goes
back). As in Bryant & Lempert's practice we take the point of highest coverage whose
density reaches ``threshold`` (ties: fewer restricted inputs, then higher density); when
no point reaches it, the densest point, flagged. Further boxes cover the cases of
interest left outside the earlier ones and are kept only while they reach the threshold.

Departure: PRIM runs on the ``max_inputs`` inputs that best tell the cases of interest
from the other draws, scored by the two-sample Kolmogorov-Smirnov statistic between the
two groups' values (a feature-scoring step before PRIM, as in Kwakkel 2017, "The
Exploratory Modeling Workbench", Environmental Modelling & Software 96). The ``prim``
package's cost grows with the square of the number of inputs (a scenario of 8 actors has
about a hundred), and with that many inputs its boxes restrict many of them by chance.
The scores of the inputs kept are reported.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from detente.analysis.ensemble import EnsembleResult
from detente.errors import InputError

__all__ = ["Box", "BoxLimit", "Discovery", "discover", "ks_scores"]


@dataclass(frozen=True)
class BoxLimit:
    """One restricted input of a box."""

    input: str
    low: float
    high: float
    full_low: float
    full_high: float
    qp: float  # PRIM's quasi-p value of the restriction

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "low": self.low,
            "high": self.high,
            "full_low": self.full_low,
            "full_high": self.full_high,
            "qp": self.qp,
        }


@dataclass(frozen=True)
class Box:
    """A PRIM box: where in the input space the target is likely."""

    number: int
    coverage: float
    density: float
    mass: float
    draws: int
    limits: tuple[BoxLimit, ...]
    reaches_threshold: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": self.number,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "draws": self.draws,
            "reaches_threshold": self.reaches_threshold,
            "limits": [lim.to_dict() for lim in self.limits],
        }


@dataclass(frozen=True)
class Discovery:
    """The boxes found for one target over one ensemble."""

    target: str
    draws: int
    cases: int  # draws that meet the target
    threshold: float
    boxes: tuple[Box, ...]
    scores: tuple[tuple[str, float], ...] = ()  # inputs PRIM ran on, with their KS score
    note: str | None = None

    @property
    def base_rate(self) -> float:
        return self.cases / self.draws if self.draws else math.nan

    def limits_frame(self) -> pd.DataFrame:
        rows = [{"box": b.number, **lim.to_dict()} for b in self.boxes for lim in b.limits]
        cols = ["box", "input", "low", "high", "full_low", "full_high", "qp"]
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "draws": self.draws,
            "cases": self.cases,
            "base_rate": self.base_rate,
            "threshold": self.threshold,
            "boxes": [b.to_dict() for b in self.boxes],
            "scores": [{"input": name, "ks": score} for name, score in self.scores],
            "note": self.note,
        }


def discover(
    result: EnsembleResult,
    target: str | int = 0,
    *,
    threshold: float = 0.8,
    max_boxes: int = 3,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    max_inputs: int = 12,
) -> Discovery:
    """PRIM boxes of the inputs that lead to ``target`` (an expression of the ensemble's
    targets, or its index) over an ensemble run with ``keep_inputs=True``."""
    import prim

    if result.inputs is None:
        raise ValueError(
            "scenario discovery needs the draws' inputs: run_ensemble(keep_inputs=True)"
        )
    exprs = [t.expr for t in result.targets]
    if isinstance(target, int):
        if not 0 <= target < len(exprs):
            raise InputError(f"no target number {target}", where="--target")
        k = target
    else:
        if target.strip() not in exprs:
            raise InputError(
                f"target {target!r} was not evaluated by the ensemble",
                where="--target",
                allowed=", ".join(exprs) or "none",
            )
        k = exprs.index(target.strip())
    for name, val, lo, hi in (
        ("threshold", threshold, 0.0, 1.0),
        ("peel_alpha", peel_alpha, 0.0, 0.5),
        ("paste_alpha", paste_alpha, 0.0, 0.5),
        ("mass_min", mass_min, 0.0, 1.0),
    ):
        if not lo < val <= hi:
            raise InputError(
                f"{name} {val}",
                where=f"--{name.replace('_', '-')}",
                allowed=f"a number in ({lo:g}, {hi:g}]",
            )
    if max_inputs < 1:
        raise InputError(f"{max_inputs} inputs", where="--max-inputs", allowed="1 or more")
    if max_boxes < 1:
        raise InputError(f"{max_boxes} boxes", where="--boxes", allowed="1 or more")
    y = np.asarray(result.met[:, k], dtype=bool)
    n, cases = int(y.size), int(y.sum())
    expr = exprs[k]
    if cases == 0 or cases == n:
        return Discovery(
            target=expr,
            draws=n,
            cases=cases,
            threshold=threshold,
            boxes=(),
            note=f"the target is met in {'no' if cases == 0 else 'every'} draw: nothing to "
            "tell apart",
        )
    names = result.plan.names
    score = ks_scores(result.inputs, y)
    keep = sorted(range(len(names)), key=lambda j: (-score[j], names[j]))[:max_inputs]
    x = pd.DataFrame(result.inputs[:, keep], columns=[names[j] for j in keep])
    full = result.plan.bounds
    full_by_name = {names[j]: (float(full[j, 0]), float(full[j, 1])) for j in keep}
    boxes: list[Box] = []
    logging.getLogger("prim").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
        for number in range(1, max_boxes + 1):
            box = p.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory.reset_index(drop=True)
            idx, reaches = _choose(traj, threshold)
            if not reaches and boxes:
                break
            box.select(idx)
            stats = traj.iloc[idx]
            if float(stats["coverage"]) <= 0:
                break
            lim = box.limits
            limits = []
            for name in lim.index:
                lo_full, hi_full = full_by_name[str(name)]
                limits.append(
                    BoxLimit(
                        input=str(name),
                        low=float(lim.loc[name, "min"]),
                        high=float(lim.loc[name, "max"]),
                        full_low=lo_full,
                        full_high=hi_full,
                        qp=float(lim.loc[name, "qp values"]),
                    )
                )
            boxes.append(
                Box(
                    number=number,
                    coverage=float(stats["coverage"]),
                    density=float(stats["density"]),
                    mass=float(stats["mass"]),
                    draws=round(float(stats["mass"]) * n),
                    limits=tuple(limits),
                    reaches_threshold=reaches,
                )
            )
            if not reaches:
                break
    note = None
    if boxes and not boxes[0].reaches_threshold:
        note = (
            f"no box reaches density {threshold:g}; the densest one is shown "
            "(lower --threshold, or draw more)"
        )
    return Discovery(
        target=expr,
        draws=n,
        cases=cases,
        threshold=threshold,
        boxes=tuple(boxes),
        scores=tuple((names[j], float(score[j])) for j in keep),
        note=note,
    )


def ks_scores(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Two-sample Kolmogorov-Smirnov statistic per column of ``x`` (``(n, K)``) between
    the rows where ``y`` is True and the others: the largest gap between the two groups'
    empirical distribution functions (ties are stepped over together)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=bool)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return np.zeros(x.shape[1])
    order = np.argsort(x, axis=0, kind="stable")
    xs = np.take_along_axis(x, order, axis=0)
    ys = y[order]
    f1 = np.cumsum(ys, axis=0) / n1
    f0 = np.cumsum(~ys, axis=0) / n0
    gap = np.abs(f1 - f0)
    # only where the value changes (the end of a run of ties) is the gap a CDF gap
    last = np.ones_like(xs, dtype=bool)
    last[:-1] = xs[1:] != xs[:-1]
    return np.where(last, gap, 0.0).max(axis=0)


def _choose(traj: pd.DataFrame, threshold: float) -> tuple[int, bool]:
    """The trajectory point to report, and whether it reaches the density threshold."""
    cov = traj["coverage"].to_numpy(dtype=float)
    den = traj["density"].to_numpy(dtype=float)
    res = traj["res dim"].to_numpy(dtype=float)
    ok = np.flatnonzero(den >= threshold)
    if ok.size:
        # highest coverage, then fewest restricted inputs, then highest density
        best = min(ok, key=lambda i: (-cov[i], res[i], -den[i], i))
        return int(best), True
    best = min(range(len(den)), key=lambda i: (-den[i], -cov[i], res[i], i))
    return int(best), False
