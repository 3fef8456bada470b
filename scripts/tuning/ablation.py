"""How the ``detente`` forecaster was chosen: every variant tried, by nested cross-validation.

Run ``.venv/bin/python scripts/tuning/ablation.py ../shared/data/deu2/DEU2.csv`` to print
the tables of docs/validation.md (about a minute: the spatial and exchange models are run
once per capability setting). Tuning code lives here, outside the library: the library's
forecaster (:class:`detente.models.forecaster.DetenteForecaster`) has no parameter.

Protocol (docs/validation.md §4):

* Development data: the DEU file given (the shared DEU II file), nothing else.
* Every variant is a *family* of candidate forecasts, one per value of its tuned
  parameters (a parameter-free variant is a family of one). Each family is assessed by
  nested cross-validation grouped by proposal (:func:`detente.validation.crossval.nested_cv`:
  5 outer folds of proposals; in each, the candidate with the least MAE in an inner 5-fold
  grouped CV on the other proposals is scored on the held-out fold), repeated with
  ``--repeats`` shuffles. A family of one is its in-sample figure (nothing is tuned).
* The interval is the paired bootstrap of the difference in MAE (and RMSE) to the compromise
  model on the same issues, 2000 resamples of proposals, seed 0, on the out-of-fold
  forecasts of repeat 0.
* Choosing among variants after seeing their figures is itself a selection: the table ends
  with the nested CV of that choice (every median of three from the pool, chosen by the
  inner CV), the honest figure of the search.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from detente.errors import InputNotice
from detente.models.forecaster import (
    DetenteForecaster,
    bargaining_weights,
    condorcet_expectation,
)
from detente.validation.crossval import nested_cv
from detente.validation.datasets import Dataset, load_dataset
from detente.validation.runner import forecast_dataset
from detente.validation.scores import Interval, paired_bootstrap

#: capability settings the shipped forecaster is checked under: (measure, Commission, Parliament)
CAPABILITY_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("shapley", "mean", "mean"),
    ("equal", "mean", "mean"),
    ("weights", "mean", "mean"),
    ("banzhaf", "mean", "mean"),
    ("shapley", "max", "max"),
    ("weights", "sum", "sum"),
    ("shapley", "mean", "CNS:0,*:mean"),
)

#: capability exponents of the previous forecaster's salience-led weights
ALPHAS = (1.0, 0.5, 0.0)
SHARES = tuple(np.round(np.arange(0.0, 1.01, 0.1), 2))
DEPARTURES = (0.0, 0.05, 0.1, 0.15, 0.2)
RAMP = 0.1


def depart(
    blend: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    reference: np.ndarray,
    departure: float,
    spread: np.ndarray,
    ramp: float = RAMP,
) -> np.ndarray:
    """The previous forecaster's step 5: move ``blend`` a share ``departure`` of the way to
    the end of the scale on its side of the reference point, fading out within ``ramp`` of
    the span of the reference and as the positions' ``spread`` falls below it."""
    span = high - low
    has_ref = ~np.isnan(reference)
    ref = np.where(has_ref, reference, 0.0)
    target = np.where(blend > ref, high, low)
    safe = np.where(ramp * span > 0, ramp * span, 1.0)
    gate = np.minimum(1.0, np.abs(blend - ref) / safe) * np.minimum(1.0, spread / safe)
    shift = np.where(has_ref, departure * gate * (target - blend), 0.0)
    return np.clip(blend + shift, low, high)


@dataclass(frozen=True)
class Base:
    """Forecasts of every scored issue (in :attr:`Dataset.scored` order) and what the
    variants need."""

    outcome: np.ndarray
    groups: np.ndarray
    procedure: np.ndarray
    low: np.ndarray
    high: np.ndarray
    reference: np.ndarray
    spread: np.ndarray
    forecasts: dict[str, np.ndarray]


