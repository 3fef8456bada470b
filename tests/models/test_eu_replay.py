"""The compiled expected-utility kernel replays a round that moved nobody, or that starts
where the round before last started, instead of playing it again
(:mod:`detente.models._eu_numba`, small games): the same numbers as the NumPy kernel, also
when the linkages change what they hold between rounds."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import _eu_kernel as kernel
from detente.models import _eu_numba as compiled
from detente.models import compiled_kernels

needs_numba = pytest.mark.skipif(
    not compiled.ENABLED, reason="numba is not installed or DETENTE_NO_NUMBA is set"
)


def _games(seed: int, games: int, actors: int):
    rng = np.random.default_rng(seed)
    shape = (games, actors)
    x = rng.uniform(0, 100, shape)
    x = np.where(rng.random(shape) < 0.3, np.round(x / 20) * 20, x)  # shared positions
    s = rng.uniform(0, 1, shape)
    c = rng.lognormal(0, 1, shape)
    present = rng.random(shape) > 0.15
    return x, s, c, present, np.zeros(games), np.full(games, 100.0)


def _both(fn):
    with compiled_kernels(False):
        plain = fn()
    with compiled_kernels(True):
        fast = fn()
    return plain, fast


def _same(plain: kernel.GameResult, fast: kernel.GameResult) -> None:
    assert fast.trajectory.shape == plain.trajectory.shape
    np.testing.assert_array_equal(fast.trajectory, plain.trajectory)
    np.testing.assert_array_equal(fast.risk, plain.risk)
    np.testing.assert_array_equal(fast.rounds_played, plain.rounds_played)


def _still(res: kernel.GameResult) -> float:
    """Share of the game-rounds after the first that repeat the round before."""
    tr = res.trajectory
    return float(np.all(tr[2:] == tr[1:-1], axis=2).mean())


def _cycling(res: kernel.GameResult) -> float:
    """Share of the game-rounds from the third on that start where the round before last
    started, the game not standing still."""
    tr = res.trajectory
    back = np.all(tr[2:-1] == tr[:-3], axis=2) & ~np.all(tr[2:-1] == tr[1:-2], axis=2)
    return float(back.mean())


@needs_numba
@pytest.mark.parametrize("variant", ["scholz", "dmasad"])
def test_replayed_rounds_equal_the_numpy_kernel(variant: str) -> None:
    args = _games(7, 600, 7)
    cfg = kernel.EUSettings(variant=variant, rounds=12)
    plain, fast = _both(lambda: kernel.play(*args, cfg))
    _same(plain, fast)
    assert _still(fast) > 0.02  # rounds that moved nobody were there to replay
    assert _cycling(fast) > 0.01  # and rounds that went back two rounds


@needs_numba
def test_replays_follow_a_linkage_that_changes_what_it_holds() -> None:
    """A hold that releases its actors every third round: a game that stood still only
    because of it must be played again, not replayed."""
    args = _games(8, 500, 6)
    calls = {"n": 0}

    def hold(x: np.ndarray) -> np.ndarray | None:
        calls["n"] += 1
        r = calls["n"]
        if r % 3 == 0:
            return None
        return (x > 55) if r % 2 else (x < 35)

    def run():
        calls["n"] = 0
        return kernel.play(*args, kernel.EUSettings(rounds=12), hold=hold)

    plain, fast = _both(run)
    _same(plain, fast)
    assert _still(fast) > 0.02
    assert _cycling(fast) > 0.01


@needs_numba
def test_replays_with_the_games_split_between_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiled, "_threads", lambda games: 3)
    monkeypatch.setattr(compiled, "POW_CHUNK", 2000)  # several chunks a thread
    args = _games(9, 900, 8)
    plain, fast = _both(lambda: kernel.play(*args, kernel.EUSettings(rounds=10)))
    _same(plain, fast)
