"""deliver and relay, in process, against Django's test mailbox or a real SMTP server."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.rendering import render_mail
from aissai.notifications.services import backoff_seconds, deliver, enqueue_delivery, relay
from tests.factories.notifications import OutboxMessageFactory
from tests.plugins.mail import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_down(settings):
    """Mail goes over SMTP to a port where nothing listens: a real refused connection."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 60


def reload(row: OutboxMessage) -> OutboxMessage:
    row.refresh_from_db()
    return row


def test_deliver_sends_once_with_the_stable_message_id_even_when_run_twice():
    row = OutboxMessageFactory(language="fr")

    first = deliver(outbox_id=row.pk)
    second = deliver(outbox_id=row.pk)

    assert (first.status, second.status) == (OutboxStatus.SENT, OutboxStatus.SENT)
    assert (first.retry_in, second.retry_in) == (None, None)
    row = reload(row)
    assert (row.status, row.attempts, row.sending_since) == (OutboxStatus.SENT, 1, None)
    assert row.sent_at is not None
    [sent] = mail.outbox
    message = sent.message()
    assert message["Message-ID"] == row.message_id
    assert message["Content-Language"] == "fr"
    assert message["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize(
    "status", [OutboxStatus.HELD, OutboxStatus.DISCARDED, OutboxStatus.FAILED, OutboxStatus.SENDING]
)
def test_deliver_leaves_rows_that_are_not_pending_alone(status):
    row = OutboxMessageFactory(status=status)

    assert deliver(outbox_id=row.pk).status == status

    assert reload(row).attempts == 0
    assert mail.outbox == []


def test_deliver_waits_until_a_pending_row_is_due():
    row = OutboxMessageFactory(next_attempt_at=timezone.now() + timedelta(minutes=5))

    assert deliver(outbox_id=row.pk).status == OutboxStatus.PENDING

    assert reload(row).attempts == 0
    assert mail.outbox == []


def test_deliver_of_a_missing_row_does_nothing():
    assert deliver(outbox_id=987654).status == "missing"


def test_backoff_grows_exponentially_up_to_a_cap(settings):
    settings.OUTBOX_BACKOFF_SECONDS = 60
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 3600

    waits = [backoff_seconds(attempts) for attempts in range(1, 9)]

    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_failed_attempt_keeps_the_row_pending_with_backoff_and_error(smtp_down):
    row = OutboxMessageFactory()
    before = timezone.now()

    outcome = deliver(outbox_id=row.pk)

    assert (outcome.status, outcome.retry_in) == (OutboxStatus.PENDING, 60)
    row = reload(row)
    assert (row.status, row.attempts, row.sending_since) == (OutboxStatus.PENDING, 1, None)
    assert row.last_error.startswith("ConnectionRefusedError")
    assert (
        before + timedelta(seconds=59)
        < row.next_attempt_at
        < timezone.now() + timedelta(seconds=61)
    )


def test_attempts_grow_with_longer_waits_until_the_row_fails(smtp_down):
    row = OutboxMessageFactory()
    waits = []

    for _ in range(3):
        OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        waits.append(deliver(outbox_id=row.pk).retry_in)

    assert waits == [60, 120, None]
    row = reload(row)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 3)
    assert "Connection refused" in row.last_error


@pytest.mark.smtp
def test_permanent_refusal_fails_at_once(smtp_backend):
    smtp_backend.refused.add("nobody@example.org")
    row = OutboxMessageFactory(to_email="nobody@example.org")

    outcome = deliver(outbox_id=row.pk)

    assert (outcome.status, outcome.retry_in) == (OutboxStatus.FAILED, None)
    row = reload(row)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert row.last_error.startswith("SMTPRecipientsRefused")
    assert smtp_backend.messages == []


@pytest.mark.smtp
def test_delivery_over_smtp_reaches_the_server(smtp_backend):
    row = OutboxMessageFactory(to_name="Ada Lovelace", to_email="ada@example.org")

    assert deliver(outbox_id=row.pk).status == OutboxStatus.SENT

    [received] = smtp_backend.wait_for(1)
    assert received["Message-ID"] == row.message_id
    assert received["To"] == "Ada Lovelace <ada@example.org>"


