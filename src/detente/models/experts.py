"""The experts' own forecasts, combined: the ``experts`` model.

In the expert survey of Sprinz, Bueno de Mesquita, Kallbekken, Stokman, Saelen & Thomson
(2016), "Predicting Paris: Multi-Method Approaches to Forecast the Outcomes of Global
Climate Negotiations", *Politics and Governance* 4(3), experts gave their own forecast of
each issue's outcome beside the inputs of the bargaining models, and the experts' combined
forecast was more accurate than the individual experts'. This model is that combined
forecast, so that it can be compared with the bargaining models on the same issues:

    O_i = mean (or median) over the experts e who forecast issue i of F_ei .

The forecasts come from the scenario's metadata, where ``detente combine`` stores them
(:mod:`detente.experts.store`). The forecast has one round: the trajectory is the input
positions. ``details`` give each issue's number of forecasts, their minimum, maximum,
standard deviation (population) and each expert's forecast.

Departure from the other models: an issue's decision rule and the linkages that freeze it
are *not* applied to the experts' forecast (experts already judge who decides and what
holds the issue back; bending their forecast by the rule would forecast something no
expert said). :func:`~detente.models.base.make_forecast` is called on the scenario with
default decision rules and no linkages; the forecast keeps the scenario's own input hash.

Time O(E·I) and memory O(E·I + A·I) for E experts, I issues and A actors.
"""

from __future__ import annotations

import dataclasses
import statistics
from typing import ClassVar

import numpy as np

from detente.errors import InputError
from detente.experts.store import expert_forecasts
from detente.forecasts import Forecast
from detente.models.base import Model, make_forecast
from detente.models.registry import register
from detente.scenario import Decision, Scenario

__all__ = ["Experts"]

STATISTICS = ("mean", "median")


@register
class Experts(Model):
    """The mean (or median) of the experts' own outcome forecasts (Sprinz et al. 2016)."""

    name = "experts"
    summary = "the experts' own outcome forecasts, combined (needs detente survey / combine)"
    citation = (
        "Sprinz, Bueno de Mesquita, Kallbekken, Stokman, Saelen & Thomson (2016), "
        "Politics and Governance 4(3)"
    )
    #: what a scenario must carry for this model to run: "all models" defaults leave it
    #: out (:func:`~detente.models.registry.available`), or run it only on scenarios that
    #: carry it (:func:`~detente.models.registry.defaults_for`)
    needs: ClassVar[str] = "expert forecasts"

    def __init__(self, statistic: str = "mean") -> None:
        if statistic not in STATISTICS:
            raise InputError(
                f"unknown statistic {statistic!r}",
                where="--param experts.statistic",
                allowed=", ".join(STATISTICS),
            )
        self.statistic = statistic

    @classmethod
    def missing(cls, scenario: Scenario) -> str | None:
        """What ``scenario`` lacks for this model to run (None when it can run): an "all
        models" run leaves the model out, saying this (see
        :func:`detente.models.registry.defaults_for`)."""
        try:
            stored = expert_forecasts(scenario)
        except InputError as exc:
            return exc.message
        if not stored:
            return "no expert forecasts in this scenario (run detente survey / combine)"
        lacking = [i for i in scenario.issue_ids if i not in stored]
        if lacking:
            return f"no expert forecast of issue(s) {', '.join(lacking)}"
        return None

    def forecast(self, scenario: Scenario, *, seed: int | None = None) -> Forecast:
        stored = expert_forecasts(scenario)
        if not stored:
            raise InputError(
                "no expert forecasts in this scenario: run detente survey / combine",
                source=scenario.id,
                allowed="a scenario written by detente combine from filled questionnaires",
            )
        missing = [i for i in scenario.issue_ids if i not in stored]
        if missing:
            raise InputError(
                f"no expert forecast for issue(s) {', '.join(missing)}",
                source=scenario.id,
                allowed="at least one expert's forecast of every issue (sheet outcomes)",
            )
        outcome = np.empty(len(scenario.issue_ids))
        details: dict[str, dict[str, object]] = {}
        for k, issue in enumerate(scenario.issue_ids):
            values = [f.forecast for f in stored[issue]]
            if self.statistic == "median":
                x = float(statistics.median(values))
            else:  # exact sum; keep the rounded quotient within the forecasts' range
                x = min(max(statistics.fmean(values), min(values)), max(values))
            outcome[k] = x
            details[issue] = {
                "n_experts": len(values),
                "min": min(values),
                "max": max(values),
                "std": statistics.pstdev(values),
                "forecasts": {f.expert: f.forecast for f in stored[issue]},
            }
        arr = scenario.arrays()
        plain = scenario.replace(
            issues=tuple(i.model_copy(update={"decision": Decision()}) for i in scenario.issues),
            linkages=(),
        )
        fc = make_forecast(
            self, plain, arr.position[None, :, :], outcome, seed=seed, details=details
        )
        return dataclasses.replace(fc, input_hash=scenario.input_hash())
