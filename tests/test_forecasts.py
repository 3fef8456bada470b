"""Forecast container: shapes, tidy frame, JSON shape."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detente.forecasts import Forecast
from detente.models import get_model


def test_frame_and_dict(tiny):
    f = get_model("compromise").forecast(tiny, seed=3)
    df = f.to_frame()
    assert len(df) == 5  # present stances only
    assert set(df.columns) == {"model", "round", "actor", "issue", "position"}
    d = f.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["seed"] == 3
    issue_y = d["issues"][1]
    assert issue_y["reference"] is None and set(issue_y["trajectory"]) == {"a", "b"}


def test_non_finite_outcome_is_refused(tiny):
    f = get_model("compromise").forecast(tiny)
    with pytest.raises(ValueError, match="non-finite"):
        Forecast(
            model="x",
            params={},
            seed=None,
            input_hash="h",
            scenario_id="s",
            actor_ids=f.actor_ids,
            issue_ids=f.issue_ids,
            positions=f.positions,
            present=f.present,
            outcome=np.array([1.0, np.nan]),
            reference=f.reference,
        )
