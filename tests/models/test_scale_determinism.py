"""Choices among near-equal values do not flip when inputs move by one unit in the last
place (as they would with another summation order or SIMD width): spatial challenges and
bargains, the Condorcet mode, the weighted median and the detente forecaster's favourite
are taken with a stated relative tolerance and a fixed order (lowest index first)."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models.compromise import Median
from detente.models.condorcet import Condorcet
from detente.models.forecaster import DetenteForecaster
from detente.models.spatial import Spatial
from detente.scenario import Actor, Issue, Scenario, Stance


def _scenario(positions: np.ndarray, saliences: np.ndarray, caps: list[float]) -> Scenario:
    n, m = positions.shape
    return Scenario(
        actors=tuple(Actor(id=f"a{a}", capability=caps[a]) for a in range(n)),
        issues=tuple(Issue(id=f"i{k}") for k in range(m)),
        stances=tuple(
            Stance(
                actor=f"a{a}",
                issue=f"i{k}",
                position=float(positions[a, k]),
                salience=float(saliences[a, k]),
            )
            for a in range(n)
            for k in range(m)
        ),
    )


def _nudged(sc: Scenario, field: str, actor: int, direction: float) -> Scenario:
    """``sc`` with ``actor``'s values of ``field`` moved by one ulp towards ``direction``."""
    arr = sc.arrays()
    value = {"position": arr.position, "salience": arr.salience, "capability": arr.capability}
    moved = value[field].copy()
    moved[actor] = np.nextafter(moved[actor], direction)
    if field == "salience":
        moved = np.clip(moved, 0.0, 1.0)
    return Scenario.from_arrays(sc, **{field: moved})


def _variants(sc: Scenario, actors: tuple[int, ...] = (0, 1, 2)) -> list[Scenario]:
    """One actor's positions, saliences or capability one ulp up or down."""
    return [
        _nudged(sc, f, a, d)
        for a in actors
        for f in ("position", "salience", "capability")
        for d in (np.inf, -np.inf)
    ]


# mirror-symmetric: a0 in the middle, a1 and a2 at equal distances on both sides, equal
# weights (dyadic values, so the tie is exact before nudging)
SYMMETRIC = _scenario(
    np.array([[50.0, 50.0], [25.0, 25.0], [75.0, 75.0], [37.5, 62.5], [62.5, 37.5]]),
    np.array([[0.5, 0.25], [0.25, 0.25], [0.25, 0.25], [0.5, 0.5], [0.5, 0.5]]),
    [4.0, 2.0, 2.0, 1.0, 1.0],
)


def _random(seed: int, n: int = 24, m: int = 3) -> Scenario:
    rng = np.random.default_rng(seed)
    return _scenario(
        rng.uniform(0, 100, (n, m)),
        rng.uniform(0.05, 1.0, (n, m)) / m,
        [float(c) for c in rng.lognormal(0, 1, n)],
    )


def _smp_choices(sc: Scenario) -> tuple:
    run = Spatial().simulate(sc)
    return (
        run.n_turns,
        [log.target.tolist() for log in run.turns],
        [log.chosen.tolist() for log in run.turns],
    )


@pytest.mark.parametrize("sc", [SYMMETRIC, _random(1), _random(2)], ids=["mirror", "r1", "r2"])
def test_spatial_choices_survive_one_ulp(sc: Scenario) -> None:
    base = _smp_choices(sc)
    fc = Spatial().forecast(sc)
    for var in _variants(sc):
        assert _smp_choices(var) == base
        np.testing.assert_allclose(Spatial().forecast(var).outcome, fc.outcome, atol=1e-9)


def test_spatial_mirror_tie_goes_to_the_lowest_index() -> None:
    """a0's challenges of a1 and a2 gain the same: a1 (the lower index) is chosen."""
    run = Spatial().simulate(SYMMETRIC)
    assert run.turns[0].target[0] == 1


def _one_issue(positions: list[float], weights: list[float]) -> Scenario:
    return _scenario(
        np.array(positions)[:, None], np.full((len(positions), 1), 0.5), [w * 2 for w in weights]
    )


@pytest.mark.parametrize("outcome", ["mode", "expected"])
def test_condorcet_mode_survives_one_ulp(outcome: str) -> None:
    # two positions with equal weights: a tie for the mode, which goes to the smaller
    sc = _one_issue([30.0, 70.0], [1.0, 1.0])
    fc = Condorcet(outcome=outcome).forecast(sc)
    assert fc.details["i0"]["mode_actor"] == "a0"
    for var in _variants(sc, (0, 1)):
        other = Condorcet(outcome=outcome).forecast(var)
        assert other.details["i0"]["mode_actor"] == fc.details["i0"]["mode_actor"]
        np.testing.assert_allclose(other.outcome, fc.outcome, atol=1e-9)


def test_median_half_split_survives_one_ulp() -> None:
    # the weight below 40 is exactly half the total: the median is 40 (first position
    # reaching half), and stays there when weights or positions move by one ulp
    sc = _one_issue([20.0, 40.0, 60.0, 80.0], [3.0, 1.0, 2.0, 2.0])
    base = Median().forecast(sc).outcome_of("i0")
    assert base == 40.0
    for var in _variants(sc, (0, 1, 2, 3)):
        assert Median().forecast(var).outcome_of("i0") == pytest.approx(base, abs=1e-9)


def test_forecaster_favourite_survives_one_ulp() -> None:
    sc = _one_issue([25.0, 75.0, 10.0, 90.0], [1.0, 1.0, 0.5, 0.5])
    fc = DetenteForecaster().forecast(sc)
    assert fc.details["i0"]["condorcet_favourite"] == "a0"
    for var in _variants(sc):
        other = DetenteForecaster().forecast(var)
        assert other.details["i0"]["condorcet_favourite"] == "a0"
        np.testing.assert_allclose(other.outcome, fc.outcome, atol=1e-9)
