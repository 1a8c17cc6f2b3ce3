"""The reviewer's writes: the review itself, staff reopening it, and the assignment mails
(the conflict declaration is in ``reviews.services.declarations``; the review's checks and
shape in ``reviews.services.review_input``).

Every function locks the assignment through ``live_assignments`` (so a confirmed
conflict, an ended assignment or a withdrawn application stops it), checks the rule,
writes, audits and queues mail in one transaction. The weighted total comes from
:func:`reviews.scoring.weighted.weighted_total` only, and is stored at each save.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.concurrency import EditBase, Merge, merge_edit
from aissai.formatting import long_datetime
from aissai.notifications.services import queue_mail
from calls.models import Criterion
from reviews.models import (
    Assignment,
    CriterionScore,
    Expert,
    Review,
    ReviewStatus,
)
from reviews.selectors.reviewing import (
    assignments_visible_to,
    call_criteria,
    deadline_passed,
    is_open_to_reviewer,
    live_assignments,
    review_editable,
    staff_assignments,
    with_progress,
)
from reviews.services.review_input import (
    ReviewData,
    ScoreInput,
    compute_total,
    missing_parts,
    review_data_from,
    review_data_of,
    review_values,
    validate_input,
)


class ReviewingError(Exception):
    """The action is not possible; the message says why, for the person who tried."""

    def __init__(self, message: str, errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})


class ReviewNotAllowed(ReviewingError):
    """Not this person's live, open assignment: the views answer 404."""


class ReviewClosed(ReviewingError):
    """The review deadline passed and staff did not reopen the review."""


class ReviewInputError(ReviewingError):
    """Values outside what the call's criteria allow (per field in ``errors``)."""


class ReviewIncomplete(ReviewingError):
    """A submitted review must stay complete; ``errors`` names what is missing."""


@dataclass(frozen=True)
class SaveOutcome:
    review: Review
    submitted: bool
    missing: dict[str, str]
    kept: list[str] = field(default_factory=list)  # fields changed in another tab, kept
    stale: bool = False  # saved meanwhile elsewhere: the two saves were merged


def reviewer_language(expert: Expert) -> str:
    user = expert.user
    return (user.language if user is not None else "") or expert.language


def lock_own_assignment(*, assignment: Assignment, by: Any) -> Assignment:
    """The reviewer's own live assignment, locked, with the progress annotations."""
    locked = (
        with_progress(assignments_visible_to(by))
        .select_for_update(of=("self",))
        .filter(pk=assignment.pk)
        .first()
    )
    if locked is None:
        raise ReviewNotAllowed(_("This assignment is not open to you."))
    return locked


# --- The review -------------------------------------------------------------------


def _closed_message(assignment: Assignment) -> str:
    deadline = timezone.localtime(
        assignment.application.call.review_deadline, timezone.get_default_timezone()
    )
    return _(
        "The review deadline passed on %(deadline)s (Paris time): the review can no longer "
        "be changed. Nothing was saved. Write to the programme team if you need it reopened."
    ) % {"deadline": long_datetime(deadline)}


def save_review(
    *,
    assignment: Assignment,
    by: Any,
    data: ReviewData,
    submit: bool = False,
    base: EditBase | None = None,
    left_out: Collection[str] = (),
) -> SaveOutcome:
    """Save the reviewer's review: a draft at any time (partial is fine), or submit it
    (every criterion scored or N/A where allowed, a recommendation, a confidence). A
    submitted review may still be edited until the deadline, but stays complete.

    Fields named in ``left_out`` (missing from the request) keep their saved value. With
    ``base`` (what the form was loaded with) a review saved meanwhile in another tab is
    merged field by field; the same field changed in both raises :class:`EditConflict`."""
    with transaction.atomic():
        locked = lock_own_assignment(assignment=assignment, by=by)
        if not is_open_to_reviewer(locked):
            raise ReviewNotAllowed(_("Declare that you have no conflict of interest first."))
        now = timezone.now()
        # Read again under the lock: a save that waited for it sees the review just made.
        review = Review.objects.filter(assignment=locked).first()
        if not review_editable(locked, now, review=review):
            raise ReviewClosed(_closed_message(locked))
        criteria = call_criteria(locked.application.call)
        data, merge = _merged_with_saved(review, data, criteria, base=base, left_out=left_out)
        errors = validate_input(criteria=criteria, data=data)
        if errors:
            raise ReviewInputError(_("Some values are not allowed; nothing was saved."), errors)
        review = review or Review(assignment=locked)
        was_submitted = review.status == ReviewStatus.SUBMITTED
        missing = missing_parts(criteria=criteria, data=data)
        if was_submitted and missing:
            raise ReviewIncomplete(
                _("A submitted review must stay complete; nothing was changed."), missing
            )
        review.recommendation = data.recommendation
        review.confidence = data.confidence
        review.comments_for_applicants = data.comments_for_applicants
        review.comments_for_staff = data.comments_for_staff
        review.total = compute_total(criteria=criteria, data=data)
        becomes_submitted = not was_submitted and submit and not missing
        review.revision += 1
        if becomes_submitted:
            review.status = ReviewStatus.SUBMITTED
            review.submitted_at = now
        review.save()
        _save_scores(review=review, criteria=criteria, data=data)
        _record_save(review, locked, by=by, was_submitted=was_submitted)
    return SaveOutcome(
        review=review,
        submitted=review.status == ReviewStatus.SUBMITTED,
        missing={} if review.status == ReviewStatus.SUBMITTED else missing,
        kept=merge.kept,
        stale=merge.stale,
    )


