"""The reset question end to end: courses of action, models, agreement, what it takes."""

from __future__ import annotations

from detente.analysis.reset import default_targets, reset_summary
from detente.bargaining import is_reset
from detente.scenario import Issue
from detente.scenarios import DEFAULT_SCENARIO, load_bundled


def test_default_targets(tiny):
    assert default_targets(tiny) == ()  # issue y has no reference point
    sc = load_bundled(DEFAULT_SCENARIO)
    assert default_targets(sc) == ("reset",)
    one = sc.replace(
        issues=(*sc.issues[:-1], Issue(**{**sc.issues[-1].model_dump(), "reference": None}))
    )
    assert default_targets(one) == ()


def test_reset_summary_judges_each_course_by_one_test():
    sc = load_bundled(DEFAULT_SCENARIO)
    r = reset_summary(sc, models=["compromise", "median"])
    assert r.variants[0] == "base" and len(r.variants) == 1 + sum(
        1 for v in sc.variants if v.changes
    )
    frame = r.to_frame()
    assert len(frame) == len(r.variants) * 2
    for row in frame.to_dict("records"):
        assert row["reset"] == bool(is_reset(r.gains[(row["course"], row["model"])]))
        assert row["reset"] == r.is_reset(row["course"], row["model"])
    d = r.to_dict()
    assert [c["variant"] for c in d["courses"]] == r.variants
    assert r.summary() == "\n".join(r.lines) and r.summary()
