"""Reads of the assignment pages: applications open to assignment, reviewers with their
load, and the state a proposal is computed from (a proposal as staff read it is in
``reviews.selectors.proposals``).

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
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from aissai.status import status_flags
from calls.models import Application, ApplicationStatus, Call
from calls.selectors.staff_conflicts import conflict_clause
from reviews.assignment.affinity import AffinityResult, Profile, compute_affinity
from reviews.models import (
    Assignment,
    Conflict,
    ConflictStatus,
    Invitation,
    InvitationStatus,
    Review,
)
from reviews.selectors.conflicts import NOT_REVIEWED
from reviews.selectors.reviewing import confirmed_conflict, live_assignments

# Reviewers may be added to these applications (by hand or by a proposal).
ASSIGNABLE = (ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW)


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
