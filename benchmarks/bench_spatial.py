"""Run time of the spatial model (KTAB SMP) against KTAB's stated run times.

KTAB (C++, -O2) is stated to take 15.7 s for 40 actors x 10 dimensions and 580 s for
100 x 10, and refuses more than 250 actors. Targets: at least 10x faster, and 500 x 10
runs. Scenarios: fixed seed, positions uniform on 0..100, saliences uniform and
normalised to sum to 1 per actor, capabilities lognormal(0, 1).

Every size runs to convergence with ``Spatial().forecast`` (events and details included).
Per-turn comparisons with KTAB assume its runs took as many turns as ours on the same
size and scale KTAB's time per turn as N^4 (its challenge evaluation is N^4 per turn).
The first call of the compiled kernels is timed separately: once cold (numba compiling
into an empty cache, in a subprocess) and once warm (loading the cache). The NumPy
fallback (no numba) is timed on two turns per size (one above 100 actors). Times are wall
clock ("ours CPU" is this process's CPU time: on a loaded machine the two differ).

    python benchmarks/bench_spatial.py            # all sizes, about a minute and a half
    python benchmarks/bench_spatial.py --quick    # 500 actors: 5 turns only
    python benchmarks/bench_spatial.py --per-turn 2000x50   # 2 turns, bench_scale's inputs

``--per-turn AxI`` runs a few turns (``--turns``, default 2) of the SMP on
``bench_scale.py``'s random A actors x I issues and prints processor-seconds and wall
seconds per turn (the first turn's assessment included, as in a run), then each kernel
once on the last state: distances, one election's coalitions, the challenges, the
resolution.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

from detente.models import compiled_kernels, compiled_kernels_enabled
from detente.models.spatial import Spatial
from detente.scenario import Actor, Issue, Scenario, Stance

SEED = 20250101
DIMS = 10
SIZES = (10, 20, 40, 100, 500)
#: KTAB's stated run times (s) for N actors x 10 dimensions
KTAB_STATED = {40: 15.7, 100: 580.0}
KTAB_MAX_ACTORS = 250


def make_scenario(n: int, dims: int = DIMS, seed: int = SEED) -> Scenario:
    rng = np.random.default_rng(seed + n)
    pos = rng.uniform(0.0, 100.0, (n, dims))
    sal = rng.uniform(0.0, 1.0, (n, dims))
    sal /= sal.sum(axis=1, keepdims=True)
    cap = rng.lognormal(0.0, 1.0, n)
    return Scenario(
        id=f"bench-{n}x{dims}",
        actors=tuple(Actor(id=f"a{a}", capability=float(cap[a])) for a in range(n)),
        issues=tuple(Issue(id=f"d{k}") for k in range(dims)),
        stances=tuple(
            Stance(
                actor=f"a{a}", issue=f"d{k}", position=float(pos[a, k]), salience=float(sal[a, k])
            )
            for a in range(n)
            for k in range(dims)
        ),
    )


_COLD = """
import sys, time
sys.path.insert(0, {here!r})
from bench_spatial import warm_first_call_seconds
print(warm_first_call_seconds())
"""


def cold_jit_seconds() -> float | None:
    """First forecast in a fresh process compiling into an empty numba cache."""
    if not compiled_kernels_enabled():
        return None
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        code = _COLD.format(here=os.path.dirname(os.path.abspath(__file__)))
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    return float(out.stdout.strip().splitlines()[-1])


def warm_first_call_seconds() -> float:
    """First forecast big enough to call every compiled kernel (20 actors, 1 turn)."""
    sc = make_scenario(20, dims=2)
    t0 = time.perf_counter()
    Spatial(max_turns=1).forecast(sc)
    return time.perf_counter() - t0


def numpy_seconds_per_turn(sc: Scenario, turns: int = 2) -> float:
    with compiled_kernels(False):
        t0 = time.perf_counter()
        fc = Spatial(max_turns=turns).forecast(sc)
        return (time.perf_counter() - t0) / max(fc.n_rounds, 1)


def time_turns(size: str, turns: int) -> None:
    """Processor and wall seconds per turn, and per kernel, at ``size`` (``AxI``)."""
    from _machine import processor
    from bench_scale import make_scenario as scale_scenario
    from detente.models import _smp_kernel as kern

    n_actors, n_issues = (int(v) for v in size.lower().split("x"))
    name, simd = processor()
    print(f"processor: {name}; SIMD: {simd}; cores: {os.cpu_count()}")
    print(f"compiled kernels: {'numba' if compiled_kernels_enabled() else 'none (NumPy only)'}")
    model = Spatial()
    arr = scale_scenario(n_actors, n_issues).arrays()
    x, s, c = model._inputs(
        arr.position, arr.salience, arr.capability, arr.present, arr.low, arr.high
    )
    opt = model.options()
    kern.run_smp(x[:60], s[:60], c[:60], opt, max_turns=2)  # compile or load the kernels
    c0, t0 = time.process_time(), time.perf_counter()
    run = kern.run_smp(x, s, c, opt, max_turns=turns)
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    k = run.n_turns
    print(f"{n_actors} actors x {n_issues} issues, {k} turns: {cpu / k:.2f} processor-s and")
    print(f"{wall / k:.2f} s wall per turn (the first turn's assessment included)")
    xl = run.positions[-1]
    state = kern.assess(xl, s, c, opt)
    s_tot = s.sum(axis=1)

    def timed(label: str, fn):  # type: ignore[no-untyped-def]
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        print(
            f"  {label:<34} {time.process_time() - c0:7.2f} processor-s"
            f" {time.perf_counter() - t0:7.2f} s wall"
        )
        return out

    print("kernels once on the last state:")
    timed("distances", lambda: kern.distances(xl, s))
    timed("coalitions of one election", lambda: kern.coalitions(opt.voting_rule, c, 1.0 - state.d))
    target, prob, _ = timed(
        "challenges", lambda: kern.challenges(state.d, state.risk, s_tot, c, opt)
    )
    bi, bj = kern.bargains(xl, s, target, prob, opt.bargain)
    timed(
        "resolution",
        lambda: kern.resolve(xl, s, c, state.d, state.risk, target, bi, bj, opt),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="500 actors: time 5 turns only")
    ap.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    ap.add_argument("--no-numpy", action="store_true", help="skip the NumPy-fallback column")
    ap.add_argument("--per-turn", metavar="AxI", help="time a few turns at this size only")
    ap.add_argument("--turns", type=int, default=2, help="turns for --per-turn")
    args = ap.parse_args(argv)
    if args.per_turn:
        time_turns(args.per_turn, max(1, args.turns))
        return 0

    cold = cold_jit_seconds()
    warm = warm_first_call_seconds()
    rows = []
    ktab_turn_100 = None
    for n in sorted(args.sizes):
        sc = make_scenario(n)
        fixed = args.quick and n >= 500
        model = Spatial(max_turns=5) if fixed else Spatial()
        t0, c0 = time.perf_counter(), time.process_time()
        fc = model.forecast(sc)
        ours, cpu = time.perf_counter() - t0, time.process_time() - c0
        turns = fc.n_rounds
        per_turn = ours / turns
        conv = fc.details[sc.issue_ids[0]]["converged"]
        np_turn = None if args.no_numpy else numpy_seconds_per_turn(sc, 1 if n > 100 else 2)
        stated = KTAB_STATED.get(n)
        if n == 100 and stated is not None:
            ktab_turn_100 = stated / turns
        rows.append(
            {
                "actors": n,
                "dims": DIMS,
                "turns": f"{turns}" + (" (fixed)" if fixed else ("" if conv else " (limit)")),
                "ours (s)": ours,
                "ours CPU (s)": cpu,
                "ours per turn (s)": per_turn,
                "NumPy per turn (s)": np_turn,
                "_stated": stated,
                "_turns": turns,
                "_per_turn": per_turn,
                "_fixed": fixed,
            }
        )

    table = []
    for r in rows:
        n = r["actors"]
        stated, turns, per_turn = r.pop("_stated"), r.pop("_turns"), r.pop("_per_turn")
        r.pop("_fixed")
        if stated is not None:
            r["KTAB (s)"] = f"{stated:g} (stated)"
            r["KTAB per turn (s)"] = stated / turns
            r["speed-up"] = stated / r["ours (s)"]
        elif ktab_turn_100 is not None and n > 100:
            refuses = "refuses >250 actors; " if n > KTAB_MAX_ACTORS else ""
            r["KTAB (s)"] = f"{refuses}N^4 estimate"
            r["KTAB per turn (s)"] = ktab_turn_100 * (n / 100) ** 4
            r["speed-up"] = r["KTAB per turn (s)"] / per_turn
        else:
            r["KTAB (s)"], r["KTAB per turn (s)"], r["speed-up"] = "not stated", None, None
        if r["speed-up"] is None:
            r["target >= 10x"] = "-"
        else:
            r["target >= 10x"] = "met" if r["speed-up"] >= 10 else "MISSED"
        table.append(r)

    def num(v: float | None, spec: str) -> str:
        return "-" if v is None else format(v, spec)

    df = pd.DataFrame(
        [
            {
                **r,
                "ours (s)": num(r["ours (s)"], ".3f"),
                "ours CPU (s)": num(r["ours CPU (s)"], ".3f"),
                "ours per turn (s)": num(r["ours per turn (s)"], ".4f"),
                "NumPy per turn (s)": num(r["NumPy per turn (s)"], ".4f"),
                "KTAB per turn (s)": num(r["KTAB per turn (s)"], ",.1f"),
                "speed-up": "-" if r["speed-up"] is None else f"{r['speed-up']:,.0f}x",
            }
            for r in table
        ]
    )
    print("Spatial model (KTAB SMP) run time, N actors x 10 dimensions, seed", SEED)
    print(f"compiled kernels: {'numba' if compiled_kernels_enabled() else 'none (NumPy only)'}")
    if cold is not None:
        print(f"first call, cold numba compile (fresh cache): {cold:.2f} s (not in the table)")
    print(f"first call in this process (compile or cache load): {warm:.2f} s (not in the table)")
    print()
    print(df.to_string(index=False))
    print()
    print(
        "speed-up: KTAB's stated time / our total time; above 100 actors, KTAB's 100-actor "
        "time per turn (assuming its run took as many turns as ours) scaled by N^4, divided "
        "by our time per turn."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
