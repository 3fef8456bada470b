"""Ensembles: Monte Carlo over the uncertain inputs of a scenario.

:func:`run_ensemble` draws ``N`` perturbed copies of a scenario's positions, saliences and
capabilities (:mod:`detente.analysis.perturb`), forecasts each with a model, and returns an
:class:`EnsembleResult`: every draw's outcome per issue, its quantiles and histogram, and
the share of draws meeting each target (:mod:`detente.targets`). The work runs in chunks on
any executor (:mod:`detente.execution`); chunks are aligned to the random-number blocks, so
the numbers are the same whatever the executor and chunk size.

Evaluation: a model with a batch kernel (:meth:`~detente.models.base.Model.outcome_batch`)
evaluates a block of draws in one vectorised call; any other model is run draw by draw
through :meth:`~detente.models.base.Model.forecast` on
:meth:`~detente.scenario.Scenario.from_arrays` copies. A model that draws at random gets one
seed per block (batch kernel) or per draw (forecast), derived from the run's seed and the
block, never from the chunk. Batch kernels get the base scenario (``scenario=``), from
which they apply its linkages and reference points as their forecasts do; a kernel that
declines a scenario (:class:`NotImplementedError`) is replaced by forecasts per draw.
A chunk keeps one set of work arrays for all its blocks and rewrites only their uncertain
cells at each block, so a batch kernel must not write the arrays it is given (tested for
every registered model); chunks of many draws fill each block in one compiled pass
(:meth:`~detente.analysis.perturb.PerturbationPlan.fill_block`, same numbers).

The band: each input is drawn around the scenario's value and censored at the ends of its
valid range (:mod:`detente.analysis.perturb`), so the value as written stays the median of
its draws; the 5-95 % band of an issue (:meth:`EnsembleResult.quantiles`) is the middle
90 % of the draws' outcomes, where the model puts the issue when the inputs vary together
over their ranges, not an interval for the model's own error.

Correlated inputs: ``correlation`` (:class:`~detente.analysis.perturb.Correlation`) couples
the draws by a Gaussian copula (saliences within a coalition, an actor's positions across
linked issues) and leaves every input's own distribution as it is; the summary records it.

Departure: the ``reset`` target is judged with each draw's own positions and saliences of
the principals (their preferences are uncertain too), where
:meth:`detente.targets.Target.met` uses the scenario's; bound targets are the same.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.analysis.perturb import BLOCK, Correlation, PerturbationPlan, Spread, block_seeds
from detente.bargaining import is_reset
from detente.errors import InputError
from detente.execution import Stopped, chunk_bounds, run_chunks, stop_requested, tune_allocator
from detente.models.base import Model
from detente.models.registry import get_model
from detente.scenario import Scenario
from detente.targets import Target, parse_target
from detente.utility import utility

__all__ = [
    "QUANTILES",
    "EnsembleResult",
    "choose_batch",
    "evaluate_values",
    "has_batch",
    "pool_size",
    "resolve_model",
    "run_ensemble",
]

#: the quantiles (percent) reported per issue
QUANTILES = (5, 25, 50, 75, 95)
#: largest chunk (draws) handed to one worker at a time
MAX_CHUNK = 64 * BLOCK

Progress = Callable[[int], None]


def has_batch(model: Model) -> bool:
    """Whether the model has its own vectorised :meth:`Model.outcome_batch`."""
    return type(model).outcome_batch is not Model.outcome_batch


def pool_size(workers: int | None, runs: int, model: Model) -> int:
    """Worker processes for ``runs`` model runs: as asked (default one per core), but no
    more than there are chunks of work (a batch kernel's chunks hold whole blocks of
    :data:`~detente.analysis.perturb.BLOCK` draws)."""
    n = workers or os.cpu_count() or 1
    per_chunk = BLOCK if has_batch(model) else 1
    return max(1, min(n, math.ceil(runs / per_chunk)))


def _probe(model: Model, scenario: Scenario, seed: int) -> tuple[bool, tuple[str, ...]]:
    """Whether the batch kernel serves this scenario (a kernel may decline with
    :class:`NotImplementedError`, and the draws then run one forecast each)."""
    if not has_batch(model):
        return False, ()
    arr = scenario.arrays()
    try:
        model.decided_outcome_batch(
            arr.position[None],
            arr.salience[None],
            arr.capability[None],
            arr.present,
            arr.low,
            arr.high,
            seed=seed,
            scenario=scenario,
        )
    except NotImplementedError:
        return False, ()
    return True, ()


def resolve_model(model: Model | str, params: Mapping[str, Any] | None = None) -> Model:
    """A model instance from a registered name (with parameters) or an instance."""
    if isinstance(model, Model):
        return model.with_params(**params) if params else model
    return get_model(model, **dict(params or {}))


# ------------------------------------------------------------------------ worker side
@dataclass(frozen=True)
class _Job:
    """What every chunk of a run shares."""

    model: Model
    plan: PerturbationPlan
    seed: int
    batch: bool
    targets: tuple[Target, ...] = ()
    keep_inputs: bool = False


@dataclass(frozen=True)
class _Chunk:
    job: _Job
    start: int
    stop: int
    values: np.ndarray | None = None  # given values (sensitivity) instead of random draws


@dataclass(frozen=True)
class _ChunkResult:
    outcomes: np.ndarray  # (n, I)
    met: np.ndarray  # (n, T) bool
    inputs: np.ndarray | None  # (n, K)


def _run_chunk(chunk: _Chunk) -> _ChunkResult:
    """Evaluate one chunk, block by block, reusing the same work arrays for every block.

    The uniform numbers of a whole block are drawn straight into the array that keeps the
    chunk's inputs (or into one reused block buffer) and turned into values in place; the
    work arrays get the scenario's values once and then only the uncertain cells at each
    block (batch kernels do not write their inputs).
    """
    tune_allocator()
    job, plan = chunk.job, chunk.job.plan
    n, k = chunk.stop - chunk.start, plan.n_inputs
    outcomes = np.empty((n, len(plan.low)))
    met = np.empty((n, len(job.targets)), dtype=bool)
    inputs = np.empty((n, k)) if job.keep_inputs else None
    drawn = chunk.values is None
    u = np.empty((BLOCK, k)) if drawn else None
    work = plan.buffers(min(BLOCK, n))
    compiled = drawn and plan.compiled(n)
    fill = True
    for b in range(chunk.start // BLOCK, (chunk.stop - 1) // BLOCK + 1):
        if stop_requested():
            raise Stopped(f"stopped at block {b}")
        lo, hi = max(chunk.start, b * BLOCK), min(chunk.stop, (b + 1) * BLOCK)
        a, z, m = lo - chunk.start, hi - chunk.start, hi - lo
        block_work = tuple(x[:m] for x in work)
        if u is not None:
            dst = inputs[a:z] if inputs is not None else u[:m]
            if m == BLOCK:
                src = plan.uniforms(job.seed, b, out=dst)
            else:
                src = plan.uniforms(job.seed, b, out=u)[lo - b * BLOCK : hi - b * BLOCK]
            if compiled:
                values = plan.fill_block(src, dst, block_work, fill=fill)  # type: ignore[arg-type]
            else:
                values = plan.from_uniform(src, out=dst)
        else:
            values = chunk.values[a:z]  # type: ignore[index]
            if inputs is not None:
                inputs[a:z] = values
        _evaluate(
            job,
            values,
            b,
            lo - b * BLOCK,
            block_work,
            fill=fill,
            applied=compiled,
            out=(outcomes[a:z], met[a:z]),
        )
        fill = False
    return _ChunkResult(outcomes=outcomes, met=met, inputs=inputs)


def _evaluate(
    job: _Job,
    values: np.ndarray,
    block: int,
    offset: int,
    work: tuple[np.ndarray, ...] | None = None,
    *,
    fill: bool = True,
    applied: bool = False,
    out: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Outcomes ``(n, I)`` and targets met ``(n, T)`` of ``n`` draws of one block (written
    into ``out`` when given). ``fill=False``: ``work`` holds the scenario's values from an
    earlier block of this job (see :meth:`PerturbationPlan.apply`); ``applied``: ``work``
    holds this block's arrays already (:meth:`PerturbationPlan.fill_block`)."""
    plan, model = job.plan, job.model
    if applied:
        pos, sal, cap = work  # type: ignore[misc]
    else:
        pos, sal, cap = plan.apply(values, out=work, fill=fill)  # type: ignore[arg-type]
    n, n_i = values.shape[0], len(plan.low)
    seeds = block_seeds(job.seed, block) if model.stochastic else None
    if job.batch:
        seed = int(seeds[0]) if seeds is not None else job.seed
        res = np.asarray(
            model.decided_outcome_batch(
                pos,
                sal,
                cap,
                plan.present,
                plan.low,
                plan.high,
                seed=seed,
                scenario=plan.scenario,
            ),
            dtype=float,
        )
    else:
        res = np.empty((n, n_i)) if out is None else out[0]
        for d in range(n):
            sc = Scenario.from_arrays(plan.scenario, pos[d], sal[d], cap[d])
            seed = int(seeds[offset + d]) if seeds is not None else job.seed
            res[d] = model.forecast(sc, seed=seed).outcome
    if res.shape != (n, n_i):
        raise RuntimeError(
            f"model {model.name!r} returned outcomes shaped {res.shape}, expected {(n, n_i)}"
        )
    if not np.isfinite(res).all():
        d = int(np.flatnonzero(~np.isfinite(res).all(axis=1))[0])
        draw = block * BLOCK + offset + d
        raise RuntimeError(f"model {model.name!r} produced a non-finite outcome on draw {draw}")
    met = _targets_met(job.targets, res, pos, sal, plan)
    if out is None:
        return res, met
    if res is not out[0]:
        out[0][...] = res
    out[1][...] = met
    return out


