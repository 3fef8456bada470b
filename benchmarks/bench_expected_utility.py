"""Benchmark of the expected-utility model against its targets and baselines.

Run: ``python benchmarks/bench_expected_utility.py [--scale]``. Inputs are generated with a fixed
seed: positions uniform on 0..100, saliences uniform on 0..1, capabilities lognormal(0, 1).
Single scenarios are timed through ``ExpectedUtility().forecast`` (the trace of accepted
moves included; the scenario is built before the clock starts). Ensemble rows go through
``outcome_batch`` on ``(draws, actors, issues)`` arrays: 10 actors x 1 issue in one call,
and the ensemble target, 100,000 draws of the bundled scenario ``us-russia-reset`` (8
actors x 9 issues, its linkages applied), in calls of 1,024 draws as ``detente ensemble``
makes them; its draws perturb the scenario uniformly (positions +-10 % of the scale,
saliences +-0.1, capabilities +-20 %), generated before the clock starts. Each row is the
best of ``REPEATS`` runs; the machine is shared, so the load average is printed beside.

Many small games run on the compiled kernel (:mod:`detente.models._eu_numba`, two threads
on this machine; the ``1 thread`` row shows one core); ``numpy_s`` is the same call on the
NumPy kernel (the state before the compiled kernel), projected from the first 4,096 draws
for the 100,000-draw row. The compiled kernel's one-off cost is reported on its own: the
first call in a fresh process compiles it when numba's cache is empty (as after a fresh
install) and loads it from the cache otherwise; both are timed in child processes.

Baselines are the figures measured for the public Python ports of the model on this kind
of machine; the reference-case row reads the time the jmckib port took for the EC emission
case from the shared reference output, when that folder is present.

Targets (2-core machine): 100,000 draws of the bundled scenario in under 5 s; with
``--scale``, a forecast of 2,000 actors x 50 issues (10 rounds) within 5 minutes and 4 GB
of peak memory, run in a child process whose peak resident memory and processor time are
reported beside the wall time (the wall time alone says little on a shared machine).

The processor's model and SIMD level (AVX-512 or AVX2, from the flags of
``/proc/cpuinfo``) are printed beside the figures, with ``NUMBA_CPU_NAME`` and
``NPY_DISABLE_CPU_FEATURES`` when set: NumPy's ``np.power`` and numba's code differ by
them. ``NUMBA_CPU_NAME=haswell`` with ``NPY_DISABLE_CPU_FEATURES`` naming NumPy's
AVX-512 features (NumPy 2.4: ``"X86_V4 AVX512_ICL AVX512_SPR"``) reproduces an AVX2
machine's code paths on an AVX-512 one.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _machine import environment
from detente.models import _eu_numba, compiled_kernels
from detente.models.expected_utility import ExpectedUtility
from detente.scenario import Actor, Issue, Scenario, Stance
from detente.scenarios import DEFAULT_SCENARIO, load_bundled

REPEATS = 3
SEED = 20260301
#: draws per outcome_batch call in the ensemble row (detente.analysis.perturb.BLOCK)
BLOCK = 1024
#: distinct blocks of draws generated for the ensemble row (used in turn)
DISTINCT_BLOCKS = 8
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


_SCALE = """
import sys, time
import numpy as np
from detente.scenario import Actor, Issue, Scenario, Stance
from detente.models.expected_utility import ExpectedUtility
a, i = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
shape = (a, i)
pos, sal = rng.uniform(0, 100, shape), rng.uniform(0, 1, shape)
cap = rng.lognormal(0, 1, shape)
base = Scenario(
    id="scale", actors=tuple(Actor(id=f"a{k}") for k in range(a)),
    issues=tuple(Issue(id=f"i{k}") for k in range(i)),
    stances=tuple(Stance(actor=f"a{p}", issue=f"i{q}", position=50.0, salience=0.5,
                         capability=1.0) for p in range(a) for q in range(i)),
)
sc = Scenario.from_arrays(base, pos, sal, cap)
sc.arrays()
t0, c0 = time.perf_counter(), time.process_time()
ExpectedUtility().forecast(sc)
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def _scale_row(actors: int, issues: int) -> str:
    """A forecast of ``actors x issues`` (10 rounds) in a child process: wall and processor
    seconds of the forecast, peak resident memory of the child."""
    out = subprocess.run(
        [sys.executable, "-c", _SCALE, str(actors), str(issues)],
        capture_output=True,
        text=True,
        check=True,
        timeout=3600,
    )
    wall, cpu = (float(v) for v in out.stdout.split())
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # kB -> GB
    ok = "yes" if wall < 300 and peak < 4 else "NO"
    return (
        f"forecast {actors} actors x {issues} issues, 10 rounds: {wall:.1f} s wall, "
        f"{cpu:.1f} s processor time, peak memory {peak:.2f} GB "
        f"(target: < 300 s and < 4 GB: {ok})"
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
    return ("forecast", actors, issues, 1, rounds, seconds, None, target, baseline)


def _numpy_kernel(fn):
    """``fn()`` with the compiled kernels switched off."""
    with compiled_kernels(False):
        return fn()


def _batch_row(actors: int, issues: int, draws: int, rounds: int, target: float):
    rng = np.random.default_rng(SEED)
    pos, sal, cap = _inputs(rng, (draws, actors, issues))
    present = np.ones((actors, issues), dtype=bool)
    low, high = np.zeros(issues), np.full(issues, 100.0)
    model = ExpectedUtility(rounds=rounds)

    def run():
        return model.outcome_batch(pos, sal, cap, present, low, high)

    seconds = _best(run)
    numpy_s = _numpy_kernel(lambda: _best(run))
    return ("outcome_batch", actors, issues, draws, rounds, seconds, numpy_s, target, None)


def _ensemble_rows(draws: int, rounds: int, target: float):
    """The ensemble target on the bundled scenario, in calls of BLOCK draws."""
    sc = load_bundled(DEFAULT_SCENARIO)
    arr = sc.arrays()
    rng = np.random.default_rng(SEED)
    span = arr.high - arr.low
    shape = (BLOCK, arr.n_actors, arr.n_issues)
    blocks = [
        (
            np.clip(arr.position + rng.uniform(-0.1, 0.1, shape) * span, arr.low, arr.high),
            np.clip(arr.salience + rng.uniform(-0.1, 0.1, shape), 0.0, 1.0),
            arr.capability * (1.0 + rng.uniform(-0.2, 0.2, shape)),
        )
        for _ in range(DISTINCT_BLOCKS)
    ]
    model = ExpectedUtility(rounds=rounds)

    def run(total: int) -> None:
        for k, start in enumerate(range(0, total, BLOCK)):
            pos, sal, cap = blocks[k % DISTINCT_BLOCKS]
            n = min(BLOCK, total - start)
            model.outcome_batch(
                pos[:n], sal[:n], cap[:n], arr.present, arr.low, arr.high, scenario=sc
            )

    run(BLOCK)  # warm-up (the compiled kernel is loaded once per process)
    seconds = _best(lambda: run(draws))
    probe = 4 * BLOCK
    numpy_s = _numpy_kernel(lambda: _best(lambda: run(probe))) * draws / probe
    threads = _eu_numba._threads
    _eu_numba._threads = lambda games: 1  # one core (a private knob, for this row only)
    try:
        one = _best(lambda: run(draws))
    finally:
        _eu_numba._threads = threads
    call = f"outcome_batch ({sc.id})"
    size = (arr.n_actors, arr.n_issues, draws, rounds)
    return [
        (call, *size, seconds, numpy_s, target, None),
        (call + ", 1 thread", *size, one, None, target, None),
    ]


_FIRST_CALL = """
import time
import numpy as np
from detente.models.expected_utility import ExpectedUtility
rng = np.random.default_rng(0)
e, a, i = 64, 8, 2
args = (rng.uniform(0, 100, (e, a, i)), rng.uniform(0, 1, (e, a, i)),
        rng.lognormal(0, 1, (e, a, i)), np.ones((a, i), bool), np.zeros(i), np.full(i, 100.0))
model = ExpectedUtility()
t0 = time.perf_counter()
model.outcome_batch(*args)
t1 = time.perf_counter()
model.outcome_batch(*args)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def _first_calls() -> list[str]:
    """The compiled kernel's one-off cost in fresh processes: compile, then cache load."""
    if not _eu_numba.enabled():
        return ["compiled kernel off (numba missing or DETENTE_NO_NUMBA set): no JIT cost"]
    lines = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("empty numba cache (compiles)", "warm numba cache (loads)"):
            out = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=600,
            )
            first, again = (float(v) for v in out.stdout.split())
            lines.append(
                f"first outcome_batch call in a fresh process, {label}: {first:.2f} s "
                f"(the same call again: {again * 1e3:.1f} ms)"
            )
    return lines


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
    return ("forecast (EC case)", len(df), 1, 1, 10, seconds, None, None, baseline)