def _merged_with_saved(
    review: Review | None,
    data: ReviewData,
    criteria: list[Criterion],
    *,
    base: EditBase | None,
    left_out: Collection[str],
) -> tuple[ReviewData, Merge]:
    """What to save: the saved review with the reviewer's changes, those left out of the
    request kept as saved, merged field by field with a save made meanwhile."""
    saved = review_values(review_data_of(review), criteria)
    submitted = {k: v for k, v in review_values(data, criteria).items() if k not in left_out}
    merge = merge_edit(
        base=base,
        revision=review.revision if review else 0,
        submitted=submitted,
        saved=saved,
    )
    return review_data_from({**saved, **merge.values}, criteria), merge


def _record_save(review: Review, assignment: Assignment, *, by: Any, was_submitted: bool) -> None:
    if review.status == ReviewStatus.SUBMITTED and not was_submitted:
        verb = "review.submitted"
    elif was_submitted:
        verb = "review.updated"
    else:
        verb = "review.draft_saved"
    record_event(
        actor=by,
        verb=verb,
        target=review,
        data={
            "assignment": assignment.pk,
            "application": assignment.application_id,
            "status": review.status,
            "total": review.total,
            "reopened": bool(review.reopened_by_id),
        },
    )


def _save_scores(*, review: Review, criteria: list[Criterion], data: ReviewData) -> None:
    existing = {s.criterion_id: s for s in review.scores.all()}
    to_create = []
    to_update = []
    for criterion in criteria:
        value = data.scores.get(criterion.pk, ScoreInput())
        score = existing.get(criterion.pk)
        if score is None:
            to_create.append(
                CriterionScore(
                    review=review,
                    criterion=criterion,
                    score=value.score,
                    not_applicable=value.not_applicable,
                    comment=value.comment,
                )
            )
        else:
            score.score = value.score
            score.not_applicable = value.not_applicable
            score.comment = value.comment
            to_update.append(score)
    CriterionScore.objects.bulk_create(to_create)
    CriterionScore.objects.bulk_update(to_update, ["score", "not_applicable", "comment"])


# --- Staff ------------------------------------------------------------------------


def reopen_review(*, assignment: Assignment, by: Any, now: datetime | None = None) -> Review:
    """After the deadline, staff let the reviewer change the review again (until they
    submit it again). Audited."""
    with transaction.atomic():
        locked = (
            staff_assignments(by)
            .select_for_update(of=("self",))
            .select_related("application__call")
            .filter(pk=assignment.pk)
            .first()
        )
        if locked is None:
            raise ReviewNotAllowed(_("This assignment cannot be reopened."))
        if not deadline_passed(locked, now):
            raise ReviewingError(
                _("The review deadline has not passed: the reviewer can still edit the review.")
            )
        review = Review.objects.filter(assignment=locked).first() or Review(assignment=locked)
        previous = review.status if review.pk else ""
        if review.pk and review.status == ReviewStatus.DRAFT and review.reopened_by_id:
            raise ReviewingError(_("This review is already reopened."))
        review.status = ReviewStatus.DRAFT
        review.reopened_by = by
        review.save()
        record_event(
            actor=by,
            verb="review.reopened",
            target=review,
            data={
                "assignment": locked.pk,
                "application": locked.application_id,
                "previous_status": previous,
            },
        )
    return review


# --- Assignment mails -------------------------------------------------------------


def notify_assignments(assignments: Iterable[Assignment]) -> int:
    """Queue the assignment mail (event ``review_assignment``): one per reviewer and
    call, listing the applications assigned to them, in the reviewer's language.

    Call it in the transaction that creates the assignments; returns the mails queued.
    Only live assignments are announced; no mail names another reviewer.
    """
    ids = [a.pk for a in assignments]
    if not ids:
        return 0
    rows = (
        live_assignments()
        .filter(pk__in=ids)
        .select_related("application__call", "invitation__expert__user")
        .order_by("invitation_id", "application__reference", "pk")
    )
    grouped: dict[int, list[Assignment]] = {}
    for row in rows:
        grouped.setdefault(row.invitation_id, []).append(row)
    url = reverse("reviews:my_assignments")
    with transaction.atomic():
        for group in grouped.values():
            invitation = group[0].invitation
            call = group[0].application.call
            expert = invitation.expert
            queue_mail(
                event="review_assignment",
                to_email=expert.email,
                to_name=expert.full_name,
                language=reviewer_language(expert),
                recipient=expert.user,
                related=invitation,
                context={
                    "call": call,
                    "applications": [a.application for a in group],
                    "deadline": call.review_deadline,
                    "dashboard_url": url,
                },
            )
    return len(grouped)
