"""``detente validate`` says whether the ``detente`` forecaster's figures are in-sample: it
was chosen on the DEU II development file, recognised by its SHA-256."""

from __future__ import annotations

import json
import shutil

from detente.models.forecaster import DEVELOPMENT_SHA256, in_sample_note, is_development_file


def test_development_file_recognised_by_its_bytes(shared_data, tmp_path):
    dev = shared_data / "deu2" / "DEU2.csv"
    copy = tmp_path / "renamed.csv"
    shutil.copyfile(dev, copy)
    assert is_development_file(copy)  # the name does not matter, the bytes do
    in_sample, text = in_sample_note(copy)
    assert in_sample and "in-sample" in text and DEVELOPMENT_SHA256[:12] in text
    copy.write_bytes(dev.read_bytes() + b"\n")
    assert not is_development_file(copy)
    assert in_sample_note(copy)[0] is False


def test_other_file_is_said_to_be_another_file(hand_csv, run_cli):
    code, out, err = run_cli(
        "validate", str(hand_csv), "-m", "detente", "--capability", "equal", "--json",
        "--no-record",
    )  # fmt: skip
    assert code == 0, err
    entry = next(m for m in json.loads(out)["models"] if m["model"] == "detente")
    assert entry["in_sample"] is False
    assert "detente was chosen on the DEU II development data" in " ".join(err.split())
    code, out, err = run_cli(
        "validate", str(hand_csv), "-m", "compromise", "--capability", "equal", "--no-record"
    )
    assert code == 0, err
    assert "chosen on" not in err  # no note without detente


def test_development_file_tables_label_detente_in_sample(shared_data, run_cli):
    code, out, err = run_cli(
        "validate", str(shared_data / "deu2" / "DEU2.csv"), "-m", "detente", "--no-record",
        "--bootstrap", "200",
    )  # fmt: skip
    assert code == 0, err
    assert "its figures here are in-sample" in " ".join(err.split())
    # every table that names detente names it so
    assert out.count("detente (in-sample)") >= 3
    assert "detente " not in out.replace("detente (in-sample)", "")


def test_the_library_result_says_in_sample_as_the_cli_does(shared_data, hand_csv, tmp_path):
    """ValidationResult owns the label: its summary(), to_dict() (= the --json) and the
    CLI's tables agree; other models carry no label."""
    import detente as dt

    dev = dt.validate(shared_data / "deu2" / "DEU2.csv", models=["compromise", "detente"])
    assert dev.in_sample == {"detente": True}
    assert "detente (in-sample): MAE" in dev.summary() and "note: detente was chosen" in (
        dev.summary()
    )
    entries = {m["model"]: m for m in dev.to_dict()["models"]}
    assert entries["detente"]["in_sample"] is True and "in_sample" not in entries["compromise"]
    other = dt.validate(hand_csv, models=["compromise", "detente"], capability="equal")
    assert other.in_sample == {"detente": False}
    assert "(in-sample)" not in other.summary()