def base_forecasts(dataset: Dataset, models: Sequence[str], seed: int = 0) -> Base:
    """Each registered model's forecast, and the weighted means ``m<α>`` and
    quadratic-utility elections ``q<α>`` with weights ``s·(c/max c)^α``."""
    scored = dataset.scored
    order = {iid: k for k, iid in enumerate(scored["issue"])}
    n = len(order)
    cols = ["low", "high", "reference", "spread"] + [
        f"{p}{a:g}" for a in ALPHAS for p in ("m", "q")
    ]
    v = {c: np.full(n, np.nan) for c in cols}
    for case in dataset.cases:
        arr = case.arrays()
        keep = [k for k, iid in enumerate(arr.issue_ids) if iid in order]
        idx = [order[arr.issue_ids[k]] for k in keep]
        for a in ALPHAS:
            w = bargaining_weights(arr.salience, arr.capability, arr.present, a)
            m = (w * arr.position).sum(axis=0) / w.sum(axis=0)
            e, _ = condorcet_expectation(arr.position, w, arr.present, arr.high - arr.low)
            v[f"m{a:g}"][idx] = m[keep]
            v[f"q{a:g}"][idx] = e[keep]
        hi = np.where(arr.present, arr.position, -np.inf).max(axis=0)
        lo = np.where(arr.present, arr.position, np.inf).min(axis=0)
        v["spread"][idx] = (hi - lo)[keep]
        v["low"][idx] = arr.low[keep]
        v["high"][idx] = arr.high[keep]
        v["reference"][idx] = arr.reference[keep]
    fc = {c: v[c] for c in cols if c[0] in "mq"}
    for m in models:
        run = forecast_dataset(dataset, m, seed=seed)
        fc[m] = np.array([run.forecasts[i] for i in scored["issue"]])
    return Base(
        outcome=scored["outcome"].to_numpy(dtype=float),
        groups=scored["proposal"].to_numpy(),
        procedure=scored["procedure"].to_numpy(),
        low=v["low"],
        high=v["high"],
        reference=v["reference"],
        spread=v["spread"],
        forecasts=fc,
    )


Family = dict[object, np.ndarray]


def variants(b: Base) -> list[tuple[str, int, Family]]:
    """Every variant tried: (name, number of tuned parameters, candidates)."""
    f = b.forecasts
    c, p, x, q1 = f["compromise"], f["condorcet"], f["exchange"], f["q1"]
    cod = b.procedure == "COD"

    def dep(blend: np.ndarray, lam: float) -> np.ndarray:
        return depart(blend, b.low, b.high, b.reference, lam, b.spread)

    med = np.median([c, q1, x], axis=0)
    old: Family = {}
    for a, beta, lam in itertools.product(ALPHAS, (0.0, 0.25, 0.5, 0.75), DEPARTURES):
        old[(a, beta, lam)] = dep((1 - beta) * f[f"m{a:g}"] + beta * f[f"q{a:g}"], lam)
    out: list[tuple[str, int, Family]] = [
        ("previous `detente` (grid of 60: α, β, λ)", 3, old),
        ("previous `detente`, fixed (0.5, 0.5, 0.15)", 0, {0: old[(0.5, 0.5, 0.15)]}),
        ("capability exponent α of s·(c/max c)^α", 1, {a: f[f"m{a:g}"] for a in ALPHAS}),
        ("salience-weighted mean (α = 0)", 0, {0: f["m0"]}),
        ("departure λ from the reference point", 1, {lam: dep(c, lam) for lam in DEPARTURES}),
        (
            "departure per procedure (λ_COD, λ_CNS)",
            2,
            {
                (u, w): np.where(cod, dep(c, u), dep(c, w))
                for u, w in itertools.product(DEPARTURES, DEPARTURES)
            },
        ),
        (
            "α and departure λ",
            2,
            {(a, lam): dep(f[f"m{a:g}"], lam) for a in ALPHAS for lam in DEPARTURES},
        ),
        ("shrink compromise to `condorcet` (share)", 1, {s: c + s * (p - c) for s in SHARES}),
        ("shrink compromise to exchange (share)", 1, {s: c + s * (x - c) for s in SHARES}),
        (
            "shrink compromise to the quadratic PCE (share)",
            1,
            {s: c + s * (q1 - c) for s in SHARES},
        ),
        (
            "exchange share under COD only (procedure-aware)",
            1,
            {s: np.where(cod, c + s * (x - c), c) for s in SHARES},
        ),
        ("mean of compromise, `condorcet`, exchange", 0, {0: np.mean([c, p, x], axis=0)}),
        ("median of compromise, `condorcet`, exchange", 0, {0: np.median([c, p, x], axis=0)}),
        ("mean of compromise, quadratic PCE, exchange", 0, {0: np.mean([c, q1, x], axis=0)}),
        ("median of compromise, quadratic PCE, exchange (shipped)", 0, {0: med}),
        (
            "median of three with weights s·(c/max c)^α for the mean and the PCE (α)",
            1,
            {a: np.median([f[f"m{a:g}"], f[f"q{a:g}"], x], axis=0) for a in ALPHAS},
        ),
        ("shipped + departure λ", 1, {lam: dep(med, lam) for lam in DEPARTURES}),
        (
            "shrink compromise to the shipped median (share)",
            1,
            {s: c + s * (med - c) for s in SHARES},
        ),
    ]
    return out


