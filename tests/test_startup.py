"""Start-up: ``import detente``, the CLI's help and a plain run import no heavy library.

Each check runs in a fresh interpreter (a module imported by another test would hide a
regression) and lists the heavy modules it finds in ``sys.modules``.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys

import pytest

#: libraries that cost tenths of a second to import, needed only by some commands
HEAVY = (
    "pandas",
    "plotly",
    "scipy",
    "SALib",
    "numba",
    "dask",
    "streamlit",
    "matplotlib",
    "openpyxl",
    "pyarrow",
)

_PROBE = """
import sys
{code}
heavy = {heavy!r}
print("LOADED", sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy)))
"""


def _loaded(code: str) -> list[str]:
    """Heavy top-level modules in ``sys.modules`` after running ``code`` in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE.format(code=code, heavy=HEAVY)],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "100",
            "NO_COLOR": "1",
            "DETENTE_HOME": os.environ["DETENTE_HOME"],  # a temporary run store
        },
    )
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("LOADED"))
    return json.loads(line.removeprefix("LOADED ").replace("'", '"'))


@pytest.mark.parametrize(
    "code",
    [
        "import detente",
        "import detente.cli",
        "import detente.cli.app",
        "from detente import Scenario, Forecast, InputError",
        "import detente.models; detente.models.get_model('compromise')",
        "import detente.analysis",
    ],
)
def test_import_loads_no_heavy_library(code):
    assert _loaded(code) == []


def test_help_loads_no_heavy_library_and_no_command_module():
    code = """
import contextlib, io
sys.argv = ["detente", "--help"]
from detente.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    main()
assert "ensemble" in out.getvalue() and "what-it-takes" in out.getvalue(), out.getvalue()
cmds = sorted(m for m in sys.modules if m.startswith("detente.cli.") and m != "detente.cli.app")
assert cmds == [], cmds
assert "numpy" not in sys.modules
"""
    assert _loaded(code) == []


def test_run_compromise_json_loads_no_heavy_library():
    code = """
import contextlib, io, json
sys.argv = ["detente", "run", "--model", "compromise", "--json"]
from detente.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
    main()
assert json.loads(out.getvalue())["forecasts"][0]["model"] == "compromise"
"""
    assert _loaded(code) == []


def test_the_help_list_is_each_command_s_own_summary():
    """The summaries :data:`COMMANDS` lists without importing are the commands' own, and
    every command registered on the app is listed."""
    import typer

    from detente.cli.app import COMMANDS, app, load_command

    for name in COMMANDS:
        cmd = load_command(name)
        assert cmd is not None, name
        first = inspect.cleandoc(cmd.help or "").split("\n\n")[0]
        assert " ".join(first.split()) == COMMANDS[name][1], name
    registered = set(typer.main.get_group(app).commands)
    assert registered == set(COMMANDS)


def test_an_unknown_command_is_a_usage_error_with_a_suggestion():
    proc = subprocess.run(
        [sys.executable, "-m", "detente", "ensembel"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "100", "NO_COLOR": "1"},
    )
    assert proc.returncode == 2
    assert "No such command 'ensembel'" in proc.stderr
    assert "Did you mean 'ensemble'" in proc.stderr and "Traceback" not in proc.stderr
