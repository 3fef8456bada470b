"""Format detection and dispatch: every reference case loads through ``load_scenario``."""

from __future__ import annotations

import warnings

import openpyxl
import pytest

from detente.errors import InputError, InputNotice
from detente.io import FORMATS, detect_format, load_scenario, save_scenario
from detente.io.detect import deu_module

EXPECTED = {
    "KTAB_SOE-Competitive.csv": "ktab",
    "KTAB_SOE-Pol-Comp.csv": "ktab",
    "KTAB_SOE-Policy.csv": "ktab",
    "KTAB_dummyData_3Dim.csv": "ktab",
    "decide_cop21.csv": "decide",
    "decide_copenhagen.csv": "decide",
    "decide_copenhagen_with_errors.csv": "decide",
    "decide_sample_data.txt": "decide",
    "dmasad_ExampleActors.csv": "bdm",
}
MALFORMED = {"decide_copenhagen_with_errors.csv"}


def test_formats_are_the_documented_names():
    assert FORMATS == ("yaml", "csv", "xlsx", "bdm", "decide", "ktab", "deu")


def test_every_reference_case_is_known(shared_data):
    """A new file in reference_cases/ must be added to EXPECTED (and so get tested)."""
    present = {p.name for p in (shared_data / "reference_cases").iterdir() if p.is_file()}
    assert present == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reference_case_detected(shared_data, name):
    assert detect_format(shared_data / "reference_cases" / name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - MALFORMED))
def test_reference_case_loads(shared_data, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        sc = load_scenario(shared_data / "reference_cases" / name)
    arr = sc.arrays()
    assert arr.n_actors >= 7 and arr.n_issues >= 1
    assert arr.present.any(axis=1).all()  # every actor takes a stance somewhere
    assert ((arr.salience >= 0) & (arr.salience <= 1)).all()


def test_deu2_is_detected_and_loads(shared_data):
    if deu_module() is None:
        pytest.skip("detente.io.deu is not part of this installation")
    path = shared_data / "deu2" / "DEU2.csv"
    assert detect_format(path) == "deu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        sc = load_scenario(path)
    assert len(sc.issues) > 100


def test_format_override(shared_data):
    path = shared_data / "reference_cases" / "decide_copenhagen.csv"
    assert len(load_scenario(path, format="DECIDE").issues) == 7  # case-insensitive name
    with pytest.raises(InputError) as exc:
        load_scenario(path, format="bdm")  # a decide file read as BDM: the header is wrong
    assert exc.value.where == "line 1" and "not that of a BDM/Scholz file" in exc.value.problem


def test_unknown_format_name(tiny, tmp_path):
    path = save_scenario(tiny, tmp_path / "t.yaml")
    with pytest.raises(InputError) as exc:
        load_scenario(path, format="excel")
    assert exc.value.where == "--format" and "yaml, csv, xlsx" in (exc.value.allowed or "")


def test_options_only_for_deu(tiny, tmp_path):
    path = save_scenario(tiny, tmp_path / "t.yaml")
    with pytest.raises(InputError, match="takes no options"):
        load_scenario(path, issue="x")


def test_content_wins_over_a_misleading_extension(tiny, tmp_path):
    yaml_as_txt = save_scenario(tiny, tmp_path / "t.yaml").rename(tmp_path / "t.txt")
    assert detect_format(yaml_as_txt) == "yaml"
    assert load_scenario(yaml_as_txt) == tiny
    book = save_scenario(tiny, tmp_path / "t.xlsx").rename(tmp_path / "t.dat")
    assert detect_format(book) == "xlsx"  # recognised as a zip archive
    assert load_scenario(book) == tiny.replace(id="t")  # a table takes its id from the name
    table = save_scenario(tiny, tmp_path / "t.csv").rename(tmp_path / "t.tsv")
    assert detect_format(table) == "csv"


def test_long_table_with_a_misspelt_column_goes_to_the_table_reader(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("actor,issue,position,salence\nA,x,1,0.5\n")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    assert exc.value.where == "row 1" and "unknown column 'salence'" in exc.value.problem


def test_xlsx_by_extension(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["actor", "issue", "position", "salience"])
    wb.active.append(["A", "x", 5, 0.5])
    wb.save(tmp_path / "w.xlsx")
    assert detect_format(tmp_path / "w.xlsx") == "xlsx"


def test_unrecognised_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Dear diary,\ntoday nothing happened.\n")
    with pytest.raises(InputError) as exc:
        detect_format(path)
    assert "cannot tell which format" in exc.value.problem
    assert "--format" in (exc.value.allowed or "")
