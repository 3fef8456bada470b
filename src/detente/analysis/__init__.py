"""Analyses over many forecasts: ensembles, sensitivity, scenario discovery, what it takes.

The names below are imported on first use, so ``import detente.analysis`` stays light
(SALib and PRIM load only when sensitivity or discovery runs). Each name is the function
or class, never a module: ``what_it_takes`` lives in :mod:`detente.analysis.requirements`
and ``sensitivity`` in :mod:`detente.analysis.drivers`, so that
``from detente.analysis import what_it_takes, sensitivity`` gives the functions.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "PerturbationPlan": "detente.analysis.perturb",
    "Spread": "detente.analysis.perturb",
    "parse_spread": "detente.analysis.perturb",
    "EnsembleResult": "detente.analysis.ensemble",
    "run_ensemble": "detente.analysis.ensemble",
    "pool_size": "detente.analysis.ensemble",
    "SensitivityResult": "detente.analysis.drivers",
    "morris_indices": "detente.analysis.drivers",
    "run_counts": "detente.analysis.drivers",
    "sensitivity": "detente.analysis.drivers",
    "sobol_indices": "detente.analysis.drivers",
    "tornado": "detente.analysis.drivers",
    "discover": "detente.analysis.discovery",
    "WhatItTakes": "detente.analysis.requirements",
    "what_it_takes": "detente.analysis.requirements",
    "ResetSummary": "detente.analysis.reset",
    "default_targets": "detente.analysis.reset",
    "reset_summary": "detente.analysis.reset",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'detente.analysis' has no attribute {name!r}")
    return getattr(importlib.import_module(mod), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
