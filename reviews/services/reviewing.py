"""The reviewer's writes: the conflict declaration, the review itself, staff reopening
it, and the assignment mails.

Every function locks the assignment through ``live_assignments`` (so a confirmed
conflict, an ended assignment or a withdrawn application stops it), checks the rule,
writes, audits and queues mail in one transaction. The weighted total comes from
:func:`reviews.scoring.weighted.weighted_total` only, and is stored at each save.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.concurrency import EditBase, merge_edit
from aissai.formatting import long_datetime
from aissai.notifications.services import queue_mail
from calls.models import Criterion
from reviews.models import (
    Assignment,
    Conflict,
    ConflictSource,
    ConflictStatus,
    CriterionScore,
    DeclaredConflict,
    Expert,
    Recommendation,
    Review,
    ReviewStatus,
)
from reviews.scoring.weighted import CriterionSpec, weighted_total
from reviews.selectors.pool import programme_staff_recipients
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

COMMENT_MAX_CHARS = 10000
REASON_MAX_CHARS = 2000
CONFIDENCE_RANGE = range(1, 6)


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
class ScoreInput:
    score: int | None = None
    not_applicable: bool = False
    comment: str = ""


@dataclass(frozen=True)
class ReviewData:
    """What the reviewer typed; ``scores`` maps criterion ids to their input."""

    scores: Mapping[int, ScoreInput] = field(default_factory=dict)
    recommendation: str = ""
    confidence: int | None = None
    comments_for_applicants: str = ""
    comments_for_staff: str = ""


@dataclass(frozen=True)
class SaveOutcome:
    review: Review
    submitted: bool
    missing: dict[str, str]
    kept: list[str] = field(default_factory=list)  # fields changed in another tab, kept
    stale: bool = False  # saved meanwhile elsewhere: the two saves were merged


def score_field(criterion: Criterion) -> str:
    """The form field (and error key) of a criterion's score."""
    return f"score_{criterion.pk}"


def reviewer_language(expert: Expert) -> str:
    user = expert.user
    return (user.language if user is not None else "") or expert.language


# --- Conflict declaration ---------------------------------------------------------


def _lock_own(*, assignment: Assignment, by: Any) -> Assignment:
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


def declare_no_conflict(*, assignment: Assignment, by: Any) -> Assignment:
    """The reviewer has no conflict: the full application opens to them."""
    with transaction.atomic():
        locked = _lock_own(assignment=assignment, by=by)
        if not locked.terms_accepted:
            raise ReviewNotAllowed(_("Accept the confidentiality terms of the call first."))
        if locked.coi_declaration == DeclaredConflict.NONE:
            return locked
        locked.coi_declaration = DeclaredConflict.NONE
        locked.coi_declared_at = timezone.now()
        locked.save(update_fields=["coi_declaration", "coi_declared_at"])
        record_event(
            actor=by,
            verb="review.no_conflict_declared",
            target=locked,
            data={"application": locked.application_id, "invitation": locked.invitation_id},
        )
    return locked


