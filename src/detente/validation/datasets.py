"""Validation data sets: real cases with known outcomes.

A :class:`Dataset` holds the cases to forecast (one scenario per proposal, so that
multi-issue models bargain across the issues negotiated together) and a table of the
issues with their proposal, procedure, reference point and recorded outcome. The DEU
format (:mod:`detente.io.deu`) is the one supported; its options (capabilities, reference
point, missing saliences) are those of :class:`detente.io.deu.DeuOptions`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from detente.errors import InputError, InputNotice
from detente.scenario import Scenario

__all__ = ["Dataset", "load_dataset"]

#: the DEU II file users download, and where the project says how to get it
DEU2_HINT = (
    "DEU2.csv of DEU II (Thomson et al. 2012); the README's section "
    '"Validation data" says where to download it'
)


@dataclass(frozen=True)
class Dataset:
    """Cases with known outcomes.

    ``issues`` has one row per issue of the cases (in case order) with columns ``issue``,
    ``proposal``, ``procedure``, ``voting_rule``, ``reference`` and ``outcome`` (NaN where
    not recorded).
    """

    path: str
    cases: tuple[Scenario, ...]
    issues: pd.DataFrame
    capability: str = ""
    notices: tuple[str, ...] = field(default=())

    @property
    def scored(self) -> pd.DataFrame:
        """The issues with a recorded outcome."""
        return self.issues[self.issues["outcome"].notna()].reset_index(drop=True)

    @property
    def n_scored(self) -> int:
        return int(self.issues["outcome"].notna().sum())


def load_dataset(
    path: str | Path,
    *,
    notify: Callable[[str], None] | None = None,
    **options: object,
) -> Dataset:
    """Read a DEU-format file as a :class:`Dataset`.

    ``options`` are those of :func:`detente.io.deu.read_deu_cases`. Notices from the reader
    (rescaled saliences, filled blanks, the capability used) are passed to ``notify`` as
    they come and kept in :attr:`Dataset.notices`.
    """
    from detente.io.deu import DeuOptions, deu_cases, read_deu_table

    p = Path(path)
    if not p.exists():
        raise InputError(
            "dataset file not found",
            source=str(path),
            allowed=f"a DEU-format CSV file, e.g. {DEU2_HINT}",
        )
    if p.is_dir():
        raise InputError(
            "this is a folder, not a dataset file",
            source=str(path),
            allowed=f"a DEU-format CSV file, e.g. {DEU2_HINT}",
        )
    known = set(DeuOptions.__dataclass_fields__)
    unknown = set(options) - known
    if unknown:
        raise InputError(
            f"unknown dataset option(s) {', '.join(sorted(unknown))}",
            allowed=", ".join(sorted(known)),
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNotice)
        table = read_deu_table(p)
        values = {k: v for k, v in options.items() if v is not None}
        if "weights_dir" in values:
            values["weights_dir"] = str(values["weights_dir"])
        opts = DeuOptions(**values)  # type: ignore[arg-type]
        cases = deu_cases(table, opts)
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, InputNotice))
    if notify is not None:
        for text in notes:
            notify(text)
    index = {iid: k for k, iid in enumerate(table.issue_ids)}
    rows = []
    for case in cases:
        for iss in case.issues:
            k = index[iss.id]
            rows.append(
                {
                    "issue": iss.id,
                    "proposal": case.id,
                    "procedure": table.procedures[k],
                    "voting_rule": table.voting_rules[k],
                    "reference": float(table.reference[k]),
                    "outcome": np.nan if iss.outcome is None else float(iss.outcome),
                }
            )
    issues = pd.DataFrame(
        rows, columns=["issue", "proposal", "procedure", "voting_rule", "reference", "outcome"]
    )
    capability = str(cases[0].metadata.get("capability", "")) if cases else ""
    if not issues["outcome"].notna().any():
        raise InputError(
            "no issue of the file has a recorded outcome (column out)",
            source=str(path),
            allowed="a DEU file with outcomes in the 'out' column",
        )
    return Dataset(str(path), tuple(cases), issues, capability, notes)
