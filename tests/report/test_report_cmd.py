"""``detente report`` as a user types it (a subprocess)."""

from __future__ import annotations

import re
from pathlib import Path

from cli_runner import run_detente_codes


def _cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    return run_detente_codes(*args, timeout=180, cwd=cwd)


def test_report_of_the_bundled_scenario(tmp_path):
    out = tmp_path / "report.html"
    code, stdout, err = _cli(
        "report",
        "us-russia-reset",
        "-o",
        str(out),
        "-m",
        "compromise",
        "--draws",
        "200",
        cwd=tmp_path,
    )
    assert code == 0, err
    assert f"wrote {out}" in stdout.replace("\n", "")
    text = out.read_text(encoding="utf-8")
    assert "<h1>The U.S.-Russia reset</h1>" in text
    assert 'id="agreement"' in text and 'id="scenario"' in text
    # sources of the bundled scenario, with their rationale
    assert "What Would Achieving a Real Reset in U.S.-Russia Relations Take?" in text
    assert "CINC of Russia in 2016" in text
    assert len(re.findall(r'class="plotly-graph-div"', text)) >= 3


def test_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "report.html"
    out.write_text("keep me")
    code, _, err = _cli("report", "-o", str(out), cwd=tmp_path)
    assert code == 2
    assert "exists already" in err and "--force" in err
    assert "Traceback" not in err
    assert out.read_text() == "keep me"


def test_bad_input_is_one_line(tmp_path):
    code, _, err = _cli("report", "no-such-scenario", "-o", str(tmp_path / "r.html"), cwd=tmp_path)
    assert code == 2 and "Traceback" not in err
    assert "no bundled scenario or file named 'no-such-scenario'" in err
    code, _, err = _cli(
        "report", "-o", str(tmp_path / "r.html"), "--parties", "united_states", cwd=tmp_path
    )
    assert code == 2 and "does not name two actors" in err
    assert not (tmp_path / "r.html").exists()
