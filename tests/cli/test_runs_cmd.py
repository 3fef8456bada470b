"""``detente runs``, ``seal``, ``verify`` and ``grade`` through a subprocess, as a user
types them; ``detente run`` records what it forecasts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def detente_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh run store per test (the ``cli`` fixture passes DETENTE_HOME on)."""
    home = tmp_path / "detente_home"
    monkeypatch.setenv("DETENTE_HOME", str(home))
    return home


def _runs(cli) -> list[dict]:
    code, out, err = cli("runs", "list", "--json")
    assert code == 0, err
    return json.loads(out)


def test_run_records_and_no_record_does_not(cli, detente_home):
    assert _runs(cli) == []
    code, out, err = cli("run", "--model", "compromise", "--json", "--seed", "3")
    assert code == 0, err
    printed = json.loads(out)
    code, out2, err = cli("run", "--model", "compromise", "--no-record")
    assert code == 0 and "recorded as run" not in out2
    code, out3, err = cli("run", "--model", "median")
    assert code == 0 and "recorded as run" in out3
    first, second = _runs(cli)
    assert first["command"] == "run" and first["models"] == ["compromise"]
    assert first["seed"] == 3 and first["scenario"] == "us-russia-reset"
    assert second["models"] == ["median"]
    code, out, err = cli("runs", "list", "--scenario", "us-russia-reset", "--json")
    assert code == 0 and len(json.loads(out)) == 2
    code, out, err = cli("runs", "list", "--scenario", "tiny", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, err = cli("runs", "show", first["id"][:6], "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["result"] == printed  # the record keeps what --json printed
    assert shown["version"] and shown["input_hash"] == first["input_hash"]
    code, out, err = cli("runs", "show", "last")
    assert code == 0 and "forecast outcome per issue" in out and "median" in out


def test_seal_verify_grade_and_the_graded_record(cli, tmp_path, detente_home):
    cli("run", "--model", "compromise", "--model", "median", "--json")
    code, out, err = cli("verify")
    assert code == 0 and "no sealed runs" in out
    code, out, err = cli("grade", "last", "nothing.csv")
    assert code == 2 and "is not sealed" in err and "Traceback" not in err
    code, out, err = cli("seal", "last", "--note", "reset holds", "--resolves", "2027-01-01")
    assert code == 0, err
    assert "sealed run" in out
    code, out, err = cli("seal", "last")
    assert code == 2 and "sealed already" in err
    code, out, err = cli("verify", "--json")
    assert code == 0, err
    (check,) = json.loads(out)["seals"]
    assert check["rerun"] == "reproduces" and check["ok"]
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("issue,outcome,date,source\nsanctions,70,2027-02-01,Treasury\nsyria,50,,\n")
    code, out, err = cli("grade", "last", str(outcomes), "--json")
    assert code == 0, err
    g = json.loads(out)
    assert [i["id"] for i in g["issues"]] == ["sanctions", "syria"]
    assert {m["model"] for m in g["models"]} == {"compromise", "median"}
    code, out, err = cli("grade", "last", str(outcomes))
    assert code == 0 and "MAE of the status quo" in out and "MAE of compromise" in out
    graded = json.loads(cli("runs", "list", "--graded", "--json")[1])
    (entry,) = graded
    assert entry["resolves"] == "2027-01-01" and entry["score"]["models"]
    code, out, err = cli("runs", "list", "--graded")
    assert code == 0 and "graded forecasts" in out
    assert "comp = compromise, med = median, sq = status quo" in out


def test_list_says_what_the_shortened_model_names_stand_for(cli):
    cli("run", "--model", "compromise", "--model", "expected_utility", "--json")
    cli("run", "--model", "median", "--json")
    code, out, err = cli("runs", "list")
    assert code == 0, err
    assert "comp, EU" in out and "compromise" not in out.split("comp = ")[0]
    assert "comp = compromise, EU = expected_utility, med = median" in out


def test_verify_detects_a_tampered_database(cli, detente_home):
    cli("run", "--model", "compromise", "--json")
    rid = _runs(cli)[0]["id"]
    assert cli("seal", rid)[0] == 0
    with sqlite3.connect(detente_home / "runs.sqlite") as conn:
        conn.execute("UPDATE runs SET seed = 99 WHERE id = ?", (rid,))
    code, out, _err = cli("verify")
    assert code == 1 and "MISMATCH" in out and rid in out


def test_diff_and_export(cli, tmp_path):
    cli("run", "--model", "compromise", "--json")
    cli("run", "--model", "compromise", "--variant", "spheres_trade", "--json")
    a, b = (r["id"] for r in _runs(cli))
    code, out, err = cli("runs", "diff", a, b, "--json")
    assert code == 0, err
    d = json.loads(out)
    changed = {(s["actor"], s["issue"], s["field"]) for s in d["stances"]["changed"]}
    assert ("united_states", "eastern_europe_sphere", "position") in changed
    moved = {m["issue"]: m["change"] for m in d["forecasts"] if m["change"] != 0}
    assert "eastern_europe_sphere" in moved
    code, out, err = cli("runs", "diff", a, b)
    assert code == 0 and "forecast per issue" in out and "eastern_europe_sphere" in out
    dest = tmp_path / "export"
    code, out, err = cli("runs", "export", b, "-o", str(dest))
    assert code == 0, err
    names = sorted(p.name for p in dest.iterdir())
    assert names == [f"run-{b}.json", f"run-{b}.result.json", f"run-{b}.scenario.yaml"]
    code, out, err = cli("run", str(dest / f"run-{b}.scenario.yaml"), "-m", "compromise", "--json")
    assert code == 0, err
    again = {i["id"]: i["outcome"] for i in json.loads(out)["forecasts"][0]["issues"]}
    stored = json.loads((dest / f"run-{b}.result.json").read_text())
    assert again == {i["id"]: i["outcome"] for i in stored["forecasts"][0]["issues"]}
    before = (dest / f"run-{b}.json").read_text()
    code, out, err = cli("runs", "export", b, "-o", str(dest))
    assert code == 2 and "exists already" in err and "Traceback" not in err
    assert (dest / f"run-{b}.json").read_text() == before


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("runs", "show", "ffffff"), "no run has been recorded yet"),
        (("seal", "last", "--resolves", "soon"), "'soon' is not a date"),
        (("runs", "show", "ffffff"), "no recorded run 'ffffff'"),
    ],
)
def test_bad_input_exit_2(cli, args, text):
    if "recorded yet" not in text:
        cli("run", "--model", "compromise", "--json")
    code, _out, err = cli(*args)
    assert code == 2 and text in err and "Traceback" not in err


def test_a_corrupt_store_is_one_line_and_run_still_works(cli, detente_home):
    detente_home.mkdir()
    (detente_home / "runs.sqlite").write_text("garbage " * 200)
    code, _out, err = cli("runs", "list")
    assert code == 2 and "not a readable SQLite database" in err
    assert "Traceback" not in err and err.strip().count("\n") == 0
    code, out, err = cli("run", "--model", "compromise", "--json")
    assert code == 0 and json.loads(out)["forecasts"]
    assert "this run was not recorded" in err and "Traceback" not in err
