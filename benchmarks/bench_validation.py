"""Benchmark of ``detente validate`` on DEU II (197 issues, 75 proposals).

Run: ``python benchmarks/bench_validation.py``. Times, each the best of ``REPEATS`` runs:

* reading the file into 75 proposal scenarios (capabilities from the Council tables);
* forecasting every proposal with each registered model (``forecast`` per proposal, as
  ``detente validate`` does), compared with the compromise model in the same run (issue 7
  states no time target; the compromise model, a weighted mean, is the baseline);
* the ``detente`` forecaster on the largest proposal (it has no batch kernel: an ensemble
  forecasts each draw so);
* the paired bootstrap (2000 resamples of proposals, four scores) for one model;
* the nested grouped cross-validation of the largest family of docs/validation.md's
  ablation (165 candidates, 5 x 5 folds, 10 repeats).

Every model is pure NumPy: there is no JIT warm-up to report. Without the shared data the
script says so and exits.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from detente.errors import InputNotice
from detente.models import available
from detente.models.forecaster import DetenteForecaster
from detente.validation import load_dataset, paired_bootstrap
from detente.validation.crossval import nested_cv
from detente.validation.runner import forecast_dataset

REPEATS = 3
SHARED = Path(
    os.environ.get("DETENTE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def best_of(fn, repeats: int = REPEATS) -> tuple[float, object]:
    best = float("inf")
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    path = SHARED / "deu2" / "DEU2.csv"
    if not path.exists():
        print(f"DEU II not found at {path}: nothing to benchmark (set DETENTE_SHARED_DATA)")
        return 0
    warnings.simplefilter("ignore", InputNotice)
    rows = []
    t_read, ds = best_of(lambda: load_dataset(path))
    rows.append(("read DEU2.csv into 75 proposal scenarios", t_read, None))
    for case in ds.cases:  # the array view is cached on each scenario: build it untimed
        case.arrays()
    base_t = None
    names = ["compromise", *[m for m in available() if m != "compromise"]]
    for name in names:
        # stochastic and iterative models: one repeat is enough to see the order of magnitude
        reps = 1 if name in ("exchange", "spatial", "expected_utility") else REPEATS
        t, _ = best_of(lambda name=name: forecast_dataset(ds, name, seed=0), reps)
        if name == "compromise":
            base_t = t
        rows.append((f"forecast 75 proposals: {name}", t, t / base_t if base_t else None))
    big_case = max(ds.cases, key=lambda c: c.arrays().n_actors * c.arrays().n_issues)
    big = big_case.arrays()
    model = DetenteForecaster()
    t_one, _ = best_of(lambda: model.forecast(big_case, seed=0))
    rows.append(
        (
            f"detente forecast of the largest proposal ({big.n_actors} actors x "
            f"{big.n_issues} issues; draws of an ensemble cost this each)",
            t_one,
            None,
        )
    )
    rng = np.random.default_rng(0)
    scored = ds.scored
    y = scored["outcome"].to_numpy(dtype=float)
    groups = scored["proposal"].to_numpy()
    err = rng.normal(0, 25, y.size)
    t_boot, _ = best_of(lambda: paired_bootstrap(err, err * 1.1, groups, n_boot=2000, seed=0))
    rows.append(("paired bootstrap, 2000 resamples of proposals, 4 scores", t_boot, None))
    # the ablation's largest family (scripts/tuning/ablation.py): 165 candidates
    cands = {k: y + rng.normal(0, 25, y.size) for k in range(165)}
    t_nested, _ = best_of(lambda: nested_cv(cands, y, groups, seeds=range(10)), 1)
    rows.append(
        ("ablation: nested grouped CV, 165 candidates, 5 x 5 folds, 10 repeats", t_nested, None)
    )
    table = pd.DataFrame(
        {
            "task": [r[0] for r in rows],
            "seconds": [f"{r[1]:.3f}" for r in rows],
            "x compromise": ["" if r[2] is None else f"{r[2]:.0f}" for r in rows],
        }
    )
    print(f"detente validate on DEU II ({len(y)} issues with outcomes); best of {REPEATS}")
    print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
