"""``detente app``: the command line that serves the dashboard (serving itself is
exercised by the browser tests)."""

from __future__ import annotations

import sys

from cli_runner import run_detente_codes
from detente.app import APP_FILE
from detente.cli.app_cmd import streamlit_command, streamlit_env


def _cli(*args: str) -> tuple[int, str, str]:
    return run_detente_codes(*args, timeout=60)


def _option(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


def test_serves_the_app_file_headless_without_telemetry():
    cmd = streamlit_command(8600, "127.0.0.1")
    assert cmd[:5] == [sys.executable, "-m", "streamlit", "run", str(APP_FILE)]
    assert APP_FILE.is_file()
    assert _option(cmd, "--server.port") == "8600"
    assert _option(cmd, "--server.address") == "127.0.0.1"
    assert _option(cmd, "--server.headless") == "true"
    assert _option(cmd, "--browser.gatherUsageStats") == "false"
    assert _option(cmd, "--server.maxUploadSize") == "10"
    env = streamlit_env()
    assert env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"
    assert env["STREAMLIT_SERVER_HEADLESS"] == "true"


def test_binds_localhost_unless_told():
    code, out, err = _cli("app", "--help")
    assert code == 0, err
    assert "--port" in out and "--host" in out and "127.0.0.1" in out


def test_bad_port_is_one_line():
    code, _, err = _cli("app", "--port", "70000")
    assert code == 2
    assert "port 70000 is out of range" in err and "Traceback" not in err
