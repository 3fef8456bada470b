"""Utilities against the status quo, and target expressions."""

from __future__ import annotations

import numpy as np
import pytest

from detente.errors import InputError
from detente.targets import parse_target
from detente.utility import gains, utility


def test_gains_by_hand(tiny):
    # issue x reference 50; outcome 40: a at 10 (s=1) gains 10; c at 100 (s=.5) loses 5
    g = gains(tiny, np.array([40.0, 60.0]))
    assert g[0, 0] == pytest.approx(10.0)
    assert g[2, 0] == pytest.approx(-5.0)
    assert np.isnan(g[0, 1])  # no reference on y


def test_quadratic_and_risk():
    pos = np.array([[0.0]])
    sal = np.array([[1.0]])
    span = np.array([100.0])
    assert utility(np.array([10.0]), pos, sal, span, loss="quadratic")[0, 0] == pytest.approx(-1.0)
    assert utility(np.array([25.0]), pos, sal, span, risk=2.0)[0, 0] == pytest.approx(-6.25)


def test_bound_targets(tiny):
    t = parse_target("x <= 30", tiny)
    out = np.array([[20.0, 0.0], [40.0, 0.0]])
    assert t.met(out, tiny).tolist() == [True, False]
    assert t.margin(out, tiny).tolist() == [10.0, -10.0]
    with pytest.raises(InputError, match="unknown issue 'zz'"):
        parse_target("zz <= 3", tiny)
    with pytest.raises(InputError, match="cannot read target"):
        parse_target("x is small", tiny)
    with pytest.raises(InputError, match="reference point"):
        parse_target("reset", tiny)  # y has no reference
