"""decide input files: the COP21, Copenhagen and sample cases, and the malformed file."""

from __future__ import annotations

import csv
from statistics import fmean

import pytest

from detente.errors import InputError
from detente.io import load_scenario
from detente.io.decide import parse_decide, read_decide

FILES = ["decide_cop21.csv", "decide_copenhagen.csv", "decide_sample_data.txt"]


def _records(path):
    """The file's records, read independently of the reader under test."""
    out: dict[str, list[list[str]]] = {}
    with path.open(newline="") as fh:
        for row in csv.reader(fh, delimiter="\t", quotechar="'"):
            if row:
                out.setdefault(row[0], []).append(row[1:])
    return out


@pytest.mark.parametrize("name", FILES)
def test_reference_file_matches_its_records(shared_data, name):
    path = shared_data / "reference_cases" / name
    sc = read_decide(path)
    rec = _records(path)
    assert sc.actor_ids == tuple(r[0] for r in rec["#A"])
    assert sc.issue_ids == tuple(r[0] for r in rec["#P"])
    assert len(sc.stances) == len(rec["#D"])
    for actor, issue, pos, sal, power, *_ in rec["#D"]:
        st = sc.stance(actor, issue)
        assert st is not None
        assert (st.position, st.salience, st.capability) == (float(pos), float(sal), float(power))
    for a in sc.actors:  # the actor's capability is the mean of its powers
        powers = [float(r[4]) for r in rec["#D"] if r[0] == a.id]
        assert a.capability == pytest.approx(fmean(powers), rel=1e-12)
    bounds: dict[str, list[float]] = {}
    for issue, value, *_ in rec.get("#M", []):
        bounds.setdefault(issue, []).append(float(value))
    for iss in sc.issues:
        b = bounds.get(iss.id, [0.0, 100.0])
        assert (iss.scale.low, iss.scale.high) == (min(b), max(b))


def test_sample_data_has_its_own_scale(shared_data):
    sc = read_decide(shared_data / "reference_cases" / "decide_sample_data.txt")
    iss = sc.issue("tol-hoogte")
    assert (iss.scale.low, iss.scale.high) == (0.5, 7.0)
    assert iss.description is None and sc.issue("wanneer-tol").description == (
        "Wat is dit voor onzin?"
    )
    assert sc.actor("Willems").description == "Test"


def test_copenhagen_present_mask(shared_data):
    """Russia has no #D rows on Commitments and Extra: absent there, present elsewhere."""
    sc = load_scenario(shared_data / "reference_cases" / "decide_copenhagen.csv")
    arr = sc.arrays()
    r = arr.actor_ids.index("Russia")
    absent = {arr.issue_ids[i] for i in range(arr.n_issues) if not arr.present[r, i]}
    assert absent == {"Commitments", "Extra"}


def test_malformed_copenhagen_names_both_errors_with_lines(shared_data):
    path = shared_data / "reference_cases" / "decide_copenhagen_with_errors.csv"
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    err = exc.value
    assert err.source == str(path)
    assert err.where == "line 86"
    assert err.problem.startswith(
        "Russia on Control: position 160 lies outside the issue's scale [0, 100]"
    )
    assert "line 87: China India on Control: power must be >= 0, got -0.247" in str(err)
    assert [p.where for p in err.problems] == ["line 86", "line 87"]
    assert "#M" in (err.allowed or "")
    lines = path.read_text().splitlines()
    assert "\tRussia\tControl\t160\t" in lines[86 - 1]
    assert "\t-0.247" in lines[87 - 1]


def test_unquoted_title_and_comments(shared_data):
    """The malformed file is otherwise readable: with its two values fixed it loads."""
    path = shared_data / "reference_cases" / "decide_copenhagen_with_errors.csv"
    text = path.read_text().replace("\t160\t", "\t60\t").replace("\t-0.247", "\t0.247")
    sc = parse_decide(text, "fixed.csv")
    assert sc.name == "Copenhagen negotiations"
    assert sc.issue("Newtreaty").name == "Copenhagen new treaty vs extension of Kyoto"
    assert len(sc.stances) == 75


BASE = (
    "#A\tA\tAlpha\n#A\tB\tBeta\n#P\tx\tEx\n#M\tx\t0\tnone\n#M\tx\t10\tall\n"
    "#D\tA\tx\t2\t0.5\t1\n#D\tB\tx\t8\t0.9\t3\n"
)


def test_small_file_and_scale_labels():
    sc = parse_decide(BASE, "d.csv", "d")
    assert sc.id == "d"
    sc_x = sc.issue("x")
    assert (sc_x.scale.low, sc_x.scale.high, sc_x.scale.low_label, sc_x.scale.high_label) == (
        0.0,
        10.0,
        "none",
        "all",
    )
    assert [a.name for a in sc.actors] == ["Alpha", "Beta"]


def test_semicolon_delimiter():
    sc = parse_decide(BASE.replace("\t", ";"), "d.csv")
    assert len(sc.stances) == 2


@pytest.mark.parametrize(
    ("old", "new", "where", "expect"),
    [
        ("#D\tB\tx\t8", "#D\tC\tx\t8", "line 2", "actor 'B' has no #D row"),
        ("#D\tB\tx\t8", "#D\tC\tx\t8", None, "#D names actor 'C', which no #A row declares"),
        ("#D\tB\tx\t8", "#D\tB\ty\t8", "line 7", "#D names issue 'y', which no #P row declares"),
        ("#A\tB\tBeta", "#A\tA\tBeta", "line 2", "actor id 'A' is declared twice"),
        ("#D\tB\tx\t8\t0.9", "#D\tA\tx\t8\t0.9", None, "line 7: a second #D row for A on x"),
        ("#M\tx\t10\tall", "#M\tx\t0\tall", "line 4", "a single #M value 0"),
        ("#M\tx\t10\tall", "#M\tz\t10\tall", None, "line 5: #M names issue 'z'"),
        ("#D\tB\tx\t8", "#D\tB\tx\t11", "line 7", "B on x: position 11 lies outside"),
        ("0.9\t3", "1.9\t3", "line 7", "B on x: salience must lie in [0, 1], got 1.9"),
        ("0.9\t3", "0.9\t-3", "line 7", "B on x: power must be >= 0, got -3"),
        ("0.9\t3", "0.9\tinf", "line 7", "B on x: power must be a finite number"),
        ("0.9\t3", "0.9\t3,5", "line 7", "power '3,5' is not a number"),
        ("#D\tB\tx\t8\t0.9\t3", "#D\tB\tx\t8", "line 7", "a #D record needs actor, issue"),
        ("#A\tB\tBeta", "#X\tB\tBeta", "line 2", "unknown record kind '#X'"),
    ],
)
def test_errors(old, new, where, expect):
    assert old in BASE
    with pytest.raises(InputError) as exc:
        parse_decide(BASE.replace(old, new, 1), "d.csv")
    msg = str(exc.value)
    if where is not None:
        assert exc.value.where == where, msg
    assert expect in msg


def test_no_actor_or_issue():
    with pytest.raises(InputError, match="declares no actor"):
        parse_decide("#O\tTitle\n#/\tnothing else\n", "d.csv")
