"""Charts shared by the dashboard and the HTML report (plotly figures).

Each function turns what the library computed (a scenario, forecasts, an agreement
analysis, ensemble draws, sensitivity indices) into a :class:`plotly.graph_objects.Figure`;
none computes anything the analyst could not find in the tables. Colours are stable: an
actor (or a model) has the same colour in every chart of a run.

- :func:`outcome_chart`: forecast outcome per issue against the status quo (reference).
- :func:`trajectories_chart`: every actor's position round by round, one panel per issue.
- :func:`actor_map`: position against capability x salience (the weight an actor brings to
  an issue in the compromise model, Achen 2006 eq. 8.1), one panel per issue.
- :func:`pareto_chart`: the two parties' gains over the Pareto frontier, with the status
  quo, the Nash (1950) and Kalai-Smorodinsky (1975) solutions and each model's forecast.
- :func:`ensemble_chart`: histograms of ensemble outcomes per issue, with target bounds.
- :func:`tornado_chart`: sensitivity indices as a tornado (largest on top).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from detente.forecasts import Forecast
from detente.scenario import Scenario

__all__ = [
    "actor_colors",
    "actor_map",
    "ensemble_chart",
    "model_colors",
    "outcome_chart",
    "pareto_chart",
    "tornado_chart",
    "trajectories_chart",
]

_TEMPLATE = "plotly_white"
_PALETTE = tuple(qualitative.Plotly) + tuple(qualitative.D3) + tuple(qualitative.Dark24)
_MODEL_PALETTE = tuple(qualitative.Dark2) + tuple(qualitative.Set1)
_REFERENCE = "#222222"


def actor_colors(scenario: Scenario) -> dict[str, str]:
    """One colour per actor, by the actor's place in the scenario."""
    return {a: _PALETTE[k % len(_PALETTE)] for k, a in enumerate(scenario.actor_ids)}


def model_colors(models: Sequence[str]) -> dict[str, str]:
    """One colour per model name, by its place in ``models``."""
    return {m: _MODEL_PALETTE[k % len(_MODEL_PALETTE)] for k, m in enumerate(models)}


def _grid(n: int, max_cols: int = 3) -> tuple[int, int]:
    cols = min(max_cols, max(n, 1))
    return math.ceil(max(n, 1) / cols), cols


def _short(text: str, width: int = 38) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _scale_note(scenario: Scenario, issue_id: str) -> str:
    sc = scenario.issue(issue_id).scale
    lo = f"{sc.low:g}" + (f" = {sc.low_label}" if sc.low_label else "")
    hi = f"{sc.high:g}" + (f" = {sc.high_label}" if sc.high_label else "")
    return f"{lo}<br>{hi}"


def _layout(fig: go.Figure, title: str, height: int, *, legend_right: bool = False) -> go.Figure:
    """Common look; the legend goes below panels without axis titles, else to the right
    (where it cannot cover the x-axis title)."""
    legend = (
        {"orientation": "v", "yanchor": "top", "y": 1.0, "x": 1.02, "xanchor": "left"}
        if legend_right
        else {"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0.0}
    )
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        template=_TEMPLATE,
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 40},
        legend=legend,
    )
    return fig


