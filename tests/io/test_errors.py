"""Bad input, across formats: one clear InputError naming the file, the place, the problem
and what is allowed; never a traceback from deep inside, never a silent NaN; input files
are never written to."""

from __future__ import annotations

import contextlib
import hashlib
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.errors import InputError, InputNotice
from detente.io import FORMATS, load_scenario, save_scenario
from detente.io.common import decode_utf8, salience_divisor

LONG = "actor,issue,position,salience\nUSA,sanctions,80,0.9\nRUS,sanctions,10,0.8\n"


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _err(path, **kw) -> InputError:
    with pytest.raises(InputError) as exc:
        load_scenario(path, **kw)
    err = exc.value
    assert err.source == str(path), "every message names the file"
    assert str(path) in str(err)
    return err


# ----------------------------------------------------------------------------- the file
def test_missing_file(tmp_path):
    err = _err(tmp_path / "nope.csv")
    assert err.problem == "no such file"


def test_directory(tmp_path):
    assert "not a file" in _err(tmp_path).problem


@pytest.mark.parametrize("name", ["e.csv", "e.yaml", "e.xlsx", "e.txt"])
def test_empty_file(tmp_path, name):
    assert _err(_write(tmp_path, name, b"")).problem == "the file is empty"


def test_blank_file(tmp_path):
    assert "empty" in _err(_write(tmp_path, "b.csv", " \n\t\n")).problem


def test_size_limit(tmp_path):
    path = _write(tmp_path, "big.csv", LONG)
    err = _err(path, max_bytes=20)
    assert "over the size limit" in err.problem and "max_bytes" in (err.allowed or "")
    assert len(load_scenario(path).stances) == 2  # the default limit (50 MB) lets it through


def test_default_size_limit_is_50_mb(tmp_path):
    from detente.io import DEFAULT_MAX_BYTES

    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:  # a sparse file: no 50 MB are written to disk
        fh.truncate(DEFAULT_MAX_BYTES + 1)
    assert "over the size limit of 50.0 MB" in _err(path).problem


def test_not_utf8_names_line_and_column(tmp_path):
    path = _write(tmp_path, "l1.csv", (LONG + "M\xe9xico,sanctions,50,0.5\n").encode("latin-1"))
    err = _err(path)
    assert err.where == "line 4, column 2"
    assert err.problem.startswith("not UTF-8 text: byte 0xe9")
    assert "UTF-8" in (err.allowed or "")


def test_utf16_and_binary(tmp_path):
    assert "UTF-16" in _err(_write(tmp_path, "u.csv", LONG.encode("utf-16"))).problem
    err = _err(_write(tmp_path, "n.csv", b"actor,issue\x00\x01"), format="csv")
    assert "binary" in err.problem


def test_utf8_bom_is_accepted(tmp_path):
    path = _write(tmp_path, "bom.csv", "\ufeff" + LONG)
    assert load_scenario(path).actor_ids == ("USA", "RUS")


def test_zip_read_as_text():
    with pytest.raises(InputError, match="zip archive"):
        decode_utf8(b"PK\x03\x04rest", "w.csv")


# ----------------------------------------------------------------------------- delimiters, columns
@pytest.mark.parametrize(
    ("content", "expect"),
    [
        ('"actor;issue;position;salience"\n"USA;sanctions;80;0.9"\n', "wrong delimiter"),
        ("actor|issue|position|salience\nUSA|sanctions|80|0.9\n", "wrong delimiter"),
        ("actor,issue,position,salience\nUSA;sanctions;80;0.9\n", "wrong delimiter"),
    ],
)
def test_wrong_delimiter(tmp_path, content, expect):
    err = _err(_write(tmp_path, "d.csv", content))
    assert expect in err.problem and err.where in ("line 1", "row 1", "row 2")
    assert "commas, semicolons or tabs" in (err.allowed or "") or "same delimiter" in (
        err.allowed or ""
    )


