"""Run the chosen models on a scenario and collect what the views show.

The dashboard and the report call :func:`run_models`; it builds each model by name from the
registry and forecasts the scenario. A model that cannot handle the scenario (an input it
refuses) does not stop the others: its message is kept in :attr:`Results.errors` and shown
to the analyst next to the results of the models that did run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from detente.errors import InputError
from detente.forecast import Forecast
from detente.models import available, get_model
from detente.report.tables import outcome_table, trajectories_table
from detente.scenario import Scenario

__all__ = ["Results", "default_models", "run_models"]


@dataclass(frozen=True)
class Results:
    """Forecasts of one scenario by several models, and the models that failed."""

    scenario: Scenario
    seed: int | None
    forecasts: tuple[Forecast, ...]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        return [f.model for f in self.forecasts]

    def outcome_frame(self) -> pd.DataFrame:
        """One row per issue: reference and each model's outcome."""
        return outcome_table(self.scenario, list(self.forecasts))

    def to_csv(self) -> str:
        """Outcomes in long form (model, issue, outcome, reference) as CSV text."""
        frames = [
            f.outcome_frame()[["model", "issue", "outcome", "reference"]] for f in self.forecasts
        ]
        table = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=["model", "issue", "outcome", "reference"])
        )
        return table.to_csv(index=False)

    def trajectories_csv(self) -> str:
        return trajectories_table(list(self.forecasts)).to_csv(index=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of the results (the shape of ``detente run --json`` plus the
        scenario's hash and the models that failed)."""
        return {
            "scenario": self.scenario.id,
            "input_hash": self.scenario.input_hash(),
            "seed": self.seed,
            "forecasts": [f.to_dict(trajectories=True, events=True) for f in self.forecasts],
            "errors": dict(self.errors),
        }

    def to_json(self) -> str:
        from detente.jsonsafe import finite_json

        return json.dumps(finite_json(self.to_dict())[0], indent=2, allow_nan=False)


def default_models() -> list[str]:
    """Every registered model."""
    return available()


def run_models(
    scenario: Scenario,
    models: list[str] | tuple[str, ...],
    *,
    seed: int | None = 0,
    params: dict[str, dict[str, Any]] | None = None,
    strict: bool = False,
) -> Results:
    """Forecast ``scenario`` with each of ``models`` (registry names).

    Unknown model names raise :class:`InputError` before any work. When one model fails
    on the scenario the others still run: its :class:`InputError` message (or, for any
    other failure, the kind of error and its message, unless ``strict``) is recorded under
    its name in :attr:`Results.errors`, for the dashboard and the report to show.
    """
    params = params or {}
    built = [(m, get_model(m, **params.get(m, {}))) for m in models]
    forecasts: list[Forecast] = []
    errors: dict[str, str] = {}
    for name, model in built:
        try:
            forecasts.append(model.forecast(scenario, seed=seed))
        except InputError as exc:
            errors[name] = exc.message
        except Exception as exc:
            if strict:
                raise
            errors[name] = f"the model failed on this scenario ({type(exc).__name__}: {exc})"
    return Results(scenario=scenario, seed=seed, forecasts=tuple(forecasts), errors=errors)
