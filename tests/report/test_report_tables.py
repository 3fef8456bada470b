"""Tables of the dashboard and the report: every number beside its source and rationale."""

from __future__ import annotations

import numpy as np
import pytest

from detente.models import get_model
from detente.report.tables import (
    STANCE_COLUMNS,
    actors_table,
    gains_by_principal,
    gains_table,
    issues_table,
    linkages_table,
    outcome_table,
    sources_table,
    stances_table,
    variants_table,
)
from detente.utility import gains


def test_stances_table_puts_provenance_beside_each_number(documented):
    t = stances_table(documented)
    assert tuple(t.columns) == STANCE_COLUMNS
    assert len(t) == len(documented.stances)
    for st in documented.stances:
        row = t[(t.actor == st.actor) & (t.issue == st.issue)].iloc[0]
        assert row.position == st.position and row.salience == st.salience
        assert row.source == st.provenance.source
        assert row.location == st.provenance.location
        assert row.rationale == st.provenance.rationale
    # the actor's capability where the stance has none of its own
    assert t[t.actor == "a"].capability.tolist() == [2.0, 2.0]
    # actor order, then issue order
    assert list(zip(t.actor, t.issue, strict=True))[:3] == [("a", "x"), ("a", "y"), ("b", "x")]


def test_actor_issue_and_source_tables(documented):
    a = actors_table(documented)
    assert a.set_index("actor").loc["b", "rationale"] == "cap B"
    i = issues_table(documented).set_index("issue")
    assert i.loc["x", "low end"] == "none" and i.loc["x", "high end"] == "all"
    assert i.loc["y", "reference"] == 0.0 and i.loc["y", "location"] == "¶5"
    s = sources_table(documented)
    assert s.iloc[0].to_dict() == {
        "id": "s1",
        "title": "Essay one",
        "author": "Someone",
        "year": "2001",
        "note": "",
    }


def test_linkage_and_variant_tables_read_as_rules(documented):
    link = linkages_table(documented).iloc[0]
    assert link.rule == "while x < 5, b holds its position on y"
    assert link.rationale == "B keeps Y while X is low"
    var = variants_table(documented).iloc[0]
    assert (var.variant, var.actor, var.issue, var.position) == ("soft", "a", "x", 40.0)
    assert np.isnan(var.salience) and var.rationale == "A gives"


def test_outcome_table_holds_each_models_outcome(documented, tiny):
    fc = [get_model("compromise").forecast(tiny), get_model("median").forecast(tiny)]
    t = outcome_table(tiny, fc).set_index("issue")
    assert list(t.columns) == ["name", "reference", "compromise", "median"]
    # hand check (tiny fixture), exact: x = (2*1*10 + 1*.5*70 + 1*.5*100) / (2 + .5 + .5)
    assert t.loc["x", "compromise"] == pytest.approx((20 + 35 + 50) / 3.0, abs=1e-12)
    assert t.loc["x", "reference"] == 50.0
    assert np.isnan(t.loc["y", "reference"])


def test_gains_table_matches_utility_gains(documented):
    f = get_model("compromise").forecast(documented)
    t = gains_table(documented, [f]).set_index("issue")
    g = gains(documented, f.outcome)
    assert list(t.columns) == ["compromise: a", "compromise: b"]
    for k, iss in enumerate(documented.issue_ids):
        assert t.loc[iss, "compromise: a"] == pytest.approx(g[0, k], abs=1e-12)
        assert t.loc[iss, "compromise: b"] == pytest.approx(g[1, k], abs=1e-12)
    assert t.loc["total", "compromise: b"] == pytest.approx(np.nansum(g[1]), abs=1e-12)


def test_gains_by_principal_one_narrow_table_each(documented):
    fc = [get_model(m).forecast(documented) for m in ("compromise", "median")]
    wide = gains_table(documented, fc).set_index("issue")
    tables = gains_by_principal(documented, fc)
    assert list(tables) == ["Alpha", "Beta"]  # the principals' names
    for name, p in (("Alpha", "a"), ("Beta", "b")):
        t = tables[name].set_index("issue")
        assert list(t.columns) == ["compromise", "median"]
        assert list(t.index) == [*documented.issue_ids, "total"]
        for m in ("compromise", "median"):
            np.testing.assert_array_equal(t[m].to_numpy(), wide[f"{m}: {p}"].to_numpy())
    assert gains_by_principal(documented, []) == {}
