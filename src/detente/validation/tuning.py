"""How the parameters of the ``detente`` forecaster were chosen, reproducibly.

Run ``python -m detente.validation.tuning ../shared/data/deu2/DEU2.csv`` to print the
tables of docs/validation.md: for every capability setting, the nested grouped
cross-validation (:func:`detente.validation.crossval.nested_cv`) of choosing the forecaster's
parameters from :data:`GRID` by MAE, scored against the compromise model with the same
capabilities on the same held-out proposals, with the paired bootstrap interval of the
difference (proposals resampled); then the same comparison for the fixed parameters the
model ships with (:class:`detente.models.forecaster.DetenteForecaster` defaults).

The grid holds only the three parameters with a literature-backed reading (how much
capability counts beside salience; the share of the Condorcet election in the blend; the
departure from the reference point). ``departure_ramp`` is a smoothing constant and is not
tuned.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detente.errors import InputNotice
from detente.models import get_model
from detente.models.forecaster import (
    DetenteForecaster,
    bargaining_weights,
    condorcet_expectation,
    depart,
    position_spread,
)
from detente.validation.crossval import NestedCV, nested_cv
from detente.validation.datasets import Dataset, load_dataset
from detente.validation.scores import Interval, paired_bootstrap

__all__ = ["CAPABILITY_SETTINGS", "GRID", "Tuning", "candidate_forecasts", "main", "tune"]

#: the parameter grid searched by the nested cross-validation
GRID: dict[str, tuple[float, ...]] = {
    "capability_exponent": (1.0, 0.5, 0.0),
    "condorcet_share": (0.0, 0.25, 0.5, 0.75),
    "departure": (0.0, 0.05, 0.1, 0.15, 0.2),
}

#: capability settings the tuning is repeated under: (measure, Commission, Parliament)
CAPABILITY_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("shapley", "mean", "mean"),
    ("equal", "mean", "mean"),
    ("weights", "mean", "mean"),
    ("banzhaf", "mean", "mean"),
    ("shapley", "max", "max"),
    ("weights", "sum", "sum"),
    ("shapley", "mean", "CNS:0,*:mean"),
)


def candidate_forecasts(
    dataset: Dataset, grid: dict[str, tuple[float, ...]] | None = None
) -> dict[tuple[float, ...], np.ndarray]:
    """Forecast of every scored issue (in :attr:`Dataset.scored` order) for every
    parameter combination of ``grid`` (keys in the order of :data:`GRID`'s names)."""
    g = GRID if grid is None else grid
    ramp = DetenteForecaster().departure_ramp
    order = {iid: k for k, iid in enumerate(dataset.scored["issue"])}
    n = len(order)
    out: dict[tuple[float, ...], np.ndarray] = {}
    parts: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    low = np.zeros(n)
    high = np.zeros(n)
    ref = np.zeros(n)
    spread = np.zeros(n)
    for alpha in g["capability_exponent"]:
        mean = np.zeros(n)
        pce = np.zeros(n)
        for case in dataset.cases:
            arr = case.arrays()
            keep = [k for k, iid in enumerate(arr.issue_ids) if iid in order]
            if not keep:
                continue
            idx = [order[arr.issue_ids[k]] for k in keep]
            w = bargaining_weights(arr.salience, arr.capability, arr.present, alpha)
            m = (w * arr.position).sum(axis=0) / w.sum(axis=0)
            e, _ = condorcet_expectation(arr.position, w, arr.present, arr.high - arr.low)
            mean[idx] = m[keep]
            pce[idx] = e[keep]
            low[idx] = arr.low[keep]
            high[idx] = arr.high[keep]
            ref[idx] = arr.reference[keep]
            spread[idx] = position_spread(arr.position, arr.present)[keep]
        parts[alpha] = (mean, pce)
    for alpha, beta, lam in itertools.product(
        g["capability_exponent"], g["condorcet_share"], g["departure"]
    ):
        mean, pce = parts[alpha]
        blend = (1.0 - beta) * mean + beta * pce
        out[(alpha, beta, lam)] = depart(blend, low, high, ref, lam, ramp, spread)
    return out


@dataclass(frozen=True)
class Tuning:
    """Nested-CV and fixed-parameter figures for one capability setting."""

    setting: str
    n_issues: int
    n_proposals: int
    compromise_mae: float
    nested: NestedCV
    nested_diff: Interval  # repeat 0's out-of-fold MAE minus compromise MAE
    fixed: tuple[float, ...]
    fixed_mae: float
    fixed_diff: dict[str, Interval]


def tune(
    dataset: Dataset,
    *,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    k: int = 5,
    inner_k: int = 5,
    n_boot: int = 2000,
    setting: str = "",
) -> Tuning:
    """Nested CV of the grid search and the fixed model's comparison on ``dataset``."""
    scored = dataset.scored
    y = scored["outcome"].to_numpy(dtype=float)
    groups = scored["proposal"].to_numpy()
    cands = candidate_forecasts(dataset)
    base_run = get_model("compromise")
    base = np.empty_like(y)
    pos = {iid: k for k, iid in enumerate(scored["issue"])}
    for case in dataset.cases:
        for iid, x in base_run.forecast(case).outcomes().items():
            if iid in pos:
                base[pos[iid]] = x
    nested = nested_cv(cands, y, groups, k=k, inner_k=inner_k, seeds=seeds)
    nested_diff = paired_bootstrap(nested.oof[0] - y, base - y, groups, n_boot=n_boot)["mae"]
    fixed_model = DetenteForecaster()
    fixed = (
        fixed_model.capability_exponent,
        fixed_model.condorcet_share,
        fixed_model.departure,
    )
    fixed_pred = np.empty_like(y)
    for case in dataset.cases:
        for iid, x in fixed_model.forecast(case).outcomes().items():
            if iid in pos:
                fixed_pred[pos[iid]] = x
    fixed_diff = paired_bootstrap(fixed_pred - y, base - y, groups, n_boot=n_boot)
    return Tuning(
        setting=setting,
        n_issues=y.size,
        n_proposals=len(set(groups)),
        compromise_mae=float(np.mean(np.abs(base - y))),
        nested=nested,
        nested_diff=nested_diff,
        fixed=fixed,
        fixed_mae=float(np.mean(np.abs(fixed_pred - y))),
        fixed_diff=fixed_diff,
    )


def _fmt_ci(d: Interval) -> str:
    return f"{d.estimate:+.2f} [{d.low:+.2f}, {d.high:+.2f}]"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the validation tables (markdown) for a DEU file."""
    ap = argparse.ArgumentParser(
        prog="python -m detente.validation.tuning", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("dataset")
    ap.add_argument("--weights-dir", default=None)
    ap.add_argument("--repeats", type=int, default=5)
    ns = ap.parse_args(argv)
    seeds = tuple(range(ns.repeats))
    print(
        "| capabilities (states; Commission; Parliament) | issues | compromise MAE | "
        "nested-CV MAE (mean of repeats; range) | nested-CV minus compromise [95% CI] | "
        "chosen most often |"
    )
    print("|---|---|---|---|---|---|")
    fixed_rows = []
    for measure, com, ep in CAPABILITY_SETTINGS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InputNotice)
            ds = load_dataset(
                ns.dataset,
                capability=measure,
                commission=com,
                parliament=ep,
                weights_dir=ns.weights_dir,
            )
        name = f"{measure}; {com}; {ep}"
        t = tune(ds, seeds=seeds, setting=name)
        top = ", ".join(f"{c} ×{n}" for c, n in t.nested.choice_counts()[:2])
        print(
            f"| {name} | {t.n_issues} | {t.compromise_mae:.2f} | "
            f"{t.nested.mae.mean():.2f} ({t.nested.mae.min():.2f}–{t.nested.mae.max():.2f}) | "
            f"{_fmt_ci(t.nested_diff)} | {top} |"
        )
        fixed_rows.append(t)
    print()
    print(
        "| capabilities | compromise MAE | detente MAE | ΔMAE [95% CI] | ΔRMSE [95% CI] | "
        "Δmedian AE [95% CI] | Δwithin 10 [95% CI] |"
    )
    print("|---|---|---|---|---|---|---|")
    for t in fixed_rows:
        d = t.fixed_diff
        print(
            f"| {t.setting} | {t.compromise_mae:.2f} | {t.fixed_mae:.2f} | {_fmt_ci(d['mae'])} | "
            f"{_fmt_ci(d['rmse'])} | {_fmt_ci(d['median_ae'])} | {_fmt_ci(d['within_10'])} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
