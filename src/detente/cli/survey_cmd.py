"""``detente survey`` and ``detente combine``: from experts to a scenario."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from detente.cli.app import app
from detente.cli.common import console, fmt_num, notice, print_json
from detente.cli.tables import print_table
from detente.errors import InputError, InputNotice
from detente.scenarios import DEFAULT_SCENARIO

T = TypeVar("T")


@contextmanager
def _notices() -> Iterator[None]:
    """Print the readers' notices (a rescale of saliences, stances left out) to stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputNotice)
        try:
            yield
        finally:
            for w in caught:
                if issubclass(w.category, InputNotice):
                    notice(str(w.message))


def _quiet(fn: Callable[[], T]) -> T:
    with _notices():
        return fn()


@app.command()
def survey(
    scenario: Annotated[
        str,
        typer.Argument(
            help="bundled scenario id, a scenario file, or a YAML skeleton (actors and "
            "issues, no stances)"
        ),
    ] = DEFAULT_SCENARIO,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="folder to write the questionnaire(s) into")
    ] = Path("survey"),
    experts: Annotated[
        int | None,
        typer.Option("--experts", "-n", help="write N numbered copies, expert_01.xlsx ..."),
    ] = None,
) -> None:
    """Write a questionnaire workbook for experts from SCENARIO (or a skeleton of actors and
    issues): stances, their own forecasts, instructions.

    Sheet stances asks, for every actor and issue, a position on the issue's scale (its end
    labels beside it), a salience, the actor's capability, a confidence and a comment; sheet
    outcomes asks for the expert's own forecast of each issue; sheet instructions says what
    each means. The spreadsheet refuses values off their range while the expert types. No
    existing file is ever replaced.
    """
    from detente.experts.survey import load_base, write_surveys

    skeleton = _quiet(lambda: load_base(scenario))
    paths = write_surveys(skeleton, output, experts)
    sc = skeleton.scenario
    rows = len(sc.actors) * len(sc.issues)
    console.print(
        f"wrote {len(paths)} questionnaire(s) of {rows} stance rows and {len(sc.issues)} "
        f"outcome rows: {', '.join(escape(str(p)) for p in paths)}",
        soft_wrap=True,
    )
    console.print(
        f"[dim]when they come back filled: detente combine {escape(str(output))}/*.xlsx "
        f"--base {escape(scenario)} -o combined.yaml[/dim]",
        soft_wrap=True,
    )


@app.command()
def combine(
    files: Annotated[
        list[Path],
        typer.Argument(help="filled questionnaires (.xlsx) or long CSV files, one per expert"),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="the scenario YAML to write")],
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            help="the scenario or skeleton the survey was made from (default: the bundled "
            f"{DEFAULT_SCENARIO})",
        ),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="combine each value by its mean or median")
    ] = "mean",
    top: Annotated[int, typer.Option("--top", help="rows of the disagreement table")] = 15,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the disagreement report as JSON")
    ] = False,
) -> None:
    """Combine filled expert questionnaires into one scenario: each value the experts' mean
    or median, their range as its uncertainty, and who disagrees most.

    Each position, salience and capability is the mean (or median) of the experts who gave
    it; its uncertainty range is their minimum..maximum, so that detente ensemble samples
    the disagreement; its provenance names the experts and their comments. The experts' own
    forecasts are kept in the scenario for the experts model (detente run -m experts). A
    file naming an unknown actor or issue, a value off its scale or text in a number cell
    stops the run with the file and row.
    """
    from detente.experts.combine import METHODS, read_expert_file
    from detente.experts.combine import combine as combine_answers
    from detente.experts.survey import load_base
    from detente.io.safe_write import check_output, write_output
    from detente.io.yaml_io import dump_yaml

    if method not in METHODS:
        raise InputError(f"unknown method {method!r}", where="--method", allowed=", ".join(METHODS))
    if top < 0:
        raise InputError(f"--top must be >= 0, got {top}", where="--top", allowed="0 or more")
    check_output(output, inputs=files, overwrite=force, where="-o")
    spec = base or DEFAULT_SCENARIO
    with _notices():
        skeleton = load_base(spec)
        answers = [read_expert_file(f, skeleton) for f in files]
        result = combine_answers(answers, skeleton, method=method)
    write_output(output, dump_yaml(result.scenario), inputs=files, overwrite=force, where="-o")
    if as_json:
        print_json({"output": str(output), "base": spec, **result.to_dict()})
        return
    sc = result.scenario
    shown = result.disagreements[:top]
    if shown:
        t = Table(
            title="where the experts disagree most (range as a share of what it could be)",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for col, just in (
            ("issue", "left"),
            ("actor", "left"),
            ("value", "left"),
            ("n", "right"),
            (method, "right"),
            ("min", "right"),
            ("max", "right"),
            ("std", "right"),
            ("range", "right"),
            ("outlier", "left"),
        ):
            t.add_column(col, justify=just)  # type: ignore[arg-type]
        for d in shown:
            outlier = "—"
            if d.outlier is not None:
                outlier = f"{d.outlier} ({fmt_num(dict(d.answers)[d.outlier], 2)})"
            t.add_row(
                d.issue,
                d.actor or "(outcome)",
                d.field,
                str(len(d.answers)),
                fmt_num(d.combined, 2),
                fmt_num(d.low, 2),
                fmt_num(d.high, 2),
                fmt_num(d.std, 2),
                f"{100 * d.share:.0f}%",
                outlier,
            )
        print_table(t)
        rest = len(result.disagreements) - len(shown)
        if rest > 0:
            console.print(f"[dim]{rest} more in --json[/dim]")
    else:
        console.print("no value was given by two or more experts: no disagreement to report")
    n_fc = len(result.forecasts)
    console.print(
        f"wrote {escape(str(output))}: {len(result.experts)} expert(s) "
        f"({escape(', '.join(result.experts))}), {len(sc.stances)} stances, "
        f"forecasts of {n_fc} of {len(sc.issues)} issues; the {method} of the experts' "
        "answers, their range as the uncertainty (detente ensemble samples it)",
        soft_wrap=True,
    )
    if n_fc:
        console.print(
            f"[dim]the experts' own forecast: detente run {escape(str(output))} "
            "-m experts -m compromise ...[/dim]",
            soft_wrap=True,
        )
