"""``detente survey`` and ``detente combine`` from the command line."""

from __future__ import annotations

import json

import openpyxl

from detente.io.yaml_io import read_yaml


def test_survey_then_combine(tmp_path, cli, fill):
    code, out, err = cli("survey", "us-russia-reset", "-o", str(tmp_path / "s"), "--experts", "2")
    assert code == 0, err
    paths = sorted((tmp_path / "s").glob("*.xlsx"))
    assert [p.name for p in paths] == ["expert_01.xlsx", "expert_02.xlsx"]
    # a second survey into the same folder refuses, in one line, and changes nothing
    before = paths[0].read_bytes()
    code, _, err = cli("survey", "us-russia-reset", "-o", str(tmp_path / "s"), "--experts", "2")
    assert code == 2 and "exists already" in err and len(err.strip().splitlines()) == 1
    assert paths[0].read_bytes() == before
    fill(
        paths[0],
        {("russia", "syria"): {"position": 90, "salience": 0.9}},
        {"syria": {"forecast": 70}},
    )
    fill(
        paths[1],
        {("russia", "syria"): {"position": 80, "salience": 0.7}},
        {"syria": {"forecast": 80}},
    )
    out_file = tmp_path / "c.yaml"
    code, out, err = cli(
        "combine", *map(str, paths), "-o", str(out_file), "--method", "median", "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["experts"] == ["expert_01", "expert_02"] and report["method"] == "median"
    first = report["disagreements"][0]
    assert (first["actor"], first["issue"], first["field"], first["min"], first["max"]) == (
        "russia",
        "syria",
        "salience",
        0.7,
        0.9,
    )
    sc = read_yaml(out_file)
    st = sc.stance("russia", "syria")
    assert (st.position, st.uncertainty.position) == (85, (80, 90))
    # no overwrite without --force
    code, _, err = cli("combine", *map(str, paths), "-o", str(out_file))
    assert code == 2 and "exists already" in err
    # the model runs on the combined scenario when named; every default run leaves it out
    code, out, err = cli("run", str(out_file), "-m", "experts", "--json")
    assert code == 2 and "no expert forecast for issue(s)" in err  # only syria forecast
    code, out, err = cli("run", "--json")
    assert code == 0, err
    assert "experts" not in [f["model"] for f in json.loads(out)["forecasts"]]
    assert err.strip() == (
        "notice: model experts not run: no expert forecasts in this scenario "
        "(run detente survey / combine)"
    )
    code, out, _ = cli("models", "--json")
    assert "experts" in [m["name"] for m in json.loads(out)]


def test_malformed_file_exits_2_with_one_line(tmp_path, cli):
    code, _, err = cli("survey", "-o", str(tmp_path))
    assert code == 0, err
    path = tmp_path / "questionnaire.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["stances"]["C4"] = "about sixty"
    wb.save(path)
    code, _, err = cli("combine", str(path), "-o", str(tmp_path / "c.yaml"))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert str(path) in lines[0] and "sheet 'stances', row 4" in lines[0]
    assert "position 'about sixty' is not a number" in lines[0]
    assert not (tmp_path / "c.yaml").exists()
    # a CSV naming an actor the base does not know
    bad = tmp_path / "e.csv"
    bad.write_text("actor,issue,position,salience\nrussia,syria,50,0.5\nnarnia,syria,50,0.5\n")
    code, _, err = cli("combine", str(bad), "-o", str(tmp_path / "c.yaml"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "e.csv, row 3: unknown actor 'narnia'" in err
