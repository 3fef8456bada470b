"""Several models' forecasts of one scenario, side by side.

:func:`run_models` builds each model by name from the registry (with its parameters) and
forecasts the scenario; :class:`Comparison` holds the forecasts, the models that failed on
the scenario (with their message) and the models left out because the scenario lacks what
they need. ``detente run``, the dashboard and the report all call :func:`run_models` and
render the :class:`Comparison` it returns; its :meth:`~Comparison.to_dict` is what
``detente run --json`` prints.

With observed outcomes on the scenario's issues, :attr:`Comparison.retrospective` scores
every model against them beside the status quo (:mod:`detente.retrospective`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.errors import InputError
from detente.forecasts import Forecast
from detente.models import Model, get_model
from detente.models.registry import defaults_for
from detente.retrospective import Retrospective, retrospective
from detente.scenario import Scenario
from detente.utility import gains

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Comparison", "ModelProgress", "run_models"]

#: ``progress(model, share, label)``: how far the named model's forecast has got (0..1)
ModelProgress = Callable[[str, float, str], None]


@dataclass(frozen=True)
class Comparison:
    """Forecasts of one scenario by several models, and the models that did not run.

    ``errors`` maps a model that failed on the scenario to its message; ``skipped`` a
    model left out by default to what the scenario lacks for it (for example the
    experts' model on a scenario without expert forecasts).
    """

    scenario: Scenario
    seed: int | None
    forecasts: tuple[Forecast, ...]
    errors: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        """The models that gave a forecast, in the order they ran."""
        return [f.model for f in self.forecasts]

    def __getitem__(self, model: str) -> Forecast:
        for f in self.forecasts:
            if f.model == model:
                return f
        raise KeyError(f"no forecast by {model!r}; forecasts by: {', '.join(self.models)}")

    def __iter__(self):
        return iter(self.forecasts)

    def __len__(self) -> int:
        return len(self.forecasts)

    @property
    def retrospective(self) -> Retrospective | None:
        """Each model's error against the observed outcomes (None when none is observed)."""
        return retrospective(self.scenario, self.forecasts)

    def gains(self) -> dict[str, np.ndarray]:
        """Model -> every actor's gain (+) or loss (−) against the reference point per
        issue, ``(actors, issues)`` (:func:`detente.utility.gains`)."""
        return {f.model: gains(self.scenario, f.outcome) for f in self.forecasts}

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """One row per issue: its name, the reference point and each model's outcome."""
        import pandas as pd

        rows = []
        for k, iss in enumerate(self.scenario.issues):
            row: dict[str, object] = {
                "issue": iss.id,
                "name": iss.label,
                "reference": np.nan if iss.reference is None else float(iss.reference),
            }
            row.update({f.model: float(f.outcome[k]) for f in self.forecasts})
            rows.append(row)
        return pd.DataFrame(rows, columns=["issue", "name", "reference", *self.models])

    def long_frame(self) -> pd.DataFrame:
        """Outcomes in long form: one row per model and issue (model, issue, outcome,
        reference)."""
        import pandas as pd

        cols = ["model", "issue", "outcome", "reference"]
        frames = [f.outcome_frame()[cols] for f in self.forecasts]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)

    def trajectories_frame(self) -> pd.DataFrame:
        """Every forecast's positions per round, actor and issue (tidy)."""
        import pandas as pd

        frames = [f.to_frame() for f in self.forecasts]
        if not frames:
            return pd.DataFrame(columns=["model", "round", "actor", "issue", "position"])
        return pd.concat(frames, ignore_index=True)

    def to_csv(self) -> str:
        """:meth:`long_frame` as CSV text."""
        return self.long_frame().to_csv(index=False)

    def trajectories_csv(self) -> str:
        """:meth:`trajectories_frame` as CSV text."""
        return self.trajectories_frame().to_csv(index=False)

    # ------------------------------------------------------------------ JSON and text
    def to_dict(self, *, trace: bool = False) -> dict[str, Any]:
        """What ``detente run --json`` prints (``trace``: with ``--trace``): the scenario
        id, the seed, each forecast's outcome, reference and trajectories per issue, the
        retrospective when outcomes are observed, and the models that failed."""
        out: dict[str, Any] = {
            "scenario": self.scenario.id,
            "seed": self.seed,
            "forecasts": [_forecast_entry(f, trace) for f in self.forecasts],
        }
        retro = self.retrospective
        if retro is not None:
            out["retrospective"] = retro.to_dict()
        if self.errors:
            out["errors"] = dict(self.errors)
        return out

    def to_json(self) -> str:
        """Every forecast in full (events included), with the scenario's hash and the
        models that failed, as JSON text (the dashboard's download)."""
        from detente.jsonsafe import finite_json

        doc = {
            "scenario": self.scenario.id,
            "input_hash": self.scenario.input_hash(),
            "seed": self.seed,
            "forecasts": [f.to_dict(trajectories=True, events=True) for f in self.forecasts],
            "errors": dict(self.errors),
        }
        return json.dumps(finite_json(doc)[0], indent=2, allow_nan=False)

    def summary(self) -> str:
        """A few readable lines: each model's outcome per issue, and what did not run."""
        lines = [f"{self.scenario.name or self.scenario.id}: forecasts by {len(self)} models"]
        for k, iss in enumerate(self.scenario.issues):
            ref = "" if iss.reference is None else f" (reference {iss.reference:.4g})"
            cells = ", ".join(f"{f.model} {float(f.outcome[k]):.4g}" for f in self.forecasts)
            lines.append(f"  {iss.id}{ref}: {cells}")
        lines += [f"  {m} did not run: {msg}" for m, msg in self.errors.items()]
        lines += [f"  {m} not run: {why}" for m, why in self.skipped.items()]
        return "\n".join(lines)


