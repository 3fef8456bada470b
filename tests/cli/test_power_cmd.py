"""``detente power``: the table at 80 columns, JSON, weights files, sampling, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import run_detente_codes

EU27 = "29,29,29,29,27,27,14,13,12,12,12,12,12,10,10,10,7,7,7,7,7,4,4,4,4,4,3"
EU27_NAMES = "de,fr,it,uk,es,pl,ro,nl,be,cz,el,hu,pt,at,bu,se,dk,fi,ie,lt,sk,cy,ee,lv,lu,si,mt"


def run80(*args: str) -> tuple[int, str, str]:
    """The command in a terminal 80 columns wide."""
    return run_detente_codes(*args, columns=80)


def test_eu27_table_at_80_columns():
    code, out, err = run80("power", "--weights", EU27, "--quota", "255", "--names", EU27_NAMES)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "27 players, total weight 345, quota 255 (73.9%)"
    assert lines[1].startswith("exact")
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    header = next(line for line in lines if line.startswith("player"))
    for col in ("weight", "Shapley-Shubik", "Banzhaf"):
        assert col in header
    rows = {line.split()[0]: line.split() for line in lines if "│" in line}
    assert len(rows) == 27
    # Germany [255; 345 votes]: SS 0.0867, Banzhaf 0.0778 (the EU27 table's Banzhaf column)
    assert rows["de"][1:] == ["│", "29", "│", "0.0867", "│", "0.0778"]
    assert rows["mt"][1:] == ["│", "3", "│", "0.0082", "│", "0.0094"]


def test_json_and_a_weights_file_with_its_quota(cli, shared_data: Path):
    code, out, err = cli("power", "--weights", str(shared_data / "deu2" / "EU15.csv"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["quota"] == 62 and data["total_weight"] == 87 and data["method"] == "exact"
    by = {p["name"]: p for p in data["players"]}
    assert len(by) == 15
    assert by["fr"]["shapley_shubik"] == pytest.approx(7 / 60, abs=1e-12)
    assert by["lu"]["banzhaf"] == pytest.approx(0.0226, abs=5e-5)
    assert sum(p["shapley_shubik"] for p in data["players"]) == pytest.approx(1, abs=1e-12)


def test_sampling_records_its_seed_and_repeats(cli):
    args = ("power", "--weights", EU27, "--quota", "255", "--method", "sample")
    args += ("--samples", "5000", "--seed", "11", "--json")
    code, out, err = cli(*args)
    assert code == 0, err
    data = json.loads(out)
    assert data["method"] == "sample" and data["seed"] == 11 and data["samples"] == 5000
    assert all(p["shapley_shubik_se"] > 0 for p in data["players"])
    assert cli(*args)[1] == out
    code, text, _ = run80(*args[:-1])
    assert code == 0 and "seed 11" in text and "± s.e." in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_to_capabilities_writes_a_new_file_only(cli, tmp_path: Path):
    target = tmp_path / "caps.csv"
    code, _, err = cli(
        "power", "--weights", "2,1,1", "--quota", "3", "--names", "a,b,c",
        "--to-capabilities", str(target), "--capability", "banzhaf",
    )  # fmt: skip
    assert code == 0, err
    rows = target.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "actor,capability,weight,shapley_shubik,banzhaf"
    assert rows[1].startswith("a,0.6,2.0,0.66666")
    before = target.read_text(encoding="utf-8")
    code, _, err = cli(
        "power", "--weights", "1,1", "--quota", "2", "--to-capabilities", str(target)
    )
    assert code == 2 and "exists already" in err
    assert target.read_text(encoding="utf-8") == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--weights", "1,2,3", "--quota", "7"), "--quota: quota 7 is above the total weight 6"),
        (("--weights", "1,-2,3", "--quota", "2"), "--weights: weight 2 is -2"),
        (("--weights", "1,two,3", "--quota", "2"), "--weights: item 2 ('two') is not a number"),
        (("--weights", "1,,3", "--quota", "2"), "--weights: item 2 is empty"),
        (("--weights", "1,2,3"), "--quota: no quota given"),
        (("--weights", "1,2,3", "--quota", "4", "--names", "a,b"), "2 names for 3 weights"),
        (("--weights", "1,2", "--quota", "2", "--method", "guess"), "unknown method 'guess'"),
        (("--weights", "missing.csv", "--quota", "2"), "missing.csv: no such file"),
        (
            ("--weights", "0.1234567,1", "--quota", "1", "--method", "exact"),
            "more than 6 decimals",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, args, message):
    code, out, err = cli("power", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert out == ""
