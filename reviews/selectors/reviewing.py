"""Reads of the reviewer's side: assignments, scoped to the person who reviews.

``live_assignments`` is the base every reviewing read, reminder and progress count
starts from: an active assignment, through an accepted invitation, to an application
that is not withdrawn, and with no *confirmed* conflict between the reviewer and the
application. A confirmed conflict hides the application everywhere (the reviewer's
pages, its documents, scoring, reminders), whatever the conflict's source.

``assignments_visible_to(user)`` narrows it to the user's own assignments. Every
reviewer page looks up through it, so what a reviewer may not see is a 404. A reviewer
only ever reads their own assignment and review: no other reviewer's name or score is
reachable from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from aissai.queries import correlated_count
from aissai.status import status_flags
from calls.models import ApplicationStatus, Criterion, Document
from calls.selectors.staff_conflicts import evaluation_visible_to
from reviews.models import (
    Assignment,
    ConfidentialityAcceptance,
    ConfidentialityTerms,
    Conflict,
    ConflictStatus,
    CriterionScore,
    DeclaredConflict,
    InvitationStatus,
    Review,
    ReviewStatus,
)


class AssignmentState(models.TextChoices):
    TERMS = "terms", gettext_lazy("Confidentiality terms to accept")
    DECLARE = "declare", gettext_lazy("Conflicts of interest to declare")
    TO_REVIEW = "to_review", gettext_lazy("To review")
    DRAFT = "draft", gettext_lazy("Draft")
    SUBMITTED = "submitted", gettext_lazy("Submitted")


def confirmed_conflict() -> Exists:
    """For an assignment: its reviewer has a confirmed conflict with its application."""
    return Exists(
        Conflict.objects.filter(
            invitation=OuterRef("invitation"),
            application=OuterRef("application"),
            status=ConflictStatus.CONFIRMED,
        )
    )


def live_assignments() -> QuerySet[Assignment]:
    """Assignments that count: active, accepted invitation, application not withdrawn,
    no confirmed conflict."""
    return (
        Assignment.objects.filter(is_active=True, invitation__status=InvitationStatus.ACCEPTED)
        .exclude(application__status=ApplicationStatus.WITHDRAWN)
        .exclude(confirmed_conflict())
    )


def assignments_visible_to(user: Any) -> QuerySet[Assignment]:
    """The user's own live assignments, across calls; nothing for anyone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Assignment.objects.none()
    return live_assignments().filter(invitation__expert__user=user)


def staff_assignments(user: Any) -> QuerySet[Assignment]:
    """Live assignments a staff member may act on: not those of an application they take
    part in (a role never leaks rights into another)."""
    if not getattr(user, "is_authenticated", False) or not user.is_programme_staff:
        return Assignment.objects.none()
    return live_assignments().filter(application__in=evaluation_visible_to(user))


def current_terms_accepted() -> Exists:
    """For an assignment: the reviewer accepted the latest version of the call's
    confidentiality terms (a call without terms has nothing to accept yet, so no)."""
    latest = (
        ConfidentialityTerms.objects.filter(call=OuterRef(OuterRef("application__call")))
        .order_by("-version")
        .values("pk")[:1]
    )
    return Exists(
        ConfidentialityAcceptance.objects.filter(
            invitation=OuterRef("invitation"), terms=Subquery(latest)
        )
    )


