"""``detente app``: serve the dashboard (Streamlit) on this machine.

Runs ``python -m streamlit run`` on :data:`detente.app.APP_FILE` in a subprocess, headless
(no browser is opened), without usage statistics, bound to 127.0.0.1 unless ``--host``
says otherwise, and with uploads limited to 10 MB. Stopping ``detente app`` (Ctrl-C or
SIGTERM) stops the server.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from typing import Annotated

import typer

from detente.cli.app import app
from detente.cli.common import console
from detente.errors import InputError

__all__ = ["streamlit_command", "streamlit_env"]

#: Streamlit's upload limit, in megabytes; detente refuses uploads over 10,000,000 bytes
UPLOAD_LIMIT_MB = 10


def streamlit_command(port: int, host: str) -> list[str]:
    """The command line that serves the dashboard."""
    from detente.app import APP_FILE

    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_FILE),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.maxUploadSize",
        str(UPLOAD_LIMIT_MB),
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def streamlit_env() -> dict[str, str]:
    """The environment of the server: ours, with usage statistics off and headless."""
    env = dict(os.environ)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env["STREAMLIT_SERVER_HEADLESS"] = "true"
    return env


@app.command("app")
def app_cmd(
    port: Annotated[int, typer.Option(help="port to serve on")] = 8501,
    host: Annotated[
        str, typer.Option(help="address to bind; 127.0.0.1 serves this machine only")
    ] = "127.0.0.1",
) -> None:
    """Serve the dashboard: choose or upload a scenario, edit it, run models, look."""
    if not 0 < port < 65536:
        raise InputError(f"port {port} is out of range", where="--port", allowed="1 to 65535")
    if importlib.util.find_spec("streamlit") is None:
        raise InputError(
            "the dashboard needs Streamlit, which is not installed",
            where="detente app",
            allowed="pip install 'detente[dashboard]'",
        )
    console.print(f"detente dashboard on http://{host}:{port} (Ctrl-C stops it)")
    proc = subprocess.Popen(streamlit_command(port, host), env=streamlit_env())

    def _stop(signum: int, _frame: object) -> None:
        proc.terminate()

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        code = proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if code not in (0, -signal.SIGTERM, -signal.SIGINT):
        raise typer.Exit(code)
