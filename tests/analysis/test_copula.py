"""The Gaussian copula of PerturbationPlan: which inputs it couples, marginals unchanged,
target correlations reached, reproducible draws; ``run_ensemble(correlation=...)`` and
``detente ensemble --correlation``."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtri

from detente.analysis.ensemble import run_ensemble
from detente.analysis.perturb import (
    BLOCK,
    DEFAULT_CORRELATION,
    Correlation,
    PerturbationPlan,
    block_stream,
    parse_correlation,
)
from detente.errors import InputError
from detente.scenario import Actor, Condition, Effect, Issue, Linkage, Scenario, Stance

N_BLOCKS = 98  # 100,352 draws


def _scenario() -> Scenario:
    """x (reference 50): a 10, b 20 below; c 80 above; d at 50. y: no reference.
    z (reference 40): a 60, b 70, c 90 above; d 0 below. A linkage joins x and z."""
    pos = {
        ("a", "x"): 10, ("b", "x"): 20, ("c", "x"): 80, ("d", "x"): 50,
        ("a", "y"): 0, ("b", "y"): 100,
        ("a", "z"): 60, ("b", "z"): 70, ("c", "z"): 90, ("d", "z"): 0,
    }  # fmt: skip
    return Scenario(
        id="copula",
        actors=tuple(Actor(id=a, capability=1.0) for a in "abcd"),
        issues=(Issue(id="x", reference=50.0), Issue(id="y"), Issue(id="z", reference=40.0)),
        stances=tuple(
            Stance(actor=a, issue=i, position=p, salience=0.5) for (a, i), p in pos.items()
        ),
        linkages=(
            Linkage(
                id="k",
                when=Condition(issue="x", op="<", value=60),
                then=Effect(kind="freeze", issue="z"),
            ),
        ),
    )


RHO = Correlation(salience=0.6, position=-0.4)


@pytest.fixture(scope="module")
def plans() -> tuple[PerturbationPlan, PerturbationPlan]:
    sc = _scenario()
    return PerturbationPlan.build(sc), PerturbationPlan.build(sc, correlation=RHO)


def _named(plan: PerturbationPlan) -> list[tuple[str, float, set[str]]]:
    return [(f, r, {plan.names[k] for k in cols}) for f, r, cols in plan.groups()]


def test_groups_are_coalitions_and_linked_issues(plans):
    _, plan = plans
    assert _named(plan) == [
        ("salience", 0.6, {"salience:a:x", "salience:b:x"}),  # c alone above, d at the reference
        ("salience", 0.6, {"salience:a:z", "salience:b:z", "salience:c:z"}),  # d alone below
        ("position", -0.4, {"position:a:x", "position:a:z"}),
        ("position", -0.4, {"position:b:x", "position:b:z"}),
        ("position", -0.4, {"position:c:x", "position:c:z"}),
        ("position", -0.4, {"position:d:x", "position:d:z"}),
    ]
    # a field at zero couples nothing
    only = PerturbationPlan.build(_scenario(), correlation=Correlation(salience=0.3))
    assert {f for f, _, _ in only.groups()} == {"salience"}


def _coupled_uniforms(plan: PerturbationPlan) -> np.ndarray:
    return np.vstack([plan.uniforms(7, b) for b in range(N_BLOCKS)])


def test_target_correlations_on_100000_draws(plans):
    _, plan = plans
    z = ndtri(_coupled_uniforms(plan))
    assert z.shape[0] >= 100_000
    r = np.corrcoef(z.T)
    target = np.eye(plan.n_inputs)
    for _, rho, cols in plan.groups():
        for i in cols:
            for j in cols:
                if i != j:
                    target[i, j] = rho
    assert np.abs(r - target).max() < 0.02
    # the same seen on the values: Spearman's rho of two uncensored uniform inputs,
    # converted to the normal scores' correlation by 2 sin(pi rho_s / 6)
    vals = plan.draw(7, 0, N_BLOCKS * BLOCK)
    k = {n: c for c, n in enumerate(plan.names)}
    rs = stats.spearmanr(vals[:, k["salience:a:z"]], vals[:, k["salience:b:z"]])[0]
    assert 2 * math.sin(math.pi * rs / 6) == pytest.approx(0.6, abs=0.02)
    rs = stats.spearmanr(vals[:, k["position:b:x"]], vals[:, k["position:b:z"]])[0]
    assert 2 * math.sin(math.pi * rs / 6) == pytest.approx(-0.4, abs=0.02)


def test_marginals_are_unchanged(plans):
    free, plan = plans
    n = N_BLOCKS * BLOCK
    a, b = free.draw(7, 0, n), plan.draw(7, 0, n)
    lo, hi = plan.bounds.T
    assert np.all(b >= lo) and np.all(b <= hi)  # censored at the valid range
    # each input's median is its value in the scenario, as without the copula
    width = hi - lo
    assert np.all(np.abs(np.median(b, axis=0) - plan.nominal) <= 0.01 * width)
    # the same distribution per input: quantiles within sampling error, and the same
    # share of draws on a scale end (position a on y: 0 ± 10, half the draws at 0)
    q = np.linspace(0.02, 0.98, 25)
    assert np.abs(np.quantile(a, q, axis=0) - np.quantile(b, q, axis=0)).max() <= 0.02 * width.max()
    k = plan.names.index("position:a:y")
    assert np.mean(b[:, k] == 0.0) == pytest.approx(0.5, abs=0.01)
    for col in range(plan.n_inputs):
        assert stats.ks_2samp(a[:, col], b[:, col]).statistic < 0.01


def test_independent_plans_draw_the_numbers_of_before(plans):
    free, _ = plans
    zero = PerturbationPlan.build(_scenario(), correlation=Correlation())
    raw = block_stream(3, 2).random((BLOCK, free.n_inputs))
    assert np.array_equal(free.uniforms(3, 2), raw)
    assert np.array_equal(zero.uniforms(3, 2), raw)


def test_coupled_draws_do_not_depend_on_chunking(plans):
    _, plan = plans
    whole = plan.draw(5, 0, 3000)
    parts = np.vstack([plan.draw(5, 0, 1500), plan.draw(5, 1500, 2222), plan.draw(5, 2222, 3000)])
    assert np.array_equal(whole, parts)


def test_a_correlation_no_matrix_can_have_is_refused():
    # the three saliences above z's reference: rho must be at least -1/2
    with pytest.raises(InputError, match="positive semidefinite"):
        PerturbationPlan.build(_scenario(), correlation=Correlation(salience=-0.6))
    PerturbationPlan.build(_scenario(), correlation=Correlation(salience=-0.5))
    with pytest.raises(InputError, match=r"\[-1, 1\]"):
        Correlation(position=1.5)


def test_parse_correlation():
    assert parse_correlation(None) is None
    assert parse_correlation(["default"]) == DEFAULT_CORRELATION == Correlation(0.5, 0.3)
    assert parse_correlation(["salience=0.2"]) == Correlation(salience=0.2, position=0.3)
    assert parse_correlation(["salience=0", "position=-0.1"]) == Correlation(0.0, -0.1)
    with pytest.raises(InputError, match="cannot read correlation"):
        parse_correlation(["capability=0.2"])
    with pytest.raises(InputError):
        parse_correlation(["salience=2"])


def test_run_ensemble_records_the_correlation():
    sc = _scenario()
    res = run_ensemble(sc, "compromise", draws=2048, seed=1, correlation=RHO)
    summary = res.to_dict()
    assert summary["correlation"] == {
        "salience": 0.6,
        "position": -0.4,
        "groups": {"salience": 2, "position": 4},
    }
    free = run_ensemble(sc, "compromise", draws=2048, seed=1)
    assert free.to_dict()["correlation"] is None
    # the same plan with a correlation given to run_ensemble
    again = run_ensemble(sc, "compromise", draws=2048, seed=1, plan=free.plan, correlation=RHO)
    assert np.array_equal(again.outcomes, res.outcomes)
    assert not np.array_equal(free.outcomes, res.outcomes)


def test_cli_correlation_in_json_and_header():
    env = {
        "DETENTE_HOME": os.environ["DETENTE_HOME"],
        "PATH": "/usr/bin:/bin",
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }
    base = [sys.executable, "-m", "detente", "ensemble", "us-russia-reset", "-n", "2048",
            "--workers", "1", "-t", "reset", "--no-record", "-q"]  # fmt: skip
    p = subprocess.run(
        [*base, "--correlation", "salience=0.4", "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    corr = json.loads(p.stdout)["correlation"]
    assert corr["salience"] == 0.4 and corr["position"] == 0.3
    assert corr["groups"]["salience"] > 0 and corr["groups"]["position"] > 0
    p = subprocess.run(
        [*base, "--correlation", "default"], capture_output=True, text=True, env=env, timeout=120
    )
    assert p.returncode == 0, p.stderr
    assert "copula salience=0.5" in p.stdout and "position=0.3" in p.stdout
    p = subprocess.run(
        [*base, "--correlation", "colour=1"], capture_output=True, text=True, env=env, timeout=120
    )
    assert p.returncode == 2 and "cannot read correlation" in p.stderr
