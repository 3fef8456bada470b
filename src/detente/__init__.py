"""detente: what would it take for these parties to reach agreement?

Forecast multi-actor, multi-issue political bargaining with the models of the field
(compromise and median, Bueno de Mesquita's expected utility, Stokman's exchange model,
KTAB's spatial model of politics) and ask what it would take to reach a target outcome.
"""

from detente.errors import DetenteError, InputError
from detente.forecast import Event, Forecast
from detente.scenario import Actor, Issue, Scenario, Stance

__version__ = "0.1.0"

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
