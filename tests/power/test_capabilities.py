"""Capabilities: Council tables, the table chosen per issue, the institutions' rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.errors import InputError
from detente.power.capabilities import (
    CapabilitySpec,
    InstitutionRule,
    issue_capabilities,
    load_council_tables,
    parse_measure,
)

COLUMNS = "country,abbr,weights,quota,block,banzhaf,shapleyshubik"


@pytest.fixture
def tables(tmp_path: Path) -> Path:
    """Two invented tables: a small one (at, be) and a larger one (at, be, cz)."""
    (tmp_path / "EU15.csv").write_text(
        f"{COLUMNS}\naustria,at,4,7,3,0.4,0.45\nbelgium,be,6,7,3,0.6,0.55\n", encoding="utf-8"
    )
    (tmp_path / "EU27.csv").write_text(
        f"{COLUMNS}\naustria,at,10,20,9,0.3,0.2\nbelgium,be,12,20,9,0.3,0.3\n"
        "czech republic,cz,14,20,9,0.4,0.5\n",
        encoding="utf-8",
    )
    return tmp_path


CODES = ["com", "ep", "at", "be", "cz"]
PRESENT = np.array(
    [
        [True, True, True, True, False],  # at, be: the small table
        [True, False, True, False, True],  # cz present: the larger table
        [True, True, False, False, False],  # no member state
    ]
)


def test_measures_and_table_choice(tables):
    spec = CapabilitySpec(measure="weights", weights_dir=str(tables))
    cap = issue_capabilities(CODES, PRESENT, ["COD", "CNS", None], spec, source="t")
    # issue 1: EU15 weights at 4, be 6; institutions the mean 5
    assert cap[0].tolist() == [5.0, 5.0, 4.0, 6.0, 0.0]
    # issue 2: EU27 weights at 10, cz 14; Commission the mean 12, EP absent
    assert cap[1].tolist() == [12.0, 0.0, 10.0, 0.0, 14.0]
    # issue 3: no state: relative rules fall back to their factor (1)
    assert cap[2].tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]
    shap = issue_capabilities(
        CODES,
        PRESENT,
        ["COD", "CNS", None],
        CapabilitySpec("shapley", weights_dir=str(tables)),
        source="t",
    )
    assert shap[0, 2:4].tolist() == [0.45, 0.55]
    assert shap[1, [2, 4]].tolist() == [0.2, 0.5]
    banz = issue_capabilities(
        CODES,
        PRESENT,
        ["COD", "CNS", None],
        CapabilitySpec("banzhaf", weights_dir=str(tables)),
        source="t",
    )
    assert banz[0, 2:4].tolist() == [0.4, 0.6]
    equal = issue_capabilities(
        CODES, PRESENT, ["COD", "CNS", None], CapabilitySpec("equal"), source="t"
    )
    assert equal[0].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]


def test_institution_rules(tables):
    spec = CapabilitySpec(
        measure="weights",
        commission="2*mean",
        parliament="COD:max,CNS:0.5*sum,*:3",
        weights_dir=str(tables),
    )
    present = np.array([[True, True, True, True, False]] * 3)
    cap = issue_capabilities(CODES, present, ["COD", "CNS", None], spec, source="t")
    assert cap[:, 0].tolist() == [10.0, 10.0, 10.0]  # 2 x mean(4, 6)
    assert cap[:, 1].tolist() == [6.0, 5.0, 3.0]  # max; half the sum; absolute 3


@pytest.mark.parametrize("text", ["median", "2*", "x*mean", "COD:", ""])
def test_bad_rules(text):
    with pytest.raises(InputError, match="--commission"):
        InstitutionRule.parse(text, "--commission")


def test_bad_measure():
    assert parse_measure("Shapley-Shubik") == "shapley"
    with pytest.raises(InputError, match="equal, weights, banzhaf, shapley"):
        parse_measure("gdp")


def test_state_missing_from_every_table(tables):
    present = np.array([[True, False, True, False, False]])
    with pytest.raises(InputError, match="xx are in none"):
        issue_capabilities(
            ["com", "ep", "at", "be", "xx"],
            np.array([[True, False, True, False, True]]),
            [None],
            CapabilitySpec("weights", weights_dir=str(tables)),
            source="t",
        )
    # fine without the unknown state
    issue_capabilities(
        CODES, present, [None], CapabilitySpec("weights", weights_dir=str(tables)), source="t"
    )


def test_missing_tables_and_bad_cells(tmp_path):
    with pytest.raises(InputError, match=r"EU15\.csv is not in"):
        load_council_tables(tmp_path)
    (tmp_path / "EU15.csv").write_text(
        f"{COLUMNS}\naustria,at,four,7,3,0.4,0.45\n", encoding="utf-8"
    )
    (tmp_path / "EU27.csv").write_text(f"{COLUMNS}\naustria,at,4,7,3,0.4,0.45\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2") as exc:
        load_council_tables(tmp_path)
    assert "weights 'four' is not a number" in str(exc.value)


def test_shared_tables(shared_data):
    """The DEU II tables: 15 and 27 states; QMV weights total 87 (Nice, EU15) and 345
    (EU27); every index column sums to 1 within rounding (tolerance 0.01)."""
    eu15, eu27 = load_council_tables(shared_data / "deu2")
    assert len(eu15.weights) == 15 and len(eu27.weights) == 27
    assert sum(eu15.weights.values()) == 87
    assert sum(eu27.weights.values()) == 345
    for t in (eu15, eu27):
        assert sum(t.banzhaf.values()) == pytest.approx(1.0, abs=0.01)
        assert sum(t.shapley.values()) == pytest.approx(1.0, abs=0.01)


def test_indices_computed_from_weights_and_quota(tables, tmp_path):
    """``shapley-computed``/``banzhaf-computed``: the indices of [quota; weights] of the
    table chosen for the issue, not its columns. The small table [7; 4, 6] needs both
    states (1/2 each); the larger [20; 10, 12, 14] lets any two win (1/3 each)."""
    for measure in ("shapley-computed", "banzhaf-computed"):
        cap = issue_capabilities(
            CODES,
            PRESENT,
            ["COD", "CNS", None],
            CapabilitySpec(parse_measure(measure), weights_dir=str(tables)),
            source="t",
        )
        assert cap[0].tolist() == pytest.approx([0.5, 0.5, 0.5, 0.5, 0.0])
        assert cap[1, [2, 4]].tolist() == pytest.approx([1 / 3, 1 / 3])
    assert parse_measure("SSI-computed") == "shapley-computed"
    # a table without a quota has no computed indices
    for name in ("EU15.csv", "EU27.csv"):
        text = (tables / name).read_text(encoding="utf-8").splitlines()
        rows = [",".join(c for k, c in enumerate(r.split(",")) if k != 3) for r in text]
        (tmp_path / "noquota").mkdir(exist_ok=True)
        (tmp_path / "noquota" / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="no quota column"):
        issue_capabilities(
            CODES,
            PRESENT,
            ["COD", "CNS", None],
            CapabilitySpec("shapley-computed", weights_dir=str(tmp_path / "noquota")),
            source="t",
        )


def test_tables_are_those_of_detente_power(shared_data):
    """Validation reads the Council tables through :mod:`detente.power.tables` (one
    reader for the DEU reader and validation); on EU15 the computed Shapley-Shubik
    capabilities equal the table's column within its 6 decimals."""
    from detente.power import capabilities
    from detente.power import tables as power_tables

    assert capabilities.load_council_tables is power_tables.load_council_tables
    eu15, _ = load_council_tables(shared_data / "deu2")
    for code in eu15.weights:
        assert eu15.value(code, "shapley-computed") == pytest.approx(
            eu15.value(code, "shapley"), abs=1e-6
        )