def test_wrong_columns(tmp_path):
    err = _err(_write(tmp_path, "c.csv", "actor,issue,stance,salience\nA,x,1,0.5\n"))
    assert err.where == "row 1" and "unknown column 'stance'" in err.problem


# ----------------------------------------------------------------------------- content
CASES = [
    # (file name, content, where, words in the message)
    ("dup.csv", LONG + "USA,sanctions,70,0.5\n", "row 4", "a second row for USA on sanctions"),
    (
        "dup.bdm.csv",
        "Actor,Capability,Position,Salience\nA,1,2,0.5\nA,1,3,0.5\n",
        "line 3",
        "actor 'A' appears twice",
    ),
    ("dupa.decide", "#A\tA\n#A\tA\n#P\tx\n#D\tA\tx\t1\t1\t1\n", "line 2", "declared twice"),
    ("unk.decide", "#A\tA\n#P\tx\n#D\tA\tx\t1\t1\t1\n#D\tB\tx\t1\t1\t1\n", "line 4", "'B'"),
    ("unki.decide", "#A\tA\n#P\tx\n#D\tA\ty\t1\t1\t1\n", "line 3", "issue 'y'"),
    ("pos.csv", LONG.replace("80", "180"), "row 2", "position 180 lies outside"),
    ("sal.csv", LONG.replace("0.9", "1.4"), "row 2", "salience must lie in [0, 1], got 1.4"),
    ("neg.csv", LONG.replace("0.9", "-0.9"), "row 2", "salience must lie in [0, 1], got -0.9"),
    (
        "cap.csv",
        "actor,issue,position,salience,capability\nA,x,1,0.5,-3\n",
        "row 2",
        "capability must be >= 0, got -3",
    ),
    ("nan.csv", LONG.replace("80", "nan"), "row 2", "position must be a finite number, got nan"),
    ("inf.csv", LONG.replace("0.8", "inf"), "row 3", "salience must be a finite number"),
    ("none.decide", "#A\tA\n#A\tB\n#P\tx\n#D\tA\tx\t1\t1\t1\n", "line 2", "'B' has no #D row"),
    (
        "none.yaml",
        "actors: [{id: a}, {id: b}]\nissues: [{id: x}]\n"
        "stances: [{actor: a, issue: x, position: 1, salience: 1}]\n",
        "line 1",
        "actor(s) with no stance on any issue: b",
    ),
    (
        "evil.yaml",
        "actors: !!python/object/apply:os.getcwd []\n",
        "line 1",
        "safe loading only",
    ),
]


@pytest.mark.parametrize(("name", "content", "where", "expect"), CASES, ids=[c[0] for c in CASES])
def test_content_errors(tmp_path, name, content, where, expect):
    fmt = "decide" if name.endswith(".decide") else "bdm" if ".bdm." in name else None
    err = _err(_write(tmp_path, name, content), format=fmt)
    assert err.where == where, str(err)
    assert expect in err.problem, str(err)


def test_malformed_decide_reference_file(shared_data):
    path = shared_data / "reference_cases" / "decide_copenhagen_with_errors.csv"
    err = _err(path)
    assert str(err).startswith(
        f"{path}, line 86: Russia on Control: position 160 lies outside the issue's scale "
        "[0, 100] (allowed: "
    )
    assert str(err).endswith(
        "; also line 87: China India on Control: power must be >= 0, got -0.247"
    )


def test_rescale_0_100_with_notice(tmp_path):
    path = _write(tmp_path, "r.csv", LONG.replace("0.9", "90").replace("0.8", "80"))
    with pytest.warns(InputNotice) as record:
        sc = load_scenario(path)
    assert [s.salience for s in sc.stances] == [0.9, 0.8]
    # one notice for the rescale (and one for the missing capability column)
    (w,) = [r for r in record if "saliences" in str(r.message)]
    assert issubclass(w.category, InputNotice)
    assert str(path) in str(w.message) and "divided by 100" in str(w.message)
    assert any("no capability column" in str(r.message) for r in record)


