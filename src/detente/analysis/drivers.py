"""Sensitivity: which uncertain inputs drive each issue's forecast outcome.

Three views, each per input and per issue outcome, over the inputs' ranges
(:class:`~detente.analysis.perturb.PerturbationPlan`; by default every stance's position
and salience and each actor's capability):

* **Sobol indices** (Sobol' 2001; Saltelli 2002; Saltelli et al. 2010, eqs. (b) and (f)
  of their table 2, as SALib's ``sobol`` module computes them): first order ``S1`` (the
  share of the outcome's variance due to the input alone) and total order ``ST`` (alone
  and in interaction), each with a bootstrap confidence interval. Sampled with SALib's
  scrambled Sobol' sequence, ``N (K + 2)`` model runs for ``K`` inputs; ``N`` must be a
  power of two.
* **Morris elementary effects** (Morris 1991; Campolongo, Cariboni & Saltelli 2007):
  ``mu`` (mean effect), ``mu_star`` (mean absolute effect) and ``sigma`` (spread of the
  effects: non-linearity or interaction), from ``r (K + 1)`` runs on ``r`` trajectories.
  Effects are in outcome scale points per move of the input across its whole range
  (SALib's unscaled effects: the change divided by the grid step as a share of the
  range).
* **Tornado**: the outcome when one input is set to the low and then the high end of its
  range, every other input at its scenario value (``2K + 1`` runs); the bars of a
  tornado chart, sorted by swing.

Departures: Sobol and Morris sample every input uniformly on its range, whatever
distribution the scenario gives it (the indices describe the model over the plausible
ranges, not the analyst's beliefs within them); an issue whose outcome does not vary
over the sample has no Sobol indices (reported as missing, with ``varies`` False) rather
than SALib's 0/0.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from detente.analysis.ensemble import Progress, choose_batch, evaluate_values, resolve_model
from detente.analysis.perturb import PerturbationPlan, Spread
from detente.errors import InputError
from detente.models.base import Model
from detente.scenario import Scenario

__all__ = [
    "METHODS",
    "SensitivityResult",
    "morris_indices",
    "run_counts",
    "sensitivity",
    "sobol_indices",
    "tornado",
]

METHODS = ("sobol", "morris", "tornado")

#: a new progress bar for ``total`` runs of one method; returns the per-chunk callback
ProgressFactory = Callable[[str, int], Progress]


def _problem(plan: PerturbationPlan) -> dict[str, Any]:
    return {
        "num_vars": plan.n_inputs,
        "names": list(plan.names),
        "bounds": plan.bounds.tolist(),
    }


def _check_plan(plan: PerturbationPlan) -> None:
    if plan.n_inputs == 0:
        raise InputError(
            "no uncertain inputs to analyse",
            source=plan.scenario.id,
            where="--field / --actor / --issue / --spread",
            allowed="inputs with a range: a spread, or uncertainty ranges in the scenario",
        )


def sobol_indices(
    model: Model,
    plan: PerturbationPlan,
    *,
    samples: int = 256,
    seed: int = 0,
    conf_level: float = 0.95,
    resamples: int = 100,
    executor: cf.Executor | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Sobol first- and total-order indices: one row per issue and input.

    Columns: ``issue, input, S1, S1_conf, ST, ST_conf, varies``.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    _check_plan(plan)
    if samples < 2 or samples & (samples - 1):
        raise InputError(
            f"{samples} Sobol samples", where="--samples", allowed="a power of two, e.g. 256"
        )
    problem = _problem(plan)
    x = sobol_sample.sample(problem, samples, calc_second_order=False, scramble=True, seed=seed)
    y = evaluate_values(
        model, plan, x, seed=seed, executor=executor, workers=workers, progress=progress
    )
    rows = []
    for i, iss in enumerate(plan.scenario.issue_ids):
        yi = y[:, i]
        varies = bool(np.ptp(yi) > 1e-12 * max(1.0, float(np.abs(yi).max())))
        if varies:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                si = sobol_analyze.analyze(
                    problem,
                    yi,
                    calc_second_order=False,
                    num_resamples=resamples,
                    conf_level=conf_level,
                    seed=seed,
                )
        for k, name in enumerate(plan.names):
            rows.append(
                {
                    "issue": iss,
                    "input": name,
                    "S1": float(si["S1"][k]) if varies else math.nan,
                    "S1_conf": float(si["S1_conf"][k]) if varies else math.nan,
                    "ST": float(si["ST"][k]) if varies else math.nan,
                    "ST_conf": float(si["ST_conf"][k]) if varies else math.nan,
                    "varies": varies,
                }
            )
    return pd.DataFrame(rows)


def morris_indices(
    model: Model,
    plan: PerturbationPlan,
    *,
    trajectories: int = 20,
    levels: int = 4,
    seed: int = 0,
    conf_level: float = 0.95,
    resamples: int = 100,
    executor: cf.Executor | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Morris screening: one row per issue and input.

    Columns: ``issue, input, mu, mu_star, sigma, mu_star_conf``.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    _check_plan(plan)
    if trajectories < 2:
        raise InputError(f"{trajectories} trajectories", where="--trajectories", allowed=">= 2")
    if levels < 2 or levels % 2:
        raise InputError(f"{levels} levels", where="--levels", allowed="an even number >= 2")
    problem = _problem(plan)
    x = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    y = evaluate_values(
        model, plan, x, seed=seed, executor=executor, workers=workers, progress=progress
    )
    rows = []
    for i, iss in enumerate(plan.scenario.issue_ids):
        si = morris_analyze.analyze(
            problem,
            x,
            np.ascontiguousarray(y[:, i]),
            num_resamples=resamples,
            conf_level=conf_level,
            num_levels=levels,
            seed=seed,
        )
        for k, name in enumerate(plan.names):
            rows.append(
                {
                    "issue": iss,
                    "input": name,
                    "mu": float(si["mu"][k]),
                    "mu_star": float(si["mu_star"][k]),
                    "sigma": float(si["sigma"][k]),
                    "mu_star_conf": float(si["mu_star_conf"][k]),
                }
            )
    return pd.DataFrame(rows)


def tornado(
    model: Model,
    plan: PerturbationPlan,
    *,
    seed: int = 0,
    executor: cf.Executor | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """One-at-a-time swings: the data of a tornado chart, one row per issue and input.

    Columns: ``issue, input, low, high, base, outcome_low, outcome_high, swing``; rows of
    each issue sorted by swing, largest first.
    """
    _check_plan(plan)
    k = plan.n_inputs
    nominal = plan.nominal
    bounds = plan.bounds
    x = np.tile(nominal, (2 * k + 1, 1))
    x[np.arange(k), np.arange(k)] = bounds[:, 0]
    x[k + np.arange(k), np.arange(k)] = bounds[:, 1]
    y = evaluate_values(
        model, plan, x, seed=seed, executor=executor, workers=workers, progress=progress
    )
    rows = []
    for i, iss in enumerate(plan.scenario.issue_ids):
        for j, name in enumerate(plan.names):
            lo, hi = float(y[j, i]), float(y[k + j, i])
            rows.append(
                {
                    "issue": iss,
                    "input": name,
                    "low": float(bounds[j, 0]),
                    "high": float(bounds[j, 1]),
                    "base": float(y[2 * k, i]),
                    "outcome_low": lo,
                    "outcome_high": hi,
                    "swing": abs(hi - lo),
                }
            )
    df = pd.DataFrame(rows)
    order = {iss: n for n, iss in enumerate(plan.scenario.issue_ids)}
    df["_o"] = df["issue"].map(order)
    df = df.sort_values(["_o", "swing", "input"], ascending=[True, False, True], kind="stable")
    return df.drop(columns="_o").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """The tables of one sensitivity run (``None`` for a method not run)."""

    scenario: Scenario
    model: str
    params: dict[str, Any]
    seed: int
    plan: PerturbationPlan
    sobol: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None
    tornado: pd.DataFrame | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # things the user must be told about this run

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """The tables of the methods that ran: ``sobol``, ``morris``, ``tornado``."""
        return {m: df for m in METHODS if (df := getattr(self, m)) is not None}

    def summary(self) -> str:
        """A few readable lines: the run, and per issue the input that moves the outcome
        most by each method that ran (Sobol total index, Morris mu*, tornado swing)."""
        runs = ", ".join(f"{k} {v}" for k, v in self.settings.get("runs", {}).items())
        lines = [
            f"{self.model} sensitivity of {self.scenario.id}: {self.plan.n_inputs} inputs, "
            f"seed {self.seed}; runs: {runs}"
        ]
        keys = {"sobol": "ST", "morris": "mu_star", "tornado": "swing"}
        for iss in self.scenario.issue_ids:
            top = []
            for name, df in self.to_frames().items():
                sub = df[df["issue"] == iss].sort_values(keys[name], ascending=False, kind="stable")
                if not sub.empty and math.isfinite(float(sub[keys[name]].iloc[0])):
                    row = sub.iloc[0]
                    top.append(f"{name} {row['input']} ({keys[name]} {float(row[keys[name]]):.3g})")
            if top:
                lines.append(f"  {iss}: " + "; ".join(top))
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``detente sensitivity --json``: nothing that varies between runs."""
        out: dict[str, Any] = {
            "scenario": self.scenario.id,
            "input_hash": self.scenario.input_hash(),
            "model": self.model,
            "params": self.params,
            "seed": self.seed,
            "settings": self.settings,
            "inputs": [u.to_dict() for u in self.plan.inputs],
            "notes": list(self.notes),
        }
        for name in METHODS:
            df = getattr(self, name)
            if df is not None:
                out[name] = _records(df)
        return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    recs = []
    for row in df.to_dict(orient="records"):
        recs.append(
            {
                k: (None if isinstance(v, float) and not math.isfinite(v) else _plain(v))
                for k, v in row.items()
            }
        )
    return recs


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def run_counts(n_inputs: int, *, samples: int = 256, trajectories: int = 20) -> dict[str, int]:
    """Model runs of each method for ``n_inputs`` inputs ``K``: Sobol ``N (K + 2)`` for
    ``samples`` N, Morris ``r (K + 1)`` for ``trajectories`` r, tornado ``2K + 1``."""
    k = n_inputs
    return {"sobol": samples * (k + 2), "morris": trajectories * (k + 1), "tornado": 2 * k + 1}


