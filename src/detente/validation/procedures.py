"""Who decides EU legislation: the Council's voting rule and the Parliament's veto, applied
to forecasts of DEU issues (``detente validate --procedures``).

The procedural models of EU decision making (Steunenberg 1994; Tsebelis & Garrett 2000;
Crombez 1996; compared on the DEU data by Thomson, Stokman, Achen & König 2006, ch. 5 and
10) say which outcomes the legislative procedure allows, given the actors' positions and
the status quo. Their veto-player core is applied here to each model's forecast:

* **the Council** decides by **qualified majority** (QMV): the outcome must be weakly
  preferred to the reference point by member states holding at least the treaty's quota
  of the weighted votes. Weights and quota are read from the Council tables of the DEU II
  replication data (``EU15.csv``, ``EU27.csv``, column ``quota``): 62 of 87 votes (71.3 %)
  in the Union of 15 (Art. 205(2) TEC as amended at Amsterdam, in force 1999-2004) and
  255 of 345 (73.9 %) in the Union of 27 (Art. 205(2) TEC as amended by the Treaty of
  Nice and the 2005 Act of Accession, in force 2007-2014). For each issue the table is the
  one :mod:`detente.power.capabilities` chooses (the smallest that lists every state
  with a position on it), so the Union of 25 (232 of 321 votes, 72.3 %, 2004-2006) has no
  table of its own: its issues are read with the EU27 quota. Nice's two further criteria (a
  majority of the states, 62 % of the population) are left out. Where the data record that
  the Council votes by **unanimity** (a ``unanimity`` or ``qmv`` column, read by
  :mod:`detente.io.deu`), every member state with a position is a veto player instead.
  DEU II has no such column, so every one of its issues is read as QMV;
* under **co-decision** (``COD``) the Parliament is a veto player as well; under
  **consultation** (``CNS``) it is not. Any other or unrecorded procedure is left to the
  model's own aggregate.

The member states that vote are those with a recorded position on the issue, each with
its Council weight (whatever ``--capability`` gives the models to bargain with): a state
without a position is taken to go along with the majority, and the quota is the treaty's
share of the weights of the states that have one. The Commission's and the Parliament's
capabilities count nothing in the Council's vote. The Commission's power as agenda setter
(its proposal as the take-it-or-leave-it offer of the consultation procedure) is beyond
this: the outcome is the model's own forecast, moved to the nearest point the veto
players and the qualified majority all weakly prefer to the status quo
(:func:`detente.decision.apply_decisions`). An issue without a reference point has no
status quo to compare with, and is left to the model's own aggregate.

Why the rule is applied here rather than by :func:`detente.models.base.make_forecast`:
the scenario's ``majority`` rule counts each present actor's capability on the issue,
Commission and Parliament included, and in the ``--capability`` measure (Shapley-Shubik
indices by default); the Council votes with its weights, member states only. So the
forecast is made on the case as read, and :meth:`CaseProcedure.apply` applies the same
kernel to the model's final positions with the Council's votes. Models do not read an
issue's decision while they bargain, so this is the outcome ``make_forecast`` would give
with those votes. :attr:`CaseProcedure.case` carries each issue's rule in its ``decision``
(with its source) for the record.

Time ``O(A I)`` per case to build, and :func:`detente.decision.apply_decisions`'s
``O(A I log A)`` per forecast to apply; memory ``O(A I)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from detente.decision import DecisionArrays, apply_decisions, decision_arrays
from detente.errors import InputError
from detente.forecasts import Forecast
from detente.power.capabilities import (
    INSTITUTIONS,
    CouncilTable,
    choose_table,
    load_council_tables,
)
from detente.scenario import Decision, Provenance, Scenario
from detente.validation.datasets import Dataset

__all__ = [
    "TREATY",
    "CaseProcedure",
    "Procedures",
    "council_quota",
    "issue_decision",
    "procedures_for",
]

#: the treaty provision behind each Council table's quota
TREATY = {
    "EU15": "Art. 205(2) TEC (Amsterdam): 62 of 87 weighted votes",
    "EU27": "Art. 205(2) TEC (Nice; 2005 Act of Accession): 255 of 345 weighted votes",
}

PARLIAMENT = "ep"
#: procedures under which the Parliament can veto (co-decision)
PARLIAMENT_VETO = frozenset({"COD"})
#: procedures under which it cannot (consultation)
NO_PARLIAMENT_VETO = frozenset({"CNS"})


def council_quota(table: CouncilTable) -> float:
    """The qualified-majority quota of a Council table as a share of its weighted votes
    (the table's :attr:`~detente.power.tables.CouncilTable.quota`, read from its ``quota``
    column, divided by the sum of its ``weights``)."""
    total = sum(table.weights.values())
    if table.quota is None:
        raise InputError(
            "column quota missing or empty (the qualified-majority quota in weighted votes)",
            source=table.path,
            where="column quota",
            allowed="columns country, abbr, weights, quota, block, banzhaf, shapleyshubik; "
            "the quota in weighted votes, the same number on every row",
        )
    if not 0.0 < table.quota <= total:
        raise InputError(
            f"quota {table.quota:g} is not a number of votes from 0 to the {total:g} votes "
            "of the table",
            source=table.path,
            where="column quota",
            allowed=f"a number in (0, {total:g}]",
        )
    return table.quota / total


def issue_decision(
    procedure: str | None,
    voting_rule: str | None,
    states: tuple[str, ...],
    parliament: bool,
    table: CouncilTable | None,
    has_reference: bool,
) -> tuple[Decision, str]:
    """The decision rule of one DEU issue and the reason for it, one of ``qmv``,
    ``unanimity``, ``parliament-only``, ``no-reference``, ``no-procedure``, ``none``.

    ``states`` are the member states with a position, ``parliament`` whether the
    Parliament has one, ``table`` the Council table of the issue (``None`` when no state
    has a position).
    """
    if not has_reference:
        return Decision(), "no-reference"
    proc = procedure.upper() if isinstance(procedure, str) else ""
    if proc not in PARLIAMENT_VETO | NO_PARLIAMENT_VETO:
        return Decision(), "no-procedure"
    ep_veto = (PARLIAMENT,) if proc in PARLIAMENT_VETO and parliament else ()
    ep_note = "; the Parliament can veto under co-decision" if ep_veto else ""
    if table is None or not states:
        if not ep_veto:
            return Decision(), "none"
        prov = Provenance(
            source="Art. 251 TEC",
            rationale="no member state has a position; the Parliament can veto under co-decision",
        )
        return Decision(rule="unanimity", veto=ep_veto, provenance=prov), "parliament-only"
    if voting_rule == "unanimity":
        prov = Provenance(
            source="DEU data, unanimity column",
            rationale="the Council decides by unanimity: every member state with a position "
            "can veto" + ep_note,
        )
        return Decision(rule="unanimity", veto=(*states, *ep_veto), provenance=prov), "unanimity"
    share = council_quota(table)
    prov = Provenance(
        source=TREATY.get(table.name, f"Council table {table.name}"),
        location=table.path,
        rationale=f"Council qualified majority: {share:.1%} of the weighted votes of the "
        f"member states with a position" + ep_note,
    )
    return Decision(rule="majority", threshold=share, veto=ep_veto, provenance=prov), "qmv"


@dataclass(frozen=True)
class CaseProcedure:
    """The procedure of every issue of one case.

    ``case`` is the case with each issue's ``decision`` set (for the record: its majority
    counts the Council's votes ``votes``, not the capabilities of ``case``), ``rules`` its
    array view, ``votes`` the ``(A, I)`` Council votes (member states' weights where they
    have a position, 0 for the Commission, the Parliament and the reference point).
    """

    case: Scenario
    rules: DecisionArrays
    votes: np.ndarray

    def apply(self, forecast: Forecast) -> tuple[np.ndarray, np.ndarray]:
        """The forecast's outcome under the procedure, and where the procedure moved it
        (both ``(I,)``)."""
        arr = self.case.arrays()
        if forecast.issue_ids != arr.issue_ids or forecast.actor_ids != arr.actor_ids:
            raise ValueError(f"forecast of {forecast.scenario_id} does not match the case")
        final = forecast.positions[-1]
        return apply_decisions(
            self.rules,
            final,
            self.votes,
            arr.present,
            arr.low,
            arr.high,
            arr.reference,
            forecast.outcome,
        )


@dataclass(frozen=True)
class Procedures:
    """Every case's procedure, and how many issues got each rule."""

    cases: dict[str, CaseProcedure]
    counts: dict[str, int] = field(default_factory=dict)
    quotas: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        """One line: the rules and how many issues each covers."""
        c = self.counts
        quotas = ", ".join(f"{k} {v:.1%}" for k, v in sorted(self.quotas.items()))
        parts = [
            f"Council QMV on {c.get('qmv', 0)} issue(s) (quota of the weighted votes: "
            f"{quotas or 'no table used'})",
            f"Council unanimity on {c.get('unanimity', 0)}",
            f"the Parliament's veto (COD) on {c.get('ep_veto', 0)}",
        ]
        left = c.get("no-reference", 0) + c.get("no-procedure", 0) + c.get("none", 0)
        if left:
            parts.append(
                f"{left} left to each model's own forecast ({c.get('no-reference', 0)} without "
                f"a reference point, {c.get('no-procedure', 0)} without COD or CNS)"
            )
        return "procedures: " + "; ".join(parts)


