"""The bundled scenarios, above all ``us-russia-reset`` (docs/reset.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import detente.scenarios as bundled
from detente.decision import decision_arrays
from detente.errors import InputError
from detente.linkage import held_mask
from detente.models import available, get_model
from detente.scenario import Provenance, Scenario
from detente.scenarios import DEFAULT_SCENARIO, list_scenarios, load_bundled

ID = "us-russia-reset"
ACTORS = {
    "united_states",
    "russia",
    "european_allies",
    "ukraine",
    "venezuela",
    "cuba_nicaragua",
    "china",
    "syria",
}
VARIANTS = ("status_quo", "spheres_trade", "conditional_engagement")
#: one cited place: an essay paragraph or range ("000 ¶4", "001 ¶2-3"), or a CINC row
ESSAY_REF = re.compile(r"^(000|001) ¶(\d+)(?:-(\d+))?$")
CHANGE_REF = re.compile(r"(000|001) ¶(\d+)(?:-(\d+))?")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_bundled(ID)


def _provenances(s: Scenario) -> list[tuple[str, Provenance | None]]:
    items: list[tuple[str, Provenance | None]] = []
    items += [(f"actor {a.id}", a.provenance) for a in s.actors]
    items += [(f"issue {i.id}", i.provenance) for i in s.issues]
    items += [(f"stance {st.actor}/{st.issue}", st.provenance) for st in s.stances]
    items += [(f"linkage {k.id}", k.provenance) for k in s.linkages]
    items += [(f"variant {v.id}", v.provenance) for v in s.variants]
    return items


def _paragraph_counts(s: Scenario) -> dict[str, int]:
    """Number of body paragraphs per essay, from the metadata's paragraph anchors."""
    return {
        essay: len(re.findall(r"¶\d+", str(s.metadata[f"paragraphs_{essay}"])))
        for essay in ("000", "001")
    }


def _cited(text: str) -> list[tuple[str, int]]:
    out = []
    for essay, first, last in CHANGE_REF.findall(text):
        out += [(essay, n) for n in range(int(first), int(last or first) + 1)]
    return out


# ---------------------------------------------------------------------------- package


def test_yaml_ships_inside_the_package() -> None:
    assert resources.files("detente.scenarios").joinpath("us_russia_reset.yaml").is_file()


def test_default_is_listed_with_its_shape() -> None:
    assert DEFAULT_SCENARIO == ID
    rows = {r["id"]: r for r in list_scenarios()}
    assert set(rows[ID]) == {"id", "name", "description", "n_actors", "n_issues", "variants"}
    assert rows[ID]["n_actors"] == 8
    assert rows[ID]["n_issues"] == 9
    assert rows[ID]["variants"] == list(VARIANTS)


def test_unknown_id_names_the_known_ones() -> None:
    with pytest.raises(InputError) as info:
        load_bundled("us-china-reset")
    assert "us-china-reset" in str(info.value)
    assert ID in str(info.value)


def test_round_trips_through_its_own_structure(scenario: Scenario) -> None:
    again = Scenario.model_validate(scenario.model_dump(mode="json"))
    assert again == scenario
    assert again.input_hash() == scenario.input_hash()


# ---------------------------------------------------------------------------- content


def test_actors_and_principals(scenario: Scenario) -> None:
    assert set(scenario.actor_ids) == ACTORS
    assert scenario.principals == ("united_states", "russia")
    assert scenario.principal_ids == ("united_states", "russia")


def test_issues_have_worded_scales_and_a_status_quo(scenario: Scenario) -> None:
    for issue in scenario.issues:
        assert (issue.scale.low, issue.scale.high) == (0.0, 100.0), issue.id
        assert issue.scale.low_label and issue.scale.high_label, issue.id
        assert issue.scale.low_label != issue.scale.high_label, issue.id
        assert issue.reference is not None, issue.id
        assert issue.name and issue.description, issue.id


def test_not_every_actor_on_every_issue(scenario: Scenario) -> None:
    present = scenario.arrays().present
    assert present.any(axis=1).all()  # every actor takes some stance
    assert not present.all()  # but not everyone on everything
    # the principals take a stance on every issue: the reset is about them
    for p in scenario.principals:
        assert present[scenario.actor_ids.index(p)].all(), p


