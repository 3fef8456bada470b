"""Who decides, in long CSV/XLSX tables: the decision columns read, written and refused."""

from __future__ import annotations

import pytest

from detente.errors import InputError
from detente.io.table import csv_text, parse_csv
from detente.scenarios import load_bundled

HEADER = "actor,issue,position,salience,capability,reference,"
CSV = (
    HEADER
    + """decision,decision_actors,decision_threshold
a,x,80,1,3,50,majority,,0.6
b,x,30,1,1,,,,
c,x,90,1,1,,,,
a,y,80,1,3,50,unanimity,a; b,
b,y,30,1,1,,,,
a,z,10,1,3,50,unilateral,b,
b,z,30,1,1,,,,
"""
)


def test_decision_columns_are_read() -> None:
    sc = parse_csv(CSV, "t.csv")
    rules = {i.id: i.decision for i in sc.issues}
    assert (rules["x"].rule, rules["x"].threshold) == ("majority", 0.6)
    assert rules["y"].veto == ("a", "b")
    assert (rules["z"].rule, rules["z"].actor) == ("unilateral", "b")


def test_bundled_rules_survive_a_csv_round_trip() -> None:
    sc = load_bundled("us-russia-reset")
    back = parse_csv(csv_text(sc), "back.csv")
    for a, b in zip(sc.issues, back.issues, strict=True):
        assert (a.decision.rule, a.decision.actor, a.decision.veto, a.decision.threshold) == (
            b.decision.rule,
            b.decision.actor,
            b.decision.veto,
            b.decision.threshold,
        )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("majority,,0.6", "majority,,1.6", "threshold must lie in (0, 1]"),
        ("unilateral,b,", "unilateral,zz,", "unknown actor 'zz'"),
        ("unanimity,a; b,", "veto,a; b,", "decision.rule"),
    ],
)
def test_a_bad_rule_names_the_file(old: str, new: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_csv(CSV.replace(old, new), "t.csv")
    text = str(err.value)
    assert text.startswith("t.csv") and message in text
