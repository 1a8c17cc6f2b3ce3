"""Staff add or remove reviewers by hand, application by application."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.limits import REASON_MAX_CHARS
from calls.models import Application
from reviews.models import Assignment, Invitation, Review, ReviewStatus
from reviews.selectors.assignment import application_affinities
from reviews.selectors.conflicts import conflict_statuses
from reviews.selectors.reviewing import live_assignments
from reviews.services.reviewing import notify_assignments

from .checks import (
    AssignmentError,
    check_pair,
    check_staff,
    lock_reviewers,
    shared_terms,
    start_review,
)


def add_reviewer(
    *, application: Application, invitation: Invitation, by: Any, allow_suspected: bool = False
) -> Assignment:
    """Staff assign one reviewer to one application (see :func:`check_pair`)."""
    check_staff(by)
    affinity = application_affinities(application)
    with transaction.atomic():
        locked = lock_reviewers(application.call, [invitation.pk]).get(invitation.pk)
        if locked is None:
            raise AssignmentError(_("This reviewer no longer exists."), code="not_reviewer")
        current = Application.objects.get(pk=application.pk)
        status = conflict_statuses(
            current.call_id, application_ids=[current.pk], invitation_ids=[locked.pk]
        ).get((locked.pk, current.pk), "")
        refusal = check_pair(
            application=current,
            invitation=locked,
            by=by,
            conflict_status=status,
            allow_suspected=allow_suspected,
            assigned=Assignment.objects.filter(
                invitation=locked, application=current, is_active=True
            ).exists(),
            load=live_assignments().filter(invitation=locked).count(),
        )
        if refusal is not None:
            raise AssignmentError(refusal.message, code=refusal.code)
        explanation = (
            affinity.explain(current.pk, locked.pk) if locked.pk in affinity.expert_ids else None
        )
        assignment = Assignment.objects.create(
            invitation=locked,
            application=current,
            affinity=explanation.affinity if explanation else None,
            shared_terms=shared_terms(explanation.shared_keywords, explanation.shared_terms)
            if explanation
            else [],
            created_by=by,
        )
        record_event(
            actor=by,
            verb="assignment.created",
            target=assignment,
            data={
                "source": "manual",
                "application": current.pk,
                "invitation": locked.pk,
                "affinity": assignment.affinity,
                "conflict_status": status,
            },
        )
        start_review([current.pk], by)
        notify_assignments([assignment])
    return assignment


def remove_reviewer(
    *, assignment: Assignment, by: Any, reason: str, confirm_submitted: bool = False
) -> Assignment:
    """End an assignment, with a reason (see the module docstring for submitted reviews)."""
    check_staff(by)
    reason = (reason or "").strip()
    if not reason:
        raise AssignmentError(_("Say why this reviewer is removed: it is kept in the record."))
    if len(reason) > REASON_MAX_CHARS:
        raise AssignmentError(
            _("The reason is too long (at most %(n)d characters).") % {"n": REASON_MAX_CHARS}
        )
    with transaction.atomic():
        locked = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("invitation__expert", "application")
            .filter(pk=assignment.pk, is_active=True)
            .first()
        )
        if locked is None:
            raise AssignmentError(_("This reviewer is no longer assigned to this application."))
        if locked.application.coordinator_id == by.pk:
            raise AssignmentError(_("You cannot change the reviewers of your own application."))
        review_status = (
            Review.objects.filter(assignment=locked).values_list("status", flat=True).first()
        )
        if review_status == ReviewStatus.SUBMITTED and not confirm_submitted:
            raise AssignmentError(
                _(
                    "%(name)s has already submitted their review. Tick the confirmation to "
                    "remove them anyway: the review is kept but will no longer count."
                )
                % {"name": locked.invitation.expert.full_name},
                code="submitted",
            )
        locked.is_active = False
        locked.ended_at = timezone.now()
        locked.end_reason = reason
        locked.save(update_fields=["is_active", "ended_at", "end_reason"])
        record_event(
            actor=by,
            verb="assignment.ended",
            target=locked,
            data={
                "application": locked.application_id,
                "invitation": locked.invitation_id,
                "reason": reason,
                "review_status": review_status or "",
            },
        )
    return locked
