"""Draws of perturbed inputs: the uncertain positions, saliences and capabilities.

Every input of a scenario may carry an uncertainty: a range ``(low, high)`` and a
distribution, given in the scenario (:class:`~detente.scenario.Stance.uncertainty` for a
stance's position, salience or own capability, :class:`~detente.scenario.Actor.uncertainty`
for an actor's capability), or a global *spread* per field (``--spread position=10``).
:class:`PerturbationPlan` collects them into ``K`` uncertain inputs and turns uniform random
numbers into values and values into the ``(E, A, I)`` arrays that models evaluate.

Distributions (inverse-CDF transforms of one uniform number per input and draw):

* ``uniform`` on the range;
* ``triangular`` on the range, with its mode at the scenario's value;
* ``normal`` centred on the scenario's value with standard deviation a quarter of the
  range (so the range spans about ±2 sd, 95 %).

Censoring at the valid range: every draw is made on the whole range, then clipped to the
field's valid range (the issue's scale, [0, 1] for a salience, capability >= 0): a draw
beyond a scale end counts as that end. A spread's range ``value ± h`` is symmetric, so the
stated value stays the median of its draws even at a scale end (where about half of them
sit exactly on the end), and an ensemble's band is centred on what the scenario says. (Cutting
the range at the edge and drawing inside it instead, truncation, would draw a value at
a scale end only inward, and push the whole band away from the point forecast.) A range
written in the scenario is drawn as written and censored the same way (the user is told
when it reaches beyond the valid range); a range of zero width, or one with nothing inside
the valid range, is no uncertainty.

Spread values are absolute in the field's own unit (scale points, salience, capability),
or with ``%``: percent of the issue's span for a position, of the [0, 1] range for a
salience, of the value itself for a capability. A spread ``h`` gives the range
``value ± h``. Explicit ranges in the scenario take precedence over a spread. A spread
given for some fields leaves the others at :data:`DEFAULT_SPREAD` (``FIELD=0`` holds a
field fixed).

Reproducibility: draws come in blocks of :data:`BLOCK` draws; block ``b`` takes its uniform
numbers from its own stream ``SeedSequence(seed, spawn_key=(0, b))``. The numbers of draw
``d`` therefore depend only on the seed and ``d``: any chunking of the work, on any
executor, gives the same draws, and the first ``n`` draws of a longer run are the draws of
a run of ``n``.

Capability: an actor's range applies to its capability on every issue where its stance
has no capability of its own (one input, ``capability:ACTOR``); a stance with its own
capability, or with a capability range, is an input of its own (``capability:ACTOR:ISSUE``,
its value defaulting to the actor's).

Departures: actor-level ranges for position or salience (an absolute range cannot hold on
every issue's scale at once) are refused; give them on the stances.

Correlated inputs (:class:`Correlation`, ``detente ensemble --correlation``): without it the
inputs are drawn independently. With it, the uniform numbers of each draw are coupled by a
Gaussian copula (Nelsen 2006, *An Introduction to Copulas*, §2.3; the NORTA construction of
Cario & Nelson 1997) before the inverse CDFs above turn them into values, so every input
keeps exactly its marginal distribution (range, distribution, censoring, median) and only
their joint distribution changes: ``z = Φ⁻¹(u)``, ``z' = R^½ z``, ``u' = Φ(z')``. The
correlation matrix ``R`` of the normal scores is block-diagonal, one equicorrelation block
``(1 - ρ) I + ρ 11ᵀ`` per group of inputs:

* ``salience``: the saliences of the actors on the same side of an issue's reference point
  (status quo), one group per issue and side (actors at the reference point, and issues
  without one, stay independent): a coalition's members care more, or less, together;
* ``position``: the positions of one actor on issues linked by the scenario's linkages
  (``when:`` on one issue, effect on another; an effect on every issue, ``issue: '*'``,
  links them all; linked issues are grouped transitively): an actor that turns out
  tougher on one issue of a linked set is tougher on the others, on each issue's own scale.

An equicorrelation block of ``n`` inputs is positive semidefinite for ``ρ`` in
``[-1/(n-1), 1]``, and so is the block-diagonal ``R``; a ``ρ`` outside that range for some
block is refused. ``R^½`` of a block is ``√(1-ρ) I + c 11ᵀ`` with
``c = (√(1 + (n-1)ρ) - √(1-ρ)) / n`` (its symmetric square root), so coupling costs one sum
per block and draw; ``ρ = 0`` for a field leaves its inputs independent. The correlation
is of the normal scores; the rank (Spearman) correlation of the inputs is
``(6/π) asin(ρ/2)`` (Kruskal 1958). The coupled numbers are computed from the same uniform
stream, so the reproducibility contract above holds with and without a correlation.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from detente.errors import InputError, InputNotice
from detente.scenario import Scenario, Stance

__all__ = [
    "BLOCK",
    "DEFAULT_CORRELATION",
    "DEFAULT_SPREAD",
    "DISTRIBUTIONS",
    "FIELDS",
    "Correlation",
    "PerturbationPlan",
    "Spread",
    "UncertainInput",
    "block_stream",
    "correlation_groups",
    "parse_correlation",
    "parse_spread",
]

#: draws per random-number block (part of the reproducibility contract: do not change)
BLOCK = 1024
#: chunks of at least this many draws fill their blocks compiled (numba; see ``_fill.py``)
COMPILED_MIN_DRAWS = 16 * BLOCK
FIELDS = ("position", "salience", "capability")
DISTRIBUTIONS = ("uniform", "triangular", "normal")
Field = Literal["position", "salience", "capability"]
Distribution = Literal["uniform", "triangular", "normal"]

_KIND = {"uniform": 0, "triangular": 1, "normal": 2}


@dataclass(frozen=True)
class Spread:
    """A global spread for one field: ``value`` absolute, or percent when ``percent``."""

    value: float
    percent: bool = False

    def half_width(self, field_name: str, nominal: float, span: float) -> float:
        if not self.percent:
            return self.value
        if field_name == "position":
            return self.value / 100.0 * span
        if field_name == "salience":
            return self.value / 100.0
        return self.value / 100.0 * abs(nominal)

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.percent else f"{self.value:g}"


#: used for every input without a range in the scenario when the user gives no spread
DEFAULT_SPREAD: dict[str, Spread] = {
    "position": Spread(10.0, percent=True),
    "salience": Spread(0.1),
    "capability": Spread(20.0, percent=True),
}

_SPREAD_RE = re.compile(r"^\s*(\w+)\s*=\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*(%?)\s*$")


def _assignments(
    items: Sequence[str] | None,
    pattern: re.Pattern[str],
    fields: Sequence[str],
    *,
    what: str,
    where: str,
    allowed: str,
    skip: tuple[str, ...] = (),
) -> Iterator[tuple[re.Match[str], str]]:
    """The ``FIELD=VALUE`` parts of comma-separated option values (``--spread``,
    ``--correlation``), each matched by ``pattern`` (group 1 the field, one of ``fields``),
    with the part's text; blank parts and those in ``skip`` are passed over. A part that
    does not read is one :class:`InputError` naming it and what is allowed."""
    for item in items or []:
        for part in item.split(","):
            text = part.strip()
            if not text or text in skip:
                continue
            m = pattern.match(part)
            if not m or m.group(1) not in fields:
                raise InputError(f"cannot read {what} {text!r}", where=where, allowed=allowed)
            yield m, text


def parse_spread(items: Sequence[str] | None) -> dict[str, Spread]:
    """``["position=10", "salience=0.1", "capability=20%"]`` to a spread per field."""
    out: dict[str, Spread] = {}
    allowed = (
        "FIELD=VALUE or FIELD=VALUE% with FIELD one of "
        + ", ".join(FIELDS)
        + " (e.g. position=10, salience=0.1, capability=20%)"
    )
    for m, text in _assignments(
        items, _SPREAD_RE, FIELDS, what="spread", where="--spread", allowed=allowed
    ):
        value = float(m.group(2))
        if not math.isfinite(value):
            raise InputError(f"spread {text!r} is not finite", where="--spread")
        out[m.group(1)] = Spread(value, percent=bool(m.group(3)))
    return out


@dataclass(frozen=True)
class Correlation:
    """Correlations of the normal scores of the inputs (the Gaussian copula's ``ρ``):
    ``salience`` within a coalition on an issue, ``position`` of an actor across linked
    issues (see the module docstring)."""

    salience: float = 0.0
    position: float = 0.0

    def __post_init__(self) -> None:
        for name in CORRELATED:
            v = getattr(self, name)
            if not (math.isfinite(v) and -1.0 <= v <= 1.0):
                raise InputError(
                    f"correlation {name}={v:g} is not in [-1, 1]",
                    where="--correlation",
                    allowed="FIELD=RHO with RHO from -1 to 1",
                )

    def to_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in CORRELATED}

    def __str__(self) -> str:
        return ",".join(f"{k}={v:g}" for k, v in self.to_dict().items())


#: the fields the copula couples
CORRELATED = ("salience", "position")
#: used by ``--correlation default`` and for a field that ``--correlation`` does not name
DEFAULT_CORRELATION = Correlation(salience=0.5, position=0.3)

_CORR_RE = re.compile(r"^\s*(\w+)\s*=\s*(-?[0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*$")


def parse_correlation(items: Sequence[str] | None) -> Correlation | None:
    """``["salience=0.5,position=0.3"]`` (or ``["default"]``) to a :class:`Correlation`;
    a field not named keeps its value in :data:`DEFAULT_CORRELATION`. ``None`` or ``[]``:
    no copula (independent inputs)."""
    if not items:
        return None
    values = DEFAULT_CORRELATION.to_dict()
    allowed = (
        "default, or FIELD=RHO with FIELD one of "
        + ", ".join(CORRELATED)
        + " and RHO from -1 to 1 (e.g. salience=0.5,position=0.3)"
    )
    for m, _ in _assignments(
        items,
        _CORR_RE,
        CORRELATED,
        what="correlation",
        where="--correlation",
        allowed=allowed,
        skip=("default",),
    ):
        values[m.group(1)] = float(m.group(2))
    return Correlation(**values)


@dataclass(frozen=True)
class UncertainInput:
    """One uncertain input: which number it is, its value, range and distribution."""

    name: str  # "position:actor:issue", "salience:actor:issue", "capability:actor[:issue]"
    field: Field
    actor: str
    issue: str | None  # None: an actor's capability on every issue without its own
    nominal: float
    low: float  # the range drawn from, cut to the valid range (normal: may be left)
    high: float
    distribution: Distribution
    sd: float  # normal only: a quarter of the range drawn from
    valid_low: float  # where draws are censored (clipped)
    valid_high: float
    draw_low: float = math.nan  # the range drawn from (value ± spread, or as stated)
    draw_high: float = math.nan

    def __post_init__(self) -> None:
        if math.isnan(self.draw_low):
            object.__setattr__(self, "draw_low", self.low)
        if math.isnan(self.draw_high):
            object.__setattr__(self, "draw_high", self.high)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "field": self.field,
            "actor": self.actor,
            "issue": self.issue,
            "value": self.nominal,
            "low": self.low,
            "high": self.high,
            "drawn_from": [self.draw_low, self.draw_high],
            "distribution": self.distribution,
        }


def block_stream(seed: int, block: int, stream: int = 0) -> np.random.Generator:
    """The random stream of one block: ``stream`` 0 for inputs, 1 for model seeds."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(stream, block)))
    )


