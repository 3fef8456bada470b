"""Validation on real cases with known outcomes (DEU data on EU legislation).

* :mod:`~detente.validation.datasets`: read a DEU-format file into cases with outcomes;
* capabilities from Council voting weights and power indices, and the Commission's and
  Parliament's shares, are those of the DEU reader (:mod:`detente.power.capabilities`);
* :mod:`~detente.validation.scores`: MAE, RMSE, median AE, within 10, paired bootstrap;
* :mod:`~detente.validation.runner`: run every model and score it against the compromise
  model, with breakdowns by legislative procedure;
* :mod:`~detente.validation.crossval`: cross-validation grouped by proposal, nested;
* :mod:`~detente.validation.chart`: the error-distribution chart.

How the ``detente`` forecaster was chosen (every variant tried, by nested cross-validation)
is reproduced by ``scripts/tuning/ablation.py``, outside the library (docs/validation.md).
"""

from detente.validation.datasets import Dataset, load_dataset
from detente.validation.runner import ValidationResult, validate
from detente.validation.scores import paired_bootstrap, score_all

__all__ = [
    "Dataset",
    "ValidationResult",
    "load_dataset",
    "paired_bootstrap",
    "score_all",
    "validate",
]