def sensitivity(
    scenario: Scenario,
    model: Model | str,
    *,
    methods: Sequence[str] = ("sobol", "morris", "tornado"),
    params: Mapping[str, Any] | None = None,
    plan: PerturbationPlan | None = None,
    spread: Mapping[str, Spread] | None = None,
    fields: Sequence[str] | None = None,
    actors: Sequence[str] | None = None,
    issues: Sequence[str] | None = None,
    samples: int = 256,
    trajectories: int = 20,
    levels: int = 4,
    seed: int = 0,
    executor: cf.Executor | None = None,
    workers: int = 1,
    progress: ProgressFactory | None = None,
) -> SensitivityResult:
    """Run the chosen methods over the inputs selected by ``fields``, ``actors``, ``issues``.

    ``progress(method, runs)`` is called once per method and returns the callback that
    receives the number of runs of each finished chunk.
    """
    bad = [m for m in methods if m not in METHODS]
    if bad or not methods:
        raise InputError(
            f"unknown method(s) {', '.join(bad) or '(none)'}",
            where="--method",
            allowed=", ".join(METHODS),
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed {seed!r}", where="--seed", allowed="a whole number >= 0")
    m = resolve_model(model, params)
    if plan is None:
        plan = PerturbationPlan.build(scenario, spread)
    plan = plan.select(fields, actors, issues)
    _check_plan(plan)
    _, notes = choose_batch(m, scenario, seed, None)
    runs = run_counts(plan.n_inputs, samples=samples, trajectories=trajectories)
    common = {"seed": seed, "executor": executor, "workers": workers}
    tables: dict[str, pd.DataFrame] = {}
    for name in METHODS:
        if name not in methods:
            continue
        cb = progress(name, runs[name]) if progress is not None else None
        if name == "sobol":
            tables[name] = sobol_indices(m, plan, samples=samples, progress=cb, **common)
        elif name == "morris":
            tables[name] = morris_indices(
                m, plan, trajectories=trajectories, levels=levels, progress=cb, **common
            )
        else:
            tables[name] = tornado(m, plan, progress=cb, **common)
    settings: dict[str, Any] = {"methods": [x for x in METHODS if x in methods]}
    if "sobol" in methods:
        settings["samples"] = samples
    if "morris" in methods:
        settings.update(trajectories=trajectories, levels=levels)
    settings["spread"] = {f: str(v) for f, v in plan.spread.items()}
    settings["runs"] = {x: runs[x] for x in settings["methods"]}
    return SensitivityResult(
        scenario=scenario,
        model=m.name,
        params=m.get_params(),
        seed=seed,
        plan=plan,
        settings=settings,
        notes=notes,
        **tables,
    )
