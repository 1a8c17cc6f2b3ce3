"""Recruitment reminders: one before the call's recruitment deadline and one after, to the
coordinator of each project still recruiting, each at most once; and the real path, the
beat task through the broker to a worker and an SMTP server."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from awards.models import AwardReminder, AwardSettings, ReminderKind
from awards.services.reminders import due_reminders, send_due_reminders
from awards.tasks import send_award_reminders
from tests.factories.accounts import StaffFactory
from tests.factories.awards import funded_call, recruit


def deadline_in(award, days: int) -> None:
    AwardSettings.objects.update_or_create(
        call=award.call,
        defaults={"recruitment_deadline": timezone.localdate() + timedelta(days=days)},
    )


@pytest.fixture
def award(db):
    return funded_call(staff=StaffFactory(), means=(9, 8, 7), sources=(2,))


@pytest.mark.django_db
def test_coordinators_still_recruiting_get_one_reminder_before_the_deadline(award):
    deadline_in(award, 10)
    recruit(award.fellowship("B"), by=award.staff)

    assert send_due_reminders() == 1
    assert send_due_reminders() == 0

    mail = OutboxMessage.objects.get(event="award_recruitment_reminder")
    assert mail.to_email == award.app("A").coordinator.email
    assert "must be recruited by" in mail.body_text
    assert list(AwardReminder.objects.values_list("fellowship", "kind")) == [
        (award.fellowship("A").pk, ReminderKind.RECRUITMENT_BEFORE)
    ]
    assert AuditEvent.objects.filter(verb="fellowship.reminder_sent").count() == 1


@pytest.mark.django_db
def test_no_reminder_far_from_the_deadline_or_without_one(award):
    assert due_reminders() == []
    deadline_in(award, 30)
    assert due_reminders() == []


@pytest.mark.django_db
def test_one_more_reminder_once_the_deadline_passed(award):
    deadline_in(award, 3)
    send_due_reminders()
    deadline_in(award, -1)
    assert send_due_reminders() == 2
    assert sorted(AwardReminder.objects.values_list("kind", flat=True)) == [
        ReminderKind.RECRUITMENT_AFTER,
        ReminderKind.RECRUITMENT_AFTER,
        ReminderKind.RECRUITMENT_BEFORE,
        ReminderKind.RECRUITMENT_BEFORE,
    ]
    assert send_due_reminders() == 0


def succeeded_runs(worker) -> int:
    return len(
        re.findall(r"Task awards\.tasks\.send_award_reminders\[[^\]]+\] succeeded", worker.log())
    )


@pytest.mark.celery_worker
@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_beat_task_through_the_broker_twice_delivers_one_reminder_per_project(
    start_celery_worker, smtp_sink
):
    award = funded_call(staff=StaffFactory(), means=(9, 8, 7), sources=(2,))
    deadline_in(award, 5)
    worker = start_celery_worker(env=smtp_sink.env())

    send_award_reminders.delay()
    send_award_reminders.delay()

    smtp_sink.wait_for(2)
    deadline = time.monotonic() + 30
    while succeeded_runs(worker) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert succeeded_runs(worker) == 2, worker.log()[-3000:]
    # Both runs are over, so every mail either of them queued is an outbox row by now; once
    # each row is sent, nothing more can reach the SMTP server.
    mails = OutboxMessage.objects.filter(event="award_recruitment_reminder")
    assert mails.count() == 2
    while mails.exclude(status=OutboxStatus.SENT).exists():
        assert time.monotonic() < deadline, list(mails.values("status", "attempts"))
        time.sleep(0.1)

    received = smtp_sink.messages
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == sorted(
        award.app(letter).coordinator.email for letter in "AB"
    )
    assert {str(m["X-AISSAI-Event"]) for m in received} == {"award_recruitment_reminder"}
