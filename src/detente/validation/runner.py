"""Run models on a validation data set and score them against the recorded outcomes.

For every model, every case (a proposal with its issues) is forecast once with the given
seed; each issue with a recorded outcome is scored (:mod:`detente.validation.scores`), and
every score is compared with the compromise model's on the same issues by a paired
bootstrap that resamples whole proposals. The compromise model is always run as the
baseline, even when it is not among the models asked for.

A model that fails on a case (raises) is reported with the case and the message; its
issues there are left out of its scores, and its differences to the baseline are computed
on the issues both models forecast.

With ``procedures`` (:mod:`detente.validation.procedures`), each forecast is moved to the
outcomes the EU legislative procedure allows (Council qualified majority or unanimity, the
Parliament's veto under co-decision) before it is scored; the forecasts without the
procedure are kept, and each model's MAE with the procedure is compared with its own MAE
without it by the same paired bootstrap.

Forecasts as distributions (:mod:`detente.validation.predictive`): every model's forecasts
are also turned into predictive distributions whose spread comes from the model's own
errors on other proposals (grouped cross-validation), and scored by the CRPS and by the
Brier and log scores of the scale's thirds (:mod:`detente.validation.proper_scores`), each
compared with the compromise model's by the same paired bootstrap as the MAE.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from detente.errors import InputError
from detente.io.safe_write import write_output
from detente.models import available, get_model
from detente.validation.datasets import Dataset
from detente.validation.predictive import (
    DEFAULT_ENSEMBLE_DRAWS,
    DEFAULT_FOLDS,
    DISTRIBUTIONS,
    Predictive,
    ProperScores,
    ensemble_predictive,
    predictive,
    score,
)
from detente.validation.procedures import Procedures, procedures_for
from detente.validation.proper_scores import LOG_FLOOR, thirds
from detente.validation.scores import (
    METRICS,
    Interval,
    paired_bootstrap,
    paired_bootstrap_loss,
    score_all,
)

__all__ = [
    "BASELINE",
    "PROPER",
    "ModelRun",
    "ValidationResult",
    "forecast_dataset",
    "validate",
]

BASELINE = "compromise"
#: proper scores of the predictive distributions: name -> label (lower is better for all)
PROPER: dict[str, str] = {"crps": "CRPS", "brier": "Brier (thirds)", "log_score": "log (thirds)"}


@dataclass(frozen=True)
class ModelRun:
    """One model's forecasts of every issue of a data set.

    With procedures, ``forecasts`` are under the procedure, ``unruled`` the model's own
    forecasts and ``bound`` the issues where the procedure moved the forecast.
    """

    model: str
    forecasts: dict[str, float]
    seconds: float
    failures: tuple[str, ...] = ()
    unruled: dict[str, float] = field(default_factory=dict)
    bound: tuple[str, ...] = ()


def forecast_dataset(
    dataset: Dataset,
    model: str,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    procedures: Procedures | None = None,
) -> ModelRun:
    """Forecast every case of ``dataset`` with one registered model (under each issue's
    legislative procedure when ``procedures`` is given)."""
    m = get_model(model, **(params or {}))
    out: dict[str, float] = {}
    unruled: dict[str, float] = {}
    bound: list[str] = []
    failures = []
    start = time.perf_counter()
    for case in dataset.cases:
        try:
            f = m.forecast(case, seed=seed)
        except Exception as exc:  # a model's failure on one case must not stop the rest
            failures.append(f"{case.id}: {type(exc).__name__}: {exc}")
            continue
        if procedures is None:
            out.update(f.outcomes())
            continue
        unruled.update(f.outcomes())
        decided, moved = procedures.cases[case.id].apply(f)
        out.update({iid: float(x) for iid, x in zip(f.issue_ids, decided, strict=True)})
        bound.extend(iid for iid, b in zip(f.issue_ids, moved, strict=True) if b)
    seconds = time.perf_counter() - start
    return ModelRun(model, out, seconds, tuple(failures), unruled, tuple(bound))


@dataclass
class ValidationResult:
    """Scores of every model on a data set, with intervals of the differences to the
    compromise model."""

    dataset: str
    seed: int
    n_boot: int
    cluster: str
    capability: str
    models: list[str]
    frame: pd.DataFrame  # scored issues: issue, proposal, procedure, outcome, one column a model
    runs: dict[str, ModelRun]
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    diffs: dict[str, dict[str, Interval]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    procedures: Procedures | None = None
    #: per model, MAE with the procedure minus MAE without it (with ``procedures``)
    procedure_effect: dict[str, Interval] = field(default_factory=dict)
    #: how the predictive distributions were made (:mod:`detente.validation.predictive`)
    distribution: str = "empirical"
    folds: int = DEFAULT_FOLDS
    ensemble_draws: int = DEFAULT_ENSEMBLE_DRAWS
    #: each issue's scale (where the distributions are censored), in the order of ``frame``
    scale_low: np.ndarray = field(default_factory=lambda: np.empty(0))
    scale_high: np.ndarray = field(default_factory=lambda: np.empty(0))
    #: per model, its proper scores per issue of ``frame`` (NaN where it has no forecast)
    proper: dict[str, ProperScores] = field(default_factory=dict)
    #: per model and proper score, model minus compromise with its bootstrap interval
    proper_diffs: dict[str, dict[str, Interval]] = field(default_factory=dict)
    #: per model chosen on a known data file: whether its figures here are in-sample
    in_sample: dict[str, bool] = field(default_factory=dict)
    #: lines the user must read with the figures (e.g. why ``detente``'s are in-sample)
    notes: list[str] = field(default_factory=list)

    def label(self, model: str) -> str:
        """The model's name as the tables print it (``detente (in-sample)`` on the data
        it was chosen on)."""
        return f"{model} (in-sample)" if self.in_sample.get(model) else model

    @property
    def n_issues(self) -> int:
        return len(self.frame)

    def errors(self, model: str) -> np.ndarray:
        """Forecast minus outcome per scored issue (NaN where the model failed)."""
        return (self.frame[model] - self.frame["outcome"]).to_numpy(dtype=float)

    def summary(self) -> str:
        """A few readable lines: the data set, and each model's MAE with its difference to
        the compromise model (95% paired bootstrap interval)."""
        lines = [
            f"validation on {Path(self.dataset).name}: {self.n_issues} issues with an outcome, "
            f"seed {self.seed}, {self.n_boot} bootstrap resamples by {self.cluster}"
        ]
        for m in self.models:
            d = self.diffs[m]["mae"]
            vs = (
                ""
                if m == BASELINE
                else f", {d.estimate:+.2f} vs {BASELINE} [{d.low:+.2f}, {d.high:+.2f}]"
            )
            lines.append(
                f"  {self.label(m)}: MAE {self.scores[m]['mae']:.2f} on {self.counts[m]} issues{vs}"
            )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per model: n, the scores, the differences to the compromise model and
        their intervals, and the run time."""
        rows = []
        for m in self.models:
            row: dict[str, Any] = {"model": m, "n": self.counts[m]}
            for k in METRICS:
                d = self.diffs[m][k]
                row[k] = self.scores[m][k]
                row[f"{k}_diff"] = d.estimate
                row[f"{k}_lo"] = d.low
                row[f"{k}_hi"] = d.high
            row["seconds"] = self.runs[m].seconds
            row["failures"] = len(self.runs[m].failures)
            rows.append(row)
        return pd.DataFrame(rows)

    def proper_summary(self) -> pd.DataFrame:
        """One row per model: the mean of each proper score (:data:`PROPER`), its
        difference to the compromise model and the interval of that difference."""
        rows = []
        for m in self.models:
            row: dict[str, Any] = {"model": m, "n": self.counts[m]}
            means = self.proper[m].means()
            for k in PROPER:
                d = self.proper_diffs[m][k]
                row[k] = means[k]
                row[f"{k}_diff"] = d.estimate
                row[f"{k}_lo"] = d.low
                row[f"{k}_hi"] = d.high
            rows.append(row)
        return pd.DataFrame(rows)

    def predictive_settings(self) -> dict[str, Any]:
        """How the predictive distributions were made and scored (for the JSON)."""
        lo, hi = self.scale_low, self.scale_high
        cuts: Any = "each issue's scale in thirds"
        if lo.size and np.all(lo == lo[0]) and np.all(hi == hi[0]):
            b1, b2 = thirds(lo[0], hi[0])
            cuts = [[float(lo[0]), float(b1)], [float(b1), float(b2)], [float(b2), float(hi[0])]]
        fitted = self.distribution != "ensemble"
        return {
            "distribution": self.distribution,
            "folds": self.folds if fitted else None,
            "fold_unit": "proposal" if fitted else None,
            "ensemble_draws": None if fitted else self.ensemble_draws,
            "thirds": cuts,
            "log_floor": LOG_FLOOR,
        }

    def procedure_summary(self) -> pd.DataFrame:
        """One row per model (empty without procedures): issues scored, MAE without and
        with the procedure, the difference with its paired bootstrap interval, and the
        number of scored issues where the procedure moved the forecast."""
        cols = ["model", "n", "mae_without", "mae_with", "diff", "lo", "hi", "bound"]
        if self.procedures is None:
            return pd.DataFrame(columns=cols)
        scored = set(self.frame["issue"])
        rows = []
        for m in self.models:
            run = self.runs[m]
            without = np.array([run.unruled.get(i, np.nan) for i in self.frame["issue"]])
            ok = np.isfinite(without) & np.isfinite(self.frame[m].to_numpy(dtype=float))
            outcome = self.frame["outcome"].to_numpy(dtype=float)[ok]
            d = self.procedure_effect[m]
            rows.append(
                {
                    "model": m,
                    "n": int(ok.sum()),
                    "mae_without": float(np.mean(np.abs(without[ok] - outcome))),
                    "mae_with": float(np.mean(np.abs(self.frame[m].to_numpy()[ok] - outcome))),
                    "diff": d.estimate,
                    "lo": d.low,
                    "hi": d.high,
                    "bound": sum(1 for i in run.bound if i in scored),
                }
            )
        return pd.DataFrame(rows, columns=cols)

    def by_procedure(self) -> pd.DataFrame:
        """MAE of every model per legislative procedure (empty when the data set has no
        procedure column). Columns: procedure, n, one column a model."""
        proc = self.frame["procedure"]
        if proc.isna().all():
            return pd.DataFrame(columns=["procedure", "n", *self.models])
        rows = []
        for name, part in self.frame.groupby(proc.fillna("unknown"), sort=True):
            row: dict[str, Any] = {"procedure": name, "n": len(part)}
            for m in self.models:
                e = (part[m] - part["outcome"]).dropna()
                row[m] = float(np.mean(np.abs(e))) if len(e) else float("nan")
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``detente validate --json`` (shape fixed by issue #7)."""

        def num(x: float) -> float | None:
            return float(x) if np.isfinite(x) else None

        models = []
        for m in self.models:
            d = self.diffs[m]["mae"]
            entry: dict[str, Any] = {
                "model": m,
                "mae": num(self.scores[m]["mae"]),
                "rmse": num(self.scores[m]["rmse"]),
                "median_ae": num(self.scores[m]["median_ae"]),
                "within_10": num(self.scores[m]["within_10"]),
                "diff_vs_compromise": {
                    "mean": num(d.estimate),
                    "ci": [num(d.low), num(d.high)],
                },
            }
            if m in self.in_sample:
                entry["in_sample"] = self.in_sample[m]
            if m in self.proper:
                means = self.proper[m].means()
                for k in PROPER:
                    pd_ = self.proper_diffs[m][k]
                    entry[k] = {
                        "mean": num(means[k]),
                        "diff_vs_compromise": {
                            "mean": num(pd_.estimate),
                            "ci": [num(pd_.low), num(pd_.high)],
                        },
                    }
            models.append(entry)
        issues = []
        for _, r in self.frame.iterrows():
            issues.append(
                {
                    "id": str(r["issue"]),
                    "outcome": float(r["outcome"]),
                    "forecasts": {m: num(float(r[m])) for m in self.models},
                }
            )
        return {
            "dataset": self.dataset,
            "n_issues": self.n_issues,
            "seed": self.seed,
            "predictive": self.predictive_settings(),
            "models": models,
            "issues": issues,
        }

    def per_issue_frame(self) -> pd.DataFrame:
        """The per-issue table of the CSV: ids, procedure, reference, outcome, and for each
        model its forecast and absolute error."""
        cols = ["issue", "proposal", "procedure", "voting_rule", "reference", "outcome"]
        out = self.frame[cols].copy()
        for m in self.models:
            out[f"{m}_forecast"] = self.frame[m]
            out[f"{m}_abs_error"] = (self.frame[m] - self.frame["outcome"]).abs()
        return out

    def write_csv(self, path: str | Path) -> Path:
        """Write :meth:`per_issue_frame` to a new CSV file (an existing file is refused)."""
        p = Path(path)
        write_output(
            p,
            self.per_issue_frame().to_csv(index=False, float_format="%.6g"),
            where="--out-csv",
            overwrite_hint="",
        )
        return p


def validate(
    dataset: Dataset,
    models: Sequence[str] | None = None,
    *,
    params: dict[str, dict[str, Any]] | None = None,
    seed: int = 0,
    n_boot: int = 2000,
    cluster: str = "proposal",
    progress: Callable[[str, ModelRun], None] | None = None,
    procedures: bool = False,
    weights_dir: str | Path | None = None,
    distribution: str = "empirical",
    folds: int = DEFAULT_FOLDS,
    ensemble_draws: int = DEFAULT_ENSEMBLE_DRAWS,
) -> ValidationResult:
    """Forecast and score ``dataset`` with ``models`` (default: every registered model).

    ``cluster`` is the bootstrap's resampling unit, ``"proposal"`` or ``"issue"``.
    ``progress`` is called after each model with its name and run. ``procedures`` applies
    each issue's legislative procedure (:mod:`detente.validation.procedures`, with the
    Council tables of ``weights_dir``, default the data set's folder) to every forecast.
    ``distribution`` and ``folds`` say how each model's predictive distributions are made
    (:func:`detente.validation.predictive.predictive`, folds dealt with ``seed``; with
    ``"ensemble"``, each model's ensemble of ``ensemble_draws`` draws per proposal).
    """
    names = list(models) if models else available()
    for m in names:
        get_model(m)  # unknown names fail before any work
    if cluster not in ("proposal", "issue"):
        raise InputError(
            f"unknown bootstrap unit {cluster!r}", where="--cluster", allowed="proposal, issue"
        )
    if n_boot < 100:
        raise InputError(
            f"{n_boot} bootstrap resamples are too few for a 95% interval",
            where="--bootstrap",
            allowed="at least 100 (default 2000)",
        )
    if distribution not in DISTRIBUTIONS:
        raise InputError(
            f"unknown predictive distribution {distribution!r}",
            where="--distribution",
            allowed=", ".join(DISTRIBUTIONS),
        )
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise InputError(f"{folds!r} folds", where="--folds", allowed="a whole number >= 2")
    if distribution == "ensemble" and procedures:
        raise InputError(
            "the ensemble distribution draws the models' own outcomes, which the legislative "
            "procedure does not move",
            where="--distribution ensemble with --procedures",
            allowed="--distribution empirical, laplace or normal with --procedures",
        )
    params = params or {}
    rules = procedures_for(dataset, weights_dir) if procedures else None
    runs: dict[str, ModelRun] = {}
    for m in dict.fromkeys([BASELINE, *names]):
        runs[m] = forecast_dataset(dataset, m, params.get(m), seed, rules)
        if progress is not None:
            progress(m, runs[m])
    scored = dataset.scored
    frame = scored[["issue", "proposal", "procedure", "voting_rule", "reference", "outcome"]].copy()
    for m, run in runs.items():
        frame[m] = [run.forecasts.get(i, np.nan) for i in frame["issue"]]
    outcome = frame["outcome"].to_numpy(dtype=float)
    groups = frame["proposal"].to_numpy() if cluster == "proposal" else None
    base_err = frame[BASELINE].to_numpy(dtype=float) - outcome
    result = ValidationResult(
        dataset=dataset.path,
        seed=seed,
        n_boot=n_boot,
        cluster=cluster,
        capability=dataset.capability,
        models=names,
        frame=frame,
        runs=runs,
        procedures=rules,
        distribution=distribution,
        folds=folds,
        ensemble_draws=ensemble_draws,
    )
    if "detente" in names:
        from detente.models.forecaster import in_sample_note

        result.in_sample["detente"], note = in_sample_note(dataset.path)
        result.notes.append(note)
    scales = {
        iss.id: (iss.scale.low, iss.scale.high) for case in dataset.cases for iss in case.issues
    }
    result.scale_low = np.array([scales[i][0] for i in frame["issue"]], dtype=float)
    result.scale_high = np.array([scales[i][1] for i in frame["issue"]], dtype=float)
    proposal = frame["proposal"].to_numpy()

    def proper(m: str) -> ProperScores:
        fc = frame[m].to_numpy(dtype=float)
        ok = np.isfinite(fc)
        if distribution == "ensemble":
            ens, has = ensemble_predictive(
                dataset.cases,
                get_model(m, **(params.get(m) or {})),
                list(frame["issue"]),
                result.scale_low,
                result.scale_high,
                draws=ensemble_draws,
                seed=seed,
            )
            keep = ok & has
            sub = Predictive(
                "ensemble",
                ens.low[keep],
                ens.high[keep],
                ens.loc[keep],
                values=ens.values[keep],  # type: ignore[index]
                weights=ens.weights[keep],  # type: ignore[index]
            )
            return score(sub, outcome[keep], seed=seed).expand(keep)
        if np.unique(proposal[ok]).size < 2:  # no other proposal to learn a spread from
            nan = np.full(ok.size, np.nan)
            return ProperScores(nan, nan, nan, nan, np.full((ok.size, 3), np.nan))
        pred = predictive(
            fc[ok],
            outcome[ok],
            proposal[ok],
            result.scale_low[ok],
            result.scale_high[ok],
            distribution=distribution,
            folds=folds,
            seed=seed,
        )
        return score(pred, outcome[ok], seed=seed).expand(ok)

    base_proper = proper(BASELINE)
    for m in names:
        err = frame[m].to_numpy(dtype=float) - outcome
        ok = np.isfinite(err)
        result.counts[m] = int(ok.sum())
        result.scores[m] = score_all(err[ok])
        both = ok & np.isfinite(base_err)
        result.diffs[m] = paired_bootstrap(
            err[both],
            base_err[both],
            None if groups is None else groups[both],
            n_boot=n_boot,
            seed=seed,
        )
        own = base_proper if m == BASELINE else proper(m)
        result.proper[m] = own
        pair = both & np.isfinite(own.crps) & np.isfinite(base_proper.crps)
        result.proper_diffs[m] = {
            k: paired_bootstrap_loss(
                getattr(own, k)[pair],
                getattr(base_proper, k)[pair],
                None if groups is None else groups[pair],
                n_boot=n_boot,
                seed=seed,
            )
            for k in PROPER
        }
        if rules is not None:
            without = np.array([runs[m].unruled.get(i, np.nan) for i in frame["issue"]])
            w_err = without - outcome
            pair = ok & np.isfinite(w_err)
            result.procedure_effect[m] = paired_bootstrap(
                err[pair],
                w_err[pair],
                None if groups is None else groups[pair],
                n_boot=n_boot,
                seed=seed,
            )["mae"]
    return result
