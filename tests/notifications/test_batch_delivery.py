"""Delivery in batches: one claim, one SMTP connection and bulk status updates per batch,
each row still sent once; a refused recipient fails alone, a lost connection puts the
batch back. Against a real SMTP server (aiosmtpd) that notes each mail's connection."""

import email
import email.policy
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.selectors import outbox_visible_to
from aissai.notifications.services import deliver_many, enqueue_many, release_mails
from tests.factories.accounts import StaffFactory
from tests.factories.notifications import OutboxMessageFactory
from tests.plugins.mail import SMTPSink, _Handler, free_port
from tests.plugins.worker import publishing_broker

pytestmark = pytest.mark.django_db


class _PeerHandler(_Handler):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.peers.append(session.peer)  # one client port per connection
        self.sink.add(message)
        return "250 Message accepted for delivery"


class PeerSink(SMTPSink):
    """An SMTP sink that remembers which connection brought each mail."""

    def __init__(self):
        super().__init__()
        self.peers: list = []

    def start(self) -> "PeerSink":
        if self._controller is None:
            controller = Controller(
                _PeerHandler(self), hostname=self.host, port=self.port, ready_timeout=10
            )
            controller.start()
            self._controller = controller
        return self

    @property
    def connections(self) -> int:
        return len(set(self.peers))


@pytest.fixture
def peer_sink(settings):
    sink = PeerSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


def statuses(ids) -> dict[int, str]:
    return dict(OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "status"))


@pytest.mark.smtp
@pytest.mark.parametrize("count", [1, 3, 12])
def test_a_batch_is_one_claim_one_connection_and_one_update_whatever_its_size(peer_sink, count):
    ids = [OutboxMessageFactory().pk for _ in range(count)]

    with CaptureQueriesContext(connection) as queries:
        outcome = deliver_many(outbox_ids=ids)

    assert outcome.statuses == dict.fromkeys(ids, OutboxStatus.SENT)
    assert outcome.retry_in is None
    assert [q["sql"].split()[0] for q in queries.captured_queries] == [
        "UPDATE",  # the claim
        "SELECT",  # the claimed rows
        "UPDATE",  # sent
    ]
    assert peer_sink.connections == 1
    expected = set(OutboxMessage.objects.filter(pk__in=ids).values_list("message_id", flat=True))
    assert sorted(m["Message-ID"] for m in peer_sink.messages) == sorted(expected)
    rows = OutboxMessage.objects.filter(pk__in=ids)
    assert {(r.status, r.attempts, r.sending_since) for r in rows} == {(OutboxStatus.SENT, 1, None)}


@pytest.mark.smtp
def test_a_batch_run_twice_sends_each_row_once(peer_sink):
    ids = [OutboxMessageFactory().pk for _ in range(4)]

    deliver_many(outbox_ids=ids)
    again = deliver_many(outbox_ids=ids)

    assert again.statuses == dict.fromkeys(ids, OutboxStatus.SENT)
    assert len(peer_sink.messages) == 4
    assert peer_sink.connections == 1  # the second run claimed nothing: no connection


@pytest.mark.smtp
def test_rows_not_due_or_not_pending_are_left_out_of_the_batch(peer_sink):
    due = OutboxMessageFactory()
    later = OutboxMessageFactory(next_attempt_at=timezone.now() + timedelta(minutes=5))
    held = OutboxMessageFactory(held=True)

    outcome = deliver_many(outbox_ids=[due.pk, later.pk, held.pk, 987654])

    assert outcome.statuses == {
        due.pk: OutboxStatus.SENT,
        later.pk: OutboxStatus.PENDING,
        held.pk: OutboxStatus.HELD,
        987654: "missing",
    }
    assert [m["Message-ID"] for m in peer_sink.messages] == [due.message_id]


@pytest.mark.smtp
def test_a_refused_recipient_fails_alone_and_the_batch_goes_on(peer_sink):
    peer_sink.refused.add("nobody@example.org")
    first = OutboxMessageFactory()
    refused = OutboxMessageFactory(to_email="nobody@example.org")
    last = OutboxMessageFactory()

    outcome = deliver_many(outbox_ids=[first.pk, refused.pk, last.pk])

    assert outcome.statuses == {
        first.pk: OutboxStatus.SENT,
        refused.pk: OutboxStatus.FAILED,
        last.pk: OutboxStatus.SENT,
    }
    assert outcome.retry_in is None
    refused.refresh_from_db()
    assert refused.last_error.startswith("SMTPRecipientsRefused")
    assert {m["Message-ID"] for m in peer_sink.messages} == {first.message_id, last.message_id}
    assert peer_sink.connections == 1


def test_no_connection_puts_the_whole_batch_back_with_its_back_off(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.EMAIL_TIMEOUT = 2
    settings.OUTBOX_BACKOFF_SECONDS = 60
    fresh = OutboxMessageFactory()
    retried = OutboxMessageFactory(attempts=1)

    with CaptureQueriesContext(connection) as queries:
        outcome = deliver_many(outbox_ids=[fresh.pk, retried.pk])

    assert outcome.statuses == dict.fromkeys([fresh.pk, retried.pk], OutboxStatus.PENDING)
    assert outcome.retry_in == 120  # the longest wait: every row is due when it runs
    assert len(queries) == 4  # claim, load, one update per wait (60 s and 120 s)
    rows = {r.pk: r for r in OutboxMessage.objects.filter(pk__in=[fresh.pk, retried.pk])}
    assert (rows[fresh.pk].attempts, rows[retried.pk].attempts) == (1, 2)
    assert all(r.last_error.startswith("ConnectionRefusedError") for r in rows.values())
    assert all(r.status == OutboxStatus.PENDING and r.queued_at is None for r in rows.values())


@pytest.mark.smtp
def test_queued_rows_go_out_one_connection_per_batch(peer_sink, settings):
    settings.OUTBOX_BATCH_SIZE = 4
    ids = [OutboxMessageFactory().pk for _ in range(10)]

    assert enqueue_many(ids) == 10  # in process: each task runs as it is queued

    assert statuses(ids) == dict.fromkeys(ids, OutboxStatus.SENT)
    assert len(peer_sink.messages) == 10
    assert peer_sink.connections == 3  # 4 + 4 + 2


@pytest.mark.celery_worker
@pytest.mark.smtp
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(240)
def test_a_bulk_release_goes_through_the_worker_in_batches_each_mail_once(
    start_celery_worker, settings
):
    sink = PeerSink().start()
    try:
        start_celery_worker(env=sink.env())
        settings.OUTBOX_BATCH_SIZE = 50
        held = [OutboxMessageFactory(held=True).pk for _ in range(120)]
        staff = StaffFactory()

        with publishing_broker(settings.CELERY_BROKER_URL), transaction.atomic():
            released = release_mails(actor=staff, messages=outbox_visible_to(staff))
        received = sink.wait_for(120, timeout=120)
    finally:
        sink.stop()

    assert sorted(released) == sorted(held)
    expected = set(OutboxMessage.objects.filter(pk__in=held).values_list("message_id", flat=True))
    assert sorted(m["Message-ID"] for m in received) == sorted(expected)  # each once
    assert sink.connections == 3  # 50 + 50 + 20
