"""Agreement analysis on cases solved by hand (linear utilities, two parties, two issues)."""

from __future__ import annotations

import numpy as np
import pytest

from detente.bargaining import agreement, is_reset, package_gains, trades
from detente.errors import InputError
from detente.scenario import Actor, Issue, Scenario, Stance


def _two_party(sal_b=(0.5, 1.0), ref=(50.0, 50.0)):
    return Scenario(
        id="hand",
        actors=(Actor(id="A"), Actor(id="B")),
        issues=(Issue(id="p", reference=ref[0]), Issue(id="q", reference=ref[1])),
        stances=(
            Stance(actor="A", issue="p", position=0, salience=1.0),
            Stance(actor="A", issue="q", position=0, salience=0.25),
            Stance(actor="B", issue="p", position=100, salience=sal_b[0]),
            Stance(actor="B", issue="q", position=100, salience=sal_b[1]),
        ),
    )


def test_nash_and_ks_by_hand():
    # g_A = (50 - o_p) + .25 (50 - o_q);  g_B = .5 (o_p - 50) + (o_q - 50)
    # frontier vertices (62.5, -75) -> (37.5, 25) at (0, 100) -> (-62.5, 75)
    # NBS: the vertex (0, 100), product 937.5 (the interior optima fall outside the segments)
    # ideal point (43.75, 43.75) -> KS on the diagonal: o_p = 100/12, o_q = 100, gains 29.1667
    ag = agreement(_two_party())
    assert ag.reset_possible
    np.testing.assert_allclose(ag.nash.outcome, [0.0, 100.0], atol=1e-9)
    np.testing.assert_allclose(ag.nash.gains, [37.5, 25.0], atol=1e-9)
    np.testing.assert_allclose(ag.ideal, [43.75, 43.75], atol=1e-9)
    np.testing.assert_allclose(ag.kalai_smorodinsky.outcome, [100 / 12, 100.0], atol=1e-6)
    np.testing.assert_allclose(ag.kalai_smorodinsky.gains, [175 / 6, 175 / 6], atol=1e-6)
    got = [tuple(np.round(p.gains, 6)) for p in ag.frontier]
    assert got == [(62.5, -75.0), (37.5, 25.0), (-62.5, 75.0)]
    assert ag.zone_ranges()["q"] == (100.0, 100.0)


def test_symmetric_case_nash_equals_ks():
    ag = agreement(_two_party(sal_b=(0.25, 1.0)))
    np.testing.assert_allclose(ag.nash.gains, [37.5, 37.5], atol=1e-9)
    np.testing.assert_allclose(ag.kalai_smorodinsky.gains, [37.5, 37.5], atol=1e-6)


def test_no_reset_when_interests_are_opposed():
    # equal saliences: every gain for one is an equal loss for the other
    ag = agreement(_two_party(sal_b=(1.0, 0.25)))
    assert not ag.reset_possible
    assert ag.nash is None
    assert ag.zone == ()


def test_package_gains_and_trades():
    sc = _two_party()
    np.testing.assert_allclose(package_gains(sc, np.array([0.0, 100.0])), [37.5, 25.0])
    ts = trades(sc)
    assert [(t.gives_a, t.gives_b) for t in ts] == [("q", "p")]
    assert ts[0].gain_a == pytest.approx(37.5) and ts[0].gain_b == pytest.approx(25.0)


def test_quadratic_loss_nash_is_on_frontier():
    ag = agreement(_two_party(), loss="quadratic")
    assert ag.reset_possible
    # no frontier vertex dominates the NBS
    for p in ag.frontier:
        assert not np.all(p.gains > ag.nash.gains + 1e-6)


def test_missing_reference_is_explained(tiny):
    with pytest.raises(InputError, match="no reference point: y"):
        agreement(tiny, ("a", "b"))


def test_is_reset_needs_every_party_strictly_better_off():
    assert is_reset(np.array([1.0, 0.5]))
    assert not is_reset(np.array([1.0, 0.0])) and not is_reset(np.array([1.0, 1e-12]))
    np.testing.assert_array_equal(is_reset(np.array([[1, 1], [1, -1]])), [True, False])


def test_the_packages_table_and_frames():
    ag = agreement(_two_party())
    t = ag.to_frame().set_index("issue")
    assert list(t.columns) == [
        "status quo",
        "Nash solution",
        "Kalai-Smorodinsky solution",
        "zone low",
        "zone high",
    ]
    np.testing.assert_allclose(t["Nash solution"], ag.nash.outcome)
    np.testing.assert_allclose(t["Kalai-Smorodinsky solution"], ag.kalai_smorodinsky.outcome)
    assert (t.loc["q", "zone low"], t.loc["q", "zone high"]) == ag.zone_ranges()["q"]
    frames = ag.to_frames()
    np.testing.assert_allclose(frames["gains"].loc["Nash solution"], ag.nash.gains)
    assert list(frames["trades"]["gives_a"]) == ["q"] and len(frames["frontier"]) == 3
    assert "packages exist that both prefer" in ag.summary()
    assert ag.to_dict()["reset_possible"] is True


def test_the_packages_table_without_a_reset():
    ag = agreement(_two_party(sal_b=(1.0, 0.25)))
    t = ag.to_frame()
    assert t["Nash solution"].isna().all() and t["zone low"].isna().all()
    assert list(ag.gains_frame().index) == ["status quo"]
    assert "no package leaves both better off" in ag.summary()
