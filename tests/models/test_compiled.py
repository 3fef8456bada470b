"""The process-wide setting of the compiled kernels (detente.models.compiled_kernels)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import detente.models as dm
from detente.models import _compiled, _eu_numba, _exchange_kernel, _smp_kernel
from detente.models.expected_utility import ExpectedUtility
from detente.models.spatial import Spatial
from detente.scenario import Actor, Issue, Scenario, Stance

needs_numba = pytest.mark.skipif(
    not _compiled.available(), reason="numba is not installed or DETENTE_NO_NUMBA is set"
)


def _scenario(n_actors: int, n_issues: int, seed: int = 0) -> Scenario:
    rng = np.random.default_rng(seed)
    return Scenario(
        id="switch",
        actors=tuple(Actor(id=f"a{k}", capability=float(rng.lognormal())) for k in range(n_actors)),
        issues=tuple(Issue(id=f"i{k}") for k in range(n_issues)),
        stances=tuple(
            Stance(
                actor=f"a{a}",
                issue=f"i{k}",
                position=float(rng.uniform(0, 100)),
                salience=float(rng.uniform(0.1, 1.0)),
            )
            for a in range(n_actors)
            for k in range(n_issues)
        ),
    )


def test_default_follows_availability() -> None:
    assert dm.compiled_kernels_enabled() == _compiled.available()


def test_context_manager_switches_and_restores() -> None:
    before = dm.compiled_kernels_enabled()
    with dm.compiled_kernels(False) as switch:
        assert not switch.enabled
        assert not dm.compiled_kernels_enabled()
        assert not _eu_numba.enabled()
        assert not _smp_kernel.compiled_on()
        assert not _exchange_kernel._on()
        with dm.compiled_kernels(True):  # nested blocks restore what each found
            assert dm.compiled_kernels_enabled() == _compiled.available()
            assert _eu_numba.enabled() == _eu_numba.ENABLED
            assert _smp_kernel.compiled_on() == _smp_kernel.HAVE_NUMBA
            assert _exchange_kernel._on() == _exchange_kernel.COMPILED
        assert not dm.compiled_kernels_enabled()
    assert dm.compiled_kernels_enabled() == before


def test_restored_after_an_error() -> None:
    before = dm.compiled_kernels_enabled()
    with pytest.raises(RuntimeError), dm.compiled_kernels(False):
        raise RuntimeError("inside")
    assert dm.compiled_kernels_enabled() == before


def test_plain_call_switches_until_switched_back() -> None:
    before = dm.compiled_kernels_enabled()
    try:
        dm.compiled_kernels(False)
        assert not dm.compiled_kernels_enabled()
    finally:
        dm.compiled_kernels(True)
    assert dm.compiled_kernels_enabled() == before


def test_old_module_switches_set_the_one_setting() -> None:
    before = _smp_kernel.use_numba(False)
    try:
        assert not dm.compiled_kernels_enabled() and not _eu_numba.enabled()
        assert _eu_numba.use_numba(True) is False
        assert dm.compiled_kernels_enabled() == _compiled.available()
    finally:
        _smp_kernel.use_numba(before)


@needs_numba
def test_expected_utility_honours_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small games go to the compiled kernel when on, and never when off (same
    numbers either way)."""
    calls: list[int] = []
    play = _eu_numba.play

    def spy(*args, **kwargs):
        calls.append(1)
        return play(*args, **kwargs)

    monkeypatch.setattr(_eu_numba, "play", spy)
    rng = np.random.default_rng(3)
    shape = (200, 6, 2)
    args = (
        rng.uniform(0, 100, shape),
        rng.uniform(0, 1, shape),
        rng.lognormal(0, 1, shape),
        np.ones((6, 2), bool),
        np.zeros(2),
        np.full(2, 100.0),
    )
    model = ExpectedUtility()
    with dm.compiled_kernels(False):
        off = model.outcome_batch(*args)
    assert not calls
    on = model.outcome_batch(*args)
    assert calls
    np.testing.assert_array_equal(on, off)


@needs_numba
def test_spatial_honours_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The spatial model's compiled kernels run when on and never when off."""
    calls: list[str] = []

    def spying(name: str, fn):
        def spy(*args):
            calls.append(name)
            return fn(*args)

        return spy

    monkeypatch.setattr(
        _smp_kernel, "_NB", tuple(spying(f"nb{k}", f) for k, f in enumerate(_smp_kernel._NB))
    )
    for attr, tag in (("_NB_ASSESS", "as"), ("_NB_RESOLVE", "res")):
        kernels = getattr(_smp_kernel, attr)
        monkeypatch.setattr(
            _smp_kernel, attr, tuple(spying(f"{tag}{k}", f) for k, f in enumerate(kernels))
        )
    scenario = _scenario(70, 9)
    model = Spatial(max_turns=3)
    with dm.compiled_kernels(False):
        off = model.forecast(scenario).outcome
    assert not calls
    on = model.forecast(scenario).outcome
    # coalitions, challenges, distances, the resolution's utilities and coalitions
    assert {"nb0", "nb1", "as5", "res0", "res1"} <= set(calls)
    np.testing.assert_allclose(on, off, atol=1e-9)


@needs_numba
def test_exchange_honours_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    trade = _exchange_kernel._trade_compiled

    def spy(*args):
        calls.append(1)
        return trade(*args)

    monkeypatch.setattr(_exchange_kernel, "_trade_compiled", spy)
    from detente.models import get_model

    scenario = _scenario(12, 4, seed=5)
    model = get_model("exchange")
    with dm.compiled_kernels(False):
        model.forecast(scenario)
    assert not calls
    model.forecast(scenario)
    assert calls


def test_environment_default_and_no_numba_import() -> None:
    """``DETENTE_NO_NUMBA`` keeps every compiled kernel off (switching on cannot help) and
    numba is not imported, even with the kernel modules loaded."""
    code = (
        "import sys, detente.models as dm\n"
        "from detente.models import _eu_numba, _smp_kernel, _exchange_kernel\n"
        "dm.compiled_kernels(True)\n"
        "print(dm.compiled_kernels_enabled(), _eu_numba.enabled(), _smp_kernel.compiled_on(),"
        " _exchange_kernel._on(), 'numba' in sys.modules)\n"
    )
    env = {**os.environ, "DETENTE_NO_NUMBA": "1", "DETENTE_HOME": os.environ["DETENTE_HOME"]}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False"] * 5


def test_reading_the_setting_imports_no_numba() -> None:
    code = (
        "import sys, detente.models as dm\n"
        "print(dm.compiled_kernels_enabled() in (True, False), 'numba' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DETENTE_NO_NUMBA"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "False"]
