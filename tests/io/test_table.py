"""Long-form tables: CSV and XLSX, reading, writing, and row-numbered errors."""

from __future__ import annotations

import numpy as np
import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import InputError, InputNotice
from detente.io import load_scenario, save_scenario
from detente.io.table import csv_text, parse_csv, table_rows
from detente.scenario import Actor, Issue, Provenance, Scale, Scenario, Stance


@pytest.fixture
def labelled() -> Scenario:
    prov = Provenance(source="001", location="para 7", rationale="named in the essay")
    return Scenario(
        id="labelled",
        actors=(
            Actor(id="us", name="United States", capability=0.14),
            Actor(id="ru", name="Russia, the Federation", capability=0.04),
        ),
        issues=(
            Issue(
                id="sanctions",
                name="Sanctions",
                scale=Scale(low=-5, high=5, low_label="lifted", high_label="tightened"),
                reference=2.5,
                outcome=1,
            ),
            Issue(id="cyber", reference=40),
        ),
        stances=(
            Stance(actor="us", issue="sanctions", position=4.5, salience=0.9, provenance=prov),
            Stance(actor="ru", issue="sanctions", position=-5, salience=1.0, capability=0.3),
            Stance(actor="us", issue="cyber", position=80, salience=0.1 + 0.2),
            Stance(actor="ru", issue="cyber", position=20, salience=0.4),
        ),
    )


def _same_numbers(a: Scenario, b: Scenario, rtol: float) -> None:
    x, y = a.arrays(), b.arrays()
    assert x.actor_ids == y.actor_ids and x.issue_ids == y.issue_ids
    for name in ("position", "salience", "capability", "present", "low", "high", "reference"):
        np.testing.assert_allclose(getattr(x, name), getattr(y, name), rtol=rtol, err_msg=name)


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_round_trip(labelled, tmp_path, ext):
    back = load_scenario(save_scenario(labelled, tmp_path / f"t.{ext}"))
    # CSV is exact (full precision); a workbook keeps 15 significant digits (0.1 + 0.2
    # comes back as 0.3), hence a relative tolerance of 1e-15 for XLSX
    _same_numbers(labelled, back, rtol=0.0 if ext == "csv" else 1e-15)
    assert back.id == "t"
    assert [a.name for a in back.actors] == ["United States", "Russia, the Federation"]
    iss = back.issue("sanctions")
    assert (iss.name, iss.scale, iss.reference, iss.outcome) == (
        "Sanctions",
        labelled.issue("sanctions").scale,
        2.5,
        1.0,
    )
    assert (
        back.stance("us", "sanctions").provenance == labelled.stance("us", "sanctions").provenance
    )
    # ru's capability varies across its rows (0.3 on sanctions, 0.04 elsewhere): kept per stance
    assert back.stance("ru", "sanctions").capability == 0.3
    assert back.stance("ru", "cyber").capability == 0.04
    # us has one capability on every row: an actor attribute again
    assert back.actor("us").capability == 0.14 and back.stance("us", "cyber").capability is None


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_round_trip_tiny_is_equal(tiny, tmp_path, ext):
    """Without per-stance capabilities or extras, the table round trip is exact."""
    assert load_scenario(save_scenario(tiny, tmp_path / f"tiny.{ext}")) == tiny


def test_writer_layout(labelled):
    header, rows = table_rows(labelled)
    assert header[:7] == [
        "actor",
        "actor_name",
        "issue",
        "issue_name",
        "position",
        "salience",
        "capability",
    ]
    assert len(rows) == len(labelled.stances)
    text = csv_text(labelled)
    assert text.splitlines()[1].startswith("us,United States,sanctions,Sanctions,4.5,0.9,0.14,")
    assert '"Russia, the Federation"' in text  # a comma inside a name is quoted
    assert "0.30000000000000004" in text  # full precision, not rounded


def test_minimal_columns_and_defaults():
    sc = parse_csv("actor,issue,position,salience\nA,x,10,0.5\nB,x,90,1\n", "m.csv", "m")
    assert sc.id == "m"
    assert [a.capability for a in sc.actors] == [1.0, 1.0]
    assert sc.issues[0].scale == Scale()


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab(sep):
    text = sep.join(["Actor", "Issue", "Position", "Salience", "Actor Name"]) + "\n"
    text += sep.join(["A", "x", "10,5".replace(",", "."), "0.5", "Alpha"]) + "\n"
    sc = parse_csv(text, "s.csv")
    assert sc.stances[0].position == 10.5 and sc.actors[0].name == "Alpha"


