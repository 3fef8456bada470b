"""Charts: each draws exactly the numbers the library computed."""

from __future__ import annotations

import numpy as np
import pytest

from detente.bargaining import agreement, package_gains
from detente.models import get_model
from detente.report import charts


@pytest.fixture
def forecasts(documented):
    return [get_model(m).forecast(documented) for m in ("compromise", "median")]


def _trace(fig, name):
    (t,) = [t for t in fig.data if t.name == name]
    return t


def test_outcome_chart_scales_to_percent_when_issue_scales_differ(documented, forecasts):
    fig = charts.outcome_chart(documented, forecasts)
    assert [t.name for t in fig.data] == ["status quo (reference)", "compromise", "median"]
    comp = _trace(fig, "compromise")
    out = forecasts[0].outcome
    # issue y runs -10..10: drawn as percent of its range; hover keeps the raw value
    expected = [out[0], 100 * (out[1] + 10) / 20]
    np.testing.assert_allclose(comp.x, expected, atol=1e-12)
    np.testing.assert_allclose(comp.customdata[:, 0].astype(float), out, atol=1e-12)
    ref = _trace(fig, "status quo (reference)")
    np.testing.assert_allclose(ref.x, [50.0, 50.0], atol=1e-12)


def test_outcome_chart_keeps_the_scale_when_shared(tiny):
    f = get_model("compromise").forecast(tiny)
    fig = charts.outcome_chart(tiny, [f])
    # tiny: only x has a reference point, both issues on 0..100
    assert len(_trace(fig, "status quo (reference)").x) == 1
    np.testing.assert_allclose(_trace(fig, "compromise").x, f.outcome, atol=1e-12)


def test_trajectories_chart_one_line_per_present_stance(documented, forecasts):
    f = forecasts[0]
    fig = charts.trajectories_chart(documented, f)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(lines) == int(f.present.sum())
    # legend once per actor
    assert sorted(t.name for t in lines if t.showlegend) == ["Alpha", "Beta", "Gamma"]
    assert "closed form" in fig.layout.title.text


def test_actor_map_plots_capability_times_salience(documented, forecasts):
    fig = charts.actor_map(documented, forecasts)
    arr = documented.arrays()
    pts = [t for t in fig.data if t.mode == "markers"]
    assert len(pts) == int(arr.present.sum())
    beta_x = next(t for t in pts if t.name == "Beta" and t.xaxis == "x")
    assert beta_x.x[0] == 70 and beta_x.y[0] == pytest.approx(1.0 * 0.5, abs=1e-12)
    legend_lines = [t.name for t in fig.data if t.mode == "lines"]
    assert legend_lines == ["status quo", "forecast: compromise", "forecast: median"]
    # one dotted status-quo line per issue, one dashed line per model and issue
    dashes = [s.line.dash for s in fig.layout.shapes]
    assert dashes.count("dot") == 2 and dashes.count("dash") == 4


def test_pareto_chart_marks_nash_ks_and_forecasts(documented, forecasts):
    ag = agreement(documented)
    fig = charts.pareto_chart(ag, documented, forecasts)
    names = [t.name for t in fig.data]
    assert "Pareto frontier" in names and "status quo (disagreement point)" in names
    nash = _trace(fig, "Nash bargaining solution")
    np.testing.assert_allclose([nash.x[0], nash.y[0]], ag.nash.gains, atol=1e-12)
    ks = _trace(fig, "Kalai-Smorodinsky solution")
    np.testing.assert_allclose([ks.x[0], ks.y[0]], ag.kalai_smorodinsky.gains, atol=1e-12)
    comp = _trace(fig, "forecast: compromise")
    g = package_gains(documented, forecasts[0].outcome, ("a", "b"))
    np.testing.assert_allclose([comp.x[0], comp.y[0]], g, atol=1e-12)
    front = _trace(fig, "Pareto frontier")
    assert len(front.x) == len(ag.frontier)


def test_ensemble_chart_titles_carry_target_probabilities(documented):
    draws = np.random.default_rng(0).uniform(0, 100, size=(50, 2))
    fig = charts.ensemble_chart(
        documented, draws, model="compromise", bounds=[("x", "<=", 30.0, 0.25)]
    )
    hists = [t for t in fig.data if t.type == "histogram"]
    assert len(hists) == 2
    np.testing.assert_array_equal(hists[0].x, draws[:, 0])
    titles = [a.text for a in fig.layout.annotations]
    assert "P(<= 30) = 25%" in titles[0] and "P(" not in titles[1]
    assert "50 draws" in fig.layout.title.text


def test_tornado_chart_sorts_largest_on_top():
    fig = charts.tornado_chart({"small": (-1.0, 0.5), "big": (4.0, -6.0), "mid": (2.0, 3.0)})
    low, high = fig.data
    # plotly draws the last category on top
    assert list(low.y) == ["small", "mid", "big"]
    assert list(high.x) == [0.5, 3.0, -6.0]
    single = charts.tornado_chart({"a": 0.1, "b": -0.7}, top=1)
    assert list(single.data[0].y) == ["b"]


def test_ensemble_chart_marks_the_point_forecast(documented):
    draws = np.random.default_rng(0).uniform(0, 100, size=(50, 2))
    point = get_model("compromise").forecast(documented).outcome
    fig = charts.ensemble_chart(documented, draws, model="compromise", point=point)
    solid = [s for s in fig.layout.shapes if s.line.color == "#111111" and s.line.dash is None]
    assert sorted(s.x0 for s in solid) == sorted(float(x) for x in point)
    assert "black: point forecast" in fig.layout.title.text
    plain = charts.ensemble_chart(documented, draws, model="compromise")
    assert not [s for s in plain.layout.shapes if s.line.color == "#111111"]
    assert "point forecast" not in plain.layout.title.text


def test_tornado_chart_names_actors_and_issues(documented):
    effects = {"position:a:x": (-2.0, 1.0), "capability:b": (0.5, -0.5), "other": (0.1, 0.1)}
    fig = charts.tornado_chart(effects, scenario=documented)
    assert list(fig.data[0].y) == ["other", "Beta: capability", "Alpha: position on Issue X"]
    # without the scenario, or for a name it does not know, the input's own name
    assert "position:a:x" in charts.tornado_chart(effects).data[0].y
    odd = charts.tornado_chart({"position:zz:x": 1.0}, scenario=documented)
    assert list(odd.data[0].y) == ["position:zz:x"]


def test_colours_are_stable_per_actor_and_model(documented):
    c = charts.actor_colors(documented)
    assert list(c) == ["a", "b", "c"] and len(set(c.values())) == 3
    m = charts.model_colors(["x", "y"])
    assert m["x"] != m["y"]
    three = charts.model_colors(["x", "y", "z"])
    assert {k: three[k] for k in ("x", "y")} == m
