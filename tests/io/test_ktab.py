"""KTAB SMP CSV: the China SOE cases, the dummy 3-dimension case, and the format's errors."""

from __future__ import annotations

import csv

import pytest

from detente.errors import InputError
from detente.io.ktab import parse_ktab, read_ktab

CASES = {
    # file: (actors and dimensions in the title line, issue ids detente gives the dimensions)
    "KTAB_SOE-Competitive.csv": (34, ("Competitive",)),
    "KTAB_SOE-Policy.csv": (26, ("Policy",)),
    "KTAB_SOE-Pol-Comp.csv": (13, ("Policy", "Competitive")),
    "KTAB_dummyData_3Dim.csv": (7, ("dim1", "dim2", "dim3")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_reference_file_matches_its_rows(shared_data, name):
    path = shared_data / "reference_cases" / name
    n_actors, dims = CASES[name]
    sc = read_ktab(path)
    with path.open(newline="") as fh:
        rows = [[f.strip() for f in r] for r in csv.reader(fh) if any(f.strip() for f in r)]
    title, body = rows[0], rows[2:]
    assert sc.name == title[0]
    assert len(sc.actors) == n_actors == len(body)
    assert sc.issue_ids == dims
    for r in body:
        a = sc.actor(r[0])
        assert a.name == r[0] and a.description == r[1] and a.capability == float(r[2])
        for k, dim in enumerate(dims):
            st = sc.stance(r[0], dim)
            assert st is not None
            assert st.position == float(r[3 + 2 * k])
            # KTAB gives saliences on 0..100: divided by 100 (exact up to float rounding)
            assert st.salience == pytest.approx(float(r[4 + 2 * k]) / 100, abs=1e-15)
    for iss in sc.issues:
        assert (iss.scale.low, iss.scale.high) == (0.0, 100.0)


def test_description_with_commas_and_quotes(shared_data):
    sc = read_ktab(shared_data / "reference_cases" / "KTAB_dummyData_3Dim.csv")
    assert sc.description == "Dummy scenario to test reading format"
    sc = read_ktab(shared_data / "reference_cases" / "KTAB_SOE-Pol-Comp.csv")
    assert sc.description == "Scenario-0002;Combined Policy and Competitive"


GOOD = (
    "Case,A small case, 2, 2,\n"
    "Actor,Description,Influence,Trade Position,Trade Salience,Aid Position,Aid Salience,\n"
    "A,Alpha,10,20,30,40,50,\n"
    "B,Beta,5,60,70,80,90,\n"
)


def test_small_file():
    sc = parse_ktab(GOOD, "k.csv", "k")
    assert sc.id == "k" and sc.issue_ids == ("Trade", "Aid")
    assert sc.stance("B", "Aid").salience == 0.9


def test_actors_named_by_their_name_column_not_the_description(shared_data):
    # every actor of the dummy case has the description "Random Spatial Actor"
    sc = read_ktab(shared_data / "reference_cases" / "KTAB_dummyData_3Dim.csv")
    labels = [a.label for a in sc.actors]
    assert labels[:2] == ["SActor-00", "SActor-01"] and len(set(labels)) == len(labels)
    assert {a.description for a in sc.actors} == {"Random Spatial Actor"}
    sc = parse_ktab(GOOD, "k.csv", "k")
    assert [(a.label, a.description) for a in sc.actors] == [("A", "Alpha"), ("B", "Beta")]


@pytest.mark.parametrize(
    ("old", "new", "where", "expect"),
    [
        (" 2, 2,", " 3, 2,", "line 1", "the title line says 3 actors but the file has 2"),
        (" 2, 2,", " 2, 3,", "line 2", "says 3 dimension(s), which needs 6"),
        (" 2, 2,", " two, 2,", "line 1", "must end with the number of actors"),
        ("Actor,Description,Influence", "Name,Description,Influence", "line 2", "header line"),
        ("A,Alpha,10,20,30,40,50,", "A,Alpha,10,20,30,40,", "line 3", "has 6 field(s)"),
        ("A,Alpha,10,20,30,40,50,", "A,Alpha,-10,20,30,40,50,", "line 3", "must be >= 0"),
        ("A,Alpha,10,20,30,40,50,", "A,Alpha,10,120,30,40,50,", "line 3", "120 lies outside"),
        ("A,Alpha,10,20,30,40,50,", "A,Alpha,10,20,30,40,x,", "line 3", "'x' is not a number"),
        ("B,Beta,5,", "A,Beta,5,", "line 4", "actor id 'A' appears twice"),
    ],
)
def test_errors(old, new, where, expect):
    assert old in GOOD
    with pytest.raises(InputError) as exc:
        parse_ktab(GOOD.replace(old, new, 1), "k.csv")
    assert exc.value.where == where, str(exc.value)
    assert expect in exc.value.problem


def test_too_short():
    with pytest.raises(InputError, match="fewer than two lines"):
        parse_ktab("Case,desc,1,1\n", "k.csv")
