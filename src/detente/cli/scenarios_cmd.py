"""``detente scenarios list|show``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from detente.cli.app import scenarios_app
from detente.cli.common import console, fmt_num, print_json, resolve_scenario
from detente.cli.tables import print_table
from detente.scenario import Scenario
from detente.scenarios import list_scenarios


@scenarios_app.command("list")
def list_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the bundled scenarios."""
    rows = list_scenarios()
    if as_json:
        print_json(rows)
        return
    t = Table(title="bundled scenarios", title_justify="left")
    for col in ("id", "name", "actors", "issues", "variants"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(
            r["id"], r["name"], str(r["n_actors"]), str(r["n_issues"]), ", ".join(r["variants"])
        )
    print_table(t)


@scenarios_app.command("show")
def show_cmd(
    scenario: Annotated[str, typer.Argument(help="bundled scenario id or a scenario file")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a scenario: actors, issues, stances with their sources, linkages, variants."""
    sc = resolve_scenario(scenario)
    if as_json:
        print_json(sc.model_dump(mode="json", exclude_defaults=True))
        return
    console.print(f"[bold]{sc.name or sc.id}[/bold]")
    if sc.description:
        console.print(escape(sc.description))
    a = Table(title="actors", title_justify="left")
    for col in ("id", "name", "capability", "source", "rationale"):
        a.add_column(col, overflow="fold")
    for act in sc.actors:
        p = act.provenance
        a.add_row(
            act.id,
            act.label,
            f"{act.capability:.4g}",
            _where(p),
            (p.rationale or "") if p else "",
        )
    print_table(a)
    _print_issue_capabilities(sc)
    i = Table(title="issues", title_justify="left")
    for col in ("id", "name", "low end", "high end", "reference", "who decides"):
        i.add_column(col, overflow="fold")
    for iss in sc.issues:
        i.add_row(
            iss.id,
            iss.label,
            f"{iss.scale.low:g}: {iss.scale.low_label or ''}",
            f"{iss.scale.high:g}: {iss.scale.high_label or ''}",
            fmt_num(iss.reference),
            str(iss.decision),
        )
    print_table(i)
    s = Table(title="stances", title_justify="left")
    clout = any(st.capability is not None for st in sc.stances)
    cols = ("actor", "issue", "position", "salience", *(("clout",) if clout else ()))
    for col in (*cols, "source", "rationale"):
        s.add_column(col, overflow="fold")
    for st in sc.stances:
        p = st.provenance
        s.add_row(
            st.actor,
            st.issue,
            f"{st.position:g}",
            f"{st.salience:.2f}",
            *((f"{st.capability:.4g}" if st.capability is not None else "",) if clout else ()),
            _where(p),
            (p.rationale or "") if p else "",
        )
    print_table(
        s,
        notes=(
            [
                "clout: the actor's capability on that issue where it differs from its general "
                "capability (blank: the actor's)"
            ]
            if clout
            else []
        ),
    )
    if sc.linkages:
        console.print("[bold]linkages[/bold]")
        for k in sc.linkages:
            if k.then.kind == "hold":
                effect = f"{k.then.actor or 'every actor'} holds its position on {k.then.issue}"
            else:
                effect = f"{k.then.issue} stays unchanged (frozen)"
            console.print(
                Padding(
                    Text(
                        f"{k.id}: while {k.when}, {effect}"
                        + (f" — {k.description}" if k.description else "")
                    ),
                    (0, 0, 0, 2),
                )
            )
    if sc.variants:
        console.print("[bold]variants[/bold]")
        for v in sc.variants:
            console.print(
                Padding(
                    Text(
                        f"{v.id}: {v.name or ''} ({len(v.changes)} changes) {v.description or ''}"
                    ),
                    (0, 0, 0, 2),
                )
            )


def _print_issue_capabilities(sc: Scenario) -> None:
    """The stances whose own capability (clout on that issue) differs from the actor's."""
    own = {a.id: a.capability for a in sc.actors}
    rows = [
        st
        for st in sc.stances
        if st.capability is not None
        and abs(st.capability - own[st.actor]) > 1e-12 * max(1.0, abs(own[st.actor]))
    ]
    if not rows:
        return
    t = Table(
        title="capability on an issue where it differs from the actor's", title_justify="left"
    )
    t.add_column("actor")
    t.add_column("issue")
    t.add_column("on the issue", justify="right")
    t.add_column("actor's own", justify="right")
    for st in rows:
        t.add_row(st.actor, st.issue, f"{st.capability:.4g}", f"{own[st.actor]:.4g}")
    print_table(t)


def _where(p: object) -> str:
    """Source and location (the location alone when it already names the source)."""
    if p is None:
        return ""
    src = str(p.source)  # type: ignore[attr-defined]
    loc = getattr(p, "location", None)
    if not loc:
        return src
    return loc if str(loc).startswith(src) else f"{src} {loc}"
