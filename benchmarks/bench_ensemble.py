"""Benchmark of ensembles: draws per second on the bundled U.S.-Russia scenario.

Run: ``python benchmarks/bench_ensemble.py``. Every draw perturbs all 94 uncertain inputs
of the bundled scenario (the default spread: positions ±10 % of the span, saliences ±0.1,
capabilities ±20 %), evaluates them through the model's batch kernel
(:meth:`~detente.models.base.Model.outcome_batch`) exactly as ``detente ensemble`` does
(:func:`detente.analysis.ensemble.run_ensemble`), and collects the outcomes in the parent.
Rows are timed with 1 worker (in this process) and 2 worker processes (a local pool,
started before the clock: its start-up is reported on its own line).

The first call of a model (imports, caches, any JIT compilation) is timed on its own and
not counted in the rates. Each rate is the best of ``REPEATS`` runs, with the median beside
it: the machine is shared, so the spread between them is worth reading.

Targets (issue 8): ``compromise`` over 1,000,000 draws per second; 100,000 draws of
``expected_utility`` (10 rounds) in under 10 s, on this 2-core machine. When the expected-
utility kernel is too slow for 100,000 draws to finish in the time budget of this script,
fewer draws are run and the time for 100,000 is projected from the measured rate (marked
``projected``).
"""

from __future__ import annotations

import statistics
import time

import pandas as pd

from detente.analysis.ensemble import choose_batch, run_ensemble
from detente.analysis.perturb import PerturbationPlan
from detente.execution import open_executor
from detente.models import available, get_model
from detente.scenarios import DEFAULT_SCENARIO, load_bundled

REPEATS = 3
SEED = 0
#: seconds the expected-utility rows may take each before the draws are cut down
EU_BUDGET = 12.0
TARGETS = {
    "compromise": ("draws/s >= 1,000,000", lambda rate, t100k: rate >= 1_000_000),
    "expected_utility": ("100,000 draws <= 10 s", lambda rate, t100k: t100k <= 10.0),
}


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    sc = load_bundled(DEFAULT_SCENARIO)
    plan = PerturbationPlan.build(sc)
    print(
        f"scenario {sc.id}: {sc.arrays().n_actors} actors x {sc.arrays().n_issues} issues, "
        f"{plan.n_inputs} uncertain inputs; best of {REPEATS} runs (median beside it)\n"
    )
    rows = []
    notes = []
    pools = {}
    for w in (1, 2):
        t0 = time.perf_counter()
        cm = open_executor(workers=w)
        ex = cm.__enter__()
        pools[w] = (cm, ex)
        if w > 1:
            notes.append(f"process pool of {w} workers started in {time.perf_counter() - t0:.2f} s")
    try:
        for name in ("compromise", "expected_utility"):
            if name not in available():
                rows.append({"model": name, "workers": "—", "note": "model not registered"})
                continue
            model = get_model(name)
            usable, _ = choose_batch(model, sc, SEED, None)
            if not usable:
                rows.append(
                    {"model": name, "workers": "—", "note": "no batch kernel (outcome_batch)"}
                )
                continue
            first = _time(lambda m=model: run_ensemble(sc, m, draws=1024, seed=SEED, plan=plan))
            notes.append(f"{name}: first call (1,024 draws, imports and caches) {first:.2f} s")
            if name == "compromise":
                draws = {1: 1_000_000, 2: 2_000_000}
            else:
                probe = _time(lambda m=model: run_ensemble(sc, m, draws=2048, seed=SEED, plan=plan))
                rate1 = 2048 / probe
                draws = {
                    w: int(min(100_000, max(4096, rate1 * w * EU_BUDGET / REPEATS))) for w in (1, 2)
                }
            for w in (1, 2):
                _, ex = pools[w]
                n = draws[w]
                times = [
                    _time(
                        lambda m=model, n=n, ex=ex: run_ensemble(
                            sc, m, draws=n, seed=SEED, plan=plan, executor=ex
                        )
                    )
                    for _ in range(REPEATS)
                ]
                best, med = min(times), statistics.median(times)
                rate = n / best
                t100k = 100_000 / rate
                target, ok = TARGETS[name]
                rows.append(
                    {
                        "model": name,
                        "workers": w,
                        "draws": n,
                        "best s": round(best, 3),
                        "median s": round(med, 3),
                        "draws/s (best)": f"{rate:,.0f}",
                        "draws/s (median)": f"{n / med:,.0f}",
                        "100k draws s": f"{t100k:.2f}" + ("" if n >= 100_000 else " projected"),
                        "target": target,
                        "meets": "yes" if ok(rate, t100k) else "NO",
                    }
                )
    finally:
        for cm, _ in pools.values():
            cm.__exit__(None, None, None)
    table = pd.DataFrame(rows).fillna("")
    print(table.to_string(index=False))
    print()
    for line in notes:
        print(line)


if __name__ == "__main__":
    main()
