"""Run chunks of work on any :class:`concurrent.futures.Executor`.

The analyses split their work into chunks whose results do not depend on where or in which
order they run (each chunk carries its own draws' random streams, see
:mod:`detente.analysis.perturb`), so any executor gives the same numbers:

* in-process, one chunk after the other (``workers=1``, the default of the library);
* a local process pool (:func:`open_executor` with ``workers > 1``);
* a Dask cluster, through ``distributed.Client(address).get_executor()``
  (:func:`open_executor` with ``scheduler="tcp://HOST:PORT"``), or a
  ``distributed.LocalCluster`` started for the run (``dask_local=N``).

Interruption: on Ctrl-C (or any error) the chunks not started are cancelled, the pool this
module started is shut down and its worker processes are terminated, so no worker outlives
the run. Pool workers ignore SIGINT themselves: the Ctrl-C a terminal sends to the whole
process group reaches the parent, which stops them in order.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import ctypes.util
import math
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from detente.errors import InputError

__all__ = ["chunk_bounds", "open_executor", "run_chunks", "tune_allocator"]

T = TypeVar("T")
R = TypeVar("R")


def chunk_bounds(total: int, chunk: int, align: int = 1) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(total)``; ``chunk`` rounded up to ``align``."""
    if total <= 0:
        return []
    chunk = max(align, math.ceil(max(chunk, 1) / align) * align)
    return [(s, min(s + chunk, total)) for s in range(0, total, chunk)]


def _worker_init() -> None:  # pragma: no cover - runs in the worker processes
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_allocator()


_TUNED = False


def tune_allocator() -> None:
    """Let glibc keep freed memory for reuse (once per process; elsewhere a no-op).

    A batch kernel allocates and frees arrays of a few hundred kB at every block of draws.
    With glibc's defaults such arrays are mapped fresh from the OS and returned at each
    free, and every page is faulted in again: on a virtual machine that costs more than
    the arithmetic. Raising the mmap threshold to 64 MB and the trim threshold to 256 MB
    (``mallopt``) keeps them on the heap for reuse. Peak memory does not grow; memory
    freed at the end of a run is kept by the process rather than returned.
    """
    global _TUNED
    if _TUNED:
        return
    _TUNED = True
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    mallopt(m_mmap_threshold, 64 << 20)
    mallopt(m_trim_threshold, 256 << 20)
    mallopt(m_top_pad, 16 << 20)


def _noop(x: int) -> int:  # pragma: no cover - runs in the worker processes
    return x


def run_chunks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    executor: cf.Executor | None = None,
    workers: int = 1,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """``[fn(t) for t in tasks]``, run on ``executor`` (or a pool of ``workers``).

    Results come back in the order of ``tasks`` whatever the order they finish in;
    ``on_result(index, result)`` is called as each one arrives (for progress bars). With
    no executor and ``workers <= 1`` the tasks run in this process.
    """
    if executor is None and workers <= 1:
        out = []
        for k, t in enumerate(tasks):
            r = fn(t)
            if on_result is not None:
                on_result(k, r)
            out.append(r)
        return out
    if executor is None:
        with open_executor(workers=workers) as ex:
            return run_chunks(fn, tasks, executor=ex, on_result=on_result)
    futures: dict[cf.Future[R], int] = {}
    results: list[Any] = [None] * len(tasks)
    try:
        for k, t in enumerate(tasks):
            futures[executor.submit(fn, t)] = k
        for fut in cf.as_completed(futures):
            k = futures[fut]
            results[k] = fut.result()
            if on_result is not None:
                on_result(k, results[k])
    except BaseException:
        for fut in futures:
            fut.cancel()
        raise
    return results


@contextlib.contextmanager
def open_executor(
    *,
    workers: int = 1,
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> Iterator[cf.Executor | None]:
    """The executor of a run, closed (and its workers stopped) when the block ends.

    ``scheduler`` connects to a running Dask scheduler; ``dask_local`` starts a Dask
    ``LocalCluster`` with that many single-threaded worker processes on 127.0.0.1;
    otherwise ``workers > 1`` starts a process pool and ``workers == 1`` yields ``None``
    (run in this process).
    """
    if scheduler is not None and dask_local is not None:
        raise InputError(
            "choose either a Dask scheduler or a local Dask cluster",
            where="--scheduler / --dask-local",
        )
    if scheduler is not None or dask_local is not None:
        with _dask_executor(scheduler, dask_local) as ex:
            yield ex
        return
    if workers < 1:
        raise InputError(f"{workers} workers", where="--workers", allowed="1 or more")
    if workers == 1:
        yield None
        return
    pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
    try:
        # start every worker now, before the caller starts threads (progress bars)
        list(pool.map(_noop, range(workers)))
        yield pool
    finally:
        _stop_pool(pool)


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Cancel what has not started, stop the workers, and wait for them to exit."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():  # pragma: no cover - a worker that ignored SIGTERM
            p.kill()
            p.join(timeout=5)
    pool.shutdown(wait=True)


@contextlib.contextmanager
def _dask_executor(scheduler: str | None, dask_local: int | None) -> Iterator[cf.Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is an optional extra
        raise InputError(
            "Dask is not installed", where="--scheduler", allowed="pip install 'detente[dask]'"
        ) from None
    cluster = None
    client = None
    try:
        if dask_local is not None:
            if dask_local < 1:
                raise InputError(f"{dask_local} workers", where="--dask-local", allowed="1 or more")
            cluster = LocalCluster(
                n_workers=dask_local,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address=None,
                processes=True,
            )
            client = Client(cluster)
        else:
            assert scheduler is not None
            try:
                client = Client(scheduler, timeout=os.environ.get("DETENTE_DASK_TIMEOUT", "10s"))
            except OSError as exc:
                raise InputError(
                    f"cannot reach the Dask scheduler {scheduler!r}: {exc}",
                    where="--scheduler",
                    allowed="the address of a running scheduler, e.g. tcp://127.0.0.1:8786",
                ) from None
        ex = client.get_executor(pure=False)
        try:
            yield ex
        finally:
            ex.shutdown(wait=False)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
