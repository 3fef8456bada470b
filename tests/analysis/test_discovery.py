"""Scenario discovery with PRIM over an ensemble whose answer is known by hand.

On the tiny scenario with only positions uncertain, the compromise outcome of x is
``(2 x_a + 0.5 x_b + 0.5 x_c) / 3`` with ``x_a`` in [0, 30], ``x_b`` in [50, 90] and
``x_c`` in [80, 100]. The target ``x <= 30`` needs ``2 x_a <= 90 - 0.5 (x_b + x_c)``, so it
is met only when a's position is low (``x_a <= 10`` at the very most): the box must
restrict a's position from above.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from cli_runner import run_detente
from detente.analysis.discovery import discover, ks_scores
from detente.analysis.ensemble import run_ensemble
from detente.analysis.perturb import PerturbationPlan, Spread
from detente.errors import InputError


@pytest.fixture
def ensemble(tiny):
    spread = {"position": Spread(20), "salience": Spread(0), "capability": Spread(0)}
    plan = PerturbationPlan.build(tiny, spread)  # positions only
    return run_ensemble(
        tiny,
        "compromise",
        draws=4000,
        seed=0,
        plan=plan,
        targets=["x <= 30", "y <= 100"],
        keep_inputs=True,
    )


def test_the_box_restricts_the_driving_input(ensemble):
    found = discover(ensemble, "x <= 30", threshold=0.8)
    assert 0 < found.cases < found.draws
    box = found.boxes[0]
    assert box.reaches_threshold and box.density >= 0.8 and box.coverage > 0.5
    lim = {b.input: b for b in box.limits}
    assert "position:a:x" in lim
    assert lim["position:a:x"].high <= 10.0 + 1e-9
    assert (lim["position:a:x"].full_low, lim["position:a:x"].full_high) == (0.0, 30.0)
    # the reported statistics are those of the draws inside the box's limits
    names = ensemble.plan.names
    inside = np.ones(found.draws, dtype=bool)
    for b in box.limits:
        col = ensemble.inputs[:, names.index(b.input)]
        inside &= (col >= b.low) & (col <= b.high)
    met = ensemble.met[:, 0]
    assert box.density == pytest.approx(met[inside].mean(), abs=1e-12)
    assert box.coverage == pytest.approx((met & inside).sum() / met.sum(), abs=1e-12)
    assert box.draws == inside.sum()
    # the inputs PRIM ran on, best first
    assert found.scores[0][0] == "position:a:x"
    json.dumps(found.to_dict(), allow_nan=False)


def test_a_target_met_everywhere_has_nothing_to_discover(ensemble):
    found = discover(ensemble, 1)
    assert found.boxes == () and found.cases == found.draws and "every draw" in found.note


def test_unreachable_threshold_shows_the_densest_box_flagged(ensemble):
    # a box of density 1 holds cases only: it cannot hold more draws than there are cases
    mass_min = ensemble.met[:, 0].mean() + 0.03
    found = discover(ensemble, 0, threshold=1.0, mass_min=mass_min)
    assert len(found.boxes) == 1 and not found.boxes[0].reaches_threshold
    assert "no box reaches density" in found.note


def test_bad_requests(ensemble, tiny):
    with pytest.raises(InputError, match="was not evaluated"):
        discover(ensemble, "x <= 31")
    with pytest.raises(InputError, match="--threshold"):
        discover(ensemble, 0, threshold=1.5)
    bare = run_ensemble(tiny, "compromise", draws=10, targets=["x <= 30"])
    with pytest.raises(ValueError, match="keep_inputs"):
        discover(bare, 0)


def test_ks_scores_equal_scipy():
    """Against scipy.stats.ks_2samp's statistic, to 1e-12, with and without ties."""
    rng = np.random.default_rng(1)
    x = np.column_stack([rng.normal(size=500), rng.integers(0, 5, size=500).astype(float)])
    y = rng.random(500) < 0.3
    x[y, 0] += 0.4
    ours = ks_scores(x, y)
    for k in range(x.shape[1]):
        ref = stats.ks_2samp(x[y, k], x[~y, k]).statistic
        assert ours[k] == pytest.approx(ref, abs=1e-12)


def test_cli_discover_on_the_bundled_scenario():
    res = run_detente("discover", "-n", "2000", "--target", "reset", "--threshold", "0.3", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["target"] == "reset" and data["draws"] == 2000
    assert data["boxes"] and {"coverage", "density", "mass", "limits"} <= set(data["boxes"][0])
