"""Scenario schema: validation messages and the array view."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from detente.errors import InputError
from detente.scenario import (
    Actor,
    Condition,
    Effect,
    Issue,
    Linkage,
    Scale,
    Scenario,
    Stance,
    StanceChange,
    Variant,
)


def _base(**kw):
    data = dict(
        actors=(Actor(id="a"), Actor(id="b", capability=3)),
        issues=(Issue(id="x", scale=Scale(low=0, high=10), reference=5),),
        stances=(
            Stance(actor="a", issue="x", position=2, salience=0.5),
            Stance(actor="b", issue="x", position=8, salience=1),
        ),
    )
    data.update(kw)
    return Scenario(**data)


def test_arrays_and_mask(tiny):
    arr = tiny.arrays()
    assert arr.position.shape == (3, 2)
    assert arr.present.tolist() == [[True, True], [True, True], [True, False]]
    # absent stance: no weight
    assert arr.salience[2, 1] == 0 and arr.capability[2, 1] == 0
    assert arr.capability[0, 0] == 2.0
    assert np.isnan(arr.reference[1]) and arr.reference[0] == 50
    with pytest.raises(ValueError):
        arr.position[0, 0] = 1  # read-only view


@pytest.mark.parametrize(
    ("kw", "text"),
    [
        (dict(actors=(Actor(id="a"), Actor(id="a"))), "duplicate actor id"),
        (
            dict(stances=(Stance(actor="zz", issue="x", position=2, salience=0.5),)),
            "unknown actor 'zz'",
        ),
        (
            dict(stances=(Stance(actor="a", issue="q", position=2, salience=0.5),)),
            "unknown issue 'q'",
        ),
        (
            dict(
                stances=(
                    Stance(actor="a", issue="x", position=20, salience=0.5),
                    Stance(actor="b", issue="x", position=8, salience=1),
                )
            ),
            "outside the issue's scale [0, 10]",
        ),
        (
            dict(stances=(Stance(actor="b", issue="x", position=8, salience=1),)),
            "no stance on any issue: a",
        ),
        (dict(principals=("a", "nobody")), "principal 'nobody'"),
        (
            dict(issues=(Issue(id="x", scale=Scale(low=0, high=10)), Issue(id="z"))),
            "no actor takes a stance: z",
        ),
    ],
)
def test_invalid_scenarios_name_the_problem(kw, text):
    with pytest.raises(ValidationError, match=None) as exc:
        _base(**kw)
    assert text in str(exc.value)


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda: Stance(actor="a", issue="x", position=1, salience=1.5), "salience must lie"),
        (lambda: Stance(actor="a", issue="x", position=float("nan"), salience=1), "finite"),
        (lambda: Actor(id="a", capability=-1), "capability must be >= 0"),
        (lambda: Actor(id="a", capability=float("inf")), "finite"),
        (lambda: Scale(low=5, high=5), "greater than"),
    ],
)
def test_field_validation(make, text):
    with pytest.raises(ValidationError) as exc:
        make()
    assert text in str(exc.value)


def test_frozen():
    s = _base()
    with pytest.raises(ValidationError):
        s.id = "other"  # type: ignore[misc]


def test_hash_is_stable_and_sensitive():
    assert _base().input_hash() == _base().input_hash()
    changed = _base().with_changes([StanceChange(actor="a", issue="x", position=3)])
    assert changed.input_hash() != _base().input_hash()
    assert changed.stance("a", "x").position == 3


def test_variant_applies_changes():
    v = Variant(id="v1", changes=(StanceChange(actor="b", issue="x", salience=0.2),))
    s = _base(variants=(v,))
    out = s.variant("v1")
    assert out.stance("b", "x").salience == 0.2
    assert out.id.endswith("@v1")
    with pytest.raises(InputError, match="unknown variant"):
        s.variant("nope")


def test_linkage_validation():
    link = Linkage(
        id="l", when=Condition(issue="x", op="<", value=3), then=Effect(kind="hold", issue="y")
    )
    with pytest.raises(ValidationError, match="unknown issue 'y'"):
        _base(linkages=(link,))


def test_from_arrays_round_trip(tiny):
    arr = tiny.arrays()
    pos = arr.position.copy()
    pos[0, 0] = 33
    out = Scenario.from_arrays(tiny, position=pos)
    assert out.stance("a", "x").position == 33
    assert out.stance("c", "y") is None  # absent stays absent
