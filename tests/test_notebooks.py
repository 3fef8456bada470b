"""The tutorial notebooks run from top to bottom on a Jupyter kernel of this Python.

Each notebook is executed from a copy in a temporary folder (its working directory), with
Jupyter's and IPython's own files kept there too, so that nothing is written into the
repository or the user's home; the run store goes to the test's ``DETENTE_HOME``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "docs" / "notebooks").glob("*.ipynb"))
#: seconds any one cell may take (the slowest, an ensemble, takes a few)
CELL_TIMEOUT = 300


def test_the_tutorials_are_there() -> None:
    assert {p.name for p in NOTEBOOKS} == {"reset.ipynb", "spreadsheet.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    copy = work / path.name
    shutil.copy(path, copy)
    # a kernel spec that starts this very interpreter, found before any other
    spec = tmp_path / "jupyter" / "kernels" / "detente-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "detente test", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    home = os.environ["DETENTE_HOME"]  # set by the autouse fixture; the kernel inherits it
    for var, sub in (
        ("JUPYTER_PATH", "jupyter"),
        ("JUPYTER_DATA_DIR", "jupyter"),
        ("JUPYTER_CONFIG_DIR", "jupyter-config"),
        ("JUPYTER_RUNTIME_DIR", "jupyter-runtime"),
        ("IPYTHONDIR", "ipython"),
        ("MPLCONFIGDIR", "matplotlib"),
        ("TMPDIR", "tmp"),
    ):
        (tmp_path / sub).mkdir(exist_ok=True)
        monkeypatch.setenv(var, str(tmp_path / sub))
    monkeypatch.setenv("DETENTE_HOME", home)
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    nb = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="detente-test",
        resources={"metadata": {"path": str(work)}},
    )
    client.execute()  # raises CellExecutionError naming the cell on any error

    # every code cell ran and none printed a traceback
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out
    # nothing written beside the notebook, and the notebook's own temporary files removed
    assert sorted(p.name for p in work.iterdir()) == [path.name]
    assert list((tmp_path / "tmp").iterdir()) == []
