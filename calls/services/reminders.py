"""Reminders to applicants whose draft is not submitted before the call closes.

``APPLICANT_REMINDER_DAYS_BEFORE`` (7 and 1 by default) sets when: a draft of an open call
that closes within that many days gets one reminder per number, at most once (the
``DraftReminder`` row, unique per application and number, is written in the transaction
that queues the mail, after locking the application). When several numbers are due at
once (a draft started the day before the deadline) only the most urgent is sent, and the
earlier ones are not sent afterwards. Beat runs :func:`send_draft_reminders` every hour.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from aissai.notifications.reminders import Reminder, mail_to, send_once
from calls.models import Application, ApplicationStatus, CallStatus, DraftReminder


def _open_drafts(now: datetime):
    return Application.objects.filter(
        status=ApplicationStatus.DRAFT,
        call__status=CallStatus.OPEN,
        call__closes_at__gt=now,
    )


def _due_days(left: timedelta, days: list[int]) -> int | None:
    """The most urgent reminder (fewest days) whose window has opened."""
    open_windows = [d for d in days if left <= timedelta(days=d)]
    return min(open_windows) if open_windows else None


def due_draft_reminders(now: datetime | None = None) -> list[tuple[int, int]]:
    """(application id, days before) pairs that should get a reminder now."""
    now = now or timezone.now()
    days = list(settings.APPLICANT_REMINDER_DAYS_BEFORE)
    if not days:
        return []
    drafts = list(
        _open_drafts(now)
        .filter(call__closes_at__lte=now + timedelta(days=max(days)))
        .values_list("pk", "call__closes_at")
    )
    sent: dict[int, set[int]] = defaultdict(set)
    for application_id, days_before in DraftReminder.objects.filter(
        application_id__in=[pk for pk, _closes in drafts]
    ).values_list("application_id", "days_before"):
        sent[application_id].add(days_before)
    due = []
    for application_id, closes_at in drafts:
        days_before = _due_days(closes_at - now, days)
        if days_before is not None and not any(d <= days_before for d in sent[application_id]):
            due.append((application_id, days_before))
    return sorted(due)


def send_draft_reminders(*, now: datetime | None = None) -> int:
    """Send every draft reminder due now; returns how many mails were queued. Safe to run
    twice, or twice at once: each application gets one mail per number of days."""
    now = now or timezone.now()
    return sum(
        remind_draft(application_id=pk, days_before=days, now=now)
        for pk, days in due_draft_reminders(now)
    )


def remind_draft(*, application_id: int, days_before: int, now: datetime | None = None) -> bool:
    """One reminder, unless this one (or a more urgent one) was already sent, or the draft
    was submitted or the call closed meanwhile. Returns whether a mail was queued."""
    now = now or timezone.now()

    def reminder(application: Application) -> Reminder | None:
        if application.draft_reminders.filter(days_before__lte=days_before).exists():
            return None
        DraftReminder.objects.create(application=application, days_before=days_before)
        context = {
            "application": application,
            "call": application.call,
            "deadline": application.call.closes_at,
            "edit_url": reverse("calls:application_edit", args=[application.pk]),
        }
        return Reminder(
            verb="application.reminder_sent",
            mails=[mail_to(application.coordinator, event="draft_reminder", context=context)],
            data={"days_before": days_before},
        )

    drafts = _open_drafts(now).select_related("call", "coordinator")
    return bool(send_once(drafts, application_id, reminder))
