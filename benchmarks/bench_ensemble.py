"""Benchmark of ensembles: draws per second on the bundled U.S.-Russia scenario.

Run: ``python benchmarks/bench_ensemble.py [MODEL ...]`` (default: compromise and
expected_utility). Every draw perturbs all 94 uncertain inputs
of the bundled scenario (the default spread: positions ±10 % of the span, saliences ±0.1,
capabilities ±20 %), evaluates them through the model's batch kernel
(:meth:`~detente.models.base.Model.outcome_batch`) exactly as ``detente ensemble`` does
(:func:`detente.analysis.ensemble.run_ensemble`), and collects the outcomes in the parent.
Rows are timed with 1 worker (in this process) and 2 worker processes (a local pool,
started before the clock: its start-up is reported on its own line).

The first call of a model (imports, caches, any JIT compilation) is timed on its own and
not counted in the rates. Each rate is the best of ``REPEATS`` runs, with the median
beside it: the machine is shared, so the spread between them is worth reading. With 1
worker the draws per CPU second of this process are shown too: on a machine shared with
other work they tell roughly what an unloaded core would do.

Targets, on a 2-core machine: ``compromise`` at least 1,000,000 draws per second;
100,000 draws of ``expected_utility`` (10 rounds) in under 5 s. When the expected-utility
kernel is too slow for 100,000 draws to finish in the time budget of this script, fewer
draws are run and the time for 100,000 is projected from the measured rate (marked
``projected``).

The processor's model and SIMD level (AVX-512, AVX2 or neither, from the flags in
``/proc/cpuinfo``) are printed beside the figures: NumPy and numba pick their code paths by
them, so figures from different processors are not comparable without them. To reproduce
an AVX2 machine's code paths on an AVX-512 one, run with ``NUMBA_CPU_NAME=haswell`` and
``NPY_DISABLE_CPU_FEATURES`` naming NumPy's AVX-512 features as ``numpy.show_runtime()``
lists them (NumPy 2.4: ``"X86_V4 AVX512_ICL AVX512_SPR"``; NumPy 1.x: ``"AVX512F AVX512CD
AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"``); both are reported when set.
"""

from __future__ import annotations

import statistics
import sys
import time

import pandas as pd

from _machine import environment as machine_environment
from _machine import processor
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
    "expected_utility": ("100,000 draws < 5 s", lambda rate, t100k: t100k < 5.0),
}


def environment() -> list[str]:
    """The machine's lines (:func:`_machine.environment`) and this benchmark's targets."""
    return [
        *machine_environment(),
        "targets: compromise >= 1,000,000 draws/s; 100,000 expected_utility draws < 5 s",
    ]


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _times(fn) -> tuple[float, float]:
    """Wall time and this process's CPU time of ``fn()``."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def main(names: tuple[str, ...] = ("compromise", "expected_utility")) -> None:
    sc = load_bundled(DEFAULT_SCENARIO)
    plan = PerturbationPlan.build(sc)
    for line in environment():
        print(line)
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
        for name in names:
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
                both = [
                    _times(
                        lambda m=model, n=n, ex=ex: run_ensemble(
                            sc, m, draws=n, seed=SEED, plan=plan, executor=ex
                        )
                    )
                    for _ in range(REPEATS)
                ]
                times = [t for t, _ in both]
                best, med = min(times), statistics.median(times)
                cpu = min(c for _, c in both)
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
                        # in this process only (1 worker): the rate on an unloaded core
                        "draws/CPU s": f"{n / cpu:,.0f}" if ex is None else "—",
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
    model, simd = processor()
    print(f"measured on {model} ({simd})")


if __name__ == "__main__":
    main(tuple(sys.argv[1:]) or ("compromise", "expected_utility"))