def block_seeds(seed: int, block: int) -> np.ndarray:
    """One 32-bit seed per draw of a block, for models that draw at random."""
    return np.random.SeedSequence(seed, spawn_key=(1, block)).generate_state(BLOCK)


@dataclass(frozen=True, eq=False)
class PerturbationPlan:
    """The uncertain inputs of a scenario and how to draw and apply them.

    Build with :meth:`build`. ``values`` arrays are shaped ``(n, K)`` with columns in the
    order of :attr:`inputs` (positions, then saliences, then capabilities; actors and
    issues in scenario order).
    """

    scenario: Scenario
    inputs: tuple[UncertainInput, ...]
    spread: Mapping[str, Spread] = field(default_factory=dict)
    distribution: Distribution = "uniform"
    defaulted: bool = False  # True when DEFAULT_SPREAD was used
    correlation: Correlation | None = None  # None: independent inputs

    # ---------------------------------------------------------------- construction
    @classmethod
    def build(
        cls,
        scenario: Scenario,
        spread: Mapping[str, Spread] | None = None,
        distribution: str = "uniform",
        correlation: Correlation | None = None,
    ) -> PerturbationPlan:
        """Collect the uncertain inputs of ``scenario``.

        ``spread`` applies to every input of its field that has no range in the scenario;
        fields it does not name keep :data:`DEFAULT_SPREAD` (so ``--spread salience=0``
        holds saliences fixed and leaves positions and capabilities at their defaults).
        ``None`` or ``{}`` (no spread given) means :data:`DEFAULT_SPREAD` for every field,
        recorded in :attr:`defaulted`; a zero spread for every field means the scenario's
        ranges only. ``correlation`` couples the inputs by a Gaussian copula (module
        docstring); ``None`` draws them independently.
        """
        if distribution not in DISTRIBUTIONS:
            raise InputError(
                f"unknown distribution {distribution!r}",
                where="--distribution",
                allowed=", ".join(DISTRIBUTIONS),
            )
        defaulted = not spread
        given = dict(spread or {})
        for name, sp in given.items():
            if name not in FIELDS:
                raise InputError(
                    f"unknown field {name!r}", where="--spread", allowed=", ".join(FIELDS)
                )
            if sp.value < 0:
                raise InputError(f"spread {name}={sp} is negative", where="--spread")
        spread = {**DEFAULT_SPREAD, **given}
        inputs = _collect(scenario, spread, distribution)  # type: ignore[arg-type]
        plan = cls(
            scenario=scenario,
            inputs=tuple(inputs),
            spread=spread,
            distribution=distribution,  # type: ignore[arg-type]
            defaulted=defaulted,
            correlation=correlation,
        )
        plan._copula()  # a correlation that no valid matrix has fails here
        return plan

    def subset(self, names: Sequence[str]) -> PerturbationPlan:
        """The plan restricted to some inputs (the others stay at their values)."""
        keep = set(names)
        unknown = keep - set(self.names)
        if unknown:
            raise InputError(
                f"unknown input(s) {', '.join(sorted(unknown))}",
                allowed="names like position:ACTOR:ISSUE, salience:ACTOR:ISSUE, capability:ACTOR",
            )
        return PerturbationPlan(
            scenario=self.scenario,
            inputs=tuple(u for u in self.inputs if u.name in keep),
            spread=self.spread,
            distribution=self.distribution,
            defaulted=self.defaulted,
            correlation=self.correlation,
        )

    def with_correlation(self, correlation: Correlation | None) -> PerturbationPlan:
        """The same inputs coupled by ``correlation`` (``None``: independent)."""
        plan = PerturbationPlan(
            scenario=self.scenario,
            inputs=self.inputs,
            spread=self.spread,
            distribution=self.distribution,
            defaulted=self.defaulted,
            correlation=correlation,
        )
        plan._copula()
        return plan

    def select(
        self,
        fields: Sequence[str] | None = None,
        actors: Sequence[str] | None = None,
        issues: Sequence[str] | None = None,
    ) -> PerturbationPlan:
        """The plan restricted to inputs of some fields, actors and issues."""
        for vals, known, what in (
            (fields, FIELDS, "--field"),
            (actors, self.scenario.actor_ids, "--actor"),
            (issues, self.scenario.issue_ids, "--issue"),
        ):
            bad = sorted(set(vals or ()) - set(known))
            if bad:
                raise InputError(
                    f"unknown {what[2:]} {', '.join(bad)}", where=what, allowed=", ".join(known)
                )
        names = [
            u.name
            for u in self.inputs
            if (not fields or u.field in fields)
            and (not actors or u.actor in actors)
            and (not issues or u.issue is None or u.issue in issues)
        ]
        return self.subset(names)

    # ---------------------------------------------------------------- views
    @property
    def n_inputs(self) -> int:
        return len(self.inputs)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(u.name for u in self.inputs)

    @property
    def nominal(self) -> np.ndarray:
        return np.array([u.nominal for u in self.inputs], dtype=float)

    @property
    def bounds(self) -> np.ndarray:
        """``(K, 2)``: each input's range (low, high)."""
        return np.array([(u.low, u.high) for u in self.inputs], dtype=float).reshape(-1, 2)

    @property
    def present(self) -> np.ndarray:
        return self.scenario.arrays().present

    @property
    def low(self) -> np.ndarray:
        return self.scenario.arrays().low

    @property
    def high(self) -> np.ndarray:
        return self.scenario.arrays().high

    def __getstate__(self) -> dict[str, object]:
        # the cached arrays are rebuilt on the other side of a pickle
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_c_")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    # ---------------------------------------------------------------- drawing
    def _cache(self) -> dict[str, np.ndarray]:
        cache = self.__dict__.get("_c_arrays")
        if cache is None:
            arr = self.scenario.arrays()
            a_index = {a: k for k, a in enumerate(arr.actor_ids)}
            i_index = {i: k for k, i in enumerate(arr.issue_ids)}
            n_i = arr.n_issues
            dlo = np.array([u.draw_low for u in self.inputs], dtype=float)
            dhi = np.array([u.draw_high for u in self.inputs], dtype=float)
            vlo = np.array([u.valid_low for u in self.inputs], dtype=float)
            vhi = np.array([u.valid_high for u in self.inputs], dtype=float)
            cache = {
                "kind": np.array([_KIND[u.distribution] for u in self.inputs], dtype=np.int8),
                "dlo": dlo,
                "dhi": dhi,
                "width": dhi - dlo,
                "mode": np.array([u.nominal for u in self.inputs], dtype=float),
                "sd": np.array([u.sd for u in self.inputs], dtype=float),
                "vlo": vlo,
                "vhi": vhi,
                # which ends any draw can cross (censoring is skipped where none can)
                "censor_low": np.array(bool(np.any(dlo < vlo))),
                "censor_high": np.array(bool(np.any(dhi > vhi))),
            }
            for f in FIELDS:
                cells: list[int] = []
                cols: list[int] = []
                for k, u in enumerate(self.inputs):
                    if u.field != f:
                        continue
                    a = a_index[u.actor]
                    if u.issue is not None:
                        cells.append(a * n_i + i_index[u.issue])
                        cols.append(k)
                        continue
                    # an actor's capability: every issue it is on without its own capability
                    for i, iss in enumerate(arr.issue_ids):
                        st = self.scenario.stance(u.actor, iss)
                        if st is not None and not _own_capability(st):
                            cells.append(a * n_i + i)
                            cols.append(k)
                cache[f"cells_{f}"] = np.array(cells, dtype=np.intp)
                cache[f"cols_{f}"] = np.array(cols, dtype=np.intp)
                # a run of consecutive columns is read as a slice (no gather, no copy)
                run = bool(cols) and cols == list(range(cols[0], cols[0] + len(cols)))
                cache[f"slice_{f}"] = np.array([cols[0], cols[-1] + 1] if run else [-1, -1])
            cache["all_uniform"] = np.array(bool(np.all(cache["kind"] == 0)))
            object.__setattr__(self, "_c_arrays", cache)
        return cache

    def from_uniform(self, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Values ``(n, K)`` from uniform numbers in [0, 1) by each input's inverse CDF
        on the range it is drawn from, censored (clipped) to the field's valid range (into
        ``out`` when given, which may be ``u`` itself)."""
        c = self._cache()
        dlo, width = c["dlo"], c["width"]
        if out is None:
            out = np.empty_like(u)
        if bool(c["all_uniform"]):
            np.multiply(u, width, out=out)
            out += dlo
        else:
            kind = c["kind"]
            parts = []
            for code in (0, 1, 2):
                k = np.flatnonzero(kind == code)
                if k.size:
                    parts.append((code, k, u[:, k]))
            for code, k, uk in parts:
                if code == 0:
                    out[:, k] = dlo[k] + uk * width[k]
                elif code == 1:
                    out[:, k] = _triangular(uk, dlo[k], c["mode"][k], c["dhi"][k])
                else:
                    out[:, k] = _normal(uk, c["mode"][k], c["sd"][k])
        if bool(c["censor_low"]):
            np.maximum(out, c["vlo"], out=out)
        if bool(c["censor_high"]):
            np.minimum(out, c["vhi"], out=out)
        return out

    def groups(self) -> list[tuple[str, float, np.ndarray]]:
        """The groups of inputs the copula correlates: (field, ρ, column indices), for
        every group of two or more inputs whose field has a non-zero ``ρ``."""
        if self.correlation is None:
            return []
        out = []
        for f, cols in correlation_groups(self):
            rho = getattr(self.correlation, f)
            if rho != 0.0 and cols.size >= 2:
                out.append((f, rho, cols))
        return out

    def _copula(self) -> dict[str, object] | None:
        """What :meth:`couple` needs: per column the factor ``√(1-ρ)``, and a sparse
        ``(K, G)`` membership matrix with the group's ``c`` (``None``: nothing coupled)."""
        cache = self.__dict__.get("_c_copula")
        if cache is not None or "_c_copula_none" in self.__dict__:
            return cache
        groups = self.groups()
        if not groups:
            object.__setattr__(self, "_c_copula_none", True)
            return None
        from scipy import sparse

        a = np.ones(self.n_inputs)
        c = np.empty(len(groups))
        rows, cols = [], []
        for g, (f, rho, idx) in enumerate(groups):
            n = idx.size
            if rho < -1.0 / (n - 1) - 1e-12:
                raise InputError(
                    f"correlation {f}={rho:g} cannot hold among the {n} inputs "
                    f"{', '.join(self.names[k] for k in idx[:3])}{', ...' if n > 3 else ''} "
                    "(the matrix would not be positive semidefinite)",
                    where="--correlation",
                    allowed=f"{f}={-1.0 / (n - 1):.4g} or more for a group of {n}",
                )
            root_small = math.sqrt(max(1.0 - rho, 0.0))
            root_big = math.sqrt(max(1.0 + (n - 1) * rho, 0.0))
            a[idx] = root_small
            c[g] = (root_big - root_small) / n
            rows.extend(idx.tolist())
            cols.extend([g] * n)
        # only the coupled columns are transformed (the others keep their numbers)
        coupled = np.unique(np.array(rows, dtype=np.intp))
        local = np.searchsorted(coupled, np.array(rows, dtype=np.intp))
        member = sparse.csr_matrix(
            (np.ones(len(rows)), (local, cols)), shape=(coupled.size, len(groups))
        )
        cache = {
            "cols": coupled,
            "a": a[coupled],
            "c": c,
            "member": member,
            "member_t": member.T.tocsr(),
        }
        object.__setattr__(self, "_c_copula", cache)
        return cache

    def couple(self, u: np.ndarray) -> np.ndarray:
        """Couple uniform numbers ``(n, K)`` in place by the Gaussian copula
        (``u' = Φ(R^½ Φ⁻¹(u))``); without a correlation they are left as they are."""
        cop = self._copula()
        if cop is None:
            return u
        from scipy.special import ndtr, ndtri

        tiny = np.finfo(float).tiny
        cols = cop["cols"]
        z = ndtri(np.clip(u[:, cols], tiny, 1.0 - np.finfo(float).epsneg))
        # per group the sum of its normal scores, then each input's share c of its sum
        sums = (cop["member_t"] @ z.T).T  # type: ignore[operator]
        shift = (cop["member"] @ (sums * cop["c"]).T).T  # type: ignore[operator]
        z *= cop["a"]
        z += shift
        u[:, cols] = ndtr(z)
        return u

    def uniforms(self, seed: int, block: int, out: np.ndarray | None = None) -> np.ndarray:
        """The uniform numbers ``(BLOCK, K)`` of one block of the run ``seed`` (coupled by
        the copula when the plan has a correlation)."""
        if out is None:
            out = np.empty((BLOCK, self.n_inputs))
        return self.couple(block_stream(seed, block).random(out=out))

    def draw(self, seed: int, start: int, stop: int) -> np.ndarray:
        """Values ``(stop - start, K)`` of draws ``start .. stop - 1`` of the run ``seed``."""
        out = np.empty((max(stop - start, 0), self.n_inputs))
        if stop <= start:
            return out
        u = np.empty((BLOCK, self.n_inputs))
        for b in range(start // BLOCK, (stop - 1) // BLOCK + 1):
            lo, hi = max(start, b * BLOCK), min(stop, (b + 1) * BLOCK)
            if lo == b * BLOCK and hi == (b + 1) * BLOCK:  # a whole block: no staging copy
                dst = out[lo - start : hi - start]
                self.from_uniform(self.uniforms(seed, b, out=dst), out=dst)
                continue
            self.uniforms(seed, b, out=u)
            self.from_uniform(u[lo - b * BLOCK : hi - b * BLOCK], out=out[lo - start : hi - start])
        return out

    def compiled(self, n: int) -> bool:
        """Whether :meth:`fill_block` runs compiled for a chunk of ``n`` draws: all inputs
        uniform, ``n >= COMPILED_MIN_DRAWS`` and numba at hand (imported here, if so)."""
        if n < COMPILED_MIN_DRAWS or not bool(self._cache()["all_uniform"]):
            return False
        from detente.analysis import _fill

        return _fill.ENABLED

    def fill_block(
        self,
        u: np.ndarray,
        values: np.ndarray,
        work: tuple[np.ndarray, np.ndarray, np.ndarray],
        *,
        fill: bool = True,
    ) -> np.ndarray:
        """``apply(from_uniform(u, out=values), out=work, fill=fill)`` in one compiled pass
        (same numbers to the last bit; only when :meth:`compiled` says so). ``values`` may
        be ``u``; returns ``values``."""
        from detente.analysis import _fill

        if fill:
            arr = self.scenario.arrays()
            for base, x in zip((arr.position, arr.salience, arr.capability), work, strict=True):
                np.copyto(x, base)
        _fill.fill_uniform(u, values, self._cache(), work)
        return values

    def buffers(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Position, salience and capability arrays ``(n, A, I)`` for :meth:`apply`."""
        arr = self.scenario.arrays()
        shape = (n, arr.n_actors, arr.n_issues)
        return np.empty(shape), np.empty(shape), np.empty(shape)

    def apply(
        self,
        values: np.ndarray,
        out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        *,
        fill: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Position, salience and capability arrays ``(n, A, I)``: the scenario's, with
        ``values`` ``(n, K)`` put in (into the arrays ``out`` when given).

        ``fill=False`` writes the input cells only and leaves every other cell of ``out``
        as it is: for buffers that an earlier :meth:`apply` of this plan filled, and that
        nobody wrote to since (a batch kernel does not write its inputs), it saves copying
        the scenario's arrays at every block.
        """
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[1] != self.n_inputs:
            raise ValueError(f"values must be (n, {self.n_inputs}), got {values.shape}")
        arr = self.scenario.arrays()
        n = values.shape[0]
        c = self._cache()
        if out is None:
            out = self.buffers(n)
            fill = True
        for f, base, x in zip(
            FIELDS, (arr.position, arr.salience, arr.capability), out, strict=True
        ):
            if fill:
                np.copyto(x, base)
            cells = c[f"cells_{f}"]
            if not cells.size:
                continue
            a, z = c[f"slice_{f}"]
            src = values[:, a:z] if a >= 0 else values[:, c[f"cols_{f}"]]
            x.reshape(n, -1)[:, cells] = src
        return out


# -------------------------------------------------------------------- helpers
def correlation_groups(plan: PerturbationPlan) -> list[tuple[str, np.ndarray]]:
    """The groups of inputs the copula may correlate, in a fixed order: per issue (scenario
    order) the saliences of the actors below and above its reference point; per actor the
    positions on each set of linked issues. Groups of one input are left out."""
    sc = plan.scenario
    issue_ids = list(sc.issue_ids)
    ref = {i.id: i.reference for i in sc.issues}
    col = {u.name: k for k, u in enumerate(plan.inputs)}
    out: list[tuple[str, np.ndarray]] = []
    for iss in issue_ids:
        if ref[iss] is None:
            continue
        sides: dict[int, list[int]] = {-1: [], 1: []}
        for actor in sc.actor_ids:
            k = col.get(f"salience:{actor}:{iss}")
            st = sc.stance(actor, iss)
            if k is None or st is None or st.position == ref[iss]:
                continue
            sides[1 if st.position > ref[iss] else -1].append(k)
        for side in (-1, 1):
            if len(sides[side]) >= 2:
                out.append(("salience", np.array(sides[side], dtype=np.intp)))
    # linked issues: union-find over every linkage's condition issue and effect issue(s)
    parent = {i: i for i in issue_ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for link in sc.linkages:
        targets = issue_ids if link.then.issue == "*" else [link.then.issue]
        for t in targets:
            a, b = root(link.when.issue), root(t)
            if a != b:
                parent[max(a, b, key=issue_ids.index)] = min(a, b, key=issue_ids.index)
    components: dict[str, list[str]] = {}
    for i in issue_ids:
        components.setdefault(root(i), []).append(i)
    linked = [c for c in components.values() if len(c) >= 2]
    for actor in sc.actor_ids:
        for comp in linked:
            ks = [col[n] for n in (f"position:{actor}:{i}" for i in comp) if n in col]
            if len(ks) >= 2:
                out.append(("position", np.array(ks, dtype=np.intp)))
    return out


def _own_capability(st: Stance) -> bool:
    """Whether a stance's capability is its own input rather than its actor's."""
    return st.capability is not None or (
        st.uncertainty is not None and st.uncertainty.capability is not None
    )


def _collect(
    scenario: Scenario, spread: dict[str, Spread], distribution: Distribution
) -> list[UncertainInput]:
    arr = scenario.arrays()
    issues = {i.id: i for i in scenario.issues}
    by_field: dict[str, list[UncertainInput]] = {f: [] for f in FIELDS}
    for actor in scenario.actors:
        au = actor.uncertainty
        if au is not None and (au.position is not None or au.salience is not None):
            field_name = "position" if au.position is not None else "salience"
            raise InputError(
                f"actor {actor.id!r} has an uncertainty range for {field_name}; an absolute "
                "range cannot hold on every issue's scale",
                source=scenario.id,
                where=f"actor {actor.id}, uncertainty.{field_name}",
                allowed="position and salience ranges on the actor's stances, "
                "a capability range on the actor",
            )
        own_cap_needed = False
        for iss_id in arr.issue_ids:
            st = scenario.stance(actor.id, iss_id)
            if st is None:
                continue
            iss = issues[iss_id]
            su = st.uncertainty
            where = f"stance {actor.id} on {iss_id}"
            lo_v, hi_v = iss.scale.low, iss.scale.high
            for field_name, nominal, vlo, vhi in (
                ("position", st.position, lo_v, hi_v),
                ("salience", st.salience, 0.0, 1.0),
            ):
                u = _make(
                    name=f"{field_name}:{actor.id}:{iss_id}",
                    field_name=field_name,
                    actor=actor.id,
                    issue=iss_id,
                    nominal=nominal,
                    stated=None if su is None else getattr(su, field_name),
                    stated_dist=None if su is None else su.distribution,
                    spread=spread.get(field_name),
                    distribution=distribution,
                    span=iss.scale.span,
                    valid=(vlo, vhi),
                    source=scenario.id,
                    where=where,
                )
                if u is not None:
                    by_field[field_name].append(u)
            if _own_capability(st):
                u = _make(
                    name=f"capability:{actor.id}:{iss_id}",
                    field_name="capability",
                    actor=actor.id,
                    issue=iss_id,
                    nominal=actor.capability if st.capability is None else st.capability,
                    stated=None if su is None else su.capability,
                    stated_dist=None if su is None else su.distribution,
                    spread=spread.get("capability"),
                    distribution=distribution,
                    span=iss.scale.span,
                    valid=(0.0, math.inf),
                    source=scenario.id,
                    where=where,
                )
                if u is not None:
                    by_field["capability"].append(u)
            else:
                own_cap_needed = True
        if own_cap_needed:
            u = _make(
                name=f"capability:{actor.id}",
                field_name="capability",
                actor=actor.id,
                issue=None,
                nominal=actor.capability,
                stated=None if au is None else au.capability,
                stated_dist=None if au is None else au.distribution,
                spread=spread.get("capability"),
                distribution=distribution,
                span=1.0,
                valid=(0.0, math.inf),
                source=scenario.id,
                where=f"actor {actor.id}",
            )
            if u is not None:
                by_field["capability"].append(u)
    return [u for f in FIELDS for u in by_field[f]]


def _make(
    *,
    name: str,
    field_name: str,
    actor: str,
    issue: str | None,
    nominal: float,
    stated: tuple[float, float] | None,
    stated_dist: str | None,
    spread: Spread | None,
    distribution: str,
    span: float,
    valid: tuple[float, float],
    source: str,
    where: str,
) -> UncertainInput | None:
    vlo, vhi = valid
    if stated is not None:
        lo, hi = float(stated[0]), float(stated[1])
        dist = stated_dist or "uniform"
        if not lo <= nominal <= hi:
            raise InputError(
                f"the {field_name} {nominal:g} lies outside its uncertainty range ({lo:g}, {hi:g})",
                source=source,
                where=f"{where}, uncertainty.{field_name}",
                allowed="a range that contains the value",
            )
        if lo < vlo or hi > vhi:
            warnings.warn(
                f"{source}, {where}: uncertainty.{field_name} ({lo:g}, {hi:g}) reaches "
                f"beyond the valid range [{vlo:g}, {vhi:g}]; draws beyond it count as its "
                "edge (censored)",
                InputNotice,
                stacklevel=4,
            )
    elif spread is not None:
        h = spread.half_width(field_name, nominal, span)
        lo, hi = nominal - h, nominal + h
        dist = distribution
    else:
        return None
    sd = (hi - lo) / 4.0
    lo_c, hi_c = max(lo, vlo), min(hi, vhi)
    if not hi_c > lo_c:  # no width, or nothing inside the valid range: a constant
        return None
    return UncertainInput(
        name=name,
        field=field_name,  # type: ignore[arg-type]
        actor=actor,
        issue=issue,
        nominal=float(nominal),
        low=lo_c,
        high=hi_c,
        distribution=dist,  # type: ignore[arg-type]
        sd=sd,
        valid_low=vlo,
        valid_high=vhi,
        draw_low=float(lo),
        draw_high=float(hi),
    )


def _triangular(u: np.ndarray, lo: np.ndarray, mode: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Inverse CDF of the triangular distribution on [lo, hi] with the given mode."""
    width = hi - lo
    fc = (mode - lo) / width
    left = lo + np.sqrt(u * width * (mode - lo))
    right = hi - np.sqrt((1.0 - u) * width * (hi - mode))
    return np.where(u < fc, left, right)


def _normal(u: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Inverse CDF of normal(mean, sd); ``u = 0`` gives ``-inf`` (censored by the caller)."""
    from scipy.special import ndtri  # imported here: only normal draws need scipy

    with np.errstate(divide="ignore"):
        return mean + sd * ndtri(u)
