"""Predictive distributions fitted on the errors of other proposals, on a hand-made set.

Two proposals, two issues each (the compromise forecasts of the hand-made DEU file in
conftest.py): A: forecast 50, outcome 60; forecast 50, outcome 20. B: forecast 40, outcome
40; forecast 50, outcome 100. With two folds each proposal's distributions come from the
other's residuals (outcome - forecast): A gets {0, 50}, B gets {10, -30}.

=====  ========================  =======  ====================  =====  ========  ====
issue  values (censored)         outcome  CRPS                  third  P(thirds) PIT
=====  ========================  =======  ====================  =====  ========  ====
A1     {50, 100}                 60       25 - 25/2 = 12.5      1      0, ½, ½   0.5
A2     {50, 100}                 20       55 - 25/2 = 42.5      0      0, ½, ½   0
B1     {50, 10}                  40       20 - 40/4 = 10        1      ½, ½, 0   0.5
B2     {60, 20}                  100      60 - 40/4 = 50        2      ½, ½, 0   1
=====  ========================  =======  ====================  =====  ========  ====

Brier: 0.5, 1.5, 0.5, 1.5. Log: ln 2, -ln 0.001, ln 2, -ln 0.001.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from detente.errors import InputError
from detente.validation.predictive import predictive, score

F = np.array([50.0, 50.0, 40.0, 50.0])
Y = np.array([60.0, 20.0, 40.0, 100.0])
G = np.array(["A", "A", "B", "B"])
CRPS = [12.5, 42.5, 10.0, 50.0]
BRIER = [0.5, 1.5, 0.5, 1.5]
LOG = [math.log(2), -math.log(1e-3), math.log(2), -math.log(1e-3)]


def test_empirical_by_hand():
    pred = predictive(F, Y, G, 0.0, 100.0, folds=2, seed=0)
    s = score(pred, Y, seed=0)
    assert s.crps == pytest.approx(CRPS, abs=1e-12)
    assert s.probs == pytest.approx(
        np.array([[0, 0.5, 0.5], [0, 0.5, 0.5], [0.5, 0.5, 0], [0.5, 0.5, 0]]), abs=1e-12
    )
    assert s.brier == pytest.approx(BRIER, abs=1e-12)
    assert s.log_score == pytest.approx(LOG, abs=1e-12)
    assert s.pit == pytest.approx([0.5, 0.0, 0.5, 1.0], abs=1e-12)  # no ties at the outcomes
    assert s.means()["crps"] == pytest.approx(28.75)


def test_more_folds_than_proposals_use_one_fold_per_proposal():
    a = score(predictive(F, Y, G, 0.0, 100.0, folds=5), Y)
    assert a.crps == pytest.approx(CRPS, abs=1e-12)


@pytest.mark.parametrize("family", ["laplace", "normal"])
def test_parametric_scale_from_the_other_proposal(family):
    pred = predictive(F, Y, G, 0.0, 100.0, distribution=family, folds=2)
    if family == "laplace":  # mean |residual| of the other proposal
        assert pred.scale == pytest.approx([25.0, 25.0, 20.0, 20.0])
    else:  # root mean square residual
        assert pred.scale == pytest.approx([math.sqrt(1250)] * 2 + [math.sqrt(500)] * 2)
    s = score(pred, Y)
    dist = stats.laplace if family == "laplace" else stats.norm
    for k in range(4):
        loc, sc, y = F[k], pred.scale[k], Y[k]

        def cdf(x: float, loc: float = loc, sc: float = sc) -> float:
            return float(dist.cdf(x, loc=loc, scale=sc))

        num = integrate.quad(lambda x: cdf(x) ** 2, 0, y, limit=200)[0]
        num += integrate.quad(lambda x: (1 - cdf(x)) ** 2, y, 100, limit=200)[0]
        assert s.crps[k] == pytest.approx(num, abs=1e-7)
        p = [cdf(100 / 3), cdf(200 / 3) - cdf(100 / 3), 1 - cdf(200 / 3)]
        assert s.probs[k] == pytest.approx(p, abs=1e-12)
    # mass at the ends: an outcome of 100 has a PIT drawn inside [F(100-), 1]
    assert pred.cdf(np.full(4, 100.0), left=True)[3] < 1.0
    assert s.pit[3] >= pred.cdf(np.full(4, 100.0), left=True)[3]


def test_pit_is_randomised_on_point_masses_and_seeded():
    # forecast -10, every residual +10: all mass on 0 where every outcome lies, PIT ~ U(0, 1)
    f = np.zeros(40)
    y = np.zeros(40)
    g = np.repeat(np.arange(20), 2)
    pred = predictive(f - 10.0, y, g, 0.0, 100.0, folds=4)
    a = score(pred, y, seed=1).pit
    assert np.all((a >= 0) & (a <= 1)) and a.std() > 0.1
    assert np.array_equal(a, score(pred, y, seed=1).pit)


def test_bad_choices_are_input_errors():
    with pytest.raises(InputError, match="unknown predictive distribution"):
        predictive(F, Y, G, 0.0, 100.0, distribution="student")
    with pytest.raises(InputError, match="at least two"):
        predictive(F, Y, np.array(["A"] * 4), 0.0, 100.0)
