"""Every registered model at growing sizes, each run in its own process with a time limit.

For each model of ``detente.models.available()`` and each size (actors x issues), a child
process builds a random scenario (fixed seed: positions uniform on 0..100, saliences
uniform on 0.05..1, one lognormal capability per actor; arrays set through
:meth:`detente.scenario.Scenario.from_arrays`), runs ``model.forecast`` once and reports its
wall time. The parent reads the child's peak resident memory (``ru_maxrss`` from
``wait4``) and kills it at the time limit. Targets: at most 300 s and 4 GB per run.

Exchange is run at 1000 x 20 with 10 rounds instead of 2000 x 50 (its trade search is
quadratic in actors x issues). Times are wall clock on a possibly shared machine: rerun
(``--repeat``) and take the best.

    python benchmarks/bench_scale.py                       # every model, every size
    python benchmarks/bench_scale.py --models spatial condorcet --sizes 500x20
    python benchmarks/bench_scale.py --timeout 120 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from _machine import processor

if TYPE_CHECKING:
    from detente.scenario import Scenario

SEED = 20260101
SIZES = ((100, 10), (500, 20), (2000, 50))
#: sizes used instead of the largest one, and parameters, for particular models
SUBSTITUTE = {"exchange": ((2000, 50), (1000, 20), {"rounds": 10})}
TIME_LIMIT = 300.0
MEMORY_LIMIT_GB = 4.0


def make_scenario(n_actors: int, n_issues: int, seed: int = SEED) -> Scenario:
    """A random scenario of ``n_actors`` x ``n_issues``, the same for the same seed."""
    import numpy as np

    from detente.scenario import Actor, Issue, Scenario, Stance

    rng = np.random.default_rng([seed, n_actors, n_issues])
    cap = rng.lognormal(0.0, 1.0, n_actors)
    base = Scenario(
        id=f"bench-{n_actors}x{n_issues}",
        actors=tuple(Actor(id=f"a{a}", capability=float(cap[a])) for a in range(n_actors)),
        issues=tuple(Issue(id=f"i{k}") for k in range(n_issues)),
        stances=tuple(
            Stance(actor=f"a{a}", issue=f"i{k}", position=50.0, salience=0.5)
            for a in range(n_actors)
            for k in range(n_issues)
        ),
    )
    return Scenario.from_arrays(
        base,
        position=rng.uniform(0.0, 100.0, (n_actors, n_issues)),
        salience=rng.uniform(0.05, 1.0, (n_actors, n_issues)),
    )


def child(model: str, n_actors: int, n_issues: int, params: dict) -> None:
    """Run one forecast and print its wall time as JSON (the parent measures memory)."""
    from detente.models import get_model

    scenario = make_scenario(n_actors, n_issues)
    scenario.arrays()
    m = get_model(model, **params)
    start = time.perf_counter()
    fc = m.forecast(scenario, seed=0)
    seconds = time.perf_counter() - start
    finite = all(v == v and abs(v) != float("inf") for v in fc.outcome.tolist())
    print(json.dumps({"seconds": seconds, "finite": finite}))


def run_child(
    model: str, n_actors: int, n_issues: int, params: dict, timeout: float
) -> dict[str, object]:
    """One child process: its forecast time, peak memory and whether it finished."""
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        model,
        str(n_actors),
        str(n_issues),
        json.dumps(params),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    status, usage, killed = 0, None, False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > timeout:
            proc.send_signal(signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
            killed = True
            break
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    peak_gb = usage.ru_maxrss / 1024**2 if usage else float("nan")  # KiB on Linux
    result: dict[str, object] = {"peak_gb": peak_gb, "killed": killed, "wall": None}
    if not killed and proc.returncode == 0 and out.strip():
        data = json.loads(out.strip().splitlines()[-1])
        result["wall"] = data["seconds"]
        result["finite"] = data["finite"]
    elif not killed:
        result["error"] = (err.strip().splitlines() or ["exit code " + str(proc.returncode)])[-1]
    return result


def plan(models: list[str], sizes: list[tuple[int, int]]) -> list[tuple[str, int, int, dict]]:
    rows = []
    for m in models:
        for n, k in sizes:
            params: dict = {}
            sub = SUBSTITUTE.get(m)
            if sub is not None and (n, k) == sub[0]:
                (n, k), params = sub[1], sub[2]
            rows.append((m, n, k, params))
    return rows


def _faster(a: dict[str, object], b: dict[str, object]) -> bool:
    """Whether run ``a`` finished faster than ``b`` (a finished run beats an unfinished)."""
    if a["wall"] is None:
        return False
    return b["wall"] is None or float(a["wall"]) < float(b["wall"])  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--models", nargs="*", help="models to run (default: every registered one)")
    ap.add_argument("--sizes", nargs="*", help="sizes as ACTORSxISSUES (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=TIME_LIMIT, help="seconds per run")
    ap.add_argument("--repeat", type=int, default=1, help="runs per cell; the best is shown")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        model, n, k, params = args.child
        child(model, int(n), int(k), json.loads(params))
        return

    from detente.models import available

    models = args.models or available()
    sizes = (
        [tuple(int(v) for v in s.lower().split("x")) for s in args.sizes] if args.sizes else SIZES
    )
    name, simd = processor()
    print(f"processor: {name}")
    print(f"SIMD: {simd}; cores: {os.cpu_count()}; Python {platform.python_version()}")
    print(f"targets: <= {TIME_LIMIT:.0f} s and <= {MEMORY_LIMIT_GB:.0f} GB peak per run")
    print(f"time limit per run: {args.timeout:.0f} s; best of {args.repeat}\n")
    head = f"{'model':<18} {'size':>10} {'params':<12} {'time (s)':>9} {'peak GB':>8}  result"
    print(head)
    print("-" * len(head))
    failed = 0
    for m, n, k, params in plan(models, sizes):
        best: dict[str, object] | None = None
        for _ in range(max(1, args.repeat)):
            res = run_child(m, n, k, params, args.timeout)
            if best is None or _faster(res, best):
                best = res
            if res["wall"] is None:
                break
        assert best is not None
        wall = best["wall"]
        peak = float(best["peak_gb"])  # type: ignore[arg-type]
        if best["killed"]:
            verdict, shown = f"FAIL (killed at {args.timeout:.0f} s)", f">{args.timeout:.0f}"
        elif wall is None:
            verdict, shown = f"FAIL ({best.get('error')})", "-"
        else:
            ok = float(wall) <= TIME_LIMIT and peak <= MEMORY_LIMIT_GB  # type: ignore[arg-type]
            verdict, shown = ("pass" if ok else "FAIL"), f"{float(wall):.2f}"  # type: ignore[arg-type]
        failed += not verdict.startswith("pass")
        extra = ",".join(f"{a}={b}" for a, b in params.items()) or "-"
        print(
            f"{m:<18} {f'{n}x{k}':>10} {extra:<12} {shown:>9} {peak:>8.2f}  {verdict}", flush=True
        )
    print(f"\n{failed} run(s) outside the targets" if failed else "\nevery run within the targets")


if __name__ == "__main__":
    main()
