"""Several models on one scenario: the library's run_models and its Comparison."""

from __future__ import annotations

import json

import pytest

from detente.comparison import run_models
from detente.errors import InputError
from detente.models import Model, get_model, registry


def test_results_exports(tiny):
    res = run_models(tiny, ["compromise", "median"], seed=3)
    assert res.models == ["compromise", "median"] and res.errors == {}
    lines = res.to_csv().strip().splitlines()
    assert lines[0] == "model,issue,outcome,reference"
    assert len(lines) == 1 + 2 * 2
    doc = json.loads(res.to_json())
    assert doc["scenario"] == "tiny" and doc["seed"] == 3
    assert doc["input_hash"] == tiny.input_hash()
    assert [f["model"] for f in doc["forecasts"]] == ["compromise", "median"]
    traj = res.trajectories_frame()
    assert len(traj) == 2 * len(tiny.stances)  # closed form: one round (the input)


def test_the_wide_table_holds_each_model_s_outcome(tiny):
    res = run_models(tiny, ["compromise", "median"], seed=0)
    t = res.to_frame().set_index("issue")
    assert list(t.columns) == ["name", "reference", "compromise", "median"]
    for f in res:
        for k, iss in enumerate(tiny.issue_ids):
            assert t.loc[iss, f.model] == float(f.outcome[k])
    assert res["median"] is res.forecasts[1]
    with pytest.raises(KeyError, match="median"):
        res["exchange"]


def test_to_dict_is_the_run_json(tiny):
    res = run_models(tiny, ["compromise"], seed=1)
    d = res.to_dict()
    assert d["scenario"] == "tiny" and d["seed"] == 1
    (entry,) = d["forecasts"]
    assert entry["model"] == "compromise"
    assert [i["id"] for i in entry["issues"]] == ["x", "y"]
    assert set(entry["issues"][0]) == {"id", "outcome", "reference", "trajectory"}
    assert "events" not in entry and "events" in res.to_dict(trace=True)["forecasts"][0]
    text = res.summary()
    assert "compromise" in text and "x (reference 50)" in text


def test_models_by_object_with_params(tiny):
    model = get_model("compromise")
    res = run_models(tiny, [model], seed=0)
    assert res.models == ["compromise"]
    assert res.forecasts[0].outcome_of("x") == get_model("compromise").forecast(tiny).outcome_of(
        "x"
    )


def test_every_model_by_default(tiny):
    res = run_models(tiny, seed=0)
    expected, skipped = registry.defaults_for(tiny)
    assert res.errors == {} and res.models == expected
    assert res.skipped == skipped


def test_unknown_model_is_an_input_error(tiny):
    with pytest.raises(InputError, match="unknown model"):
        run_models(tiny, ["no_such_model"])


def test_a_failing_model_does_not_stop_the_others(tiny, monkeypatch):
    class Broken(Model):
        name = "broken"

        def __init__(self) -> None:
            pass

        def forecast(self, scenario, *, seed=None):
            raise RuntimeError("division by nothing")

    monkeypatch.setitem(registry._REGISTRY, "broken", Broken)
    res = run_models(tiny, ["broken", "compromise"])
    assert res.models == ["compromise"]
    assert res.errors == {
        "broken": "the model failed on this scenario (RuntimeError: division by nothing)"
    }
    with pytest.raises(RuntimeError, match="division by nothing"):
        run_models(tiny, ["broken"], keep_going=False)


def test_progress_hears_each_model(tiny):
    heard: list[tuple[str, float]] = []
    run_models(tiny, ["compromise", "median"], progress=lambda m, s, _l: heard.append((m, s)))
    assert ("compromise", 1.0) in heard and ("median", 1.0) in heard
