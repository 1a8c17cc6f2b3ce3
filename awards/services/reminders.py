"""Automatic reminders of the awards (Celery beat, daily), each at most once.

Reports: the coordinator and the fellow get one reminder ``AWARD_REMINDER_DAYS_BEFORE``
days before each report is due, unless it is submitted.

Recruitment: the coordinator of a project still recruiting gets one reminder
``AWARD_REMINDER_DAYS_BEFORE`` days before the call's recruitment deadline and one once
it has passed. The :class:`~awards.models.AwardReminder` row (unique per fellowship and
kind) is written with ``get_or_create`` in the transaction that queues the mail, after
locking the fellowship: two runs at once send one mail.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from aissai.accounts.services import absolute_url
from aissai.notifications.reminders import Reminder, mail_to, send_once
from awards.models import (
    REPORTING_STATES,
    AwardReminder,
    Fellowship,
    FellowshipState,
    ReminderKind,
    ReportMilestone,
)
from awards.selectors.reports import due_on, expected_reports


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
    sent = sum(
        1
        for fellowship_id, kind in due_reminders(today)
        if remind(fellowship_id=fellowship_id, kind=kind)
    )
    for fellowship_id, milestone_id in due_report_reminders(today):
        sent += remind_report(fellowship_id=fellowship_id, milestone_id=milestone_id)
    return sent


def due_report_reminders(today: date | None = None) -> list[tuple[int, int]]:
    """(fellowship id, milestone id) pairs whose report is due within the reminder window
    and not submitted, nor reminded yet. A fixed number of queries."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=settings.AWARD_REMINDER_DAYS_BEFORE)
    due = [
        (fellowship, milestone)
        for fellowship, milestone, day in expected_reports(
            Fellowship.objects.filter(state__in=REPORTING_STATES, start_date__isnull=False)
        )
        if today <= day <= horizon
    ]
    if not due:
        return []
    reminded = set(
        AwardReminder.objects.filter(
            kind=ReminderKind.REPORT_BEFORE, fellowship__in=[f for f, _m in due]
        ).values_list("fellowship_id", "milestone_id")
    )
    return sorted((f.pk, m.pk) for f, m in due if (f.pk, m.pk) not in reminded)


def remind_report(*, fellowship_id: int, milestone_id: int) -> int:
    """The reminder of one report, to the coordinator and the fellow, once. Returns the
    number of mails queued."""

    def reminder(fellowship: Fellowship) -> Reminder | None:
        milestone = ReportMilestone.objects.filter(pk=milestone_id).first()
        if milestone is None or fellowship.reports.filter(milestone=milestone).exists():
            return None
        _reminder, created = AwardReminder.objects.get_or_create(
            fellowship=fellowship, kind=ReminderKind.REPORT_BEFORE, milestone=milestone
        )
        if not created:
            return None
        application = fellowship.application
        people = [application.coordinator]
        if fellowship.fellow is not None and fellowship.fellow != application.coordinator:
            people.append(fellowship.fellow)
        due = due_on(fellowship, milestone)
        report_url = absolute_url(reverse("awards:report", args=[fellowship.pk, milestone.pk]))
        mails = []
        for person in people:
            with translation.override(person.language or None):
                name = milestone.name
            context = {
                "application": application,
                "call": application.call,
                "milestone": name,
                "due": due,
                "report_url": report_url,
            }
            mails.append(mail_to(person, event="award_report_reminder", context=context))
        return Reminder(
            verb="fellowship.reminder_sent",
            mails=mails,
            data={"kind": str(ReminderKind.REPORT_BEFORE), "milestone": milestone.pk},
        )

    fellowships = Fellowship.objects.filter(state__in=REPORTING_STATES).select_related(
        "application__call", "application__coordinator", "fellow"
    )
    return send_once(fellowships, fellowship_id, reminder)


def remind(*, fellowship_id: int, kind: str) -> bool:
    """One automatic reminder, unless one of this kind was already sent (or the project
    recruited meanwhile). Returns whether a mail was queued."""

    def reminder(fellowship: Fellowship) -> Reminder | None:
        _reminder, created = AwardReminder.objects.get_or_create(
            fellowship=fellowship, kind=kind, milestone=None
        )
        if not created:
            return None
        application = fellowship.application
        deadline = application.call.award_settings.recruitment_deadline
        context = {
            "application": application,
            "call": application.call,
            "deadline": deadline,
            "deadline_passed": kind == ReminderKind.RECRUITMENT_AFTER,
            "recruit_url": absolute_url(reverse("awards:fellowship_recruit", args=[fellowship.pk])),
        }
        return Reminder(
            verb="fellowship.reminder_sent",
            mails=[
                mail_to(
                    application.coordinator, event="award_recruitment_reminder", context=context
                )
            ],
            data={"kind": str(kind), "deadline": deadline},
        )

    recruiting = _recruiting().select_related(
        "application__call__award_settings", "application__coordinator"
    )
    return bool(send_once(recruiting, fellowship_id, reminder))
