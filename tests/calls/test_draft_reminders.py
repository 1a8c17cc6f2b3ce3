"""Reminders to applicants whose draft is not submitted before the call closes: 7 days
and 1 day before (the settings), each at most once, only the most urgent when several
are due at once, in the coordinator's language, through the outbox; and the real path:
beat's schedule entry run by a worker, each mail delivered once."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from aissai.audit.models import AuditEvent
from aissai.celery import app as celery_app
from aissai.notifications.models import OutboxMessage, OutboxStatus
from calls.models import ApplicationStatus, CallStatus, DraftReminder
from calls.services.reminders import remind_draft, send_draft_reminders
from tests.factories.accounts import UserFactory
from tests.factories.calls import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


def call_closing_in(days: float, **fields):
    closes = timezone.now() + timedelta(days=days)
    return CallFactory(
        opens_at=closes - timedelta(days=60),
        closes_at=closes,
        review_deadline=closes + timedelta(days=60),
        status=fields.pop("status", CallStatus.OPEN),
        **fields,
    )


def reminder_mails():
    return OutboxMessage.objects.filter(event="draft_reminder").order_by("pk")


def test_drafts_get_the_seven_day_reminder_once():
    call = call_closing_in(3)
    drafts = [ApplicationFactory(call=call), ApplicationFactory(call=call)]

    assert send_draft_reminders() == 2
    assert send_draft_reminders() == 0

    assert set(DraftReminder.objects.values_list("application_id", "days_before")) == {
        (drafts[0].pk, 7),
        (drafts[1].pk, 7),
    }
    mails = list(reminder_mails())
    assert sorted(m.to_email for m in mails) == sorted(d.coordinator.email for d in drafts)
    assert (
        mails[0].subject
        == f"Reminder: your application to the call “{call.title}” is not submitted"
    )
    assert f"/calls/applications/{drafts[0].pk}/edit/" in "".join(m.body_text for m in mails)
    assert AuditEvent.objects.filter(verb="application.reminder_sent").count() == 2


def test_the_one_day_reminder_follows_the_seven_day_one():
    draft = ApplicationFactory(call=call_closing_in(3))

    send_draft_reminders()
    send_draft_reminders(now=timezone.now() + timedelta(days=2, hours=1))
    send_draft_reminders(now=timezone.now() + timedelta(days=2, hours=12))

    assert list(
        DraftReminder.objects.filter(application=draft)
        .order_by("sent_at", "pk")
        .values_list("days_before", flat=True)
    ) == [7, 1]
    assert reminder_mails().count() == 2


def test_a_draft_started_the_day_before_gets_only_the_most_urgent_reminder():
    draft = ApplicationFactory(call=call_closing_in(0.5))

    assert send_draft_reminders() == 1
    assert send_draft_reminders() == 0
    assert remind_draft(application_id=draft.pk, days_before=7) is False

    assert list(DraftReminder.objects.values_list("days_before", flat=True)) == [1]
    assert reminder_mails().count() == 1


def test_no_reminder_too_early_after_submission_or_once_the_call_closed():
    ApplicationFactory(call=call_closing_in(10))
    ApplicationFactory(call=call_closing_in(3), status=ApplicationStatus.SUBMITTED)
    ApplicationFactory(call=call_closing_in(3), status=ApplicationStatus.WITHDRAWN)
    ApplicationFactory(call=call_closing_in(3, status=CallStatus.CLOSED))
    ApplicationFactory(call=call_closing_in(-1))

    assert send_draft_reminders() == 0
    assert not reminder_mails().exists()


def test_days_come_from_the_settings(settings):
    settings.APPLICANT_REMINDER_DAYS_BEFORE = [14]
    ApplicationFactory(call=call_closing_in(10))

    assert send_draft_reminders() == 1
    assert list(DraftReminder.objects.values_list("days_before", flat=True)) == [14]


def test_reminder_is_written_in_the_coordinators_language():
    call = call_closing_in(3, title_fr="Appel AISSAI")
    ApplicationFactory(call=call, coordinator=UserFactory(language="fr"))

    send_draft_reminders()

    (mail,) = reminder_mails()
    assert mail.language == "fr"
    # Subjects are rendered on one line, every space a plain one.
    assert mail.subject == "Rappel : votre candidature à l’appel « Appel AISSAI » n’est pas déposée"


def test_beat_schedule_runs_the_draft_reminders_every_hour():
    entry = django_settings.CELERY_BEAT_SCHEDULE["send-draft-reminders"]

    assert entry["task"] == "calls.tasks.send_draft_reminders"
    assert entry["schedule"].minute == {15} and len(entry["schedule"].hour) == 24


# --- The real path --------------------------------------------------------------------


def succeeded_runs(worker) -> int:
    return len(
        re.findall(r"Task calls\.tasks\.send_draft_reminders\[[^\]]+\] succeeded", worker.log())
    )


@pytest.mark.celery_worker
@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_beat_entry_run_twice_by_a_worker_delivers_each_reminder_once(
    start_celery_worker, smtp_sink
):
    drafts = [
        ApplicationFactory(call=call_closing_in(3)),
        ApplicationFactory(call=call_closing_in(0.5), coordinator=UserFactory(language="fr")),
    ]
    worker = start_celery_worker(env=smtp_sink.env())
    entry = django_settings.CELERY_BEAT_SCHEDULE["send-draft-reminders"]

    celery_app.send_task(entry["task"])  # what beat sends, by the entry's name
    celery_app.send_task(entry["task"])

    deadline = time.monotonic() + 60
    while succeeded_runs(worker) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert succeeded_runs(worker) == 2, worker.log()[-3000:]
    # Both runs are over: every mail either of them queued is in the outbox now.
    assert reminder_mails().count() == len(drafts)
    received = smtp_sink.wait_for(len(drafts))
    while (
        reminder_mails().exclude(status=OutboxStatus.SENT).exists() and time.monotonic() < deadline
    ):
        time.sleep(0.1)

    assert set(reminder_mails().values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == sorted(
        d.coordinator.email for d in drafts
    )
    assert len(smtp_sink.messages) == len(drafts)
    assert {str(m["X-AISSAI-Event"]) for m in received} == {"draft_reminder"}
    assert set(DraftReminder.objects.values_list("application_id", "days_before")) == {
        (drafts[0].pk, 7),
        (drafts[1].pk, 1),
    }
