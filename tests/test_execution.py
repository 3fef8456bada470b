"""Executors: the same numbers in-process, on a process pool and on Dask; clean stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from detente.analysis.ensemble import run_ensemble
from detente.errors import InputError
from detente.execution import chunk_bounds, open_executor, run_chunks


def _square(x: int) -> int:
    return x * x


def _slow(x: int) -> int:
    time.sleep(0.2)
    return x


def test_chunk_bounds_cover_and_align():
    assert chunk_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert chunk_bounds(3000, 1000, align=1024) == [(0, 1024), (1024, 2048), (2048, 3000)]
    assert chunk_bounds(0, 5) == []


def test_run_chunks_keeps_the_order_of_tasks():
    seen = []
    out = run_chunks(_square, [3, 1, 2], on_result=lambda k, r: seen.append((k, r)))
    assert out == [9, 1, 4] and seen == [(0, 9), (1, 1), (2, 4)]
    with open_executor(workers=2) as ex:
        assert run_chunks(_square, list(range(7)), executor=ex) == [k * k for k in range(7)]


def test_same_numbers_in_process_on_a_pool_and_on_dask(tiny):
    """Identical to the bit: in-process, 2 local processes, a threaded Dask LocalCluster
    on 127.0.0.1, and a Dask LocalCluster of worker processes; any chunk size."""
    from distributed import Client, LocalCluster

    kw = {"draws": 5000, "seed": 21, "targets": ["x <= 40"], "keep_inputs": True}
    base = run_ensemble(tiny, "compromise", **kw)
    runs = {}
    with open_executor(workers=2) as ex:
        runs["pool"] = run_ensemble(tiny, "compromise", executor=ex, chunk_size=1024, **kw)
    with (
        LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            protocol="tcp",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        ex = client.get_executor(pure=False)
        runs["dask threads"] = run_ensemble(tiny, "compromise", executor=ex, chunk_size=2048, **kw)
    with open_executor(dask_local=1) as ex:
        runs["dask processes"] = run_ensemble(tiny, "median", executor=ex, **kw)
    for name, r in runs.items():
        ref = run_ensemble(tiny, "median", **kw) if name == "dask processes" else base
        np.testing.assert_array_equal(r.outcomes, ref.outcomes, err_msg=name)
        np.testing.assert_array_equal(r.inputs, ref.inputs, err_msg=name)
        np.testing.assert_array_equal(r.met, ref.met, err_msg=name)


def test_cli_on_a_dask_scheduler_prints_the_same_json(tiny, tmp_path):
    """``--scheduler tcp://127.0.0.1:PORT``: a threaded LocalCluster in this process, the
    CLI in a subprocess; its JSON equals the in-process run's, byte for byte."""
    from distributed import LocalCluster

    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny.model_dump(mode="json")))
    args = ["ensemble", str(path), "-n", "3000", "--seed", "4", "-t", "x <= 40", "--json"]
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "DETENTE_HOME": os.environ["DETENTE_HOME"]}
    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        dask = subprocess.run(
            [sys.executable, "-m", "detente", *args, "--scheduler", cluster.scheduler_address],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    local = subprocess.run(
        [sys.executable, "-m", "detente", *args, "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert dask.returncode == 0, dask.stderr
    assert dask.stdout == local.stdout


def test_an_interrupt_stops_the_pool_and_its_workers():
    def stop(k: int, r: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), open_executor(workers=2) as ex:
        procs = list(ex._processes.values())  # type: ignore[union-attr]
        assert len(procs) == 2 and all(p.is_alive() for p in procs)
        run_chunks(_slow, list(range(20)), executor=ex, on_result=stop)
    assert not any(p.is_alive() for p in procs)


def test_bad_executor_settings():
    with pytest.raises(InputError, match="either"), open_executor(scheduler="x", dask_local=1):
        pass
    with pytest.raises(InputError, match="--workers"), open_executor(workers=0):
        pass
    os.environ["DETENTE_DASK_TIMEOUT"] = "1s"
    try:
        with (
            pytest.raises(InputError, match="cannot reach the Dask scheduler"),
            open_executor(scheduler="tcp://127.0.0.1:9"),
        ):
            pass
    finally:
        del os.environ["DETENTE_DASK_TIMEOUT"]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_the_cli_with_no_orphan_workers(tiny, tmp_path):
    """A terminal's Ctrl-C (SIGINT to the whole process group) during a long ensemble on
    two worker processes: exit status 130 within seconds, and no worker left."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny.model_dump(mode="json")))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "detente",
            "ensemble",
            str(path),
            "-n",
            "200000000",
            "--workers",
            "2",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={"DETENTE_HOME": os.environ["DETENTE_HOME"], "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    try:
        deadline = time.monotonic() + 60
        kids: list[int] = []
        while time.monotonic() < deadline and len(kids) < 2:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            kids = _children(proc.pid)
            time.sleep(0.1)
        assert len(kids) >= 2, "the worker processes did not start"
        time.sleep(1.0)  # let the workers get busy
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    time.sleep(0.2)
    assert not [k for k in kids if _alive(k)]
