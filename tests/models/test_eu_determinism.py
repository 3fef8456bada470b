"""The expected-utility model gives the same answer whatever the processor's rounding.

The game decides among offers by comparing computed utilities and keys; without a
tolerance, a comparison of two quantities that are equal in exact arithmetic is decided by
the last bits, which differ between processors (NumPy's ``np.power`` uses vectorised SVML
code on AVX-512 and the C library's ``pow`` elsewhere). The model counts utilities within
``TIE`` and keys within ``TIE x R`` as equal and gives ties to the lowest position; these
tests perturb the inputs by one unit in the last place (a stand-in for another processor's
rounding) and expect the same choices, and run the model under AVX2 arithmetic in a
subprocess and expect the same trajectories.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import detente.models._eu_kernel as kernel
import detente.models._eu_numba as compiled
from detente.models.expected_utility import ExpectedUtility

sys.path.insert(0, str(Path(__file__).parent))
from test_expected_utility import _naive_game, _random, _scenario, _small_games

#: positions may differ by rounding amplified by the game (a compromise moves by a ratio of
#: two small utilities); choices may not. 1e-6 of the 0..100 range.
ATOL = 1e-4

#: option sets of the Scholz reading (the reading with the most comparisons)
OPTIONS = [
    {},
    {"choice": "least_change"},
    {"denominator": "pair", "choice": "least_change", "capitulation": True},
    {"capitulation": True},
]


def _ulp(a: np.ndarray, seed: int) -> np.ndarray:
    """``a`` with every entry moved one unit in the last place up or down at random."""
    up = np.random.default_rng(seed).random(a.shape) < 0.5
    return np.where(up, np.nextafter(a, np.inf), np.nextafter(a, -np.inf))


def _play(x, s, c, cfg: kernel.EUSettings, record: str | None = "moves") -> kernel.GameResult:
    """One issue per column of the ``(A, I)`` inputs, played by the NumPy kernel."""
    a, i = x.shape
    return kernel.play(
        x.T, s.T, c.T, np.ones((i, a), bool), np.zeros(i), np.full(i, 100.0), cfg, record=record
    )


def _chosen(res: kernel.GameResult) -> np.ndarray:
    return np.stack([r.chosen for r in res.records])


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o.values())) or "code")
@pytest.mark.parametrize("seed", range(6))
def test_one_ulp_on_the_inputs_changes_no_choice(options, seed):
    x, s, c = _random(seed, 7, 4)
    cfg = kernel.EUSettings(**options, rounds=10)
    base = _play(x, s, c, cfg)
    for k, (dx, ds, dc) in enumerate(((1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1))):
        xp = _ulp(x, 10 * seed + k) if dx else x
        sp = np.clip(_ulp(s, 20 * seed + k), 0.0, 1.0) if ds else s
        cp = _ulp(c, 30 * seed + k) if dc else c
        other = _play(xp, sp, cp, cfg)
        np.testing.assert_array_equal(_chosen(other), _chosen(base))
        np.testing.assert_allclose(other.trajectory, base.trajectory, rtol=0, atol=ATOL)


def test_the_case_decided_by_rounding_before_is_stable():
    # six actors, least change: three of them end within 1e-10 of one another, where the
    # offers between them carry utilities of 1e-13 whose comparison was a coin toss
    x, s, c = _random(1, 6)
    cfg = kernel.EUSettings(choice="least_change", rounds=8)
    want, _ = _naive_game(x[:, 0], s[:, 0], c[:, 0], 8, choice="least_change")
    for k in range(8):
        xp = x if k == 0 else _ulp(x, k)
        cp = c if k == 0 else _ulp(c, 100 + k)
        res = _play(xp, s, cp, cfg)
        np.testing.assert_allclose(res.trajectory[:, 0], want, rtol=0, atol=ATOL)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o.values())) or "code")
@pytest.mark.parametrize(("seed", "n"), [(11, 5), (12, 8), (13, 10)])
def test_perturbed_kernel_equals_the_transcription(options, seed, n):
    x, s, c = _random(seed, n)
    xp, sp, cp = _ulp(x, seed), np.clip(_ulp(s, seed + 1), 0, 1), _ulp(c, seed + 2)
    want, want_r = _naive_game(xp[:, 0], sp[:, 0], cp[:, 0], 8, **options)
    fc = ExpectedUtility(rounds=8, **options).forecast(_scenario(xp, sp, cp))
    np.testing.assert_allclose(fc.positions[:, :, 0], want, rtol=0, atol=ATOL)
    got_r = np.array(list(fc.details["i0"]["risk_exponents"].values())).T
    np.testing.assert_allclose(got_r, want_r, rtol=0, atol=1e-6)


@pytest.mark.skipif(not compiled.ENABLED, reason="numba is not installed or switched off")
@pytest.mark.parametrize("variant", ["scholz", "dmasad"])
def test_compiled_kernel_under_one_ulp(monkeypatch, variant):
    monkeypatch.setattr(compiled, "MIN_GAMES", 1)
    x, s, c, present, low, high = _small_games(7, 400, 8)
    cfg = kernel.EUSettings(variant=variant, rounds=10)
    base = kernel.play(x, s, c, present, low, high, cfg)
    other = kernel.play(_ulp(x, 1), s, _ulp(c, 2), present, low, high, cfg)
    diff = np.abs(other.trajectory - base.trajectory).max(axis=(0, 2))
    assert np.all(diff <= ATOL), np.flatnonzero(diff > ATOL)


_CHILD = """
import json, sys
import numpy as np
sys.path[:0] = [{tests!r}, {root!r}]  # the test module and tests/cli_runner.py
from test_expected_utility import _random, _scenario
from detente.models.expected_utility import ExpectedUtility
out = []
for seed in range(8):
    for options in ({{}}, {{"choice": "least_change"}}, {{"variant": "dmasad"}}):
        x, s, c = _random(seed, 6 + seed % 3, 3)
        fc = ExpectedUtility(rounds=10, **options).forecast(_scenario(x, s, c))
        out.append(fc.positions.tolist())
print(json.dumps(out))
"""


def _child(env: dict[str, str]) -> list:
    here = Path(__file__).parent
    code = _CHILD.format(tests=str(here), root=str(here.parent))
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_avx2_arithmetic_gives_the_same_trajectories():
    """NumPy's AVX-512 code switched off (as on an AVX2 processor) and numba generating
    code for Haswell (AVX2): the same forecasts to ``ATOL``."""
    from numpy._core import _multiarray_umath as umath

    wide = [f for f in umath.__cpu_dispatch__ if f.startswith("AVX512") or f == "X86_V4"]
    native = _child({})
    avx2 = _child({"NPY_DISABLE_CPU_FEATURES": " ".join(wide), "NUMBA_CPU_NAME": "haswell"})
    for a, b in zip(native, avx2, strict=True):
        np.testing.assert_allclose(np.array(b), np.array(a), rtol=0, atol=ATOL)
