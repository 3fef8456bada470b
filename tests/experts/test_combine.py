"""Combining filled questionnaires: exact means, medians and ranges; errors name file and row."""

from __future__ import annotations

import json
import statistics

import pytest

from detente.errors import InputError, InputNotice
from detente.experts.combine import combine, parse_expert_csv, read_expert_file
from detente.experts.store import FORECASTS_KEY, expert_forecasts
from detente.experts.survey import Skeleton, parse_skeleton, write_surveys
from detente.io.yaml_io import dump_yaml, parse_yaml

#: what three experts type in (blank where they have no view)
ANSWERS = {
    "expert_01": {
        ("alpha", "x"): {"position": 20, "salience": 0.9, "capability": 4, "comment": "hawkish"},
        ("bravo", "x"): {"position": 60, "salience": 0.5},
        ("alpha", "y"): {"position": -6, "salience": 0.2, "confidence": 0.9},
        ("charlie", "y"): {"position": 8, "salience": 0.3},
    },
    "expert_02": {
        ("alpha", "x"): {"position": 30, "salience": 0.7, "capability": 2},
        ("bravo", "x"): {"position": 62, "comment": "no view on salience"},
        ("alpha", "y"): {"position": -2, "salience": 0.4},
    },
    "expert_03": {
        ("alpha", "x"): {"position": 70, "salience": 0.8, "capability": 3, "comment": "dove"},
        ("bravo", "x"): {"position": 61, "salience": 0.25},
        ("alpha", "y"): {"position": -3, "salience": 0.6},
    },
}
FORECASTS = {
    "expert_01": {"x": {"forecast": 40, "confidence": 0.5}, "y": {"forecast": -1}},
    "expert_02": {"x": {"forecast": 46, "confidence": 0.8}, "y": {"forecast": 3}},
    "expert_03": {"x": {"forecast": 55}},
}


@pytest.fixture
def filled(small, fill, tmp_path):
    paths = write_surveys(Skeleton.from_scenario(small), tmp_path / "survey", 3)
    for p in paths:
        fill(p, ANSWERS[p.stem], FORECASTS[p.stem])
    return paths


def _combined(small, paths, method):
    sk = Skeleton.from_scenario(small)
    return combine([read_expert_file(p, sk) for p in paths], sk, method=method)


def _values(expert_field):
    return [
        ANSWERS[e][key][fld]
        for e in ANSWERS
        for key, fld in [expert_field]
        if fld in ANSWERS[e].get(key, {})
    ]


@pytest.mark.parametrize("method", ["mean", "median"])
def test_round_trip_means_medians_ranges(small, filled, method):
    res = _combined(small, filled, method)
    sc = res.scenario
    stat = statistics.fmean if method == "mean" else statistics.median
    for (actor, issue), fld in [
        (("alpha", "x"), "position"),
        (("alpha", "x"), "salience"),
        (("alpha", "x"), "capability"),
        (("bravo", "x"), "position"),
        (("bravo", "x"), "salience"),
        (("alpha", "y"), "position"),
        (("alpha", "y"), "salience"),
    ]:
        given = _values(((actor, issue), fld))
        st = sc.stance(actor, issue)
        assert getattr(st, fld) == stat(given), (actor, issue, fld)
        assert getattr(st.uncertainty, fld) == (min(given), max(given))
    # the numbers spelled out, for the reader
    assert sc.stance("alpha", "x").position == (40 if method == "mean" else 30)
    assert sc.stance("alpha", "x").uncertainty.position == (20, 70)
    assert sc.stance("bravo", "x").salience == pytest.approx(0.375)
    # one expert's answer: the value, no range; a field nobody gave keeps the base's
    charlie_y = sc.stance("charlie", "y")
    assert (charlie_y.position, charlie_y.salience, charlie_y.uncertainty) == (8, 0.3, None)
    assert sc.stance("bravo", "x").capability is None  # nobody gave it: the actor's own
    assert sc.stance("bravo", "y") == small.stance("bravo", "y")  # nobody answered: the base
    assert sc.stance("charlie", "x") == small.stance("charlie", "x")
    # provenance names the experts and their comments
    prov = sc.stance("alpha", "x").provenance
    assert "expert_01, expert_02, expert_03" in prov.location and method in prov.location
    assert prov.rationale == "expert_01: hawkish; expert_03: dove"
    assert sc.stance("bravo", "x").provenance.rationale == "expert_02: no view on salience"
    assert sc.stance("alpha", "y").provenance.location.endswith("their mean confidence 0.90")
    assert prov.source in {s.id for s in sc.sources}
    # the experts' own forecasts, stored and round-tripped through YAML
    again = parse_yaml(dump_yaml(sc))
    assert again == sc
    fc = expert_forecasts(again)
    assert {i: [(f.expert, f.forecast, f.confidence) for f in fs] for i, fs in fc.items()} == {
        "x": [("expert_01", 40, 0.5), ("expert_02", 46, 0.8), ("expert_03", 55, None)],
        "y": [("expert_01", -1, None), ("expert_02", 3, None)],
    }
    assert sc.metadata["expert_survey_experts"] == ["expert_01", "expert_02", "expert_03"]
    assert sc.metadata["expert_survey_method"] == method


