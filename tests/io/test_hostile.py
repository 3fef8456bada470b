"""Hostile input, in every format: extreme magnitudes are refused before any arithmetic,
booleans are not numbers, zip bombs are not inflated, and what is silently odd (a missing
capability column, an id typo, an issue without outcome) is said in a notice."""

from __future__ import annotations

import math
import time
import warnings
import zipfile

import numpy as np
import pytest

from detente.errors import InputError, InputNotice
from detente.io import load_scenario, save_scenario
from detente.io.common import MAX_TYPO_IDS, near_duplicates, one_edit_apart
from detente.io.table import MAX_XLSX_UNZIPPED
from detente.models import available, get_model
from detente.scenario import (
    MAX_CAPABILITY,
    MAX_MAGNITUDE,
    Actor,
    Issue,
    Scale,
    Scenario,
    Stance,
)

YAML = """\
id: t
actors:
  - {id: alpha, capability: 1}
  - {id: beta, capability: 2}
issues:
  - {id: trade, reference: 50}
stances:
  - {actor: alpha, issue: trade, position: 10, salience: 0.5}
  - {actor: beta, issue: trade, position: 90, salience: 0.5}
"""

LONG = "actor,issue,position,salience,capability\nalpha,trade,10,0.5,1\nbeta,trade,90,0.5,2\n"
BDM = "Actor,Capability,Position,Salience\nalpha,1,10,50\nbeta,2,90,60\n"
DECIDE = (
    "#A\talpha\tAlpha\n#A\tbeta\tBeta\n#P\ttrade\tTrade\n#M\ttrade\t0\tnone\n"
    "#M\ttrade\t100\tall\n#D\talpha\ttrade\t10\t0.5\t1\n#D\tbeta\ttrade\t90\t0.9\t3\n"
)
KTAB = (
    "Case,A small case, 2, 1,\n"
    "Actor,Description,Influence,Trade Position,Trade Salience,\n"
    "alpha,Alpha,10,20,30,\n"
    "beta,Beta,5,60,70,\n"
)


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _err(path, **kw) -> InputError:
    with pytest.raises(InputError) as exc:
        load_scenario(path, **kw)
    err = exc.value
    assert str(path) in str(err), "every message names the file"
    assert "\n" not in str(err), "one line"
    return err


def _notices(path, **kw) -> tuple[Scenario, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNotice)
        sc = load_scenario(path, **kw)
    return sc, [str(w.message) for w in caught if issubclass(w.category, InputNotice)]


# ----------------------------------------------------------------------------- magnitudes
HUGE = "1e308"

CASES = [
    # (file name, text, (old, new)) with the hostile number written into one field
    ("y.yaml", YAML, ("position: 10", f"position: {HUGE}")),
    ("y.yaml", YAML, ("capability: 2", f"capability: {HUGE}")),
    ("y.yaml", YAML, ("reference: 50", f"reference: {HUGE}")),
    ("y.yaml", YAML, ("reference: 50", f"reference: 50, scale: {{low: 0, high: {HUGE}}}")),
    ("y.yaml", YAML, ("reference: 50", f"reference: 50, scale: {{low: -{HUGE}, high: 100}}")),
    ("y.yaml", YAML, ("salience: 0.5}", "salience: 0.5, capability: 1e300}")),
    ("y.yaml", YAML, ("salience: 0.5}", "salience: 0.5, uncertainty: {position: [0, 1e300]}}")),
    ("y.yaml", YAML, ("position: 10", "position: .inf")),
    ("y.yaml", YAML, ("position: 10", "position: .nan")),
    ("l.csv", LONG, ("alpha,trade,10,", f"alpha,trade,{HUGE},")),
    ("l.csv", LONG, (",0.5,2", f",0.5,{HUGE}")),
    (
        "l.csv",
        "actor,issue,position,salience,capability,scale_low,scale_high\n"
        f"alpha,trade,10,0.5,1,-{HUGE},{HUGE}\nbeta,trade,90,0.5,2,-{HUGE},{HUGE}\n",
        ("", ""),
    ),
    ("b.csv", BDM, ("alpha,1,", f"alpha,{HUGE},")),
    ("b.csv", BDM, (",10,50", f",{HUGE},50")),
    ("d.csv", DECIDE, ("\t0.9\t3", f"\t0.9\t{HUGE}")),
    ("d.csv", DECIDE, ("\ttrade\t10\t", f"\ttrade\t{HUGE}\t")),
    ("d.csv", DECIDE, ("\t100\tall", f"\t{HUGE}\tall")),
    ("k.csv", KTAB, ("Alpha,10,", f"Alpha,{HUGE},")),
    ("k.csv", KTAB, ("Alpha,10,20,", f"Alpha,10,{HUGE},")),
]