def test_issue_attributes_on_any_row():
    text = "actor,issue,position,salience,scale_high,reference\nA,x,10,0.5,,\nB,x,190,1,200,150\n"
    sc = parse_csv(text, "a.csv")
    assert sc.issues[0].scale.high == 200 and sc.issues[0].reference == 150


def test_saliences_on_0_100_rescaled_with_notice():
    text = "actor,issue,position,salience\nA,x,10,80\nB,x,90,35\nC,x,50,0\n"
    with pytest.warns(InputNotice, match=r"p\.csv: the saliences are on a 0\.\.100 scale"):
        sc = parse_csv(text, "p.csv")
    assert [s.salience for s in sc.stances] == [0.8, 0.35, 0.0]


def test_one_typo_among_unit_saliences_is_an_error_not_a_rescale():
    text = "actor,issue,position,salience\nA,x,10,0.8\nB,x,90,1.4\nC,x,50,0.3\n"
    with pytest.raises(InputError) as exc:
        parse_csv(text, "p.csv")
    assert str(exc.value).startswith("p.csv, row 3: B on x: salience must lie in [0, 1], got 1.4")


def test_row_numbers_count_blank_lines_and_header():
    text = "\nactor,issue,position,salience\n\nA,x,10,0.5\nB,x,-1,0.5\n"
    with pytest.raises(InputError, match=r"^r\.csv, row 5: B on x: position -1 lies outside"):
        parse_csv(text, "r.csv")


@pytest.mark.parametrize(
    ("text", "where", "expect"),
    [
        ("actor,issue,position\nA,x,1\n", "row 1", "missing column: salience"),
        ("actor,issue,position,salience,colour\nA,x,1,0.5,red\n", "row 1", "unknown column"),
        ("actor,issue,position,salience,Actor\nA,x,1,0.5,B\n", "row 1", "appears twice"),
        ("actor,issue,position,salience\n", "row 1", "a header but no stances"),
        ("actor,issue,position,salience\nA,x,1,0.5,9\n", "row 2", "the row has 5 fields"),
        ("actor,issue,position,salience\nA,,1,0.5\n", "row 2", "issue is empty"),
        ("actor,issue,position,salience\nA,x,one,0.5\n", "row 2", "position 'one' is not"),
        ("actor,issue,position,salience\nA,x,1,\n", "row 2", "A on x: salience is empty"),
        ("actor,issue,position,salience\nA,x,1,0.5\nA,x,2,0.5\n", "row 3", "a second row"),
        (
            "actor,issue,position,salience,capability\nA,x,1,0.5,-2\n",
            "row 2",
            "capability must be >= 0, got -2",
        ),
        (
            "actor,issue,position,salience,capability\nA,x,1,0.5,inf\n",
            "row 2",
            "capability must be a finite number",
        ),
        (
            "actor,issue,position,salience,scale_low,scale_high\nA,x,1,0.5,10,10\n",
            "row 2",
            "scale_high 10 must be greater than scale_low 10",
        ),
        (
            "actor,issue,position,salience,reference\nA,x,1,0.5,101\n",
            "row 2",
            "reference 101 of issue x lies outside",
        ),
        (
            "actor,issue,position,salience,issue_name\nA,x,1,0.5,X\nB,x,2,0.5,Y\n",
            "row 3",
            "issue_name 'Y' of issue x differs from 'X' given at row 2",
        ),
        (
            "actor,issue,position,salience,actor_name\nA,x,1,0.5,Al\nA,y,2,0.5,Alf\n",
            "row 3",
            "actor_name 'Alf' of A differs",
        ),
    ],
)
def test_errors_name_the_row(text, where, expect):
    with pytest.raises(InputError) as exc:
        parse_csv(text, "e.csv")
    assert exc.value.source == "e.csv" and exc.value.where == where
    assert expect in exc.value.problem