#: the pool of base forecasts the median-of-three search draws from
POOL = (
    "compromise",
    "m0.5",
    "m0",
    "condorcet",
    "q1",
    "q0.5",
    "q0",
    "exchange",
    "expected_utility",
    "spatial",
    "median",
)


def search_families(b: Base) -> list[tuple[str, int, Family]]:
    """The search as a whole: every median of three, and every mean of two or three, of
    :data:`POOL`, chosen by the inner CV."""
    f = b.forecasts
    med3: Family = {
        combo: np.median([f[k] for k in combo], axis=0) for combo in itertools.combinations(POOL, 3)
    }
    every = dict(med3)
    for k in (2, 3):
        for combo in itertools.combinations(POOL, k):
            every[("mean", *combo)] = np.mean([f[j] for j in combo], axis=0)
    return [
        (f"search: best of the {len(med3)} medians of three of the pool", 1, med3),
        (f"search: best of {len(every)} medians and means of the pool", 1, every),
    ]


@dataclass(frozen=True)
class Row:
    name: str
    n_params: int
    n_candidates: int
    in_sample: float
    nested: np.ndarray  # MAE per repeat
    diff: dict[str, Interval]
    rmse: float
    top: str


def assess(b: Base, name: str, n_params: int, fam: Family, seeds: Sequence[int]) -> Row:
    """Nested grouped CV of one family (in-sample for a family of one)."""
    y, g = b.outcome, b.groups
    base = b.forecasts["compromise"]
    ins = min(float(np.mean(np.abs(v - y))) for v in fam.values())
    if len(fam) == 1:
        oof = next(iter(fam.values()))[None, :]
        top = ""
    else:
        res = nested_cv(fam, y, g, seeds=seeds)
        oof = res.oof
        top = ", ".join(f"{c} ×{k}" for c, k in res.choice_counts()[:2])
    maes = np.mean(np.abs(oof - y), axis=1)
    diff = paired_bootstrap(oof[0] - y, base - y, g, n_boot=2000, seed=0)
    return Row(
        name, n_params, len(fam), ins, maes, diff, float(np.sqrt(np.mean((oof[0] - y) ** 2))), top
    )


def _ci(d: Interval) -> str:
    return f"{d.estimate:+.2f} [{d.low:+.2f}, {d.high:+.2f}]"


