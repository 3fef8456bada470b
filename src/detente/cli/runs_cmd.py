"""``detente runs list|show|diff|export``, ``detente seal``, ``detente verify``,
``detente grade``: the forecast record (:mod:`detente.record`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from detente.cli.app import app, runs_app
from detente.cli.common import console, fmt_num, fmt_signed, print_json
from detente.cli.tables import print_table
from detente.errors import InputError
from detente.record.store import GradeRecord, RunRecord, RunStore, SealRecord

RunArg = Annotated[
    str, typer.Argument(help="run id (or a unique prefix of 4+ characters, #N, or 'last')")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]


# ----------------------------------------------------------------------------- helpers
def _short(name: str) -> str:
    from detente.cli.tables import MODEL_ABBREVIATIONS

    return MODEL_ABBREVIATIONS.get(name, name)


def _legend(models: list[str], status_quo: bool = False) -> str:
    """What the abbreviations of ``models`` in the cells stand for, in the form of
    :func:`~detente.cli.tables.print_table`'s legend ("" when none is shortened)."""
    used = [f"{_short(m)} = {m}" for m in dict.fromkeys(models) if _short(m) != m]
    if status_quo:
        used.append("sq = status quo")
    return ", ".join(used)


def _scores(grade: GradeRecord | None) -> str:
    """A graded run's MAE per model and the status quo's, on one line."""
    if grade is None:
        return ""
    s = grade.score
    parts = [f"{_short(m['model'])} {fmt_num(m['mae'])}" for m in s.get("models", [])]
    parts.append(f"sq {fmt_num(s.get('status_quo', {}).get('mae'))}")
    return " · ".join(parts)


def _list_entry(r: RunRecord, seal: SealRecord | None, grade: GradeRecord | None) -> dict[str, Any]:
    return {
        "id": r.id,
        "n": r.n,
        "recorded": r.created,
        "command": r.command,
        "scenario": r.scenario_id,
        "input_hash": r.input_hash,
        "models": list(r.models),
        "seed": r.seed,
        "version": r.version,
        "sealed_at": None if seal is None else seal.sealed_at,
        "resolves": None if seal is None else seal.resolves,
        "seal_hash": None if seal is None else seal.hash,
        "graded_at": None if grade is None else grade.graded_at,
        "score": None if grade is None else grade.score,
    }


