"""Voting power in weighted voting bodies: Shapley-Shubik and Banzhaf indices.

* :mod:`~detente.power.indices`: the indices of any game ``[quota; weights]``, exact by
  dynamic programming over integer weights, or sampled with a seed and standard errors;
* :mod:`~detente.power.tables`: the EU Council weights tables (EU15, EU27) and weights
  files of any body, read once for both the DEU reader and validation.

Capabilities for any council follow: ``power_indices(weights, quota).capability("shapley")``.
"""

from __future__ import annotations

from detente.power.indices import (
    DEFAULT_SAMPLES,
    PowerIndices,
    banzhaf_swings,
    exact_indices,
    integer_game,
    power_indices,
    sample_indices,
)
from detente.power.tables import (
    TABLE_FILES,
    CouncilTable,
    WeightsFile,
    choose_table,
    load_council_tables,
    read_weights,
)

__all__ = [
    "DEFAULT_SAMPLES",
    "TABLE_FILES",
    "CouncilTable",
    "PowerIndices",
    "WeightsFile",
    "banzhaf_swings",
    "choose_table",
    "exact_indices",
    "integer_game",
    "load_council_tables",
    "power_indices",
    "read_weights",
    "sample_indices",
]
