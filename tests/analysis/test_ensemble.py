"""Ensembles: reproducible draws, batch = per-draw forecasts, summaries, files, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cli_runner import run_detente
from detente.analysis.ensemble import QUANTILES, pool_size, run_ensemble
from detente.analysis.perturb import BLOCK, PerturbationPlan, Spread
from detente.errors import InputError
from detente.forecasts import Forecast
from detente.models.base import Model, make_forecast
from detente.models.compromise import weighted_mean
from detente.scenario import Issue, Scenario
from detente.targets import parse_target

#: zero spread for every field: only the scenario's own ranges vary
NO_SPREAD = {f: Spread(0) for f in ("position", "salience", "capability")}


class _Noisy(Model):
    """A stochastic test model: the weighted mean plus noise drawn from its seed."""

    name = "noisy"
    stochastic = True

    def __init__(self) -> None:
        pass

    def forecast(self, scenario: Scenario, *, seed: int | None = None) -> Forecast:
        arr = scenario.arrays()
        out = weighted_mean(arr.position, arr.salience, arr.capability, arr.present)
        out = out + np.random.default_rng(seed).normal(size=out.shape)
        return make_forecast(self, scenario, arr.position[None], out, seed=seed)

    def outcome_batch(
        self, position, salience, capability, present, low, high, *, seed=None, scenario=None
    ):
        out = weighted_mean(position, salience, capability, present)
        return out + np.random.default_rng(seed).normal(size=out.shape)


class _Broken(Model):
    name = "broken"

    def __init__(self) -> None:
        pass

    def forecast(self, scenario, *, seed=None):  # pragma: no cover - not called
        raise AssertionError

    def outcome_batch(
        self, position, salience, capability, present, low, high, *, seed=None, scenario=None
    ):
        out = weighted_mean(position, salience, capability, present)
        if len(out) > 3:  # the single-draw probe passes
            out[3, 0] = np.nan
        return out


@pytest.fixture
def tiny_ref(tiny) -> Scenario:
    """tiny with a reference point on both issues (for the 'reset' target)."""
    return tiny.replace(issues=(Issue(id="x", reference=50.0), Issue(id="y", reference=40.0)))


# ------------------------------------------------------------------------ library
def test_batch_equals_forecast_per_draw(tiny):
    """The vectorised kernel and one forecast per draw agree (to 1e-12 scale points)."""
    for model in ("compromise", "median"):
        a = run_ensemble(tiny, model, draws=300, seed=5)
        b = run_ensemble(tiny, model, draws=300, seed=5, batch=False)
        assert a.batch and not b.batch
        np.testing.assert_allclose(a.outcomes, b.outcomes, rtol=0, atol=1e-12)


def test_every_batch_model_agrees_with_its_forecast(tiny):
    """Each registered deterministic model's batch kernel agrees with its own forecast per
    draw to 1e-9 scale points; on the bundled scenario (with linkages) it agrees, or the
    run carries a note that the kernel does not apply the linkages."""
    from detente.models import available, get_model
    from detente.scenarios import load_bundled

    sc = load_bundled("us-russia-reset")
    for name in available():
        m = get_model(name)
        if m.stochastic:
            continue
        for s in (tiny, sc):
            a = run_ensemble(s, m, draws=4, seed=2)
            b = run_ensemble(s, m, draws=4, seed=2, batch=False)
            gap = float(np.max(np.abs(a.outcomes - b.outcomes)))
            if s is sc and a.notes:
                assert "linkages" in a.notes[0]
                continue
            assert gap <= 1e-9, (name, s.id, gap)


def test_same_seed_same_numbers_any_chunking(tiny):
    base = run_ensemble(tiny, "compromise", draws=2500, seed=11, targets=["x <= 40"])
    for chunk in (BLOCK, 2 * BLOCK, 10**6):
        other = run_ensemble(
            tiny, "compromise", draws=2500, seed=11, targets=["x <= 40"], chunk_size=chunk
        )
        np.testing.assert_array_equal(other.outcomes, base.outcomes)
        np.testing.assert_array_equal(other.met, base.met)
    diff = run_ensemble(tiny, "compromise", draws=2500, seed=12)
    assert not np.array_equal(diff.outcomes, base.outcomes)


@pytest.mark.parametrize("scenario", ["tiny", "bundled"])
def test_compiled_fill_gives_the_numpy_numbers_to_the_last_bit(tiny, scenario):
    """Chunks of at least COMPILED_MIN_DRAWS draws fill their blocks in one compiled pass
    (numba), smaller ones in NumPy: the same inputs, outcomes and targets, bit for bit,
    including a last partial block and inputs censored at their scale ends."""
    from detente.analysis import _fill
    from detente.analysis.perturb import COMPILED_MIN_DRAWS
    from detente.scenarios import DEFAULT_SCENARIO, load_bundled

    if not _fill.ENABLED:
        pytest.skip("numba is not installed or DETENTE_NO_NUMBA is set")
    sc = tiny if scenario == "tiny" else load_bundled(DEFAULT_SCENARIO)
    plan = PerturbationPlan.build(sc)
    assert plan.compiled(COMPILED_MIN_DRAWS) and not plan.compiled(COMPILED_MIN_DRAWS - 1)
    assert any(u.draw_low < u.valid_low or u.draw_high > u.valid_high for u in plan.inputs)
    n = COMPILED_MIN_DRAWS + 300
    kw = {"draws": n, "seed": 5, "plan": plan, "targets": ["reset"], "keep_inputs": True}
    if scenario == "tiny":
        kw["targets"] = ["x <= 40"]
    fast = run_ensemble(sc, "compromise", chunk_size=n, **kw)
    slow = run_ensemble(sc, "compromise", chunk_size=BLOCK, **kw)
    np.testing.assert_array_equal(fast.inputs, slow.inputs)
    np.testing.assert_array_equal(fast.inputs, plan.draw(5, 0, n))
    np.testing.assert_array_equal(fast.outcomes, slow.outcomes)
    np.testing.assert_array_equal(fast.met, slow.met)
    lean = run_ensemble(sc, "compromise", chunk_size=n, **{**kw, "keep_inputs": False})
    np.testing.assert_array_equal(lean.outcomes, slow.outcomes)


def test_batch_kernels_do_not_write_their_inputs():
    """The ensemble reuses its work arrays from block to block and writes only the
    uncertain cells (PerturbationPlan.apply(fill=False)): every batch kernel must leave
    the arrays it is given as they were."""
    from detente.analysis.ensemble import has_batch
    from detente.models import available, get_model
    from detente.scenarios import DEFAULT_SCENARIO, load_bundled

    sc = load_bundled(DEFAULT_SCENARIO)
    plan = PerturbationPlan.build(sc)
    arrays = plan.apply(plan.draw(0, 0, 16))
    arr = sc.arrays()
    for name in available():
        model = get_model(name)
        if not has_batch(model):
            continue
        given = tuple(x.copy() for x in arrays)
        try:
            model.outcome_batch(*given, arr.present, arr.low, arr.high, seed=0, scenario=sc)
        except NotImplementedError:
            continue
        for x, y in zip(given, arrays, strict=True):
            np.testing.assert_array_equal(x, y, err_msg=name)


def test_stochastic_models_get_seeds_by_block_not_by_chunk(tiny):
    m = _Noisy()
    a = run_ensemble(tiny, m, draws=3 * BLOCK, seed=1, chunk_size=BLOCK)
    b = run_ensemble(tiny, m, draws=3 * BLOCK, seed=1, chunk_size=3 * BLOCK)
    np.testing.assert_array_equal(a.outcomes, b.outcomes)
    c = run_ensemble(tiny, m, draws=40, seed=1, batch=False)
    d = run_ensemble(tiny, m, draws=40, seed=1, batch=False, chunk_size=BLOCK)
    np.testing.assert_array_equal(c.outcomes, d.outcomes)
    # per-draw seeds differ between draws
    assert len({round(float(x), 9) for x in c.outcomes[:, 1] - c.outcomes[:, 1].mean()}) > 30


def test_first_draws_of_a_longer_run_are_the_shorter_run(tiny):
    short = run_ensemble(tiny, "compromise", draws=700, seed=3, keep_inputs=True)
    long = run_ensemble(tiny, "compromise", draws=2100, seed=3, keep_inputs=True)
    np.testing.assert_array_equal(long.inputs[:700], short.inputs)
    np.testing.assert_array_equal(long.outcomes[:700], short.outcomes)


def test_summaries_match_numpy(tiny_ref):
    r = run_ensemble(tiny_ref, "compromise", draws=3000, seed=0, targets=["x <= 35", "reset"])
    q = r.quantiles()
    np.testing.assert_array_equal(
        q.to_numpy(), np.percentile(r.outcomes, list(QUANTILES), axis=0).T
    )
    assert r.probabilities()["x <= 35"] == np.mean(r.outcomes[:, 0] <= 35)
    counts, edges = r.histogram("x", bins=4)
    assert counts.sum() == 3000 and list(edges) == [0, 25, 50, 75, 100]
    s = r.to_dict(bins=4)
    assert s["draws"] == 3000 and s["seed"] == 0 and s["model"] == "compromise"
    assert set(s["issues"][0]["quantiles"]) == {"5", "25", "50", "75", "95"}
    assert [t["expr"] for t in s["targets"]] == ["x <= 35", "reset"]
    assert json.dumps(s) == json.dumps(r.to_dict(bins=4))


def test_summary_text_names_the_band_and_the_targets(tiny_ref):
    r = run_ensemble(tiny_ref, "compromise", draws=200, seed=2, targets=["x <= 35"])
    text = r.summary()
    q = r.quantiles()
    assert text.splitlines()[0].startswith("compromise ensemble of tiny: 200 draws, seed 2")
    assert f"median {q.loc['x', 50]:.4g}" in text
    assert f"P(x <= 35) = {r.probabilities()['x <= 35']:.3f}" in text


def test_pool_size_is_capped_by_the_chunks_of_work():
    from detente.models import get_model

    batch, single = get_model("compromise"), get_model("exchange")
    assert pool_size(8, 10 * BLOCK, batch) == 8
    assert pool_size(8, BLOCK + 1, batch) == 2  # two blocks of draws: two chunks
    assert pool_size(8, 3, single) == 3  # one forecast a chunk
    assert pool_size(None, 1, batch) == 1
    assert pool_size(None, 10**6, single) == (os.cpu_count() or 1)


def test_reset_uses_each_draws_preferences(tiny_ref):
    """With the principals' inputs fixed, the per-draw reset test is Target.met; with
    them varying it is judged on each draw's own positions and saliences."""
    plan = PerturbationPlan.build(tiny_ref, {"position": Spread(20)}).select(actors=["c"])
    r = run_ensemble(tiny_ref, "compromise", draws=500, seed=0, plan=plan, targets=["reset"])
    target = parse_target("reset", tiny_ref)
    np.testing.assert_array_equal(r.met[:, 0], target.met(r.outcomes, tiny_ref))

    full = PerturbationPlan.build(tiny_ref, {"position": Spread(30)})
    r2 = run_ensemble(tiny_ref, "compromise", draws=2000, seed=0, plan=full, targets=["reset"])
    nominal = target.met(r2.outcomes, tiny_ref)
    assert (r2.met[:, 0] != nominal).any()