def test_every_number_has_provenance(scenario: Scenario) -> None:
    sources = {src.id for src in scenario.sources}
    assert {"000", "001", "cinc", "analyst"} <= sources
    for what, prov in _provenances(scenario):
        assert prov is not None, what
        assert prov.source in sources, what
        assert prov.rationale and prov.rationale.strip(), what
        assert "\n" not in prov.rationale, f"{what}: rationale should be one line"
        assert prov.location, what
        loc = prov.location
        if prov.source == "cinc":
            assert loc.startswith("CINC 2016: "), what
        elif prov.source == "analyst":
            assert loc == "analyst judgment", what
        else:
            parts = [p.strip() for p in loc.split(";")]
            assert all(ESSAY_REF.match(p) for p in parts), f"{what}: {loc!r}"
            assert any(p.startswith(prov.source) for p in parts), f"{what}: {loc!r}"


def test_every_cited_paragraph_exists(scenario: Scenario) -> None:
    counts = _paragraph_counts(scenario)
    assert counts == {"000": 7, "001": 4}
    texts = [p.location or "" for _, p in _provenances(scenario) if p is not None]
    texts += [c.rationale or "" for v in scenario.variants for c in v.changes]
    cited = [ref for t in texts for ref in _cited(t)]
    assert {essay for essay, _ in cited} == {"000", "001"}
    for essay, n in cited:
        assert 1 <= n <= counts[essay], f"{essay} ¶{n} does not exist"


def test_variant_changes_cite_their_essay(scenario: Scenario) -> None:
    essay = {"spheres_trade": "000", "conditional_engagement": "001"}
    for v in scenario.variants:
        for c in v.changes:
            assert c.rationale, f"{v.id}: {c.actor}/{c.issue}"
            assert {e for e, _ in _cited(c.rationale)} == {essay[v.id]}, c.rationale


def test_paragraph_anchors_match_the_essays(scenario: Scenario, shared_data: Path) -> None:
    seeds = shared_data.parent / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"essays not found at {seeds}")
    for essay in ("000", "001"):
        (path,) = seeds.glob(f"{essay}_*.txt")
        text = path.read_text(encoding="utf-8").replace("\u2019", "'")
        blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
        anchors = re.findall(
            r"¶(\d+) (.+?)(?= \| ¶|$)", str(scenario.metadata[f"paragraphs_{essay}"])
        )
        first = next(k for k, b in enumerate(blocks) if b.startswith(anchors[0][1]))
        for n, words in anchors:
            assert blocks[first + int(n) - 1].startswith(words), f"{essay} ¶{n}"
        # the paragraph after the last anchor is the author's note, not argument
        after = blocks[first + len(anchors)]
        assert re.search(r"(senior fellow|Senior Fellow)", after), f"{essay}: {after[:60]}"


def test_capabilities_match_cinc(scenario: Scenario, shared_data: Path) -> None:
    cinc = pd.read_csv(shared_data / "cinc" / "NMC-60-abridged.csv")
    latest = int(cinc["year"].max())
    assert scenario.metadata["cinc_year"] == latest
    year = cinc[cinc["year"] == latest].set_index("stateabb")["cinc"]
    for actor in scenario.actors:
        assert actor.provenance is not None and actor.provenance.location is not None
        codes = re.findall(r"\b[A-Z]{3}\b", actor.provenance.location.split(":", 1)[1])
        assert codes, actor.id
        assert str(latest) in actor.provenance.location
        # tolerance: the YAML keeps at least 9 significant digits of the file's values
        assert actor.capability == pytest.approx(year[codes].sum(), rel=1e-9), actor.id
    europe = scenario.actor("european_allies")
    major = str(scenario.metadata["european_allies_major_six"]).split(", ")
    assert europe.uncertainty is not None and europe.uncertainty.capability is not None
    low, high = europe.uncertainty.capability
    assert low == pytest.approx(year[major].sum(), rel=1e-9)
    assert high == europe.capability
    members = str(scenario.metadata["european_allies_members"]).split(", ")
    assert set(major) <= set(members)


# ---------------------------------------------------------------------------- variants


def test_every_variant_applies(scenario: Scenario) -> None:
    assert tuple(v.id for v in scenario.variants) == VARIANTS
    for vid in VARIANTS:
        out = scenario.variant(vid)
        assert out.id == f"{ID}@{vid}"
        assert out.variants == ()
    assert scenario.variant("status_quo").stances == scenario.stances
    with pytest.raises(InputError):
        scenario.variant("grand_bargain")


