"""Seals: the hash chain, tampering detected, sealed forecasts re-run."""

from __future__ import annotations

import copy
import json
import sqlite3

import pytest

from detente.errors import InputError
from detente.record.seal import GENESIS, seal_hash, seal_run, verify
from detente.record.store import RunStore

from .conftest import run_result


def _db(home) -> sqlite3.Connection:
    return sqlite3.connect(home / "runs.sqlite")


def test_seals_form_a_chain(record):
    a, b = record(), record(["median"])
    with RunStore.open() as st:
        s1 = seal_run(st, a, note="first", resolves="2027-06-30")
        s2 = seal_run(st, b[:6])
        assert s1.prev_hash == GENESIS and s2.prev_hash == s1.hash != s2.hash
        assert s1.resolves == "2027-06-30" and s1.note == "first"
        run = st.get(a)
        assert s1.hash == seal_hash(
            run, sealed_at=s1.sealed_at, note="first", resolves="2027-06-30", prev_hash=GENESIS
        )
        assert st.seal_of(b) == s2
        with pytest.raises(InputError, match="sealed already"):
            seal_run(st, a)
        with pytest.raises(InputError, match="is not a date"):
            seal_run(st, record(), resolves="next spring")


def test_verify_reproduces_sealed_run_forecasts(record):
    rid = record(["compromise", "median", "expected_utility"])
    with RunStore.open() as st:
        seal_run(st, rid)
        (check,) = verify(st)
    assert check.ok and check.chain_ok and check.hash_ok
    assert check.rerun == "reproduces" and check.differences == []


def test_a_sealed_forecast_that_does_not_reproduce_names_the_issue(record, tiny):
    result = run_result(tiny, ["compromise"])
    wrong = copy.deepcopy(result)
    wrong["forecasts"][0]["issues"][1]["outcome"] += 1e-6  # issue y
    rid = record(result=wrong)
    with RunStore.open() as st:
        seal_run(st, rid)
        (check,) = verify(st)
    assert check.hash_ok and check.rerun == "differs" and not check.ok
    ((model, issue, sealed, now),) = check.differences
    assert (model, issue) == ("compromise", "y")
    assert sealed - now == pytest.approx(1e-6, abs=1e-12)


def test_verify_detects_a_result_edited_in_the_database(record, detente_home):
    a, b = record(), record()
    with RunStore.open() as st:
        seal_run(st, a)
        seal_run(st, b)
    with _db(detente_home) as conn:
        text = conn.execute("SELECT result_json FROM runs WHERE id = ?", (a,)).fetchone()[0]
        data = json.loads(text)
        data["forecasts"][0]["issues"][0]["outcome"] = 42.0
        conn.execute("UPDATE runs SET result_json = ? WHERE id = ?", (json.dumps(data), a))
    with RunStore.open() as st:
        first, second = verify(st)
    assert not first.hash_ok and not first.ok and "changed after sealing" in first.notes[-1]
    assert first.rerun == "not re-run"  # a tampered record is not trusted to re-run
    assert second.ok  # the chain links hashes, which were not changed


@pytest.mark.parametrize("column", ["note", "sealed_at", "resolves"])
def test_verify_detects_an_edited_seal(record, detente_home, column):
    rid = record()
    with RunStore.open() as st:
        seal_run(st, rid, note="n", resolves="2030-01-01")
    with _db(detente_home) as conn:
        conn.execute(f"UPDATE seals SET {column} = '2031-01-01'")
    with RunStore.open() as st:
        (check,) = verify(st)
    assert not check.hash_ok and not check.ok


def test_verify_detects_a_removed_seal(record, detente_home):
    ids = [record(), record(), record()]
    with RunStore.open() as st:
        for rid in ids:
            seal_run(st, rid)
    with _db(detente_home) as conn:
        conn.execute("DELETE FROM seals WHERE run_id = ?", (ids[1],))
    with RunStore.open() as st:
        first, third = verify(st, rerun=False)
    assert first.ok
    assert not third.chain_ok and third.hash_ok and not third.ok


def test_verify_does_not_rerun_other_commands(record, tiny):
    rid = record(command="ensemble", result={"model": "compromise", "issues": []})
    with RunStore.open() as st:
        seal_run(st, rid)
        (check,) = verify(st)
    assert check.ok and check.rerun == "not re-run"


def test_diff_names_changed_stances_and_moved_forecasts(record, tiny):
    from detente.record.diff import diff_runs
    from detente.scenario import StanceChange

    moved = tiny.with_changes([StanceChange(actor="b", issue="x", position=20)])
    a, b = record(["compromise", "median"]), record(["compromise"], scenario=moved)
    with RunStore.open() as st:
        d = diff_runs(st.get(a), st.get(b))
    assert d["stances"]["changed"] == [
        {"actor": "b", "issue": "x", "field": "position", "a": 70.0, "b": 20.0}
    ]
    assert d["actors"] == d["issues"] == {"added": [], "removed": [], "changed": []}
    assert {s["field"] for s in d["settings"]} == {"input_hash", "models"}
    (mx,) = [m for m in d["forecasts"] if m["issue"] == "x"]
    # compromise: capability x salience weighted mean of positions (2·10 + 0.5·p + 0.5·100)/3
    assert mx["a"] == pytest.approx(105 / 3) and mx["b"] == pytest.approx(80 / 3)
    assert mx["change"] == pytest.approx(-25 / 3)
    assert d["models_only_in_a"] == ["median"]


def test_verify_reports_a_sealed_run_removed_from_the_store(record, detente_home):
    rid = record()
    with RunStore.open() as st:
        seal_run(st, rid)
    with _db(detente_home) as conn:  # foreign keys are off in a plain sqlite3 session
        conn.execute("DELETE FROM runs WHERE id = ?", (rid,))
    with RunStore.open() as st:
        (check,) = verify(st)
    assert not check.ok and "the run is missing" in check.notes


def _sealer(home: str, ids: list[str], barrier) -> None:  # runs in a child process
    import os

    os.environ["DETENTE_HOME"] = home
    barrier.wait()
    for rid in ids:
        with RunStore.open() as st:
            seal_run(st, rid)


def test_two_processes_sealing_at_once_keep_one_chain(record, detente_home):
    import multiprocessing

    ids = [record() for _ in range(40)]
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(target=_sealer, args=(str(detente_home), part, barrier))
        for part in (ids[::2], ids[1::2])
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    with RunStore.open() as st:
        checks = verify(st, rerun=False)
    assert len(checks) == 40 and all(c.ok for c in checks)
    assert {c.seal.run_id for c in checks} == set(ids)
