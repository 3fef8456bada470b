"""The dashboard's logic without Streamlit: uploads, edits, downloads."""

from __future__ import annotations

import numpy as np
import pytest

from detente.app.state import MAX_UPLOAD_BYTES, apply_edits, load_upload, scenario_yaml
from detente.errors import InputError
from detente.io.yaml_io import parse_yaml
from detente.report.tables import actors_table, issues_table, stances_table
from detente.scenario import Actor, Issue, Scenario, Stance


@pytest.fixture
def small() -> Scenario:
    return Scenario(
        id="small",
        actors=(Actor(id="a", capability=2.0), Actor(id="b", capability=1.0)),
        issues=(Issue(id="x", reference=40.0), Issue(id="y")),
        stances=(
            Stance(actor="a", issue="x", position=10, salience=1.0),
            Stance(actor="b", issue="x", position=70, salience=0.5),
            Stance(actor="a", issue="y", position=0, salience=0.2),
        ),
    )


# ------------------------------------------------------------------------- uploads
def test_upload_reads_native_yaml_and_names_no_temporary_path(small):
    sc, notices = load_upload("my scenario.yaml", scenario_yaml(small).encode())
    assert sc == small and notices == []


def test_upload_rescale_notice_names_the_users_file():
    text = (
        "id: s\nactors: [{id: a}, {id: b}]\nissues: [{id: x}]\n"
        "stances:\n  - {actor: a, issue: x, position: 10, salience: 80}\n"
        "  - {actor: b, issue: x, position: 90, salience: 40}\n"
    )
    sc, notices = load_upload("/some/where/s.yaml", text.encode())
    assert sc.stance("a", "x").salience == pytest.approx(0.8, abs=1e-12)
    assert len(notices) == 1 and "s.yaml" in notices[0]
    assert "detente-upload-" not in notices[0]


def test_upload_refuses_unsafe_yaml():
    evil = b"!!python/object/apply:os.system ['echo owned']\n"
    with pytest.raises(InputError) as err:
        load_upload("evil.yaml", evil)
    msg = err.value.message
    assert msg.startswith("evil.yaml, line 1:") and "safe" in msg
    assert "detente-upload-" not in msg


def test_upload_refuses_files_over_the_limit():
    with pytest.raises(InputError, match="over the upload limit of 10 MB") as err:
        load_upload("big.csv", b"x" * (MAX_UPLOAD_BYTES + 1))
    assert err.value.source == "big.csv"


def test_upload_of_the_malformed_decide_file(shared_data):
    path = shared_data / "reference_cases" / "decide_copenhagen_with_errors.csv"
    with pytest.raises(InputError) as err:
        load_upload(path.name, path.read_bytes())
    msg = err.value.message
    assert msg.startswith("decide_copenhagen_with_errors.csv, line 86:")
    assert "position 160" in msg and "detente-upload-" not in msg


def test_upload_file_name_cannot_escape_the_temporary_folder(small, tmp_path):
    # a hostile name is reduced to a plain base name inside the private folder
    sc, _ = load_upload("../../../etc/evil name.yaml", scenario_yaml(small).encode())
    assert sc == small


# ------------------------------------------------------------------------- edits
def test_no_edits_give_the_same_scenario(small):
    out = apply_edits(small, stances_table(small), actors_table(small), issues_table(small))
    assert out.input_hash() == small.input_hash()


def test_edit_a_position_and_a_salience(small):
    t = stances_table(small)
    t.loc[(t.actor == "b") & (t.issue == "x"), ["position", "salience"]] = [20.0, 0.9]
    out = apply_edits(small, t.sample(frac=1.0, random_state=1))  # row order is irrelevant
    st = out.stance("b", "x")
    assert (st.position, st.salience) == (20.0, 0.9)
    assert out.stance("a", "x") == small.stance("a", "x")
    assert out.input_hash() != small.input_hash()


def test_edit_capability_and_reference(small):
    a = actors_table(small)
    a.loc[a.actor == "b", "capability"] = 5.0
    i = issues_table(small)
    i.loc[i.issue == "x", "reference"] = np.nan  # cleared: no reference point
    i.loc[i.issue == "y", "reference"] = 12.5
    out = apply_edits(small, actors=a, issues=i)
    assert out.actor("b").capability == 5.0
    assert out.issue("x").reference is None and out.issue("y").reference == 12.5


