"""Run chunks of work on any :class:`concurrent.futures.Executor`.

The analyses split their work into chunks whose results do not depend on where or in which
order they run (each chunk carries its own draws' random streams, see
:mod:`detente.analysis.perturb`), so any executor gives the same numbers:

* in-process, one chunk after the other (``workers=1``, the default of the library);
* a local process pool (:func:`open_executor` with ``workers > 1``);
* a Dask cluster, through ``distributed.Client(address).get_executor()``
  (:func:`open_executor` with ``scheduler="tcp://HOST:PORT"``), or a
  ``distributed.LocalCluster`` started for the run (``dask_local=N``).

Interruption: on Ctrl-C (or any error) the chunks not started are cancelled and the pool
this module started is told to stop: each running chunk returns at its next block of draws
(:func:`stop_requested`, :class:`Stopped`), the workers exit, and the pool is shut down, so
no worker outlives the run. Workers are asked rather than killed because a worker killed
while it sends a result leaves the pool's result pipe half-written and the parent waiting
for ever; one that has not stopped after :data:`STOP_TIMEOUT` seconds is terminated. Pool
workers ignore SIGINT themselves: the Ctrl-C a terminal sends to the whole process group
reaches the parent, which stops them in order. The parent waits for results in short
slices, so that a Ctrl-C delivered to one of its helper threads is noticed at once.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import ctypes
import ctypes.util
import math
import multiprocessing
import multiprocessing.connection as mp_connection
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from detente.errors import InputError

__all__ = [
    "STOP_TIMEOUT",
    "Stopped",
    "chunk_bounds",
    "open_executor",
    "run_chunks",
    "stop_requested",
    "tune_allocator",
]

#: seconds an interrupted worker gets to finish its current block before it is terminated
STOP_TIMEOUT = 30.0

T = TypeVar("T")
R = TypeVar("R")


def chunk_bounds(total: int, chunk: int, align: int = 1) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(total)``; ``chunk`` rounded up to ``align``."""
    if total <= 0:
        return []
    chunk = max(align, math.ceil(max(chunk, 1) / align) * align)
    return [(s, min(s + chunk, total)) for s in range(0, total, chunk)]


#: set in pool workers: the parent's request to stop (an ``Event`` shared with the pool)
_STOP: Any = None


class Stopped(Exception):
    """A chunk stopped early because the run was interrupted."""


def stop_requested() -> bool:
    """Whether the run this worker serves was interrupted (checked between blocks)."""
    return _STOP is not None and _STOP.is_set()


def _worker_init(stop: Any) -> None:  # pragma: no cover - runs in the worker processes
    global _STOP
    _STOP = stop
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


@contextlib.contextmanager
def _deferred_sigint() -> Iterator[Callable[[], None]]:
    """Hold Ctrl-C back while futures and pools are handled (a KeyboardInterrupt raised
    inside their locks can leave a lock taken and the pool's thread waiting for ever):
    SIGINT only sets a flag, and the ``check()`` this yields raises KeyboardInterrupt at a
    safe point. Outside the main thread, or when SIGINT is not Python's default handler,
    nothing changes."""
    hit: list[int] = []

    def check() -> None:
        if hit:
            hit.clear()
            raise KeyboardInterrupt

    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield check
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: hit.append(signum))
    try:
        yield check
    finally:
        signal.signal(signal.SIGINT, previous)
    check()


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
    with _deferred_sigint() as check:
        try:
            for k, t in enumerate(tasks):
                futures[executor.submit(fn, t)] = k
                check()
            pending = set(futures)
            while pending:
                # short slices, so that a Ctrl-C is acted on at once
                done, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
                check()
                for fut in sorted(done, key=futures.__getitem__):
                    k = futures[fut]
                    results[k] = fut.result()
                    if on_result is not None:
                        on_result(k, results[k])
                    check()
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
    ctx = multiprocessing.get_context()
    stop = ctx.Event()
    clean = False
    with _deferred_sigint() as check:
        pool = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(stop,)
        )
        # start every worker now, before the caller starts threads (progress bars)
        list(pool.map(_noop, range(workers)))
        procs = list(getattr(pool, "_processes", {}).values())
        try:
            check()
        except KeyboardInterrupt:
            _stop_pool(pool, stop, procs)
            raise
    try:
        yield pool
        clean = True
    finally:
        with _deferred_sigint():
            if clean:
                pool.shutdown(wait=True)
            else:
                _stop_pool(pool, stop, procs)


def _stop_pool(pool: cf.ProcessPoolExecutor, stop: Any, procs: list[Any]) -> None:
    """Stop an interrupted pool: cancel the chunks not started, ask the running ones to
    stop at their next block (they return at once, so no result is cut in half), and shut
    the pool down, which waits for its workers to exit. A watchdog terminates workers
    still running after :data:`STOP_TIMEOUT` seconds. (The pool's own thread reaps the
    workers: joining them here as well would race with it.)"""
    stop.set()
    watchdog = threading.Timer(STOP_TIMEOUT, _terminate, args=(procs,))
    watchdog.daemon = True
    watchdog.start()
    try:
        pool.shutdown(wait=True, cancel_futures=True)
    finally:
        watchdog.cancel()


def _terminate(procs: list[Any]) -> None:  # pragma: no cover - a block longer than the timeout
    for p in procs:
        # the sentinel is ready once the process has exited; until then its pid is its own
        if not mp_connection.wait([p.sentinel], timeout=0):
            with contextlib.suppress(ProcessLookupError):
                os.kill(p.pid, signal.SIGTERM)


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
