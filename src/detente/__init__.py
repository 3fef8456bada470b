"""detente: what would it take for these parties to reach agreement?

Forecast multi-actor, multi-issue political bargaining with the models of the field
(compromise and median, Bueno de Mesquita's expected utility, Stokman's exchange model,
KTAB's spatial model of politics) and ask what it would take to reach a target outcome.

The names below load on first use (``from detente import Scenario`` works as usual), so
that ``import detente`` and ``detente --help`` do not pay for NumPy and pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detente.errors import DetenteError, InputError
    from detente.forecast import Event, Forecast
    from detente.scenario import Actor, Issue, Scenario, Stance

__version__ = "0.1.0"

_LAZY = {
    "Actor": "detente.scenario",
    "DetenteError": "detente.errors",
    "Event": "detente.forecast",
    "Forecast": "detente.forecast",
    "InputError": "detente.errors",
    "Issue": "detente.scenario",
    "Scenario": "detente.scenario",
    "Stance": "detente.scenario",
}

__all__ = [
    "Actor",
    "DetenteError",
    "Event",
    "Forecast",
    "InputError",
    "Issue",
    "Scenario",
    "Stance",
    "__version__",
]


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'detente' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
