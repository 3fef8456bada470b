"""Exchange model: decide's reference figures and runs, explanation, invariants."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import InputError
from detente.models import get_model
from detente.models.compromise import weighted_mean
from detente.models.exchange import Exchange
from detente.scenario import (
    Actor,
    Condition,
    Effect,
    Issue,
    Linkage,
    Scale,
    Scenario,
    Stance,
)

# --------------------------------------------------------------------------- helpers


def decide_scenario(path: Path, principals: tuple[str, ...] = ()) -> Scenario:
    """A Scenario from a decide input file (tab-separated, quoted; #A actor, #P issue,
    #M issue bound (two rows), #D actor, issue, position, salience, power)."""
    actors: list[str] = []
    issues: list[str] = []
    bounds: dict[str, list[float]] = {}
    rows: list[list[str]] = []
    with path.open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t", quotechar="'"):
            if not row:
                continue
            if row[0] == "#A":
                actors.append(row[1])
            elif row[0] == "#P":
                issues.append(row[1])
            elif row[0] == "#M":
                bounds.setdefault(row[1], []).append(float(row[2]))
            elif row[0] == "#D":
                rows.append(row[1:6])
    return Scenario(
        id=path.stem,
        principals=principals,
        actors=tuple(Actor(id=a) for a in actors),
        issues=tuple(
            Issue(id=i, scale=Scale(low=min(bounds[i]), high=max(bounds[i]))) for i in issues
        ),
        stances=tuple(
            Stance(actor=a, issue=i, position=float(x), salience=float(s), capability=float(c))
            for a, i, x, s, c in rows
        ),
    )


def outcome_per_round(forecast, scenario: Scenario) -> np.ndarray:
    """Weighted mean of the preference positions after each round, (rounds, issues)."""
    arr = scenario.arrays()
    return weighted_mean(forecast.positions[1:], arr.salience, arr.capability, arr.present)


def reference_runs(shared_data: Path, case: str) -> list[dict]:
    folder = shared_data / "reference_outputs" / "decide"
    return [json.loads((folder / f"{case}_10rounds_seed{k}.json").read_text()) for k in (1, 2, 3)]


def reference_outcomes(run: dict, issues: tuple[str, ...]) -> np.ndarray:
    """decide's outcome after each round: the next round's start, then the final one."""
    rows = [r["nbs_preference_start"] for r in run["rounds"][1:]]
    rows.append(run["nbs_after_last_round_preference"])
    return np.array([[row[i] for i in issues] for row in rows])


def exchanges(forecast, round_: int) -> list:
    return [e for e in forecast.events if e.kind == "exchange" and e.round == round_]


# --------------------------------------------------------------------------- decide's figures


def test_sample_data_first_round(shared_data):
    sc = decide_scenario(shared_data / "reference_cases" / "decide_sample_data.txt")
    f = get_model("exchange", rounds=1).forecast(sc, seed=0)
    head = next(e for e in f.events if e.kind == "round")
    assert head.data["candidates"] == 240  # decide's unit test
    gains = [e.data["gain"] for e in exchanges(f, 1)]
    assert gains[0] == pytest.approx(1.9736842105, abs=1e-8)  # decide: within 1e-8
    assert gains[1] == pytest.approx(1.7926363088, abs=1e-8)


@pytest.mark.parametrize("case", ["copenhagen", "cop21"])
def test_decide_runs_reproduced(shared_data, case):
    """compat='decide' with decide's seeds replays its reference runs: outcomes after every
    round (tolerance 1e-8 on the 0..100 scale), exchanges realised per round, ties met."""
    sc = decide_scenario(shared_data / "reference_cases" / f"decide_{case}.csv")
    runs = reference_runs(shared_data, case)
    envelope = np.stack([reference_outcomes(r, sc.issue_ids) for r in runs])
    lo, hi = envelope.min(axis=0) - 1.0, envelope.max(axis=0) + 1.0
    model = Exchange(compat="decide")
    for seed, run in zip((1, 2, 3), runs, strict=True):
        f = model.forecast(sc, seed=seed)
        ours = outcome_per_round(f, sc)
        # the issue's criterion: within the seeds' range widened by 1.0 point
        assert np.all((ours >= lo) & (ours <= hi))
        np.testing.assert_allclose(ours, reference_outcomes(run, sc.issue_ids), rtol=0, atol=1e-8)
        realised = [r["data"]["realised"] for r in map(lambda e: e.to_dict(), f.events)
                    if r["kind"] == "round"]  # fmt: skip
        assert realised == [r["n_realized_exchanges"] for r in run["rounds"]]
        assert f.details[sc.issue_ids[0]]["ties"] == run["tie_count"]
        final = run["final_preference_positions"]
        arr = sc.arrays()
        for k, iss in enumerate(sc.issue_ids):
            for a, actor in enumerate(arr.actor_ids):
                if actor in final[iss]:
                    assert f.positions[-1, a, k] == pytest.approx(final[iss][actor], abs=1e-8)


@pytest.mark.parametrize("case", ["copenhagen", "cop21"])
def test_default_ties_stay_within_decides_spread(shared_data, case):
    """With its own tie draws the model is one more run of decide's random process: every
    outcome after every round lies within the range of decide's three reference seeds
    widened by 4.5 points. (Tolerance: decide's own runs with seeds 4-43, replayed with
    compat='decide', lie up to 4.41 points outside that range; only 12-18 % of them within
    the 1.0 point the issue names, which is why that band is checked on decide's seeds.)"""
    sc = decide_scenario(shared_data / "reference_cases" / f"decide_{case}.csv")
    envelope = np.stack(
        [reference_outcomes(r, sc.issue_ids) for r in reference_runs(shared_data, case)]
    )
    f = Exchange().forecast(sc, seed=0)
    ours = outcome_per_round(f, sc)
    assert np.all(ours >= envelope.min(axis=0) - 4.5)
    assert np.all(ours <= envelope.max(axis=0) + 4.5)
    assert np.array_equal(f.outcome, outcome_per_round(f, sc)[-1])
    assert f.details[sc.issue_ids[0]]["ties"] > 0  # COP21 and Copenhagen have exact ties


# --------------------------------------------------------------------------- explanation


def _two_sided() -> Scenario:
    """Two principals who each care most about what the other concedes: one trade."""
    return Scenario(
        id="trade",
        principals=("us", "ru"),
        actors=(Actor(id="us", name="United States"), Actor(id="ru", name="Russia")),
        issues=(
            Issue(id="west", name="Western Hemisphere"),
            Issue(id="east", name="Eastern Europe"),
        ),
        stances=(
            Stance(actor="us", issue="west", position=0, salience=0.9),
            Stance(actor="us", issue="east", position=0, salience=0.3),
            Stance(actor="ru", issue="west", position=100, salience=0.3),
            Stance(actor="ru", issue="east", position=100, salience=0.9),
        ),
    )  # fmt: skip


def test_trade_between_principals_by_hand():
    f = Exchange(rounds=1).forecast(_two_sided(), seed=0)
    (ex,) = exchanges(f, 1)
    # outcomes 25 (west) and 75 (east): Russia right of both, the US left of both (groups
    # a and d). Salience ratios west/east .9/.3 (US) > .3/.9 (Russia): the US supplies
    # "east", Russia "west". Russia's full move shifts west by 100 * .3 / 1.2 = 25; equal
    # gain: east shifts 25 (.9 + .3) / (.3 + .9) = 25, the US move is 25 * 1.2 / .3 = 100,
    # all the way; neither outcome passes the demander's position (75 + 25 = 100).
    moves = {m["actor"]: m for m in ex.data["moves"]}
    assert moves["us"]["issue"] == "east" and moves["us"]["to"] == pytest.approx(100.0)
    assert moves["ru"]["issue"] == "west" and moves["ru"]["to"] == pytest.approx(0.0)
    # gain |25 * .9 - 25 * .3| = 15, for both sides
    assert ex.data["gain"] == pytest.approx(15.0, abs=1e-12)
    assert moves["us"]["gain"] == pytest.approx(15.0) and moves["ru"]["gain"] == pytest.approx(15.0)
    assert "United States moves on Eastern Europe" in ex.text
    assert any(
        line.startswith("United States moves on Eastern Europe toward Russia in exchange for "
                        "Russia moving on Western Hemisphere") for line in f.notes
    )  # fmt: skip
    # new preference positions: x + (.1 + .4 (1 - s)) (y - x) with s = .3 for both movers
    np.testing.assert_allclose(f.positions[1, :, :], [[0.0, 38.0], [62.0, 100.0]], atol=1e-12)
    assert f.outcome_of("west") == pytest.approx((62 * 0.3 + 0 * 0.9) / 1.2)


def test_bundled_scenario_names_the_principals_trades():
    try:
        from detente.scenarios import load_bundled

        sc = load_bundled("us-russia-reset")
    except (ImportError, InputError) as exc:  # pragma: no cover - scenario not bundled yet
        pytest.skip(f"bundled scenario not available: {exc}")
    f = Exchange().forecast(sc, seed=0)
    a, b = (sc.actor(p).label for p in sc.principal_ids)
    trades = [line for line in f.notes if line.startswith(f"{a} moves on ")]
    assert trades and all(f"toward {b} in exchange for {b} moving on " in t for t in trades)
    ours = [e for e in f.events if e.kind == "exchange" and set(e.actors) == set(sc.principal_ids)]
    assert ours  # the summary lines rest on realised exchanges between the two
    assert np.all(np.isfinite(f.positions))
    assert np.all((f.positions >= sc.arrays().low) & (f.positions <= sc.arrays().high))


def test_summary_says_when_principals_do_not_trade(tiny):
    f = Exchange(rounds=2).forecast(tiny, seed=0)  # principals a and b trade; c does not
    g = Exchange(rounds=2).forecast(tiny.replace(principals=("a", "c")), seed=0)
    assert any("a moves on y toward b" in line for line in f.notes)
    assert any("no trade between a and c" in line for line in g.notes)


def test_forecast_shape_and_details(tiny):
    f = get_model("exchange", rounds="3").forecast(tiny, seed=0)
    assert f.positions.shape == (4, 3, 2)
    assert np.array_equal(f.positions[0], tiny.arrays().position)
    assert np.all(np.isfinite(f.positions)) and np.all(np.isfinite(f.outcome))
    assert f.positions[-1, 2, 1] == tiny.arrays().position[2, 1]  # c is absent from y
    d = f.details["x"]
    assert set(d) >= {"weighted_mean", "weighted_median", "voting_outcome", "exchanges", "ties"}
    assert d["weighted_mean"] == f.outcome_of("x")
    assert [e.round for e in f.events if e.kind == "round"] == [1, 2, 3]
    assert f.params == {"rounds": 3, "fixed_weight": 0.1, "salience_weight": 0.4, "p": 0.0,
                        "compat": "none", "pair_limit": 4,
                        "max_candidates": 4_000_000}  # fmt: skip


def test_zero_rounds_is_the_weighted_mean(tiny):
    f = Exchange(rounds=0).forecast(tiny, seed=0)
    assert f.n_rounds == 0
    np.testing.assert_allclose(f.outcome, get_model("compromise").forecast(tiny).outcome)


def test_seed_reproduces_and_positions_stay_on_scale(shared_data):
    sc = decide_scenario(shared_data / "reference_cases" / "decide_sample_data.txt")
    a = Exchange(rounds=4).forecast(sc, seed=7)
    b = Exchange(rounds=4).forecast(sc, seed=7)
    assert np.array_equal(a.positions, b.positions)
    arr = sc.arrays()
    assert np.all(a.positions >= arr.low) and np.all(a.positions <= arr.high)
    # the issue on a 0.5..7 scale is forecast on that scale
    assert 0.5 <= a.outcome_of("tol-hoogte") <= 7


def test_randomised_rate(shared_data):
    sc = decide_scenario(shared_data / "reference_cases" / "decide_copenhagen.csv")
    eq = Exchange(rounds=2).forecast(sc, seed=3)
    rex = Exchange(rounds=2, p=0.8).forecast(sc, seed=3)
    again = Exchange(rounds=2, p=0.8).forecast(sc, seed=3)
    assert np.array_equal(rex.positions, again.positions)
    assert not np.allclose(rex.outcome, eq.outcome)
    assert np.all((rex.positions >= 0) & (rex.positions <= 100))
    moves = [m for e in exchanges(rex, 1) for m in e.data["moves"]]
    assert all(m["gain"] >= -1e-9 for m in moves)  # nobody trades at a loss
    # the rates differ from equal gain: the two sides' own gains differ
    assert any(abs(e.data["moves"][0]["gain"] - e.data["moves"][1]["gain"]) > 1e-6
               for e in exchanges(rex, 1))  # fmt: skip


def test_linkage_changes_the_forecast(tiny):
    hold = Linkage(
        id="hold-b",
        when=Condition(issue="y", op="<", value=101),
        then=Effect(kind="hold", actor="b", issue="x"),
    )
    free = Exchange(rounds=2).forecast(tiny, seed=0)
    held = Exchange(rounds=2).forecast(tiny.replace(linkages=(hold,)), seed=0)
    assert free.positions[-1, 1, 0] != 70.0  # b moves on x when free ...
    assert np.all(held.positions[:, 1, 0] == 70.0)  # ... and not while held
    assert held.outcome_of("x") != pytest.approx(free.outcome_of("x"))


@pytest.mark.parametrize(
    "params",
    [
        {"rounds": -1},
        {"rounds": 2.5},
        {"rounds": True},
        {"p": 1.5},
        {"fixed_weight": -0.1},
        {"fixed_weight": 0.7, "salience_weight": 0.4},
        {"compat": "exact"},
        {"compat": "decide", "p": 0.2},
        {"pair_limit": 0},
        {"pair_limit": 2.5},
        {"max_candidates": -1},
    ],
)
def test_bad_parameters(params):
    with pytest.raises(InputError) as err:
        Exchange(**params)
    assert "--param exchange." in str(err.value)


def test_param_strings_from_the_cli():
    m = get_model("exchange", rounds="10", p="0.25", compat="none")
    assert m.rounds == 10 and m.p == 0.25
    m = get_model("exchange", pair_limit="2", max_candidates="0")
    assert m.pair_limit == 2 and m.max_candidates == 0
    with pytest.raises(InputError):
        get_model("exchange", rounds="ten")


# --------------------------------------------------------------------------- invariants


@st.composite
def scenarios(draw):
    n_a = draw(st.integers(2, 6))
    n_i = draw(st.integers(2, 4))
    cap = draw(st.lists(st.floats(0.1, 10), min_size=n_a, max_size=n_a))
    actors = tuple(Actor(id=f"a{k}", capability=cap[k]) for k in range(n_a))
    issues = tuple(Issue(id=f"i{k}") for k in range(n_i))
    stances = []
    for a in range(n_a):
        for i in range(n_i):
            if i > 0 and a > 0 and draw(st.integers(0, 9)) == 0:  # some absent stances
                continue  # (never the first actor's, so no issue is left empty)
            stances.append(
                Stance(
                    actor=f"a{a}",
                    issue=f"i{i}",
                    position=draw(st.integers(0, 20)) * 5.0,
                    salience=draw(st.integers(1, 10)) / 10,
                )
            )
    return Scenario(id="h", actors=actors, issues=issues, stances=tuple(stances))


@settings(max_examples=25, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_permuting_actors_changes_nothing(sc, rnd):
    order = list(sc.actors)
    rnd.shuffle(order)
    perm = sc.replace(actors=tuple(order))
    a = Exchange(rounds=3).forecast(sc, seed=1)
    b = Exchange(rounds=3).forecast(perm, seed=1)
    np.testing.assert_allclose(a.outcome, b.outcome, rtol=0, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(scenarios(), st.sampled_from([0.3, 2.0, 7.5, 1000.0]))
def test_scaling_capabilities_changes_nothing(sc, k):
    scaled = sc.replace(
        actors=tuple(a.model_copy(update={"capability": a.capability * k}) for a in sc.actors)
    )
    a = Exchange(rounds=3).forecast(sc, seed=1)
    b = Exchange(rounds=3).forecast(scaled, seed=1)
    np.testing.assert_allclose(a.outcome, b.outcome, rtol=0, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(scenarios())
def test_outcome_within_span_and_unanimity_kept(sc):
    # make issue i0 unanimous at 35
    stances = tuple(s.model_copy(update={"position": 35.0}) if s.issue == "i0" else s
                    for s in sc.stances)  # fmt: skip
    sc = sc.replace(stances=stances)
    f = Exchange(rounds=3).forecast(sc, seed=2)
    arr = sc.arrays()
    assert f.outcome_of("i0") == pytest.approx(35.0, abs=1e-9)
    has = arr.present.any(axis=0)
    pos = np.where(arr.present, arr.position, np.nan)[:, has]
    assert np.all(f.outcome[has] >= np.nanmin(pos, axis=0) - 1e-9)
    assert np.all(f.outcome[has] <= np.nanmax(pos, axis=0) + 1e-9)
    assert np.all(f.outcome[~has] == 50.0)  # nobody's issue: the middle of its scale
    assert np.all(np.isfinite(f.positions))