# ------------------------------------------------------------------------- outcomes
def outcome_chart(scenario: Scenario, forecasts: Sequence[Forecast]) -> go.Figure:
    """Forecast outcome of every issue by every model, against the status quo.

    Positions are drawn on the issues' own scale when every issue shares one scale; else as
    a percentage of each issue's range (the hover text always gives the value on the
    issue's own scale).
    """
    arr = scenario.arrays()
    same = bool(np.all(arr.low == arr.low[0]) and np.all(arr.high == arr.high[0]))
    span = arr.high - arr.low

    def x_of(values: np.ndarray) -> np.ndarray:
        return values if same else 100.0 * (values - arr.low) / span

    labels = [_short(i.label) for i in scenario.issues]
    notes = [_scale_note(scenario, i) for i in scenario.issue_ids]
    fig = go.Figure()
    has_ref = ~np.isnan(arr.reference)
    if has_ref.any():
        fig.add_trace(
            go.Scatter(
                x=x_of(arr.reference)[has_ref],
                y=np.asarray(labels, dtype=object)[has_ref],
                mode="markers",
                name="status quo (reference)",
                marker={"symbol": "diamond", "size": 12, "color": _REFERENCE},
                customdata=np.stack(
                    [arr.reference[has_ref], np.asarray(notes, dtype=object)[has_ref]], axis=-1
                ),
                hovertemplate="%{y}<br>status quo %{customdata[0]:.1f}<br>%{customdata[1]}"
                "<extra></extra>",
            )
        )
    colors = model_colors([f.model for f in forecasts])
    for f in forecasts:
        fig.add_trace(
            go.Scatter(
                x=x_of(f.outcome),
                y=labels,
                mode="markers",
                name=f.model,
                marker={
                    "size": 11,
                    "color": colors[f.model],
                    "line": {"width": 1, "color": "white"},
                },
                customdata=np.stack([f.outcome, np.asarray(notes, dtype=object)], axis=-1),
                hovertemplate=f"%{{y}}<br>{f.model}: %{{customdata[0]:.1f}}<br>"
                "%{customdata[1]}<extra></extra>",
            )
        )
    xmin, xmax = (float(arr.low.min()), float(arr.high.max())) if same else (0.0, 100.0)
    pad = 0.03 * (xmax - xmin)
    fig.update_xaxes(
        range=[xmin - pad, xmax + pad],
        title="position on the issue's scale" if same else "position, % of the issue's range",
        zeroline=False,
    )
    fig.update_yaxes(autorange="reversed", title=None)
    return _layout(
        fig,
        "Forecast outcome per issue against the status quo",
        height=160 + 42 * len(labels),
        legend_right=True,
    )


# ------------------------------------------------------------------------- trajectories
def trajectories_chart(
    scenario: Scenario, forecast: Forecast, issues: Sequence[str] | None = None
) -> go.Figure:
    """Positions of every actor round by round, one panel per issue; the dashed line is the
    forecast outcome, the dotted one the status quo."""
    issues = list(issues or forecast.issue_ids)
    rows, cols = _grid(len(issues))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[_short(scenario.issue(i).label, 44) for i in issues],
        vertical_spacing=min(0.12, 0.5 / rows),
        horizontal_spacing=0.06,
    )
    colors = actor_colors(scenario)
    names = {a.id: a.label for a in scenario.actors}
    shown: set[str] = set()
    n_rounds = forecast.n_rounds
    for n, iss in enumerate(issues):
        r, c = n // cols + 1, n % cols + 1
        for actor, traj in forecast.trajectory(iss).items():
            fig.add_trace(
                go.Scatter(
                    x=list(range(len(traj))),
                    y=traj,
                    mode="lines+markers",
                    name=names.get(actor, actor),
                    legendgroup=actor,
                    showlegend=actor not in shown,
                    line={"color": colors.get(actor), "width": 1.6},
                    marker={"size": 4},
                    hovertemplate=f"{names.get(actor, actor)}<br>round %{{x}}: %{{y:.1f}}"
                    "<extra></extra>",
                ),
                row=r,
                col=c,
            )
            shown.add(actor)
        k = forecast.issue_ids.index(iss)
        fig.add_hline(
            y=float(forecast.outcome[k]), line_dash="dash", line_color="black", row=r, col=c
        )
        ref = forecast.reference[k]
        if not np.isnan(ref):
            fig.add_hline(y=float(ref), line_dash="dot", line_color="grey", row=r, col=c)
        sc = scenario.issue(iss).scale
        fig.update_yaxes(range=[sc.low - 3, sc.high + 3], row=r, col=c)
        fig.update_xaxes(range=[-0.3, max(n_rounds, 1) + 0.3], row=r, col=c)
    fig.update_annotations(font_size=11)
    title = f"{forecast.model}: positions round by round"
    if n_rounds == 0:
        title += " (closed form: no rounds, the input positions)"
    return _layout(fig, title, height=120 + 230 * rows)


