"""Benchmark of the Gaussian copula: ensemble draws per second with and without
``--correlation`` on the bundled U.S.-Russia scenario.

Run: ``python benchmarks/bench_copula.py [DRAWS]`` (default 100,000). For each setting
(independent inputs; the default correlation salience=0.5, position=0.3) it times, in this
process (1 worker), (a) drawing the inputs alone (:meth:`PerturbationPlan.draw`) and (b) the
whole ensemble of the compromise model with the ``reset`` target
(:func:`detente.analysis.ensemble.run_ensemble`). Each rate is the best of ``REPEATS`` runs
with the median beside it (the machine is shared). The first run of each setting (imports,
caches) is not counted. The processor and its SIMD level are printed beside the figures.
"""

from __future__ import annotations

import statistics
import sys
import time

from _machine import processor
from detente.analysis.ensemble import run_ensemble
from detente.analysis.perturb import DEFAULT_CORRELATION, PerturbationPlan
from detente.scenarios import load_bundled

REPEATS = 3


def _rates(fn, n: int) -> tuple[float, float]:
    fn()  # warm-up, not counted
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return n / min(times), n / statistics.median(times)


def main() -> None:
    draws = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    name, simd = processor()
    print(f"processor: {name}; SIMD: {simd}")
    sc = load_bundled("us-russia-reset")
    for label, corr in (
        ("independent", None),
        (f"copula {DEFAULT_CORRELATION}", DEFAULT_CORRELATION),
    ):
        plan = PerturbationPlan.build(sc, correlation=corr)
        best, med = _rates(lambda plan=plan: plan.draw(0, 0, draws), draws)
        print(f"{label:40s} inputs only    {best:12,.0f} draws/s (median {med:,.0f})")
        best, med = _rates(
            lambda plan=plan: run_ensemble(
                sc, "compromise", draws=draws, seed=0, plan=plan, targets=["reset"]
            ),
            draws,
        )
        print(f"{label:40s} compromise+reset {best:10,.0f} draws/s (median {med:,.0f})")


if __name__ == "__main__":
    main()
