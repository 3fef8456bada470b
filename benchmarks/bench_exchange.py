"""Benchmark of the exchange model against decide's times.

Run: ``python benchmarks/bench_exchange.py``. Rows:

* COP21 (15 actors x 13 issues, ``reference_cases/decide_cop21.csv``), 10 rounds, in the
  default mode and with ``compat="decide"`` (which replays decide's run exactly and does
  part of its arithmetic in Decimal). decide's time is the mean ``model_seconds`` of its
  three reference runs in ``reference_outputs/decide/`` (about 41 s).
* Synthetic scenarios of 10, 40, 100 and 250 actors x 10 issues (fixed seed: positions
  uniform on 0..100, saliences and capabilities uniform on 0.05..1), one round and ten.
  decide's figures are those stated for one round on this kind of machine (MODELS.md §2:
  13.6 s at 40 actors, 184 s at 100); there are none for 10 and 250 actors.

Each time is the best of ``REPEATS`` runs of ``Exchange(...).forecast`` (events and summary
included; the scenario is built before the clock starts), wall clock and CPU time. The
kernel is pure NumPy: there is no JIT warm-up to report. The target is a speed-up of at
least 50x over decide (on wall-clock time); the script exits with status 1 when a row with
a decide figure misses it.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from detente.models.exchange import Exchange
from detente.scenario import Actor, Issue, Scale, Scenario, Stance

REPEATS = 3
SEED = 20260304
TARGET = 50.0
SHARED = Path(
    os.environ.get("DETENTE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
#: decide, one round at 10 issues (MODELS.md §2)
DECIDE_ONE_ROUND = {40: 13.6, 100: 184.0}


def _decide_file(path: Path) -> Scenario:
    """A scenario from a decide input file (#A, #P, #M, #D rows)."""
    actors, issues, bounds, rows = [], [], {}, []
    with path.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t", quotechar="'"):
            if row and row[0] == "#A":
                actors.append(row[1])
            elif row and row[0] == "#P":
                issues.append(row[1])
            elif row and row[0] == "#M":
                bounds.setdefault(row[1], []).append(float(row[2]))
            elif row and row[0] == "#D":
                rows.append(row[1:6])
    return Scenario(
        id=path.stem,
        actors=tuple(Actor(id=a) for a in actors),
        issues=tuple(
            Issue(id=i, scale=Scale(low=min(bounds[i]), high=max(bounds[i]))) for i in issues
        ),
        stances=tuple(
            Stance(actor=a, issue=i, position=float(x), salience=float(s), capability=float(c))
            for a, i, x, s, c in rows
        ),
    )


def _synthetic(actors: int, issues: int) -> Scenario:
    rng = np.random.default_rng(SEED + actors)
    pos = rng.uniform(0.0, 100.0, (actors, issues))
    sal = rng.uniform(0.05, 1.0, (actors, issues))
    cap = rng.uniform(0.05, 1.0, (actors, issues))
    return Scenario(
        id=f"bench-{actors}x{issues}",
        actors=tuple(Actor(id=f"a{k:03d}") for k in range(actors)),
        issues=tuple(Issue(id=f"i{k}") for k in range(issues)),
        stances=tuple(
            Stance(
                actor=f"a{a:03d}",
                issue=f"i{i}",
                position=float(pos[a, i]),
                salience=float(sal[a, i]),
                capability=float(cap[a, i]),
            )
            for a in range(actors)
            for i in range(issues)
        ),
    )


def _best(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of ``repeats`` runs (the machine is shared:
    CPU time shows what the code costs when other work competes for the cores)."""
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def _row(case: str, sc: Scenario, model: Exchange, baseline: float | None, repeats: int):
    sc.arrays()  # input preparation, outside the clock
    wall, cpu = _best(lambda: model.forecast(sc, seed=1), repeats)
    arr = sc.arrays()
    speedup = None if baseline is None else baseline / wall
    return {
        "case": case,
        "actors": arr.n_actors,
        "issues": arr.n_issues,
        "rounds": model.rounds,
        "detente s": f"{wall:.3f}",
        "cpu s": f"{cpu:.3f}",
        "decide s": "" if baseline is None else f"{baseline:g}",
        "speed-up": "" if speedup is None else f"{speedup:.0f}x",
        "target": f">= {TARGET:g}x" if baseline is not None else "",
        "meets": "" if speedup is None else ("yes" if speedup >= TARGET else "NO"),
    }


def main() -> int:
    rows = []
    cop21 = SHARED / "reference_cases" / "decide_cop21.csv"
    if cop21.is_file():
        sc = _decide_file(cop21)
        runs = sorted((SHARED / "reference_outputs" / "decide").glob("cop21_10rounds_seed*.json"))
        base = float(np.mean([json.loads(p.read_text())["model_seconds"] for p in runs]))
        base = round(base, 1)
        rows.append(_row("COP21", sc, Exchange(rounds=10), base, REPEATS))
        compat = Exchange(rounds=10, compat="decide")
        rows.append(_row("COP21 compat=decide", sc, compat, base, REPEATS))
    else:
        print(f"(shared data not found at {SHARED}: COP21 rows skipped)")
    for actors in (10, 40, 100, 250):
        sc = _synthetic(actors, 10)
        repeats = REPEATS if actors <= 100 else 1
        rows.append(
            _row("synthetic", sc, Exchange(rounds=1), DECIDE_ONE_ROUND.get(actors), repeats)
        )
        rows.append(_row("synthetic", sc, Exchange(rounds=10), None, 1))
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(table.to_string(index=False))
    print("speed-up = decide s / detente s (wall clock, best of runs); no JIT warm-up.")
    return 0 if all(r["meets"] != "NO" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