# ----------------------------------------------------------------------------- runs
@runs_app.command("list")
def list_cmd(
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="only the runs of this scenario id")
    ] = None,
    graded: Annotated[
        bool, typer.Option("--graded", help="only graded runs: the record of sealed forecasts")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the recorded runs, oldest first.

    With --graded: only the graded forecasts, with when each was sealed, when it resolves
    and its score (MAE per model beside the status quo's)."""
    from detente.record.store import store_path

    if not store_path().exists():
        rows: list[dict[str, Any]] = []
    else:
        with RunStore.open() as st:
            seals = {s.run_id: s for s in st.seals()}
            grades = st.latest_grades()
            rows = [
                _list_entry(r, seals.get(r.id), grades.get(r.id))
                for r in st.runs(scenario=scenario)
                if not graded or r.id in grades
            ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no graded runs" if graded else "no recorded runs")
        return
    title = "graded forecasts" if graded else "recorded runs"
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    cols = ["run", "recorded", "command", "scenario", "models", "seed", "sealed"]
    cols += ["resolves", "MAE per model · status quo"] if graded else ["graded"]
    for c in cols:
        fixed = c in ("run", "recorded", "seed", "sealed", "resolves")
        t.add_column(c, overflow="fold", no_wrap=fixed)
    for e in rows:
        grade = e["score"]
        cells = [
            e["id"],
            e["recorded"].replace("T", " ")[:16],
            e["command"],
            e["scenario"],
            ", ".join(_short(m) for m in e["models"]),
            "" if e["seed"] is None else str(e["seed"]),
            (e["sealed_at"] or "")[:10],
        ]
        if graded:
            cells += [
                e["resolves"] or "",
                _scores(GradeRecord(0, e["id"], e["graded_at"], None, grade)),
            ]
        else:
            cells.append("yes" if grade else "")
        t.add_row(*[Text(c) for c in cells])
    shown = [m for e in rows for m in e["models"]]
    if graded:
        shown += [m["model"] for e in rows for m in e["score"].get("models", [])]
    legend = _legend(shown, status_quo=graded)
    print_table(t, notes=[legend] if legend else [])
    console.print(f"[dim]run store: {escape(str(store_path()))}[/dim]", soft_wrap=True)


@runs_app.command("show")
def show_cmd(run: RunArg, as_json: JsonOpt = False) -> None:
    """Show one recorded run: settings, forecasts, seal and grade."""
    from detente.record.grade import point_forecasts

    with RunStore.open(create=False) as st:
        r = st.get(run)
        seal = st.seal_of(r.id)
        grade = st.latest_grades().get(r.id)
    if as_json:
        print_json(
            {
                **r.content(),
                "n": r.n,
                "seal": None if seal is None else seal.__dict__,
                "grade": None if grade is None else grade.score,
            }
        )
        return
    console.print(f"[bold]run {r.id}[/bold] (#{r.n}), recorded {r.created}")
    params = json.dumps(r.params, sort_keys=True) if r.params else "defaults"
    lines = [
        ("command", r.command),
        ("scenario", f"{r.scenario_id}" + (f" ({r.scenario_name})" if r.scenario_name else "")),
        ("input hash", r.input_hash),
        ("models", ", ".join(r.models)),
        ("parameters", params),
        ("seed", "none" if r.seed is None else str(r.seed)),
        ("detente", r.version),
        ("took", f"{r.elapsed:.2f} s"),
    ]
    if seal is not None:
        extra = "".join(
            [
                f", resolves {seal.resolves}" if seal.resolves else "",
                f", note: {seal.note}" if seal.note else "",
            ]
        )
        lines.append(("sealed", f"{seal.sealed_at}{extra}; hash {seal.hash}"))
    else:
        lines.append(("sealed", f"no (detente seal {r.id})"))
    if grade is not None:
        lines.append(("graded", f"{grade.graded_at}: MAE {_scores(grade)}"))
    for k, v in lines:
        console.print(Text(f"  {k:<11} {v}"), soft_wrap=True)
    points = point_forecasts(r.result)
    if not points:
        console.print("(this result holds no per-issue forecast; --json shows it whole)")
        return
    sc = r.scenario_data if r.inputs_kind == "scenario" else {}
    refs = {i["id"]: i.get("reference") for i in sc.get("issues", [])}
    refs.update({i: None for p in points.values() for i in p if i not in refs})
    what = "median of the draws" if r.command == "ensemble" else "forecast outcome"
    t = Table(title=f"{what} per issue", title_justify="left")
    t.add_column("issue", overflow="fold")
    t.add_column("ref.", justify="right")
    for m in points:
        t.add_column(m, justify="right")  # abbreviated, with a legend, when narrow
    for iid in refs:
        t.add_row(Text(iid), fmt_num(refs[iid]), *[fmt_num(points[m].get(iid)) for m in points])
    print_table(t)


@runs_app.command("diff")
def diff_cmd(
    run1: Annotated[str, typer.Argument(help="the first run (id, prefix, #N or 'last')")],
    run2: Annotated[str, typer.Argument(help="the second run")],
    as_json: JsonOpt = False,
) -> None:
    """What changed between two runs, and how each forecast moved.

    Settings, actors, issues and stances that differ, then each model's forecast per issue
    in both runs and the change."""
    from detente.record.diff import diff_runs

    with RunStore.open(create=False) as st:
        a, b = st.get(run1), st.get(run2)
    d = diff_runs(a, b)
    if as_json:
        print_json(d)
        return
    console.print(f"[bold]run {a.id} → run {b.id}[/bold]")
    changes = Table(title="inputs and settings that differ", title_justify="left")
    for c in ("what", "field", a.id, b.id):
        changes.add_column(c, overflow="fold")
    for s in d["settings"]:
        changes.add_row("setting", s["field"], _cell(s["a"]), _cell(s["b"]))
    for kind in ("actors", "issues", "stances"):
        for x in d[kind]["added"]:
            changes.add_row(f"{kind[:-1]} {_who(x)}", "", "—", "added")
        for x in d[kind]["removed"]:
            changes.add_row(f"{kind[:-1]} {_who(x)}", "", "removed", "—")
        for x in d[kind]["changed"]:
            changes.add_row(f"{kind[:-1]} {_who(x)}", x["field"], _cell(x["a"]), _cell(x["b"]))
    for k in d["other"]:
        changes.add_row("scenario", k, "…", "… (differs)")
    if changes.row_count:
        print_table(changes)
    else:
        console.print("same inputs and settings")
    if d["forecasts"]:
        t = Table(title="forecast per issue", title_justify="left")
        for c in ("model", "issue", a.id, b.id, "change"):
            t.add_column(c, justify="left" if c in ("model", "issue") else "right")
        for m in d["forecasts"]:
            t.add_row(
                _short(m["model"]),
                Text(m["issue"]),
                fmt_num(m["a"]),
                fmt_num(m["b"]),
                fmt_signed(m["change"]),
            )
        print_table(t)
    for side, key in ((a.id, "models_only_in_a"), (b.id, "models_only_in_b")):
        if d[key]:
            console.print(f"only in {side}: {', '.join(d[key])}")


def _who(x: dict[str, Any]) -> str:
    return "/".join(str(v) for k, v in x.items() if k in ("actor", "issue"))


def _cell(v: Any) -> Text:
    if isinstance(v, float):
        return Text(f"{v:g}")
    text = v if isinstance(v, str) else json.dumps(v, sort_keys=True)
    return Text(text if len(text) <= 60 else text[:59] + "…")


@runs_app.command("export")
def export_cmd(
    run: RunArg,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="folder to write into (created if missing)")
    ],
) -> None:
    """Write a run's scenario, result and record into a folder, never overwriting.

    The scenario as native YAML (run it again with detente run), the result as the command
    printed it with --json, the record (settings, seal, grade) as JSON.

    A run whose inputs are not one scenario (validate) gets the description of its inputs
    (JSON) instead of the scenario."""
    from detente.io.safe_write import check_output, write_output
    from detente.io.yaml_io import dump_yaml

    with RunStore.open(create=False) as st:
        r = st.get(run)
        seal = st.seal_of(r.id)
        grade = st.latest_grades().get(r.id)
    if out.exists() and not out.is_dir():
        raise InputError("the path is not a folder", source=str(out), where="--out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the folder ({exc.strerror or exc})", source=str(out), where="--out"
        ) from None
    meta = {k: v for k, v in r.content().items() if k not in ("scenario", "result")}
    meta["seal"] = None if seal is None else seal.__dict__
    meta["grade"] = None if grade is None else grade.score
    if r.inputs_kind == "scenario":
        inputs = (f"run-{r.id}.scenario.yaml", dump_yaml(r.scenario()))
    else:
        inputs = (f"run-{r.id}.inputs.json", json.dumps(r.scenario_data, indent=2) + "\n")
    files = {
        out / inputs[0]: inputs[1],
        out / f"run-{r.id}.result.json": json.dumps(r.result, indent=2) + "\n",
        out / f"run-{r.id}.json": json.dumps(meta, indent=2) + "\n",
    }
    for p in files:  # every path is checked before anything is written
        check_output(p, where="--out", overwrite_hint="another folder")
    for p, text in files.items():
        write_output(p, text, where="--out", overwrite_hint="another folder")
        console.print(f"wrote {p}")


# ----------------------------------------------------------------------------- seal
@app.command()
def seal(
    run: RunArg,
    note: Annotated[str | None, typer.Option(help="what the forecast is about")] = None,
    resolves: Annotated[
        str | None, typer.Option(help="when the outcome should be known (YYYY-MM-DD)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Seal a recorded run before its outcome is known: a SHA-256 hash over its inputs,
    parameters, version and outputs, chained to the previous seal.

    A seal is never replaced; detente verify checks the chain and re-runs sealed run
    forecasts; detente grade scores the run once the outcome is known."""
    from detente.record.seal import seal_run

    with RunStore.open(create=False) as st:
        s = seal_run(st, run, note=note, resolves=resolves)
    if as_json:
        print_json(s.__dict__)
        return
    console.print(f"sealed run {s.run_id} at {s.sealed_at}")
    console.print(Text(f"hash {s.hash}\nprevious {s.prev_hash}"))


@app.command()
def verify(
    rerun: Annotated[
        bool, typer.Option("--rerun/--no-rerun", help="re-run sealed run forecasts")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Check every seal of the run store and that sealed run forecasts reproduce.

    Recomputes each seal's hash from the stored record and its link to the previous seal
    (a record changed after sealing, or a seal removed, breaks them), and re-runs each
    sealed 'run' forecast with its stored scenario, parameters and seed: the same numbers
    to 1e-9, or the issues that differ. Exit status 1 when anything fails."""
    from detente.record.seal import verify as verify_store

    with RunStore.open(create=False) as st:
        checks = verify_store(st, rerun=rerun)
    bad = [c for c in checks if not c.ok]
    if as_json:
        print_json({"seals": [c.to_dict() for c in checks], "ok": not bad})
    elif not checks:
        console.print("no sealed runs")
    else:
        t = Table(title="seals", title_justify="left")
        for c in ("#", "run", "sealed", "chain", "hash", "re-run", "notes"):
            t.add_column(c, overflow="fold")
        for c in checks:
            notes = list(c.notes) + [
                f"{m}, {i}: sealed {a:.12g}, now {b:.12g}" for m, i, a, b in c.differences
            ]
            t.add_row(
                str(c.seal.n),
                c.seal.run_id,
                c.seal.sealed_at,
                "ok" if c.chain_ok else "BROKEN",
                "ok" if c.hash_ok else "MISMATCH",
                c.rerun,
                Text("; ".join(notes)),
            )
        print_table(t)
        console.print(
            f"{len(checks)} seal(s): "
            + (
                "all verified"
                if not bad
                else f"{len(bad)} failed: {', '.join(c.seal.run_id for c in bad)}"
            )
        )
    if bad:
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- grade
@app.command()
def grade(
    run: RunArg,
    outcomes: Annotated[
        str,
        typer.Argument(
            help="a CSV 'issue,outcome[,date,source]', or a scenario (file or bundled id) "
            "whose issues carry 'outcome'"
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="format of a scenario file (default: detected)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score a sealed forecast against the observed outcomes: absolute error per issue
    and MAE beside the status quo's; CRPS for an ensemble.

    The status quo (each issue's reference point) is the forecast to beat. For a sealed
    ensemble the grade adds the CRPS of each issue's distribution and the probability it
    gave to the third of the scale where the outcome fell. The grade is kept with the run
    (detente runs list --graded)."""
    from detente.record.grade import (
        grade_run,
        is_outcomes_csv,
        outcomes_from_scenario,
        read_outcomes_csv,
    )

    with RunStore.open(create=False) as st:
        r = st.get(run)
        s = st.seal_of(r.id)
        if s is None:
            raise InputError(
                f"run {r.id} is not sealed; only a forecast sealed before its outcome is graded",
                where="RUN",
                allowed=f"a sealed run (detente seal {r.id})",
            )
        scenario = r.scenario()
        if fmt is None and is_outcomes_csv(outcomes):
            observed = read_outcomes_csv(outcomes, scenario)
        else:
            from detente.cli.common import resolve_scenario

            observed = outcomes_from_scenario(resolve_scenario(outcomes, fmt=fmt), scenario)
        score = grade_run(r, observed, sealed_at=s.sealed_at)
        st.add_grade(r.id, score, outcomes)
    if as_json:
        print_json(score)
        return
    _print_grade(score)


def _print_grade(s: dict[str, Any]) -> None:
    models = s["models"]
    t = Table(
        title=f"run {s['run']} ({s['command']}, {s['scenario']}), sealed {s['sealed_at']}: "
        "forecast and absolute error per issue",
        title_justify="left",
    )
    for c in ("issue", "outcome", "status quo", "|err|"):
        t.add_column(c, justify="left" if c == "issue" else "right")
    for m in models:
        t.add_column(m["model"], justify="right")  # abbreviated, with a legend, when narrow
        t.add_column("|err|", justify="right")
    for iss in s["issues"]:
        i = iss["id"]
        sq = s["status_quo"]["error"].get(i)
        cells = [Text(i), fmt_num(iss["outcome"]), fmt_num(iss["reference"]), fmt_num(sq)]
        for m in models:
            cells += [fmt_num(m["forecast"].get(i)), fmt_num(m["error"].get(i))]
        t.add_row(*cells)
    print_table(t)
    console.print(f"MAE of the status quo: {fmt_num(s['status_quo']['mae'], 2)}")
    for m in models:
        vs = m["mae_vs_status_quo"]
        line = f"MAE of {m['model']}: {fmt_num(m['mae'], 2)}"
        if vs is not None:
            line += f" ({fmt_signed(vs, 2)} against the status quo on the same issues)"
        if "crps" in m:
            line += (
                f"; mean CRPS {fmt_num(m['mean_crps'], 2)}; mean probability of the observed "
                f"third {m['mean_p_observed_third']:.2f}"
            )
        console.print(line, soft_wrap=True)
        for i, th in m.get("p_observed_third", {}).items():
            console.print(
                f"  {i}: CRPS {fmt_num(m['crps'][i], 2)}; outcome in the {th['third']} third, "
                f"given probability {th['probability']:.2f}"
                + ("" if th["exact"] else " (approx.)"),
                soft_wrap=True,
            )
    for n in s["notes"]:
        console.print(f"[dim]{n}[/dim]", soft_wrap=True)
