"""The chart of ``detente validate --chart``: error distributions per model.

Left: the absolute errors of each model as a box plot with every issue as a dot and the
mean (MAE) as a diamond. Right: the share of issues forecast within x points, for every x
(the empirical distribution of absolute errors; the within-10 score is its value at 10).
Drawn with matplotlib's Agg backend (no display needed); the format follows the file's
suffix (PNG, SVG or PDF).

The chart of ``detente validate --pit-chart``: calibration of the predictive distributions
(:mod:`detente.validation.predictive`), one panel per model with the histogram of the
randomised PIT values of its outcomes in ten bins of [0, 1], as densities. A calibrated
forecaster's histogram is flat at 1 (the dashed line); a U shape says the distributions
are too narrow, a hump too wide, a slope biased (Gneiting, Balabdaoui & Raftery 2007,
*JRSS B* 69, §3.1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from detente.errors import InputError
from detente.io.safe_write import check_output, write_output
from detente.validation.runner import ValidationResult

__all__ = ["CHART_SUFFIXES", "PIT_BINS", "error_chart", "pit_chart", "pit_histograms"]

CHART_SUFFIXES = (".png", ".svg", ".pdf")
PIT_BINS = 10


def _check_path(path: str | Path, where: str) -> Path:
    p = Path(path)
    if p.suffix.lower() not in CHART_SUFFIXES:
        raise InputError(
            f"cannot tell the chart format from the suffix {p.suffix or '(none)'!r}",
            source=str(p),
            where=where,
            allowed="a file name ending in " + ", ".join(CHART_SUFFIXES),
        )
    check_output(p, where=where, overwrite_hint="")
    return p


def error_chart(result: ValidationResult, path: str | Path) -> Path:
    """Draw the error distributions of ``result`` to a new file ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    p = _check_path(path, "--chart")
    models = result.models
    errs = [np.abs(result.errors(m)) for m in models]
    errs = [e[np.isfinite(e)] for e in errs]
    fig, (ax_box, ax_cdf) = plt.subplots(
        1, 2, figsize=(max(8.0, 1.2 * len(models) + 5.0), 4.5), constrained_layout=True
    )
    ax_box.boxplot(errs, showfliers=False, widths=0.5)
    ax_box.set_xticks(range(1, len(models) + 1), models, rotation=30, ha="right")
    rng = np.random.default_rng(0)  # jitter only, fixed so the chart is reproducible
    for k, e in enumerate(errs, start=1):
        ax_box.scatter(k + rng.uniform(-0.15, 0.15, e.size), e, s=6, alpha=0.35, color="0.3")
        if e.size:
            ax_box.scatter([k], [e.mean()], marker="D", s=36, color="tab:red", zorder=3)
    ax_box.set_ylabel("absolute error (scale points)")
    ax_box.set_title("errors per issue (box; red diamond: MAE)")
    for m, e in zip(models, errs, strict=True):
        if not e.size:
            continue
        xs = np.sort(e)
        ys = np.arange(1, xs.size + 1) / xs.size
        ax_cdf.step(xs, ys, where="post", label=m)
    ax_cdf.axvline(10.0, color="0.5", ls=":", lw=1)
    ax_cdf.set_xlabel("absolute error at most x")
    ax_cdf.set_ylabel("share of issues")
    ax_cdf.set_title("share of issues within x points")
    ax_cdf.legend(fontsize=8)
    fig.suptitle(f"{Path(result.dataset).name}: {result.n_issues} issues with outcomes")
    fmt = p.suffix.lstrip(".").lower() or "png"
    write_output(p, lambda t: fig.savefig(t, format=fmt), where="--chart", overwrite_hint="")
    plt.close(fig)
    return p


def pit_histograms(result: ValidationResult, bins: int = PIT_BINS) -> dict[str, np.ndarray]:
    """Per model, the density of its PIT values in ``bins`` equal bins of [0, 1]."""
    out = {}
    for m in result.models:
        v = result.proper[m].pit
        v = v[np.isfinite(v)]
        counts, _ = np.histogram(v, bins=bins, range=(0.0, 1.0))
        out[m] = counts * bins / max(v.size, 1)
    return out


def pit_chart(result: ValidationResult, path: str | Path) -> Path:
    """Draw the PIT histogram of every model of ``result`` to a new file ``path``."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    p = _check_path(path, "--pit-chart")
    models = result.models
    hist = pit_histograms(result)
    cols = min(4, len(models))
    rows = -(-len(models) // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(3.2 * cols, 2.6 * rows + 0.6),
        sharex=True,
        sharey=True,
        constrained_layout=True,
        squeeze=False,
    )
    edges = np.linspace(0.0, 1.0, PIT_BINS + 1)
    top = max(2.0, max((float(h.max()) for h in hist.values() if h.size), default=0.0) * 1.1)
    for ax, m in zip(axes.flat, models, strict=False):
        ax.bar(
            edges[:-1],
            hist[m],
            width=np.diff(edges),
            align="edge",
            color="tab:blue",
            alpha=0.7,
            edgecolor="white",
        )
        ax.axhline(1.0, color="0.3", ls="--", lw=1)
        crps = result.proper[m].means()["crps"]
        ax.set_title(f"{m} (CRPS {crps:.2f})", fontsize=9)
        ax.set_ylim(0.0, top)
        ax.set_xlim(0.0, 1.0)
    for ax in axes.flat[len(models) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("PIT")
    for ax in axes[:, 0]:
        ax.set_ylabel("density")
    fig.suptitle(
        f"{Path(result.dataset).name}: calibration of the {result.distribution} predictive "
        f"distributions ({result.folds} folds by proposal); flat at 1 = calibrated",
        fontsize=10,
    )
    fmt = p.suffix.lstrip(".").lower() or "png"
    write_output(p, lambda t: fig.savefig(t, format=fmt), where="--pit-chart", overwrite_hint="")
    plt.close(fig)
    return p
