"""Find models by name.

Each model module registers its class with :func:`register`; :func:`get_model` builds one
with parameters (given as Python values or as the strings of ``--param NAME.KEY=VALUE``).
"""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Any, TypeVar

from detente.errors import InputError
from detente.models.base import Model

if TYPE_CHECKING:
    from detente.scenario import Scenario

__all__ = ["available", "defaults_for", "get_model", "model_class", "parse_value", "register"]

_REGISTRY: dict[str, type[Model]] = {}

#: modules that register models; imported on first use so the registry is complete
_MODULES = (
    "detente.models.compromise",
    "detente.models.expected_utility",
    "detente.models.exchange",
    "detente.models.spatial",
    "detente.models.condorcet",
    "detente.models.forecaster",
    "detente.models.experts",
)

#: the module of each built-in model, so that asking for one model imports only its
#: module (``detente run --model compromise`` does not load numba for expected utility)
_MODULE_OF = {
    "compromise": "detente.models.compromise",
    "median": "detente.models.compromise",
    "expected_utility": "detente.models.expected_utility",
    "exchange": "detente.models.exchange",
    "spatial": "detente.models.spatial",
    "condorcet": "detente.models.condorcet",
    "detente": "detente.models.forecaster",
    "experts": "detente.models.experts",
}

M = TypeVar("M", bound=type[Model])


def register(cls: M) -> M:
    """Class decorator: make the model available under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def _import(mod: str) -> None:
    try:
        importlib.import_module(mod)
    except ModuleNotFoundError as exc:  # a model module not written yet
        if exc.name != mod:
            raise


def _load() -> None:
    for mod in _MODULES:
        _import(mod)


def _order(cls: type[Model]) -> int:
    mod = cls.__module__
    return _MODULES.index(mod) if mod in _MODULES else len(_MODULES)


def available(*, every: bool = False) -> list[str]:
    """Names of the registered models: built-in modules in :data:`_MODULES` order (each
    module's models in registration order), then models registered by other modules.

    A model that needs data most scenarios do not carry (a class attribute ``needs``, e.g.
    the experts' own forecasts) is run only by name (``--model experts``): it is left out
    of this list, the default of every "all models" run, unless ``every``."""
    _load()
    names = sorted(_REGISTRY, key=lambda n: _order(_REGISTRY[n]))
    return names if every else [n for n in names if not getattr(_REGISTRY[n], "needs", None)]


def defaults_for(scenario: Scenario) -> tuple[list[str], dict[str, str]]:
    """The models an "all models" run of ``scenario`` uses, and those it leaves out.

    Every model of :func:`available`, and each model that needs data (``needs``) when the
    scenario carries it (its class method ``missing(scenario)`` returns None); the others
    are returned as ``{name: what the scenario lacks, in words}``, for one notice line
    each (a model with ``needs`` but no ``missing`` is always left out)."""
    run: list[str] = []
    skipped: dict[str, str] = {}
    for name in available(every=True):
        cls = _REGISTRY[name]
        needs = getattr(cls, "needs", None)
        check = getattr(cls, "missing", None)
        lack = None if not needs else str(needs) if check is None else check(scenario)
        if lack is None:
            run.append(name)
        else:
            skipped[name] = lack
    return run, skipped


def model_class(name: str) -> type[Model]:
    if name not in _REGISTRY and name in _MODULE_OF:
        _import(_MODULE_OF[name])
    if name not in _REGISTRY:
        _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InputError(
            f"unknown model {name!r}", where="--model", allowed=", ".join(available())
        ) from None


def get_model(name: str, **params: Any) -> Model:
    """A model by name, with parameters (strings are converted to the parameter's type)."""
    cls = model_class(name)
    defaults = cls.param_defaults()
    names = cls.param_names()
    conv = {}
    for key, value in params.items():
        if key not in names:
            raise InputError(
                f"model {name!r} has no parameter {key!r}",
                where="--param",
                allowed=", ".join(names) or "none",
            )
        conv[key] = (
            parse_value(value, defaults.get(key), f"{name}.{key}")
            if isinstance(value, str)
            else value
        )
    try:
        return cls(**conv)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(str(exc), where=f"--param {name}") from None


def parse_value(text: str, default: Any, where: str) -> Any:
    """Convert a ``--param`` string to the type of the parameter's default."""
    t = text.strip()
    if isinstance(default, bool):
        if t.lower() in {"1", "true", "yes", "on"}:
            return True
        if t.lower() in {"0", "false", "no", "off"}:
            return False
        raise InputError(f"{t!r} is not a boolean", where=where, allowed="true or false")
    if isinstance(default, int):
        try:
            return int(t)
        except ValueError:
            raise InputError(f"{t!r} is not a whole number", where=where) from None
    if isinstance(default, float) or default is None:
        if default is None and t.lower() in {"none", "null", ""}:
            return None
        try:
            return float(t)
        except ValueError:
            if default is None:
                return t
            raise InputError(f"{t!r} is not a number", where=where) from None
    return t


def describe(name: str) -> dict[str, Any]:
    """Name, summary, citation and parameter defaults of a model."""
    cls = model_class(name)
    return {
        "name": cls.name,
        "summary": cls.summary,
        "citation": cls.citation,
        "params": cls.param_defaults(),
        "doc": inspect.getdoc(cls) or "",
    }