def procedures_for(dataset: Dataset, weights_dir: str | Path | None = None) -> Procedures:
    """The procedure of every issue of ``dataset`` (DEU format), with the Council tables
    of ``weights_dir`` (default: the data set's folder)."""
    wd = Path(dataset.path).resolve().parent if weights_dir is None else Path(weights_dir)
    try:
        tables = load_council_tables(wd)
    except InputError as exc:
        raise InputError(
            f"--procedures needs the Council weights tables: {exc.problem}",
            source=exc.source,
            where="--procedures",
            allowed="a folder holding EU15.csv and EU27.csv (set it with --weights-dir)",
        ) from None
    info = dataset.issues.set_index("issue")
    counts: dict[str, int] = {}
    quotas: dict[str, float] = {}
    out: dict[str, CaseProcedure] = {}
    for case in dataset.cases:
        arr = case.arrays()
        votes = np.zeros((len(arr.actor_ids), len(arr.issue_ids)))
        issues = []
        for i, iss in enumerate(case.issues):
            present = [a for k, a in enumerate(arr.actor_ids) if arr.present[k, i]]
            states = tuple(a for a in present if a not in INSTITUTIONS)
            table = (
                choose_table(list(states), tables, where=f"{dataset.path}, issue {iss.id}")
                if states
                else None
            )
            row = info.loc[iss.id]
            decision, kind = issue_decision(
                row["procedure"],
                row["voting_rule"],
                states,
                PARLIAMENT in present,
                table,
                iss.reference is not None,
            )
            counts[kind] = counts.get(kind, 0) + 1
            if PARLIAMENT in decision.veto:
                counts["ep_veto"] = counts.get("ep_veto", 0) + 1
            if kind == "qmv" and table is not None:
                quotas[table.name] = decision.threshold or 0.0
                for k, a in enumerate(arr.actor_ids):
                    if a in states:
                        votes[k, i] = table.weights[a]
            issues.append(iss.model_copy(update={"decision": decision}))
        ruled = case.replace(issues=tuple(issues))
        out[case.id] = CaseProcedure(ruled, decision_arrays(ruled), votes)
    return Procedures(out, counts, quotas)
