"""The staff progress page of a call: reviews done per application and per reviewer.

Programme staff only (404 for everyone else). Both tables are paginated and the page
runs a fixed number of queries whatever the size of the call:

- each table pages a plain queryset (filters are ``IN`` subqueries over the call's live
  assignments, see :func:`reviews.selectors.reviewing.live_assignments`: an assignment
  ended by a declared conflict, or blocked by a confirmed one, does not count);
- the live assignments of the shown applications come from one prefetch on the page,
  and their reviews done and assigned are counted from it; the declared conflicts and
  the reviewers' last reminders are one query per table, for the shown rows only (never
  ``Count(distinct)`` over joins, nor annotations evaluated for every row skipped
  before a deep page);
- the reviewers' counts and the call totals (reviews assigned, submitted) are the counts
  kept on each invitation (:mod:`reviews.services.review_counts`); the totals are their
  sum over the call's invitations.

A staff member who coordinates an application of the call does not see its row: the
people who review it are none of their business (the design's "a role never leaks
rights into another").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from aissai.queries import correlated_count
from calls.models import Application, ApplicationStatus, Call
from calls.selectors.staff_conflicts import conflict_clause
from reviews.models import (
    Assignment,
    Conflict,
    ConflictSource,
    Invitation,
    InvitationStatus,
    ReminderSent,
    ReviewStatus,
)
from reviews.selectors.reviewing import live_assignments, review_of

# Applications that wait for reviews even before anyone is assigned.
_REVIEW_STATUSES = (ApplicationStatus.ELIGIBLE, ApplicationStatus.IN_REVIEW)

# Rows per page of each table.
APPLICATIONS_PER_PAGE = 50
REVIEWERS_PER_PAGE = 50


def _count(queryset: QuerySet, outer: str) -> Coalesce:
    """The rows of ``queryset`` whose ``outer`` field is the outer row (0 when none)."""
    return correlated_count(queryset.filter(**{outer: OuterRef("pk")}), outer)


def _live_in(call: Call) -> QuerySet:
    """The call's live assignments, unordered (for ``IN`` subqueries, which PostgreSQL
    hashes once instead of probing per row)."""
    return live_assignments().filter(invitation__call=call).order_by()


def _has_active_assignment() -> Exists:
    """For an application: an active assignment, live or not (one that only a confirmed
    conflict blocks is listed too: it needs another reviewer). A correlated ``EXISTS`` on
    the assignments' application index, asked only of the applications past review:
    hashing the ids of all the call's assignments cost 15–20 ms at N = 10,000 on each of
    the listing and its count."""
    return Exists(Assignment.objects.filter(application=OuterRef("pk"), is_active=True))


def _unfinished_in(call: Call) -> QuerySet:
    """The call's live assignments without a submitted review."""
    return _live_in(call).exclude(review__status=ReviewStatus.SUBMITTED)


def application_progress(
    *, call: Call, user: Any, incomplete: bool = False, late: bool = False, now=None
) -> QuerySet[Application]:
    """The call's applications under review, by reference, without their counts: page
    it, then :func:`prefetch_live_assignments` and :func:`attach_application_counts` on
    the page. Filters use set membership over the call's assignments (one pass each):

    - incomplete: fewer submitted reviews than live assignments, or than the call asks;
    - late (after the review deadline): a live assignment without a submitted review.
    """
    now = now or timezone.now()
    queryset = (
        Application.objects.filter(call=call)
        .exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
        .exclude(conflict_clause(user))
        .filter(Q(status__in=_REVIEW_STATUSES) | Q(_has_active_assignment()))
        .only("id", "call_id", "status", "reference", "acronym", "title")
        .order_by("reference", "pk")
    )
    if incomplete:
        complete = (
            _live_in(call)
            .values("application_id")
            .annotate(
                assigned=Count("pk"),
                done=Count("pk", filter=Q(review__status=ReviewStatus.SUBMITTED)),
            )
            .filter(done__gte=F("assigned"))
            .filter(done__gte=call.reviews_per_application)
            .values("application_id")
        )
        queryset = queryset.exclude(pk__in=complete)
    if late:
        if now < call.review_deadline:
            return queryset.none()
        queryset = queryset.filter(pk__in=_unfinished_in(call).values("application_id"))
    return queryset


def attach_application_counts(applications: list[Application]) -> None:
    """Set ``assigned``, ``done`` and ``conflicts_declared`` on the given applications,
    after :func:`prefetch_live_assignments`: the first two are counted from the live
    assignments already there (the same ``live_assignments`` rows the page draws), the
    declared conflicts in one query for these rows only."""
    declared = dict(
        Conflict.objects.filter(
            source=ConflictSource.DECLARED, application_id__in=[a.pk for a in applications]
        )
        .order_by()
        .values("application_id")
        .annotate(n=Count("pk"))
        .values_list("application_id", "n")
    )
    for application in applications:
        live = application.live_assignments
        application.assigned = len(live)
        application.done = sum(
            1 for a in live if getattr(review_of(a), "status", "") == ReviewStatus.SUBMITTED
        )
        application.conflicts_declared = declared.get(application.pk, 0)


