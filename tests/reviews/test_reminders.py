"""Review reminders: before and after the deadline, at most once per assignment and kind
(run twice, or twice at once), in the reviewer's language; manual reminders from staff;
and the real path: the beat task through the broker to a worker and an SMTP server."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from calls.models import ApplicationStatus, CallStatus
from reviews.models import (
    Assignment,
    Conflict,
    ConflictSource,
    ConflictStatus,
    ReminderKind,
    ReminderSent,
    ReviewStatus,
)
from reviews.services.reminders import remind, send_due_reminders
from reviews.tasks import send_review_reminders
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory, submitted_application
from tests.factories.reviews import assigned_reviewer, submitted_review

pytestmark = pytest.mark.django_db


def call_due_in(days: float, **fields):
    deadline = timezone.now() + timedelta(days=days)
    return CallFactory(
        opens_at=deadline - timedelta(days=90),
        closes_at=deadline - timedelta(days=45),
        review_deadline=deadline,
        status=fields.pop("status", CallStatus.IN_REVIEW),
        **fields,
    )


def assignment_in(call, **kwargs) -> Assignment:
    application = submitted_application(
        call=call, status=ApplicationStatus.IN_REVIEW, documents=False
    )
    return assigned_reviewer(application, **kwargs)


def reminder_mails():
    return OutboxMessage.objects.filter(event="review_reminder").order_by("pk")


def test_reminders_go_out_before_and_after_the_deadline_once_per_assignment_and_kind():
    soon = call_due_in(3)
    late = call_due_in(-2)
    before = [assignment_in(soon), assignment_in(soon)]
    after = assignment_in(late)

    assert send_due_reminders() == 3
    assert send_due_reminders() == 0

    sent = set(ReminderSent.objects.values_list("assignment_id", "kind"))
    assert sent == {
        (before[0].pk, ReminderKind.BEFORE_DEADLINE),
        (before[1].pk, ReminderKind.BEFORE_DEADLINE),
        (after.pk, ReminderKind.AFTER_DEADLINE),
    }
    mails = list(reminder_mails())
    assert sorted(m.to_email for m in mails) == sorted(
        a.invitation.expert.email for a in [*before, after]
    )
    late_mail = next(m for m in mails if m.to_email == after.invitation.expert.email)
    assert late_mail.subject.startswith("Overdue reviews")
    assert after.application.acronym in late_mail.body_text
    assert AuditEvent.objects.filter(verb="review.reminder_sent").count() == 3


def test_the_after_reminder_follows_the_before_one_once_the_deadline_passes():
    call = call_due_in(3)
    assignment = assignment_in(call)

    send_due_reminders()
    send_due_reminders(now=timezone.now() + timedelta(days=4))
    send_due_reminders(now=timezone.now() + timedelta(days=5))

    kinds = list(
        ReminderSent.objects.filter(assignment=assignment)
        .order_by("sent_at", "pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [ReminderKind.BEFORE_DEADLINE, ReminderKind.AFTER_DEADLINE]
    assert reminder_mails().count() == 2


def test_no_reminder_too_early_for_submitted_reviews_or_finished_calls():
    assignment_in(call_due_in(10))
    done = assignment_in(call_due_in(3))
    submitted_review(assignment=done, scores=[3, 3, 3, 3])
    assignment_in(call_due_in(-3, status=CallStatus.DECIDED))

    assert send_due_reminders() == 0
    assert not reminder_mails().exists()


def test_a_draft_review_is_unfinished_and_gets_a_reminder():
    assignment = assignment_in(call_due_in(2))
    review = submitted_review(assignment=assignment, scores=[3, 3, 3, 3])
    review.status = ReviewStatus.DRAFT
    review.save()

    assert send_due_reminders() == 1


def test_no_reminder_for_ended_conflicted_or_withdrawn_assignments():
    call = call_due_in(2)
    ended = assignment_in(call)
    Assignment.objects.filter(pk=ended.pk).update(is_active=False)
    conflicted = assignment_in(call)
    Conflict.objects.create(
        invitation=conflicted.invitation,
        application=conflicted.application,
        source=ConflictSource.DECLARED,
        status=ConflictStatus.CONFIRMED,
    )
    withdrawn = assignment_in(call)
    withdrawn.application.status = ApplicationStatus.WITHDRAWN
    withdrawn.application.save()

    assert send_due_reminders() == 0


def test_days_before_comes_from_the_settings(settings):
    settings.REVIEW_REMINDER_DAYS_BEFORE = 14
    assignment_in(call_due_in(10))

    assert send_due_reminders() == 1


def test_reminder_is_written_in_the_reviewers_language():
    assignment_in(call_due_in(2), user=UserFactory(language="fr"))

    send_due_reminders()

    (mail,) = reminder_mails()
    assert mail.language == "fr"


def test_remind_twice_for_the_same_assignment_and_kind_queues_one_mail():
    assignment = assignment_in(call_due_in(2))

    assert remind(assignment_id=assignment.pk, kind=ReminderKind.BEFORE_DEADLINE) is True
    assert remind(assignment_id=assignment.pk, kind=ReminderKind.BEFORE_DEADLINE) is False
    assert reminder_mails().count() == 1


def test_beat_task_runs_the_service(django_capture_on_commit_callbacks):
    assignment_in(call_due_in(2))

    with django_capture_on_commit_callbacks(execute=True):
        send_review_reminders.delay()
        send_review_reminders.delay()

    assert reminder_mails().count() == 1


def test_beat_schedule_runs_the_task_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["send-review-reminders"]

    assert entry["task"] == "reviews.tasks.send_review_reminders"
    assert entry["schedule"].hour == {8} and entry["schedule"].minute == {0}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_send_one_mail_per_assignment():
    call = call_due_in(2)
    assignments = [assignment_in(call) for _ in range(3)]
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait(5)
            send_due_reminders()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert ReminderSent.objects.count() == 3
    assert sorted(reminder_mails().values_list("to_email", flat=True)) == sorted(
        a.invitation.expert.email for a in assignments
    )


# --- Manual reminders ------------------------------------------------------------------


def remind_url(call, invitation):
    return reverse("reviews:remind_reviewer", args=[call.slug, invitation.pk])


def test_staff_manual_reminder_lists_the_unfinished_reviews_and_is_not_limited(client):
    call = call_due_in(20)
    reviewer = UserFactory()
    first = assignment_in(call, user=reviewer)
    second = assignment_in(call, user=reviewer)
    done = assignment_in(call, user=reviewer)
    submitted_review(assignment=done, scores=[3, 3, 3, 3])
    staff = StaffFactory()
    client.force_login(staff)

    response = client.post(remind_url(call, first.invitation))
    client.post(remind_url(call, first.invitation))

    assert response.status_code == 302
    assert response.url == reverse("reviews:progress", args=[call.slug])
    mails = list(reminder_mails())
    assert len(mails) == 2
    assert first.application.acronym in mails[0].body_text
    assert second.application.acronym in mails[0].body_text
    assert done.application.acronym not in mails[0].body_text
    manual = ReminderSent.objects.filter(kind=ReminderKind.MANUAL)
    assert manual.count() == 4
    assert set(manual.values_list("sent_by", flat=True)) == {staff.pk}
    assert AuditEvent.objects.filter(verb="review.reminder_sent", actor=staff).count() == 2


def test_manual_reminder_with_nothing_unfinished_sends_nothing(client):
    call = call_due_in(20)
    done = assignment_in(call)
    submitted_review(assignment=done, scores=[3, 3, 3, 3])
    client.force_login(StaffFactory())

    response = client.post(remind_url(call, done.invitation), follow=True)

    assert "no unfinished review" in str(list(response.context["messages"])[0])
    assert not reminder_mails().exists()


@pytest.mark.parametrize("who", ["reviewer", "stranger"])
def test_manual_reminder_is_404_for_anyone_but_programme_staff(client, who):
    call = call_due_in(20)
    assignment = assignment_in(call)
    user = assignment.invitation.expert.user if who == "reviewer" else UserFactory()
    client.force_login(user)

    response = client.post(remind_url(call, assignment.invitation))

    assert response.status_code == 404
    assert not reminder_mails().exists()


def test_manual_reminder_is_post_only(client):
    call = call_due_in(20)
    assignment = assignment_in(call)
    client.force_login(StaffFactory())

    assert client.get(remind_url(call, assignment.invitation)).status_code == 405


def test_manual_reminder_for_an_invitation_of_another_call_is_404(client):
    call = call_due_in(20)
    other = assignment_in(call_due_in(20))
    client.force_login(StaffFactory())

    assert client.post(remind_url(call, other.invitation)).status_code == 404


# --- The real path --------------------------------------------------------------------


def succeeded_runs(worker) -> int:
    return len(
        re.findall(r"Task reviews\.tasks\.send_review_reminders\[[^\]]+\] succeeded", worker.log())
    )


@pytest.mark.celery_worker
@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_beat_task_through_the_broker_twice_delivers_one_reminder_per_assignment(
    start_celery_worker, smtp_sink
):
    soon = call_due_in(3)
    late = call_due_in(-1)
    assignments = [assignment_in(soon), assignment_in(soon), assignment_in(late)]
    worker = start_celery_worker(env=smtp_sink.env())

    send_review_reminders.delay()
    send_review_reminders.delay()

    smtp_sink.wait_for(len(assignments))
    deadline = time.monotonic() + 30
    while succeeded_runs(worker) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert succeeded_runs(worker) == 2, worker.log()[-3000:]
    # Both runs are over, so every mail either of them queued is an outbox row by now; once
    # each row is sent, nothing more can reach the SMTP server.
    assert reminder_mails().count() == len(assignments)
    while reminder_mails().exclude(status=OutboxStatus.SENT).exists():
        assert time.monotonic() < deadline, list(reminder_mails().values("status", "attempts"))
        time.sleep(0.1)

    received = smtp_sink.messages
    assert len(received) == len(assignments)
    assert sorted(m["To"].addresses[0].addr_spec for m in received) == sorted(
        a.invitation.expert.email for a in assignments
    )
    assert {str(m["X-AISSAI-Event"]) for m in received} == {"review_reminder"}
    assert set(ReminderSent.objects.values_list("assignment_id", "kind")) == {
        (assignments[0].pk, ReminderKind.BEFORE_DEADLINE),
        (assignments[1].pk, ReminderKind.BEFORE_DEADLINE),
        (assignments[2].pk, ReminderKind.AFTER_DEADLINE),
    }