def main() -> None:
    load_before = os.getloadavg()
    rows = [
        _forecast_row(100, 10, 10, target=0.5, baseline=96.0),
        _forecast_row(500, 1, 1, target=0.2, baseline=128.0),
        _forecast_row(1000, 1, 1, target=1.0, baseline=None),
        _batch_row(10, 1, 10_000, 10, target=2.0),
        *_ensemble_rows(100_000, 10, target=5.0),
    ]
    ref = _reference_row()
    if ref is not None:
        rows.append(ref)
    first = _first_calls()
    if "--scale" in sys.argv[1:]:
        first.append(_scale_row(2000, 50))
    load_after = os.getloadavg()
    table = pd.DataFrame(
        rows,
        columns=[
            "call",
            "actors",
            "issues",
            "draws",
            "rounds",
            "seconds",
            "numpy_s",
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
    kernel = "compiled kernel on" if _eu_numba.enabled() else "compiled kernel off"
    print(f"expected_utility benchmark (best of {REPEATS} runs; {kernel})")
    for line in environment():
        print(line)
    print("baseline_s: public Python ports; EC case: recorded jmckib run")
    print("numpy_s: the same call on the NumPy kernel (100,000 draws: projected from 4,096)")
    table["seconds"] = table["seconds"].map("{:.3f}".format)
    for col in ("numpy_s", "target_s", "baseline_s"):
        table[col] = ["-" if pd.isna(v) else f"{v:.3g}" for v in table[col]]
    print(table.to_string(index=False))
    print()
    for line in first:
        print(line)
    print(
        "load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}; ".format(*load_before)
        + "after: {:.2f} {:.2f} {:.2f} (2 cores)".format(*load_after)
    )


if __name__ == "__main__":
    main()
