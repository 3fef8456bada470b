"""The run store: every recorded forecast in one SQLite database.

Where: ``$DETENTE_HOME/runs.sqlite`` when ``DETENTE_HOME`` is set, else
``$XDG_DATA_HOME/detente/runs.sqlite``, else ``~/.local/share/detente/runs.sqlite``
(:func:`store_path`).

A run record holds what is needed to see, compare and reproduce the forecast: the
scenario's canonical JSON (``scenario.model_dump(mode="json")``) and its
:meth:`~detente.scenario.Scenario.input_hash` (for a command whose input is not one
scenario, such as ``validate`` over a dataset, a description of its inputs and the SHA-256
of that description instead: ``inputs_kind`` is then ``"other"``), the command, the
models, their parameters, the seed, the detente version, when the command started and how
long it took, and the result JSON the command prints with ``--json``.

Concurrency and durability: the database runs in WAL mode with a busy timeout, and every
write is one ``BEGIN IMMEDIATE`` transaction, so two processes recording at once both keep
their rows (one waits for the other). Seals (:mod:`detente.record.seal`) are appended in the
same kind of transaction, so the hash chain cannot fork.

Problems with the file (not a database, damaged, written by a newer detente, locked for
longer than the timeout) are :class:`~detente.errors.InputError`: one line naming the file.

Time: each write and each look-up by id is O(log n) in the number of runs (B-tree
indexes); :meth:`RunStore.runs` reads the rows it lists. Memory: one run's JSON at a time,
except listings, which hold the listed rows.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.errors import InputError

if TYPE_CHECKING:
    from detente.scenario import Scenario

__all__ = [
    "SCHEMA_VERSION",
    "GradeRecord",
    "RunRecord",
    "RunStore",
    "SealRecord",
    "canonical_json",
    "detente_version",
    "store_path",
]

#: the schema this detente writes and reads; a database of a newer schema is refused
SCHEMA_VERSION = 1
#: how long a writer waits for another process's transaction to finish (milliseconds)
BUSY_TIMEOUT_MS = 30_000
#: the file name of the database inside the data directory
DB_NAME = "runs.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    started REAL NOT NULL,
    elapsed REAL NOT NULL,
    command TEXT NOT NULL,
    inputs_kind TEXT NOT NULL,
    scenario_id TEXT NOT NULL,
    scenario_name TEXT,
    input_hash TEXT NOT NULL,
    scenario_json TEXT NOT NULL,
    models TEXT NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER,
    version TEXT NOT NULL,
    result_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_scenario ON runs (scenario_id);
CREATE TABLE IF NOT EXISTS seals (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL UNIQUE REFERENCES runs (id),
    sealed_at TEXT NOT NULL,
    note TEXT,
    resolves TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grades (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs (id),
    graded_at TEXT NOT NULL,
    outcomes_source TEXT,
    score_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS grades_run ON grades (run_id);
"""

_TABLES = ("schema_version", "runs", "seals", "grades")


def store_path() -> Path:
    """The database file: under ``DETENTE_HOME``, ``XDG_DATA_HOME/detente`` or
    ``~/.local/share/detente`` (the first that is set)."""
    home = os.environ.get("DETENTE_HOME")
    if home:
        return Path(home).expanduser() / DB_NAME
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "detente" / DB_NAME


def detente_version() -> str:
    """The installed detente's version (``importlib.metadata``), or ``"unknown"``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("detente")
    except PackageNotFoundError:
        return "unknown"


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no whitespace: the same content gives the same text.

    NumPy scalars and arrays become plain numbers and lists; a non-finite float becomes
    ``null`` (JSON has no NaN).
    """
    return json.dumps(_plain(data), sort_keys=True, separators=(",", ":"), allow_nan=False)


