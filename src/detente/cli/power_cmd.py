"""``detente power``: Shapley-Shubik and Banzhaf indices of any weighted voting body."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from detente.cli.app import app
from detente.cli.common import console, print_json
from detente.cli.tables import print_table
from detente.errors import InputError

_CAPABILITY = ("shapley", "banzhaf", "weights")


def _parse_list(text: str, what: str) -> list[str]:
    items = [x.strip() for x in text.split(",")]
    if not any(items):
        raise InputError(
            f"no {what} given", where=f"--{what}", allowed=f"{what} separated by commas"
        )
    for k, x in enumerate(items, start=1):
        if not x:
            raise InputError(
                f"item {k} is empty", where=f"--{what}", allowed=f"{what} separated by commas"
            )
    return items


def _parse_weights(text: str) -> list[float]:
    out = []
    for k, x in enumerate(_parse_list(text, "weights"), start=1):
        try:
            out.append(float(x))
        except ValueError:
            raise InputError(
                f"item {k} ({x!r}) is not a number",
                where="--weights",
                allowed="non-negative numbers separated by commas, or a CSV file with "
                "name,weight columns",
            ) from None
    return out


def _as_option(exc: InputError) -> InputError:
    """A library error about an argument, named as the option the user wrote."""
    if exc.source is None and exc.where in ("weights", "quota", "names", "method", "samples"):
        return InputError(exc.problem, where=f"--{exc.where}", allowed=exc.allowed)
    return exc


def _capabilities_csv(result, measure: str) -> str:  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["actor", "capability", "weight", "shapley_shubik", "banzhaf"])
    cap = result.capability(measure)
    for i, name in enumerate(result.names):
        w.writerow(
            [
                name,
                repr(cap[name]),
                repr(result.weights[i]),
                repr(result.shapley[i]),
                repr(result.banzhaf[i]),
            ]
        )
    return buf.getvalue()


@app.command()
def power(
    weights: Annotated[
        str,
        typer.Option(
            help="the players' voting weights separated by commas (29,29,27,...), or a CSV "
            "file with a name column (name, abbr, country, actor) and a weight column "
            "(weight or weights), optionally quota",
            show_default=False,
        ),
    ],
    quota: Annotated[
        float | None,
        typer.Option(
            help="votes a coalition needs to win (it wins when its weight is at least "
            "this); default: the file's quota column",
            show_default=False,
        ),
    ] = None,
    names: Annotated[
        str | None,
        typer.Option(help="the players' names separated by commas (default p1, p2, ...)"),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            help="exact (dynamic programming over integer weights), sample (Monte Carlo), "
            "or auto (exact when the weights allow it)"
        ),
    ] = "auto",
    samples: Annotated[
        int, typer.Option(help="random orders and coalitions drawn by --method sample", min=2)
    ] = 100_000,
    seed: Annotated[int, typer.Option(help="seed of the sampling", min=0)] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    to_capabilities: Annotated[
        str | None,
        typer.Option(
            help="also write a CSV of capabilities (actor, capability, weight, indices) to "
            "this new file, for a scenario's capability column",
            show_default=False,
        ),
    ] = None,
    capability: Annotated[
        str, typer.Option(help="the capability --to-capabilities writes: shapley, banzhaf, weights")
    ] = "shapley",
) -> None:
    """Shapley-Shubik and Banzhaf power indices of a weighted voting body: exact for integer
    (or decimal) weights, sampled with a seed and standard errors when the exact table
    would be too large.

    A coalition wins when its weight reaches the quota. A player's Shapley-Shubik
    index is the share of the orders of arrival in which it turns a losing
    coalition into a winning one (Shapley & Shubik 1954); its normalised Banzhaf
    index is its share of all such swings (Banzhaf 1965). The EU27 Council under
    the Treaty of Nice (27 states, 345 votes):
    --weights 29,29,29,29,27,27,14,13,12,12,12,12,12,10,10,10,7,7,7,7,7,4,4,4,4,4,3
    --quota 255
    """
    from detente.power import power_indices, read_weights

    inputs: list[str] = []
    text = weights.strip()
    if Path(text).is_file() or text.lower().endswith(".csv"):
        wf = read_weights(text)
        inputs.append(text)
        if names is not None:
            raise InputError(
                "--names with a weights file (the file names the players)",
                where="--names",
                allowed="--names with comma-separated --weights only",
            )
        values, labels = list(wf.weights), list(wf.names)
        if quota is None:
            quota = wf.quota
    else:
        values = _parse_weights(text)
        labels = _parse_list(names, "names") if names is not None else None  # type: ignore[assignment]
    if quota is None:
        raise InputError(
            "no quota given",
            where="--quota",
            allowed="--quota VOTES (or a quota column in the weights file)",
        )
    if method not in ("auto", "exact", "sample"):
        raise InputError(
            f"unknown method {method!r}", where="--method", allowed="auto, exact, sample"
        )
    if capability not in _CAPABILITY:
        raise InputError(
            f"unknown capability {capability!r}",
            where="--capability",
            allowed=", ".join(_CAPABILITY),
        )
    if to_capabilities is not None:  # refuse a bad output path before computing
        from detente.io.safe_write import check_output

        check_output(to_capabilities, inputs=inputs, where="--to-capabilities", overwrite_hint="")
    try:
        result = power_indices(
            values,
            quota,
            names=labels,
            method=method,  # type: ignore[arg-type]
            samples=samples,
            seed=seed,
        )
    except InputError as exc:
        raise _as_option(exc) from None
    if to_capabilities is not None:
        from detente.io.safe_write import write_output

        write_output(
            to_capabilities,
            _capabilities_csv(result, capability),
            inputs=inputs,
            where="--to-capabilities",
            overwrite_hint="",
        )
    if as_json:
        print_json(result.to_dict())
        return
    share = result.quota / result.total
    console.print(
        escape(
            f"{len(result.names)} players, total weight {result.total:g}, quota "
            f"{result.quota:g} ({share:.1%})"
        )
    )
    console.print(escape(result.how()))
    sampled = result.shapley_se is not None and result.banzhaf_se is not None
    t = Table(show_edge=False, pad_edge=False)
    t.add_column("player", overflow="fold", ratio=1)
    t.add_column("weight", justify="right", no_wrap=True)
    t.add_column("Shapley-Shubik", justify="right", no_wrap=True)
    if sampled:
        t.add_column("± s.e.", justify="right", no_wrap=True)
    t.add_column("Banzhaf", justify="right", no_wrap=True)
    if sampled:
        t.add_column("± s.e.", justify="right", no_wrap=True)
    for i, name in enumerate(result.names):
        row = [escape(name), f"{result.weights[i]:g}", f"{result.shapley[i]:.4f}"]
        if sampled:
            row.append(f"{result.shapley_se[i]:.4f}")  # type: ignore[index]
        row.append(f"{result.banzhaf[i]:.4f}")
        if sampled:
            row.append(f"{result.banzhaf_se[i]:.4f}")  # type: ignore[index]
        t.add_row(*row)
    print_table(t)
    if to_capabilities is not None:
        console.print(escape(f"capabilities ({capability}) written to {to_capabilities}"))
