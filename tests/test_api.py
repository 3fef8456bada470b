"""The front door (``import detente as dt``): the snippet of the README runs as written, and
every result has its tables, its ``--json`` document and a readable summary."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import detente as dt
from cli_runner import run_detente
from detente.errors import InputError

#: two proposals of a DEU-format file: Commission, Parliament and two member states
DEU = """prnr,cod,prname,isnr,pcom,pep,pde,pfr,rp,out,scom,sep,sde,sfr
p01,2001/0001(COD),first,p01i1,100,0,40,60,0,55,50,50,80,20
p01,2001/0001(COD),first,p01i2,0,100,30,,20,35,100,80,60,0
p02,2002/0002(CNS),second,p02i1,80,,20,10,100,30,90,0,70,40
"""


@pytest.fixture
def deu_csv(tmp_path: Path) -> Path:
    p = tmp_path / "DEU.csv"
    p.write_text(DEU, encoding="utf-8")
    return p


def test_the_snippet_runs_as_written(deu_csv):
    s = dt.load("us-russia-reset")
    f = dt.forecast(s, "expected_utility", seed=0)
    runs = dt.forecast_all(s)
    e = dt.ensemble(s, "compromise", draws=10_000, seed=1, targets=["reset"])
    a = dt.agree(s, "united_states", "russia")
    w = dt.what_it_takes(s, ["sanctions <= 30"], model="compromise", movable=["russia:position"])
    v = dt.validate(str(deu_csv), models=["compromise", "detente"])

    assert isinstance(s, dt.Scenario) and s.id == "us-russia-reset"
    assert isinstance(f, dt.Forecast) and f.model == "expected_utility" and f.seed == 0
    assert isinstance(runs, dt.Comparison)
    assert runs.models == dt.models.registry.defaults_for(s)[0] and not runs.errors
    assert isinstance(e, dt.EnsembleResult) and e.draws == 10_000 and e.seed == 1
    assert [t.expr for t in e.targets] == ["reset"]
    assert isinstance(a, dt.Agreement) and a.parties == ("united_states", "russia")
    assert isinstance(w, dt.WhatItTakes) and w.targets == ["sanctions <= 30"]
    assert isinstance(v, dt.ValidationResult) and v.models == ["compromise", "detente"]

    for result in (f, runs, e, a, w, v):
        frames = result.to_frames() if hasattr(result, "to_frames") else {}
        assert isinstance(result.to_frame(), pd.DataFrame), type(result).__name__
        assert all(isinstance(t, pd.DataFrame) for t in frames.values())
        json.dumps(result.to_dict(), allow_nan=False)  # plain JSON, no NaN
        text = result.summary()
        assert isinstance(text, str) and text.strip(), type(result).__name__


def test_forecast_plot_and_tables():
    f = dt.forecast("us-russia-reset", "expected_utility", seed=0)
    ax = f.plot("minsk")
    assert ax.get_title() == "expected_utility: minsk"
    assert set(f.to_frame().columns) == {"model", "round", "actor", "issue", "position"}
    assert "minsk" in f.summary()


def _cli(*args: str) -> dict:
    proc = run_detente(*args, "--json", timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _plain(d: dict) -> dict:
    """What ``--json`` prints (non-finite numbers as null), for comparison."""
    return json.loads(json.dumps(d, default=float).replace("NaN", "null"))


def test_to_dict_is_what_the_command_prints():
    s = dt.load("us-russia-reset")
    run = dt.forecast_all(s, ["compromise", "median"], seed=2).to_dict()
    assert _cli("run", "us-russia-reset", "-m", "compromise", "-m", "median", "--seed", "2") == (
        _plain(run)
    )
    agree = dt.agree(s).to_dict()
    assert _cli("agree", "us-russia-reset", "--no-record") == _plain(agree)
    w = dt.what_it_takes(s, ["minsk >= 60"], movable=["russia:position"], persuade=True)
    cmd = ["what-it-takes", "us-russia-reset", "-t", "minsk >= 60", "--movable", "russia:position"]
    assert _cli(*cmd, "--no-record") == _plain(w.to_dict())


def test_one_convention_for_scenarios_models_params_and_seeds():
    s = dt.load("us-russia-reset")
    by_name = dt.forecast(s, "expected_utility", params={"rounds": 3}, seed=0)
    model = dt.models.get_model("expected_utility")
    by_object = dt.forecast("us-russia-reset", model, params={"rounds": 3}, seed=0)
    assert by_name.params["rounds"] == by_object.params["rounds"] == 3
    assert by_name.outcomes() == by_object.outcomes()
    runs = dt.forecast_all(s, ["compromise", model], params={"expected_utility": {"rounds": 3}})
    assert runs["expected_utility"].outcomes() == by_name.outcomes()
    e1 = dt.ensemble(s, model, params={"rounds": 2}, draws=20, seed=4, spread=["position=5%"])
    e2 = dt.ensemble(
        s, "expected_utility", params={"rounds": 2}, draws=20, seed=4, spread=["position=5%"]
    )
    assert (e1.outcomes == e2.outcomes).all() and e1.params["rounds"] == 2
    variant = s.variants[0].id
    assert dt.load(f"us-russia-reset@{variant}") == dt.load("us-russia-reset", variant=variant)


def test_load_a_file_and_bad_input(tmp_path):
    from detente.scenarios import bundled_file

    path = tmp_path / "reset.yaml"
    path.write_text(bundled_file("us-russia-reset").read_text(encoding="utf-8"), encoding="utf-8")
    assert dt.load(path).input_hash() == dt.load("us-russia-reset").input_hash()
    with pytest.raises(InputError, match="no bundled scenario or file named 'nowhere'"):
        dt.load("nowhere")
    with pytest.raises(InputError, match="name both parties"):
        dt.agree("us-russia-reset", "russia")


def test_names_are_the_functions_and_subpackages_are_attributes():
    import detente.forecasts  # noqa: F401  (a submodule import must not hide the function)
    from detente.analysis import what_it_takes

    assert callable(dt.forecast) and dt.forecast.__module__ == "detente.api"
    assert what_it_takes is dt.analysis.requirements.what_it_takes
    for name in ("models", "analysis", "validation", "io", "report", "bargaining"):
        assert getattr(dt, name).__name__ == f"detente.{name}"
    assert set(dt.__all__) <= set(dir(dt))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        dt.nothing  # noqa: B018


@pytest.mark.parametrize(
    "module", ["detente.api", "detente.comparison", "detente.bargaining", "detente.analysis.reset"]
)
def test_the_examples_in_the_docstrings(module):
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.attempted >= 2 and res.failed == 0
