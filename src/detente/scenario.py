"""The scenario: actors, issues, and each actor's stance on each issue.

A :class:`Scenario` is immutable (pydantic v2, frozen) and validated on construction:
ids are unique, every stance names a known actor and issue, positions lie on the issue's
scale, saliences in [0, 1], capabilities are finite and non-negative, and every actor
takes a stance on at least one issue. Models never see the pydantic objects: they work on
:class:`ScenarioArrays`, the array view returned by :meth:`Scenario.arrays`.

Conventions (docs/scenarios.md): positions on the issue's own scale (default 0..100), salience
in [0, 1], capability >= 0 in any unit (only ratios matter to the models).

Limits, checked before any arithmetic so that no model can overflow (every reader builds
its scenario through these classes, so every format and every model is covered):

- scale bounds, positions, reference points, outcomes, condition values and uncertainty
  ranges of positions are at most :data:`MAX_MAGNITUDE` (1e9) in absolute value, and a
  scale's span ``high - low`` is at least :data:`MIN_RELATIVE_SPAN` (1e-9) times
  ``max(1, |low|, |high|)``: squared distances then stay below 4e18 and positions on the
  scale keep about seven significant digits;
- capabilities are at most :data:`MAX_CAPABILITY` (1e15). Capability is scale-free in every
  model (only ratios matter), so larger values are refused rather than rescaled: divide all
  of them by a common factor (e.g. write GDP in billions). A scenario whose capabilities
  are all 0 is refused (no actor would have any weight);
- booleans are not numbers: ``position: true`` is refused, not read as 1.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from detente.errors import InputError, InvalidValue

__all__ = [
    "MAX_CAPABILITY",
    "MAX_MAGNITUDE",
    "MIN_RELATIVE_SPAN",
    "Actor",
    "Condition",
    "Decision",
    "Effect",
    "Issue",
    "Linkage",
    "Provenance",
    "Scale",
    "Scenario",
    "ScenarioArrays",
    "Source",
    "Stance",
    "StanceChange",
    "Uncertainty",
    "Variant",
]


#: the largest absolute value of a scale bound, position, reference point or outcome
MAX_MAGNITUDE = 1e9
#: the largest capability (capabilities are ratios: any unit, so scale them down)
MAX_CAPABILITY = 1e15
#: a scale's span must be at least this share of max(1, |low|, |high|)
MIN_RELATIVE_SPAN = 1e-9

_MAGNITUDE_ALLOWED = f"a finite number from {-MAX_MAGNITUDE:g} to {MAX_MAGNITUDE:g}"
_CAPABILITY_ALLOWED = (
    f"a finite number from 0 to {MAX_CAPABILITY:g}; only ratios of capabilities matter, "
    "so divide them all by a common factor"
)

#: the context :meth:`Scenario.replace` validates with: a scenario derived from a checked
#: one (a variant, an ensemble draw, a what-it-takes candidate) skips the checks that are
#: about what a user wrote (all capabilities 0), keeping those that guard the arithmetic
DERIVED = {"derived": True}


def _not_bool(value: object, info: ValidationInfo) -> object:
    """Refuse booleans where a number is expected (pydantic would read ``true`` as 1)."""
    if isinstance(value, bool) or (
        isinstance(value, list | tuple) and any(isinstance(v, bool) for v in value)
    ):
        name = info.field_name or "value"
        raise InvalidValue(
            f"{name} must be a number, got the boolean {str(value).lower()}",
            "a number (true and false are not numbers)",
        )
    return value


#: a float field that refuses booleans
Number = Annotated[float, BeforeValidator(_not_bool)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _finite(value: float | None, name: str) -> float | None:
    if value is not None and not math.isfinite(value):
        raise InvalidValue(
            f"{name} must be a finite number, got {value!r}", "a finite number (not NaN or inf)"
        )
    return value


def _bounded(value: float | None, name: str) -> float | None:
    """``value`` when finite and at most :data:`MAX_MAGNITUDE` in absolute value."""
    _finite(value, name)
    if value is not None and abs(value) > MAX_MAGNITUDE:
        raise InvalidValue(
            f"{name} {value:g} is beyond the limit of {MAX_MAGNITUDE:g} in absolute value",
            _MAGNITUDE_ALLOWED + " (rescale the issue, e.g. to 0..100)",
        )
    return value


def _capability(value: float | None, name: str = "capability") -> float | None:
    """``value`` when finite, >= 0 and at most :data:`MAX_CAPABILITY`."""
    _finite(value, name)
    if value is None:
        return value
    if value < 0:
        raise InvalidValue(f"{name} must be >= 0, got {value:g}", _CAPABILITY_ALLOWED)
    if value > MAX_CAPABILITY:
        raise InvalidValue(
            f"{name} {value:g} is above the limit of {MAX_CAPABILITY:g}", _CAPABILITY_ALLOWED
        )
    return value


class Provenance(_Frozen):
    """Where a number comes from: a source id, the place in it, and why this number."""

    source: str = Field(description="id of a Source of the scenario, or a free-text reference")
    location: str | None = Field(default=None, description="paragraph, page, table or row")
    rationale: str | None = Field(default=None, description="one line, in our own words")


class Source(_Frozen):
    """A document the scenario rests on."""

    id: str
    title: str
    author: str | None = None
    year: int | None = None
    note: str | None = None


class Scale(_Frozen):
    """The scale of an issue: numeric bounds and the words describing each end."""

    low: Number = 0.0
    high: Number = 100.0
    low_label: str | None = None
    high_label: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Scale:
        _bounded(self.low, "scale.low")
        _bounded(self.high, "scale.high")
        if not self.high > self.low:
            raise InvalidValue(
                f"scale.high ({self.high}) must be greater than scale.low ({self.low})",
                "scale.low < scale.high",
            )
        least = MIN_RELATIVE_SPAN * max(1.0, abs(self.low), abs(self.high))
        if self.high - self.low < least:
            raise InvalidValue(
                f"scale.high - scale.low ({self.high - self.low:g}) is too small for the "
                f"scale's magnitude",
                f"a span of at least {MIN_RELATIVE_SPAN:g} x max(1, |low|, |high|) = {least:g}",
            )
        return self

    @property
    def span(self) -> float:
        return self.high - self.low


class Uncertainty(_Frozen):
    """Ranges an input may plausibly take (used by ensembles); each is (low, high)."""

    position: Annotated[tuple[float, float], BeforeValidator(_not_bool)] | None = None
    salience: Annotated[tuple[float, float], BeforeValidator(_not_bool)] | None = None
    capability: Annotated[tuple[float, float], BeforeValidator(_not_bool)] | None = None
    distribution: Literal["uniform", "triangular", "normal"] = "uniform"

    @model_validator(mode="after")
    def _check(self) -> Uncertainty:
        for name in ("position", "salience", "capability"):
            rng = getattr(self, name)
            if rng is None:
                continue
            lo, hi = rng
            check = _capability if name == "capability" else _bounded
            check(lo, f"uncertainty.{name}")
            check(hi, f"uncertainty.{name}")
            if lo > hi:
                raise InvalidValue(
                    f"uncertainty.{name} range ({lo:g}, {hi:g}) has low > high", "(low, high)"
                )
        return self


class Actor(_Frozen):
    """A party to the bargaining: a government, a bloc, an organisation, a person."""

    id: str = Field(min_length=1)
    name: str | None = None
    capability: Number = Field(
        default=1.0, description=f"power resources, >= 0, any unit, at most {MAX_CAPABILITY:g}"
    )
    description: str | None = None
    uncertainty: Uncertainty | None = None
    provenance: Provenance | None = None

    @field_validator("capability")
    @classmethod
    def _cap(cls, v: float) -> float:
        _capability(v)
        return v

    @property
    def label(self) -> str:
        return self.name or self.id


class Decision(_Frozen):
    """Who decides an issue (veto-player theory, Tsebelis 2002; the procedural models of
    Steunenberg 1994 and Crombez 1996).

    - ``influence`` (default): the model's own aggregate of every actor's position;
    - ``unilateral`` (``actor``): that actor's position at the end of the model's rounds;
    - ``unanimity`` (``veto``): the point nearest the model's aggregate among those every
      veto player, at its final position, weakly prefers to the reference point;
    - ``majority`` (``threshold`` in (0, 1], optional ``veto``): the same, with "preferred
      by actors holding at least that share of the issue's capability, and by every veto
      player".

    Preference is by distance on the issue's scale (:mod:`detente.decision`).
    """

    rule: Literal["influence", "unilateral", "unanimity", "majority"] = "influence"
    actor: str | None = None
    veto: tuple[str, ...] = ()
    threshold: Number | None = None
    provenance: Provenance | None = None

    @model_validator(mode="after")
    def _check(self) -> Decision:
        allowed = (
            "influence; unilateral with actor; unanimity with veto: [ids]; "
            "majority with threshold in (0, 1] and optional veto"
        )
        if self.rule == "unilateral":
            if self.actor is None or self.veto or self.threshold is not None:
                raise InvalidValue("decision rule unilateral needs actor and nothing else", allowed)
        elif self.rule == "unanimity":
            if not self.veto or self.actor is not None or self.threshold is not None:
                raise InvalidValue(
                    "decision rule unanimity needs a non-empty veto list and nothing else", allowed
                )
        elif self.rule == "majority":
            if self.threshold is None or self.actor is not None:
                raise InvalidValue("decision rule majority needs threshold (and no actor)", allowed)
            if not (math.isfinite(self.threshold) and 0.0 < self.threshold <= 1.0):
                raise InvalidValue(
                    f"decision threshold must lie in (0, 1], got {self.threshold:g}", allowed
                )
        elif self.actor is not None or self.veto or self.threshold is not None:
            raise InvalidValue("decision rule influence takes no actor, veto or threshold", allowed)
        if len(set(self.veto)) != len(self.veto):
            raise InvalidValue("decision veto list names an actor twice", allowed)
        return self

    @property
    def deciders(self) -> tuple[str, ...]:
        """The actors the rule names (the unilateral actor or the veto players)."""
        return (self.actor,) if self.actor is not None else self.veto

    def __str__(self) -> str:
        if self.rule == "unilateral":
            return f"unilateral: {self.actor}"
        if self.rule == "unanimity":
            return f"unanimity: veto {', '.join(self.veto)}"
        if self.rule == "majority":
            veto = f", veto {', '.join(self.veto)}" if self.veto else ""
            return f"majority {self.threshold:g}{veto}"
        return "influence"


class Issue(_Frozen):
    """A question on which actors take positions, on a one-dimensional scale."""

    id: str = Field(min_length=1)
    name: str | None = None
    description: str | None = None
    scale: Scale = Field(default_factory=Scale)
    reference: Number | None = Field(default=None, description="status quo / reference point")
    outcome: Number | None = Field(default=None, description="known actual outcome (validation)")
    outcome_date: date | None = Field(default=None, description="when the outcome was observed")
    outcome_source: str | None = Field(default=None, description="where the outcome is recorded")
    unit: str | None = None
    decision: Decision = Field(default_factory=Decision, description="who decides the issue")
    provenance: Provenance | None = None

    @model_validator(mode="after")
    def _check(self) -> Issue:
        for name in ("reference", "outcome"):
            v = getattr(self, name)
            _bounded(v, name)
            if v is not None and not (self.scale.low <= v <= self.scale.high):
                raise InvalidValue(
                    f"{name} {v} lies outside the scale [{self.scale.low}, {self.scale.high}]",
                    "a value on the issue's scale",
                )
        return self

    @property
    def label(self) -> str:
        return self.name or self.id


class Stance(_Frozen):
    """One actor's position on one issue, how much it cares (salience), and optionally
    an issue-specific capability."""

    actor: str
    issue: str
    position: Number
    salience: Number = Field(description="in [0, 1]")
    capability: Number | None = Field(default=None, description="overrides the actor's")
    uncertainty: Uncertainty | None = None
    provenance: Provenance | None = None

    @model_validator(mode="after")
    def _check(self) -> Stance:
        _bounded(self.position, "position")
        _finite(self.salience, "salience")
        _capability(self.capability)
        if not 0.0 <= self.salience <= 1.0:
            raise ValueError(f"salience must lie in [0, 1], got {self.salience}")
        return self


class Condition(_Frozen):
    """``issue op value``: a condition on an issue's outcome, or on one actor's position.

    Without ``actor`` the condition reads the issue's current outcome estimate under the
    issue's decision rule (``while Minsk implementation < 90``: what the parties settle);
    with ``actor`` it reads that actor's current position on the issue (``while Russia's
    position on interference > 25``: what one actor does or demands).
    """

    issue: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: Number
    actor: str | None = None

    @field_validator("value")
    @classmethod
    def _value(cls, v: float) -> float:
        _bounded(v, "value")
        return v

    def holds(self, x: float) -> bool:
        ops = {
            "<": x < self.value,
            "<=": x <= self.value,
            ">": x > self.value,
            ">=": x >= self.value,
            "==": x == self.value,
            "!=": x != self.value,
        }
        return ops[self.op]

    def __str__(self) -> str:
        subject = self.issue if self.actor is None else f"{self.actor}'s position on {self.issue}"
        return f"{subject} {self.op} {self.value:g}"


class Effect(_Frozen):
    """What a linkage does while its condition holds.

    ``hold``: the actor keeps its position on the issue (does not move);
    ``freeze``: no actor moves on the issue (``issue='*'`` freezes every issue).
    """

    kind: Literal["hold", "freeze"]
    issue: str
    actor: str | None = None


class Linkage(_Frozen):
    """A conditional rule between issues, e.g. "sanctions stay while Minsk < 70"."""

    id: str
    description: str | None = None
    when: Condition
    then: Effect
    provenance: Provenance | None = None


class StanceChange(_Frozen):
    """A change to one stance, used by variants (policy options)."""

    actor: str
    issue: str
    position: Number | None = None
    salience: Number | None = None
    rationale: str | None = None
    provenance: Provenance | None = None

    @model_validator(mode="after")
    def _check(self) -> StanceChange:
        _bounded(self.position, "position")
        _finite(self.salience, "salience")
        if self.salience is not None and not 0.0 <= self.salience <= 1.0:
            raise InvalidValue(
                f"salience must lie in [0, 1], got {self.salience:g}", "a number from 0 to 1"
            )
        return self


class Variant(_Frozen):
    """A named policy option: the base scenario with some stances changed."""

    id: str
    name: str | None = None
    description: str | None = None
    changes: tuple[StanceChange, ...] = ()
    provenance: Provenance | None = None


@dataclass(frozen=True)
class ScenarioArrays:
    """The numeric view of a scenario that models compute on.

    Shapes: ``A`` actors, ``I`` issues. Where ``present[a, i]`` is False the actor takes no
    stance on the issue; its position there is filled with the issue's midpoint and its
    salience and capability with 0, so weighted sums ignore it without masking.
    """

    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    position: np.ndarray  # (A, I)
    salience: np.ndarray  # (A, I)
    capability: np.ndarray  # (A, I): actor capability, or the stance's own
    present: np.ndarray  # (A, I) bool
    low: np.ndarray  # (I,)
    high: np.ndarray  # (I,)
    reference: np.ndarray  # (I,), NaN where the issue has none

    @property
    def n_actors(self) -> int:
        return len(self.actor_ids)

    @property
    def n_issues(self) -> int:
        return len(self.issue_ids)


class Scenario(_Frozen):
    """A bargaining situation: actors, issues, stances, linkages and policy variants."""

    id: str = "scenario"
    name: str | None = None
    description: str | None = None
    principals: tuple[str, ...] = Field(
        default=(), description="actors whose gains the tool reports (default: the first two)"
    )
    sources: tuple[Source, ...] = ()
    actors: tuple[Actor, ...]
    issues: tuple[Issue, ...]
    stances: tuple[Stance, ...]
    linkages: tuple[Linkage, ...] = ()
    variants: tuple[Variant, ...] = ()
    metadata: dict[str, str | int | float | bool | list[str] | None] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Scenario:
        if not self.actors:
            raise ValueError("a scenario needs at least one actor")
        if not self.issues:
            raise ValueError("a scenario needs at least one issue")
        _unique([a.id for a in self.actors], "actor")
        _unique([i.id for i in self.issues], "issue")
        _unique([s.id for s in self.sources], "source")
        _unique([v.id for v in self.variants], "variant")
        _unique([k.id for k in self.linkages], "linkage")
        actors = {a.id for a in self.actors}
        issues = {i.id: i for i in self.issues}
        seen: set[tuple[str, str]] = set()
        caps = {a.id: a.capability for a in self.actors}
        any_power = False
        for n, st in enumerate(self.stances):
            where = f"stance {n + 1} ({st.actor} on {st.issue})"
            if st.actor not in actors:
                raise ValueError(f"{where}: unknown actor {st.actor!r}")
            if st.issue not in issues:
                raise ValueError(f"{where}: unknown issue {st.issue!r}")
            if (st.actor, st.issue) in seen:
                raise ValueError(f"{where}: a second stance for the same actor and issue")
            seen.add((st.actor, st.issue))
            sc = issues[st.issue].scale
            if not sc.low <= st.position <= sc.high:
                raise ValueError(
                    f"{where}: position {st.position:g} lies outside the issue's scale "
                    f"[{sc.low:g}, {sc.high:g}]"
                )
            # a derived scenario's stances are copies that pydantic does not validate again
            if not 0.0 <= st.salience <= 1.0:
                raise ValueError(f"{where}: salience {st.salience!r} lies outside [0, 1]")
            cap = caps[st.actor] if st.capability is None else st.capability
            if not 0.0 <= cap < math.inf:
                raise ValueError(f"{where}: capability {cap!r} is not a finite number >= 0")
            any_power = any_power or cap > 0
        if not any_power and self.stances and not (info.context or {}).get("derived"):
            raise InvalidValue(
                "every capability is 0: no actor would have any weight",
                "capabilities >= 0 with at least one above 0",
            )
        with_stance = {a for a, _ in seen}
        missing = [a.id for a in self.actors if a.id not in with_stance]
        if missing:
            raise ValueError(f"actor(s) with no stance on any issue: {', '.join(missing)}")
        covered = {i for _, i in seen}
        empty = [i for i in issues if i not in covered]
        if empty:
            raise ValueError(f"issue(s) on which no actor takes a stance: {', '.join(empty)}")
        for iss in self.issues:
            dec = iss.decision
            for who in dec.deciders:
                if who not in actors:
                    raise ValueError(f"issue {iss.id!r}: decision names unknown actor {who!r}")
                if (who, iss.id) not in seen:
                    raise ValueError(
                        f"issue {iss.id!r}: decider {who!r} takes no stance on the issue"
                    )
            if dec.rule in ("unanimity", "majority") and iss.reference is None:
                raise ValueError(
                    f"issue {iss.id!r}: decision rule {dec.rule} needs the issue's reference "
                    "point (the status quo the deciders compare with)"
                )
        for p in self.principals:
            if p not in actors:
                raise ValueError(f"principal {p!r} is not an actor of the scenario")
        for k in self.linkages:
            for iss in (k.when.issue, k.then.issue):
                if iss != "*" and iss not in issues:
                    raise ValueError(f"linkage {k.id!r}: unknown issue {iss!r}")
            if k.then.actor is not None and k.then.actor not in actors:
                raise ValueError(f"linkage {k.id!r}: unknown actor {k.then.actor!r}")
            if k.when.actor is not None:
                if k.when.actor not in actors:
                    raise ValueError(f"linkage {k.id!r}: unknown actor {k.when.actor!r}")
                if (k.when.actor, k.when.issue) not in seen:
                    raise ValueError(
                        f"linkage {k.id!r}: {k.when.actor!r} takes no stance on "
                        f"{k.when.issue!r}, so its position cannot be a condition"
                    )
        for v in self.variants:
            for c in v.changes:
                if (c.actor, c.issue) not in seen:
                    raise ValueError(
                        f"variant {v.id!r}: {c.actor!r} has no stance on {c.issue!r} to change"
                    )
        return self

    # ------------------------------------------------------------------ lookups
    def actor(self, actor_id: str) -> Actor:
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def issue(self, issue_id: str) -> Issue:
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)

    def stance(self, actor_id: str, issue_id: str) -> Stance | None:
        for s in self.stances:
            if s.actor == actor_id and s.issue == issue_id:
                return s
        return None

    @property
    def actor_ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.actors)

    @property
    def issue_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.issues)

    @property
    def principal_ids(self) -> tuple[str, ...]:
        """The two actors whose agreement is analysed (declared, else the first two)."""
        if self.principals:
            return self.principals
        return self.actor_ids[:2]

    # ------------------------------------------------------------------ views
    def arrays(self) -> ScenarioArrays:
        """The array view (cached: the scenario is immutable)."""
        return self._arrays

    @cached_property
    def _arrays(self) -> ScenarioArrays:
        a_index = {a.id: k for k, a in enumerate(self.actors)}
        i_index = {i.id: k for k, i in enumerate(self.issues)}
        n_a, n_i = len(self.actors), len(self.issues)
        low = np.array([i.scale.low for i in self.issues], dtype=float)
        high = np.array([i.scale.high for i in self.issues], dtype=float)
        ref = np.array(
            [np.nan if i.reference is None else i.reference for i in self.issues], dtype=float
        )
        pos = np.tile((low + high) / 2.0, (n_a, 1))
        sal = np.zeros((n_a, n_i))
        cap = np.zeros((n_a, n_i))
        present = np.zeros((n_a, n_i), dtype=bool)
        for st in self.stances:
            a, i = a_index[st.actor], i_index[st.issue]
            pos[a, i] = st.position
            sal[a, i] = st.salience
            cap[a, i] = self.actors[a].capability if st.capability is None else st.capability
            present[a, i] = True
        for arr in (pos, sal, cap, present, low, high, ref):
            arr.setflags(write=False)
        return ScenarioArrays(
            actor_ids=self.actor_ids,
            issue_ids=self.issue_ids,
            position=pos,
            salience=sal,
            capability=cap,
            present=present,
            low=low,
            high=high,
            reference=ref,
        )

    def input_hash(self) -> str:
        """A short SHA-256 of the scenario's canonical JSON: same inputs, same hash."""
        return self._hash

    @cached_property
    def _hash(self) -> str:
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    # ------------------------------------------------------------------ derived scenarios
    def with_changes(self, changes: list[StanceChange] | tuple[StanceChange, ...]) -> Scenario:
        """A new scenario with some stances' positions or saliences replaced."""
        by_key = {(c.actor, c.issue): c for c in changes}
        stances = []
        for st in self.stances:
            c = by_key.get((st.actor, st.issue))
            if c is None:
                stances.append(st)
                continue
            upd: dict[str, float] = {}
            if c.position is not None:
                upd["position"] = c.position
            if c.salience is not None:
                upd["salience"] = c.salience
            stances.append(st.model_copy(update=upd))
        return self.replace(stances=tuple(stances))

    def variant(self, variant_id: str) -> Scenario:
        """The scenario under a policy variant (its changes applied; variants dropped)."""
        for v in self.variants:
            if v.id == variant_id:
                out = self.with_changes(v.changes)
                return out.replace(id=f"{self.id}@{v.id}", variants=())
        known = ", ".join(v.id for v in self.variants) or "none"
        raise InputError(
            f"unknown variant {variant_id!r}", source=self.id, allowed=f"variants: {known}"
        )

    def replace(self, **fields: object) -> Scenario:
        """A validated copy with some fields replaced (a derived scenario: see
        :data:`DERIVED`)."""
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(fields)
        return type(self).model_validate(data, context=DERIVED)

    @classmethod
    def from_arrays(
        cls,
        base: Scenario,
        position: np.ndarray | None = None,
        salience: np.ndarray | None = None,
        capability: np.ndarray | None = None,
    ) -> Scenario:
        """``base`` with positions, saliences or per-stance capabilities replaced by arrays
        shaped like :meth:`arrays` (absent stances are left absent)."""
        arr = base.arrays()
        a_index = {a: k for k, a in enumerate(arr.actor_ids)}
        i_index = {i: k for k, i in enumerate(arr.issue_ids)}
        stances = []
        for st in base.stances:
            a, i = a_index[st.actor], i_index[st.issue]
            upd: dict[str, float] = {}
            if position is not None:
                upd["position"] = float(position[a, i])
            if salience is not None:
                upd["salience"] = float(salience[a, i])
            if capability is not None:
                upd["capability"] = float(capability[a, i])
            stances.append(st.model_copy(update=upd) if upd else st)
        return base.replace(stances=tuple(stances))


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    dup = []
    for x in ids:
        if x in seen:
            dup.append(x)
        seen.add(x)
    if dup:
        raise ValueError(f"duplicate {what} id(s): {', '.join(sorted(set(dup)))}")