def _plain(obj: Any) -> Any:
    """``obj`` as JSON-ready Python values (NumPy is handled by duck typing, so this module
    does not import it)."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if hasattr(obj, "tolist"):  # NumPy arrays and scalars
        return _plain(obj.tolist())
    if hasattr(obj, "isoformat"):  # dates
        return obj.isoformat()
    raise TypeError(f"cannot record a value of type {type(obj).__name__} as JSON")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class RunRecord:
    """One recorded command: its inputs, settings and result."""

    n: int
    id: str
    created: str
    started: float
    elapsed: float
    command: str
    inputs_kind: str  # "scenario", or "other" when the inputs are not one scenario
    scenario_id: str
    scenario_name: str | None
    input_hash: str
    scenario_json: str
    models: tuple[str, ...]
    params: dict[str, Any]
    seed: int | None
    version: str
    result_json: str

    @property
    def result(self) -> dict[str, Any]:
        return json.loads(self.result_json)

    @property
    def scenario_data(self) -> dict[str, Any]:
        return json.loads(self.scenario_json)

    def scenario(self) -> Scenario:
        """The scenario rebuilt from its stored JSON (validated as a derived scenario: it
        passed the user-facing checks when it was recorded)."""
        from detente.scenario import DERIVED, Scenario

        if self.inputs_kind != "scenario":
            raise InputError(
                f"the inputs of run {self.id} ({self.command}) are not one scenario",
                where="RUN",
                allowed="a run of run, ensemble, what-it-takes or agree",
            )
        return Scenario.model_validate(self.scenario_data, context=DERIVED)

    def content(self) -> dict[str, Any]:
        """Everything the record says, as JSON values (what a seal covers)."""
        return {
            "id": self.id,
            "created": self.created,
            "started": self.started,
            "elapsed": self.elapsed,
            "command": self.command,
            "inputs_kind": self.inputs_kind,
            "scenario": self.scenario_data,
            "input_hash": self.input_hash,
            "models": list(self.models),
            "params": self.params,
            "seed": self.seed,
            "version": self.version,
            "result": self.result,
        }


@dataclass(frozen=True)
class SealRecord:
    """A sealed forecast: the hash over its record, chained to the previous seal."""

    n: int
    run_id: str
    sealed_at: str
    note: str | None
    resolves: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class GradeRecord:
    """A forecast's score once the outcomes were known."""

    n: int
    run_id: str
    graded_at: str
    outcomes_source: str | None
    score: dict[str, Any]


