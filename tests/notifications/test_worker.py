"""The real path: a change commits, a real Celery worker delivers to a real SMTP server.

These need PostgreSQL (shared with the worker process) and a broker; they skip, saying
so, only when one is absent. The RabbitMQ case runs when AISSAI_RABBITMQ_URL is set.
"""

import os
import time

import pytest
from django.db import transaction
from django.urls import reverse

from aissai.accounts.models import User
from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import queue_mail
from aissai.notifications.tasks import deliver_outbox_message, relay_outbox
from tests.factories.accounts import StaffFactory, UserFactory
from tests.plugins.worker import publishing_broker

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.smtp,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(240),
]

RABBITMQ_URL = os.environ.get("AISSAI_RABBITMQ_URL", "")


def sign_up_with_mail(*, email: str, language: str = "en", note: str = "") -> OutboxMessage:
    """A change and its mail in one transaction, as a service makes them."""
    with transaction.atomic():
        user = UserFactory(email=email, full_name="Marie Curie", language=language)
        return queue_mail(
            event="test",
            to_email=user.email,
            to_name=user.full_name,
            recipient=user,
            related=user,
            context={"note": note},
        )


def wait_for_task(worker, task_id: str, timeout: float = 30.0) -> None:
    """Wait until the worker's log says the task with this id has finished."""
    deadline = time.monotonic() + timeout
    while f"[{task_id}] succeeded" not in worker.log():
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.1)


def wait_for_status(mail: OutboxMessage, status: str, timeout: float = 30.0) -> list[int]:
    """Poll the row until it has ``status``; return the attempt counts seen on the way."""
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        mail.refresh_from_db()
        if not seen or seen[-1] != mail.attempts:
            seen.append(mail.attempts)
        if mail.status == status:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"{mail.pk} is {mail.status} after {timeout}s, not {status}")


@pytest.mark.parametrize(
    "broker",
    [
        "configured",
        pytest.param(
            "rabbitmq",
            marks=pytest.mark.skipif(
                not RABBITMQ_URL, reason="needs RabbitMQ: set AISSAI_RABBITMQ_URL"
            ),
        ),
    ],
)
def test_committed_change_mail_reaches_smtp_server_through_worker(
    broker, settings, start_celery_worker, smtp_sink
):
    broker_url = RABBITMQ_URL if broker == "rabbitmq" else settings.CELERY_BROKER_URL
    start_celery_worker(broker_url=broker_url, env=smtp_sink.env())

    with publishing_broker(broker_url):
        mail = sign_up_with_mail(email="marie@example.org", language="fr", note="Café & <b>")
        received = smtp_sink.wait_for(1)

    assert User.objects.filter(email="marie@example.org").exists()
    wait_for_status(mail, OutboxStatus.SENT)
    assert mail.attempts == 1
    assert mail.language == "fr"
    [message] = received
    assert message["Message-ID"] == mail.message_id
    assert message["Subject"] == mail.subject
    assert message["Content-Language"] == "fr"
    assert message["To"] == "Marie Curie <marie@example.org>"
    assert message["X-AISSAI-Event"] == "test"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Marie Curie" in text and "Café & <b>" in text
    assert '<html lang="fr">' in html and "Café &amp; &lt;b&gt;" in html


def test_broker_down_keeps_the_change_and_relay_delivers_it_once(
    start_celery_worker, smtp_sink, broker_proxy, settings
):
    worker = start_celery_worker(env=smtp_sink.env())

    with publishing_broker(broker_proxy.url):
        before = sign_up_with_mail(email="before@example.org")
        smtp_sink.wait_for(1)

        broker_proxy.stop()
        during = sign_up_with_mail(email="during@example.org")

        assert User.objects.filter(email="during@example.org").exists()
        during.refresh_from_db()
        assert during.status == OutboxStatus.PENDING
        assert during.queued_at is None
        # The worker is up, but no task for this row ever reached it: a task sent now
        # straight to the broker (a harmless second delivery of the first mail) runs after
        # anything queued before it, and once it has run the row is still untouched.
        with publishing_broker(settings.CELERY_BROKER_URL):
            marker = deliver_outbox_message.delay(before.pk)
        wait_for_task(worker, marker.id)
        during.refresh_from_db()
        assert (during.status, during.attempts) == (OutboxStatus.PENDING, 0)
        assert len(smtp_sink.messages) == 1

        broker_proxy.start()
        relay_outbox.delay()  # what beat sends every OUTBOX_RELAY_SECONDS
        smtp_sink.wait_for(2)
        wait_for_status(during, OutboxStatus.SENT)

        # Neither the relay again nor a duplicate task sends it a second time. The worker
        # takes tasks in order, so once the next mail arrives, those two have run.
        relay_outbox.delay()
        deliver_outbox_message.delay(during.pk)
        after = sign_up_with_mail(email="after@example.org")
        smtp_sink.wait_for(3)

    assert len(smtp_sink.with_message_id(before.message_id)) == 1
    assert len(smtp_sink.with_message_id(during.message_id)) == 1
    assert len(smtp_sink.with_message_id(after.message_id)) == 1
    assert len(smtp_sink.messages) == 3
    during.refresh_from_db()
    assert (during.status, during.attempts) == (OutboxStatus.SENT, 1)


def test_smtp_down_retries_then_fails_and_staff_retry_sends_it(
    start_celery_worker, smtp_sink, client
):
    worker = start_celery_worker(
        env={**smtp_sink.env(), "OUTBOX_MAX_ATTEMPTS": "3", "OUTBOX_BACKOFF_SECONDS": "1"}
    )
    smtp_sink.stop()

    mail = sign_up_with_mail(email="late@example.org")

    attempts_seen = wait_for_status(mail, OutboxStatus.FAILED, timeout=60)
    assert attempts_seen[-1] == 3 and len(attempts_seen) > 1  # it grew while retrying
    assert mail.last_error.startswith("ConnectionRefusedError")
    assert worker.log().count("Retry in 1s") == 1 and worker.log().count("Retry in 2s") == 1
    assert smtp_sink.messages == []

    staff = StaffFactory()
    client.force_login(staff)
    page = client.get(reverse("notifications:outbox_detail", args=[mail.pk]))
    assert "ConnectionRefusedError" in page.content.decode()

    smtp_sink.start()
    response = client.post(reverse("notifications:outbox_retry", args=[mail.pk]))
    assert response.status_code == 302

    [message] = smtp_sink.wait_for(1)
    assert message["Message-ID"] == mail.message_id
    wait_for_status(mail, OutboxStatus.SENT)
    assert mail.attempts == 1 and mail.last_error == ""
    event = AuditEvent.objects.for_object(mail).get()
    assert (event.verb, event.actor, event.data["attempts"]) == ("mail.retried", staff, 3)
