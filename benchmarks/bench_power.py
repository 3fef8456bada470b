"""Benchmark of the power indices (:mod:`detente.power.indices`): exact and sampled.

Run: ``python benchmarks/bench_power.py``. Games timed (Shapley-Shubik and Banzhaf
together, best of ``REPEATS`` runs, median beside it):

* EU27 Council under the Treaty of Nice, ``[255; 29 x 4, 27 x 2, 14, 13, 12 x 5, 10 x 3,
  7 x 5, 4 x 5, 3]`` (27 players, total 345);
* 30 players with random integer weights 1..100 (seed 0), quota two thirds of the total;
* 30 players with weights 1..1000 (total near 15,000), quota two thirds;
* 100 players with weights 1..100 (counts beyond int64: Python integers);
* the EU27 game sampled, 100,000 orders and coalitions.

The exact method costs about ``n^2 q`` element operations (``q`` the integer quota).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np

from _machine import environment
from detente.power.indices import power_indices

REPEATS = 5
EU27 = [29] * 4 + [27] * 2 + [14, 13] + [12] * 5 + [10] * 3 + [7] * 5 + [4] * 5 + [3]


def _time(fn, repeats: int = REPEATS) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main() -> None:
    for line in environment():
        print(line)
    rng = np.random.default_rng(0)
    games = [
        ("EU27 [255; 345 votes], exact", EU27, 255, "exact", REPEATS),
    ]
    for n, hi, reps in ((30, 100, REPEATS), (30, 1000, 3), (100, 100, 1)):
        w = [int(x) for x in rng.integers(1, hi + 1, size=n)]
        q = -(-2 * sum(w) // 3)
        games.append((f"{n} players, weights 1..{hi} (quota {q}), exact", w, q, "exact", reps))
    games.append(("EU27, sampled (100,000 draws)", EU27, 255, "sample", 3))
    for label, w, q, method, reps in games:
        best, med = _time(lambda w=w, q=q, m=method: power_indices(w, q, method=m), reps)
        print(f"{label:55s} best {best * 1e3:9.1f} ms   median {med * 1e3:9.1f} ms")


if __name__ == "__main__":
    main()
