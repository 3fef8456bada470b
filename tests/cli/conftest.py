from __future__ import annotations

import pytest

from cli_runner import run_detente_codes


@pytest.fixture
def cli():
    """Run ``python -m detente ARGS`` in a subprocess: (exit code, stdout, stderr)."""

    return run_detente_codes
