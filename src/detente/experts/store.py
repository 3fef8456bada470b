"""The experts' own outcome forecasts, as a scenario carries them.

:class:`~detente.scenario.Scenario.metadata` is a flat mapping of scalars and lists of
text, so the forecasts live under one key, :data:`FORECASTS_KEY`, as a JSON text::

    {"sanctions": [{"expert": "expert_01", "forecast": 80, "confidence": 0.7}, ...], ...}

one list per issue, one entry per expert who gave a forecast (``confidence`` may be null).
The text survives :func:`detente.io.yaml_io.dump_yaml` / ``parse_yaml`` unchanged. A
scenario edited by hand is checked when read (:func:`expert_forecasts`): every issue known,
every forecast a finite number on its issue's scale, every confidence in [0, 1].
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from detente.errors import InputError
from detente.scenario import Scenario

__all__ = [
    "EXPERTS_KEY",
    "FORECASTS_KEY",
    "METHOD_KEY",
    "ExpertForecast",
    "expert_forecasts",
    "forecasts_json",
]

#: the metadata key holding the experts' forecasts (a JSON text)
FORECASTS_KEY = "expert_forecasts"
#: the metadata key listing the experts whose answers were combined
EXPERTS_KEY = "expert_survey_experts"
#: the metadata key naming the statistic the stances were combined with
METHOD_KEY = "expert_survey_method"

_ALLOWED = (
    'a JSON object {"issue id": [{"expert": "name", "forecast": number on the issue\'s '
    'scale, "confidence": 0..1 or null}, ...]} (written by detente combine)'
)


@dataclass(frozen=True)
class ExpertForecast:
    """One expert's forecast of one issue's outcome."""

    expert: str
    forecast: float
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"expert": self.expert, "forecast": self.forecast, "confidence": self.confidence}


def forecasts_json(forecasts: dict[str, list[ExpertForecast]]) -> str:
    """The JSON text stored under :data:`FORECASTS_KEY` (issues in the order given)."""
    return json.dumps(
        {i: [f.to_dict() for f in fs] for i, fs in forecasts.items() if fs},
        separators=(", ", ": "),
        allow_nan=False,
    )


def expert_forecasts(scenario: Scenario) -> dict[str, list[ExpertForecast]]:
    """The experts' forecasts stored in ``scenario``, per issue id (issues without any
    forecast left out); empty when the scenario has none. Raises :class:`InputError` when
    the stored text is malformed."""
    raw = scenario.metadata.get(FORECASTS_KEY)
    if raw is None or raw == "":
        return {}
    where = f"metadata.{FORECASTS_KEY}"

    def bad(problem: str) -> InputError:
        return InputError(problem, source=scenario.id, where=where, allowed=_ALLOWED)

    if not isinstance(raw, str):
        raise bad(f"expected a JSON text, got {type(raw).__name__}")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise bad(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict):
        raise bad(f"the JSON is a {type(data).__name__}, not an object")
    issues = {i.id: i for i in scenario.issues}
    out: dict[str, list[ExpertForecast]] = {}
    for issue_id, entries in data.items():
        if issue_id not in issues:
            raise bad(f"unknown issue {issue_id!r}")
        if not isinstance(entries, list):
            raise bad(f"issue {issue_id!r}: expected a list of forecasts")
        scale = issues[issue_id].scale
        got: list[ExpertForecast] = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("expert"), str):
                raise bad(f"issue {issue_id!r}: each forecast needs an expert name")
            x, c = entry.get("forecast"), entry.get("confidence")
            name = entry["expert"]
            if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
                raise bad(f"issue {issue_id!r}, expert {name!r}: forecast {x!r} is not a number")
            if not scale.low <= x <= scale.high:
                raise bad(
                    f"issue {issue_id!r}, expert {name!r}: forecast {x:g} lies outside the "
                    f"issue's scale [{scale.low:g}, {scale.high:g}]"
                )
            if c is not None and (
                isinstance(c, bool) or not isinstance(c, int | float) or not 0.0 <= c <= 1.0
            ):
                raise bad(f"issue {issue_id!r}, expert {name!r}: confidence {c!r} is not in [0, 1]")
            got.append(ExpertForecast(name, float(x), None if c is None else float(c)))
        if got:
            out[issue_id] = got
    return out
