"""Automatic reminders of the awards (Celery beat, daily), each at most once.

Recruitment: the coordinator of a project still recruiting gets one reminder
``AWARD_REMINDER_DAYS_BEFORE`` days before the call's recruitment deadline and one once
it has passed. The :class:`~awards.models.AwardReminder` row (unique per fellowship and
kind) is written with ``get_or_create`` in the transaction that queues the mail, after
locking the fellowship: two runs at once send one mail.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from aissai.accounts.services import absolute_url
from aissai.audit.services import record_event
from aissai.notifications.services import queue_mail
from awards.models import AwardReminder, Fellowship, FellowshipState, ReminderKind


def _recruiting() -> object:
    return Fellowship.objects.filter(
        state=FellowshipState.RECRUITING,
        application__call__award_settings__recruitment_deadline__isnull=False,
    )


def due_reminders(today: date | None = None) -> list[tuple[int, str]]:
    """(fellowship id, kind) pairs that should get an automatic reminder today."""
    today = today or timezone.localdate()
    days = timedelta(days=settings.AWARD_REMINDER_DAYS_BEFORE)
    deadline = "application__call__award_settings__recruitment_deadline"
    before = (
        _recruiting()
        .filter(**{f"{deadline}__gte": today, f"{deadline}__lte": today + days})
        .exclude(reminders__kind=ReminderKind.RECRUITMENT_BEFORE)
    )
    after = (
        _recruiting()
        .filter(**{f"{deadline}__lt": today})
        .exclude(reminders__kind=ReminderKind.RECRUITMENT_AFTER)
    )
    due = [(pk, ReminderKind.RECRUITMENT_BEFORE) for pk in before.values_list("pk", flat=True)]
    due += [(pk, ReminderKind.RECRUITMENT_AFTER) for pk in after.values_list("pk", flat=True)]
    return sorted(due)


def send_due_reminders(*, today: date | None = None) -> int:
    """Send every reminder due today; returns how many mails were queued. Safe to run
    twice, or twice at once."""
    return sum(
        1
        for fellowship_id, kind in due_reminders(today)
        if remind(fellowship_id=fellowship_id, kind=kind)
    )


def remind(*, fellowship_id: int, kind: str) -> bool:
    """One automatic reminder, unless one of this kind was already sent (or the project
    recruited meanwhile). Returns whether a mail was queued."""
    with transaction.atomic():
        fellowship = (
            _recruiting()
            .select_for_update(of=("self",))
            .select_related("application__call__award_settings", "application__coordinator")
            .filter(pk=fellowship_id)
            .first()
        )
        if fellowship is None:
            return False
        _reminder, created = AwardReminder.objects.get_or_create(fellowship=fellowship, kind=kind)
        if not created:
            return False
        application = fellowship.application
        coordinator = application.coordinator
        deadline = application.call.award_settings.recruitment_deadline
        queue_mail(
            event="award_recruitment_reminder",
            to_email=coordinator.email,
            to_name=coordinator.full_name,
            recipient=coordinator,
            related=fellowship,
            context={
                "application": application,
                "call": application.call,
                "deadline": deadline,
                "deadline_passed": kind == ReminderKind.RECRUITMENT_AFTER,
                "recruit_url": absolute_url(
                    reverse("awards:fellowship_recruit", args=[fellowship.pk])
                ),
            },
        )
        record_event(
            actor=None,
            verb="fellowship.reminder_sent",
            target=fellowship,
            data={"kind": str(kind), "deadline": deadline},
        )
    return True
