"""``scripts/tuning/ablation.py``: the previous forecaster's departure step by hand, and the
shipped row of docs/validation.md §5 from the script's own forecasts equal to the library's
``detente`` forecaster."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "tuning" / "ablation.py"


@pytest.fixture(scope="module")
def ablation():
    spec = importlib.util.spec_from_file_location("tuning_ablation", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.modules.pop(spec.name, None)


def test_departure_by_hand(ablation):
    """b = 40 below the reference 60 moves 15 % of the way to 0: 34; within 10 % of the
    span of the reference the move is scaled by distance / 10; none at the reference, none
    without one; none as the spread of positions goes to 0."""
    lo, hi, wide = np.array([0.0]), np.array([100.0]), np.array([100.0])
    assert ablation.depart(np.array([40.0]), lo, hi, np.array([60.0]), 0.15, wide)[0] == (
        pytest.approx(34.0)
    )
    got = ablation.depart(np.array([55.0]), lo, hi, np.array([50.0]), 0.15, wide)[0]
    assert got == pytest.approx(55.0 + 0.5 * 0.15 * 45.0, abs=1e-12)
    assert ablation.depart(np.array([50.0]), lo, hi, np.array([50.0]), 0.15, wide)[0] == 50.0
    assert ablation.depart(np.array([50.0]), lo, hi, np.array([np.nan]), 0.15, wide)[0] == 50.0
    assert ablation.depart(np.array([40.0]), lo, hi, np.array([60.0]), 0.15, np.zeros(1))[0] == 40.0


def test_shipped_row_is_the_library_forecaster(ablation, shared_data):
    """On DEU II the script's median of (compromise, quadratic PCE, exchange) is the
    registered ``detente`` forecast (tolerance 1e-9), and its row reads MAE 24.47,
    Δ −1.24 [−2.21, −0.38] as docs/validation.md §5 (tolerance 0.01)."""
    from detente.errors import InputNotice
    from detente.validation import load_dataset
    from detente.validation.runner import forecast_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        ds = load_dataset(shared_data / "deu2" / "DEU2.csv")
    b = ablation.base_forecasts(ds, ("compromise", "exchange"))
    f = b.forecasts
    med = np.median([f["compromise"], f["q1"], f["exchange"]], axis=0)
    run = forecast_dataset(ds, "detente", seed=0)
    lib = np.array([run.forecasts[i] for i in ds.scored["issue"]])
    assert np.abs(med - lib).max() < 1e-9
    row = ablation.assess(b, "shipped", 0, {0: med}, seeds=(0,))
    assert row.nested[0] == pytest.approx(24.47, abs=0.01)
    d = row.diff["mae"]
    assert (d.estimate, d.low, d.high) == pytest.approx((-1.24, -2.21, -0.38), abs=0.01)