def test_disagreement_report(small, filled):
    res = _combined(small, filled, "mean")
    top = res.disagreements[0]
    # alpha on x: positions 20, 30, 70 span half the scale; expert_03 is the outlier
    assert (top.actor, top.issue, top.field) == ("alpha", "x", "position")
    assert (top.low, top.high, top.share) == (20, 70, 0.5)
    assert top.std == pytest.approx(statistics.pstdev([20, 30, 70]))
    assert top.outlier == "expert_03"
    shares = [d.share for d in res.disagreements]
    assert shares == sorted(shares, reverse=True)
    fx = next(d for d in res.disagreements if d.field == "forecast" and d.issue == "x")
    assert (fx.actor, fx.combined, fx.outlier) == (None, pytest.approx(47), "expert_03")
    two = next(d for d in res.disagreements if d.field == "forecast" and d.issue == "y")
    assert two.outlier is None  # two answers: no outlier
    d = json.loads(json.dumps(res.to_dict()))
    assert d["disagreements"][0]["answers"] == {"expert_01": 20, "expert_02": 30, "expert_03": 70}


def test_ensemble_samples_the_disagreement(small, filled):
    from detente.analysis.perturb import PerturbationPlan

    sc = _combined(small, filled, "mean").scenario
    plan = PerturbationPlan.build(sc)
    inputs = {u.name: u for u in plan.inputs}
    assert (inputs["position:alpha:x"].draw_low, inputs["position:alpha:x"].draw_high) == (20, 70)
    assert (inputs["salience:bravo:x"].draw_low, inputs["salience:bravo:x"].draw_high) == (
        0.25,
        0.5,
    )
    k = plan.names.index("position:alpha:x")
    drawn = plan.draw(seed=1, start=0, stop=500)[:, k]
    assert 20 <= drawn.min() < drawn.max() <= 70 and drawn.max() - drawn.min() > 40


def test_csv_answers_with_forecast_rows(small):
    sk = Skeleton.from_scenario(small)
    text = (
        "actor,issue,position,salience,capability,confidence,comment,forecast\n"
        "alpha,x,20,0.9,,,,\n"
        "bravo,y,-4,,,0.5,,\n"
        ",x,,,,0.6,my call,45\n"
    )
    ef = parse_expert_csv(text, sk, source="dana.csv", expert="dana")
    assert ef.stances[("alpha", "x")].salience == 0.9
    assert ef.stances[("bravo", "y")].position == -4
    assert (ef.outcomes["x"].forecast, ef.outcomes["x"].confidence) == (45, 0.6)


