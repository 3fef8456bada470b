"""Scenarios bundled with detente, loaded by id.

Each bundled scenario is a YAML file in this package, in detente's native format (exactly
the structure of :class:`detente.scenario.Scenario`); its id is the file name with ``_``
written as ``-`` (``us_russia_reset.yaml`` is ``us-russia-reset``) and must equal the
file's own ``id`` field. Files are read with :mod:`importlib.resources`, so they work from
an installed wheel, and parsed by the native YAML reader (safe loading only).

The default scenario, ``us-russia-reset`` (docs/reset.md), is built from two essays on
U.S.-Russia relations: Carpenter (2019), "What Would Achieving a Real Reset in U.S.-Russia
Relations Take?", and Mankoff (2016), "How the Next Administration and Russia Can See
Eye-to-Eye", both in *The National Interest*; state capabilities are the Correlates of War
CINC index (NMC 6.0, Singer, Bremer & Stuckey 1972) for 2016.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from detente.errors import InputError
from detente.scenario import Scenario

__all__ = [
    "DEFAULT_SCENARIO",
    "bundled_file",
    "bundled_ids",
    "list_scenarios",
    "load_bundled",
]

#: the scenario ``detente run`` uses when none is given
DEFAULT_SCENARIO = "us-russia-reset"


def _files() -> dict[str, Traversable]:
    """Bundled scenario id -> its YAML file, sorted by id."""
    pkg = resources.files(__name__)
    found = {
        f.name.removesuffix(".yaml").replace("_", "-"): f
        for f in pkg.iterdir()
        if f.is_file() and f.name.endswith(".yaml")
    }
    return dict(sorted(found.items()))


def bundled_ids() -> list[str]:
    """Ids of all bundled scenarios, sorted."""
    return list(_files())


def bundled_file(scenario_id: str) -> Traversable:
    """The YAML file of a bundled scenario (for ``detente scenarios show --raw`` and the like).

    Raises :class:`InputError` listing the known ids when ``scenario_id`` is not bundled.
    """
    files = _files()
    try:
        return files[scenario_id]
    except KeyError:
        raise InputError(
            f"no bundled scenario {scenario_id!r}",
            source="scenario",
            allowed=", ".join(files) or "none bundled",
        ) from None


def load_bundled(scenario_id: str) -> Scenario:
    """The bundled scenario ``scenario_id``, validated.

    The result is cached: a :class:`Scenario` is immutable, so every caller may share it.
    Raises :class:`InputError` listing the known ids when ``scenario_id`` is not bundled.
    """
    return _load(bundled_file(scenario_id).name, scenario_id)


@functools.cache
def _load(file_name: str, scenario_id: str) -> Scenario:
    """Read through the native YAML reader (line-numbered errors, safe loading, duplicate
    key and alias guards), then check that the file's id matches its name."""
    from detente.io.yaml_io import parse_yaml

    file = resources.files(__name__).joinpath(file_name)
    where = f"bundled scenario {file_name}"
    scenario = parse_yaml(file.read_text(encoding="utf-8"), where)
    if scenario.id != scenario_id:
        raise InputError(
            f"the file's id {scenario.id!r} does not match its file name",
            source=where,
            where="id",
            allowed=repr(scenario_id),
        )
    return scenario


def list_scenarios() -> list[dict[str, Any]]:
    """One summary per bundled scenario: id, name, description, n_actors, n_issues and
    variants (ids), sorted by id."""
    out = []
    for scenario_id in bundled_ids():
        s = load_bundled(scenario_id)
        out.append(
            {
                "id": s.id,
                "name": s.name,
                "description": s.description,
                "n_actors": len(s.actors),
                "n_issues": len(s.issues),
                "variants": [v.id for v in s.variants],
            }
        )
    return out
