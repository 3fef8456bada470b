"""The detente command line run as a user's shell runs it, for the tests of every package.

A subprocess with a clean environment (nothing inherited but what is set here): plain
output (``NO_COLOR``), a fixed terminal width, and the test's temporary run store
(``DETENTE_HOME``, set for every test by the root conftest). Not a test module: pytest
finds it through ``pythonpath`` in pyproject.toml.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_detente(
    *args: str, columns: int = 120, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m detente ARGS`` in a terminal ``columns`` wide."""
    env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "COLUMNS": str(columns)}
    if "DETENTE_HOME" in os.environ:
        env["DETENTE_HOME"] = os.environ["DETENTE_HOME"]
    return subprocess.run(
        [sys.executable, "-m", "detente", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def run_detente_codes(*args: str, **kwargs) -> tuple[int, str, str]:
    """:func:`run_detente` as (exit code, stdout, stderr)."""
    proc = run_detente(*args, **kwargs)
    return proc.returncode, proc.stdout, proc.stderr
