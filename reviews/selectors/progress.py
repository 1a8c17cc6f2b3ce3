"""The staff progress page of a call: reviews done per application and per reviewer.

Programme staff only (404 for everyone else). A fixed number of queries whatever the
number of rows: counts are ``Count(..., filter=Q(...))`` annotations over the live
assignments (see :func:`reviews.selectors.reviewing.live_assignments`: an assignment
ended by a declared conflict, or blocked by a confirmed one, does not count), and the
reviewers still owing a review come from one ``Prefetch``.

A staff member who coordinates an application of the call does not see its row: the
people who review it are none of their business (the design's "a role never leaks
rights into another").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from calls.models import Application, ApplicationStatus, Call
from calls.selectors.calls import is_programme_staff
from reviews.models import ConflictSource, Invitation, InvitationStatus, ReviewStatus
from reviews.selectors.reviewing import live_assignments, review_of

# Applications that wait for reviews even before anyone is assigned.
_REVIEW_STATUSES = (ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW)


def progress_call_or_404(user: Any, slug: str) -> Call:
    if not is_programme_staff(user):
        raise Http404
    try:
        return Call.objects.get(slug=slug)
    except Call.DoesNotExist as exc:
        raise Http404 from exc


def _live_ids():
    return live_assignments().values("pk")


def application_progress(
    *, call: Call, user: Any, incomplete: bool = False, late: bool = False, now=None
) -> QuerySet[Application]:
    """The call's applications under review, each with ``assigned``, ``done``,
    ``conflicts_declared`` and ``live_assignments`` (reviewer and review, for the
    reviewers still owing a review)."""
    now = now or timezone.now()
    live = _live_ids()
    queryset = (
        Application.objects.filter(call=call)
        .exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
        .exclude(coordinator=user)
        .filter(
            Q(status__in=_REVIEW_STATUSES)
            | Exists(live_assignments().filter(application=OuterRef("pk")))
        )
        .annotate(
            assigned=Count("assignments", filter=Q(assignments__in=live), distinct=True),
            done=Count(
                "assignments",
                filter=Q(assignments__in=live, assignments__review__status=ReviewStatus.SUBMITTED),
                distinct=True,
            ),
            conflicts_declared=Count(
                "conflicts", filter=Q(conflicts__source=ConflictSource.DECLARED), distinct=True
            ),
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=live_assignments()
                .select_related("invitation__expert", "review")
                .order_by("invitation__expert__full_name", "pk"),
                to_attr="live_assignments",
            )
        )
        .order_by("reference", "pk")
    )
    if incomplete:
        queryset = queryset.filter(
            Q(done__lt=F("assigned")) | Q(done__lt=call.reviews_per_application)
        )
    if late:
        if now < call.review_deadline:
            return queryset.none()
        queryset = queryset.filter(done__lt=F("assigned"))
    return queryset


def reviewer_progress(
    *, call: Call, incomplete: bool = False, late: bool = False, now=None
) -> QuerySet[Invitation]:
    """The call's reviewers (accepted invitations), each with ``assigned``, ``done``,
    ``conflicts_declared`` and ``last_reminder_at``."""
    now = now or timezone.now()
    live = _live_ids()
    queryset = (
        Invitation.objects.filter(call=call, status=InvitationStatus.ACCEPTED)
        .select_related("expert")
        .annotate(
            assigned=Count("assignments", filter=Q(assignments__in=live), distinct=True),
            done=Count(
                "assignments",
                filter=Q(assignments__in=live, assignments__review__status=ReviewStatus.SUBMITTED),
                distinct=True,
            ),
            conflicts_declared=Count(
                "conflicts", filter=Q(conflicts__source=ConflictSource.DECLARED), distinct=True
            ),
            last_reminder_at=Max("assignments__reminders__sent_at"),
        )
        .order_by("expert__full_name", "pk")
    )
    if incomplete:
        queryset = queryset.filter(done__lt=F("assigned"))
    if late:
        if now < call.review_deadline:
            return queryset.none()
        queryset = queryset.filter(done__lt=F("assigned"))
    return queryset


@dataclass
class ApplicationRow:
    application: Application
    assigned: int
    done: int
    to_assign: int
    conflicts_declared: int
    pending: list  # live assignments without a submitted review
    late: bool

    @property
    def complete(self) -> bool:
        return self.done >= max(self.assigned, 1) and self.to_assign == 0


@dataclass
class ReviewerRow:
    invitation: Invitation
    assigned: int
    done: int
    late: int
    conflicts_declared: int
    last_reminder_at: datetime | None

    @property
    def unfinished(self) -> int:
        return self.assigned - self.done


@dataclass
class CallProgress:
    call: Call
    deadline_passed: bool
    applications: list[ApplicationRow]
    reviewers: list[ReviewerRow]

    @property
    def reviews_assigned(self) -> int:
        return sum(row.assigned for row in self.reviewers)

    @property
    def reviews_done(self) -> int:
        return sum(row.done for row in self.reviewers)


def call_progress(
    *, call: Call, user: Any, incomplete: bool = False, late: bool = False, now=None
) -> CallProgress:
    now = now or timezone.now()
    passed = now >= call.review_deadline
    applications = []
    for application in application_progress(
        call=call, user=user, incomplete=incomplete, late=late, now=now
    ):
        pending = [
            a
            for a in application.live_assignments
            if getattr(review_of(a), "status", "") != ReviewStatus.SUBMITTED
        ]
        applications.append(
            ApplicationRow(
                application=application,
                assigned=application.assigned,
                done=application.done,
                to_assign=max(call.reviews_per_application - application.assigned, 0),
                conflicts_declared=application.conflicts_declared,
                pending=pending,
                late=passed and bool(pending),
            )
        )
    reviewers = [
        ReviewerRow(
            invitation=invitation,
            assigned=invitation.assigned,
            done=invitation.done,
            late=(invitation.assigned - invitation.done) if passed else 0,
            conflicts_declared=invitation.conflicts_declared,
            last_reminder_at=invitation.last_reminder_at,
        )
        for invitation in reviewer_progress(call=call, incomplete=incomplete, late=late, now=now)
    ]
    return CallProgress(
        call=call, deadline_passed=passed, applications=applications, reviewers=reviewers
    )
