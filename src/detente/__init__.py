"""detente: what would it take for these parties to reach agreement?

Forecast multi-actor, multi-issue political bargaining with the models of the field
(compromise and median, Bueno de Mesquita's expected utility, Stokman's exchange model,
KTAB's spatial model of politics) and ask what it would take to reach a target outcome.

The front door (:mod:`detente.api`)::

    import detente as dt

    s = dt.load("us-russia-reset")                  # bundled id or a path, any format
    f = dt.forecast(s, "expected_utility", seed=0)  # Forecast
    runs = dt.forecast_all(s)                       # every registered model
    e = dt.ensemble(s, "compromise", draws=10_000, seed=1, targets=["reset"])
    a = dt.agree(s, "united_states", "russia")      # Pareto set, Nash, KS, trades
    w = dt.what_it_takes(s, ["sanctions <= 30"], model="compromise",
                         movable=["russia:position"])
    v = dt.validate("DEU2.csv", models=["compromise", "detente"])

Every result has ``to_frame()`` (or ``to_frames()``), ``to_dict()`` (what the command's
``--json`` prints) and ``summary()``.

The names below, and the subpackages (``detente.models``, ``detente.analysis``, ...), load
on first use (``from detente import Scenario`` works as usual), so that ``import detente``
and ``detente --help`` do not pay for NumPy, pydantic or pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detente import (
        analysis,
        bargaining,
        comparison,
        experts,
        io,
        models,
        record,
        report,
        scenarios,
        targets,
        validation,
    )
    from detente.analysis.ensemble import EnsembleResult
    from detente.analysis.requirements import WhatItTakes
    from detente.api import agree, ensemble, forecast, forecast_all, load, validate, what_it_takes
    from detente.bargaining import Agreement
    from detente.comparison import Comparison
    from detente.errors import DetenteError, InputError
    from detente.forecasts import Event, Forecast
    from detente.scenario import Actor, Issue, Scenario, Stance
    from detente.validation.runner import ValidationResult

__version__ = "0.1.0"

_LAZY = {
    # the front door
    "agree": "detente.api",
    "ensemble": "detente.api",
    "forecast": "detente.api",
    "forecast_all": "detente.api",
    "load": "detente.api",
    "validate": "detente.api",
    "what_it_takes": "detente.api",
    # inputs, errors and results
    "Actor": "detente.scenario",
    "Agreement": "detente.bargaining",
    "Comparison": "detente.comparison",
    "DetenteError": "detente.errors",
    "EnsembleResult": "detente.analysis.ensemble",
    "Event": "detente.forecasts",
    "Forecast": "detente.forecasts",
    "InputError": "detente.errors",
    "Issue": "detente.scenario",
    "Scenario": "detente.scenario",
    "Stance": "detente.scenario",
    "ValidationResult": "detente.validation.runner",
    "WhatItTakes": "detente.analysis.requirements",
}

#: subpackages and modules reachable as attributes (``detente.models``), imported on use
_SUBMODULES = frozenset(
    {
        "analysis",
        "bargaining",
        "comparison",
        "experts",
        "io",
        "models",
        "record",
        "report",
        "scenarios",
        "targets",
        "validation",
    }
)

__all__ = [
    "Actor",
    "Agreement",
    "Comparison",
    "DetenteError",
    "EnsembleResult",
    "Event",
    "Forecast",
    "InputError",
    "Issue",
    "Scenario",
    "Stance",
    "ValidationResult",
    "WhatItTakes",
    "__version__",
    "agree",
    "analysis",
    "bargaining",
    "comparison",
    "ensemble",
    "experts",
    "forecast",
    "forecast_all",
    "io",
    "load",
    "models",
    "record",
    "report",
    "scenarios",
    "targets",
    "validate",
    "validation",
    "what_it_takes",
]


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is not None:
        value = getattr(importlib.import_module(mod), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'detente' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
