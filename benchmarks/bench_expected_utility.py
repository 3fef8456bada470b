"""Benchmark of the expected-utility model against the issue's targets and baselines.

Run: ``python benchmarks/bench_expected_utility.py``. Inputs are generated with a fixed
seed: positions uniform on 0..100, saliences uniform on 0..1, capabilities lognormal(0, 1).
Single scenarios are timed through ``ExpectedUtility().forecast`` (the trace of accepted
moves included; the scenario is built before the clock starts); the ensemble row through
``outcome_batch`` on ``(draws, actors, issues)`` arrays. Each row is the best of
``REPEATS`` runs. The kernel is pure NumPy: there is no JIT warm-up to report.

Baselines are the figures stated in issue 3 for the public Python ports of the model on
this kind of machine; the reference-case row reads the time the jmckib port took for the
EC emission case from the shared reference output, when that folder is present.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from detente.models.expected_utility import ExpectedUtility
from detente.scenario import Actor, Issue, Scenario, Stance

REPEATS = 3
SEED = 20260301
SHARED = Path(
    os.environ.get("DETENTE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def _inputs(rng: np.random.Generator, shape: tuple[int, ...]):
    return (
        rng.uniform(0.0, 100.0, shape),
        rng.uniform(0.0, 1.0, shape),
        rng.lognormal(0.0, 1.0, shape),
    )


def _scenario(actors: int, issues: int, seed: int) -> Scenario:
    pos, sal, cap = _inputs(np.random.default_rng(seed), (actors, issues))
    return Scenario(
        id=f"bench-{actors}x{issues}",
        actors=tuple(Actor(id=f"a{k}") for k in range(actors)),
        issues=tuple(Issue(id=f"i{k}") for k in range(issues)),
        stances=tuple(
            Stance(
                actor=f"a{a}",
                issue=f"i{i}",
                position=float(pos[a, i]),
                salience=float(sal[a, i]),
                capability=float(cap[a, i]),
            )
            for a in range(actors)
            for i in range(issues)
        ),
    )


def _best(fn) -> float:
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _forecast_row(actors: int, issues: int, rounds: int, target: float, baseline: float | None):
    sc = _scenario(actors, issues, SEED + actors)
    sc.arrays()  # input preparation, outside the clock
    model = ExpectedUtility(rounds=rounds)
    seconds = _best(lambda: model.forecast(sc))
    return ("forecast", actors, issues, 1, rounds, seconds, target, baseline)


def _batch_row(actors: int, issues: int, draws: int, rounds: int, target: float):
    rng = np.random.default_rng(SEED)
    pos, sal, cap = _inputs(rng, (draws, actors, issues))
    present = np.ones((actors, issues), dtype=bool)
    low, high = np.zeros(issues), np.full(issues, 100.0)
    model = ExpectedUtility(rounds=rounds)
    seconds = _best(lambda: model.outcome_batch(pos, sal, cap, present, low, high))
    return ("outcome_batch", actors, issues, draws, rounds, seconds, target, None)


def _reference_row():
    """The EC emission case (10 actors, 10 rounds), against the recorded jmckib time."""
    path = SHARED / "reference_cases" / "dmasad_ExampleActors.csv"
    ref = SHARED / "reference_outputs" / "bdm" / "jmckib_ExampleActors_10rounds.json"
    if not (path.is_file() and ref.is_file()):
        return None
    df = pd.read_csv(path)
    sc = Scenario(
        id="ec-emissions",
        actors=tuple(Actor(id=a) for a in df["Actor"]),
        issues=(Issue(id="emissions"),),
        stances=tuple(
            Stance(
                actor=row.Actor,
                issue="emissions",
                position=float(row.Position),
                salience=float(row.Salience) / 100.0,
                capability=float(row.Capability),
            )
            for row in df.itertuples()
        ),
    )
    sc.arrays()
    model = ExpectedUtility(rounds=10)
    seconds = _best(lambda: model.forecast(sc))
    baseline = json.loads(ref.read_text())["model_seconds"]
    return ("forecast (EC case)", len(df), 1, 1, 10, seconds, None, baseline)


def main() -> None:
    rows = [
        _forecast_row(100, 10, 10, target=0.5, baseline=96.0),
        _forecast_row(500, 1, 1, target=0.2, baseline=128.0),
        _forecast_row(1000, 1, 1, target=1.0, baseline=None),
        _batch_row(10, 1, 10_000, 10, target=2.0),
    ]
    ref = _reference_row()
    if ref is not None:
        rows.append(ref)
    table = pd.DataFrame(
        rows,
        columns=[
            "call",
            "actors",
            "issues",
            "draws",
            "rounds",
            "seconds",
            "target_s",
            "baseline_s",
        ],
    )
    table["meets_target"] = [
        "-" if pd.isna(t) else ("yes" if s < t else "NO")
        for s, t in zip(table["seconds"], table["target_s"], strict=True)
    ]
    table["speed-up"] = [
        "-" if pd.isna(b) else f"{b / s:,.0f}x"
        for s, b in zip(table["seconds"], table["baseline_s"], strict=True)
    ]
    print(f"expected_utility benchmark (best of {REPEATS} runs; pure NumPy, no JIT)")
    print("baseline_s: public Python ports as stated in issue 3; EC case: recorded jmckib run")
    table["seconds"] = table["seconds"].map("{:.3f}".format)
    for col in ("target_s", "baseline_s"):
        table[col] = ["-" if pd.isna(v) else f"{v:g}" for v in table[col]]
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
