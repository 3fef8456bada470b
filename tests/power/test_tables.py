"""The EU Council tables reproduced from their weights and quota; weights files."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.errors import InputError
from detente.power.indices import power_indices
from detente.power.tables import choose_table, load_council_tables, read_weights


def _deviation(table, computed, measure: str) -> float:
    published = getattr(table, measure)
    got = dict(zip(computed.names, getattr(computed, measure), strict=True))
    return max(abs(got[c] - published[c]) for c in published)


def test_eu15_reproduced(shared_data: Path):
    """EU15 [62; 87 votes]: the published Shapley-Shubik column (6 decimals, cut rather
    than rounded: 7/60 is printed 0.116666) within 1e-6, the Banzhaf column (4 decimals)
    within 5e-5, half a unit of its last place."""
    eu15, _ = load_council_tables(shared_data / "deu2")
    assert eu15.quota == 62 and sum(eu15.weights.values()) == 87
    r = eu15.indices()
    assert r.method == "exact"
    assert _deviation(eu15, r, "shapley") < 1e-6
    assert _deviation(eu15, r, "banzhaf") < 5e-5


def test_eu27_banzhaf_reproduced_and_its_shapley_column_is_another_quota(shared_data: Path):
    """EU27 [255; 345 votes]. The table holds only the weights rule (no population or
    member-state criteria of the Nice triple majority), and its Banzhaf column is the
    index of [255; weights] within 5e-5 (4 decimals). Its Shapley-Shubik column is not:
    Poland and Spain (27 votes) get the 29-vote states' 0.09221 and the Netherlands (13)
    the 12-vote states' 0.034902, 0.012 away from the index at 255 for Poland. The column
    is, within 1e-6, the index of the same weights with a quota of 324 (of 345)."""
    _, eu27 = load_council_tables(shared_data / "deu2")
    assert eu27.quota == 255 and sum(eu27.weights.values()) == 345
    r = eu27.indices()
    assert _deviation(eu27, r, "banzhaf") < 5e-5
    assert _deviation(eu27, r, "shapley") > 0.01
    at_255 = dict(zip(r.names, r.shapley, strict=True))
    assert at_255["pl"] < at_255["fr"]  # at 255, fewer votes, less power
    codes = list(eu27.weights)
    at_324 = power_indices([eu27.weights[c] for c in codes], 324, names=codes)
    assert _deviation(eu27, at_324, "shapley") < 1e-6
    assert _deviation(eu27, at_324, "banzhaf") > 0.01  # the Banzhaf column is not at 324


def test_tables_chosen_smallest_first(shared_data: Path):
    tables = load_council_tables(shared_data / "deu2")
    assert choose_table(["de", "fr"], tables, "t").name == "EU15"
    assert choose_table(["de", "pl"], tables, "t").name == "EU27"
    with pytest.raises(InputError, match="xx are in none"):
        choose_table(["xx"], tables, "t")


def test_read_weights(tmp_path: Path):
    p = tmp_path / "council.csv"
    p.write_text("Name,Weight,quota\nnorth,4,6\nsouth,3,6\neast,2,6\nwest,1,6\n", encoding="utf-8")
    wf = read_weights(p)
    assert wf.names == ("north", "south", "east", "west")
    assert wf.weights == (4.0, 3.0, 2.0, 1.0)
    assert wf.quota == 6.0
    # the EU tables are weights files too (abbr, weights, quota): codes name the players
    p.write_text("country,abbr,weights\naustria,at,4\n", encoding="utf-8")
    assert read_weights(p).names == ("at",)  # abbr before country


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,size\na,1\n", "a name column and a weight column are needed"),
        ("name,weight\na,1\nb,x\n", "line 3: weight 'x' is not a number"),
        ("name,weight\na,1\nb,-1\n", "line 3: weight must be a finite non-negative"),
        ("name,weight\na,1\na,2\n", "line 3: name 'a' is given twice"),
        ("name,weight,quota\na,1,2\nb,2,3\n", "the quota differs between rows"),
        ("name,weight\n", "no rows"),
        ("name,weight\n,3\n", "line 2: the name is empty"),
    ],
)
def test_bad_weights_files(tmp_path: Path, text: str, message: str):
    p = tmp_path / "w.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_weights(p)
    with pytest.raises(InputError, match="no such file"):
        read_weights(tmp_path / "missing.csv")