# ------------------------------------------------------------------------- actor map
def actor_map(
    scenario: Scenario,
    forecasts: Sequence[Forecast] = (),
    issues: Sequence[str] | None = None,
) -> go.Figure:
    """Each actor's position against its weight on the issue, capability x salience; marker
    size grows with salience. Vertical lines: the status quo (dotted) and each model's
    forecast outcome (dashed, model colour)."""
    arr = scenario.arrays()
    issues = list(issues or arr.issue_ids)
    rows, cols = _grid(len(issues))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[_short(scenario.issue(i).label, 44) for i in issues],
        vertical_spacing=min(0.14, 0.55 / rows),
        horizontal_spacing=0.07,
    )
    colors = actor_colors(scenario)
    mcolors = model_colors([f.model for f in forecasts])
    names = [a.label for a in scenario.actors]
    weight = arr.capability * arr.salience
    shown: set[str] = set()
    for n, iss in enumerate(issues):
        r, c = n // cols + 1, n % cols + 1
        k = arr.issue_ids.index(iss)
        for a in np.flatnonzero(arr.present[:, k]):
            aid = arr.actor_ids[a]
            fig.add_trace(
                go.Scatter(
                    x=[arr.position[a, k]],
                    y=[weight[a, k]],
                    mode="markers",
                    name=names[a],
                    legendgroup=aid,
                    showlegend=aid not in shown,
                    marker={
                        "size": 8 + 18 * float(arr.salience[a, k]),
                        "color": colors[aid],
                        "line": {"width": 1, "color": "white"},
                    },
                    hovertemplate=f"{names[a]}<br>position %{{x:.1f}}<br>"
                    f"salience {arr.salience[a, k]:.2f}, capability {arr.capability[a, k]:.4g}"
                    "<br>capability × salience %{y:.4g}<extra></extra>",
                ),
                row=r,
                col=c,
            )
            shown.add(aid)
        if not np.isnan(arr.reference[k]):
            fig.add_vline(
                x=float(arr.reference[k]), line_dash="dot", line_color=_REFERENCE, row=r, col=c
            )
        for f in forecasts:
            fig.add_vline(
                x=float(f.outcome[k]), line_dash="dash", line_color=mcolors[f.model], row=r, col=c
            )
        fig.update_xaxes(range=[arr.low[k] - 4, arr.high[k] + 4], row=r, col=c)
        fig.update_yaxes(rangemode="tozero", row=r, col=c)
    # legend entries for the vertical lines (shapes have none of their own)
    lines = [("status quo", _REFERENCE, "dot")] if not np.all(np.isnan(arr.reference)) else []
    lines += [(f"forecast: {f.model}", mcolors[f.model], "dash") for f in forecasts]
    for name, color, dash in lines:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=name,
                line={"color": color, "dash": dash},
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
    fig.update_annotations(font_size=11)
    title = "Actor map: position against capability × salience (marker size: salience)"
    return _layout(fig, title, height=120 + 230 * rows)