@pytest.mark.parametrize(
    ("values", "divisor"),
    [
        ([0.2, 0.5, 1.0], 1.0),
        ([20, 50, 100], 100.0),
        ([0, 0, 60], 100.0),
        ([0.8, 1.4, 0.3], 1.0),  # one typo: reported, not rescaled
        ([0.5, 7.5], 1.0),  # no majority above 1: ambiguous, so not rescaled
        ([80, 90, -5], 100.0),  # -5 is then reported against 0..100
        ([], 1.0),
    ],
)
def test_salience_divisor(values, divisor):
    assert salience_divisor(values) == divisor


# ----------------------------------------------------------------------------- files untouched
def test_input_files_are_never_written(shared_data, tmp_path):
    files = sorted((shared_data / "reference_cases").iterdir())
    files.append(save_scenario_fixture(tmp_path))
    before = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        for p in files:
            with contextlib.suppress(InputError):
                load_scenario(p)
    after = {p: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in files}
    assert before == after


def save_scenario_fixture(tmp_path):
    from detente.scenario import Actor, Issue, Scenario, Stance

    sc = Scenario(
        actors=(Actor(id="a"),),
        issues=(Issue(id="x"),),
        stances=(Stance(actor="a", issue="x", position=1, salience=1),),
    )
    return save_scenario(sc, tmp_path / "one.xlsx")


def test_save_refuses_to_overwrite(tiny, tmp_path):
    path = save_scenario(tiny, tmp_path / "t.csv")
    content = path.read_bytes()
    with pytest.raises(InputError, match="exists already"):
        save_scenario(tiny.replace(id="other"), path)
    assert path.read_bytes() == content
    save_scenario(tiny.replace(name="renamed"), path, format="yaml", overwrite=True)
    assert load_scenario(path, format="yaml").name == "renamed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]  # no temporary left


@pytest.mark.parametrize(
    ("name", "kw", "expect"),
    [
        ("t.txt", {}, "cannot tell the format to write"),
        ("t.csv", {"format": "bdm"}, "unknown format 'bdm'"),
        ("missing/t.csv", {}, "does not exist"),
    ],
)
def test_save_errors(tiny, tmp_path, name, kw, expect):
    with pytest.raises(InputError, match=expect):
        save_scenario(tiny, tmp_path / name, **kw)


# ----------------------------------------------------------------------------- robustness
_cell = st.one_of(
    st.sampled_from(["", "A", "B", "x", "1", "0.5", "80", "-1", "nan", "1e400", "#D", "'q'"]),
    st.text(max_size=6),
)


def _join(cells: list[str]) -> str:
    return ",".join(cells) if len(cells) % 2 else "\t".join(cells)


_line = st.lists(_cell, min_size=1, max_size=7).map(_join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.sampled_from(
        [
            "actor,issue,position,salience,capability",
            "Actor,Capability,Position,Salience",
            "#A\tA\tAlpha",
            "T,desc,2,1,\nActor,Description,Influence,P,S,",
            "actors:",
            "",
        ]
    ),
    body=st.lists(_line, max_size=6),
    fmt=st.sampled_from([None, *[f for f in FORMATS if f not in ("xlsx", "deu")]]),
)
def test_garbage_gives_input_error_or_a_valid_scenario(tmp_path, header, body, fmt):
    """Whatever the text, the readers give a Scenario or an InputError, nothing else."""
    path = tmp_path / "fuzz.csv"
    path.write_text("\n".join([header, *body]) + "\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputNotice)
        try:
            sc = load_scenario(path, format=fmt)
        except InputError as exc:
            assert exc.problem and exc.source == str(path)
            return
    arr = sc.arrays()
    assert ((arr.salience >= 0) & (arr.salience <= 1)).all()
    assert (arr.capability >= 0).all()