def _forecast_entry(f: Forecast, trace: bool) -> dict[str, Any]:
    """One entry of ``forecasts`` in ``detente run --json``."""
    d = f.to_dict(trajectories=True, events=trace)
    out: dict[str, Any] = {"model": d["model"], "params": d["params"], "issues": []}
    for entry in d["issues"]:
        out["issues"].append({k: entry[k] for k in ("id", "outcome", "reference", "trajectory")})
    if trace:
        out["events"] = d.get("events", [])
        out["summary"] = d.get("summary", [])
    return out


def run_models(
    scenario: Scenario,
    models: Sequence[str | Model] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = 0,
    keep_going: bool = True,
    progress: ModelProgress | None = None,
) -> Comparison:
    """Forecast ``scenario`` with each of ``models`` (registry names or model objects).

    ``models=None`` runs every registered model the scenario carries the data for
    (:func:`detente.models.registry.defaults_for`; the others are listed in
    :attr:`Comparison.skipped`). ``params`` maps a model name to its parameters. Unknown
    model names raise :class:`InputError` before any work. With ``keep_going`` a model
    that fails on the scenario does not stop the others: its message is kept in
    :attr:`Comparison.errors`; without it the failure is raised. ``progress(model, share,
    label)`` hears each model's progress reports (:mod:`detente.progress`).

    Example::

        >>> from detente.scenarios import load_bundled
        >>> c = run_models(load_bundled("us-russia-reset"), ["compromise", "median"])
        >>> c.models
        ['compromise', 'median']
    """
    from detente import progress as progress_mod

    params = params or {}
    skipped: dict[str, str] = {}
    if models is None:
        names, skipped = defaults_for(scenario)
        models = list(names)
    built = [_build(m, params) for m in models]  # unknown names fail before any work
    forecasts: list[Forecast] = []
    errors: dict[str, str] = {}
    for model in built:
        listener = None
        if progress is not None:
            listener = _listener(progress, model.name)
        try:
            with progress_mod.listening(listener):
                forecasts.append(model.forecast(scenario, seed=seed))
        except InputError as exc:
            if not keep_going:
                raise
            errors[model.name] = exc.message
        except Exception as exc:
            if not keep_going:
                raise
            errors[model.name] = f"the model failed on this scenario ({type(exc).__name__}: {exc})"
        if progress is not None:
            progress(model.name, 1.0, f"{model.name}: done")
    return Comparison(
        scenario=scenario, seed=seed, forecasts=tuple(forecasts), errors=errors, skipped=skipped
    )


def _build(model: str | Model, params: Mapping[str, Mapping[str, Any]]) -> Model:
    """A model from its registry name or a model object, with ``params[name]`` if given."""
    if isinstance(model, Model):
        given = params.get(model.name)
        return model.with_params(**given) if given else model
    return get_model(model, **dict(params.get(model, {})))


def _listener(progress: ModelProgress, name: str) -> Callable[[float, str], None]:
    def heard(share: float, label: str) -> None:
        progress(name, share, label or name)

    return heard
