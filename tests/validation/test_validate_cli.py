"""``detente validate`` through a subprocess, as a user types it."""

from __future__ import annotations

import json

import pytest


def test_table_with_intervals(run_cli, hand_csv):
    code, out, err = run_cli(
        "validate",
        str(hand_csv),
        "--models",
        "compromise,median",
        "--capability",
        "equal",
        "--bootstrap",
        "200",
    )
    assert code == 0, err
    assert "issues with outcomes" in out
    assert "95% interval" in out and "MAE by legislative procedure" in out
    assert "22.50" in out and "37.50" in out and "+15.00" in out
    assert "Traceback" not in err


def test_json(run_cli, hand_csv):
    code, out, err = run_cli(
        "validate",
        str(hand_csv),
        "-m",
        "median",
        "-m",
        "compromise",
        "--capability",
        "equal",
        "--json",
        "--seed",
        "3",
        "--bootstrap",
        "200",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["dataset"] == str(hand_csv) and data["n_issues"] == 4 and data["seed"] == 3
    assert [m["model"] for m in data["models"]] == ["median", "compromise"]
    assert data["models"][0]["mae"] == pytest.approx(37.5, abs=1e-9)
    assert data["models"][0]["diff_vs_compromise"]["mean"] == pytest.approx(15.0, abs=1e-9)
    assert data["issues"][0] == {
        "id": "d01001i1",
        "outcome": 60.0,
        "forecasts": {"median": 50.0, "compromise": 50.0},
    }


def test_csv_and_chart_refuse_to_overwrite(run_cli, hand_csv, tmp_path):
    csv = tmp_path / "issues.csv"
    png = tmp_path / "errors.png"
    args = (
        "validate",
        str(hand_csv),
        "-m",
        "compromise",
        "--capability",
        "equal",
        "--bootstrap",
        "100",
    )
    code, _, err = run_cli(*args, "--out-csv", str(csv), "--chart", str(png))
    assert code == 0, err
    assert csv.exists() and png.exists()
    code, _, err = run_cli(*args, "--out-csv", str(csv))
    assert code == 2
    assert "exists already" in err and "Traceback" not in err


def test_missing_dataset_says_so(run_cli, tmp_path):
    code, out, err = run_cli("validate", str(tmp_path / "DEU2.csv"))
    assert code == 2
    assert "dataset file not found" in err and "DEU2.csv" in err
    assert "Traceback" not in err and out == ""
    # the hint points at the README's download instructions, not at a path of a checkout
    assert 'the README\'s section "Validation data"' in " ".join(err.split())
    assert "shared/data" not in err


def test_help_points_at_no_checkout_path(run_cli):
    code, out, err = run_cli("validate", "--help")
    assert code == 0, err
    assert "DEU2.csv" in out and "Validation data" in out
    assert "shared/data" not in out and "../" not in out


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--models", "nope"), "unknown model"),
        (("--commission", "lots"), "--commission"),
    ],
)
def test_bad_options_exit_2(run_cli, hand_csv, args, text):
    code, _, err = run_cli("validate", str(hand_csv), *args)
    assert code == 2
    assert text in err and "Traceback" not in err


def test_help_names_every_capability_measure(run_cli):
    """Every measure (and alias) ``--capability`` accepts is named in ``validate --help``."""
    import re

    from detente.power.capabilities import MEASURES, parse_measure

    code, out, err = run_cli("validate", "--help")
    assert code == 0, err
    words = set(re.findall(r"[a-z][a-z-]*[a-z]", out))
    assert {"shapley-computed", "banzhaf-computed"} <= set(MEASURES)
    for name in MEASURES:
        assert parse_measure(name) == MEASURES[name]
        assert name in words, f"{name} missing from validate --help"
