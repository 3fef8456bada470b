"""EU legislative procedures applied to DEU forecasts (``detente validate --procedures``).

A hand-made DEU file with its own Council tables: EU15.csv lists at (4 votes), be (5) and
dk (3), quota 9 of 12 (75 %); EU27.csv adds ee (1), quota 10 of 13. Capabilities equal,
every salience 100, so the compromise forecast is the plain mean of the positions.

* d01001i1, COD, rp 0: com 100, ep 20, at be dk 100; compromise 84. The Parliament
  accepts [0, 40] (the points within 20 of its position 20, as near as the status quo): 40.
* n01002i1, CNS, rp 0, the same positions: no Parliament veto, every state at 100: 84.
* n01003i1, CNS, rp 50: com 100, at 100, be 56, dk 40 (no Parliament); compromise 74.
  QMV needs 9 of 12 votes: at + be (9) accept [50, 62] (be at 56 is 6 from 50): 62.
* n01004i1, CNS, unanimity column 1, the same positions: dk (40) accepts [30, 50], at
  [50, 150]: gridlock at the status quo, 50.
* d01005i1, COD, no rp, positions as d01001i1: no status quo, left alone: 84.

Outcomes 40, 50, 60, 50, 84: compromise MAE 116 / 5 = 23.2 without the procedures and
36 / 5 = 7.2 with them.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from detente.errors import InputError, InputNotice
from detente.models import available, get_model
from detente.power.capabilities import load_council_tables
from detente.validation.datasets import load_dataset
from detente.validation.procedures import council_quota, procedures_for
from detente.validation.runner import validate

TABLE_HEADER = "country,abbr,weights,quota,block,banzhaf,shapleyshubik\n"
EU15 = TABLE_HEADER + (
    "austria,at,4,9,4,0.3,0.3\nbelgium,be,5,9,4,0.4,0.4\ndenmark,dk,3,9,4,0.3,0.3\n"
)
EU27 = TABLE_HEADER + (
    "austria,at,4,10,4,0.3,0.3\nbelgium,be,5,10,4,0.4,0.3\ndenmark,dk,3,10,4,0.2,0.3\n"
    "estonia,ee,1,10,4,0.1,0.1\n"
)
HEADER = "prnr,cod,isnr,unanimity,pcom,pep,pat,pbe,pdk,rp,out,scom,sep,sat,sbe,sdk\n"
ROWS = [
    "d01001,2001/0001(COD),d01001i1,0,100,20,100,100,100,0,40,100,100,100,100,100",
    "n01002,2001/0002(CNS),n01002i1,0,100,20,100,100,100,0,50,100,100,100,100,100",
    "n01003,2001/0003(CNS),n01003i1,0,100,,100,56,40,50,60,100,,100,100,100",
    "n01004,2001/0004(CNS),n01004i1,1,100,,100,56,40,50,50,100,,100,100,100",
    "d01005,2001/0005(COD),d01005i1,0,100,20,100,100,100,,84,100,100,100,100,100",
]
ISSUES = ["d01001i1", "n01002i1", "n01003i1", "n01004i1", "d01005i1"]
WITHOUT = [84.0, 84.0, 74.0, 74.0, 84.0]
WITH = [40.0, 84.0, 62.0, 50.0, 84.0]
TOL = 1e-9


@pytest.fixture
def proc_csv(tmp_path: Path) -> Path:
    (tmp_path / "EU15.csv").write_text(EU15, encoding="utf-8")
    (tmp_path / "EU27.csv").write_text(EU27, encoding="utf-8")
    p = tmp_path / "proc_deu.csv"
    p.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return p


def _load(path: Path, **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        return load_dataset(path, capability="equal", **options)


def test_rules_of_each_issue(proc_csv):
    pr = procedures_for(_load(proc_csv))
    rules = {iss.id: str(iss.decision) for cp in pr.cases.values() for iss in cp.case.issues}
    assert rules == {
        "d01001i1": "majority 0.75, veto ep",
        "n01002i1": "majority 0.75",
        "n01003i1": "majority 0.75",
        "n01004i1": "unanimity: veto at, be, dk",
        "d01005i1": "influence",
    }
    assert pr.counts == {"qmv": 3, "ep_veto": 1, "unanimity": 1, "no-reference": 1}
    assert pr.quotas == {"EU15": pytest.approx(0.75)}
    # the Council votes with its weights; the institutions have none
    cp = pr.cases["d01001"]
    votes = dict(zip(cp.case.actor_ids, cp.votes[:, 0], strict=True))
    assert votes == {"com": 0.0, "ep": 0.0, "at": 4.0, "be": 5.0, "dk": 3.0}


def test_parliament_veto_binds_under_codecision_only(proc_csv):
    res = validate(_load(proc_csv), ["compromise"], procedures=True, n_boot=200, seed=0)
    run = res.runs["compromise"]
    assert [run.unruled[i] for i in ISSUES] == pytest.approx(WITHOUT, abs=TOL)
    assert [run.forecasts[i] for i in ISSUES] == pytest.approx(WITH, abs=TOL)
    assert set(run.bound) == {"d01001i1", "n01003i1", "n01004i1"}
    s = res.procedure_summary().set_index("model").loc["compromise"]
    assert s["mae_without"] == pytest.approx(23.2, abs=TOL)
    assert s["mae_with"] == pytest.approx(7.2, abs=TOL)
    assert s["diff"] == pytest.approx(-16.0, abs=TOL)
    assert s["lo"] <= s["diff"] <= s["hi"]
    assert s["bound"] == 3
    # scored like any forecast: the main table uses the forecasts under the procedures
    assert res.scores["compromise"]["mae"] == pytest.approx(7.2, abs=TOL)


def test_without_the_flag_nothing_changes(proc_csv):
    res = validate(_load(proc_csv), ["compromise"], n_boot=200)
    assert res.procedures is None and res.procedure_summary().empty
    assert list(res.frame["compromise"]) == pytest.approx(WITHOUT, abs=TOL)
    assert res.runs["compromise"].unruled == {} and res.runs["compromise"].bound == ()


@pytest.mark.parametrize("model", available())
def test_every_model_within_the_parliaments_acceptance_set(proc_csv, model):
    ds = _load(proc_csv)
    pr = procedures_for(ds)
    for case in ds.cases:
        f = get_model(model).forecast(case, seed=0)
        decided, moved = pr.cases[case.id].apply(f)
        arr = case.arrays()
        for i, iid in enumerate(arr.issue_ids):
            if iid == "d01001i1":  # EP's final position p, status quo 0: outcome <= 2p
                ep = arr.actor_ids.index("ep")
                assert 0.0 <= decided[i] <= 2.0 * f.positions[-1][ep, i] + TOL
            if iid in ("n01002i1", "d01005i1"):  # every state at 100 / no status quo
                assert decided[i] == f.outcome[i]
                assert not moved[i]


def test_missing_council_tables_is_an_input_error(proc_csv, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    ds = _load(proc_csv)
    with pytest.raises(InputError, match="--procedures needs the Council weights tables"):
        validate(ds, ["compromise"], procedures=True, weights_dir=empty, n_boot=200)


def test_bad_quota_is_an_input_error(proc_csv, tmp_path):
    (tmp_path / "EU15.csv").write_text(EU15.replace(",9,4,", ",20,4,"), encoding="utf-8")
    with pytest.raises(InputError, match="quota 20 is not a number of votes"):
        procedures_for(_load(proc_csv))


def test_table_without_quota_is_an_input_error(proc_csv, tmp_path):
    blank = EU15.replace(",9,4,", ",,4,")
    (tmp_path / "EU15.csv").write_text(blank, encoding="utf-8")
    with pytest.raises(InputError, match="column quota missing or empty"):
        procedures_for(_load(proc_csv))


def test_cli(run_cli, proc_csv):
    code, out, err = run_cli(
        "validate", str(proc_csv), "--procedures", "--capability", "equal", "-m",
        "compromise,median", "--bootstrap", "200",
    )  # fmt: skip
    assert code == 0, err
    assert "Effect of --procedures" in out
    row = next(
        line for line in out.splitlines() if line.startswith("│ compromise") and "23.20" in line
    )
    assert "7.20" in row and "-16.00" in row
    assert "Council QMV on 3 issue(s)" in " ".join(err.split())
    code, out, err = run_cli("validate", str(proc_csv), "--capability", "equal", "-m", "compromise")
    assert code == 0 and "Effect of --procedures" not in out


def test_cli_missing_tables_exit_2(run_cli, proc_csv, tmp_path):
    code, _, err = run_cli(
        "validate", str(proc_csv), "--procedures", "--capability", "equal",
        "--weights-dir", str(tmp_path / "nowhere"),
    )  # fmt: skip
    assert code == 2
    assert "--procedures needs the Council weights tables" in " ".join(err.split())


def test_shared_quotas(shared_data):
    eu15, eu27 = load_council_tables(shared_data / "deu2")
    assert council_quota(eu15) == pytest.approx(62 / 87)
    assert council_quota(eu27) == pytest.approx(255 / 345)


def test_shared_deu2_with_procedures(shared_data):
    """The figures of docs/validation.md, section 'Who decides': the compromise model's
    MAE 25.71 without the procedures and 32.48 with them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        ds = load_dataset(shared_data / "deu2" / "DEU2.csv")
    res = validate(ds, ["compromise"], procedures=True, n_boot=200)
    s = res.procedure_summary().set_index("model").loc["compromise"]
    assert s["n"] == 190
    assert s["mae_without"] == pytest.approx(25.71, abs=0.01)
    assert s["mae_with"] == pytest.approx(32.48, abs=0.01)
    assert res.procedures is not None
    assert res.procedures.counts["qmv"] == 142
    assert res.procedures.counts["no-reference"] == 55
    assert np.isfinite(res.frame["compromise"]).all()
