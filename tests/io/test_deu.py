"""The DEU reader: columns, actors present, salience rescale, blanks, reference point,
outcomes, procedures, one scenario per proposal, and clear errors for bad files."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from detente.errors import InputError, InputNotice
from detente.io.deu import looks_like_deu, read_deu, read_deu_cases, read_deu_table

HEADER = "prnrnmc,isnrnmc,prnr,cod,prname,isnr,pcom,pep,pat,pbe,pepppty,rp,out,scom,sep,sat,sbe"
ROWS = [
    "1,1,d01001,2001/0001(COD),alpha,d01001i1,100,0,50,,20,0,60,50,50,100,0",
    "1,2,d01001,2001/0001(COD),alpha,d01001i2,0,100,,,,,20,100,100,0,0",
    "2,3,n02002,2002/0002(CNS),beta,n02002i1,80,,20,20,,100,40,100,0,100,",
]


def write(tmp_path: Path, rows: list[str] | None = None, header: str = HEADER) -> Path:
    p = tmp_path / "deu.csv"
    p.write_text("\n".join([header, *(ROWS if rows is None else rows)]) + "\n", encoding="utf-8")
    return p


def read(path: Path, **options: object):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNotice)
        sc = read_deu(path, capability="equal", **options)
    return sc, [str(w.message) for w in caught if issubclass(w.category, InputNotice)]


def test_header_detection():
    assert looks_like_deu(HEADER.split(","))
    assert looks_like_deu(["ISNR", "PCOM", "SCOM", "PEP", "SEP"])  # case-insensitive
    assert not looks_like_deu(["actor", "issue", "position", "salience"])
    # an id column but only one actor pair, or pairs without an id column
    assert not looks_like_deu(["isnr", "pcom", "scom"])
    assert not looks_like_deu(["pcom", "scom", "pep", "sep"])


def test_actors_stances_reference_and_outcome(tmp_path):
    sc, notes = read(write(tmp_path))
    # EP party columns (pepppty, no salience column) are not actors; 'be' has positions
    # only on the third issue
    assert sc.actor_ids == ("com", "ep", "at", "be")
    assert sc.actor("com").name == "European Commission"
    assert [i.id for i in sc.issues] == ["d01001i1", "d01001i2", "n02002i1"]
    i1, i2, i3 = sc.issues
    assert (i1.reference, i1.outcome) == (0.0, 60.0)
    assert (i2.reference, i2.outcome) == (None, 20.0)
    assert (i3.reference, i3.outcome) == (100.0, 40.0)
    # present where the position is given; saliences / 100
    assert sc.stance("at", "d01001i1").position == 50.0
    assert sc.stance("at", "d01001i1").salience == 1.0
    assert sc.stance("com", "d01001i1").salience == 0.5
    assert sc.stance("at", "d01001i2") is None
    assert sc.stance("be", "d01001i1") is None
    assert any("divided by 100" in n for n in notes)
    # procedures differ across the file: kept per issue
    assert sc.metadata["procedure:d01001i1"] == "COD"
    assert sc.metadata["procedure:n02002i1"] == "CNS"


def test_missing_values_written_as_na(tmp_path):
    rows = [r.replace(",,", ",NA,", 1) for r in ROWS]
    rows[1] = rows[1].replace("d01001i2,0,100,NA,", "d01001i2,0,100,.,")
    sc, _ = read(write(tmp_path, rows))
    assert sc.stance("be", "d01001i1") is None
    assert sc.stance("at", "d01001i2") is None
    assert sc.issue("d01001i2").reference is None


def test_missing_salience_rules(tmp_path):
    # 'be' has a position on n02002i1 but a blank salience
    path = write(tmp_path)
    sc, notes = read(path)
    # issue-mean: the mean salience of com (100) and at (100) -> 1.0
    assert sc.stance("be", "n02002i1").salience == pytest.approx(1.0, abs=1e-12)
    assert any("1 blank salience" in n and "line 4 be" in n for n in notes)
    sc, _ = read(path, missing_salience="drop")
    assert sc.stance("be", "n02002i1") is None
    sc, _ = read(path, missing_salience=30)
    assert sc.stance("be", "n02002i1").salience == pytest.approx(0.3, abs=1e-12)
    with pytest.raises(InputError, match="missing-salience"):
        read(path, missing_salience="median")
    with pytest.raises(InputError, match=r"outside 0\.\.100"):
        read(path, missing_salience=130)


def test_reference_options(tmp_path):
    path = write(tmp_path)
    sc, _ = read(path, reference="none")
    assert all(i.reference is None for i in sc.issues)
    sc, _ = read(path, reference="actor")
    assert "rp" in sc.actor_ids
    assert all(i.reference is None for i in sc.issues)
    st = sc.stance("rp", "d01001i1")
    assert st.position == 0.0
    # the mean salience of com (0.5), ep (0.5), at (1.0)
    assert st.salience == pytest.approx(2.0 / 3.0, abs=1e-12)
    assert sc.stance("rp", "d01001i2") is None  # no rp on that issue
    with pytest.raises(InputError, match="reference-point option"):
        read(path, reference="sq")


def test_cases_group_issues_by_proposal(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        cases = read_deu_cases(write(tmp_path), capability="equal")
    assert [c.id for c in cases] == ["d01001", "n02002"]
    assert [i.id for i in cases[0].issues] == ["d01001i1", "d01001i2"]
    assert cases[0].actor_ids == ("com", "ep", "at")
    assert cases[0].name == "alpha"
    assert cases[0].metadata["procedure"] == "COD"
    assert cases[1].metadata["procedure"] == "CNS"


def test_one_proposal(tmp_path):
    sc, _ = read(write(tmp_path), proposal="n02002")
    assert sc.id == "n02002" and sc.issue_ids == ("n02002i1",)
    with pytest.raises(InputError, match="no proposal 'x'"):
        read(write(tmp_path), proposal="x")


def test_equal_capabilities_give_the_institutions_the_state_mean(tmp_path):
    sc, _ = read(write(tmp_path))
    assert sc.stance("com", "d01001i1").capability == 1.0
    # no member state on the issue: institutions at 1 (the rule's factor)
    assert sc.stance("ep", "d01001i2").capability == 1.0


def test_auto_capability_without_tables_is_equal_and_says_so(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNotice)
        sc = read_deu(write(tmp_path))
    assert "equal" in str(sc.metadata["capability"])
    assert any("EU15.csv" in str(w.message) for w in caught)


def test_issue_with_no_position_is_left_out_with_a_notice(tmp_path):
    rows = [*ROWS, "3,6,d03003,2003/0003(COD),gamma,d03003i1,,,,,,,50,,,,"]
    sc, notes = read(write(tmp_path, rows))
    assert "d03003i1" not in sc.issue_ids
    assert any("d03003i1" in n for n in notes)


@pytest.mark.parametrize(
    ("row", "text"),
    [
        ("3,6,d03003,x,gamma,d03003i1,120,0,,,,,50,50,50,,", "line 5, column pcom: pcom is 120"),
        ("3,6,d03003,x,gamma,d03003i1,50,0,,,,,50,150,50,,", "line 5, column scom: scom is 150"),
        ("3,6,d03003,x,gamma,d03003i1,abc,0,,,,,50,50,50,,", "pcom 'abc' is not a number"),
        ("3,6,d03003,x,gamma,d01001i1,50,0,,,,,50,50,50,,", "issue id 'd01001i1' appears twice"),
        ("3,6,d03003,x,gamma,,50,0,,,,,50,50,50,,", "the issue id (isnr) is empty"),
        ("3,6,d03003,x,gamma,d03003i1,50,0,,,,,50,50,50,,,,,", "the row has 20 cells"),
    ],
)
def test_bad_cells_name_line_and_column(tmp_path, row, text):
    with pytest.raises(InputError) as exc:
        read(write(tmp_path, [*ROWS, row]))
    assert text in str(exc.value)
    assert str(tmp_path / "deu.csv") in str(exc.value)


def test_not_a_deu_file(tmp_path):
    p = write(tmp_path, ["a,b"], header="actor,issue")
    with pytest.raises(InputError, match="not a DEU table") as exc:
        read_deu_table(p)
    assert "line 1 (header)" in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_deu_table(tmp_path / "absent.csv")


def test_shared_deu2(shared_data):
    """DEU II as distributed: 197 issues of 75 proposals, 190 with an outcome, 29 actors
    (Commission, Parliament, 27 member states), 13 blank saliences beside a position."""
    path = shared_data / "deu2" / "DEU2.csv"
    table = read_deu_table(path)
    assert table.n_issues == 197
    assert len(table.proposals()) == 75
    assert int(np.isfinite(table.outcome).sum()) == 190
    assert len(table.codes) == 29 and table.codes[:2] == ("com", "ep")
    assert set(table.procedures) == {"COD", "CNS"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNotice)
        cases = read_deu_cases(path)
    assert len(cases) == 75
    assert any("13 blank salience(s)" in str(w.message) for w in caught)
    # the Council tables sit beside the file: 'auto' takes Shapley-Shubik indices
    assert "shapley" in str(cases[0].metadata["capability"])
    de = cases[0].stance("de", cases[0].issue_ids[0])
    assert de is not None and de.capability == pytest.approx(0.116666, abs=1e-12)