def declare_conflict(*, assignment: Assignment, by: Any, reason: str) -> Conflict:
    """The reviewer declares a conflict: the assignment ends, a confirmed conflict is
    recorded (an earlier suspected one becomes confirmed) and programme staff are told."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewInputError(
            _("Say briefly what the conflict is."), {"reason": _("This field is required.")}
        )
    if len(reason) > REASON_MAX_CHARS:
        raise ReviewInputError(
            _("The reason is too long."),
            {"reason": _("At most %(n)d characters.") % {"n": REASON_MAX_CHARS}},
        )
    with transaction.atomic():
        locked = _lock_own(assignment=assignment, by=by)
        if not locked.terms_accepted:
            raise ReviewNotAllowed(_("Accept the confidentiality terms of the call first."))
        now = timezone.now()
        locked.coi_declaration = DeclaredConflict.CONFLICT
        locked.coi_declared_at = now
        locked.is_active = False
        locked.ended_at = now
        locked.end_reason = f"Conflict of interest declared by the reviewer: {reason}"
        locked.save(
            update_fields=[
                "coi_declaration",
                "coi_declared_at",
                "is_active",
                "ended_at",
                "end_reason",
            ]
        )
        conflict, _created = Conflict.objects.update_or_create(
            invitation_id=locked.invitation_id,
            application_id=locked.application_id,
            defaults={
                "source": ConflictSource.DECLARED,
                "status": ConflictStatus.CONFIRMED,
                "reason": reason,
            },
        )
        record_event(
            actor=by,
            verb="review.conflict_declared",
            target=locked,
            data={
                "application": locked.application_id,
                "invitation": locked.invitation_id,
                "conflict": conflict.pk,
                "reason": reason,
            },
        )
        _tell_staff_of_conflict(assignment=locked, reason=reason)
    return conflict


def _tell_staff_of_conflict(*, assignment: Assignment, reason: str) -> None:
    application = assignment.application
    expert = assignment.invitation.expert
    # A staff member who coordinates the application never learns who reviews it.
    staff = programme_staff_recipients().exclude(pk=application.coordinator_id)
    url = reverse("reviews:progress", args=[application.call.slug])
    for person in staff:
        queue_mail(
            event="conflict_declared",
            to_email=person.email,
            to_name=person.full_name,
            recipient=person,
            related=assignment,
            context={
                "call": application.call,
                "application": application,
                "reviewer_name": expert.full_name,
                "reviewer_institution": expert.institution,
                "reason": reason,
                "progress_url": url,
            },
        )


# --- The review -------------------------------------------------------------------


def validate_input(*, criteria: list[Criterion], data: ReviewData) -> dict[str, str]:
    """Values the call does not allow, per field. Missing values are not errors here."""
    errors: dict[str, str] = {}
    for criterion in criteria:
        value = data.scores.get(criterion.pk, ScoreInput())
        key = score_field(criterion)
        if value.not_applicable and not criterion.allow_na:
            errors[key] = _("This criterion cannot be marked “not applicable”.")
        elif value.not_applicable and value.score is not None:
            errors[key] = _("Give a score or tick “not applicable”, not both.")
        elif value.score is not None and not (
            criterion.scale_min <= value.score <= criterion.scale_max
        ):
            errors[key] = _("Enter a whole number from %(min)d to %(max)d.") % {
                "min": criterion.scale_min,
                "max": criterion.scale_max,
            }
        if len(value.comment) > COMMENT_MAX_CHARS:
            errors[f"comment_{criterion.pk}"] = _("At most %(n)d characters.") % {
                "n": COMMENT_MAX_CHARS
            }
    if data.recommendation and data.recommendation not in Recommendation.values:
        errors["recommendation"] = _("Choose one of the recommendations offered.")
    if data.confidence is not None and data.confidence not in CONFIDENCE_RANGE:
        errors["confidence"] = _("Choose a confidence level from 1 to 5.")
    for name in ("comments_for_applicants", "comments_for_staff"):
        if len(getattr(data, name)) > COMMENT_MAX_CHARS:
            errors[name] = _("At most %(n)d characters.") % {"n": COMMENT_MAX_CHARS}
    return errors


def missing_parts(*, criteria: list[Criterion], data: ReviewData) -> dict[str, str]:
    """What a submitted review must have and this one lacks, per field."""
    missing: dict[str, str] = {}
    for criterion in criteria:
        value = data.scores.get(criterion.pk, ScoreInput())
        if value.score is None and not (value.not_applicable and criterion.allow_na):
            missing[score_field(criterion)] = (
                _("Give a score or tick “not applicable”.")
                if criterion.allow_na
                else _("Give a score.")
            )
    if not data.recommendation:
        missing["recommendation"] = _("Choose an overall recommendation.")
    if data.confidence is None:
        missing["confidence"] = _("Choose your confidence level.")
    return missing


def compute_total(*, criteria: list[Criterion], data: ReviewData) -> Decimal | None:
    """The weighted total once every criterion has a score or N/A; else None."""
    scores: dict[int, int | None] = {}
    for criterion in criteria:
        value = data.scores.get(criterion.pk, ScoreInput())
        if value.not_applicable:
            scores[criterion.pk] = None
        elif value.score is not None:
            scores[criterion.pk] = value.score
        else:
            return None
    return weighted_total(scores, [CriterionSpec.from_criterion(c) for c in criteria])


def review_data_of(review: Review | None) -> ReviewData:
    """What is stored, in the shape the form and the rules use."""
    if review is None:
        return ReviewData()
    return ReviewData(
        scores={
            s.criterion_id: ScoreInput(s.score, s.not_applicable, s.comment)
            for s in review.scores.all()
        },
        recommendation=review.recommendation,
        confidence=review.confidence,
        comments_for_applicants=review.comments_for_applicants,
        comments_for_staff=review.comments_for_staff,
    )


def review_values(data: ReviewData, criteria: list[Criterion]) -> dict[str, Any]:
    """The review as the form's fields (the names the form and conflicts use)."""
    values: dict[str, Any] = {
        "recommendation": data.recommendation,
        "confidence": data.confidence,
        "comments_for_applicants": data.comments_for_applicants,
        "comments_for_staff": data.comments_for_staff,
    }
    for criterion in criteria:
        value = data.scores.get(criterion.pk, ScoreInput())
        values[f"score_{criterion.pk}"] = value.score
        values[f"na_{criterion.pk}"] = value.not_applicable
        values[f"comment_{criterion.pk}"] = value.comment
    return values


