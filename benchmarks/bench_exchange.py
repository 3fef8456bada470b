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

* Scale rows: 1,000 actors x 20 issues x 10 rounds, and 2,000 x 50 (one round: ten take
  longer than the script's budget; the time per round is the figure to multiply). These
  rounds have more candidates than ``max_candidates`` and are pruned to each actor pair's
  best exchanges (see :mod:`detente.models.exchange`). Each runs once in a fresh process,
  which reports its wall clock, CPU time and peak resident memory (``ru_maxrss``). The
  baseline is the budget, at most 300 s and 4 GB for 1,000 x 20 x 10; the model before
  pruning needed about 580 bytes per candidate, 14 GB for the 24 million candidates of a
  1,000 x 20 round and 350 GB at 2,000 x 50 (a run at 2,000 x 50 was killed at 23.8 GB).
  ``--no-scale`` leaves these rows out.

Each time of the other rows is the best of ``REPEATS`` runs of ``Exchange(...).forecast``
(events and summary included; the scenario is built before the clock starts), wall clock
and CPU time. The compiled trade kernel (numba) is warmed up by the first row's first run
and cached on disk. The target is a speed-up of at least 50x over decide (on wall-clock
time); the script exits with status 1 when a row with a decide figure, or a scale row with
a budget, misses it. The processor model and its SIMD level (from ``/proc/cpuinfo``) are
printed beside the table: the figures are this machine's, and the machine may be shared.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from _machine import processor
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


#: (actors, issues, rounds, budget seconds, budget GB) of the scale rows
SCALE = ((1000, 20, 10, 300.0, 4.0), (2000, 50, 1, None, 4.0))

_SCALE_RUN = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    from detente.models import get_model
    from detente.scenario import Actor, Issue, Scenario, Stance

    n_a, n_i, rounds, seed = (int(v) for v in sys.argv[1:5])
    rng = np.random.default_rng(seed)
    base = Scenario(
        id=f"bench-{n_a}x{n_i}",
        actors=tuple(Actor(id=f"a{k:04d}") for k in range(n_a)),
        issues=tuple(Issue(id=f"i{k:02d}") for k in range(n_i)),
        stances=tuple(
            Stance(actor=f"a{a:04d}", issue=f"i{i:02d}", position=50.0, salience=0.5)
            for a in range(n_a) for i in range(n_i)
        ),
    )
    sc = Scenario.from_arrays(
        base,
        position=rng.uniform(0.0, 100.0, (n_a, n_i)),
        salience=rng.uniform(0.05, 1.0, (n_a, n_i)),
        capability=rng.uniform(0.05, 1.0, (n_a, n_i)),
    )
    sc.arrays()
    model = get_model("exchange", rounds=rounds)
    t0, c0 = time.perf_counter(), time.process_time()
    f = model.forecast(sc, seed=1)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    heads = [e for e in f.events if e.kind == "round"]
    print(json.dumps({
        "wall": wall, "cpu": cpu,
        "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "candidates": max(e.data["candidates"] for e in heads),
        "pruned": all("kept" in e.data for e in heads),
    }))
    """
)


def _scale_row(n_a: int, n_i: int, rounds: int, budget_s: float | None, budget_gb: float):
    out = subprocess.run(
        [sys.executable, "-c", _SCALE_RUN, str(n_a), str(n_i), str(rounds), str(SEED + n_a)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    res = json.loads(out.stdout.strip().splitlines()[-1])
    gb = res["rss_kb"] / 1e6
    meets = gb <= budget_gb and (budget_s is None or res["wall"] <= budget_s)
    return {
        "case": "scale" + (" (pruned)" if res["pruned"] else ""),
        "actors": n_a,
        "issues": n_i,
        "rounds": rounds,
        "detente s": f"{res['wall']:.1f}",
        "cpu s": f"{res['cpu']:.1f}",
        "peak GB": f"{gb:.2f}",
        "decide s": "",
        "speed-up": "",
        "target": (f"<= {budget_s:g} s, " if budget_s else "") + f"<= {budget_gb:g} GB",
        "meets": "yes" if meets else "NO",
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
    if "--no-scale" not in sys.argv:
        for n_a, n_i, rounds, budget_s, budget_gb in SCALE:
            rows.append(_scale_row(n_a, n_i, rounds, budget_s, budget_gb))
    table = pd.DataFrame(rows).fillna("")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.to_string(index=False))
    model, simd = processor()
    print(f"machine: {model}; SIMD: {simd}; {os.cpu_count()} logical cores")
    print(
        "speed-up = decide s / detente s (wall clock, best of runs); scale rows: one run in a "
        "fresh process, peak GB = its peak resident memory (ru_maxrss)."
    )
    return 0 if all(r["meets"] != "NO" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
