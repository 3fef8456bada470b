"""Batch kernels honour decision rules and linkages exactly as ``forecast`` does: every
draw of an ensemble is forecast as the model would forecast that draw alone."""

from __future__ import annotations

import numpy as np
import pytest

from detente.analysis.ensemble import has_batch
from detente.models import available, get_model
from detente.scenario import Scenario
from detente.scenarios import load_bundled

#: batch kernels and per-scenario forecasts agree to this (same arithmetic, other order)
TOL = 1e-9


def _draws(scenario: Scenario, n: int, seed: int) -> tuple[np.ndarray, ...]:
    arr = scenario.arrays()
    rng = np.random.default_rng(seed)
    span = (arr.high - arr.low)[None, None, :]
    pos = np.clip(
        arr.position + rng.normal(0, 0.1, (n, *arr.position.shape)) * span, arr.low, arr.high
    )
    pos = np.where(arr.present, pos, arr.position)
    sal = np.where(arr.present, np.clip(arr.salience + rng.normal(0, 0.1, pos.shape), 0, 1), 0)
    cap = arr.capability * np.exp(rng.normal(0, 0.2, pos.shape))
    return pos, sal, cap


@pytest.mark.parametrize("model", [m for m in available() if has_batch(get_model(m))])
def test_batch_equals_forecast_on_the_bundled_rules_and_linkages(model: str) -> None:
    sc = load_bundled("us-russia-reset")
    m = get_model(model)
    pos, sal, cap = _draws(sc, 6, seed=3)
    arr = sc.arrays()
    batch = m.decided_outcome_batch(
        pos, sal, cap, arr.present, arr.low, arr.high, seed=0, scenario=sc
    )
    for d in range(pos.shape[0]):
        one = Scenario.from_arrays(sc, pos[d], sal[d], cap[d])
        np.testing.assert_allclose(batch[d], m.forecast(one, seed=0).outcome, atol=TOL, rtol=0)