def review_data_from(values: Mapping[str, Any], criteria: list[Criterion]) -> ReviewData:
    return ReviewData(
        scores={
            c.pk: ScoreInput(
                score=values.get(f"score_{c.pk}"),
                not_applicable=bool(values.get(f"na_{c.pk}")),
                comment=values.get(f"comment_{c.pk}") or "",
            )
            for c in criteria
        },
        recommendation=values.get("recommendation") or "",
        confidence=values.get("confidence"),
        comments_for_applicants=values.get("comments_for_applicants") or "",
        comments_for_staff=values.get("comments_for_staff") or "",
    )


def review_base(assignment: Assignment) -> EditBase:
    """What a review form loaded now is based on."""
    review = Review.objects.filter(assignment=assignment).first()
    criteria = call_criteria(assignment.application.call)
    return EditBase.of(
        revision=review.revision if review else 0,
        values=review_values(review_data_of(review), criteria),
    )


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
        locked = _lock_own(assignment=assignment, by=by)
        if not is_open_to_reviewer(locked):
            raise ReviewNotAllowed(_("Declare that you have no conflict of interest first."))
        now = timezone.now()
        # Read again under the lock: a save that waited for it sees the review just made.
        review = Review.objects.filter(assignment=locked).first()
        if not review_editable(locked, now, review=review):
            raise ReviewClosed(_closed_message(locked))
        criteria = call_criteria(locked.application.call)
        saved = review_values(review_data_of(review), criteria)
        submitted = {k: v for k, v in review_values(data, criteria).items() if k not in left_out}
        merge = merge_edit(
            base=base,
            revision=review.revision if review else 0,
            submitted=submitted,
            saved=saved,
        )
        data = review_data_from({**saved, **merge.values}, criteria)
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
        if becomes_submitted:
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
                "assignment": locked.pk,
                "application": locked.application_id,
                "status": review.status,
                "total": review.total,
                "reopened": bool(review.reopened_by_id),
            },
        )
    return SaveOutcome(
        review=review,
        submitted=review.status == ReviewStatus.SUBMITTED,
        missing={} if review.status == ReviewStatus.SUBMITTED else missing,
        kept=merge.kept,
        stale=merge.stale,
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
