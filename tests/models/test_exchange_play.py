"""Exchange model: play() (the rounds without the trace) and first_round_candidates."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models._exchange_kernel import _sides, candidate_pairs
from detente.models.exchange import Exchange, first_round_candidates
from detente.scenario import Actor, Issue, Scale, Scenario, Stance
from detente.scenarios import load_bundled


def random_scenario(n_actors: int, n_issues: int, seed: int) -> Scenario:
    rng = np.random.default_rng(seed)
    return Scenario(
        id="r",
        actors=tuple(
            Actor(id=f"a{a}", capability=float(c))
            for a, c in enumerate(rng.lognormal(0, 1, n_actors))
        ),
        issues=tuple(
            Issue(id=f"i{k}", scale=Scale(low=-10.0 * k, high=100.0 + 5 * k))
            for k in range(n_issues)
        ),
        stances=tuple(
            Stance(
                actor=f"a{a}",
                issue=f"i{k}",
                position=float(rng.uniform(-10.0 * k, 100.0 + 5 * k)),
                salience=float(rng.uniform(0.05, 1)),
            )
            for a in range(n_actors)
            for k in range(n_issues)
            if rng.uniform() < 0.85  # some actors take no stance
        ),
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_play_is_the_forecast_without_its_trace(seed):
    """The positions and final voting positions of play() are those of forecast() (bit for
    bit), on the bundled scenario and on a random one with issue scales other than 0..100;
    the forecast's round events count play()'s realised exchanges."""
    for sc in (load_bundled("us-russia-reset"), random_scenario(12, 4, seed)):
        model = Exchange(rounds=4)
        played = model.play(sc, seed=seed)
        fc = model.forecast(sc, seed=seed)
        assert np.array_equal(played.positions, fc.positions)
        assert len(played.results) == 4
        realised = [e.data["realised"] for e in fc.events if e.kind == "round"]
        assert realised == [r.n_realised for r in played.results]
        assert sum(realised) > 0  # the scenario trades
        arr = sc.arrays()
        voting = [fc.details[i]["voting_outcome"] for i in arr.issue_ids]
        w = np.where(arr.present, arr.salience * arr.capability, 0.0)
        mean = (w * np.where(arr.present, played.voting, 0.0)).sum(0) / w.sum(0)
        assert mean == pytest.approx(voting, abs=1e-9)


def test_play_reports_progress_to_the_given_listener():
    heard: list[tuple[float, str]] = []
    Exchange(rounds=3).play(
        load_bundled("us-russia-reset"), seed=0, report=lambda s, t: heard.append((s, t))
    )
    shares = [s for s, _ in heard]
    assert shares == sorted(shares) and shares[0] == 0.0 and shares[-1] == 1.0
    assert heard[-1][1] == "exchange: round 3 of 3"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_first_round_candidates_counts_the_listed_candidates(seed):
    """The count equals the length of the first round's candidate list, on scales other
    than 0..100 and with absent stances."""
    sc = random_scenario(15, 5, seed)
    arr = sc.arrays()
    x = (arr.position - arr.low) / (arr.high - arr.low) * 100.0
    left = _sides(x, arr.salience, arr.capability, arr.present, None)[3]
    listed = candidate_pairs(left, arr.present)[0].size
    assert listed > 0
    assert first_round_candidates(sc) == listed
    played = Exchange(rounds=1).play(sc, seed=0)
    assert played.results[0].n_candidates == listed
