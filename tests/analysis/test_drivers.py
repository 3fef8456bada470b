"""Sensitivity against closed forms: the compromise model is linear in the positions.

With saliences and capabilities fixed, the compromise outcome of issue i is
``O_i = Σ_a w_ai x_ai / Σ_a w_ai`` (Achen 2006, eq. 8.1), so for independent uniform
positions on ranges of width ``d_a``:

* Sobol: the model is additive, ``S1 = ST = w_a² d_a² / Σ_b w_b² d_b²`` (a uniform's
  variance is d²/12, the 12 cancels);
* Morris: every elementary effect of ``x_a`` is ``w_a / W · d_a`` exactly (SALib's
  unscaled effect: the change over a grid step, divided by the step as a share of the
  range), so ``mu = mu_star = w_a d_a / W`` and ``sigma = 0``;
* tornado: ``O(x_a = lo) - O(base) = w_a / W · (lo - x_a)``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_runner import run_detente
from detente.analysis.drivers import run_counts, sensitivity
from detente.analysis.perturb import PerturbationPlan, Spread
from detente.errors import InputError

#: zero spread for every field: only the scenario's own ranges vary
NO_SPREAD = {f: Spread(0) for f in ("position", "salience", "capability")}


def _expected(tiny, plan):
    """(issue, input) -> (weight share w/W, range width) for the position inputs."""
    arr = tiny.arrays()
    w = np.where(arr.present, arr.salience * arr.capability, 0.0)
    share = w / w.sum(axis=0)
    out = {}
    for u, (lo, hi) in zip(plan.inputs, plan.bounds, strict=True):
        a = tiny.actor_ids.index(u.actor)
        for i, iss in enumerate(tiny.issue_ids):
            s = share[a, i] if u.issue == iss else 0.0
            out[iss, u.name] = (s, hi - lo)
    return out


@pytest.fixture
def positions_only(tiny):
    return PerturbationPlan.build(tiny, {**NO_SPREAD, "position": Spread(20)})


def test_sobol_matches_the_closed_form(tiny, positions_only):
    """Within 0.01 of the closed form (1024 base samples; observed error ~1e-5)."""
    res = sensitivity(tiny, "compromise", methods=["sobol"], plan=positions_only, samples=1024)
    exp = _expected(tiny, positions_only)
    for iss in tiny.issue_ids:
        var = {name: (s * d) ** 2 for (i, name), (s, d) in exp.items() if i == iss}
        total = sum(var.values())
        sub = res.sobol[res.sobol["issue"] == iss].set_index("input")
        for name, v in var.items():
            assert sub.loc[name, "S1"] == pytest.approx(v / total, abs=0.01)
            assert sub.loc[name, "ST"] == pytest.approx(v / total, abs=0.01)
        assert (sub["S1_conf"] >= 0).all() and sub["varies"].all()
    assert res.morris is None and res.tornado is None


def test_morris_matches_the_closed_form(tiny, positions_only):
    """Exact to 1e-9 scale points: the model is linear."""
    res = sensitivity(tiny, "compromise", methods=["morris"], plan=positions_only)
    exp = _expected(tiny, positions_only)
    for row in res.morris.itertuples(index=False):
        s, d = exp[row.issue, row.input]
        assert row.mu == pytest.approx(s * d, abs=1e-9)
        assert row.mu_star == pytest.approx(s * d, abs=1e-9)
        assert row.sigma == pytest.approx(0.0, abs=1e-9)


def test_tornado_matches_the_closed_form_and_is_sorted(tiny, positions_only):
    res = sensitivity(tiny, "compromise", methods=["tornado"], plan=positions_only)
    exp = _expected(tiny, positions_only)
    arr = tiny.arrays()
    df = res.tornado
    assert len(df) == positions_only.n_inputs * 2
    for row in df.itertuples(index=False):
        s, _ = exp[row.issue, row.input]
        u = positions_only.inputs[positions_only.names.index(row.input)]
        base = float(df[df["issue"] == row.issue]["base"].iloc[0])
        assert row.outcome_low - base == pytest.approx(s * (row.low - u.nominal), abs=1e-9)
        assert row.outcome_high - base == pytest.approx(s * (row.high - u.nominal), abs=1e-9)
    for iss in tiny.issue_ids:
        swings = df[df["issue"] == iss]["swing"].to_numpy()
        assert (np.diff(swings) <= 0).all()
    assert df[df["issue"] == "x"]["base"].iloc[0] == pytest.approx(
        float((arr.position[:, 0] * np.array([2.0, 0.5, 0.5])).sum() / 3.0)
    )


def test_an_issue_that_does_not_vary_has_no_sobol_indices(tiny):
    """Only x's positions vary, so y's outcome is constant: no 0/0, a missing value."""
    plan = PerturbationPlan.build(tiny, {**NO_SPREAD, "position": Spread(20)}).select(issues=["x"])
    res = sensitivity(tiny, "compromise", methods=["sobol", "morris"], plan=plan, samples=64)
    y = res.sobol[res.sobol["issue"] == "y"]
    assert not y["varies"].any() and y["S1"].isna().all()
    summary = res.to_dict()
    assert all(r["S1"] is None for r in summary["sobol"] if r["issue"] == "y")
    json.dumps(summary, allow_nan=False)  # no NaN in the JSON
    assert (res.morris[res.morris["issue"] == "y"]["mu_star"] == 0).all()
    assert set(res.to_frames()) == {"sobol", "morris"}
    text = res.summary()
    assert "compromise sensitivity of tiny" in text
    top = res.sobol[res.sobol["issue"] == "x"].sort_values("ST", ascending=False).iloc[0]
    assert f"x: sobol {top['input']}" in text


def test_run_counts_are_the_runs_each_method_makes(tiny, positions_only):
    assert run_counts(5, samples=64, trajectories=4) == {"sobol": 448, "morris": 24, "tornado": 11}
    res = sensitivity(tiny, "compromise", plan=positions_only, samples=64, trajectories=4)
    k = positions_only.n_inputs
    assert res.settings["runs"] == run_counts(k, samples=64, trajectories=4)


def test_same_numbers_on_a_process_pool(tiny):
    a = sensitivity(tiny, "compromise", samples=64, trajectories=4, seed=3)
    b = sensitivity(tiny, "compromise", samples=64, trajectories=4, seed=3, workers=2)
    for name in ("sobol", "morris", "tornado"):
        assert getattr(a, name).equals(getattr(b, name)), name


@pytest.mark.parametrize(
    ("kw", "text"),
    [
        ({"samples": 100}, "power of two"),
        ({"methods": ["fast"]}, "unknown method"),
        ({"levels": 3}, "--levels"),
        ({"fields": ["weight"]}, "--field"),
        ({"spread": NO_SPREAD}, "no uncertain inputs"),
    ],
)
def test_bad_settings_are_input_errors(tiny, kw, text):
    with pytest.raises(InputError, match=text):
        sensitivity(tiny, "compromise", **kw)


def test_cli_sensitivity_on_the_bundled_scenario():
    res = run_detente(
        "sensitivity",
        "--samples",
        "16",
        "--trajectories",
        "4",
        "--field",
        "position",
        "--actor",
        "russia",
        "--json",
    )
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["model"] == "compromise" and data["settings"]["samples"] == 16
    names = {i["name"] for i in data["inputs"]}
    assert names and all(n.startswith("position:russia:") for n in names)
    assert {"sobol", "morris", "tornado"} <= set(data)
    assert {r["input"] for r in data["tornado"]} == names