# ------------------------------------------------------------------------- bargaining
def pareto_chart(
    agreement: object,
    scenario: Scenario,
    forecasts: Sequence[Forecast] = (),
) -> go.Figure:
    """The Pareto frontier of two parties' gains against the status quo, with the
    disagreement point (status quo, at the origin), the zone of agreement, the Nash and
    Kalai-Smorodinsky solutions, and where each model's forecast package lands.

    ``agreement`` is a :class:`detente.bargaining.Agreement`.
    """
    from detente.bargaining import package_gains

    ag = agreement
    pa, pb = ag.parties  # type: ignore[attr-defined]
    la, lb = scenario.actor(pa).label, scenario.actor(pb).label
    fig = go.Figure()
    front = np.array([p.gains for p in ag.frontier])  # type: ignore[attr-defined]
    if len(front):
        fig.add_trace(
            go.Scatter(
                x=front[:, 0],
                y=front[:, 1],
                mode="lines+markers",
                name="Pareto frontier",
                line={"color": "#4c78a8"},
                marker={"size": 4},
                hovertemplate=f"{la} %{{x:.2f}}<br>{lb} %{{y:.2f}}<extra></extra>",
            )
        )
    zone = np.array([p.gains for p in ag.zone])  # type: ignore[attr-defined]
    if len(zone):
        fig.add_trace(
            go.Scatter(
                x=zone[:, 0],
                y=zone[:, 1],
                mode="markers",
                name="zone of agreement (both gain)",
                marker={"size": 9, "color": "rgba(44,160,44,0.55)"},
                hovertemplate=f"{la} %{{x:.2f}}<br>{lb} %{{y:.2f}}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[0.0],
            y=[0.0],
            mode="markers",
            name="status quo (disagreement point)",
            marker={"symbol": "x", "size": 12, "color": _REFERENCE},
        )
    )
    ideal = np.asarray(ag.ideal, dtype=float)  # type: ignore[attr-defined]
    if np.all(np.isfinite(ideal)):
        fig.add_trace(
            go.Scatter(
                x=[0.0, ideal[0]],
                y=[0.0, ideal[1]],
                mode="lines",
                name="to the ideal point (Kalai-Smorodinsky)",
                line={"dash": "dot", "color": "grey"},
                hoverinfo="skip",
            )
        )
    for label, pkg, symbol, color in (
        ("Nash bargaining solution", ag.nash, "star", "#d62728"),  # type: ignore[attr-defined]
        ("Kalai-Smorodinsky solution", ag.kalai_smorodinsky, "diamond", "#9467bd"),  # type: ignore[attr-defined]
    ):
        if pkg is not None:
            fig.add_trace(
                go.Scatter(
                    x=[pkg.gains[0]],
                    y=[pkg.gains[1]],
                    mode="markers",
                    name=label,
                    marker={"symbol": symbol, "size": 16, "color": color},
                    hovertemplate=f"{label}<br>{la} %{{x:.2f}}<br>{lb} %{{y:.2f}}<extra></extra>",
                )
            )
    if forecasts:
        colors = model_colors([f.model for f in forecasts])
        for f in forecasts:
            g = package_gains(scenario, f.outcome, (pa, pb))
            fig.add_trace(
                go.Scatter(
                    x=[g[0]],
                    y=[g[1]],
                    mode="markers",
                    name=f"forecast: {f.model}",
                    marker={
                        "symbol": "circle-open",
                        "size": 13,
                        "color": colors[f.model],
                        "line": {"width": 2},
                    },
                    hovertemplate=f"{f.model}<br>{la} %{{x:.2f}}<br>{lb} %{{y:.2f}}<extra></extra>",
                )
            )
    fig.add_hline(y=0, line_color="lightgrey")
    fig.add_vline(x=0, line_color="lightgrey")
    fig.update_xaxes(title=f"gain of {la} against the status quo")
    fig.update_yaxes(title=f"gain of {lb} against the status quo")
    verdict = "a real reset exists" if ag.reset_possible else "no package both prefer"  # type: ignore[attr-defined]
    return _layout(fig, f"Pareto set of {la} and {lb}: {verdict}", height=520, legend_right=True)


