"""Tables of voting weights: the EU Council tables and any body's weights file.

**Council tables.** ``EU15.csv`` and ``EU27.csv`` (distributed with the DEU II replication
data of Broniecki's studies; Thomson et al. 2012, JEPP 19(4)) list each member state's
qualified-majority weight and its power indices, columns ``country, abbr, weights, quota,
block, banzhaf, shapleyshubik``. They are read here for both the DEU reader
(:mod:`detente.io.deu`, through :mod:`detente.power.capabilities`) and validation. A
table's own indices can be recomputed from its weights and quota with
:meth:`CouncilTable.indices` (:mod:`detente.power.indices`), and capabilities taken from
them (measures ``shapley-computed``, ``banzhaf-computed``); the EU15 columns and the EU27
Banzhaf column are those of ``[quota; weights]``, rounded; the EU27 Shapley-Shubik column is
not (it is the index of the same weights with a quota of 324 of 345; see
``tests/power/test_tables.py``).

**Weights files.** :func:`read_weights` reads any body's weights from a CSV with a name
column (``name``, ``abbr``, ``country``, ``actor`` or ``player``) and a weight column
(``weight`` or ``weights``), and optionally ``quota`` (the same on every row).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from detente.errors import InputError

if TYPE_CHECKING:
    from detente.power.indices import PowerIndices

__all__ = [
    "TABLE_FILES",
    "CouncilTable",
    "WeightsFile",
    "choose_table",
    "load_council_tables",
    "read_weights",
]

#: the Council tables, smallest first
TABLE_FILES = ("EU15.csv", "EU27.csv")
_TABLE_COLUMNS = {"abbr", "weights", "banzhaf", "shapleyshubik"}
_TABLE_ALLOWED = "columns country, abbr, weights, quota, block, banzhaf, shapleyshubik"

TableMeasure = Literal[
    "equal", "weights", "banzhaf", "shapley", "banzhaf-computed", "shapley-computed"
]

# (path, weights, quota) -> {"banzhaf": {...}, "shapley": {...}} computed from the table
_COMPUTED: dict[tuple[object, ...], dict[str, dict[str, float]]] = {}


@dataclass(frozen=True)
class CouncilTable:
    """One table of Council voting weights and power indices, keyed by state code.

    ``quota``: the qualified-majority quota in weighted votes (``None`` when the table has
    no ``quota`` column).
    """

    name: str
    path: str
    weights: dict[str, float]
    banzhaf: dict[str, float]
    shapley: dict[str, float]
    quota: float | None = None

    @property
    def members(self) -> frozenset[str]:
        return frozenset(self.weights)

    def value(self, code: str, measure: TableMeasure) -> float:
        """State ``code``'s ``measure``: the table's column (``weights``, ``banzhaf``,
        ``shapley``), or the index computed from the weights and the quota
        (``banzhaf-computed``, ``shapley-computed``; exact, see :meth:`indices`)."""
        if measure == "equal":
            return 1.0
        if measure in ("banzhaf-computed", "shapley-computed"):
            return self._computed()[measure.removesuffix("-computed")][code]
        table = {"weights": self.weights, "banzhaf": self.banzhaf, "shapley": self.shapley}
        return table[measure][code]

    def _computed(self) -> dict[str, dict[str, float]]:
        key = (self.path, tuple(self.weights.items()), self.quota)
        if key not in _COMPUTED:
            r = self.indices(method="exact")
            _COMPUTED[key] = {
                "banzhaf": r.capability("banzhaf"),
                "shapley": r.capability("shapley"),
            }
        return _COMPUTED[key]

    def indices(self, **kwargs: object) -> PowerIndices:
        """The Shapley-Shubik and Banzhaf indices of ``[quota; weights]`` computed afresh
        (keyword arguments go to :func:`detente.power.indices.power_indices`)."""
        from detente.power.indices import power_indices

        if self.quota is None:
            raise InputError(
                "the table has no quota column",
                source=self.path,
                where="header",
                allowed=_TABLE_ALLOWED,
            )
        codes = list(self.weights)
        return power_indices(
            [self.weights[c] for c in codes],
            self.quota,
            names=codes,
            **kwargs,  # type: ignore[arg-type]
        )


def load_council_tables(weights_dir: str | Path) -> tuple[CouncilTable, ...]:
    """The tables ``EU15.csv`` and ``EU27.csv`` of ``weights_dir``, smallest first."""
    d = Path(weights_dir)
    folder = str(d.resolve()) if d.exists() else str(d)
    stamps = tuple(
        (p.stat().st_mtime_ns, p.stat().st_size) if p.is_file() else None
        for p in (Path(folder) / f for f in TABLE_FILES)
    )
    return _load_tables(folder, stamps)


@lru_cache(maxsize=8)
def _load_tables(folder: str, stamps: tuple[object, ...]) -> tuple[CouncilTable, ...]:
    """The tables of ``folder`` (cached while the files' times and sizes, ``stamps``, stay
    the same)."""
    tables = []
    for fname in TABLE_FILES:
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


def _number(text: str, key: str, src: str, where: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise InputError(
            f"{key} {text!r} is not a number",
            source=src,
            where=where,
            allowed="a non-negative number",
        ) from None
    if not math.isfinite(x) or x < 0:
        raise InputError(
            f"{key} must be a finite non-negative number, got {text}",
            source=src,
            where=where,
        )
    return x


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
                allowed=_TABLE_ALLOWED,
            )
        weights: dict[str, float] = {}
        banzhaf: dict[str, float] = {}
        shapley: dict[str, float] = {}
        quotas: set[float] = set()
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
                out[code] = _number(row[key], key, src, f"line {n}")
            if row.get("quota"):
                quotas.add(_number(row["quota"], "quota", src, f"line {n}"))
    if not weights:
        raise InputError("the table has no rows", source=src)
    quota = _one_quota(quotas, src)
    return CouncilTable(path.stem, src, weights, banzhaf, shapley, quota)


def _one_quota(quotas: set[float], src: str) -> float | None:
    if len(quotas) > 1:
        raise InputError(
            f"the quota differs between rows ({', '.join(f'{v:g}' for v in sorted(quotas))})",
            source=src,
            where="column quota",
            allowed="the quota in weighted votes, the same number on every row",
        )
    return quotas.pop() if quotas else None


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


# ----------------------------------------------------------------------------- any body
_NAME_COLUMNS = ("name", "abbr", "country", "actor", "player")
_WEIGHT_COLUMNS = ("weight", "weights")


@dataclass(frozen=True)
class WeightsFile:
    """The players of a weights CSV: names, weights and the quota if the file gives one."""

    path: str
    names: tuple[str, ...]
    weights: tuple[float, ...]
    quota: float | None


def read_weights(path: str | Path) -> WeightsFile:
    """A voting body's weights from a CSV: a name column (``name``, ``abbr``, ``country``,
    ``actor`` or ``player``, the first found), a weight column (``weight`` or ``weights``),
    optionally ``quota`` (the same number on every row). Column names are
    case-insensitive; a bad cell is an :class:`InputError` naming its line."""
    p = Path(path)
    src = str(path)
    if not p.is_file():
        raise InputError("no such file", source=src, allowed="a CSV file with name,weight columns")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"cannot read the file ({exc})", source=src, allowed="a UTF-8 CSV file"
        ) from None
    reader = csv.DictReader(text.splitlines())
    cols = {(c or "").strip().lower(): c for c in reader.fieldnames or []}
    name_col = next((cols[c] for c in _NAME_COLUMNS if c in cols), None)
    weight_col = next((cols[c] for c in _WEIGHT_COLUMNS if c in cols), None)
    if name_col is None or weight_col is None:
        raise InputError(
            "a name column and a weight column are needed",
            source=src,
            where="header",
            allowed="columns name (or abbr, country, actor, player) and weight (or weights), "
            "optionally quota",
        )
    quota_col = cols.get("quota")
    names: list[str] = []
    weights: list[float] = []
    quotas: set[float] = set()
    for n, row in enumerate(reader, start=2):
        name = (row.get(name_col) or "").strip()
        cell = (row.get(weight_col) or "").strip()
        if not name and not cell:
            continue
        if not name:
            raise InputError("the name is empty", source=src, where=f"line {n}")
        if name in names:
            raise InputError(
                f"name {name!r} is given twice",
                source=src,
                where=f"line {n}",
                allowed="distinct names",
            )
        names.append(name)
        weights.append(_number(cell, "weight", src, f"line {n}"))
        if quota_col is not None and (row.get(quota_col) or "").strip():
            quotas.add(_number(row[quota_col].strip(), "quota", src, f"line {n}"))
    if not names:
        raise InputError("the file has no rows", source=src, allowed="one row per player")
    return WeightsFile(src, tuple(names), tuple(weights), _one_quota(quotas, src))
