"""``detente run`` through a subprocess, as a user types it."""

from __future__ import annotations

import json

import pytest


def test_default_run_prints_the_forecast_table(cli):
    code, out, err = cli("run", "--model", "compromise", "--model", "median")
    assert code == 0, err
    assert "forecast outcome per issue" in out
    assert "regime_change_assurances" in out  # issue rows, not cut in a pipe
    assert "loss (−) of United States" in out and "loss (−) of Russia" in out
    assert "…" not in out
    assert "Traceback" not in err


def test_json_shape(cli):
    code, out, err = cli("run", "us-russia-reset", "--model", "compromise", "--json", "--seed", "4")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"scenario", "seed", "forecasts"}
    assert data["scenario"] == "us-russia-reset" and data["seed"] == 4
    (fc,) = data["forecasts"]
    assert set(fc) == {"model", "params", "issues"}
    issue = fc["issues"][0]
    assert set(issue) == {"id", "outcome", "reference", "trajectory"}
    assert isinstance(issue["trajectory"]["united_states"], list)


def test_variant_changes_the_forecast(cli):
    _, base, _ = cli("run", "--model", "compromise", "--json")
    _, var, _ = cli("run", "--model", "compromise", "--json", "--variant", "spheres_trade")
    out = {i["id"]: i["outcome"] for i in json.loads(base)["forecasts"][0]["issues"]}
    out_v = {i["id"]: i["outcome"] for i in json.loads(var)["forecasts"][0]["issues"]}
    assert out != out_v


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("run", "no-such-thing"), "no bundled scenario or file named 'no-such-thing'"),
        (("run", "--model", "nope"), "unknown model 'nope'"),
        (("run", "--param", "compromise"), "is not of the form MODEL.KEY=VALUE"),
        (("run", "--model", "compromise", "--param", "compromise.k=1"), "has no parameter 'k'"),
        (("run", "--variant", "nope"), "unknown variant 'nope'"),
    ],
)
def test_bad_input_exit_2_no_traceback(cli, args, text):
    code, _out, err = cli(*args)
    assert code == 2
    assert text in err
    assert "Traceback" not in err


def test_malformed_decide_file(cli, shared_data):
    path = shared_data / "reference_cases" / "decide_copenhagen_with_errors.csv"
    code, _out, err = cli("run", str(path), "--model", "compromise")
    assert code == 2
    assert "decide_copenhagen_with_errors.csv" in err
    assert "Traceback" not in err


def test_every_reference_case_runs_as_json(cli, shared_data):
    cases = sorted(
        p for p in (shared_data / "reference_cases").iterdir() if "with_errors" not in p.name
    )
    assert len(cases) >= 8
    for path in cases:
        code, out, err = cli("run", str(path), "--model", "compromise", "--json")
        assert code == 0, (path.name, err)
        data = json.loads(out)
        assert data["forecasts"][0]["issues"], path.name


def test_ctrl_c_is_one_line_and_exit_130():
    """SIGINT during a long run: 'interrupted' on stderr, status 130, no traceback."""
    import signal
    import subprocess
    import sys
    import time

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "detente",
            "run",
            "--model",
            "exchange",
            "--param",
            "exchange.rounds=10000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(6)  # past start-up (~1 s), inside the rounds (the whole run takes ~15 s)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err


def test_run_scores_observed_outcomes_against_the_status_quo(cli, tmp_path):
    path = tmp_path / "retro.yaml"
    path.write_text(
        """id: retro
actors:
  - {id: a, capability: 3}
  - {id: b, capability: 1}
  - {id: c, capability: 1}
issues:
  - {id: x, reference: 50, outcome: 60, outcome_date: 2021-12-31, outcome_source: coded}
  - {id: y, reference: 20, outcome: 30}
stances:
  - {actor: a, issue: x, position: 80, salience: 1}
  - {actor: b, issue: x, position: 30, salience: 1}
  - {actor: c, issue: x, position: 90, salience: 1}
  - {actor: a, issue: y, position: 80, salience: 1}
  - {actor: b, issue: y, position: 30, salience: 1}
  - {actor: c, issue: y, position: 90, salience: 1}
"""
    )
    code, out, err = cli("run", str(path), "-m", "compromise", "--json")
    assert code == 0, err
    retro = json.loads(out)["retrospective"]
    assert retro["status_quo"]["mae"] == pytest.approx(10.0)
    (comp,) = retro["models"]
    # compromise forecasts 72 on both issues: errors 12 and 42
    assert comp["error"] == pytest.approx({"x": 12.0, "y": 42.0})
    assert comp["mae_vs_status_quo"] == pytest.approx(17.0)
    assert retro["issues"][0]["date"] == "2021-12-31"
    code, out, err = cli("run", str(path), "-m", "compromise")
    assert code == 0, err
    assert "error against the observed outcome" in out
    assert "no model beats the status quo" in out


def test_validate_scores_a_scenario_with_outcomes_and_refuses_one_without(cli, tmp_path):
    path = tmp_path / "retro.yaml"
    path.write_text(
        """id: retro
actors: [{id: a, capability: 3}, {id: b}]
issues: [{id: x, reference: 50, outcome: 60}]
stances:
  - {actor: a, issue: x, position: 80, salience: 1}
  - {actor: b, issue: x, position: 20, salience: 1}
"""
    )
    code, out, err = cli("validate", str(path), "-m", "compromise", "--json", "--no-record")
    assert code == 0, err
    data = json.loads(out)
    # compromise: (3 x 80 + 20) / 4 = 65, error 5 against the status quo's 10
    assert data["models"][0]["error"]["x"] == pytest.approx(5.0)
    assert data["status_quo"]["mae"] == pytest.approx(10.0)
    code, _, err = cli("validate", "us-russia-reset", "-m", "compromise", "--no-record")
    assert code == 2 and "no issue carries an observed outcome" in err
