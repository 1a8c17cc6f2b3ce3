"""Reads of assignment proposals: the proposals of a call, one for its staff pages or its
progress endpoint, and a proposal as staff read it (a page of applications with their
proposed, dropped and candidate reviewers, the loads and how even they are). Programme
staff only; applications a staff member takes part in are left out."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404

from calls.models import Application, Call
from calls.selectors.staff_conflicts import withheld_ids
from reviews.assignment.solver import widest_gap
from reviews.assignment.unmet import UnmetDemand
from reviews.models import (
    AssignmentProposal,
    Invitation,
    ProposalStatus,
)
from reviews.selectors.assignment import state_basis

PROPOSAL_PAGE_SIZE = 50


def proposals_of(call: Call) -> QuerySet[AssignmentProposal]:
    return AssignmentProposal.objects.filter(call=call).select_related(
        "requested_by", "confirmed_by"
    )


def latest_proposals(call: Call, limit: int = 5) -> list[AssignmentProposal]:
    return list(
        proposals_of(call).defer("result", "outcome").order_by("-created_at", "-pk")[:limit]
    )


def proposal_for_staff_or_404(*, call: Call, pk: int) -> AssignmentProposal:
    try:
        return proposals_of(call).get(pk=pk)
    except AssignmentProposal.DoesNotExist as exc:
        raise Http404 from exc


def proposal_status_or_404(*, call: Call, pk: int) -> AssignmentProposal:
    """The few fields the progress endpoint reads."""
    try:
        return AssignmentProposal.objects.only(
            "pk", "call_id", "status", "progress", "stage", "error"
        ).get(call=call, pk=pk)
    except AssignmentProposal.DoesNotExist as exc:
        raise Http404 from exc


def active_pairs(result: dict) -> list[dict]:
    """The pairs of a proposal staff did not drop."""
    return [p for p in result.get("pairs", []) if not p.get("dropped")]


def proposal_loads(result: dict) -> dict[int, int]:
    """Each reviewer's load if the proposal (as edited) were confirmed."""
    loads = Counter({int(i): n for i, n in result.get("base_load", {}).items()})
    for pair in active_pairs(result):
        loads[pair["i"]] += 1
    return {int(i): loads.get(int(i), 0) for i in result.get("caps", {})}


@dataclass
class ProposalRow:
    application: Application
    pairs: list[dict]
    dropped: list[dict]
    candidates: list[dict]
    covered: int
    required: int
    unmet: str = ""

    @property
    def missing(self) -> int:
        return max(self.required - self.covered, 0)


@dataclass
class ProposalPage:
    proposal: AssignmentProposal
    rows: list[ProposalRow]
    reviewers: list[dict]
    page: Any
    stale: bool
    unmet_total: int
    new_pairs: int
    stats: dict = field(default_factory=dict)
    loads: LoadSpread | None = None


@dataclass(frozen=True)
class LoadSpread:
    """How even the reviewers' loads are, against what the proposal's setting allows."""

    lowest: int  # the least loaded reviewer who still has a free place
    highest: int
    balance: Decimal
    widest_allowed: int | None  # None: balancing was off

    @property
    def gap(self) -> int:
        return max(self.highest - self.lowest, 0)

    @property
    def too_wide(self) -> bool:
        return self.widest_allowed is not None and self.gap > self.widest_allowed


def load_spread(*, loads: dict[int, int], caps: dict[int, int], balance: Decimal) -> LoadSpread:
    """The range of loads staff read on the proposal: from the least loaded reviewer who
    could still take a review to the most loaded one."""
    with_room = [load for pk, load in loads.items() if load < caps.get(pk, 0)]
    values = list(loads.values())
    return LoadSpread(
        lowest=min(with_room or values or [0]),
        highest=max(values or [0]),
        balance=balance,
        widest_allowed=widest_gap(float(balance)),
    )


def proposal_page(
    *, proposal: AssignmentProposal, user: Any, page_number: Any = 1, check_stale: bool = True
) -> ProposalPage:
    """A proposal as staff read it: per application (a page of them) its proposed and
    dropped pairs, replacement candidates and why it is short; per reviewer the load. A
    fixed number of queries, whatever the number of pairs."""
    result = proposal.result or {}
    own = withheld_ids(user, call=proposal.call_id)
    application_ids = [a for a in result.get("applications", []) if a not in own]
    page = Paginator(application_ids, PROPOSAL_PAGE_SIZE).get_page(page_number)
    applications = Application.objects.in_bulk(list(page.object_list))
    invitations = {
        i.pk: i
        for i in Invitation.objects.filter(pk__in=[int(i) for i in result.get("caps", {})])
        .select_related("expert")
        .only("pk", "max_load", "expert__full_name", "expert__institution", "expert__country")
    }
    rows = _proposal_rows(result, page.object_list, applications, invitations)
    loads = proposal_loads(result)
    reviewer_rows = sorted(
        (
            {"invitation": invitation, "load": loads.get(pk, 0), "cap": invitation.max_load}
            for pk, invitation in invitations.items()
        ),
        key=lambda r: (-r["load"], r["invitation"].expert.full_name),
    )
    return ProposalPage(
        proposal=proposal,
        rows=rows,
        reviewers=reviewer_rows,
        page=page,
        stale=check_stale
        and proposal.status == ProposalStatus.READY
        and proposal.basis != state_basis(proposal.call),
        unmet_total=len(result.get("unmet", [])),
        new_pairs=sum(1 for p in active_pairs(result) if not p.get("existing")),
        stats=result.get("stats", {}),
        loads=load_spread(
            loads=loads,
            caps={pk: i.max_load for pk, i in invitations.items()},
            balance=proposal.balance,
        )
        if invitations
        else None,
    )


def _proposal_rows(
    result: dict,
    application_ids: list[int],
    applications: dict[int, Application],
    invitations: dict[int, Invitation],
) -> list[ProposalRow]:
    """One row per application of the page (those deleted since are left out)."""
    by_application: dict[int, list[dict]] = defaultdict(list)
    for pair in result.get("pairs", []):
        by_application[pair["a"]].append({**pair, "invitation": invitations.get(pair["i"])})
    unmet = {u["application"]: u for u in result.get("unmet", [])}
    rows = []
    for pk in application_ids:
        if pk not in applications:
            continue  # deleted since
        pairs = by_application.get(pk, [])
        kept = [p for p in pairs if not p.get("dropped")]
        row = ProposalRow(
            application=applications[pk],
            pairs=kept,
            dropped=[p for p in pairs if p.get("dropped")],
            candidates=[
                {**c, "invitation": invitations.get(c["i"])}
                for c in result.get("candidates", {}).get(str(pk), [])
                if c["i"] not in {p["i"] for p in kept}
            ],
            covered=len(kept),
            required=result.get("k", 0),
        )
        if pk in unmet:
            row.unmet = UnmetDemand(**unmet[pk]).message()
        rows.append(row)
    return rows
