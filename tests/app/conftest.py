"""Browser fixtures: pytest-playwright driving Debian's Chromium (never a downloaded one),
and the dashboard served by ``detente app`` on a free local port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

#: Debian's ``chromium`` package (scripts/install-browser.sh installs it when root)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at Debian's Chromium."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's package with "
            "'bash scripts/install-browser.sh' (as root), or run 'make test'"
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1500}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``detente app`` on a free port of 127.0.0.1; its URL. Stopped (with the Streamlit
    server it started) when the module's tests are done. Its runs are recorded in a run
    store of its own (``DETENTE_HOME`` in a temporary folder), never the user's."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: the browser tests need it")
    port = _free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DETENTE_HOME": str(tmp_path_factory.mktemp("dashboard_home"))}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "detente", "app", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: stopped as a whole below
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"detente app exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"detente app did not answer within 60 s:\n{log.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        _stop_group(proc)


def _stop_group(proc: subprocess.Popen) -> None:
    """Stop the process group started above (detente app and its Streamlit server)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            time.sleep(0.2)  # let the server child exit with its parent
        except subprocess.TimeoutExpired:
            continue
