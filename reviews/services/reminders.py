"""Review reminders: automatic ones before and after the review deadline, manual ones
from staff.

Automatic reminders go to reviewers whose review of a live assignment is not
submitted: one ``REVIEW_REMINDER_DAYS_BEFORE`` days before the call's review deadline
and one once it has passed, each at most once per assignment and kind. The
``ReminderSent`` row (unique per assignment and kind) is written with ``get_or_create``
in the transaction that queues the mail, after locking the assignment: two runs at the
same time (two beat processes by mistake, a task delivered twice) send one mail.
Manual reminders are not limited; each is recorded and audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.notifications.reminders import Reminder, send_once
from aissai.notifications.services import queue_mail
from calls.models import CallStatus
from reviews.models import Assignment, Invitation, ReminderKind, ReminderSent, ReviewStatus
from reviews.selectors.reviewing import live_assignments
from reviews.services.reviewing import ReviewingError, reviewer_language

# Calls whose evaluation is over: nobody is reminded any more.
_FINISHED_CALLS = (CallStatus.DECIDED, CallStatus.ARCHIVED)


def unfinished_assignments() -> QuerySet[Assignment]:
    """Live assignments whose review is not submitted (not started, or a draft)."""
    return live_assignments().exclude(review__status=ReviewStatus.SUBMITTED)


def due_reminders(now: datetime | None = None) -> list[tuple[int, str]]:
    """(assignment id, kind) pairs that should get an automatic reminder now."""
    now = now or timezone.now()
    days = timedelta(days=settings.REVIEW_REMINDER_DAYS_BEFORE)
    base = unfinished_assignments().exclude(application__call__status__in=_FINISHED_CALLS)
    before = base.filter(
        application__call__review_deadline__gt=now,
        application__call__review_deadline__lte=now + days,
    ).exclude(reminders__kind=ReminderKind.BEFORE_DEADLINE)
    after = base.filter(application__call__review_deadline__lte=now).exclude(
        reminders__kind=ReminderKind.AFTER_DEADLINE
    )
    due = [(pk, ReminderKind.BEFORE_DEADLINE) for pk in before.values_list("pk", flat=True)]
    due += [(pk, ReminderKind.AFTER_DEADLINE) for pk in after.values_list("pk", flat=True)]
    return sorted(due)


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Send every automatic reminder due now; returns how many mails were queued.
    Safe to run twice, or twice at once: each assignment and kind gets one mail."""
    sent = 0
    for assignment_id, kind in due_reminders(now):
        if remind(assignment_id=assignment_id, kind=kind):
            sent += 1
    return sent


def remind(*, assignment_id: int, kind: str) -> bool:
    """One automatic reminder, unless one of this kind was already sent (or the review
    got submitted meanwhile). Returns whether a mail was queued."""

    def reminder(assignment: Assignment) -> Reminder | None:
        _reminder, created = ReminderSent.objects.get_or_create(assignment=assignment, kind=kind)
        if not created:
            return None
        return Reminder(
            verb="review.reminder_sent",
            mails=[_reminder_mail(assignment.invitation, [assignment], kind)],
            data={"kind": kind, "application": assignment.application_id},
        )

    unfinished = unfinished_assignments().select_related(
        "application__call", "invitation__expert__user"
    )
    return bool(send_once(unfinished, assignment_id, reminder))


def send_manual_reminder(*, invitation: Invitation, by: Any) -> int:
    """Staff remind one reviewer of every unfinished review in the call (one mail).
    Returns the number of reviews the mail lists."""
    if not getattr(by, "is_programme_staff", False):
        raise ReviewingError(_("Only programme staff can send reminders."))
    with transaction.atomic():
        assignments = list(
            unfinished_assignments()
            .filter(invitation=invitation)
            .select_for_update(of=("self",))
            .select_related("application__call", "invitation__expert__user")
            .order_by("application__reference", "pk")
        )
        if not assignments:
            raise ReviewingError(_("This reviewer has no unfinished review to be reminded of."))
        ReminderSent.objects.bulk_create(
            [ReminderSent(assignment=a, kind=ReminderKind.MANUAL, sent_by=by) for a in assignments]
        )
        related = assignments[0] if len(assignments) == 1 else invitation
        mail = _reminder_mail(assignments[0].invitation, assignments, ReminderKind.MANUAL)
        queue_mail(related=related, **mail)
        record_event(
            actor=by,
            verb="review.reminder_sent",
            target=invitation,
            data={"kind": ReminderKind.MANUAL, "assignments": [a.pk for a in assignments]},
        )
    return len(assignments)


def _reminder_mail(invitation: Invitation, assignments: list[Assignment], kind: str) -> dict:
    """The reminder mail to the reviewer of ``invitation`` listing ``assignments``
    (``queue_mail`` keyword arguments)."""
    expert = invitation.expert
    call = assignments[0].application.call
    return {
        "event": "review_reminder",
        "to_email": expert.email,
        "to_name": expert.full_name,
        "language": reviewer_language(expert),
        "recipient": expert.user,
        "context": {
            "kind": str(kind),
            "call": call,
            "applications": [a.application for a in assignments],
            "deadline": call.review_deadline,
            "deadline_passed": timezone.now() >= call.review_deadline,
            "dashboard_url": reverse("reviews:my_assignments"),
        },
    }