def _targets_met(
    targets: Sequence[Target],
    outcomes: np.ndarray,
    pos: np.ndarray,
    sal: np.ndarray,
    plan: PerturbationPlan,
) -> np.ndarray:
    met = np.zeros((outcomes.shape[0], len(targets)), dtype=bool)
    arr = plan.scenario.arrays()
    for k, t in enumerate(targets):
        if t.kind != "reset":
            met[:, k] = t.met(outcomes, plan.scenario)
            continue
        idx = list(t.principals)
        span = arr.high - arr.low
        p = pos[:, idx, :]
        s = np.where(arr.present[idx], sal[:, idx, :], 0.0)
        gain = utility(outcomes, p, s, span) - utility(arr.reference, p, s, span)
        met[:, k] = is_reset(gain.sum(axis=-1))
    return met


# ------------------------------------------------------------------------ parent side
def _default_chunk(draws: int, batch: bool) -> int:
    if not batch:  # a forecast per draw: small chunks, so that every worker gets some
        return max(1, min(BLOCK, math.ceil(draws / 32)))
    return min(MAX_CHUNK, max(BLOCK, math.ceil(draws / 16)))


def _run(
    job: _Job,
    total: int,
    *,
    values: np.ndarray | None,
    executor: cf.Executor | None,
    workers: int,
    chunk_size: int | None,
    progress: Progress | None,
) -> _ChunkResult:
    # a batch kernel that draws at random takes one seed per block: its chunks hold whole
    # blocks; draws evaluated one by one have their own seeds and may be cut anywhere
    align = BLOCK if job.batch else 1
    bounds = chunk_bounds(total, chunk_size or _default_chunk(total, job.batch), align=align)
    tasks = [_Chunk(job, s, e, None if values is None else values[s:e]) for s, e in bounds]

    def done(k: int, _r: _ChunkResult) -> None:
        if progress is not None:
            progress(bounds[k][1] - bounds[k][0])

    parts = run_chunks(_run_chunk, tasks, executor=executor, workers=workers, on_result=done)
    n_t = len(job.targets)
    return _ChunkResult(
        outcomes=np.concatenate([p.outcomes for p in parts])
        if parts
        else np.empty((0, len(job.plan.low))),
        met=np.concatenate([p.met for p in parts]) if parts else np.empty((0, n_t), bool),
        inputs=np.concatenate([p.inputs for p in parts]) if job.keep_inputs and parts else None,
    )