@pytest.mark.parametrize(
    ("column", "value", "text"),
    [
        ("position", 160.0, "row 3 (b on x), column position: position 160 lies outside"),
        ("salience", 1.5, "row 3 (b on x), column salience: salience 1.5 lies outside [0, 1]"),
        ("position", np.nan, "row 3 (b on x), column position: the cell is empty"),
        ("salience", "lots", "row 3 (b on x), column salience: 'lots' is not a number"),
    ],
)
def test_bad_cells_name_table_row_and_column(small, column, value, text):
    t = stances_table(small).astype({column: object})
    t.loc[2, column] = value
    with pytest.raises(InputError) as err:
        apply_edits(small, t)
    assert err.value.message.startswith("actor x issue table, " + text)
    assert err.value.allowed


def test_negative_capability_and_reference_off_scale(small):
    a = actors_table(small)
    a.loc[0, "capability"] = -1.0
    with pytest.raises(InputError, match="actors table, row 1 \\(a\\), column capability"):
        apply_edits(small, actors=a)
    i = issues_table(small)
    i.loc[1, "reference"] = 101.0
    with pytest.raises(InputError, match="reference 101 lies outside the issue's scale"):
        apply_edits(small, issues=i)


def test_yaml_download_loads_back_equal():
    from detente.scenarios import DEFAULT_SCENARIO, load_bundled

    base = load_bundled(DEFAULT_SCENARIO)
    t = stances_table(base)
    t.loc[0, "position"] = 33.0
    edited = apply_edits(base, t)
    back = parse_yaml(scenario_yaml(edited), "download.yaml")
    assert back == edited and back != base
    assert back.stances[0].provenance == base.stances[0].provenance


# ------------------------------------------------------------------------- experts
def _expert_csv(position: float, forecast: float | None = None) -> bytes:
    lines = ["actor,issue,position,salience,capability,confidence,comment,forecast"]
    lines.append(f"a,x,{position},0.5,,,,")
    if forecast is not None:
        lines += [f",x,,,,0.5,,{forecast}", f",y,,,,0.5,,{forecast}"]
    return ("\n".join(lines) + "\n").encode()


def test_experts_combined_with_their_disagreement(small):
    from detente.app.state import (
        combine_experts,
        disagreement_table,
        forecasts_table,
        read_expert_uploads,
    )
    from detente.models.registry import defaults_for

    ups = [("e1.csv", _expert_csv(20, 30)), ("e2.csv", _expert_csv(30, 50))]
    ups.append(("e3.csv", _expert_csv(90, 40)))
    files, notes = read_expert_uploads(ups, small)
    assert [f.expert for f in files] == ["e1", "e2", "e3"] and notes == []
    assert [f.source for f in files] == ["e1.csv", "e2.csv", "e3.csv"]
    for method, expected in (("mean", 140 / 3), ("median", 30.0)):
        combined, _ = combine_experts(files, small, method)
        st = {(s.actor, s.issue): s for s in combined.scenario.stances}
        assert st[("a", "x")].position == pytest.approx(expected)
        assert st[("b", "x")].position == 70  # no expert gave it: the base's
        table = disagreement_table(combined)
        top = table.iloc[0]
        assert (top.actor, top.issue, top.field, top.experts) == ("a", "x", "position", 3)
        assert top["range (% of possible)"] == pytest.approx(70.0)
        assert top.outlier == "e3"
        assert top[method] == pytest.approx(expected)
    fc = forecasts_table(combined).set_index("issue")
    assert fc.loc["y"].tolist() == [30.0, 50.0, 40.0]
    assert "experts" in defaults_for(combined.scenario)[0]  # forecasts of every issue