def with_progress(queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """What the dashboard and the reviewer's pages read, in one query per list."""
    answered = CriterionScore.objects.filter(review__assignment=OuterRef("pk")).filter(
        Q(score__isnull=False) | Q(not_applicable=True)
    )
    return queryset.select_related("application__call", "invitation__expert", "review").annotate(
        terms_accepted=current_terms_accepted(),
        criteria_total=correlated_count(
            Criterion.objects.filter(call=OuterRef("application__call")), "call"
        ),
        criteria_answered=correlated_count(answered, "review"),
    )


def review_of(assignment: Assignment) -> Review | None:
    try:
        return assignment.review
    except Review.DoesNotExist:
        return None


def assignment_state(assignment: Assignment) -> str:
    if not assignment.terms_accepted:
        return AssignmentState.TERMS
    if assignment.coi_declaration != DeclaredConflict.NONE:
        return AssignmentState.DECLARE
    review = review_of(assignment)
    if review is None:
        return AssignmentState.TO_REVIEW
    if review.status == ReviewStatus.SUBMITTED:
        return AssignmentState.SUBMITTED
    return AssignmentState.DRAFT


def deadline_passed(assignment: Assignment, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= assignment.application.call.review_deadline


def review_editable(
    assignment: Assignment, now: datetime | None = None, *, review: Review | None = None
) -> bool:
    """The reviewer may change the review: before the review deadline, or after it
    once staff reopened it (until the reviewer submits it again). ``review`` defaults to
    the assignment's cached one; services pass the row they re-read under lock."""
    if not deadline_passed(assignment, now):
        return True
    review = review if review is not None else review_of(assignment)
    return bool(review and review.status == ReviewStatus.DRAFT and review.reopened_by_id)


def is_open_to_reviewer(assignment: Assignment) -> bool:
    """The full application and its files: terms accepted and "no conflict" declared."""
    return bool(assignment.terms_accepted) and (assignment.coi_declaration == DeclaredConflict.NONE)


def what_is_left(assignment: Assignment, state: str) -> list[str]:
    if state == AssignmentState.TERMS:
        return [_("Accept the confidentiality terms of the call")]
    if state == AssignmentState.DECLARE:
        return [_("Declare whether you have a conflict of interest")]
    if state == AssignmentState.SUBMITTED:
        return []
    review = review_of(assignment)
    left = []
    missing = assignment.criteria_total - assignment.criteria_answered
    if missing > 0:
        left.append(
            ngettext(
                "%(count)d criterion to score",
                "%(count)d criteria to score",
                missing,
            )
            % {"count": missing}
        )
    if review is None or not review.recommendation:
        left.append(_("Overall recommendation"))
    if review is None or review.confidence is None:
        left.append(_("Confidence level"))
    left.append(_("Submit the review"))
    return left


@dataclass
class AssignmentRow:
    assignment: Assignment
    state: str
    state_label: str
    left: list[str] = field(default_factory=list)
    late: bool = False
    editable: bool = True
    # ``row.state_is.submitted`` in templates (they never compare a state string).
    state_is: ClassVar[status_flags] = status_flags(AssignmentState, field="state")

    @property
    def application(self):
        return self.assignment.application

    @property
    def deadline(self) -> datetime:
        return self.assignment.application.call.review_deadline


def assignment_row(assignment: Assignment, now: datetime | None = None) -> AssignmentRow:
    now = now or timezone.now()
    state = assignment_state(assignment)
    return AssignmentRow(
        assignment=assignment,
        state=state,
        state_label=str(AssignmentState(state).label),
        left=what_is_left(assignment, state),
        late=state != AssignmentState.SUBMITTED and deadline_passed(assignment, now),
        editable=review_editable(assignment, now),
    )


def my_assignments(user: Any) -> list[AssignmentRow]:
    """The reviewer dashboard: every live assignment, nearest deadline first (one query)."""
    queryset = with_progress(assignments_visible_to(user)).order_by(
        "application__call__review_deadline", "application__reference", "pk"
    )
    now = timezone.now()
    return [assignment_row(assignment, now) for assignment in queryset]


def reviewer_assignment_or_404(user: Any, application_pk: int) -> Assignment:
    """The user's live assignment to this application, or 404."""
    try:
        return with_progress(assignments_visible_to(user)).get(application_id=application_pk)
    except Assignment.DoesNotExist as exc:
        raise Http404 from exc


def open_assignment_or_404(user: Any, application_pk: int) -> Assignment:
    """As above, and the full application is open to the reviewer (terms, no conflict)."""
    assignment = reviewer_assignment_or_404(user, application_pk)
    if not is_open_to_reviewer(assignment):
        raise Http404
    return assignment


def call_criteria(call) -> list[Criterion]:
    return list(Criterion.objects.filter(call=call).order_by("position", "pk"))


def current_documents(application) -> list[Document]:
    """The application's current files, in the order of the call's required documents,
    each with ``label`` (the required document's name)."""
    required = list(application.call.required_documents.order_by("position", "pk"))
    names = {r.kind: r.name for r in required}
    order = {r.kind: position for position, r in enumerate(required)}
    documents = list(Document.objects.filter(application=application, is_current=True))
    for document in documents:
        document.label = names.get(document.kind, document.kind)
    return sorted(documents, key=lambda d: (order.get(d.kind, len(order)), d.kind))


def reviewer_document_or_404(*, assignment: Assignment, document_pk: int) -> Document:
    try:
        return Document.objects.select_related("application").get(
            pk=document_pk, application_id=assignment.application_id, is_current=True
        )
    except Document.DoesNotExist as exc:
        raise Http404 from exc
