"""``detente scenarios`` and ``detente models``."""

from __future__ import annotations

import json


def test_list_and_show(cli):
    code, out, _ = cli("scenarios", "list", "--json")
    assert code == 0
    assert "us-russia-reset" in [r["id"] for r in json.loads(out)]
    code, out, _ = cli("scenarios", "show", "us-russia-reset")
    assert code == 0
    assert "rationale" in out and "linkages" in out and "spheres_trade" in out


def test_models_lists_citations(cli):
    code, out, _ = cli("models", "--json")
    assert code == 0
    rows = {r["name"]: r for r in json.loads(out)}
    assert "Achen" in rows["compromise"]["citation"]