def test_nothing_uncertain_is_an_input_error(tiny):
    with pytest.raises(InputError, match="nothing in the scenario is uncertain"):
        run_ensemble(tiny, "compromise", draws=10, spread=NO_SPREAD)


@pytest.mark.parametrize(("kw", "where"), [({"draws": 0}, "--draws"), ({"seed": -1}, "--seed")])
def test_bad_counts(tiny, kw, where):
    with pytest.raises(InputError, match=where):
        run_ensemble(tiny, "compromise", **{"draws": 10, **kw})


def test_non_finite_model_output_is_reported_with_its_draw(tiny):
    with pytest.raises(RuntimeError, match="non-finite outcome on draw 3"):
        run_ensemble(tiny, _Broken(), draws=20)


def test_write_csv_and_parquet_and_refuse_overwrite(tiny, tmp_path):
    r = run_ensemble(tiny, "compromise", draws=50, seed=0, targets=["x <= 40"], keep_inputs=True)
    for name in ("draws.csv", "draws.parquet"):
        p = r.write(tmp_path / name)
        df = pd.read_csv(p) if name.endswith(".csv") else pd.read_parquet(p)
        assert len(df) == 50
        assert list(df.columns[:2]) == ["draw", "position:a:x"]
        np.testing.assert_allclose(df["outcome:x"], r.outcomes[:, 0], rtol=1e-15)
        assert df["target:x <= 40"].dtype == bool
        with pytest.raises(InputError, match="exists already"):
            r.write(p)
    with pytest.raises(InputError, match=r"\.parquet, \.pq or \.csv"):
        r.write(tmp_path / "draws.xlsx")