def test_all_problems_are_counted():
    text = "actor,issue,position,salience\nA,x,101,0.5\nB,x,1,2.5\nC,x,1,-1\n"
    with pytest.raises(InputError) as exc:
        parse_csv(text, "e.csv")
    assert exc.value.where == "row 2"
    assert str(exc.value).startswith(
        "e.csv, row 2: A on x: position 101 lies outside the issue's scale [0, 100] (allowed: "
    )
    assert str(exc.value).endswith(
        "; and 2 more problems, the next at row 3: B on x: salience must lie in [0, 1], got 2.5"
    )
    assert [p.where for p in exc.value.problems] == ["row 2", "row 3", "row 4"]


def test_bdm_like_header_gets_a_hint():
    with pytest.raises(InputError) as exc:
        parse_csv("actor,capability,position,salience\nA,1,2,0.5\n", "b.csv")
    assert "format 'bdm'" in (exc.value.allowed or "")


# ----------------------------------------------------------------------------- XLSX
def _workbook(path, rows, sheet="Sheet1", extra_first=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    if extra_first is not None:
        ws.title = extra_first
        ws.append(["notes"])
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_xlsx_reads_numbers_and_text_cells(tmp_path):
    path = _workbook(
        tmp_path / "w.xlsx",
        [
            ["Actor", "Issue", "Position", "Salience", "Capability"],
            ["A", 2020, 10, "0.5", 3],
            [None, None, None, None, None],
            ["B", 2020, 90.5, 1, 1],
        ],
    )
    sc = load_scenario(path)
    assert sc.issue_ids == ("2020",)  # a numeric id cell becomes the text '2020'
    assert [(s.actor, s.position, s.salience) for s in sc.stances] == [
        ("A", 10.0, 0.5),
        ("B", 90.5, 1.0),
    ]
    assert [a.capability for a in sc.actors] == [3.0, 1.0]


def test_xlsx_prefers_the_stances_sheet(tmp_path):
    rows = [["actor", "issue", "position", "salience"], ["A", "x", 1, 0.5]]
    path = _workbook(tmp_path / "w.xlsx", rows, sheet="stances", extra_first="readme")
    assert load_scenario(path).actor_ids == ("A",)


def test_xlsx_errors_name_sheet_and_row(tmp_path):
    rows = [["actor", "issue", "position", "salience"], ["A", "x", 1, 0.5], ["B", "x", 1, 7.5]]
    path = _workbook(tmp_path / "w.xlsx", rows, sheet="data")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert exc.value.where == "sheet 'data', row 3"
    assert "B on x: salience must lie in [0, 1], got 7.5" in exc.value.problem


def test_broken_xlsx(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        load_scenario(path)


# ----------------------------------------------------------------------------- property
_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=8,
)  # cells are stripped on reading, so ids here have no surrounding white space


@settings(max_examples=40, deadline=None)
@given(
    ids=st.lists(_text, min_size=1, max_size=4, unique=True),
    names=st.lists(_text | st.just('a, "quoted"\nname'), min_size=4, max_size=4),
    data=st.data(),
)
def test_csv_round_trip_property(ids, names, data):
    """Any ids and names (commas, quotes, line breaks, any script) and any numbers survive
    CSV writing and reading exactly, stance for stance."""
    n_issues = data.draw(st.integers(1, 3))
    low = data.draw(st.floats(-1e6, 1e6))
    span = data.draw(st.floats(1e-3, 1e6))
    issues = tuple(
        Issue(id=f"i{k}", name=names[k], scale=Scale(low=low, high=low + span))
        for k in range(n_issues)
    )
    stances = [
        Stance(
            actor=a,
            issue=f"i{k}",
            position=data.draw(st.floats(low, low + span)),
            salience=data.draw(st.floats(0, 1)),
        )
        for a in ids
        for k in range(n_issues)
        # every actor on issue 0, the first actor on all: a table has no stance-less issue
        if k == 0 or a == ids[0] or data.draw(st.booleans())
    ]
    sc = Scenario(
        actors=tuple(
            # the first actor has some capability: a scenario of all-zero capabilities is refused
            Actor(id=a, name=names[-1], capability=data.draw(st.floats(a == ids[0], 1e9)))
            for a in ids
        ),
        issues=issues,
        stances=tuple(stances),
    )
    back = parse_csv(csv_text(sc), "p.csv", sc.id)
    assert back.stances == sc.stances
    assert back.actors == sc.actors
    assert back.issue_ids == sc.issue_ids  # the first actor's rows list every issue in order
