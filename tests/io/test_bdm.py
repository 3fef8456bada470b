"""BDM/Scholz CSV: the EC emission-standards case and the format's errors."""

from __future__ import annotations

import csv

import pytest

from detente.errors import InputError, InputNotice
from detente.io import load_scenario
from detente.io.bdm import ISSUE_ID, parse_bdm, read_bdm


def test_ec_emission_case_matches_its_file(shared_data):
    path = shared_data / "reference_cases" / "dmasad_ExampleActors.csv"
    with pytest.warns(InputNotice, match="saliences are on a 0..100 scale; all 10 were divided"):
        sc = read_bdm(path)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sc.id == "dmasad_ExampleActors"
    assert sc.actor_ids == tuple(r["Actor"] for r in rows)
    assert sc.issue_ids == (ISSUE_ID,)
    assert (sc.issues[0].scale.low, sc.issues[0].scale.high) == (0.0, 100.0)
    for r in rows:
        st = sc.stance(r["Actor"], ISSUE_ID)
        assert st is not None
        assert st.position == float(r["Position"])
        assert st.salience == pytest.approx(float(r["Salience"]) / 100, abs=1e-15)
        assert sc.actor(r["Actor"]).capability == float(r["Capability"])


def test_detected_and_loaded(shared_data):
    path = shared_data / "reference_cases" / "dmasad_ExampleActors.csv"
    with pytest.warns(InputNotice):
        sc = load_scenario(path)
    assert sc.actor_ids[0] == "Netherlands" and len(sc.actors) == 10


def test_unit_saliences_need_no_notice(recwarn):
    sc = parse_bdm("Actor,Capability,Position,Salience\nA,1,10,0.5\nB,2,90,1\n", "b.csv")
    assert [s.salience for s in sc.stances] == [0.5, 1.0]
    assert not [w for w in recwarn if issubclass(w.category, InputNotice)]


def test_columns_in_any_order_and_case():
    sc = parse_bdm("salience,POSITION,actor,Capability\n0.5,10,A,3\n", "b.csv")
    assert sc.actors[0].capability == 3 and sc.stances[0].position == 10


def test_positions_beyond_0_100_take_their_range_with_notice():
    text = "Actor,Capability,Position,Salience\nA,1,-20,0.5\nB,1,250,0.5\nC,1,30,0.5\n"
    with pytest.warns(InputNotice, match=r"scale is taken as their range \[-20, 250\]"):
        sc = parse_bdm(text, "b.csv")
    assert (sc.issues[0].scale.low, sc.issues[0].scale.high) == (-20.0, 250.0)


@pytest.mark.parametrize(
    ("text", "where", "expect"),
    [
        ("Actor,Capability,Position\nA,1,2\n", "line 1", "missing salience"),
        ("Actor,Capability,Position,Salience,Issue\nA,1,2,3,x\n", "line 1", "unexpected 'issue'"),
        ("Actor,Capability,Position,Salience\n", "line 1", "a header but no actors"),
        ("Actor,Capability,Position,Salience\nA,1,2\n", "line 2", "the row has 3 fields"),
        ("Actor,Capability,Position,Salience\nA,1,2,0.5\nA,1,3,0.5\n", "line 3", "appears twice"),
        (
            "Actor,Capability,Position,Salience\nA,-1,2,0.5\n",
            "line 2",
            "A: capability must be >= 0",
        ),
        ("Actor,Capability,Position,Salience\nA,1,x,0.5\n", "line 2", "A: position 'x' is not"),
        ("Actor,Capability,Position,Salience\nA,1,2,nan\n", "line 2", "must be a finite number"),
        (
            "Actor,Capability,Position,Salience\nA,1,2,50\nB,1,2,60\nC,1,2,160\n",
            "line 4",
            "C: salience must lie in [0, 100] (this file gives saliences on 0..100), got 160",
        ),
        ('"Actor;Capability;Position;Salience"\n"A;1;2;3"\n', "line 1", "wrong delimiter"),
    ],
)
def test_errors(text, where, expect):
    with pytest.raises(InputError) as exc:
        parse_bdm(text, "b.csv")
    assert exc.value.where == where
    assert expect in exc.value.problem