def _pos(s: Scenario, actor: str, issue: str) -> float:
    st = s.stance(actor, issue)
    assert st is not None, (actor, issue)
    return st.position


def _sal(s: Scenario, actor: str, issue: str) -> float:
    st = s.stance(actor, issue)
    assert st is not None, (actor, issue)
    return st.salience


US, RU, EE, WH = "united_states", "russia", "eastern_europe_sphere", "western_hemisphere"


def test_spheres_trade_is_carpenters_course(scenario: Scenario) -> None:
    base, trade = scenario, scenario.variant("spheres_trade")
    # the U.S. moves toward accepting a Russian sphere and cares less about it ...
    assert _pos(trade, US, EE) > _pos(base, US, EE)
    assert _sal(trade, US, EE) < _sal(base, US, EE)
    # ... insists harder on the Monroe Doctrine and on interference
    assert _pos(trade, US, WH) == 0.0
    assert _sal(trade, US, WH) > _sal(base, US, WH)
    assert _sal(trade, US, "election_interference") == 1.0
    # the trade is mutually attractive only under the variant: each side cares more
    # about the issue the other gives up
    for s, expected in ((base, False), (trade, True)):
        mutual = _sal(s, US, WH) > _sal(s, US, EE) and _sal(s, RU, EE) > _sal(s, RU, WH)
        assert mutual is expected


def test_conditional_engagement_is_mankoffs_course(scenario: Scenario) -> None:
    base, eng = scenario, scenario.variant("conditional_engagement")
    # sanctions held at the status quo, with more weight on the message
    assert _pos(eng, US, "sanctions") == scenario.issue("sanctions").reference
    assert _sal(eng, US, "sanctions") > _sal(base, US, "sanctions")
    # engagement: confidence building, cyberspace, Syria, assurances move toward Russia
    for issue in ("military_transparency", "cyberspace", "syria", "regime_change_assurances"):
        assert _pos(eng, US, issue) > _pos(base, US, issue), issue
        assert _sal(eng, US, issue) > _sal(base, US, issue), issue
    # firm commitment to allies: Eastern Europe weighs more, no sphere conceded
    assert _sal(eng, US, EE) > _sal(base, US, EE)
    assert _pos(eng, US, EE) < 50


# ---------------------------------------------------------------------------- linkages


def test_linkages_bind_at_the_status_quo_and_release_on_compliance(scenario: Scenario) -> None:
    arr = scenario.arrays()
    a = {x: k for k, x in enumerate(arr.actor_ids)}
    i = {x: k for k, x in enumerate(arr.issue_ids)}
    rules = decision_arrays(scenario)
    pos = arr.position.copy()
    holds = held_mask(scenario.linkages, arr, arr.reference, pos, rules)
    assert holds is not None
    # at the status quo (Minsk unimplemented, Russia interfering) sanctions are frozen ...
    assert holds[:, i["sanctions"]][arr.present[:, i["sanctions"]]].all()
    # ... so are the bilateral issues, and the United States holds on Syria
    for issue in ("military_transparency", "cyberspace", "regime_change_assurances"):
        assert holds[:, i[issue]].all(), issue
    assert holds[a["united_states"], i["syria"]] and not holds[a["russia"], i["syria"]]
    # the interference condition reads Russia's own position, not the weighted mean
    stopped = pos.copy()
    stopped[a["russia"], i["election_interference"]] = 10.0
    complied = arr.reference.copy()
    complied[i["minsk"]] = 100.0
    released = held_mask(scenario.linkages, arr, complied, stopped)
    assert released is not None and not released.any()
    # the two conditions act separately
    partial = held_mask(scenario.linkages, arr, complied, pos)
    assert partial is not None
    assert not partial[:, i["sanctions"]].any()
    assert partial[:, i["cyberspace"]].all()
    # the Minsk condition reads Minsk's outcome under its unanimity rule (Russia at 30 and
    # the status quo at 20 cap it at 40), not the weighted mean of everyone's positions
    mean = np.full(arr.n_issues, 95.0)
    held = held_mask(scenario.linkages, arr, mean, pos, rules)
    assert held is not None and held[:, i["sanctions"]][arr.present[:, i["sanctions"]]].all()


