"""Retrospective: how each forecast did on the issues whose outcome is known.

In international bargaining the forecast to beat is "nothing changes": the status quo
(each issue's reference point). A model earns its keep only if its absolute error is below
the status quo's (Bueno de Mesquita 2011, "A New Model for Predicting Policy Choices",
*Conflict Management and Peace Science* 28(1), compares against the same baseline; Thomson
et al. 2006, ch. 10, report the reference point among the DEU baselines).

:func:`retrospective` takes forecasts of one scenario and returns, per model, the absolute
error on each issue with an observed ``outcome``, the mean absolute error, and the same for
the status-quo forecast. Issues without a reference point are scored for the models but
left out of the status-quo comparison (and counted in ``compared``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from detente.forecasts import Forecast
from detente.scenario import Scenario

__all__ = ["STATUS_QUO", "ModelRecord", "Retrospective", "retrospective"]

#: the name the status-quo forecast goes by in tables and JSON
STATUS_QUO = "status quo"


@dataclass(frozen=True)
class ModelRecord:
    """One model's errors on the issues with a known outcome."""

    model: str
    error: dict[str, float]  # issue id -> |forecast - outcome|
    mae: float
    #: MAE on the issues that also have a reference point (the status quo's issues)
    mae_compared: float
    #: MAE of the model minus MAE of the status quo on the same issues (< 0: better)
    vs_status_quo: float


@dataclass(frozen=True)
class Retrospective:
    """Errors of every model and of the status quo against observed outcomes."""

    issues: tuple[str, ...]
    observed: dict[str, float]
    dated: dict[str, str | None]
    sources: dict[str, str | None]
    status_quo: ModelRecord
    models: tuple[ModelRecord, ...] = field(default=())
    compared: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """What ``--json`` prints."""

        def rec(r: ModelRecord) -> dict[str, object]:
            return {
                "model": r.model,
                "error": r.error,
                "mae": r.mae,
                "mae_vs_status_quo": r.vs_status_quo,
            }

        return {
            "issues": [
                {
                    "id": i,
                    "outcome": self.observed[i],
                    "date": self.dated[i],
                    "source": self.sources[i],
                }
                for i in self.issues
            ],
            "status_quo": rec(self.status_quo),
            "models": [rec(r) for r in self.models],
        }


def retrospective(scenario: Scenario, forecasts: Sequence[Forecast]) -> Retrospective | None:
    """Errors of ``forecasts`` against the scenario's observed outcomes, beside the status
    quo's; ``None`` when no issue carries an outcome."""
    known = [iss for iss in scenario.issues if iss.outcome is not None]
    if not known:
        return None
    ids = tuple(iss.id for iss in known)
    observed = {iss.id: float(iss.outcome) for iss in known}  # type: ignore[arg-type]
    compared = tuple(iss.id for iss in known if iss.reference is not None)
    sq_error = {
        iss.id: abs(float(iss.reference) - observed[iss.id])
        for iss in known
        if iss.reference is not None
    }
    sq_mae = _mean(sq_error.values())
    status_quo = ModelRecord(STATUS_QUO, sq_error, sq_mae, sq_mae, 0.0)
    records = []
    for f in forecasts:
        col = {k: n for n, k in enumerate(f.issue_ids)}
        error = {i: abs(float(f.outcome[col[i]]) - observed[i]) for i in ids}
        on_compared = _mean(error[i] for i in compared)
        records.append(
            ModelRecord(
                model=f.model,
                error=error,
                mae=_mean(error.values()),
                mae_compared=on_compared,
                vs_status_quo=on_compared - sq_mae if compared else float("nan"),
            )
        )
    return Retrospective(
        issues=ids,
        observed=observed,
        dated={
            iss.id: None if iss.outcome_date is None else iss.outcome_date.isoformat()
            for iss in known
        },
        sources={iss.id: iss.outcome_source for iss in known},
        status_quo=status_quo,
        models=tuple(records),
        compared=compared,
    )


def _mean(values: object) -> float:
    arr = np.fromiter(values, dtype=float)  # type: ignore[arg-type]
    return float(arr.mean()) if arr.size else float("nan")
