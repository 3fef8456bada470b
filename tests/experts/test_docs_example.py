"""The worked example of docs/experts.md: three invented experts on the U.S.-Russia reset.

The three filled questionnaires are made here (they are not committed), combined with the
CLI, and the numbers the page quotes are checked against what detente computes.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "experts.md"

#: INVENTED answers (no real expert was asked): (position, salience) per actor and issue
STANCES = {
    "expert_01": {
        ("united_states", "sanctions"): (60, 0.5),
        ("russia", "sanctions"): (0, 0.9),
        ("european_allies", "sanctions"): (55, 0.6),
        ("ukraine", "sanctions"): (85, 0.8),
        ("united_states", "minsk"): (100, 0.5),
        ("russia", "minsk"): (30, 0.7),
        ("european_allies", "minsk"): (95, 0.6),
        ("ukraine", "minsk"): (75, 0.9),
    },
    "expert_02": {
        ("united_states", "sanctions"): (65, 0.6),
        ("russia", "sanctions"): (5, 0.8),
        ("european_allies", "sanctions"): (50, 0.5),
        ("ukraine", "sanctions"): (90, 0.8),
        ("united_states", "minsk"): (90, 0.4),
        ("russia", "minsk"): (25, 0.8),
        ("european_allies", "minsk"): (100, 0.7),
        ("ukraine", "minsk"): (70, 0.9),
    },
    "expert_03": {
        ("united_states", "sanctions"): (55, 0.4),
        ("russia", "sanctions"): (0, 0.9),
        ("european_allies", "sanctions"): (30, 0.6),
        ("ukraine", "sanctions"): (80, 0.9),
        ("united_states", "minsk"): (100, 0.6),
        ("russia", "minsk"): (60, 0.6),
        ("european_allies", "minsk"): (90, 0.5),
        ("ukraine", "minsk"): (80, 0.8),
    },
}
COMMENTS = {
    ("expert_03", "european_allies", "sanctions"): "EU unanimity frays at each renewal",
    ("expert_03", "russia", "minsk"): "a deal on the border sequence is within reach",
}
#: INVENTED forecasts per issue, and each expert's confidence in all of them
ISSUES = (
    "election_interference",
    "western_hemisphere",
    "eastern_europe_sphere",
    "sanctions",
    "minsk",
    "military_transparency",
    "cyberspace",
    "syria",
    "regime_change_assurances",
)
FORECASTS = {
    "expert_01": (65, 50, 35, 60, 25, 30, 20, 75, 25),
    "expert_02": (70, 55, 30, 65, 20, 35, 25, 70, 20),
    "expert_03": (60, 60, 40, 45, 40, 25, 15, 80, 30),
}
CONFIDENCE = {"expert_01": 0.6, "expert_02": 0.7, "expert_03": 0.5}


def make_example(folder: Path, cli, fill) -> list[Path]:
    """``detente survey`` three copies, then type in the invented answers."""
    code, _, err = cli("survey", "us-russia-reset", "-o", str(folder), "--experts", "3")
    assert code == 0, err
    paths = sorted(folder.glob("expert_*.xlsx"))
    for p in paths:
        e = p.stem
        stances = {
            key: {"position": pos, "salience": sal, "comment": COMMENTS.get((e, *key))}
            for key, (pos, sal) in STANCES[e].items()
        }
        outcomes = {
            i: {"forecast": x, "confidence": CONFIDENCE[e]}
            for i, x in zip(ISSUES, FORECASTS[e], strict=True)
        }
        fill(p, stances, outcomes)
    return paths


def test_worked_example(tmp_path, cli, fill):
    paths = make_example(tmp_path / "survey", cli, fill)
    out = tmp_path / "reset-experts.yaml"
    code, text, err = cli("combine", *map(str, paths), "-o", str(out), "--json")
    assert code == 0, err
    report = json.loads(text)
    top = report["disagreements"][0]
    assert (top["actor"], top["issue"], top["field"]) == ("russia", "minsk", "position")
    assert (top["min"], top["max"], top["outlier"]) == (25, 60, "expert_03")
    eu = next(
        d
        for d in report["disagreements"]
        if (d["actor"], d["issue"], d["field"]) == ("european_allies", "sanctions", "position")
    )
    assert (eu["combined"], eu["min"], eu["max"], eu["outlier"]) == (45, 30, 55, "expert_03")
    # the table the page shows
    code, table, err = cli("combine", *map(str, paths), "-o", str(tmp_path / "b.yaml"))
    assert code == 0, err
    doc = DOC.read_text(encoding="utf-8")
    for line in table.splitlines()[:6]:
        assert line.rstrip() in doc, line
    # the experts' own forecast beside two bargaining models
    code, text, err = cli("run", str(out), "-m", "experts", "-m", "compromise", "--json")
    assert code == 0, err
    fc = {
        f["model"]: {i["id"]: i["outcome"] for i in f["issues"]}
        for f in json.loads(text)["forecasts"]
    }
    for k, issue in enumerate(ISSUES):
        assert fc["experts"][issue] == statistics.fmean(f[k] for f in FORECASTS.values())
    assert "| minsk | 28.3 |" in doc and "| sanctions | 56.7 |" in doc
    # with a forecast of every issue, an all-models run includes the experts
    code, text, err = cli("run", str(out), "--json")
    assert code == 0 and "not run" not in err, err
    assert [f["model"] for f in json.loads(text)["forecasts"]][-1] == "experts"
    code, text, err = cli("run", str(out), "-m", "experts", "-m", "compromise")
    assert code == 0, err
    for line in text.splitlines()[2:13]:
        assert line.rstrip() in doc, line
