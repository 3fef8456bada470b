"""The questionnaire workbook: sheets, columns, validations, skeletons, never overwriting."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from detente.errors import InputError
from detente.experts.survey import (
    STANCE_COLUMNS,
    Skeleton,
    load_base,
    parse_skeleton,
    survey_names,
    write_survey,
    write_surveys,
)


def _validations(ws) -> dict[str, tuple[str, str | None, str | None, str]]:
    """cell range -> (operator, formula1, formula2, type) of every validation of a sheet."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            out[rng] = (dv.operator, dv.formula1, dv.formula2, dv.type)
    return out


def test_workbook_sheets_columns_and_rows(small, tmp_path):
    path = write_survey(Skeleton.from_scenario(small), tmp_path / "q.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["stances", "outcomes", "instructions"]
    ws = wb["stances"]
    header = [c.value for c in ws[1]]
    assert tuple(header[: len(STANCE_COLUMNS)]) == STANCE_COLUMNS
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    # one row per issue and actor, issue by issue, answers blank, the scale's labels beside
    assert [(r[0], r[1]) for r in rows] == [
        (a, i) for i in ("x", "y") for a in ("alpha", "bravo", "charlie")
    ]
    assert all(r[2:7] == (None,) * 5 for r in rows)
    lab = {h: k for k, h in enumerate(header)}
    assert rows[0][lab["low_label"]] == "none at all"
    assert rows[0][lab["high_label"]] == "all of it"
    assert (rows[3][lab["scale_low"]], rows[3][lab["scale_high"]]) == (-10, 10)
    wo = wb["outcomes"]
    assert [c.value for c in wo[1]][:3] == ["issue", "forecast", "confidence"]
    assert [r[0] for r in wo.iter_rows(min_row=2, values_only=True)] == ["x", "y"]
    text = " ".join(str(c) for r in wb["instructions"].iter_rows(values_only=True) for c in r if c)
    assert "salience" in text and "clout" in text and "none at all" in text


def test_cells_are_validated_while_typing(small, tmp_path):
    wb = openpyxl.load_workbook(write_survey(Skeleton.from_scenario(small), tmp_path / "q.xlsx"))
    dv = _validations(wb["stances"])
    assert dv["C2:C4"][:3] == ("between", "0.0", "100.0")  # positions on x
    assert dv["C5:C7"][:3] == ("between", "-10.0", "10.0")  # positions on y
    assert dv["D2:D7"][:3] == ("between", "0.0", "1.0")  # salience
    assert dv["E2:E7"][:2] == ("greaterThanOrEqual", "0.0")  # capability
    assert dv["F2:F7"][:3] == ("between", "0.0", "1.0")  # confidence
    assert all(v[3] == "decimal" for v in dv.values())
    out = _validations(wb["outcomes"])
    assert out["B2"][:3] == ("between", "0.0", "100.0")
    assert out["B3"][:3] == ("between", "-10.0", "10.0")
    assert out["C2:C3"][:3] == ("between", "0.0", "1.0")


def test_numbered_copies_and_never_overwrite(small, tmp_path):
    sk = Skeleton.from_scenario(small)
    paths = write_surveys(sk, tmp_path / "out", 3)
    assert [p.name for p in paths] == ["expert_01.xlsx", "expert_02.xlsx", "expert_03.xlsx"]
    before = paths[0].read_bytes()
    with pytest.raises(InputError, match="exists already"):
        write_surveys(sk, tmp_path / "out", 3)
    assert paths[0].read_bytes() == before
    # one existing file among the names: nothing is written at all
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "expert_02.xlsx").write_text("mine")
    with pytest.raises(InputError, match=r"expert_02\.xlsx"):
        write_surveys(sk, tmp_path / "b", 3)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["expert_02.xlsx"]
    assert (tmp_path / "b" / "expert_02.xlsx").read_text() == "mine"
    assert survey_names(120)[0] == "expert_001.xlsx"
    with pytest.raises(InputError, match="at least 1"):
        survey_names(0)


SKELETON = """\
id: talks
actors:
  - id: north
    capability: 2
  - id: south
issues:
  - id: border
    scale: {low: 0, high: 10, low_label: closed, high_label: open}
    reference: 2
"""


def test_skeleton_without_stances(tmp_path):
    sk = parse_skeleton(SKELETON, "talks.yaml")
    assert not sk.has_stances
    assert sk.scenario.actor_ids == ("north", "south")
    f = tmp_path / "talks.yaml"
    f.write_text(SKELETON)
    assert load_base(str(f)).scenario.issue_ids == ("border",)
    wb = openpyxl.load_workbook(write_survey(sk, tmp_path / "q.xlsx"))
    assert wb["stances"].max_row == 3
    # the skeleton is checked like a scenario, with the line of the problem
    with pytest.raises(InputError, match=r"talks.yaml, line \d+: .*scale"):
        parse_skeleton(SKELETON.replace("high: 10", "high: -1"), "talks.yaml")
    with pytest.raises(InputError, match="needs a list of actors"):
        parse_skeleton("id: x\nactors: []\n", "x.yaml")


def test_load_base_bundled_and_unknown():
    assert load_base("us-russia-reset").has_stances
    with pytest.raises(InputError, match="no bundled scenario or file"):
        load_base(str(Path("nope") / "missing.yaml"))
