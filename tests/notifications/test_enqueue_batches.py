"""Publishing many delivery tasks (a bulk release, the relay): ``queued_at`` is written
with one UPDATE per batch, never one per row, and only on rows still pending.

The tasks go to Celery's in-memory broker: published for real, consumed by nobody."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import enqueue_many
from tests.factories.notifications import OutboxMessageFactory
from tests.plugins.worker import celery_app, publishing_broker, purge_queue

pytestmark = pytest.mark.django_db

MEMORY_BROKER = "memory://"


@pytest.fixture
def memory_broker():
    app = celery_app()
    app.conf.task_always_eager = False  # restored by the autouse fixture of the plugin
    with publishing_broker(MEMORY_BROKER):
        yield
        purge_queue(MEMORY_BROKER)


def pending_rows(count: int) -> list[int]:
    return [OutboxMessageFactory(queued_at=None).pk for _ in range(count)]


def updates(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


@pytest.mark.parametrize("count", [1, 3, 40])
def test_enqueuing_any_number_of_rows_writes_queued_at_with_one_update(memory_broker, count):
    ids = pending_rows(count)

    with CaptureQueriesContext(connection) as queries:
        queued = enqueue_many(ids)

    assert queued == count
    assert len(queries) == 1
    assert len(updates(queries)) == 1
    assert not OutboxMessage.objects.filter(pk__in=ids, queued_at__isnull=True).exists()


def test_a_large_enqueue_updates_once_per_batch(memory_broker):
    ids = pending_rows(25)

    with CaptureQueriesContext(connection) as queries:
        queued = enqueue_many(ids, batch_size=10)

    assert queued == 25
    assert len(updates(queries)) == 3  # 10 + 10 + 5
    assert OutboxMessage.objects.filter(pk__in=ids, queued_at__isnull=False).count() == 25


def test_rows_no_longer_pending_are_not_marked_queued(memory_broker):
    pending = OutboxMessageFactory(queued_at=None)
    sent = OutboxMessageFactory(queued_at=None, status=OutboxStatus.SENT)

    assert enqueue_many([pending.pk, sent.pk]) == 2

    queued_at = dict(OutboxMessage.objects.values_list("pk", "queued_at"))
    assert queued_at[pending.pk] is not None
    assert queued_at[sent.pk] is None


def test_in_process_delivery_does_not_mark_rows_queued():
    row = OutboxMessageFactory(queued_at=None)

    assert enqueue_many([row.pk]) == 1

    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert row.queued_at is None