# ------------------------------------------------------------------------ CLI
def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run_detente(*args, timeout=timeout)


@pytest.fixture
def tiny_file(tiny, tmp_path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(tiny.model_dump(mode="json")))
    return p


def test_cli_json_is_byte_identical_across_runs_workers_and_chunks(tiny_file):
    args = ["ensemble", str(tiny_file), "-n", "3000", "--seed", "9", "-t", "x <= 40", "--json"]
    one = _cli(*args, "--workers", "1")
    assert one.returncode == 0, one.stderr
    again = _cli(*args, "--workers", "1")
    pool = _cli(*args, "--workers", "2", "--chunk-size", "1024")
    assert one.stdout == again.stdout == pool.stdout
    data = json.loads(one.stdout)
    assert data["draws"] == 3000 and data["seed"] == 9 and data["model"] == "compromise"
    assert {"mean", "quantiles", "histogram"} <= set(data["issues"][0])
    assert 0 < data["targets"][0]["probability"] < 1
    other = _cli(*args[:-3], "--seed", "10", "--json")
    assert json.loads(other.stdout)["issues"] != data["issues"]


def test_cli_out_writes_parquet_once(tiny_file, tmp_path):
    out = tmp_path / "d.parquet"
    args = ["ensemble", str(tiny_file), "-n", "200", "--out", str(out), "--quiet"]
    first = _cli(*args)
    assert first.returncode == 0, first.stderr
    assert len(pd.read_parquet(out)) == 200
    second = _cli(*args)
    assert second.returncode == 2
    assert "exists already" in second.stderr and "Traceback" not in second.stderr


