"""The forecast record: every run kept, forecasts sealed before the outcome, graded after.

- :mod:`detente.record.store`: the SQLite run store (where it lives, what a record holds);
- :mod:`detente.record.seal`: sealing a run into a hash chain, and verifying the chain
  and that sealed forecasts reproduce;
- :mod:`detente.record.grade`: scoring a sealed forecast against observed outcomes.

Commands record their runs with :func:`record_run`, which never stops a command: when the
store cannot be written it prints one notice on stderr and returns ``None``. Only problems
of the store (the file, the disk, SQLite) are turned into that notice; a programming error
(a result that is not JSON, a wrong argument) still raises, so tests see it.

Importing this package imports only the standard library.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from detente.errors import InputError

if TYPE_CHECKING:
    from detente.scenario import Scenario

__all__ = ["record_run"]


def record_run(
    command: str,
    scenario: Scenario | None,
    *,
    model: str | Sequence[str],
    params: Mapping[str, Any],
    seed: int | None,
    result: Mapping[str, Any],
    started: float,
    inputs: Mapping[str, Any] | None = None,
) -> str | None:
    """Record one run of ``command`` in the run store; the run's id, or ``None`` (with a
    notice on stderr) when it could not be recorded.

    ``model``: the model or models run; ``params``: their parameters as given (e.g.
    ``{"expected_utility": {"rounds": "20"}}``); ``result``: the JSON the command prints
    with ``--json``; ``started``: ``time.time()`` when the command started. A command whose
    input is not one scenario (``validate`` over a dataset) passes ``scenario=None`` and
    describes its inputs in ``inputs`` (e.g. ``{"id": path, "cases": [input hashes]}``).
    """
    from detente.record.store import RunStore

    models = [model] if isinstance(model, str) else list(model)
    try:
        with RunStore.open() as store:
            return store.add_run(
                command,
                scenario,
                models=models,
                params=params,
                seed=seed,
                result=result,
                started=started,
                inputs=inputs,
            )
    except (InputError, sqlite3.Error, OSError) as exc:
        text = exc.message if isinstance(exc, InputError) else str(exc)
        sys.stderr.write(f"notice: this run was not recorded ({text}); --no-record skips it\n")
        return None
