"""Linkages: the fast frozen-issue mask equals the full held mask, held in full."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.decision import decision_arrays
from detente.linkage import frozen_mask, held_mask
from detente.scenario import Scenario


def _scenario(links: list[dict[str, object]]) -> Scenario:
    actors = ["a", "b", "c"]
    issues = ["x", "y", "z"]
    return Scenario.model_validate(
        {
            "id": "links",
            "actors": [{"id": a} for a in actors],
            "issues": [{"id": i, "reference": 50} for i in issues],
            "stances": [
                {"actor": a, "issue": i, "position": 10 + 30 * n, "salience": 1}
                for n, a in enumerate(actors)
                for i in issues
            ],
            "linkages": links,
        }
    )


link = st.fixed_dictionaries(
    {
        "when": st.fixed_dictionaries(
            {
                "issue": st.sampled_from(["x", "y", "z"]),
                "op": st.sampled_from(["<", ">", "<=", ">="]),
                "value": st.floats(0, 100),
            },
            optional={"actor": st.sampled_from(["a", "b", "c"])},
        ),
        "then": st.one_of(
            st.fixed_dictionaries(
                {"kind": st.just("freeze"), "issue": st.sampled_from(["x", "y", "z", "*"])}
            ),
            st.fixed_dictionaries(
                {
                    "kind": st.just("hold"),
                    "issue": st.sampled_from(["x", "y", "z", "*"]),
                    "actor": st.sampled_from(["a", "b", "c"]),
                }
            ),
        ),
    }
)


@settings(max_examples=150, deadline=None)
@given(st.lists(link, min_size=1, max_size=6), st.integers(0, 2**32 - 1))
def test_frozen_mask_is_the_held_mask_held_in_full(links, seed) -> None:
    sc = _scenario([{"id": f"k{n}", **lk} for n, lk in enumerate(links)])
    arr = sc.arrays()
    rng = np.random.default_rng(seed)
    outcome = rng.uniform(0, 100, (7, 3))
    pos = rng.uniform(0, 100, (7, 3, 3))
    rules = decision_arrays(sc)
    full = held_mask(sc.linkages, arr, outcome, pos, rules)
    assert full is not None
    np.testing.assert_array_equal(
        frozen_mask(sc.linkages, arr, outcome, pos, rules), full.all(axis=-2)
    )