# ------------------------------------------------------------------------- ensemble
def ensemble_chart(
    scenario: Scenario,
    outcomes: np.ndarray,
    *,
    model: str = "",
    bounds: Sequence[tuple[str, str, float, float]] = (),
    bins: int = 30,
    point: Sequence[float] | np.ndarray | None = None,
) -> go.Figure:
    """Histograms of ensemble outcomes ``(E, I)``, one panel per issue.

    ``bounds`` are target bounds to mark, as ``(issue, op, value, probability)``: the
    panel shows the bound as a red line and the probability that it holds in its title.
    ``point`` is the model's point forecast ``(I,)`` of the scenario as written (the
    unperturbed inputs), marked in each panel by a solid black line.
    """
    outcomes = np.asarray(outcomes, dtype=float)
    point_arr = None if point is None else np.asarray(point, dtype=float)
    arr = scenario.arrays()
    by_issue: dict[str, list[tuple[str, float, float]]] = {}
    for iss, op, value, prob in bounds:
        by_issue.setdefault(iss, []).append((op, value, prob))
    titles = []
    for i in scenario.issues:
        t = _short(i.label, 36)
        for op, value, prob in by_issue.get(i.id, []):
            t += f"<br>P({op} {value:g}) = {prob:.0%}"
        titles.append(t)
    rows, cols = _grid(arr.n_issues)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        vertical_spacing=min(0.16, 0.6 / rows),
        horizontal_spacing=0.06,
    )
    for k, iss in enumerate(arr.issue_ids):
        r, c = k // cols + 1, k % cols + 1
        fig.add_trace(
            go.Histogram(
                x=outcomes[:, k],
                nbinsx=bins,
                marker_color="#4c78a8",
                showlegend=False,
                hovertemplate="%{x}: %{y} draws<extra></extra>",
            ),
            row=r,
            col=c,
        )
        if not np.isnan(arr.reference[k]):
            fig.add_vline(
                x=float(arr.reference[k]), line_dash="dot", line_color=_REFERENCE, row=r, col=c
            )
        for _op, value, _prob in by_issue.get(iss, []):
            fig.add_vline(x=value, line_color="#d62728", row=r, col=c)
        if point_arr is not None and not np.isnan(point_arr[k]):
            fig.add_vline(x=float(point_arr[k]), line_color="#111111", line_width=2, row=r, col=c)
        fig.update_xaxes(range=[arr.low[k], arr.high[k]], row=r, col=c)
    fig.update_annotations(font_size=11)
    title = f"Ensemble of {outcomes.shape[0]} draws"
    if model:
        title += f" ({model})"
    marks = ["dotted: status quo", "red: target bound"]
    if point_arr is not None:
        marks.insert(0, "black: point forecast")
    title += f": outcome per issue ({'; '.join(marks)})"
    return _layout(fig, title, height=140 + 240 * rows)


# ------------------------------------------------------------------------- sensitivity
def _input_label(name: str, scenario: Scenario | None) -> str:
    """``field:actor[:issue]`` in the scenario's names; other labels unchanged."""
    parts = name.split(":")
    if scenario is None or len(parts) not in (2, 3):
        return name
    field, actor = parts[0], parts[1]
    try:
        who = scenario.actor(actor).label
        what = f" on {scenario.issue(parts[2]).label}" if len(parts) == 3 else ""
    except LookupError:
        return name
    return f"{who}: {field}{what}"


def tornado_chart(
    effects: Mapping[str, tuple[float, float]] | Mapping[str, float],
    *,
    title: str = "Sensitivity",
    xlabel: str = "effect on the outcome",
    top: int = 15,
    scenario: Scenario | None = None,
) -> go.Figure:
    """A tornado: one bar per input, largest on top.

    ``effects`` maps an input's label either to one index (a bar from 0), or to the pair
    (change of the output when the input is at its low end, at its high end), drawn as a
    bar on each side of 0. With ``scenario``, inputs named as the perturbation plan names
    them (``position:russia:sanctions``, ``capability:china``) are shown by the actors'
    and issues' names ("Russia: position on Sanctions on Russia over Ukraine").
    """
    items = [(_input_label(str(k), scenario), v) for k, v in effects.items()]

    def size(v: tuple[float, float] | float) -> float:
        if isinstance(v, tuple):
            return max(abs(v[0]), abs(v[1]))
        return abs(float(v))

    items = sorted(items, key=lambda kv: size(kv[1]), reverse=True)[:top][::-1]
    labels = [_short(str(k), 48) for k, _ in items]
    fig = go.Figure()
    if items and isinstance(items[0][1], tuple):
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[v[0] for _, v in items],  # type: ignore[index]
                orientation="h",
                name="input at its low end",
                marker_color="#4c78a8",
            )
        )
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[v[1] for _, v in items],  # type: ignore[index]
                orientation="h",
                name="input at its high end",
                marker_color="#f58518",
            )
        )
        fig.update_layout(barmode="overlay")
    else:
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[float(v) for _, v in items],  # type: ignore[arg-type]
                orientation="h",
                name=xlabel,
                marker_color="#4c78a8",
                showlegend=False,
            )
        )
    fig.update_xaxes(title=xlabel)
    return _layout(fig, title, height=140 + 26 * max(len(items), 3), legend_right=True)