@pytest.mark.parametrize(("name", "text", "change"), CASES)
def test_extreme_magnitudes_are_refused_in_every_format(tmp_path, name, text, change):
    old, new = change
    assert old in text
    path = _write(tmp_path, name, text.replace(old, new, 1))
    err = _err(path)
    assert err.allowed, "the message says what is allowed"


def test_capability_limit_is_stated(tmp_path):
    path = _write(tmp_path, "y.yaml", YAML.replace("capability: 2", f"capability: {HUGE}"))
    err = _err(path)
    assert "1e+15" in err.problem and "common factor" in err.allowed
    assert "line 4" in str(err) and "actor 2 (beta)" in str(err)


def test_position_limit_is_stated(tmp_path):
    path = _write(tmp_path, "y.yaml", YAML.replace("position: 10", f"position: {HUGE}"))
    err = _err(path)
    assert "1e+09" in err.problem and "stance 1 (alpha on trade)" in err.problem


def test_scale_span_too_small_for_its_magnitude():
    with pytest.raises(ValueError, match="too small"):
        Scale(low=1e8, high=1e8 + 1e-3)
    Scale(low=1e8, high=1e8 + 1.0)  # a span of 1e-9 x 1e8 = 0.1 at least
    with pytest.raises(ValueError, match="limit"):
        Scale(low=0, high=MAX_MAGNITUDE * 1.5)


def _extreme_scenario() -> Scenario:
    """Every number at its limit: scales of +-1e9, capabilities 1e15 next to 1e-300 and 0."""
    big = MAX_MAGNITUDE
    return Scenario(
        actors=(
            Actor(id="a", capability=MAX_CAPABILITY),
            Actor(id="b", capability=1e-300),
            Actor(id="c", capability=0.0),
        ),
        issues=(
            Issue(id="x", scale=Scale(low=-big, high=big), reference=0.0),
            Issue(id="y", scale=Scale(low=0.0, high=1e-6), reference=0.0),
        ),
        stances=(
            Stance(actor="a", issue="x", position=-big, salience=1.0),
            Stance(actor="b", issue="x", position=big, salience=1e-300),
            Stance(actor="c", issue="x", position=0.0, salience=0.5),
            Stance(actor="a", issue="y", position=1e-6, salience=0.5),
            Stance(actor="b", issue="y", position=0.0, salience=1.0),
            Stance(actor="c", issue="y", position=5e-7, salience=1.0),
        ),
    )


@pytest.mark.parametrize("model", available())
def test_every_model_is_finite_at_the_limits(model):
    """Within the limits every model gives a finite outcome on the issue's scale."""
    sc = _extreme_scenario()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow, not even a warning
        fc = get_model(model).forecast(sc, seed=0)
    out = np.asarray(fc.outcome, dtype=float)
    assert np.all(np.isfinite(out)), out
    arr = sc.arrays()
    assert np.all(out >= arr.low - 1e-9 * (arr.high - arr.low))
    assert np.all(out <= arr.high + 1e-9 * (arr.high - arr.low))


# ----------------------------------------------------------------------------- booleans
@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("position: 10", "position: true", "position"),
        ("salience: 0.5}", "salience: false}", "salience"),
        ("capability: 2", "capability: yes", "capability"),  # YAML 1.1 reads 'yes' as true
        ("reference: 50", "reference: true", "reference"),
    ],
)
def test_booleans_are_not_numbers(tmp_path, old, new, field):
    path = _write(tmp_path, "y.yaml", YAML.replace(old, new, 1))
    err = _err(path)
    assert f"{field} must be a number, got the boolean" in err.problem
    assert "true and false are not numbers" in err.allowed


def test_booleans_refused_by_the_scenario_classes():
    with pytest.raises(ValueError, match="boolean"):
        Stance(actor="a", issue="x", position=True, salience=0.5)
    with pytest.raises(ValueError, match="boolean"):
        Actor(id="a", capability=False)
    assert Stance(actor="a", issue="x", position=1, salience=0.5).position == 1.0  # ints are


# ----------------------------------------------------------------------------- capabilities
def test_all_zero_capabilities_refused(tmp_path):
    text = YAML.replace("capability: 1}", "capability: 0}").replace(
        "capability: 2}", "capability: 0}"
    )
    err = _err(_write(tmp_path, "z.yaml", text))
    assert "every capability is 0" in err.problem
    csv = LONG.replace(",1\n", ",0\n").replace(",2\n", ",0.0\n")
    assert "every capability is 0" in _err(_write(tmp_path, "z.csv", csv)).problem