def test_skeleton_base_leaves_out_unanswered_stances(tmp_path, fill):
    sk = parse_skeleton(
        "id: talks\nactors: [{id: north}, {id: south}]\n"
        "issues: [{id: border, scale: {low: 0, high: 10}}, {id: trade}]\n",
        "talks.yaml",
    )
    paths = write_surveys(sk, tmp_path, 2)
    fill(
        paths[0],
        {
            ("north", "border"): {"position": 2, "salience": 1},
            ("south", "trade"): {"position": 50, "salience": 0.5},
        },
    )
    fill(paths[1], {("north", "border"): {"position": 4}, ("south", "border"): {"position": 9}})
    with pytest.warns(
        InputNotice, match=r"left out.*south on border \(no expert gave a salience\)"
    ):
        res = combine([read_expert_file(p, sk) for p in paths], sk)
    sc = res.scenario
    assert [(s.actor, s.issue) for s in sc.stances] == [("north", "border"), ("south", "trade")]
    assert sc.stance("north", "border").position == 3
    assert FORECASTS_KEY not in sc.metadata


@pytest.mark.parametrize(
    ("where", "values", "message"),
    [
        (
            "stances",
            {("alpha", "x"): {"position": "forty"}},
            r"row 2: position 'forty' is not a number",
        ),
        (
            "stances",
            {("alpha", "y"): {"position": 11}},
            r"row 5: alpha on y: position 11 lies outside the issue's scale \[-10, 10\]",
        ),
        (
            "stances",
            {("bravo", "x"): {"salience": 1.5}},
            r"row 3: bravo on x: salience must lie in \[0, 1\]",
        ),
        (
            "stances",
            {("bravo", "x"): {"capability": -1}},
            r"row 3: bravo on x: capability -1 is below 0",
        ),
        (
            "stances",
            {("bravo", "x"): {"confidence": 2}},
            r"row 3: bravo on x: confidence 2 is not in \[0, 1\]",
        ),
        (
            "outcomes",
            {"y": {"forecast": 20}},
            r"sheet 'outcomes', row 3: forecast 20 of issue y lies outside its scale",
        ),
    ],
)
def test_malformed_cell_names_file_and_row(small, fill, tmp_path, where, values, message):
    (path,) = write_surveys(Skeleton.from_scenario(small), tmp_path)
    if where == "stances":
        fill(path, values)
    else:
        fill(path, {}, values)
    with pytest.raises(InputError, match=message) as exc:
        read_expert_file(path, Skeleton.from_scenario(small))
    msg = str(exc.value)
    assert msg.startswith(str(path)) and "\n" not in msg


def test_unknown_actor_or_issue(small, fill, tmp_path):
    import openpyxl

    (path,) = write_surveys(Skeleton.from_scenario(small), tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["stances"]["A3"] = "bravoo"
    wb["stances"]["C3"] = 50
    wb.save(path)
    with pytest.raises(InputError, match=r"sheet 'stances', row 3: unknown actor 'bravoo'"):
        read_expert_file(path, Skeleton.from_scenario(small))
    with pytest.raises(InputError, match=r"row 2: unknown issue 'z'.*allowed: x, y"):
        parse_expert_csv("actor,issue,position\nalpha,z,1\n", Skeleton.from_scenario(small))
    with pytest.raises(InputError, match=r"unknown column 'postion'"):
        parse_expert_csv("actor,issue,postion\nalpha,x,1\n", Skeleton.from_scenario(small))


def test_two_files_of_one_expert(small, tmp_path):
    sk = Skeleton.from_scenario(small)
    a = parse_expert_csv("actor,issue,position\nalpha,x,1\n", sk, source="a/e.csv", expert="e")
    b = parse_expert_csv("actor,issue,position\nalpha,x,2\n", sk, source="b/e.csv", expert="e")
    with pytest.raises(InputError, match="same expert 'e'"):
        combine([a, b], sk)


def test_stored_forecasts_are_checked(small):
    sc = small.replace(metadata={FORECASTS_KEY: '{"x": [{"expert": "e", "forecast": 120}]}'})
    with pytest.raises(InputError, match="forecast 120 lies outside"):
        expert_forecasts(sc)
    sc = small.replace(metadata={FORECASTS_KEY: "{not json"})
    with pytest.raises(InputError, match="not valid JSON"):
        expert_forecasts(sc)
    assert expert_forecasts(small) == {}