class RunStore:
    """The database of recorded runs, seals and grades.

    Open with :meth:`open` (a context manager that closes the connection).
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    # ------------------------------------------------------------------ opening
    @classmethod
    @contextmanager
    def open(cls, path: str | Path | None = None, *, create: bool = True) -> Iterator[RunStore]:
        """Open (and with ``create``, make) the store at ``path`` (default
        :func:`store_path`). Without ``create`` a missing file is an
        :class:`~detente.errors.InputError` saying that nothing was recorded yet."""
        p = Path(path) if path is not None else store_path()
        if not p.exists():
            if not create:
                raise InputError(
                    "no run has been recorded yet (the run store does not exist)",
                    source=str(p),
                    allowed="run a forecast first (detente run), or set DETENTE_HOME to the "
                    "folder of an existing store",
                )
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(
                    f"cannot create the folder of the run store ({exc.strerror or exc})",
                    source=str(p.parent),
                    allowed="a folder you can write to (set DETENTE_HOME)",
                ) from None
        elif not p.is_file():
            raise InputError(
                "the run store's path is not a file", source=str(p), allowed="a SQLite file"
            )
        with _guard(p):
            conn = sqlite3.connect(p, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            with _guard(p):
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                store = cls(conn, p)
                store._prepare_waiting()
            yield store
        finally:
            conn.close()

    def _prepare_waiting(self) -> None:
        """:meth:`_prepare`, tried again while another process holds the lock: switching
        to WAL and creating the tables can fail at once with "database is locked" when two
        processes open a new store together (SQLite does not wait on a busy handler there),
        so this waits in steps of 50 ms, up to the busy timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self._prepare()
                return
            except sqlite3.OperationalError as exc:
                text = str(exc)
                if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                    raise
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                time.sleep(0.05)

    def _prepare(self) -> None:
        """Check the schema version; create the tables in a new database."""
        tables = {
            r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "schema_version" in tables:
            self._check_version()
        elif tables - {"sqlite_sequence"}:
            raise InputError(
                "this SQLite database is not a detente run store (it has no schema_version table)",
                source=str(self.path),
                allowed="a run store written by detente, or a new path (set DETENTE_HOME)",
            )
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        if "schema_version" not in tables:
            with self.transaction():
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        self.conn.execute(stmt)
                if self.conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 0:
                    self.conn.execute(
                        "INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,)
                    )
            self._check_version()

    def _check_version(self) -> None:
        row = self.conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        found = row[0] if row else None
        if not isinstance(found, int):
            raise InputError(
                "the run store has no valid schema version",
                source=str(self.path),
                allowed=f"a run store of schema version {SCHEMA_VERSION}",
            )
        if found > SCHEMA_VERSION:
            raise InputError(
                f"the run store was written by a newer detente (schema version {found}; this "
                f"detente {detente_version()} reads up to {SCHEMA_VERSION})",
                source=str(self.path),
                allowed="upgrade detente, or set DETENTE_HOME to another folder",
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``: it takes the write lock at once, so
        reads inside it see what the write will build on)."""
        with _guard(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
        try:
            with _guard(self.path):
                yield self.conn
                self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------------ runs
    def add_run(
        self,
        command: str,
        scenario: Scenario | None,
        *,
        models: Sequence[str],
        params: Mapping[str, Any],
        seed: int | None,
        result: Mapping[str, Any],
        started: float,
        version: str | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> str:
        """Record one run; returns its id (12 hexadecimal digits).

        ``inputs`` describes the inputs of a command that does not run on one scenario
        (``scenario`` is then ``None``): e.g. ``{"id": "deu", "cases": [input hashes]}``.
        """
        run_id = uuid.uuid4().hex[:12]
        if scenario is not None:
            kind, sid, name, ihash = "scenario", scenario.id, scenario.name, scenario.input_hash()
            data = canonical_json(scenario.model_dump(mode="json"))
        elif inputs is not None:
            data = canonical_json(inputs)
            kind, sid, name = "other", str(inputs.get("id", command)), None
            ihash = hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]
        else:
            raise TypeError("add_run needs a scenario or a description of the inputs")
        row = (
            run_id,
            _now(),
            float(started),
            max(0.0, time.time() - float(started)),
            command,
            kind,
            sid,
            name,
            ihash,
            data,
            canonical_json(list(models)),
            canonical_json(params),
            None if seed is None else int(seed),
            version or detente_version(),
            canonical_json(result),
        )
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO runs (id, created, started, elapsed, command, inputs_kind, "
                "scenario_id, scenario_name, input_hash, scenario_json, models, params, seed, "
                "version, result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        return run_id

    def runs(self, *, scenario: str | None = None) -> list[RunRecord]:
        """Every run, oldest first (only those of scenario id ``scenario`` if given)."""
        sql = f"SELECT {_RUN_COLS} FROM runs"
        args: tuple[Any, ...] = ()
        if scenario is not None:
            sql += " WHERE scenario_id = ?"
            args = (scenario,)
        with _guard(self.path):
            rows = self.conn.execute(sql + " ORDER BY n", args).fetchall()
        return [self._run(r) for r in rows]

    def get(self, ref: str) -> RunRecord:
        """The run named by ``ref``: its id, a unique prefix of it (4 characters or more),
        ``last`` (the latest run) or ``#N`` (the N-th recorded run)."""
        ref = ref.strip()
        with _guard(self.path):
            if ref == "last":
                rows = self.conn.execute(
                    f"SELECT {_RUN_COLS} FROM runs ORDER BY n DESC LIMIT 1"
                ).fetchall()
            elif ref.startswith("#") and ref[1:].isdigit():
                rows = self.conn.execute(
                    f"SELECT {_RUN_COLS} FROM runs WHERE n = ?", (int(ref[1:]),)
                ).fetchall()
            elif len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref.lower()):
                rows = self.conn.execute(
                    f"SELECT {_RUN_COLS} FROM runs WHERE id >= ? AND id < ? ORDER BY n LIMIT 2",
                    (ref.lower(), ref.lower() + "g"),
                ).fetchall()
            else:
                rows = []
        if len(rows) > 1:
            raise InputError(
                f"{ref!r} is the start of more than one run id",
                where="RUN",
                allowed="more characters of the id (detente runs list)",
            )
        if not rows:
            raise InputError(
                f"no recorded run {ref!r}",
                source=str(self.path),
                where="RUN",
                allowed="a run id or a unique prefix of 4+ characters, #N or 'last' "
                "(detente runs list)",
            )
        return self._run(rows[0])

    @staticmethod
    def _run(r: tuple[Any, ...]) -> RunRecord:
        return RunRecord(
            n=r[0],
            id=r[1],
            created=r[2],
            started=r[3],
            elapsed=r[4],
            command=r[5],
            inputs_kind=r[6],
            scenario_id=r[7],
            scenario_name=r[8],
            input_hash=r[9],
            scenario_json=r[10],
            models=tuple(json.loads(r[11])),
            params=json.loads(r[12]),
            seed=r[13],
            version=r[14],
            result_json=r[15],
        )

    # ------------------------------------------------------------------ seals
    def seals(self) -> list[SealRecord]:
        """Every seal, in the order of the chain."""
        with _guard(self.path):
            rows = self.conn.execute(f"SELECT {_SEAL_COLS} FROM seals ORDER BY n").fetchall()
        return [SealRecord(*r) for r in rows]

    def seal_of(self, run_id: str) -> SealRecord | None:
        with _guard(self.path):
            r = self.conn.execute(
                f"SELECT {_SEAL_COLS} FROM seals WHERE run_id = ?", (run_id,)
            ).fetchone()
        return None if r is None else SealRecord(*r)

    # ------------------------------------------------------------------ grades
    def add_grade(self, run_id: str, score: Mapping[str, Any], source: str | None) -> int:
        with self.transaction() as tx:
            cur = tx.execute(
                "INSERT INTO grades (run_id, graded_at, outcomes_source, score_json) "
                "VALUES (?, ?, ?, ?)",
                (run_id, _now(), source, canonical_json(score)),
            )
        return int(cur.lastrowid or 0)

    def latest_grades(self) -> dict[str, GradeRecord]:
        """The latest grade of every graded run, by run id."""
        with _guard(self.path):
            rows = self.conn.execute(
                "SELECT n, run_id, graded_at, outcomes_source, score_json FROM grades "
                "WHERE n IN (SELECT MAX(n) FROM grades GROUP BY run_id)"
            ).fetchall()
        return {r[1]: GradeRecord(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows}


_RUN_COLS = (
    "n, id, created, started, elapsed, command, inputs_kind, scenario_id, scenario_name, "
    "input_hash, scenario_json, models, params, seed, version, result_json"
)
_SEAL_COLS = "n, run_id, sealed_at, note, resolves, prev_hash, hash"


@contextmanager
def _guard(path: Path) -> Iterator[None]:
    """SQLite's errors about the file as one-line :class:`InputError` naming it."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise InputError(
                f"the run store stayed locked by another process for {BUSY_TIMEOUT_MS / 1000:g} s",
                source=str(path),
                allowed="try again when the other detente command has finished",
            ) from None
        if "no such table" in text or "no such column" in text:
            raise InputError(
                f"the run store is damaged or of another layout ({text})",
                source=str(path),
                allowed=f"a run store of schema version {SCHEMA_VERSION}",
            ) from None
        raise InputError(
            f"cannot use the run store ({text})",
            source=str(path),
            allowed="a readable and writable SQLite file (set DETENTE_HOME to move it)",
        ) from None
    except sqlite3.DatabaseError as exc:  # "file is not a database", a damaged page
        raise InputError(
            f"the run store is not a readable SQLite database ({exc})",
            source=str(path),
            allowed="a run store written by detente; move the damaged file away, or set "
            "DETENTE_HOME to another folder",
        ) from None