@pytest.mark.parametrize(
    ("extra", "text"),
    [
        (["--spread", "weight=3"], "--spread"),
        (["-t", "zz <= 3"], "unknown issue"),
        (["--distribution", "cauchy"], "--distribution"),
        (["--model", "nope"], "unknown model"),
        (
            ["--spread", "position=0", "--spread", "salience=0", "--spread", "capability=0"],
            "nothing in the scenario is uncertain",
        ),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(tiny_file, extra, text, monkeypatch, capsys):
    """In-process through ``detente.cli.main`` (the subprocess path is tested above)."""
    from detente.cli import main

    monkeypatch.setattr(sys, "argv", ["detente", "ensemble", str(tiny_file), "-n", "10", *extra])
    with pytest.raises(SystemExit) as exc:
        main()
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert text in err and "Traceback" not in err


def test_the_point_forecast_lies_within_its_band_on_the_bundled_scenario():
    """With the default spreads each input is drawn symmetrically around its value and
    censored at its scale end, so the compromise forecast of the scenario as written lies
    inside the 5-95 % band of its ensemble on every issue (truncated draws put it outside,
    e.g. election interference at 6.7 against a band 7.9-15.4)."""
    from detente.analysis.ensemble import evaluate_values
    from detente.models import get_model
    from detente.scenarios import DEFAULT_SCENARIO, load_bundled

    sc = load_bundled(DEFAULT_SCENARIO)
    res = run_ensemble(sc, "compromise", draws=20 * BLOCK, seed=0)
    # the forecast of the scenario as written, by the same evaluation as the draws
    point = evaluate_values(get_model("compromise"), res.plan, res.plan.nominal[None])[0]
    q = res.quantiles()
    for k, iss in enumerate(sc.issue_ids):
        assert q.loc[iss, 5] <= point[k] <= q.loc[iss, 95], (iss, point[k], q.loc[iss].tolist())


def test_cli_spread_for_some_fields_keeps_the_default_of_the_others(tiny_file):
    """``--spread salience=0 --spread capability=0``: positions keep their default spread
    (the notice of the default says ``FIELD=0`` holds one field fixed)."""
    fixed = ["--spread", "salience=0", "--spread", "capability=0"]
    res = _cli("ensemble", str(tiny_file), "-n", "500", "--json", *fixed)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["spread"] == {"position": "10%", "salience": "0", "capability": "0"}
    assert data["uncertain_inputs"] == 5  # the five positions
    q = data["issues"][0]["quantiles"]
    assert q["5"] < q["95"]
    default = json.loads(_cli("ensemble", str(tiny_file), "-n", "500", "--json").stdout)
    assert default["uncertain_inputs"] == 5 + 5 + 3


@pytest.mark.parametrize(
    "args",
    [
        ["ensemble", "--chunk-size", "0"],
        ["ensemble", "--chunk-size", "-5"],
        ["ensemble", "--draws", "0"],
        ["ensemble", "--workers", "0"],
        ["ensemble", "--dask-local", "0"],
        ["ensemble", "--bins", "0"],
        ["sensitivity", "--samples", "0"],
        ["sensitivity", "--trajectories", "-1"],
        ["sensitivity", "--levels", "0"],
        ["sensitivity", "--top", "0"],
        ["sensitivity", "--workers", "-2"],
        ["discover", "--draws", "0"],
        ["discover", "--boxes", "0"],
        ["discover", "--max-inputs", "0"],
        ["discover", "--workers", "0"],
        ["ensemble", "--seed", "-1"],
        ["sensitivity", "--seed", "-1"],
        ["validate", "--bootstrap", "0"],
    ],
)
def test_cli_count_below_one_is_a_usage_error(args, monkeypatch, capsys):
    """Counts are checked by the command line itself: click's usage message, exit 2."""
    from detente.cli import main

    monkeypatch.setattr(sys, "argv", ["detente", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "Invalid value for" in err and args[1] in err, err
    assert "Traceback" not in err


def test_cli_ensemble_on_the_bundled_scenario():
    res = _cli("ensemble", "-n", "2000", "-t", "reset", "-t", "sanctions <= 50")
    assert res.returncode == 0, res.stderr
    assert "sanctions" in res.stdout and "reset" in res.stdout and "draws/s" in res.stdout
    assert "no --spread given" in res.stderr


@pytest.mark.parametrize("name", ["compromise", "median", "condorcet"])
def test_batch_kernels_apply_freeze_linkages(name):
    """Every closed-form batch kernel, through decided_outcome_batch, honours a freeze
    linkage as its forecast does."""
    from detente.models import get_model
    from detente.scenario import Actor, Condition, Effect, Issue, Linkage, Scenario, Stance

    sc = Scenario(
        actors=(Actor(id="a"), Actor(id="b", capability=2)),
        issues=(Issue(id="x", reference=50), Issue(id="y", reference=20)),
        stances=(
            Stance(actor="a", issue="x", position=10, salience=1),
            Stance(actor="b", issue="x", position=90, salience=0.5),
            Stance(actor="a", issue="y", position=30, salience=0.5),
            Stance(actor="b", issue="y", position=80, salience=1),
        ),
        linkages=(
            Linkage(
                id="f",
                when=Condition(issue="y", op=">", value=40),
                then=Effect(kind="freeze", issue="x"),
            ),
        ),
    )
    model = get_model(name)
    arr = sc.arrays()
    batch = model.decided_outcome_batch(
        arr.position[None],
        arr.salience[None],
        arr.capability[None],
        arr.present,
        arr.low,
        arr.high,
        scenario=sc,
    )[0]
    np.testing.assert_allclose(batch, model.forecast(sc).outcome, atol=1e-12)
    assert batch[0] == 50.0
