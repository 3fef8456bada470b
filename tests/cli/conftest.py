from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.fixture
def cli():
    """Run ``python -m detente ARGS`` in a subprocess: (exit code, stdout, stderr)."""

    def run(*args: str, timeout: float = 120) -> tuple[int, str, str]:
        proc = subprocess.run(
            [sys.executable, "-m", "detente", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={
                "COLUMNS": "120",
                "PATH": "/usr/bin:/bin",
                "NO_COLOR": "1",
                "DETENTE_HOME": os.environ["DETENTE_HOME"],  # a temporary run store
            },
        )
        return proc.returncode, proc.stdout, proc.stderr

    return run
