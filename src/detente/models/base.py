"""The model protocol every forecasting model follows.

Models follow scikit-learn's estimator contract: every parameter is an explicit keyword of
``__init__`` stored under the same name, there is no hidden state, and
:meth:`Model.get_params` / :meth:`Model.with_params` let a model be cloned, compared and
swept. A model turns a :class:`~detente.scenario.Scenario` into a
:class:`~detente.forecasts.Forecast` and never reads files or prints (docs/design.md).

Models that can evaluate many perturbed scenarios at once implement
:meth:`Model.outcome_batch` on arrays with a leading ensemble axis.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np

from detente.decision import apply_decisions, decision_arrays, decision_events
from detente.errors import InputError
from detente.forecasts import Event, Forecast
from detente.linkage import freeze_event, freeze_outcome
from detente.scenario import Scenario

__all__ = ["Model", "make_forecast"]


class Model(ABC):
    """Base class of detente's models."""

    #: registry name, e.g. ``"compromise"``
    name: ClassVar[str] = ""
    #: one line for ``detente models`` and the README
    summary: ClassVar[str] = ""
    #: citation of the source the model implements
    citation: ClassVar[str] = ""
    #: whether the model uses its seed (random tie-breaks, random variants)
    stochastic: ClassVar[bool] = False
    #: whether positions move during the model's rounds; such a model's batch kernel
    #: writes the final positions into ``final_positions`` when asked, so that decision
    #: rules and linkages read them (:meth:`decided_outcome_batch`)
    moves_positions: ClassVar[bool] = False

    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

    @classmethod
    def param_defaults(cls) -> dict[str, Any]:
        sig = inspect.signature(cls.__init__)
        return {
            p.name: p.default
            for p in sig.parameters.values()
            if p.name != "self" and p.default is not inspect.Parameter.empty
        }

    def get_params(self) -> dict[str, Any]:
        """The model's parameters, as passed to ``__init__``."""
        return {k: getattr(self, k) for k in self.param_names()}

    def with_params(self, **params: Any) -> Model:
        """A new model of the same kind with some parameters replaced."""
        unknown = set(params) - set(self.param_names())
        if unknown:
            raise InputError(
                f"model {self.name!r} has no parameter {', '.join(sorted(unknown))}",
                where="--param",
                allowed=", ".join(self.param_names()) or "none",
            )
        return type(self)(**{**self.get_params(), **params})

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.get_params() == other.get_params()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(map(str, self.get_params().items())))))

    @abstractmethod
    def forecast(self, scenario: Scenario, *, seed: int | None = None) -> Forecast:
        """Forecast the outcome of every issue of ``scenario``."""

    def outcome_batch(
        self,
        position: np.ndarray,
        salience: np.ndarray,
        capability: np.ndarray,
        present: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        *,
        seed: int | None = None,
        scenario: Scenario | None = None,
    ) -> np.ndarray:
        """Outcomes ``(E, I)`` for ``E`` perturbed copies of a scenario at once.

        ``position``, ``salience`` and ``capability`` are ``(E, A, I)``; ``present`` is
        ``(A, I)``; ``low`` and ``high`` are ``(I,)``. ``scenario`` is the scenario the
        draws perturb (same actors and issues): kernels take from it what the arrays do not
        carry, its linkages and reference points, so that every draw is forecast as
        :meth:`forecast` would; callers always pass it. Models without a batch kernel (or
        that cannot serve a given call) raise :class:`NotImplementedError` and callers fall
        back to :meth:`forecast` per draw.
        """
        raise NotImplementedError(f"model {self.name!r} has no batch kernel")

    def decided_outcome_batch(
        self,
        position: np.ndarray,
        salience: np.ndarray,
        capability: np.ndarray,
        present: np.ndarray,
        low: np.ndarray,
        high: np.ndarray,
        *,
        seed: int | None = None,
        scenario: Scenario,
    ) -> np.ndarray:
        """:meth:`outcome_batch` with what :func:`make_forecast` adds to every forecast:
        each issue's decision rule applied to the draw's final positions, then the freezes
        that still hold. Ensembles, sensitivity analyses and validation call this, so a
        draw is forecast as :meth:`forecast` would forecast it. With no decision rule and
        no linkage it is :meth:`outcome_batch` itself (nothing added to the hot path)."""
        rules = decision_arrays(scenario)
        if not rules.active and not scenario.linkages:
            return self.outcome_batch(
                position, salience, capability, present, low, high, seed=seed, scenario=scenario
            )
        if self.moves_positions:
            final = np.empty(np.shape(position))
            out = self.outcome_batch(  # type: ignore[call-arg]
                position,
                salience,
                capability,
                present,
                low,
                high,
                seed=seed,
                scenario=scenario,
                final_positions=final,
            )
        else:
            final = np.asarray(position, dtype=float)
            out = self.outcome_batch(
                position, salience, capability, present, low, high, seed=seed, scenario=scenario
            )
        arr = replace(scenario.arrays(), capability=capability)
        out, _ = apply_decisions(rules, final, capability, present, low, high, arr.reference, out)
        if scenario.linkages:
            # the outcome is decided already: conditions read it as it is
            out, _ = freeze_outcome(scenario.linkages, arr, out, final)
        return out


def make_forecast(
    model: Model,
    scenario: Scenario,
    positions: np.ndarray,
    outcome: np.ndarray,
    *,
    seed: int | None = None,
    details: dict[str, dict[str, Any]] | None = None,
    events: list[Event] | tuple[Event, ...] = (),
    summary: list[str] | tuple[str, ...] = (),
) -> Forecast:
    """Wrap a model's arrays in a :class:`Forecast` with the run's metadata.

    ``outcome`` is the model's own aggregate; each issue's decision rule (who decides,
    :mod:`detente.decision`) is applied here to the final positions, so every model's
    forecast honours it, with a trace event wherever a rule bound the outcome. Then a
    linkage that freezes an issue and still holds on the final state (its condition read
    on the final positions and decided outcomes) leaves the issue at its reference point,
    in every model alike (:func:`detente.linkage.freeze_outcome`).
    """
    arr = scenario.arrays()
    positions = np.asarray(positions, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    rules = decision_arrays(scenario)
    if rules.active:
        final = positions[-1] if positions.ndim == 3 else positions
        decided, moved = apply_decisions(
            rules, final, arr.capability, arr.present, arr.low, arr.high, arr.reference, outcome
        )
        last = int(positions.shape[0]) - 1 if positions.ndim == 3 else 0
        events = (
            *events,
            *decision_events(scenario, rules, final, outcome, decided, moved, round_=last),
        )
        outcome = decided
    if scenario.linkages:
        # a freeze that still holds when the rounds end leaves its issue unchanged
        final = positions[-1] if positions.ndim == 3 else positions
        frozen_out, frozen = freeze_outcome(scenario.linkages, arr, outcome, final)
        newly = frozen & (np.abs(frozen_out - outcome) > 1e-12 * (arr.high - arr.low))
        last = int(positions.shape[0]) - 1 if positions.ndim == 3 else 0
        events = (*events, *(freeze_event(arr, int(k), round_=last) for k in np.flatnonzero(newly)))
        outcome = frozen_out
    return Forecast(
        model=model.name,
        params=model.get_params(),
        seed=seed,
        input_hash=scenario.input_hash(),
        scenario_id=scenario.id,
        actor_ids=arr.actor_ids,
        issue_ids=arr.issue_ids,
        positions=positions,
        present=arr.present,
        outcome=outcome,
        reference=arr.reference,
        details=details or {},
        events=tuple(events),
        notes=tuple(summary),
    )
