"""Reads of the assignment pages: applications open to assignment, reviewers with their
load, the state a proposal is computed from, and a proposal as staff read it.

Programme staff only; a staff member never sees who reviews an application they take
part in (``calls.selectors.staff_conflicts``: it is left out of every list here and its
page is a 404). A fixed number of
queries per page, whatever the number of applications, reviewers or proposed pairs.

The *load* of a reviewer is their number of live assignments in the call (see
``reviews.selectors.reviewing.live_assignments``: an assignment blocked by a confirmed
conflict, or to a withdrawn application, does not count).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from aissai.status import status_flags
from calls.models import Application, ApplicationStatus, Call
from calls.selectors.staff_conflicts import conflict_clause, withheld_ids
from reviews.assignment.affinity import AffinityResult, Profile, compute_affinity
from reviews.assignment.solver import UnmetDemand, widest_gap
from reviews.models import (
    Assignment,
    AssignmentProposal,
    Conflict,
    ConflictStatus,
    Invitation,
    InvitationStatus,
    ProposalStatus,
    Review,
)
from reviews.selectors.conflicts import NOT_REVIEWED
from reviews.selectors.reviewing import confirmed_conflict, live_assignments

# Reviewers may be added to these applications (by hand or by a proposal).
ASSIGNABLE = (ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW)
PROPOSAL_PAGE_SIZE = 50


def assignable_applications(call: Call, user: Any = None) -> QuerySet[Application]:
    """Applications of the call that may get reviewers, except those the user takes part
    in (no user: all of them)."""
    queryset = Application.objects.filter(call=call, status__in=ASSIGNABLE)
    if user is not None:
        queryset = queryset.exclude(conflict_clause(user))
    return queryset.order_by("reference", "pk")


def _live_count(group: str, **filters) -> Coalesce:
    counted = (
        live_assignments()
        .filter(**filters)
        .order_by()
        .values(group)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_load(queryset: QuerySet[Invitation]) -> QuerySet[Invitation]:
    """Annotate ``load``: the reviewer's live assignments."""
    return queryset.annotate(load=_live_count("invitation", invitation=OuterRef("pk")))


def reviewers(call: Call) -> QuerySet[Invitation]:
    """The call's reviewers (accepted invitations) with their expert and ``load``."""
    return with_load(
        Invitation.objects.filter(call=call, status=InvitationStatus.ACCEPTED).select_related(
            "expert"
        )
    ).order_by("expert__full_name", "pk")


def overview_applications(call: Call, user: Any) -> QuerySet[Application]:
    """The assignment overview: each application under review with ``reviewers`` (live)."""
    return assignable_applications(call, user).annotate(
        reviewers=_live_count("application", application=OuterRef("pk"))
    )


def application_for_staff_or_404(*, call: Call, user: Any, pk: int) -> Application:
    """An application of the call for its assignment page: submitted, not withdrawn, and
    not one the staff member takes part in."""
    try:
        return (
            Application.objects.filter(call=call)
            .exclude(status__in=NOT_REVIEWED)
            .exclude(conflict_clause(user))
            .get(pk=pk)
        )
    except Application.DoesNotExist as exc:
        raise Http404 from exc


def current_assignments(application: Application) -> list[Assignment]:
    """Active assignments of the application (one query), each with ``blocked`` (a
    confirmed conflict hides it from the reviewer), ``review_status`` and ``load``."""
    review_status = Review.objects.filter(assignment=OuterRef("pk")).values("status")[:1]
    return list(
        Assignment.objects.filter(application=application, is_active=True)
        .select_related("invitation__expert")
        .annotate(
            blocked=confirmed_conflict(),
            review_status=Subquery(review_status),
            load=_live_count("invitation", invitation=OuterRef("invitation")),
        )
        .order_by("invitation__expert__full_name", "pk")
    )


def candidates(application: Application) -> QuerySet[Invitation]:
    """Every reviewer of the call for the add form (one query), with ``load``,
    ``conflict_status`` (empty when none) and ``assigned`` (already active here)."""
    conflict = Conflict.objects.filter(invitation=OuterRef("pk"), application=application).values(
        "status"
    )[:1]
    return reviewers(application.call).annotate(
        conflict_status=Subquery(conflict),
        assigned=Exists(
            Assignment.objects.filter(
                invitation=OuterRef("pk"), application=application, is_active=True
            )
        ),
    )


