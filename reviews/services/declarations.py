"""A reviewer's declaration on an assignment: no conflict of interest (the application
opens to them), or a conflict (the assignment ends and staff are told). Both lock the
reviewer's own live assignment, audit and queue mail in one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.limits import REASON_MAX_CHARS
from aissai.notifications.services import queue_mail
from reviews.models import (
    Assignment,
    Conflict,
    ConflictSource,
    ConflictStatus,
    DeclaredConflict,
)
from reviews.selectors.pool import programme_staff_recipients
from reviews.services.reviewing import ReviewInputError, ReviewNotAllowed, lock_own_assignment


def declare_no_conflict(*, assignment: Assignment, by: Any) -> Assignment:
    """The reviewer has no conflict: the full application opens to them."""
    with transaction.atomic():
        locked = lock_own_assignment(assignment=assignment, by=by)
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
        locked = lock_own_assignment(assignment=assignment, by=by)
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