def ablation_table(
    b: Base, seeds: Sequence[int], print_: Callable[[str], None] = print
) -> list[Row]:
    """Print the ablation (markdown) and return its rows."""
    print_(
        "| variant | tuned | candidates | in-sample best MAE | nested-CV MAE (mean; range) | "
        "Δ MAE [95% CI] | RMSE | Δ RMSE [95% CI] | chosen most often |"
    )
    print_("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for name, k, fam in [*variants(b), *search_families(b)]:
        r = assess(b, name, k, fam, seeds)
        nested = (
            f"{r.nested.mean():.2f} ({r.nested.min():.2f}–{r.nested.max():.2f})"
            if len(fam) > 1
            else f"{r.nested[0]:.2f} (in-sample)"
        )
        print_(
            f"| {name} | {k} | {len(fam)} | {r.in_sample:.2f} | {nested} | {_ci(r.diff['mae'])} | "
            f"{r.rmse:.2f} | {_ci(r.diff['rmse'])} | {r.top} |"
        )
        rows.append(r)
    return rows


def settings_table(
    path: str, weights_dir: str | None, print_: Callable[[str], None] = print
) -> None:
    """The shipped forecaster against the compromise model under every capability setting
    (nothing tuned to these settings; in-sample for the choice of the combination)."""
    print_(
        "| capabilities (states; Commission; Parliament) | compromise MAE | detente MAE | "
        "Δ MAE [95% CI] | Δ RMSE [95% CI] | MAE COD / CNS (compromise → detente) |"
    )
    print_("|---|---|---|---|---|---|")
    for measure, com, ep in CAPABILITY_SETTINGS:
        ds = _load(path, weights_dir, capability=measure, commission=com, parliament=ep)
        y = ds.scored["outcome"].to_numpy(dtype=float)
        g = ds.scored["proposal"].to_numpy()
        proc = ds.scored["procedure"].to_numpy()
        fc = {}
        for m in ("compromise", DetenteForecaster.name):
            run = forecast_dataset(ds, m, seed=0)
            fc[m] = np.array([run.forecasts[i] for i in ds.scored["issue"]])
        c, det = fc["compromise"], fc["detente"]
        d = paired_bootstrap(det - y, c - y, g, n_boot=2000, seed=0)
        by = " / ".join(
            f"{np.mean(np.abs(c - y)[proc == p]):.2f} → {np.mean(np.abs(det - y)[proc == p]):.2f}"
            for p in ("COD", "CNS")
        )
        print_(
            f"| {measure}; {com}; {ep} | {np.mean(np.abs(c - y)):.2f} | "
            f"{np.mean(np.abs(det - y)):.2f} | {_ci(d['mae'])} | {_ci(d['rmse'])} | {by} |"
        )


def splits_table(b: Base, print_: Callable[[str], None] = print) -> None:
    """The shipped forecaster's difference to the compromise model on parts of the file:
    by procedure, by reference point, by period (the year in DEU II's proposal ids, e.g.
    ``d00060`` is 2000), and how many proposals it wins or loses."""
    f = b.forecasts
    y, g, c = b.outcome, b.groups, f["compromise"]
    det = np.median([c, f["q1"], f["exchange"]], axis=0)
    yy = np.array([int(str(p)[1:3]) for p in g])
    year = np.where(yy > 50, 1900 + yy, 2000 + yy)
    parts = {
        "COD": b.procedure == "COD",
        "CNS": b.procedure == "CNS",
        "with a reference point": ~np.isnan(b.reference),
        "without": np.isnan(b.reference),
        "proposals of 1995-2003": year <= 2003,
        "proposals of 2004-2008": year >= 2004,
    }
    print_(
        "| part of the file | issues | proposals | compromise MAE | detente MAE | Δ MAE [95% CI] |"
    )
    print_("|---|---|---|---|---|---|")
    for name, m in parts.items():
        d = paired_bootstrap(det[m] - y[m], c[m] - y[m], g[m], n_boot=2000, seed=0)["mae"]
        print_(
            f"| {name} | {m.sum()} | {len(set(g[m]))} | {np.mean(np.abs(c - y)[m]):.2f} | "
            f"{np.mean(np.abs(det - y)[m]):.2f} | {_ci(d)} |"
        )
    per = {}
    for p in np.unique(g):
        m = g == p
        per[p] = np.mean(np.abs(det - y)[m]) - np.mean(np.abs(c - y)[m])
    v = np.array(list(per.values()))
    tol = 1e-9
    print_()
    print_(
        f"proposals (mean absolute error over their issues): detente better on "
        f"{(v < -tol).sum()}, worse on {(v > tol).sum()}, equal on {(np.abs(v) <= tol).sum()}; "
        f"issues where the median is the compromise: {(np.abs(det - c) <= tol).sum()} of {y.size}"
    )


def _load(path: str, weights_dir: str | None, **options: object) -> Dataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        return load_dataset(path, weights_dir=weights_dir, **options)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the ablation and the capability-settings table (markdown) for a DEU file."""
    ap = argparse.ArgumentParser(
        prog="scripts/tuning/ablation.py", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("dataset")
    ap.add_argument("--weights-dir", default=None)
    ap.add_argument("--repeats", type=int, default=10, help="shuffles of the nested CV")
    ap.add_argument("--no-settings", action="store_true", help="skip the settings table")
    ns = ap.parse_args(argv)
    seeds = tuple(range(ns.repeats))
    ds = _load(ns.dataset, ns.weights_dir)
    models = ("compromise", "median", "condorcet", "exchange", "expected_utility", "spatial")
    b = base_forecasts(ds, models)
    ablation_table(b, seeds)
    print()
    splits_table(b)
    if not ns.no_settings:
        print()
        settings_table(ns.dataset, ns.weights_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
