"""The shared safe writer: never an input of the run (by name, through links, or as a hard
link), never through a symbolic link, atomic, and the old file intact when a write fails."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from detente.errors import InputError
from detente.io import load_scenario, save_scenario
from detente.io.safe_write import (
    check_output,
    forget_inputs,
    input_files,
    register_input,
    write_output,
)
from detente.io.table import write_csv, write_xlsx
from detente.report.html import write_report

YAML = """\
id: t
actors:
  - {id: alpha, capability: 1}
  - {id: beta, capability: 2}
issues:
  - {id: trade, reference: 50}
stances:
  - {actor: alpha, issue: trade, position: 10, salience: 0.5}
  - {actor: beta, issue: trade, position: 90, salience: 0.5}
"""


@pytest.fixture(autouse=True)
def _fresh_registry():
    forget_inputs()
    yield
    forget_inputs()


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "in.yaml"
    path.write_text(YAML, encoding="utf-8")
    return path


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if ".tmp" in p.name]


def test_new_file_is_written(tmp_path):
    out = write_output(tmp_path / "a.txt", "hello")
    assert out.read_text() == "hello"
    assert _leftovers(tmp_path) == []


def test_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        out = write_output(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_existing_file_refused_without_overwrite(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    with pytest.raises(InputError, match="exists already"):
        write_output(path, "new")
    assert path.read_text() == "old"
    write_output(path, "new", overwrite=True)
    assert path.read_text() == "new"


def test_overwrite_keeps_the_permission_bits(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    path.chmod(0o600)
    write_output(path, "new", overwrite=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_input_file_refused_even_with_overwrite(scenario_file):
    load_scenario(scenario_file)  # the reader registers it
    assert scenario_file.resolve() in input_files()
    with pytest.raises(InputError) as exc:
        write_output(scenario_file, "<html>", overwrite=True, where="-o")
    assert "the output path is the input file" in exc.value.problem
    assert "not even --force" in exc.value.allowed
    assert scenario_file.read_text() == YAML


def test_explicit_input_refused(tmp_path):
    src = tmp_path / "data.csv"
    src.write_text("a,b\n")
    with pytest.raises(InputError, match="input file"):
        write_output(src, "x", inputs=[src], overwrite=True)
    assert src.read_text() == "a,b\n"


def test_symlink_at_output_refused(scenario_file, tmp_path):
    load_scenario(scenario_file)
    link = tmp_path / "out.html"
    link.symlink_to(scenario_file.name)
    for overwrite in (False, True):
        with pytest.raises(InputError, match="symbolic link"):
            write_output(link, "<html>", overwrite=overwrite)
    assert link.is_symlink() and scenario_file.read_text() == YAML


def test_dangling_symlink_refused(tmp_path):
    link = tmp_path / "out.html"
    link.symlink_to(tmp_path / "elsewhere.html")
    with pytest.raises(InputError, match="symbolic link"):
        write_output(link, "x")
    assert not (tmp_path / "elsewhere.html").exists()


def test_symlink_to_an_unrelated_file_refused_too(tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep")
    link = tmp_path / "out.txt"
    link.symlink_to(target)
    with pytest.raises(InputError, match="symbolic link"):
        write_output(link, "x", overwrite=True)
    assert target.read_text() == "keep"


def test_input_reached_through_a_linked_folder_refused(scenario_file, tmp_path):
    load_scenario(scenario_file)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "up").symlink_to(tmp_path)
    with pytest.raises(InputError, match="through links"):
        write_output(sub / "up" / "in.yaml", "x", overwrite=True)
    assert scenario_file.read_text() == YAML


def test_hard_link_of_an_input_refused(scenario_file, tmp_path):
    load_scenario(scenario_file)
    hard = tmp_path / "hard.html"
    os.link(scenario_file, hard)
    with pytest.raises(InputError, match="hard link"):
        write_output(hard, "<html>", overwrite=True)
    assert scenario_file.read_text() == YAML


def test_directory_and_missing_folder(tmp_path):
    with pytest.raises(InputError, match="directory"):
        write_output(tmp_path, "x", overwrite=True)
    with pytest.raises(InputError, match="does not exist"):
        write_output(tmp_path / "no" / "a.txt", "x")


def test_failed_write_leaves_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("old")

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_output(path, broken, overwrite=True)
    assert path.read_text() == "old"
    assert _leftovers(tmp_path) == []


def test_os_errors_become_input_errors(tmp_path):
    def full_disk(tmp):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(InputError) as exc:
        write_output(tmp_path / "a.csv", full_disk)
    assert exc.value.problem == f"cannot write the file ({os.strerror(errno.ENOSPC)})"
    assert _leftovers(tmp_path) == [] and not (tmp_path / "a.csv").exists()


def test_writer_function_gets_the_suffix(tmp_path):
    seen = []

    def writer(tmp):
        seen.append(tmp.suffix)
        tmp.write_bytes(b"PK")

    write_output(tmp_path / "a.xlsx", writer)
    assert seen == [".xlsx"] and (tmp_path / "a.xlsx").read_bytes() == b"PK"


def test_check_output_alone(tmp_path, scenario_file):
    assert check_output(tmp_path / "new.html") == tmp_path / "new.html"
    register_input(scenario_file)
    with pytest.raises(InputError):
        check_output(scenario_file, overwrite=True)


# ----------------------------------------------------------------------------- the writers
def test_save_scenario_never_replaces_its_input(scenario_file, tmp_path):
    sc = load_scenario(scenario_file)
    with pytest.raises(InputError, match="input file"):
        save_scenario(sc, scenario_file, overwrite=True)
    assert scenario_file.read_text() == YAML
    out = save_scenario(sc, tmp_path / "copy.yaml")
    with pytest.raises(InputError, match="overwrite=True"):
        save_scenario(sc, out)
    save_scenario(sc, out, overwrite=True)
    assert load_scenario(out) == sc


def test_table_writers_never_replace_an_input(scenario_file, tmp_path):
    sc = load_scenario(scenario_file)
    for write in (write_csv, write_xlsx):
        with pytest.raises(InputError, match="input file"):
            write(sc, scenario_file)
    assert scenario_file.read_text() == YAML
    link = tmp_path / "t.csv"
    link.symlink_to(scenario_file)
    with pytest.raises(InputError, match="symbolic link"):
        write_csv(sc, link)
    assert write_csv(sc, tmp_path / "ok.csv").exists()


def test_write_report_refuses_inputs_and_links(scenario_file, tmp_path):
    with pytest.raises(InputError, match="input file"):
        write_report(scenario_file, "<html>", force=True, inputs=[scenario_file])
    link = tmp_path / "r.html"
    link.symlink_to(scenario_file)
    with pytest.raises(InputError, match="symbolic link"):
        write_report(link, "<html>", force=True)
    assert scenario_file.read_text() == YAML
    assert write_report(tmp_path / "ok.html", "<html>").read_text() == "<html>"
