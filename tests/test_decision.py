"""Who decides: decision rules on the hand-checkable example, for every model, and their
invariants (veto-player theory, Tsebelis 2002; module :mod:`detente.decision`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.decision import apply_decisions, decision_arrays
from detente.errors import InputError
from detente.models import available, get_model
from detente.scenario import Scenario

#: tolerance of the hand-checked figures (closed forms on round numbers)
TOL = 1e-9


def hand_example(reference: float, decision: dict[str, Any] | None) -> Scenario:
    """Actors a (capability 3), b (1), c (1); every salience 1; positions a 80, b 30, c 90."""
    issue: dict[str, Any] = {"id": "x", "reference": reference}
    if decision is not None:
        issue["decision"] = decision
    return Scenario.model_validate(
        {
            "id": "hand",
            "actors": [
                {"id": "a", "capability": 3},
                {"id": "b", "capability": 1},
                {"id": "c", "capability": 1},
            ],
            "issues": [issue],
            "stances": [
                {"actor": "a", "issue": "x", "position": 80, "salience": 1},
                {"actor": "b", "issue": "x", "position": 30, "salience": 1},
                {"actor": "c", "issue": "x", "position": 90, "salience": 1},
            ],
        }
    )


CASES = [
    (50.0, {"rule": "unanimity", "veto": ["a", "b"]}, 50.0),
    (50.0, {"rule": "unilateral", "actor": "b"}, 30.0),
    (50.0, {"rule": "majority", "threshold": 0.6}, 72.0),
    (20.0, {"rule": "unanimity", "veto": ["a", "c"]}, 72.0),
    (50.0, None, 72.0),
]


@pytest.mark.parametrize(("reference", "decision", "expected"), CASES)
def test_hand_example_with_the_compromise_model(reference, decision, expected) -> None:
    f = get_model("compromise").forecast(hand_example(reference, decision))
    assert f.outcome[0] == pytest.approx(expected, abs=TOL)


def test_hand_example_majority_with_the_median_model() -> None:
    # weighted median 80 lies in the majority's set [50, 100]
    f = get_model("median").forecast(hand_example(50.0, {"rule": "majority", "threshold": 0.6}))
    assert f.outcome[0] == pytest.approx(80.0, abs=TOL)


def _rule_applied(sc: Scenario, model: str) -> tuple[float, float, np.ndarray]:
    """A model's forecast under the rule, its forecast without the rule, final positions."""
    ruled = get_model(model).forecast(sc, seed=0)
    free = get_model(model).forecast(
        sc.replace(
            issues=(sc.issues[0].model_copy(update={"decision": type(sc.issues[0].decision)()}),)
        ),
        seed=0,
    )
    return float(ruled.outcome[0]), float(free.outcome[0]), ruled.positions[-1][:, 0]


@pytest.mark.parametrize("model", available())
@pytest.mark.parametrize(("reference", "decision", "expected"), CASES)
def test_every_model_applies_the_rule_to_its_own_final_positions(
    model, reference, decision, expected
) -> None:
    sc = hand_example(reference, decision)
    ruled, free, final = _rule_applied(sc, model)
    arr = sc.arrays()
    want, _ = apply_decisions(
        decision_arrays(sc),
        final[:, None],
        arr.capability,
        arr.present,
        arr.low,
        arr.high,
        arr.reference,
        np.array([free]),
    )
    assert ruled == pytest.approx(float(want[0]), abs=TOL)
    if decision is not None and decision["rule"] == "unilateral":
        assert ruled == pytest.approx(final[1], abs=TOL)


def test_a_binding_rule_leaves_a_trace_event() -> None:
    f = get_model("compromise").forecast(
        hand_example(50.0, {"rule": "unanimity", "veto": ["a", "b"]})
    )
    texts = [e.text for e in f.events if e.kind == "decision"]
    assert texts and "b's veto holds x at the status quo" in texts[0]


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ({"rule": "unilateral", "actor": "zz"}, "unknown actor 'zz'"),
        ({"rule": "majority", "threshold": 1.5}, "threshold must lie in (0, 1]"),
        ({"rule": "majority", "threshold": 0}, "threshold must lie in (0, 1]"),
        ({"rule": "unanimity", "veto": []}, "non-empty veto list"),
        ({"rule": "unilateral"}, "needs actor"),
        ({"rule": "vote"}, "rule"),
    ],
)
def test_invalid_rules_are_refused(decision, message) -> None:
    with pytest.raises((InputError, ValueError), match=None) as err:
        hand_example(50.0, decision)
    assert message in str(err.value)


def test_a_decider_needs_a_stance_and_a_ruled_issue_a_reference() -> None:
    base = hand_example(50.0, None).model_dump(mode="json")
    base["issues"].append(
        {"id": "y", "reference": 10, "decision": {"rule": "unilateral", "actor": "c"}}
    )
    base["stances"].append({"actor": "a", "issue": "y", "position": 0, "salience": 1})
    with pytest.raises(ValueError, match="'c' takes no stance"):
        Scenario.model_validate(base)
    base["issues"][-1] = {"id": "y", "decision": {"rule": "unanimity", "veto": ["a"]}}
    with pytest.raises(ValueError, match="needs the issue's reference"):
        Scenario.model_validate(base)


positions = st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=6)


@settings(max_examples=200, deadline=None)
@given(positions, st.floats(0, 100), st.floats(0, 100), st.data())
def test_rule_invariants(pos, ref, aggregate, data) -> None:
    n = len(pos)
    p = np.array(pos)[:, None]
    cap = np.array(data.draw(st.lists(st.floats(0.1, 10), min_size=n, max_size=n)))[:, None]
    present = np.ones((n, 1), dtype=bool)
    low, high, reference = np.array([0.0]), np.array([100.0]), np.array([ref])
    veto = np.zeros((n, 1), dtype=bool)
    veto[data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True)), 0] = True
    from detente.decision import DecisionArrays

    def run(rule: int, threshold: float = np.nan, actor: int = -1) -> float:
        rules = DecisionArrays(
            rule=np.array([rule], dtype=np.int8),
            actor=np.array([actor]),
            veto=veto,
            threshold=np.array([threshold]),
        )
        out, _ = apply_decisions(
            rules, p, cap, present, low, high, reference, np.array([aggregate])
        )
        return float(out[0])

    # unilateral: the actor's final position
    k = data.draw(st.integers(0, n - 1))
    assert run(1, actor=k) == p[k, 0]
    # unanimity: gridlock when two veto players sit on opposite sides of the status quo
    u = run(2)
    vp = p[veto[:, 0], 0]
    if (vp < ref).any() and (vp > ref).any():
        assert u == pytest.approx(ref, abs=1e-9)
    # every veto player weakly prefers the outcome to the status quo
    assert (np.abs(vp - u) <= np.abs(vp - ref) + 1e-9).all()
    # majority: a share t of capability weakly prefers the outcome to the status quo
    t = data.draw(st.floats(0.05, 1.0))
    m = run(3, threshold=t)
    support = cap[np.abs(p[:, 0] - m) <= np.abs(p[:, 0] - ref) + 1e-9, 0].sum()
    assert support >= t * cap.sum() - 1e-9
    # no rule leaves the scale
    for x in (u, m):
        assert 0.0 <= x <= 100.0