def test_who_decides_each_issue(scenario: Scenario) -> None:
    rule = {iss.id: iss.decision for iss in scenario.issues}
    assert (rule["election_interference"].rule, rule["election_interference"].actor) == (
        "unilateral",
        "russia",
    )
    assert set(rule["minsk"].veto) == {"russia", "ukraine"}
    assert set(rule["sanctions"].veto) == {"united_states", "european_allies"}
    assert set(rule["military_transparency"].veto) == {"united_states", "russia"}
    assert rule["syria"].rule == "influence"
    for iss in scenario.issues:
        if iss.decision.rule != "influence":
            prov = iss.decision.provenance
            assert prov is not None and prov.rationale and prov.location, iss.id


def test_clout_on_an_issue_overrides_national_power_where_it_misleads(scenario: Scenario) -> None:
    # China's CINC is the largest of all, yet it spends none of it on these issues
    china = [st for st in scenario.stances if st.actor == "china"]
    assert china and all(st.capability is not None for st in china)
    assert all(st.capability <= 0.5 * scenario.actor("china").capability for st in china)
    for st in scenario.stances:
        if st.capability is not None:
            assert st.provenance is not None and "Clout on this issue" in (
                st.provenance.rationale or ""
            ), (st.actor, st.issue)


@pytest.mark.parametrize("model", available())
def test_russia_decides_its_interference_in_every_model(scenario: Scenario, model: str) -> None:
    f = get_model(model).forecast(scenario, seed=0)
    k = f.issue_ids.index("election_interference")
    r = f.actor_ids.index("russia")
    assert f.outcome[k] == pytest.approx(f.positions[-1][r, k], abs=1e-9)


# ---------------------------------------------------------------------------- models


@pytest.mark.parametrize("variant", (None, *VARIANTS))
def test_compromise_forecasts_on_the_scales(scenario: Scenario, variant: str | None) -> None:
    s = scenario if variant is None else scenario.variant(variant)
    f = get_model("compromise").forecast(s)
    arr = s.arrays()
    assert f.issue_ids == arr.issue_ids
    assert np.all(np.isfinite(f.outcome))
    pos = np.where(arr.present, arr.position, np.nan)
    # the outcome lies within the span of the positions taken or, where a decision rule
    # or a freeze binds, between that span and the status quo (1e-9: rounding)
    lo = np.minimum(np.nanmin(pos, axis=0), arr.reference)
    hi = np.maximum(np.nanmax(pos, axis=0), arr.reference)
    assert np.all((f.outcome >= lo - 1e-9) & (f.outcome <= hi + 1e-9))
    assert np.all((f.outcome >= arr.low) & (f.outcome <= arr.high))


def test_spheres_trade_moves_the_eastern_europe_forecast(scenario: Scenario) -> None:
    model = get_model("compromise")
    k = scenario.issue_ids.index("eastern_europe_sphere")
    base = model.forecast(scenario).outcome[k]
    trade = model.forecast(scenario.variant("spheres_trade")).outcome[k]
    assert trade > base


# ---------------------------------------------------------------------------- bad files


@pytest.fixture
def fake_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the loader at a temporary folder standing in for the package."""
    monkeypatch.setattr(bundled.resources, "files", lambda _name: tmp_path)
    bundled._load.cache_clear()
    yield tmp_path
    bundled._load.cache_clear()


def _minimal(scenario_id: str = "tiny-case", salience: str = "0.5") -> str:
    return (
        f"id: {scenario_id}\n"
        "actors: [{id: a}]\n"
        "issues: [{id: x}]\n"
        f"stances: [{{actor: a, issue: x, position: 10, salience: {salience}}}]\n"
    )


def test_loader_reads_a_good_file(fake_package: Path) -> None:
    (fake_package / "tiny_case.yaml").write_text(_minimal(), encoding="utf-8")
    assert bundled.bundled_ids() == ["tiny-case"]
    assert load_bundled("tiny-case").actor_ids == ("a",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: tiny-case\nactors: [a\n", "line"),
        ("!!python/object/apply:os.system ['true']\n", "safe loading only"),
        ("- just\n- a list\n", "mapping"),
        (_minimal(salience="-0.5"), "salience must lie in [0, 1]"),
        (_minimal(scenario_id="other"), "does not match its file name"),
    ],
    ids=["broken", "python-object", "not-mapping", "bad-salience", "id-mismatch"],
)
def test_loader_reports_bad_files(fake_package: Path, text: str, expected: str) -> None:
    (fake_package / "tiny_case.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_bundled("tiny-case")
    msg = str(info.value)
    assert "tiny_case.yaml" in msg
    assert expected in msg
