"""A small hand-made DEU dataset whose errors are known by hand, and a CLI runner.

Capabilities equal (the Commission and the Parliament get the mean member-state
capability, 1), so the compromise forecast is the salience-weighted mean:

=========  =====================================  ========  =======  =====
issue      positions (salience)                   forecast  outcome  error
=========  =====================================  ========  =======  =====
d01001i1   com 100 (50), ep 0 (50), at 50 (100)   50        60       -10
d01001i2   com 0 (100), ep 100 (100)              50        20       +30
n02002i1   com 80, at 20, be 20 (100 each)        40        40       0
n02002i2   com 100 (50), be 0 (50)                50        (none)   —
n02002i3   com 0 (100), ep 100 (100)              50        100      -50
=========  =====================================  ========  =======  =====

Compromise: MAE 22.5, RMSE sqrt(875), median AE 20, within 10: 2 of 4 (10 counts).
Weighted median (first position whose cumulative weight reaches half): 50, 0, 20, 0,
errors 10, 20, 20, 100: MAE 37.5, RMSE sqrt(2725), median AE 20, within 10: 1 of 4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_runner import run_detente_codes

HAND_CSV = """prnrnmc,isnrnmc,prnr,cod,prname,isnr,pcom,pep,pat,pbe,rp,out,scom,sep,sat,sbe
1,1,d01001,2001/0001(COD),alpha,d01001i1,100,0,50,,0,60,50,50,100,0
1,2,d01001,2001/0001(COD),alpha,d01001i2,0,100,,,,20,100,100,0,0
2,3,n02002,2002/0002(CNS),beta,n02002i1,80,,20,20,100,40,100,0,100,100
2,4,n02002,2002/0002(CNS),beta,n02002i2,100,,,0,,,50,0,0,50
2,5,n02002,2002/0002(CNS),beta,n02002i3,0,100,,,,100,100,100,0,0
"""

#: per scored issue, in file order: compromise and weighted-median forecasts
COMPROMISE = [50.0, 50.0, 40.0, 50.0]
MEDIAN = [50.0, 0.0, 20.0, 0.0]
OUTCOME = [60.0, 20.0, 40.0, 100.0]


@pytest.fixture
def hand_expected() -> dict[str, list[float]]:
    """Forecasts and outcomes of the scored issues, in file order (see the table above)."""
    return {"compromise": COMPROMISE, "median": MEDIAN, "outcome": OUTCOME}


@pytest.fixture
def hand_csv(tmp_path: Path) -> Path:
    p = tmp_path / "hand_deu.csv"
    p.write_text(HAND_CSV, encoding="utf-8")
    return p


@pytest.fixture
def run_cli():
    """Run ``python -m detente ARGS`` in a subprocess: (exit code, stdout, stderr)."""

    def run(*args: str, timeout: float = 120) -> tuple[int, str, str]:
        return run_detente_codes(*args, columns=100, timeout=timeout)

    return run