def prefetch_live_assignments(applications: list[Application]) -> None:
    """Attach ``live_assignments`` (reviewer and review, by reviewer name) to the given
    applications: one query for all of them."""
    prefetch_related_objects(
        applications,
        Prefetch(
            "assignments",
            queryset=live_assignments()
            .select_related("invitation__expert", "review")
            # What the page draws of them: the reviewer's name and the review's status
            # (whole rows of four tables: about 15 ms of CPU per page at 10,000).
            .only(
                "id",
                "application_id",
                "invitation__id",
                "invitation__expert__id",
                "invitation__expert__full_name",
                "review__id",
                "review__assignment_id",
                "review__status",
            )
            .order_by("invitation__expert__full_name", "pk"),
            to_attr="live_assignments",
        ),
    )


def reviewer_progress(
    *, call: Call, incomplete: bool = False, late: bool = False, now=None
) -> QuerySet[Invitation]:
    """The call's reviewers (accepted invitations) by name, without their counts: page
    it, then :func:`attach_reviewer_counts`. Incomplete, and late after the deadline:
    a live assignment without a submitted review."""
    now = now or timezone.now()
    queryset = (
        Invitation.objects.filter(call=call, status=InvitationStatus.ACCEPTED)
        .select_related("expert")
        .order_by("expert__full_name", "pk")
    )
    if late and now < call.review_deadline:
        return queryset.none()
    if incomplete or late:
        # A live assignment without a submitted review: fewer done than assigned.
        queryset = queryset.filter(reviews_done__lt=F("reviews_assigned"))
    return queryset


def attach_reviewer_counts(invitations: list[Invitation]) -> None:
    """Set ``assigned``, ``done``, ``conflicts_declared`` and ``last_reminder_at`` on the
    given invitations: the first two are the counts kept on the invitation
    (:mod:`reviews.services.review_counts`), the others one query."""
    last_reminder = (
        ReminderSent.objects.filter(assignment__invitation=OuterRef("pk"))
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )
    declared = Conflict.objects.filter(source=ConflictSource.DECLARED)
    counts = {
        row["pk"]: row
        for row in Invitation.objects.filter(pk__in=[i.pk for i in invitations])
        .order_by()
        .annotate(
            conflicts_declared=_count(declared, "invitation"),
            last_reminder_at=Subquery(last_reminder),
        )
        .values("pk", "conflicts_declared", "last_reminder_at")
    }
    for invitation in invitations:
        row = counts[invitation.pk]
        invitation.assigned = invitation.reviews_assigned
        invitation.done = invitation.reviews_done
        invitation.conflicts_declared = row["conflicts_declared"]
        invitation.last_reminder_at = row["last_reminder_at"]


def review_totals(call: Call) -> dict[str, int]:
    """Reviews ``assigned`` and ``done`` (submitted) over the whole call: the sum of the
    counts kept on its invitations (one row per reviewer, never the call's assignments)."""
    totals = Invitation.objects.filter(call=call).aggregate(
        assigned=Sum("reviews_assigned"), done=Sum("reviews_done")
    )
    return {key: value or 0 for key, value in totals.items()}


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
    """One page of each table (``applications`` and ``reviewers`` are the rows of the
    shown pages) and the totals of the whole call, whatever the filters."""

    call: Call
    deadline_passed: bool
    applications: list[ApplicationRow]
    reviewers: list[ReviewerRow]
    applications_page: Page
    reviewers_page: Page
    reviews_assigned: int
    reviews_done: int


def _application_row(application: Application, *, call: Call, passed: bool) -> ApplicationRow:
    pending = [
        a
        for a in application.live_assignments
        if getattr(review_of(a), "status", "") != ReviewStatus.SUBMITTED
    ]
    return ApplicationRow(
        application=application,
        assigned=application.assigned,
        done=application.done,
        to_assign=max(call.reviews_per_application - application.assigned, 0),
        conflicts_declared=application.conflicts_declared,
        pending=pending,
        late=passed and bool(pending),
    )


def _reviewer_row(invitation: Invitation, *, passed: bool) -> ReviewerRow:
    return ReviewerRow(
        invitation=invitation,
        assigned=invitation.assigned,
        done=invitation.done,
        late=(invitation.assigned - invitation.done) if passed else 0,
        conflicts_declared=invitation.conflicts_declared,
        last_reminder_at=invitation.last_reminder_at,
    )


def call_progress(
    *,
    call: Call,
    user: Any,
    incomplete: bool = False,
    late: bool = False,
    applications_page: Any = 1,
    reviewers_page: Any = 1,
    now=None,
) -> CallProgress:
    """The given pages of both tables (page numbers as in the address: an invalid one
    gives the first page, one past the end the last)."""
    now = now or timezone.now()
    passed = now >= call.review_deadline
    filters = {"incomplete": incomplete, "late": late, "now": now}
    a_page = Paginator(
        application_progress(call=call, user=user, **filters), APPLICATIONS_PER_PAGE
    ).get_page(applications_page)
    a_page.object_list = applications = list(a_page.object_list)  # evaluated once, here
    if applications:
        prefetch_live_assignments(applications)
        attach_application_counts(applications)
    r_page = Paginator(reviewer_progress(call=call, **filters), REVIEWERS_PER_PAGE).get_page(
        reviewers_page
    )
    r_page.object_list = invitations = list(r_page.object_list)
    if invitations:
        attach_reviewer_counts(invitations)
    totals = review_totals(call)
    return CallProgress(
        call=call,
        deadline_passed=passed,
        applications=[_application_row(a, call=call, passed=passed) for a in applications],
        reviewers=[_reviewer_row(i, passed=passed) for i in invitations],
        applications_page=a_page,
        reviewers_page=r_page,
        reviews_assigned=totals["assigned"],
        reviews_done=totals["done"],
    )
