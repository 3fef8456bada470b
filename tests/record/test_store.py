"""The run store: location, round trip, concurrency, and files it must refuse."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest

from detente.errors import InputError
from detente.record import record_run
from detente.record.store import (
    SCHEMA_VERSION,
    RunStore,
    canonical_json,
    detente_version,
    store_path,
)

from .conftest import run_result


def test_location_detente_home_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("DETENTE_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert store_path() == tmp_path / "h" / "runs.sqlite"
    monkeypatch.delenv("DETENTE_HOME")
    assert store_path() == tmp_path / "xdg" / "detente" / "runs.sqlite"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert store_path() == tmp_path / "home" / ".local" / "share" / "detente" / "runs.sqlite"


def test_round_trip(tiny, detente_home):
    result = run_result(tiny, ["compromise", "median"])
    t0 = time.time()
    with RunStore.open() as st:
        rid = st.add_run(
            "run",
            tiny,
            models=["compromise", "median"],
            params={"compromise": {}},
            seed=7,
            result=result,
            started=t0,
        )
    assert (detente_home / "runs.sqlite").is_file()
    with RunStore.open(create=False) as st:
        r = st.get(rid)
        assert st.get(rid[:5]).id == rid == st.get("last").id == st.get("#1").id
        mode = st.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert r.command == "run" and r.models == ("compromise", "median") and r.seed == 7
    assert r.params == {"compromise": {}}
    assert r.version == detente_version() != "unknown"
    assert r.started == t0 and 0 <= r.elapsed < 60
    assert r.result == json.loads(json.dumps(result))
    assert r.scenario() == tiny
    assert r.input_hash == tiny.input_hash() == r.scenario().input_hash()
    assert r.scenario_data == tiny.model_dump(mode="json")


def test_lookup_errors(record):
    with RunStore.open() as st:
        a, b = record(), record()
        st.conn.execute("UPDATE runs SET id = 'abcd1111' WHERE id = ?", (a,))
        st.conn.execute("UPDATE runs SET id = 'abcd2222' WHERE id = ?", (b,))
        with pytest.raises(InputError, match="more than one run"):
            st.get("abcd")
        assert st.get("abcd2").id == "abcd2222"
        with pytest.raises(InputError, match="no recorded run 'ffff'"):
            st.get("ffff")
        with pytest.raises(InputError, match="no recorded run 'ab'"):
            st.get("ab")  # too short to be a prefix


def test_open_without_create_says_nothing_was_recorded(detente_home):
    with (
        pytest.raises(InputError, match="no run has been recorded yet"),
        RunStore.open(create=False),
    ):
        pass
    assert not detente_home.exists()


def test_canonical_json_is_stable_and_finite():
    a = canonical_json({"b": np.float64(1.5), "a": [np.int64(2), float("nan")], "c": (1,)})
    assert a == '{"a":[2,null],"b":1.5,"c":[1]}'
    assert canonical_json({"x": np.array([1.0, 2.0])}) == '{"x":[1.0,2.0]}'
    with pytest.raises(TypeError):
        canonical_json({"x": object()})


def test_corrupt_file_is_one_line_input_error(detente_home):
    detente_home.mkdir()
    (detente_home / "runs.sqlite").write_bytes(b"this is not a database, just text" * 100)
    with pytest.raises(InputError) as exc, RunStore.open():
        pass
    msg = exc.value.message
    assert "runs.sqlite" in msg and "not a readable SQLite database" in msg and "\n" not in msg


def test_newer_schema_is_refused(record, detente_home):
    record()
    with sqlite3.connect(detente_home / "runs.sqlite") as conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(InputError, match="written by a newer detente"), RunStore.open():
        pass


def test_another_sqlite_database_is_refused(detente_home):
    detente_home.mkdir()
    with sqlite3.connect(detente_home / "runs.sqlite") as conn:
        conn.execute("CREATE TABLE photos (id INTEGER)")
    with pytest.raises(InputError, match="not a detente run store"), RunStore.open():
        pass


def _writer(home: str, tag: str, n: int, barrier) -> None:  # runs in a child process
    import os

    from detente.scenario import Actor, Issue, Scenario, Stance

    os.environ["DETENTE_HOME"] = home
    sc = Scenario(
        id=f"s-{tag}",
        actors=(Actor(id="a"), Actor(id="b")),
        issues=(Issue(id="x"),),
        stances=(
            Stance(actor="a", issue="x", position=10, salience=1),
            Stance(actor="b", issue="x", position=90, salience=1),
        ),
    )
    barrier.wait()
    for k in range(n):
        rid = record_run(
            "run",
            sc,
            model="compromise",
            params={},
            seed=k,
            result={"k": k, "tag": tag},
            started=time.time(),
        )
        assert rid is not None


def test_two_processes_writing_at_once_lose_nothing(detente_home):
    """Both processes start on a store that does not exist yet (they race to create it)."""
    n = 60
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(str(detente_home), tag, n, barrier)) for tag in "AB"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    with RunStore.open(create=False) as st:
        runs = st.runs()
        assert len(st.runs(scenario="s-A")) == n
    assert len(runs) == 2 * n and len({r.id for r in runs}) == 2 * n
    for tag in "AB":
        assert sorted(r.result["k"] for r in runs if r.result["tag"] == tag) == list(range(n))


def test_record_run_never_stops_the_command(tiny, monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DETENTE_HOME", str(blocker / "sub"))
    rid = record_run(
        "run", tiny, model="compromise", params={}, seed=0, result={}, started=time.time()
    )
    assert rid is None
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "this run was not recorded" in err


def test_record_run_does_not_hide_programming_errors(tiny):
    with pytest.raises(TypeError):
        record_run(
            "run",
            tiny,
            model="compromise",
            params={},
            seed=0,
            result={"x": object()},
            started=time.time(),
        )


def test_record_run_keeps_the_result(tiny):
    result = run_result(tiny, ["compromise"])
    rid = record_run(
        "run", tiny, model="compromise", params={}, seed=0, result=result, started=time.time()
    )
    with RunStore.open(create=False) as st:
        r = st.get(rid)
    assert r.models == ("compromise",) and r.result == result


def test_store_path_is_under_the_test_home(detente_home):
    assert Path(store_path()).parent == detente_home


def test_a_run_over_a_dataset_keeps_a_description_of_its_inputs(tiny, record):
    inputs = {"id": "deu.csv", "cases": ["0123456789abcdef", "fedcba9876543210"]}
    result = {"models": [{"model": "compromise", "mae": 20.5}]}
    rid = record_run(
        "validate",
        None,
        model=["compromise"],
        params={},
        seed=0,
        result=result,
        started=time.time(),
        inputs=inputs,
    )
    with RunStore.open(create=False) as st:
        r = st.get(rid)
    assert r.inputs_kind == "other" and r.scenario_id == "deu.csv"
    assert r.scenario_data == inputs and r.result == result
    assert r.input_hash == canonical_json_hash(inputs)
    with pytest.raises(InputError, match="are not one scenario"):
        r.scenario()
    with pytest.raises(TypeError):
        record_run("validate", None, model="x", params={}, seed=0, result={}, started=time.time())


def canonical_json_hash(data) -> str:
    import hashlib

    return hashlib.sha256(canonical_json(data).encode()).hexdigest()[:16]