def application_profiles(applications: QuerySet[Application]) -> list[Profile]:
    return [
        Profile(id=pk, keywords=keywords or [], text=f"{title}\n{abstract}")
        for pk, keywords, title, abstract in applications.values_list(
            "pk", "keywords", "title", "abstract"
        )
    ]


def expert_profile(invitation_id: int, keywords, statement: str) -> Profile:
    return Profile(id=invitation_id, keywords=keywords or [], text=statement or "")


def application_affinities(application: Application) -> AffinityResult:
    """Affinity of the application with every reviewer of its call (one query); the same
    measure as a proposal's (TF-IDF over these texts)."""
    reviewers = Invitation.objects.filter(
        call_id=application.call_id, status=InvitationStatus.ACCEPTED
    ).values_list("pk", "expert__keywords", "expert__statement")
    return compute_affinity(
        applications=application_profiles(Application.objects.filter(pk=application.pk)),
        experts=[expert_profile(*row) for row in reviewers.order_by("pk")],
    )


@dataclass
class CandidateRow:
    """A reviewer of the call as the add form shows them for one application."""

    invitation: Invitation
    load: int
    cap: int
    conflict_status: str
    assigned: bool
    affinity: float | None
    shared: list[str]
    conflict_status_is = status_flags(ConflictStatus, field="conflict_status")

    @property
    def blocked(self) -> bool:
        """Refused whatever staff tick: assigned already, confirmed conflict, or full."""
        return (
            self.assigned
            or self.conflict_status == ConflictStatus.CONFIRMED
            or self.load >= self.cap
        )

    @property
    def suspected(self) -> bool:
        return self.conflict_status == ConflictStatus.SUSPECTED


def candidate_rows(application: Application) -> list[CandidateRow]:
    """Every reviewer of the call for the application's add form (two queries), those
    who can take it first, by affinity."""
    affinity = application_affinities(application)
    rows = []
    for invitation in candidates(application):
        explanation = (
            affinity.explain(application.pk, invitation.pk)
            if invitation.pk in affinity.expert_ids
            else None
        )
        rows.append(
            CandidateRow(
                invitation=invitation,
                load=invitation.load,
                cap=invitation.max_load,
                conflict_status=invitation.conflict_status or "",
                assigned=invitation.assigned,
                affinity=explanation.affinity if explanation else None,
                shared=list(
                    dict.fromkeys([*explanation.shared_keywords, *explanation.shared_terms])
                )
                if explanation
                else [],
            )
        )
    rows.sort(
        key=lambda r: (r.blocked, r.suspected, -(r.affinity or 0), r.invitation.expert.full_name)
    )
    return rows


def state_basis(call: Call) -> str:
    """A fingerprint of what a proposal depends on: the live assignments, the conflicts,
    the reviewers and their caps, the applications open to assignment (four queries)."""
    digest = hashlib.sha256()
    parts = [
        live_assignments()
        .filter(application__call=call)
        .order_by("invitation_id", "application_id")
        .values_list("invitation_id", "application_id"),
        Conflict.objects.filter(application__call=call)
        .exclude(status=ConflictStatus.CLEARED)
        .order_by("invitation_id", "application_id")
        .values_list("invitation_id", "application_id", "status"),
        Invitation.objects.filter(call=call, status=InvitationStatus.ACCEPTED)
        .order_by("pk")
        .values_list("pk", "max_load"),
        Application.objects.filter(call=call, status__in=ASSIGNABLE)
        .order_by("pk")
        .values_list("pk", flat=True),
    ]
    for part in parts:
        digest.update(repr(list(part)).encode())
        digest.update(b"|")
    return digest.hexdigest()


# --- Proposals ----------------------------------------------------------------------


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
    by_application: dict[int, list[dict]] = defaultdict(list)
    for pair in result.get("pairs", []):
        by_application[pair["a"]].append({**pair, "invitation": invitations.get(pair["i"])})
    unmet = {u["application"]: u for u in result.get("unmet", [])}
    required = result.get("k", 0)
    rows = []
    for pk in page.object_list:
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
            required=required,
        )
        if pk in unmet:
            row.unmet = UnmetDemand(**unmet[pk]).message()
        rows.append(row)
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
