"""Capabilities of the actors in EU legislative data (DEU format).

The DEU data give positions and saliences but no capabilities; validation studies supply
them (Thomson, Stokman, Achen & König 2006, *The European Union Decides*, ch. 2 and 8;
Thomson et al. 2012, JEPP 19(4)). The options offered here:

* ``equal``: every member state 1;
* ``weights``: the member state's Council voting weight under qualified majority;
* ``banzhaf``, ``shapley``: the table's normalised Banzhaf and Shapley-Shubik columns,
  the power indices of those weights as the data's distributors computed them;
* ``banzhaf-computed``, ``shapley-computed``: the same indices computed exactly from the
  table's weights and quota by :mod:`detente.power.indices`, instead of read from its
  columns. The two agree for EU15 (within the columns' rounding) and for the EU27 Banzhaf
  column; the EU27 Shapley-Shubik column is that of a quota of 324, not 255, of the 345
  votes (``tests/power/test_tables.py``).

The weights and indices are read from the tables ``EU15.csv`` and ``EU27.csv`` (columns
``country, abbr, weights, quota, block, banzhaf, shapleyshubik``; distributed with the DEU
II replication data) by :mod:`detente.power.tables`; :mod:`detente.power.indices`
recomputes the indices from the weights and quota of any council. The DEU reader
(:mod:`detente.io.deu`) and the legislative procedures of validation
(:mod:`detente.validation.procedures`) take capabilities from here. For each issue the
table used is the smallest one that lists every member state with a position on the issue
(EU15 before the 2004 enlargement, EU27 after),
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

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from detente.errors import InputError
from detente.power.tables import CouncilTable, choose_table, load_council_tables

__all__ = [
    "INSTITUTIONS",
    "MEASURES",
    "MEASURE_NAMES",
    "CapabilitySpec",
    "CouncilTable",
    "InstitutionRule",
    "choose_table",
    "issue_capabilities",
    "load_council_tables",
    "parse_measure",
]

Measure = Literal["equal", "weights", "banzhaf", "shapley", "banzhaf-computed", "shapley-computed"]

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
    "banzhaf-computed": "banzhaf-computed",
    "shapley-computed": "shapley-computed",
    "shapley-shubik-computed": "shapley-computed",
    "ssi-computed": "shapley-computed",
}

#: the canonical measure names, in the order of :data:`MEASURES`
MEASURE_NAMES: tuple[Measure, ...] = tuple(dict.fromkeys(MEASURES.values()))

#: actor codes that are not member states
INSTITUTIONS = ("com", "ep", "rp")


def parse_measure(text: str, where: str = "--capability") -> Measure:
    """The canonical name of a capability measure, or an :class:`InputError`."""
    key = text.strip().lower()
    if key not in MEASURES:
        raise InputError(
            f"unknown capability measure {text!r}",
            where=where,
            allowed=", ".join(MEASURE_NAMES),
        )
    return MEASURES[key]


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
