"""CRPS, Brier and log scores on numbers known by hand or by numerical integration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from detente.validation.proper_scores import (
    LOG_FLOOR,
    brier,
    category_of,
    crps_censored,
    crps_discrete,
    crps_normal,
    log_score,
    thirds,
)


def test_point_mass_crps_is_the_absolute_error():
    y = np.array([0.0, 37.0, 100.0])
    x = np.array([[12.0], [37.0], [40.0]])
    assert crps_discrete(x, np.ones_like(x), y) == pytest.approx([12.0, 0.0, 60.0], abs=1e-12)


def test_two_point_distribution_by_hand():
    # F = 1/2 on [0, 100): CRPS at 0 is the integral of (1/2 - 1)^2 over 100 points = 25
    x = np.array([[0.0, 100.0], [100.0, 0.0]])
    w = np.full((2, 2), 0.5)
    assert crps_discrete(x, w, np.array([0.0, 50.0])) == pytest.approx([25.0, 25.0])


def test_weighted_discrete_matches_its_kernel_form_and_padding_is_ignored():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 100, 7)
    w = rng.uniform(0.1, 1.0, 7)
    w /= w.sum()
    y = 41.5
    direct = np.sum(w * np.abs(x - y)) - 0.5 * np.sum(
        w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])
    )
    padded_x = np.concatenate([x, [100.0, 0.0]])[None]
    padded_w = np.concatenate([w, [0.0, 0.0]])[None]
    assert crps_discrete(padded_x, padded_w, np.array([y]))[0] == pytest.approx(direct, abs=1e-12)


def test_standard_normal_at_zero():
    # sigma [z(2Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)] at z = 0: 2/sqrt(2 pi) - 1/sqrt(pi)
    expected = 2.0 / math.sqrt(2.0 * math.pi) - 1.0 / math.sqrt(math.pi)
    assert crps_normal(0.0, 1.0, 0.0) == pytest.approx(expected, abs=1e-15)
    assert expected == pytest.approx(0.233695, abs=1e-6)


def test_uncensored_limits_match_the_known_closed_forms():
    y = np.array([-3.0, -0.4, 0.0, 1.7])
    wide = 1e4
    assert crps_censored("normal", np.zeros(4), np.ones(4), -wide, wide, y) == pytest.approx(
        crps_normal(0.0, 1.0, y), abs=1e-9
    )
    # Laplace(0, b): b (|z| + exp(-|z|) - 3/4)
    b = 2.5
    z = np.abs(y) / b
    assert crps_censored("laplace", np.zeros(4), np.full(4, b), -wide, wide, y) == pytest.approx(
        b * (z + np.exp(-z) - 0.75), abs=1e-9
    )


@pytest.mark.parametrize("family", ["laplace", "normal"])
@pytest.mark.parametrize(
    ("loc", "scale", "y"),
    [
        (30.0, 10.0, 0.0),
        (30.0, 10.0, 45.0),
        (95.0, 20.0, 100.0),
        (5.0, 30.0, 50.0),
        (0.0, 15.0, 0.0),
    ],
)
def test_censored_closed_form_matches_numerical_integration(family, loc, scale, y):
    dist = stats.laplace if family == "laplace" else stats.norm

    def cdf(x: float) -> float:
        return float(dist.cdf(x, loc=loc, scale=scale))

    below = integrate.quad(lambda x: cdf(x) ** 2, 0.0, y, limit=200)[0] if y > 0 else 0.0
    above = integrate.quad(lambda x: (1 - cdf(x)) ** 2, y, 100.0, limit=200)[0]
    got = crps_censored(family, np.array([loc]), np.array([scale]), 0.0, 100.0, np.array([y]))[0]
    assert got == pytest.approx(below + above, abs=1e-7)


def test_censored_crps_equals_the_discrete_crps_of_censored_draws():
    # the closed form against the kernel form of many draws censored at the scale's ends
    rng = np.random.default_rng(0)
    draws = np.clip(rng.laplace(80.0, 25.0, 200_000), 0.0, 100.0)
    est = crps_discrete(draws[None], np.full((1, draws.size), 1.0 / draws.size), np.array([100.0]))
    exact = crps_censored(
        "laplace", np.array([80.0]), np.array([25.0]), 0.0, 100.0, np.array([100.0])
    )
    assert est[0] == pytest.approx(exact[0], abs=0.1)


def test_thirds_and_their_boundaries():
    b1, b2 = thirds(0.0, 100.0)
    assert (float(b1), float(b2)) == pytest.approx((100 / 3, 200 / 3))
    y = np.array([0.0, 33.3, 33.34, 66.66, 66.67, 100.0, 100 / 3])
    assert category_of(y, 0.0, 100.0).tolist() == [0, 0, 1, 1, 2, 2, 1]
    assert category_of(np.array([-5.0, 0.0, 10.0]), -10.0, 20.0).tolist() == [0, 1, 2]


def test_brier_and_log_by_hand():
    p = np.array([[0.5, 0.3, 0.2], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    cat = np.array([1, 1, 2])
    # (0.5)^2 + (0.7)^2 + (0.2)^2 = 0.78; (1)^2 + (1)^2 = 2; a sure hit 0
    assert brier(p, cat) == pytest.approx([0.78, 2.0, 0.0])
    assert log_score(p, cat) == pytest.approx([-math.log(0.3), -math.log(LOG_FLOOR), 0.0])
    assert -math.log(LOG_FLOOR) == pytest.approx(6.907755, abs=1e-6)
