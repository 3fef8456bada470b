"""The front door: one function per question, one convention for every argument.

.. code-block:: python

    import detente as dt

    s = dt.load("us-russia-reset")                      # bundled id or a file, any format
    f = dt.forecast(s, "expected_utility", seed=0)      # Forecast
    runs = dt.forecast_all(s)                           # Comparison: every model
    e = dt.ensemble(s, "compromise", draws=10_000, seed=1, targets=["reset"])
    a = dt.agree(s, "united_states", "russia")          # Agreement: Pareto set, Nash, KS
    w = dt.what_it_takes(s, ["sanctions <= 30"], model="compromise",
                         movable=["russia:position"])
    v = dt.validate("DEU2.csv", models=["compromise", "detente"])

The conventions, the same in every function:

* **scenario**: a :class:`~detente.scenario.Scenario`, or what :func:`load` takes (a
  bundled scenario id, ``id@variant``, or a path to a file in any supported format);
* **model**: a registry name (``detente models`` lists them) or a model object, with
  ``params`` (a mapping of the model's parameters) applied to it; several models:
  ``models`` a list of names or objects, ``params`` a mapping of model name to parameters;
* **targets**: expressions ``"ISSUE OP VALUE"`` (``"sanctions <= 30"``) or ``"reset"``
  (:mod:`detente.targets`), or parsed :class:`~detente.targets.Target` objects;
* **seed**: a whole number >= 0, 0 by default; the same seed gives the same numbers on
  every machine, and every result records its seed.

Every result has ``to_frame()`` (or ``to_frames()``: a dict of tables) for pandas,
``to_dict()`` (exactly what the matching command prints with ``--json``) and
``summary()`` (a few readable lines); :class:`~detente.forecasts.Forecast` also has
``plot()``. The command line, the dashboard and the report render these same results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.errors import InputError
from detente.scenario import Scenario

if TYPE_CHECKING:
    from detente.analysis.ensemble import EnsembleResult
    from detente.analysis.requirements import WhatItTakes
    from detente.bargaining import Agreement
    from detente.comparison import Comparison
    from detente.forecasts import Forecast
    from detente.models import Model
    from detente.targets import Target
    from detente.utility import Loss
    from detente.validation.runner import ValidationResult

__all__ = ["agree", "ensemble", "forecast", "forecast_all", "load", "validate", "what_it_takes"]

#: a scenario, or what :func:`load` takes
ScenarioLike = Scenario | str | Path


def load(source: str | Path, *, format: str | None = None, variant: str | None = None) -> Scenario:
    """A scenario: a bundled id (``"us-russia-reset"``), or a path to a file in any
    supported format (native YAML/JSON, tables in CSV or XLSX, BDM, KTAB, DEU; detected
    from the file unless ``format`` names it). ``variant`` (or ``"id@variant"``) applies
    one of the scenario's policy variants.

    The readers' notices (a rescale of saliences, a filled blank) are issued as
    :class:`~detente.errors.InputNotice` warnings.

    Example::

        >>> import detente as dt
        >>> s = dt.load("us-russia-reset")
        >>> s.principal_ids
        ('united_states', 'russia')
    """
    from detente import scenarios

    spec = str(source)
    exists = Path(spec).exists()
    if variant is None and "@" in spec and not exists:
        spec, variant = spec.split("@", 1)
        exists = Path(spec).exists()
    known = scenarios.bundled_ids()
    if spec in known and format is None and not exists:
        scenario = scenarios.load_bundled(spec)
    elif exists:
        from detente.io import load_scenario

        scenario = load_scenario(spec, format=format)
    else:
        raise InputError(
            f"no bundled scenario or file named {spec!r}",
            where="scenario",
            allowed="a path to a scenario file, or one of: " + ", ".join(known),
        )
    return scenario.variant(variant) if variant else scenario


def _scenario(scenario: ScenarioLike) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load(scenario)


def forecast(
    scenario: ScenarioLike,
    model: str | Model = "compromise",
    *,
    params: Mapping[str, Any] | None = None,
    seed: int | None = 0,
) -> Forecast:
    """One model's forecast of the scenario: every actor's position at every round, the
    outcome per issue and the events that explain them.

    Example::

        >>> import detente as dt
        >>> f = dt.forecast("us-russia-reset", "expected_utility", seed=0)
        >>> f.model, f.n_rounds > 0
        ('expected_utility', True)
        >>> table = f.to_frame()        # one row per round, actor and issue
    """
    from detente.analysis.ensemble import resolve_model

    return resolve_model(model, params).forecast(_scenario(scenario), seed=seed)


def forecast_all(
    scenario: ScenarioLike,
    models: Sequence[str | Model] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = 0,
    keep_going: bool = True,
) -> Comparison:
    """Every model's forecast (default: every registered model the scenario carries the
    data for), side by side. A model that fails on the scenario is listed in
    ``errors`` with its message (``keep_going=False`` raises instead); models left out
    by default in ``skipped``. ``to_dict()`` is ``detente run --json``.

    Example::

        >>> import detente as dt
        >>> runs = dt.forecast_all("us-russia-reset", ["compromise", "median"])
        >>> runs.models
        ['compromise', 'median']
        >>> runs["median"].outcome_of("sanctions")
        60.0
    """
    from detente.comparison import run_models

    return run_models(_scenario(scenario), models, params=params, seed=seed, keep_going=keep_going)


def ensemble(
    scenario: ScenarioLike,
    model: str | Model = "compromise",
    *,
    params: Mapping[str, Any] | None = None,
    draws: int = 1000,
    seed: int = 0,
    targets: Sequence[str | Target] = (),
    spread: Mapping[str, Any] | Sequence[str] | None = None,
    distribution: str = "uniform",
    workers: int = 1,
) -> EnsembleResult:
    """Forecast ``draws`` perturbed copies of the scenario: each issue's outcome
    distribution and the probability of each target.

    Every uncertain input is drawn around its value (over its range in the scenario, or
    value ± ``spread``: ``{"position": Spread(10, relative=True)}`` or the command line's
    ``["position=10%", "salience=0.1"]``) with ``distribution``. ``workers`` > 1 runs on
    a local process pool (same numbers). ``to_dict()`` is ``detente ensemble --json``.

    Example::

        >>> import detente as dt
        >>> e = dt.ensemble("us-russia-reset", "compromise", draws=500, seed=1,
        ...                 targets=["reset"])
        >>> 0.0 <= e.probabilities()["reset"] <= 1.0
        True
    """
    from detente.analysis.ensemble import run_ensemble
    from detente.analysis.perturb import parse_spread

    if spread is not None and not isinstance(spread, Mapping):
        spread = parse_spread(list(spread)) or None
    return run_ensemble(
        _scenario(scenario),
        model,
        params=params,
        draws=draws,
        seed=seed,
        targets=targets,
        spread=spread,
        distribution=distribution,
        workers=workers,
    )


def agree(
    scenario: ScenarioLike,
    a: str | None = None,
    b: str | None = None,
    *,
    loss: Loss = "linear",
    risk: float = 1.0,
) -> Agreement:
    """What two parties (default: the scenario's two principals) can agree on: the
    Pareto frontier of packages of outcomes, the Nash and Kalai-Smorodinsky bargaining
    solutions, the zone of agreement against the status quo and the cross-issue trades
    both gain from. ``to_dict()`` is ``detente agree --json``.

    Example::

        >>> import detente as dt
        >>> a = dt.agree("us-russia-reset", "united_states", "russia")
        >>> a.reset_possible
        True
        >>> packages = a.to_frame()     # status quo, Nash, KS, zone per issue
    """
    from detente.bargaining import agreement

    if (a is None) != (b is None):
        raise InputError("name both parties, or neither", where="parties", allowed="two actor ids")
    parties = None if a is None or b is None else (a, b)
    return agreement(_scenario(scenario), parties, loss=loss, risk=risk)


def what_it_takes(
    scenario: ScenarioLike,
    targets: Sequence[str | Target],
    *,
    model: str | Model = "compromise",
    params: Mapping[str, Any] | None = None,
    movable: Sequence[str] | None = None,
    seed: int = 0,
    budget: int = 400,
    persuade: bool = True,
) -> WhatItTakes:
    """The smallest change of the movable inputs (``ACTOR[.ISSUE][:FIELD[+FIELD]]``,
    default every position) that makes the model forecast every target, checked by
    re-running the model; with ``persuade``, what each actor alone would have to change.
    ``to_dict()`` is ``detente what-it-takes --json``.

    Example::

        >>> import detente as dt
        >>> w = dt.what_it_takes("us-russia-reset", ["reset"], model="compromise")
        >>> w.feasible, w.verified
        (True, True)
    """
    from detente.analysis.requirements import what_it_takes as _what_it_takes

    return _what_it_takes(
        _scenario(scenario),
        targets,
        model=model,
        params=params,
        movable=movable,
        seed=seed,
        budget=budget,
        persuade=persuade,
    )


#: options of :func:`validate` that say how the data file is read (detente.io.deu.DeuOptions)
_READER_OPTIONS = frozenset(
    {
        "capability",
        "commission",
        "parliament",
        "reference",
        "reference_capability",
        "missing_salience",
        "weights_dir",
    }
)


def validate(
    data: str | Path,
    models: Sequence[str] | None = None,
    *,
    params: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int = 0,
    n_boot: int = 2000,
    procedures: bool = False,
    **options: Any,
) -> ValidationResult:
    """Forecast and score a validation data set (a DEU-format CSV such as DEU II) with
    ``models`` (default: every registered model; the compromise model always runs as the
    baseline): each model's errors against the recorded outcomes, with paired bootstrap
    intervals of its difference to the compromise model. ``options`` that say how the file
    is read (``capability``, ``commission``, ``parliament``, ``reference``,
    ``reference_capability``, ``missing_salience``, ``weights_dir``: as ``detente validate``'s
    options of the same names) go to the reader, the others to
    :func:`detente.validation.runner.validate` (``cluster``, ``distribution``, ``folds``,
    ``ensemble_draws``). ``to_dict()`` is ``detente validate --json``.

    Example::

        >>> import detente as dt
        >>> v = dt.validate("DEU2.csv", models=["compromise", "detente"])  # doctest: +SKIP
        >>> print(v.summary())                                            # doctest: +SKIP
    """
    from detente.validation import load_dataset
    from detente.validation.runner import validate as _validate

    reading = {k: options.pop(k) for k in list(options) if k in _READER_OPTIONS}
    if "weights_dir" in reading:
        options["weights_dir"] = reading["weights_dir"]
    return _validate(
        load_dataset(data, **reading),
        list(models) if models else None,
        params={k: dict(v) for k, v in (params or {}).items()},
        seed=seed,
        n_boot=n_boot,
        procedures=procedures,
        **options,
    )
