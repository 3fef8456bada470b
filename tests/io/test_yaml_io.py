"""Native YAML: round trip, safe loading, and errors located by line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import InputError, InputNotice
from detente.io import load_scenario, save_scenario
from detente.io.yaml_io import MAX_NODES, dump_yaml, parse_yaml
from detente.scenario import (
    Actor,
    Condition,
    Effect,
    Issue,
    Linkage,
    Provenance,
    Scale,
    Scenario,
    Source,
    Stance,
    StanceChange,
    Uncertainty,
    Variant,
)


@pytest.fixture
def rich() -> Scenario:
    """A scenario that uses every part of the schema."""
    prov = Provenance(source="000", location="para 4", rationale="the essay says so")
    return Scenario(
        id="rich",
        name="Rich — ünïcode",
        description="two lines\nof description",
        principals=("us", "ru"),
        sources=(Source(id="000", title="An essay", author="A. Author", year=2019),),
        actors=(
            Actor(id="us", name="United States", capability=0.14, provenance=prov),
            Actor(
                id="ru",
                name="Russia",
                capability=0.04,
                uncertainty=Uncertainty(capability=(0.03, 0.05)),
            ),
            Actor(id="eu", capability=0.1),
        ),
        issues=(
            Issue(
                id="sanctions",
                name="Sanctions",
                scale=Scale(low=0, high=10, low_label="lifted", high_label="tightened"),
                reference=7.5,
                unit="index",
            ),
            Issue(id="minsk", reference=20, outcome=30),
        ),
        stances=(
            Stance(actor="us", issue="sanctions", position=9, salience=0.8, provenance=prov),
            Stance(
                actor="ru",
                issue="sanctions",
                position=0,
                salience=1.0,
                capability=0.2,
                uncertainty=Uncertainty(position=(0, 2), salience=(0.9, 1.0)),
            ),
            Stance(actor="eu", issue="sanctions", position=6.25, salience=0.5),
            Stance(actor="us", issue="minsk", position=100, salience=0.6),
            Stance(actor="ru", issue="minsk", position=10, salience=0.7),
        ),
        linkages=(
            Linkage(
                id="hold",
                when=Condition(issue="minsk", op="<", value=70),
                then=Effect(kind="hold", issue="sanctions", actor="us"),
            ),
        ),
        variants=(
            Variant(
                id="deal",
                changes=(StanceChange(actor="us", issue="sanctions", position=5, salience=0.4),),
            ),
        ),
        metadata={"cinc_year": 2016, "note": "test"},
    )


def test_round_trip_every_field(rich, tmp_path):
    path = save_scenario(rich, tmp_path / "rich.yaml")
    assert load_scenario(path) == rich
    assert parse_yaml(dump_yaml(rich)) == rich


def test_round_trip_keeps_default_id(tiny, tmp_path):
    sc = tiny.replace(id="scenario")  # the default id must not turn into the file name
    assert load_scenario(save_scenario(sc, tmp_path / "other.yml")) == sc


_ids = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1)


@settings(max_examples=40, deadline=None)
@given(
    ids=st.lists(_ids, min_size=1, max_size=4, unique=True),
    data=st.data(),
)
def test_round_trip_property(ids, data):
    """Any valid scenario (odd ids, any floats in range) survives dump and load."""
    n_issues = data.draw(st.integers(1, 3))
    low = data.draw(st.floats(-1e6, 1e6))
    span = data.draw(st.floats(1e-3, 1e6))
    issues = tuple(
        Issue(id=f"i{k}", scale=Scale(low=low, high=low + span)) for k in range(n_issues)
    )
    stances = []
    for a in ids:
        for k in range(n_issues):
            if k > 0 and a != ids[0] and not data.draw(st.booleans()):
                continue  # the first actor is on every issue: no issue is left empty
            stances.append(
                Stance(
                    actor=a,
                    issue=f"i{k}",
                    position=data.draw(st.floats(low, low + span)),
                    salience=data.draw(st.floats(0, 1)),
                )
            )
    sc = Scenario(
        # the first actor has some capability: all-zero capabilities are refused
        actors=tuple(Actor(id=a, capability=data.draw(st.floats(a == ids[0], 1e9))) for a in ids),
        issues=issues,
        stances=tuple(stances),
    )
    assert parse_yaml(dump_yaml(sc)) == sc


def test_json_is_read_as_yaml(tiny, tmp_path):
    import json

    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny.model_dump(mode="json")))
    assert load_scenario(path) == tiny


# ----------------------------------------------------------------------------- safety
@pytest.mark.parametrize(
    ("doc", "tag"),
    [
        ("!!python/object/apply:os.system ['touch {marker}']\n", "!!python/object/apply"),
        ("id: x\nactors: !!python/name:os.system\n", "!!python/name"),
        ("id: !!python/object:builtins.dict {{}}\n", "!!python/object"),
    ],
)
def test_python_tags_are_refused_and_never_run(tmp_path, doc, tag):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.yaml"
    path.write_text(doc.format(marker=marker))
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    msg = str(exc.value)
    assert tag in msg and "safe loading only" in msg and "line " in msg
    assert not marker.exists()


def test_unknown_tag_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"line 2: unknown YAML tag !custom"):
        parse_yaml("id: x\nactors: !custom 1\n", "f.yaml")


def test_alias_bomb_is_refused():
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for k in range(1, 8):
        refs = ", ".join([f"*a{k - 1}"] * 10)
        lines.append(f"a{k}: &a{k} [{refs}]")
    with pytest.raises(InputError, match=f"more than {MAX_NODES:,} values"):
        parse_yaml("\n".join(lines) + "\n", "bomb.yaml")


def test_recursive_alias_is_refused():
    with pytest.raises(InputError, match="line 1: an alias refers to"):
        parse_yaml("&a [*a]\n", "loop.yaml")


def test_aliases_are_allowed(tiny):
    text = dump_yaml(tiny).replace("issue: x\n  position: 10.0", "issue: &ix x\n  position: 10.0")
    text = text.replace("- actor: b\n  issue: x", "- actor: b\n  issue: *ix")
    assert "*ix" in text
    assert parse_yaml(text) == tiny


# ----------------------------------------------------------------------------- errors
def _lines(text: str, needle: str) -> int:
    return next(n for n, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_salience_out_of_range_names_stance_and_line(tiny):
    text = dump_yaml(tiny).replace("salience: 0.8", "salience: 1.4")
    line = _lines(text, "salience: 1.4")
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "s.yaml")
    assert str(exc.value) == (
        f"s.yaml, line {line}: stance 5 (b on y): salience must lie in [0, 1], got 1.4"
    )


def test_position_outside_scale_points_at_position(tiny):
    text = dump_yaml(tiny).replace("position: 70.0", "position: 170.0")
    line = _lines(text, "position: 170.0")
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "s.yaml")
    assert f"line {line}: stance 2 (b on x): position 170 lies outside" in str(exc.value)


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("position: 70.0", "position: abc", "stance 2 (b on x): position must be a number"),
        ("position: 70.0", "position: .nan", "position must be a finite number, got nan"),
        ("position: 70.0", "position: .inf", "position must be a finite number, got inf"),
        ("capability: 2.0", "capability: -2.0", "actor 1 (a): capability must be >= 0"),
        ("- id: c", "- id: b", "duplicate actor id(s): b"),
        ("actor: c", "actor: d", "stance 3 (d on x): unknown actor 'd'"),
        ("issue: y\n  position: 0.0", "issue: z\n  position: 0.0", "unknown issue 'z'"),
        ("  capability: 2.0", "  capability: 2.0\n  colour: red", "unknown field 'colour'"),
        ("- id: y\n", "- id: y\n  reference: 120\n", "reference 120.0 lies outside the scale"),
    ],
)
def test_validation_errors_are_located(tiny, old, new, expect):
    text = dump_yaml(tiny)
    assert old in text
    bad = text.replace(old, new, 1)
    with pytest.raises(InputError) as exc:
        parse_yaml(bad, "s.yaml")
    msg = str(exc.value)
    assert msg.startswith("s.yaml, line ")
    assert expect in msg


def test_actor_with_no_stance_points_at_actor(tiny):
    text = dump_yaml(tiny).replace("- id: c\n", "- id: c\n- id: lonely\n")
    line = _lines(text, "- id: lonely")
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "s.yaml")
    assert f"line {line}: actor(s) with no stance on any issue: lonely" in str(exc.value)


def test_missing_field_lists_allowed_fields(tiny):
    text = dump_yaml(tiny).replace("  salience: 0.2\n", "", 1)
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "s.yaml")
    assert "stance 4 (a on y): salience is missing" in exc.value.problem
    assert "actor, issue, position, salience" in (exc.value.allowed or "")


def test_numeric_id_is_explained():
    text = "actors: [{id: 2020}]\nissues: [{id: x}]\nstances: []\n"
    with pytest.raises(InputError) as exc:
        parse_yaml(text, "s.yaml")
    assert "actor 1 (2020): id must be text, got 2020" in exc.value.problem
    assert "quote the value" in (exc.value.allowed or "")


def test_duplicate_key():
    with pytest.raises(InputError, match=r"line 3: the key 'id' is given twice .*line 1"):
        parse_yaml("id: x\nname: y\nid: z\n", "d.yaml")


def test_syntax_error_has_line_and_column():
    with pytest.raises(InputError, match=r"line 2, column 10: YAML syntax error: mapping values"):
        parse_yaml("id: x\nname: one: two\n", "d.yaml")
    with pytest.raises(InputError, match=r"flow sequence that starts at line 2\)"):
        parse_yaml("id: x\nactors: [a, b\n", "d.yaml")


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text\n", "42\n"])
def test_top_level_must_be_mapping(text):
    with pytest.raises(InputError, match="not a mapping"):
        parse_yaml(text, "d.yaml")


def test_two_documents_refused():
    with pytest.raises(InputError, match="YAML syntax error"):
        parse_yaml("id: a\n---\nid: b\n", "d.yaml")


def test_saliences_on_0_100_are_rescaled_with_notice(rich):
    data = dump_yaml(rich)
    for old, new in (
        ("salience: 0.8", "salience: 80"),
        ("salience: 1.0", "salience: 100"),
        ("salience: 0.5", "salience: 50"),
        ("salience: 0.6", "salience: 60"),
        ("salience: 0.7", "salience: 70"),
        ("salience: 0.4", "salience: 40"),
        ("- 0.9\n    - 1.0", "- 90\n    - 100"),
    ):
        assert old in data, old
        data = data.replace(old, new)
    with pytest.warns(InputNotice, match=r"r\.yaml: the saliences are on a 0\.\.100 scale"):
        back = parse_yaml(data, "r.yaml")
    assert back == rich  # stances, uncertainty ranges and variant changes all rescaled


def test_bundled_scenario_reads_and_round_trips(tmp_path):
    from importlib.resources import files

    path = files("detente.scenarios") / "us_russia_reset.yaml"
    if not path.is_file():
        pytest.skip("the bundled scenario is not part of this checkout")
    sc = load_scenario(str(path))
    assert sc.id == "us-russia-reset"
    assert load_scenario(save_scenario(sc, tmp_path / "copy.yaml")) == sc