def test_derived_scenarios_may_reach_zero_capabilities():
    """An analysis may move every capability to 0 (a what-it-takes candidate): allowed."""
    sc = load_scenario_text_yaml()
    zero = Scenario.from_arrays(sc, capability=np.zeros_like(sc.arrays().capability))
    assert float(zero.arrays().capability.sum()) == 0.0


def load_scenario_text_yaml() -> Scenario:
    from detente.io.yaml_io import parse_yaml

    return parse_yaml(YAML, "y.yaml")


def test_missing_capability_column_gives_a_notice(tmp_path):
    path = _write(tmp_path, "n.csv", "actor,issue,position,salience\nalpha,trade,10,0.5\n")
    sc, notes = _notices(path)
    assert sc.actor("alpha").capability == 1.0
    assert any("no capability column" in n and str(path) in n for n in notes)


def test_present_capability_column_gives_no_notice(tmp_path):
    _, notes = _notices(_write(tmp_path, "c.csv", LONG))
    assert notes == []


def test_blank_capability_cell_is_an_error_naming_the_row(tmp_path):
    err = _err(_write(tmp_path, "b.csv", LONG.replace(",0.5,2\n", ",0.5,\n")))
    assert err.where == "row 3" and "capability is empty" in err.problem


def test_blank_capability_cell_in_xlsx_is_an_error_naming_the_row(tmp_path):
    import openpyxl

    path = tmp_path / "b.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "stances"
    ws.append(["actor", "issue", "position", "salience", "capability"])
    ws.append(["alpha", "trade", 10, 0.5, 1])
    ws.append(["beta", "trade", 90, 0.5, None])
    wb.save(path)
    err = _err(path)
    assert err.where == "sheet 'stances', row 3"
    assert "beta on trade: capability is empty" in err.problem


def test_huge_capability_in_xlsx(tmp_path):
    import openpyxl

    path = tmp_path / "h.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["actor", "issue", "position", "salience", "capability"])
    ws.append(["alpha", "trade", 10, 0.5, 1e308])
    ws.append(["beta", "trade", 90, 0.5, 1])
    wb.save(path)
    err = _err(path)
    assert "above the limit" in err.problem and "row 2" in str(err)


# ----------------------------------------------------------------------------- typos
def test_one_edit_apart():
    assert one_edit_apart("china", "chnia")  # adjacent letters swapped
    assert one_edit_apart("china", "china ".strip() + "s")  # one letter added
    assert one_edit_apart("china", "chila")  # one letter replaced
    assert one_edit_apart("china", "chna")  # one letter left out
    assert not one_edit_apart("china", "china")
    assert not one_edit_apart("china", "hcnia")  # two edits
    assert not one_edit_apart("abc", "bca")


def test_near_duplicates_skip_short_ids_and_numbered_ids():
    ids = ["china", "usa", "uas", "issue1", "issue2", "chnia", "Russia", "russia"]
    assert near_duplicates(ids) == [("china", "chnia"), ("Russia", "russia")]
    # a digit for a letter is a typo; a letter added or left out too
    assert near_duplicates(["issue1", "issuel", "trade", "trades", "a9xyz", "a10xyz"]) == [
        ("issue1", "issuel"),
        ("trade", "trades"),
    ]


def test_near_duplicates_are_fast_and_bounded():
    ids = [f"actor_{k:06d}_{'x' * (k % 7)}" for k in range(MAX_TYPO_IDS - 2)] + ["chnia", "china"]
    start = time.perf_counter()
    assert near_duplicates(ids) == [("chnia", "china")]
    assert time.perf_counter() - start < 10  # O(n L^2), not 5e7 pairs (loaded machine)
    assert near_duplicates([*ids, "one_more_id"]) == []  # a generated table: not checked


def test_actor_id_typo_in_long_csv_gives_a_notice(tmp_path):
    text = LONG + "chnia,trade,40,0.5,1\nchina,trade,30,0.5,1\n"
    sc, notes = _notices(_write(tmp_path, "t.csv", text))
    assert {"china", "chnia"} <= set(sc.actor_ids)  # read as written
    (note,) = [n for n in notes if "one letter apart" in n]
    assert "actor ids" in note and "'chnia' (row 4)" in note and "'china' (row 5)" in note


def test_issue_id_typo_in_long_csv_gives_a_notice(tmp_path):
    text = LONG + "alpha,sanctions,40,0.5,1\nbeta,sancitons,30,0.5,2\n"
    _, notes = _notices(_write(tmp_path, "t.csv", text))
    assert any("issue ids" in n and "'sancitons'" in n for n in notes)


