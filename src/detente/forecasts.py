"""The result of running a model on a scenario.

A :class:`Forecast` holds every actor's position at every round (``(rounds + 1, actors,
issues)``, round 0 being the input), the predicted outcome per issue, per-issue details
(for example the final weighted mean and median), the events that explain the rounds
(offers, exchanges, challenges), and the metadata that make a run reproducible: model
name and parameters, seed and a hash of the input scenario (docs/design.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.errors import ModelError

if TYPE_CHECKING:  # pandas loads only when a table is asked for (fast start-up)
    import pandas as pd

__all__ = ["Event", "Forecast"]


@dataclass(frozen=True)
class Event:
    """One thing that happened in a round, for ``--trace`` and the dashboard.

    ``kind`` names it (``"confrontation"``, ``"compromise"``, ``"exchange"``, ...);
    ``actors`` and ``issues`` say who and where; ``data`` holds the numbers (moves,
    expected utilities, gains) and ``text`` a one-line readable account.
    """

    round: int
    kind: str
    actors: tuple[str, ...]
    issues: tuple[str, ...]
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "kind": self.kind,
            "actors": list(self.actors),
            "issues": list(self.issues),
            "text": self.text,
            "data": _jsonable(self.data),
        }


@dataclass(frozen=True)
class Forecast:
    """A model's forecast for one scenario."""

    model: str
    params: dict[str, Any]
    seed: int | None
    input_hash: str
    scenario_id: str
    actor_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    positions: np.ndarray  # (rounds + 1, actors, issues)
    present: np.ndarray  # (actors, issues) bool
    outcome: np.ndarray  # (issues,)
    reference: np.ndarray  # (issues,), NaN where none
    details: dict[str, dict[str, Any]] = field(default_factory=dict)  # issue id -> extras
    events: tuple[Event, ...] = ()
    notes: tuple[str, ...] = ()  # readable lines the model wants the user to see

    def __post_init__(self) -> None:
        _, a, i = self.positions.shape
        if (a, i) != (len(self.actor_ids), len(self.issue_ids)):
            raise ValueError("positions shape does not match actors x issues")
        if self.outcome.shape != (i,):
            raise ValueError("outcome must have one value per issue")
        if not np.all(np.isfinite(self.outcome)):
            bad = [self.issue_ids[k] for k in np.flatnonzero(~np.isfinite(self.outcome))]
            raise ModelError(
                f"model {self.model} produced a non-finite outcome on {', '.join(bad)}; "
                "please report it with the scenario"
            )

    @property
    def n_rounds(self) -> int:
        """Rounds played (the trajectory has one more entry: the input)."""
        return self.positions.shape[0] - 1

    def outcome_of(self, issue_id: str) -> float:
        return float(self.outcome[self.issue_ids.index(issue_id)])

    def outcomes(self) -> dict[str, float]:
        return {i: float(x) for i, x in zip(self.issue_ids, self.outcome, strict=True)}

    def trajectory(self, issue_id: str) -> dict[str, list[float]]:
        """Positions per round of every actor present on the issue."""
        k = self.issue_ids.index(issue_id)
        return {
            a: [float(x) for x in self.positions[:, n, k]]
            for n, a in enumerate(self.actor_ids)
            if self.present[n, k]
        }

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per round, actor and issue (actors present only)."""
        import pandas as pd

        r, a, i = self.positions.shape
        rr, aa, ii = np.meshgrid(np.arange(r), np.arange(a), np.arange(i), indexing="ij")
        mask = np.broadcast_to(self.present, (r, a, i))
        return pd.DataFrame(
            {
                "model": self.model,
                "round": rr[mask],
                "actor": np.asarray(self.actor_ids, dtype=object)[aa[mask]],
                "issue": np.asarray(self.issue_ids, dtype=object)[ii[mask]],
                "position": self.positions[mask],
            }
        )

    def outcome_frame(self) -> pd.DataFrame:
        """One row per issue: outcome, reference and the model's per-issue details."""
        import pandas as pd

        rows = []
        for k, iss in enumerate(self.issue_ids):
            ref = self.reference[k]
            rows.append(
                {
                    "model": self.model,
                    "issue": iss,
                    "outcome": float(self.outcome[k]),
                    "reference": None if np.isnan(ref) else float(ref),
                    **self.details.get(iss, {}),
                }
            )
        return pd.DataFrame(rows)

    def to_dict(self, *, trajectories: bool = True, events: bool = False) -> dict[str, Any]:
        """The JSON shape of ``detente run --json`` (one entry of ``forecasts``)."""
        issues = []
        for k, iss in enumerate(self.issue_ids):
            ref = self.reference[k]
            entry: dict[str, Any] = {
                "id": iss,
                "outcome": float(self.outcome[k]),
                "reference": None if np.isnan(ref) else float(ref),
            }
            if trajectories:
                entry["trajectory"] = self.trajectory(iss)
            if self.details.get(iss):
                entry["details"] = _jsonable(self.details[iss])
            issues.append(entry)
        out: dict[str, Any] = {
            "model": self.model,
            "params": _jsonable(self.params),
            "seed": self.seed,
            "input_hash": self.input_hash,
            "rounds": self.n_rounds,
            "issues": issues,
        }
        if events:
            out["events"] = [e.to_dict() for e in self.events]
        if self.notes:
            out["summary"] = list(self.notes)
        return out

    def summary(self) -> str:
        """A few readable lines: the model, its rounds, the outcome of every issue (with
        the reference point) and the model's own notes."""
        rounds = f"{self.n_rounds} rounds" if self.n_rounds else "closed form"
        seed = "" if self.seed is None else f", seed {self.seed}"
        lines = [f"{self.model} forecast of {self.scenario_id} ({rounds}{seed})"]
        for k, iss in enumerate(self.issue_ids):
            ref = self.reference[k]
            was = "" if np.isnan(ref) else f" (reference {ref:.4g})"
            lines.append(f"  {iss}: {float(self.outcome[k]):.4g}{was}")
        lines += [f"  {line}" for line in self.notes]
        return "\n".join(lines)

    def plot(self, issue_id: str | None = None, ax: Any = None) -> Any:
        """Draw the trajectories of one issue (default: the first) with matplotlib."""
        import matplotlib.pyplot as plt

        iss = issue_id or self.issue_ids[0]
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        for actor, traj in self.trajectory(iss).items():
            ax.plot(range(len(traj)), traj, marker="o", ms=3, label=actor)
        ax.axhline(self.outcome_of(iss), color="k", ls="--", lw=1, label="outcome")
        ax.set_xlabel("round")
        ax.set_ylabel("position")
        ax.set_title(f"{self.model}: {iss}")
        ax.legend(fontsize=7, ncol=2)
        return ax


def _jsonable(obj: Any) -> Any:
    """Plain JSON types from numpy scalars, arrays, tuples and nested containers."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        return x if np.isfinite(x) else None
    return obj
