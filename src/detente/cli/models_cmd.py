"""``detente models``: the registered models, their sources and parameters."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from detente.cli.app import app
from detente.cli.common import print_json
from detente.cli.tables import print_table
from detente.models import available
from detente.models.registry import describe


@app.command()
def models(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the forecasting models with their citations and default parameters."""
    rows = [describe(n) for n in available(every=True)]
    if as_json:
        print_json([{k: r[k] for k in ("name", "summary", "citation", "params")} for r in rows])
        return
    t = Table(title="models", title_justify="left")
    for col in ("name", "what it does", "source", "parameters (defaults)"):
        t.add_column(col, overflow="fold")
    for r in rows:
        params = ", ".join(f"{k}={v!r}" for k, v in r["params"].items()) or "—"
        t.add_row(r["name"], r["summary"], r["citation"], params)
    print_table(t)
