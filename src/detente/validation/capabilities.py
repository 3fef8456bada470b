"""Capabilities of the actors in EU legislative data (DEU format).

The DEU data give positions and saliences but no capabilities; validation studies supply
them (Thomson, Stokman, Achen & König 2006, *The European Union Decides*, ch. 2 and 8;
Thomson et al. 2012, JEPP 19(4)). The options offered here:

* ``equal``: every member state 1;
* ``weights``: the member state's Council voting weight under qualified majority;
* ``banzhaf``: the normalised Banzhaf index of those weights;
* ``shapley``: the Shapley-Shubik index of those weights.

The weights and indices are read from the tables ``EU15.csv`` and ``EU27.csv`` (columns
``country, abbr, weights, quota, block, banzhaf, shapleyshubik``; distributed with the DEU
II replication data). For each issue the table used is the smallest one that lists every
member state with a position on the issue (EU15 before the 2004 enlargement, EU27 after),
as in the replication code of Broniecki's DEU II studies; a state missing from every table
is an input error.

The Commission (``com``) and the Parliament (``ep``) have no Council weight. Their
capability is set relative to the member states present on the issue by an
:class:`InstitutionRule`: ``mean`` (the mean member-state capability), ``max`` (the
largest state), ``sum`` (the whole Council), each with an optional factor (``2*mean``), or
an absolute number. A rule may depend on the legislative procedure, e.g.
``COD:max,CNS:0.5*mean,*:mean`` (``*`` for every other procedure and for issues whose
procedure is not known). The reference point, when used as an actor, gets a rule too.

Any other actor code (one the tables do not list and that is not ``com``, ``ep`` or
``rp``) is an input error under a table measure, and 1 under ``equal``.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from detente.errors import InputError

__all__ = [
    "INSTITUTIONS",
    "MEASURES",
    "CapabilitySpec",
    "CouncilTable",
    "InstitutionRule",
    "issue_capabilities",
    "load_council_tables",
    "parse_measure",
]

Measure = Literal["equal", "weights", "banzhaf", "shapley"]

#: accepted names of the capability measures (aliases map to the canonical name)
MEASURES: dict[str, Measure] = {
    "equal": "equal",
    "weights": "weights",
    "votes": "weights",
    "banzhaf": "banzhaf",
    "shapley": "shapley",
    "shapley-shubik": "shapley",
    "shapleyshubik": "shapley",
    "ssi": "shapley",
}

#: actor codes that are not member states
INSTITUTIONS = ("com", "ep", "rp")

_TABLE_FILES = ("EU15.csv", "EU27.csv")
_TABLE_COLUMNS = {"abbr", "weights", "banzhaf", "shapleyshubik"}


def parse_measure(text: str, where: str = "--capability") -> Measure:
    """The canonical name of a capability measure, or an :class:`InputError`."""
    key = text.strip().lower()
    if key not in MEASURES:
        raise InputError(
            f"unknown capability measure {text!r}",
            where=where,
            allowed="equal, weights, banzhaf, shapley",
        )
    return MEASURES[key]


# ----------------------------------------------------------------------------- tables
@dataclass(frozen=True)
class CouncilTable:
    """One table of Council voting weights and power indices, keyed by state code."""

    name: str
    path: str
    weights: dict[str, float]
    banzhaf: dict[str, float]
    shapley: dict[str, float]

    @property
    def members(self) -> frozenset[str]:
        return frozenset(self.weights)

    def value(self, code: str, measure: Measure) -> float:
        if measure == "equal":
            return 1.0
        table = {"weights": self.weights, "banzhaf": self.banzhaf, "shapley": self.shapley}
        return table[measure][code]


def load_council_tables(weights_dir: str | Path) -> tuple[CouncilTable, ...]:
    """The tables ``EU15.csv`` and ``EU27.csv`` of ``weights_dir``, smallest first."""
    d = Path(weights_dir)
    folder = str(d.resolve()) if d.exists() else str(d)
    stamps = tuple(
        (p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else None
        for p in (Path(folder) / f for f in _TABLE_FILES)
    )
    return _load_tables(folder, stamps)


@lru_cache(maxsize=8)
def _load_tables(folder: str, stamps: tuple[object, ...]) -> tuple[CouncilTable, ...]:
    """The tables of ``folder`` (cached while the files' times and sizes, ``stamps``, stay
    the same)."""
    tables = []
    for fname in _TABLE_FILES:
        p = Path(folder) / fname
        if not p.is_file():
            raise InputError(
                f"the Council weights table {fname} is not in {folder}",
                source=str(p),
                allowed="a folder holding EU15.csv and EU27.csv (set it with --weights-dir), "
                "or --capability equal",
            )
        tables.append(_read_table(p))
    return tuple(sorted(tables, key=lambda t: len(t.weights)))


def _read_table(path: Path) -> CouncilTable:
    src = str(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = {c.strip().lower() for c in reader.fieldnames or []}
        missing = _TABLE_COLUMNS - cols
        if missing:
            raise InputError(
                f"column(s) {', '.join(sorted(missing))} missing",
                source=src,
                where="header",
                allowed="columns country, abbr, weights, quota, block, banzhaf, shapleyshubik",
            )
        weights: dict[str, float] = {}
        banzhaf: dict[str, float] = {}
        shapley: dict[str, float] = {}
        for n, raw in enumerate(reader, start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
            code = row["abbr"].lower()
            if not code:
                raise InputError("abbr is empty", source=src, where=f"line {n}")
            for key, out in (
                ("weights", weights),
                ("banzhaf", banzhaf),
                ("shapleyshubik", shapley),
            ):
                try:
                    x = float(row[key])
                except ValueError:
                    raise InputError(
                        f"{key} {row[key]!r} is not a number",
                        source=src,
                        where=f"line {n}",
                        allowed="a non-negative number",
                    ) from None
                if not math.isfinite(x) or x < 0:
                    raise InputError(
                        f"{key} must be a finite non-negative number, got {row[key]}",
                        source=src,
                        where=f"line {n}",
                    )
                out[code] = x
    if not weights:
        raise InputError("the table has no rows", source=src)
    return CouncilTable(path.stem, src, weights, banzhaf, shapley)


def choose_table(states: list[str], tables: tuple[CouncilTable, ...], where: str) -> CouncilTable:
    """The smallest table listing every state in ``states``."""
    need = set(states)
    for t in tables:
        if need <= t.members:
            return t
    unknown = sorted(need - tables[-1].members)
    raise InputError(
        f"member state code(s) {', '.join(unknown)} are in none of the Council weights tables",
        where=where,
        allowed="codes of "
        + ", ".join(f"{t.name} ({t.path})" for t in tables)
        + ", or --capability equal",
    )


# ----------------------------------------------------------------------------- institutions
_RULE = re.compile(
    r"^\s*(?:(?P<f>\d+(?:\.\d*)?|\.\d+)\s*\*\s*)?(?P<base>mean|max|sum)\s*$|^\s*(?P<abs>\d+(?:\.\d*)?|\.\d+)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InstitutionRule:
    """An institution's capability relative to the member states present on an issue.

    ``by_procedure`` maps a procedure code (``COD``, ``CNS``, ...) or ``*`` to a pair
    ``(factor, base)`` with base ``mean``, ``max``, ``sum`` or ``abs`` (absolute number).
    """

    text: str
    by_procedure: dict[str, tuple[float, str]] = field(hash=False, compare=False)

    @classmethod
    def parse(cls, text: str, where: str) -> InstitutionRule:
        allowed = (
            "mean, max, sum, a factor times one of them (2*mean), a number, or per procedure "
            "COD:max,CNS:0.5*mean,*:mean"
        )
        parts = [p for p in str(text).split(",") if p.strip()]
        if not parts:
            raise InputError(f"empty capability rule {text!r}", where=where, allowed=allowed)
        rules: dict[str, tuple[float, str]] = {}
        for part in parts:
            proc, _, rule = part.rpartition(":")
            proc = proc.strip().upper() or "*"
            m = _RULE.match(rule)
            if m is None:
                raise InputError(
                    f"capability rule {part.strip()!r} is not understood",
                    where=where,
                    allowed=allowed,
                )
            if m.group("abs") is not None:
                rules[proc] = (float(m.group("abs")), "abs")
            else:
                f = m.group("f")
                rules[proc] = (1.0 if f is None else float(f), m.group("base").lower())
        return cls(str(text), rules)

    def value(self, procedure: str | None, states: np.ndarray) -> float:
        """Capability for an issue with member-state capabilities ``states`` (present ones)."""
        key = (procedure or "*").upper()
        factor, base = self.by_procedure.get(key, self.by_procedure.get("*", (1.0, "mean")))
        if base == "abs":
            return factor
        if states.size == 0:
            return factor  # no member state on the issue: relative rules fall back to 1
        ref = {"mean": states.mean(), "max": states.max(), "sum": states.sum()}[base]
        return factor * float(ref)


@dataclass(frozen=True)
class CapabilitySpec:
    """How capabilities are assigned: the member-state measure and the institution rules."""

    measure: Measure = "shapley"
    commission: str = "mean"
    parliament: str = "mean"
    reference: str = "mean"
    weights_dir: str | None = None

    def rules(self) -> dict[str, InstitutionRule]:
        return {
            "com": InstitutionRule.parse(self.commission, "--commission"),
            "ep": InstitutionRule.parse(self.parliament, "--parliament"),
            "rp": InstitutionRule.parse(self.reference, "--reference-capability"),
        }

    def describe(self) -> str:
        return (
            f"member states: {self.measure}; Commission: {self.commission}; "
            f"Parliament: {self.parliament}"
        )


def issue_capabilities(
    codes: list[str],
    present: np.ndarray,
    procedures: list[str | None],
    spec: CapabilitySpec,
    *,
    source: str,
) -> np.ndarray:
    """Capability ``(issues, actors)`` of every actor code on every issue.

    ``present`` is ``(issues, actors)`` bool. Absent actors get 0. Member states get the
    measure of the table chosen for the issue; ``com``, ``ep`` and ``rp`` get their rule's
    value, computed from the member states present on the issue.
    """
    measure = parse_measure(spec.measure)
    rules = spec.rules()
    n_i, n_a = present.shape
    cap = np.zeros((n_i, n_a))
    is_state = np.array([c not in INSTITUTIONS for c in codes])
    tables: tuple[CouncilTable, ...] = ()
    if measure != "equal":
        if spec.weights_dir is None:
            raise InputError(
                f"capability measure {measure!r} needs the Council weights tables",
                where="--weights-dir",
                allowed="a folder holding EU15.csv and EU27.csv, or --capability equal",
            )
        tables = load_council_tables(spec.weights_dir)
    for i in range(n_i):
        states = [codes[a] for a in range(n_a) if present[i, a] and is_state[a]]
        if measure == "equal":
            vals = {c: 1.0 for c in states}
        else:
            table = choose_table(states, tables, where=f"{source}, issue {i + 1}")
            vals = {c: table.value(c, measure) for c in states}
        state_caps = np.array(list(vals.values()), dtype=float)
        for a in range(n_a):
            if not present[i, a]:
                continue
            code = codes[a]
            cap[i, a] = vals[code] if is_state[a] else rules[code].value(procedures[i], state_caps)
    return cap
