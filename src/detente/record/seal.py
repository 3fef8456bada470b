"""Sealing forecasts before their outcome is known, and checking the seals later.

A seal freezes one recorded run: SHA-256 over the canonical JSON (sorted keys, no
whitespace) of the run's whole record (scenario, input hash, command, models, parameters,
seed, detente version, timings, result) together with the seal's own date, note and
resolution date, and the hash of the previous seal. The seals form a hash chain (as in a
ledger: changing, removing or reordering any sealed record breaks every later link), so a
forecast cannot be quietly improved once its outcome is known.

:func:`verify` recomputes every link and, for sealed ``run`` forecasts, runs the models
again on the stored scenario with the stored parameters and seed, and compares each issue's
outcome with the sealed one (to :data:`TOLERANCE`).

Time: sealing is O(size of the run's record); verifying is O(total size of the sealed
records) plus one forecast per sealed model when re-running.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from detente.errors import InputError
from detente.record.store import (
    RunRecord,
    RunStore,
    SealRecord,
    _now,
    canonical_json,
    detente_version,
)

__all__ = ["GENESIS", "TOLERANCE", "SealCheck", "seal_hash", "seal_run", "verify"]

#: the "previous hash" of the first seal in a store
GENESIS = "0" * 64
#: largest difference between a sealed and a re-computed outcome that counts as the same
TOLERANCE = 1e-9


def seal_hash(
    run: RunRecord,
    *,
    sealed_at: str,
    note: str | None,
    resolves: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the canonical JSON of the run's record, the seal's fields and the
    previous seal's hash."""
    payload = {
        "prev_hash": prev_hash,
        "run": run.content(),
        "sealed_at": sealed_at,
        "note": note,
        "resolves": resolves,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def parse_date(text: str, where: str) -> str:
    """An ISO date (``YYYY-MM-DD``) as text, or an :class:`InputError`."""
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InputError(
            f"{text!r} is not a date", where=where, allowed="a date as YYYY-MM-DD"
        ) from None


def seal_run(
    store: RunStore, ref: str, *, note: str | None = None, resolves: str | None = None
) -> SealRecord:
    """Seal the run named by ``ref`` (see :meth:`RunStore.get`); a run is sealed once."""
    run = store.get(ref)
    resolves = None if resolves is None else parse_date(resolves, "--resolves")
    with store.transaction() as tx:
        done = tx.execute("SELECT sealed_at FROM seals WHERE run_id = ?", (run.id,)).fetchone()
        if done is not None:
            raise InputError(
                f"run {run.id} was sealed already, on {done[0]}",
                where="RUN",
                allowed="a run that is not sealed yet (a seal is never replaced)",
            )
        last = tx.execute("SELECT hash FROM seals ORDER BY n DESC LIMIT 1").fetchone()
        prev = GENESIS if last is None else str(last[0])
        sealed_at = _now()
        h = seal_hash(run, sealed_at=sealed_at, note=note, resolves=resolves, prev_hash=prev)
        cur = tx.execute(
            "INSERT INTO seals (run_id, sealed_at, note, resolves, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (run.id, sealed_at, note, resolves, prev, h),
        )
    return SealRecord(int(cur.lastrowid or 0), run.id, sealed_at, note, resolves, prev, h)


@dataclass
class SealCheck:
    """What :func:`verify` found for one seal."""

    seal: SealRecord
    chain_ok: bool
    hash_ok: bool
    #: "reproduces", "differs", "not re-run" or "cannot re-run"
    rerun: str = "not re-run"
    #: (model, issue, sealed outcome, recomputed outcome) for every issue that differs
    differences: list[tuple[str, str, float, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain_ok and self.hash_ok and self.rerun != "differs"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.seal.run_id,
            "sealed_at": self.seal.sealed_at,
            "chain_ok": self.chain_ok,
            "hash_ok": self.hash_ok,
            "rerun": self.rerun,
            "differences": [
                {"model": m, "issue": i, "sealed": a, "now": b} for m, i, a, b in self.differences
            ],
            "notes": self.notes,
            "ok": self.ok,
        }


def verify(store: RunStore, *, rerun: bool = True) -> list[SealCheck]:
    """Check every seal of the store, in chain order (see the module docstring)."""
    checks: list[SealCheck] = []
    prev = GENESIS
    for seal in store.seals():
        chain_ok = seal.prev_hash == prev
        try:
            run = store.get(seal.run_id)
        except InputError:
            checks.append(
                SealCheck(seal, chain_ok, False, "cannot re-run", notes=["the run is missing"])
            )
            prev = seal.hash
            continue
        try:
            recomputed = seal_hash(
                run,
                sealed_at=seal.sealed_at,
                note=seal.note,
                resolves=seal.resolves,
                prev_hash=seal.prev_hash,
            )
        except (ValueError, TypeError) as exc:  # a stored JSON text that no longer parses
            recomputed = f"unreadable: {exc}"
        check = SealCheck(seal, chain_ok, recomputed == seal.hash)
        if not chain_ok:
            check.notes.append(
                "the previous link of the chain does not match (a seal before "
                "this one was changed or removed)"
            )
        if not check.hash_ok:
            check.notes.append("the record no longer matches its seal (changed after sealing)")
        if rerun and check.hash_ok:
            _rerun(run, check)
        prev = seal.hash
        checks.append(check)
    return checks


def _rerun(run: RunRecord, check: SealCheck) -> None:
    """Re-run a sealed ``run`` forecast and compare every issue's outcome."""
    if run.command != "run":
        check.rerun = "not re-run"
        check.notes.append(f"only 'run' forecasts are re-run (this is '{run.command}')")
        return
    from detente.models import get_model

    now = detente_version()
    if run.version != now:
        check.notes.append(f"sealed with detente {run.version}, re-run with {now}")
    try:
        scenario = run.scenario()
    except ValueError as exc:
        check.rerun = "cannot re-run"
        check.notes.append(f"the stored scenario no longer validates: {exc}")
        return
    if scenario.input_hash() != run.input_hash:
        check.notes.append(
            f"the rebuilt scenario's input hash {scenario.input_hash()} differs from the "
            f"recorded {run.input_hash}"
        )
    sealed = json.loads(run.result_json).get("forecasts", [])
    for fc in sealed:
        name = fc["model"]
        params = run.params.get(name, {}) if isinstance(run.params, dict) else {}
        try:
            model = get_model(name, **params)
        except InputError as exc:
            check.rerun = "cannot re-run"
            check.notes.append(f"model {name}: {exc.message}")
            return
        f = model.forecast(scenario, seed=run.seed)
        now_out = dict(zip(f.issue_ids, (float(x) for x in f.outcome), strict=True))
        for entry in fc["issues"]:
            a = entry["outcome"]
            b = now_out.get(entry["id"])
            if a is None or b is None or abs(float(a) - b) > TOLERANCE:
                check.differences.append(
                    (
                        name,
                        entry["id"],
                        float("nan") if a is None else float(a),
                        float("nan") if b is None else b,
                    )
                )
    check.rerun = "differs" if check.differences else "reproduces"