def test_expert_uploads_are_checked_like_scenario_uploads(small, tmp_path):
    import zipfile

    from detente.app.state import combine_experts, read_expert_uploads

    with pytest.raises(InputError) as err:
        read_expert_uploads([("big.csv", b"x" * (MAX_UPLOAD_BYTES + 1))], small)
    assert err.value.message.startswith("big.csv: the file is 10.0 MB, over the upload limit")
    bad = _expert_csv(20).replace(b"a,x", b"zed,x")
    with pytest.raises(InputError) as err:
        read_expert_uploads([("e1.csv", _expert_csv(20)), ("../e 2.csv", bad)], small)
    assert err.value.message.startswith("e_2.csv, row 2: unknown actor 'zed'")
    assert "detente-experts-" not in err.value.message  # never the temporary path
    bomb = tmp_path / "bomb.xlsx"  # one part that would inflate 2 MB from a few bytes
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (2 * 1024**2))
    with pytest.raises(InputError) as err:
        read_expert_uploads([("bomb.xlsx", bomb.read_bytes())], small)
    assert err.value.message.startswith("bomb.xlsx: ")
    assert "compressed" in err.value.message or "zip bomb" in err.value.message
    files, _ = read_expert_uploads([("e.csv", _expert_csv(1)), ("e.csv", _expert_csv(2))], small)
    with pytest.raises(InputError, match=r"two files name the same expert 'e' \(e.csv and e.csv\)"):
        combine_experts(files, small)


# ------------------------------------------------------------------------- run record
def test_runs_recorded_listed_and_compared(small):
    from detente.app.state import (
        apply_edits,
        diff_tables,
        record_results,
        recorded_runs,
        run_forecasts_table,
        runs_table,
    )
    from detente.comparison import run_models

    assert recorded_runs(small.id).runs == []  # nothing recorded yet (DETENTE_HOME is new)
    first = record_results(run_models(small, ["compromise"], seed=3))
    edited = stances_table(small)
    edited.loc[0, "position"] = 60.0
    changed = apply_edits(small, edited[["actor", "issue", "position", "salience"]])
    second = record_results(run_models(changed, ["compromise", "median"], seed=3))
    assert first and second and first != second
    assert record_results(run_models(small, [], seed=3)) is None  # nothing forecast
    listing = recorded_runs(small.id)
    assert [r.id for r in listing.runs] == [first, second]
    assert recorded_runs("another").runs == []
    table = runs_table(listing, changed.input_hash())
    assert table["models"].tolist() == ["compromise, median", "compromise"]  # newest first
    assert table["inputs"].str.endswith("(as loaded now)").tolist() == [True, False]
    a, b = listing.runs
    assert a.command == "run" and a.seed == 3 and a.input_hash == small.input_hash()
    fc = run_forecasts_table(b)
    assert fc.columns.tolist() == ["reference", "compromise", "median"]
    assert fc.loc["x", "reference"] == 40.0
    d = diff_tables(a, b)
    assert d["inputs"].values.tolist() == [["a", "x", "position", "10", "60"]]
    moved = d["forecasts"].iloc[0]
    assert (moved.model, moved.issue) == ("compromise", "x") and moved.change > 0
    assert set(d["settings"].setting) == {"input_hash", "models"}


def test_sealed_and_graded_run_is_listed_with_its_grade(small):
    from detente.app.state import grade_table, record_results, recorded_runs, runs_table
    from detente.comparison import run_models
    from detente.record.grade import Observed, grade_run
    from detente.record.seal import seal_run
    from detente.record.store import RunStore

    rid = record_results(run_models(small, ["compromise"], seed=0))
    assert rid is not None
    with RunStore.open() as store:
        seal = seal_run(store, rid, note="test", resolves="2099-01-01")
        run = store.get(rid)
        # compromise on x: (2*1*10 + 1*0.5*70) / (2 + 0.5) = 22; the status quo is 40
        score = grade_run(run, {"x": Observed(30.0)}, sealed_at=seal.sealed_at)
        store.add_grade(rid, score, "outcomes.csv")
    listing = recorded_runs(small.id)
    assert listing.seals[rid].note == "test"
    row = runs_table(listing).iloc[0]
    assert row.resolves == "2099-01-01" and row.sealed and row.graded
    table = grade_table(listing.grades[rid]).set_index("forecast")
    assert table.loc["compromise", "MAE"] == pytest.approx(8.0)
    assert table.loc["status quo", "MAE"] == pytest.approx(10.0)
    assert table.loc["compromise", "MAE minus the status quo's"] == pytest.approx(-2.0)