# ----------------------------------------------------------------------------- DEU
DEU = (
    "isnr,prnr,pcom,scom,pep,sep,pat,sat,rp,out\n"
    "d01001i1,d01001,0,50,100,80,50,100,0,60\n"
    "d01001i2,d01001,10,50,90,80,40,100,,nan\n"
    "d01001i3,d01001,10,50,90,80,40,100,,NA\n"
)


def test_deu_issues_without_outcome_are_named(tmp_path):
    path = _write(tmp_path, "deu.csv", DEU)
    sc, notes = _notices(path, capability="equal")
    assert sc.issue("d01001i2").outcome is None
    (note,) = [n for n in notes if "no outcome" in n]
    assert "2 issue(s)" in note and "line 3 d01001i2" in note and "line 4 d01001i3" in note


# ----------------------------------------------------------------------------- zip bombs
def _bomb(path, size: int, name: str = "xl/worksheets/sheet1.xml") -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open(name, "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                fh.write(block)


def test_xlsx_zip_bomb_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "bomb.xlsx"
    _bomb(path, MAX_XLSX_UNZIPPED + (8 << 20))
    assert path.stat().st_size < 1_000_000
    start = time.perf_counter()
    err = _err(path)
    assert time.perf_counter() - start < 2.0
    assert "would unzip to" in err.problem and "zip bomb" in err.problem


def test_xlsx_absurd_compression_ratio_is_refused(tmp_path):
    path = tmp_path / "ratio.xlsx"
    _bomb(path, 4 << 20)  # 4 MB of zeros: compressed about 1000 times
    err = _err(path)
    assert "compressed" in err.problem and "sheet1.xml" in err.problem


def test_dashboard_upload_refuses_a_zip_bomb(tmp_path):
    from detente.app.state import load_upload

    path = tmp_path / "bomb.xlsx"
    _bomb(path, MAX_XLSX_UNZIPPED + (8 << 20))
    with pytest.raises(InputError) as exc:
        load_upload("bomb.xlsx", path.read_bytes())
    assert exc.value.source == "bomb.xlsx" and "zip bomb" in exc.value.problem


def test_own_workbooks_pass_the_zip_checks(tmp_path):
    sc = load_scenario(_write(tmp_path, "s.csv", LONG))
    back = load_scenario(save_scenario(sc, tmp_path / "s.xlsx"))
    assert back.stances == sc.stances


# ----------------------------------------------------------------------------- finite
def test_no_non_finite_number_survives_reading(tmp_path):
    """Whatever the format, a loaded scenario's arrays are finite."""
    for name, text in (("y.yaml", YAML), ("l.csv", LONG), ("b.csv", BDM), ("k.csv", KTAB)):
        sc = load_scenario(_write(tmp_path, name, text))
        arr = sc.arrays()
        for a in (arr.position, arr.salience, arr.capability, arr.low, arr.high):
            assert np.all(np.isfinite(a))
        assert all(math.isfinite(x) for x in arr.reference if not math.isnan(x))


# ----------------------------------------------------------------------------- dashboard
def test_dashboard_edits_refuse_huge_zero_and_boolean_capabilities():
    from detente.app.state import apply_edits
    from detente.report.tables import actors_table

    base = load_scenario_text_yaml()
    a = actors_table(base)
    a.loc[0, "capability"] = 1e308
    with pytest.raises(InputError) as exc:
        apply_edits(base, actors=a)
    assert "above the limit of 1e+15" in exc.value.problem
    assert exc.value.where == "row 1 (alpha), column capability"
    a = actors_table(base)
    a["capability"] = 0.0
    with pytest.raises(InputError, match="every capability is 0"):
        apply_edits(base, actors=a)
    a = actors_table(base).astype({"capability": object})
    a.loc[1, "capability"] = True
    with pytest.raises(InputError, match="True is not a number"):
        apply_edits(base, actors=a)


def test_deu_capability_from_huge_weights_is_one_line(tmp_path, shared_data):
    """Capabilities computed from the Council weights tables are checked like any other."""
    weights = tmp_path / "w"
    weights.mkdir()
    for name in ("EU15.csv", "EU27.csv"):
        text = (shared_data / "deu2" / name).read_text(encoding="utf-8")
        lines = text.splitlines()
        cells = lines[1].split(",")
        cells[2] = "1e308"  # the first member state's voting weight
        lines[1] = ",".join(cells)
        (weights / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = lines[1].split(",")[1]
    path = _write(
        tmp_path,
        "deu.csv",
        f"isnr,prnr,pcom,scom,p{code},s{code},rp,out\nd01001i1,d01001,0,50,50,100,0,60\n",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        err = _err(path, capability="weights", weights_dir=str(weights))
    assert err.where == "line 2" and "is not a finite number from 0 to 1e+15" in err.problem