def evaluate_values(
    model: Model,
    plan: PerturbationPlan,
    values: np.ndarray,
    *,
    seed: int = 0,
    batch: bool | None = None,
    executor: cf.Executor | None = None,
    workers: int = 1,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """Outcomes ``(n, I)`` of the model with the plan's inputs set to ``values`` ``(n, K)``."""
    values = np.asarray(values, dtype=float)
    use_batch, _ = choose_batch(model, plan.scenario, seed, batch)
    job = _Job(model=model, plan=plan, seed=seed, batch=use_batch)
    res = _run(
        job,
        values.shape[0],
        values=values,
        executor=executor,
        workers=workers,
        chunk_size=chunk_size,
        progress=progress,
    )
    return res.outcomes


def run_ensemble(
    scenario: Scenario,
    model: Model | str,
    *,
    draws: int = 1000,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    plan: PerturbationPlan | None = None,
    spread: Mapping[str, Spread] | None = None,
    distribution: str = "uniform",
    correlation: Correlation | None = None,
    targets: Sequence[str | Target] = (),
    keep_inputs: bool = False,
    batch: bool | None = None,
    executor: cf.Executor | None = None,
    workers: int = 1,
    chunk_size: int | None = None,
    progress: Progress | None = None,
) -> EnsembleResult:
    """Forecast ``draws`` perturbed copies of ``scenario`` with ``model``.

    ``plan`` (or ``spread``, ``distribution`` and ``correlation``, see
    :meth:`~detente.analysis.perturb.PerturbationPlan.build`) says what is uncertain and
    how the inputs are coupled (a ``correlation`` given with a ``plan`` replaces the
    plan's).
    ``targets`` are expressions for :func:`detente.targets.parse_target`. ``keep_inputs``
    keeps every draw's input values (for ``--out`` and scenario discovery). ``batch``
    forces (True) or forbids (False) the model's batch kernel; by default it is used when
    the model has one. ``progress(n)`` is called with the number of draws of each finished
    chunk.
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise InputError(f"{draws!r} draws", where="--draws", allowed="a whole number >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed {seed!r}", where="--seed", allowed="a whole number >= 0")
    m = resolve_model(model, params)
    if plan is None:
        plan = PerturbationPlan.build(scenario, spread, distribution, correlation)
    elif plan.scenario is not scenario and plan.scenario != scenario:
        raise ValueError("the perturbation plan was built for another scenario")
    elif correlation is not None and correlation != plan.correlation:
        plan = plan.with_correlation(correlation)
    if plan.n_inputs == 0:
        raise InputError(
            "nothing in the scenario is uncertain",
            source=scenario.id,
            where="--spread",
            allowed="uncertainty ranges in the scenario, or a spread such as "
            "--spread position=10 --spread salience=0.1",
        )
    parsed = tuple(t if isinstance(t, Target) else parse_target(t, scenario) for t in targets)
    use_batch, notes = choose_batch(m, scenario, seed, batch)
    job = _Job(
        model=m, plan=plan, seed=seed, batch=use_batch, targets=parsed, keep_inputs=keep_inputs
    )
    res = _run(
        job,
        draws,
        values=None,
        executor=executor,
        workers=workers,
        chunk_size=chunk_size,
        progress=progress,
    )
    return EnsembleResult(
        scenario=scenario,
        model=m.name,
        params=m.get_params(),
        seed=seed,
        plan=plan,
        outcomes=res.outcomes,
        targets=parsed,
        met=res.met,
        inputs=res.inputs,
        batch=use_batch,
        notes=notes,
    )


def choose_batch(
    model: Model, scenario: Scenario, seed: int, batch: bool | None
) -> tuple[bool, tuple[str, ...]]:
    """Whether to use the batch kernel (``batch``: True forces it, False forbids it, None
    uses it when it works), and notes for the user about it."""
    if batch is False:
        return False, ()
    usable, notes = _probe(model, scenario, seed)
    if batch and not usable:
        raise InputError(
            f"model {model.name!r} has no batch kernel for this scenario",
            where="--batch",
            allowed="--no-batch",
        )
    return usable, notes


@dataclass(frozen=True, eq=False)
class EnsembleResult:
    """The draws of an ensemble and their summaries."""

    scenario: Scenario
    model: str
    params: dict[str, Any]
    seed: int
    plan: PerturbationPlan
    outcomes: np.ndarray  # (E, I)
    targets: tuple[Target, ...] = ()
    met: np.ndarray = field(default_factory=lambda: np.empty((0, 0), bool))  # (E, T)
    inputs: np.ndarray | None = None  # (E, K) when kept
    batch: bool = True
    notes: tuple[str, ...] = ()  # things the user must be told about this run

    @property
    def draws(self) -> int:
        return int(self.outcomes.shape[0])

    @property
    def issue_ids(self) -> tuple[str, ...]:
        return self.scenario.issue_ids

    def quantiles(self, q: Sequence[float] = QUANTILES) -> pd.DataFrame:
        """Outcome quantiles (percent) per issue: one row per issue, one column per q.

        Columns 5 and 95 are the band of ``detente ensemble``: the middle 90 % of the
        draws' outcomes (see the module docstring for what the draws are)."""
        vals = np.percentile(self.outcomes, list(q), axis=0)
        return pd.DataFrame(vals.T, index=pd.Index(self.issue_ids, name="issue"), columns=list(q))

    def mean(self) -> pd.Series:
        return pd.Series(self.outcomes.mean(axis=0), index=pd.Index(self.issue_ids, name="issue"))

    def histogram(self, issue: str, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Counts and bin edges of an issue's outcomes over the issue's scale."""
        k = self.issue_ids.index(issue)
        arr = self.scenario.arrays()
        counts, edges = np.histogram(
            self.outcomes[:, k], bins=bins, range=(arr.low[k], arr.high[k])
        )
        return counts, edges

    def probabilities(self) -> dict[str, float]:
        """Share of draws meeting each target."""
        return {t.expr: float(self.met[:, k].mean()) for k, t in enumerate(self.targets)}

    def summary(self) -> str:
        """A few readable lines: the run, each issue's median and 5%-95% band, and the
        probability of each target."""
        q = self.quantiles()
        lines = [
            f"{self.model} ensemble of {self.scenario.id}: {self.draws} draws, seed {self.seed}, "
            f"{self.plan.n_inputs} uncertain inputs ({self.plan.distribution})"
        ]
        for iss in self.issue_ids:
            lo, mid, hi = (float(q.loc[iss, p]) for p in (5, 50, 95))
            lines.append(f"  {iss}: median {mid:.4g}, 5%-95% {lo:.4g} to {hi:.4g}")
        for expr, p in self.probabilities().items():
            lines.append(f"  P({expr}) = {p:.3f}")
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)

    def to_dict(self, bins: int = 10) -> dict[str, Any]:
        """The JSON of ``detente ensemble --json`` (``bins``: histogram bins per issue):
        nothing that varies between runs."""
        q = self.quantiles()
        mean = self.mean()
        issues = []
        for iss in self.issue_ids:
            counts, edges = self.histogram(iss, bins)
            issues.append(
                {
                    "id": iss,
                    "mean": float(mean[iss]),
                    "quantiles": {str(p): float(q.loc[iss, p]) for p in QUANTILES},
                    "histogram": {
                        "edges": [float(e) for e in edges],
                        "counts": [int(c) for c in counts],
                    },
                }
            )
        return {
            "scenario": self.scenario.id,
            "input_hash": self.scenario.input_hash(),
            "model": self.model,
            "params": _plain(self.params),
            "seed": self.seed,
            "draws": self.draws,
            "distribution": self.plan.distribution,
            "spread": {k: str(v) for k, v in self.plan.spread.items()},
            "correlation": None
            if self.plan.correlation is None
            else {
                **self.plan.correlation.to_dict(),
                "groups": {
                    f: sum(1 for g in self.plan.groups() if g[0] == f)
                    for f in ("salience", "position")
                },
            },
            "uncertain_inputs": self.plan.n_inputs,
            "issues": issues,
            "targets": [
                {
                    "expr": t.expr,
                    "probability": float(self.met[:, k].mean()),
                    "draws_met": int(self.met[:, k].sum()),
                }
                for k, t in enumerate(self.targets)
            ],
            "evaluation": "batch" if self.batch else "per draw",
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per draw: its input values (when kept), outcomes, and targets met."""
        cols: dict[str, Any] = {"draw": np.arange(self.draws)}
        if self.inputs is not None:
            for k, name in enumerate(self.plan.names):
                cols[name] = self.inputs[:, k]
        for k, iss in enumerate(self.issue_ids):
            cols[f"outcome:{iss}"] = self.outcomes[:, k]
        for k, t in enumerate(self.targets):
            cols[f"target:{t.expr}"] = self.met[:, k]
        return pd.DataFrame(cols)

    def write(self, path: str | Path) -> Path:
        """Write the draws to Parquet (``.parquet``, ``.pq``) or CSV (``.csv``).

        Refuses to overwrite an existing file.
        """
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix not in (".parquet", ".pq", ".csv"):
            raise InputError(
                f"cannot tell the format of {p.name!r} from its extension",
                where="--out",
                allowed=".parquet, .pq or .csv",
            )
        from detente.io.safe_write import write_output

        frame = self.to_frame()
        if suffix == ".csv":
            writer = lambda t: frame.to_csv(t, index=False)  # noqa: E731
        else:
            writer = lambda t: frame.to_parquet(t, index=False)  # noqa: E731
        return write_output(p, writer, where="--out", overwrite_hint="")


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