def test_in_process_task_does_not_retry_by_itself(smtp_down):
    row = OutboxMessageFactory()

    assert enqueue_delivery(row.pk) is True

    row = reload(row)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert row.next_attempt_at > timezone.now()


def test_relay_frees_rows_stuck_in_sending_and_sends_them(settings):
    settings.OUTBOX_STUCK_SECONDS = 600
    long_ago = timezone.now() - timedelta(seconds=601)
    stuck = OutboxMessageFactory(status=OutboxStatus.SENDING, sending_since=long_ago, attempts=1)
    busy = OutboxMessageFactory(status=OutboxStatus.SENDING, sending_since=timezone.now())

    assert relay() == 1

    stuck = reload(stuck)
    assert (stuck.status, stuck.attempts) == (OutboxStatus.SENT, 2)
    assert reload(busy).status == OutboxStatus.SENDING
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [stuck.message_id]


def test_relay_fails_stuck_rows_that_used_every_attempt(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    long_ago = timezone.now() - timedelta(seconds=settings.OUTBOX_STUCK_SECONDS + 1)
    stuck = OutboxMessageFactory(status=OutboxStatus.SENDING, sending_since=long_ago, attempts=2)

    assert relay() == 0

    stuck = reload(stuck)
    assert stuck.status == OutboxStatus.FAILED
    assert stuck.last_error.startswith("Interrupted while sending")
    assert mail.outbox == []


def test_relay_queues_due_rows_whose_task_is_missing_or_lost(settings):
    settings.OUTBOX_REQUEUE_SECONDS = 300
    now = timezone.now()
    never_queued = OutboxMessageFactory(queued_at=None)
    lost = OutboxMessageFactory(queued_at=now - timedelta(seconds=301))
    in_flight = OutboxMessageFactory(queued_at=now - timedelta(seconds=5))
    not_due = OutboxMessageFactory(next_attempt_at=now + timedelta(minutes=1))
    held = OutboxMessageFactory(held=True)

    assert relay() == 2

    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert statuses == {
        never_queued.pk: OutboxStatus.SENT,
        lost.pk: OutboxStatus.SENT,
        in_flight.pk: OutboxStatus.PENDING,
        not_due.pk: OutboxStatus.PENDING,
        held.pk: OutboxStatus.HELD,
    }
    assert len(mail.outbox) == 2


def test_relay_runs_as_the_periodic_task(settings):
    from aissai.notifications.tasks import relay_outbox

    row = OutboxMessageFactory()

    relay_outbox.delay()

    assert reload(row).status == OutboxStatus.SENT
    assert settings.CELERY_BEAT_SCHEDULE["relay-outbox"]["task"] == relay_outbox.name


def test_mails_reply_to_the_programme_team_and_never_ask_to_reply_to_the_sender(
    smtp_backend, settings
):
    """The sender is a no-reply address: a mail that asks people to write back gives the
    programme team's address, and Reply-To leads there too."""
    settings.PROGRAMME_TEAM_EMAIL = "aissai-programme@example.org"
    rendered = {
        language: render_mail(
            event="eligibility_outcome",
            language=language,
            context={
                "application": {"pk": 7, "reference": "AISSAI-2026-001", "title": "Deep soils"},
                "call": {"title": "AISSAI postdoc"},
                "eligible": False,
                "reason": "One institute only.",
            },
        )
        for language in ("en", "fr")
    }
    for mail_parts in rendered.values():
        for body in (mail_parts.body_text, mail_parts.body_html):
            assert "aissai-programme@example.org" in body
            assert "reply to this" not in body.lower() and "répond" not in body.lower()
    assert "The AISSAI programme team – CNRS Foundation" in rendered["en"].body_text
    assert "L’équipe du programme AISSAI – Fondation CNRS" in rendered["fr"].body_text

    row = OutboxMessageFactory(subject="Outcome", body_text=rendered["en"].body_text)
    deliver(outbox_id=row.pk)

    sent = smtp_backend.messages[-1]
    assert sent["Reply-To"] == "aissai-programme@example.org"
