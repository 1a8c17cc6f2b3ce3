"""Writing a mail to the outbox and handing its delivery to the broker."""

import logging
from collections.abc import Iterable
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from ..links import extract_links
from ..models import OutboxMessage, OutboxStatus
from ..rendering import render_mail

logger = logging.getLogger("aissai.notifications.services")

# Rows whose ``queued_at`` one UPDATE records, at most.
ENQUEUE_BATCH = 500


def _language_for(language: str, recipient: Any | None) -> str:
    language = language or getattr(recipient, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def queue_mail(
    *,
    event: str,
    to_email: str,
    to_name: str = "",
    language: str = "",
    context: dict[str, Any] | None = None,
    recipient: Any | None = None,
    related: models.Model | None = None,
    held: bool = False,
    replace_key: str = "",
) -> OutboxMessage:
    """Write one outbox row in the current transaction; delivery is queued on commit.

    ``language`` defaults to the recipient's preferred language. A held mail waits for
    staff to release it. With ``replace_key``, held mails with the same key are discarded.
    """
    language = _language_for(language, recipient)
    safe_context, links = extract_links({"recipient_name": to_name, **(context or {})})
    rendered = render_mail(event=event, language=language, context=safe_context)
    if replace_key:
        OutboxMessage.objects.filter(replace_key=replace_key, status=OutboxStatus.HELD).update(
            status=OutboxStatus.DISCARDED, updated_at=timezone.now()
        )
    message = OutboxMessage.objects.create(
        event=event,
        status=OutboxStatus.HELD if held else OutboxStatus.PENDING,
        recipient=recipient,
        to_email=to_email,
        to_name=to_name,
        language=language,
        subject=rendered.subject[:300],
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        links=links,
        related_type=ContentType.objects.get_for_model(related) if related is not None else None,
        related_id=str(related.pk) if related is not None else "",
        replace_key=replace_key,
    )
    if not held:
        enqueue_on_commit([message.pk])
    return message


def enqueue_on_commit(outbox_ids: Iterable[int]) -> None:
    ids = list(outbox_ids)
    if ids:
        transaction.on_commit(lambda: enqueue_many(ids))


def _chunks(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    iterator = iter(ids)
    while chunk := list(islice(iterator, max(size, 1))):
        yield chunk


def enqueue_many(outbox_ids: Iterable[int], *, batch_size: int = ENQUEUE_BATCH) -> int:
    """Queue the rows, ``OUTBOX_BATCH_SIZE`` to a delivery task; stop at the first broker
    failure (the relay sends the rest). Returns how many rows were queued.

    ``queued_at`` is written with one UPDATE per ``batch_size`` queued rows (and for the
    rows queued before a failure), not one per row. A task that runs before its rows are
    marked finds them pending and delivers them; the mark then skips them, as they are no
    longer pending. Delivery claims a row at most once, so a relay that queues a row
    again in between cannot send it twice.
    """
    mark = not _eager()
    queued = 0
    published: list[int] = []
    try:
        for chunk in _chunks(outbox_ids, settings.OUTBOX_BATCH_SIZE):
            if not _publish(chunk):
                break
            queued += len(chunk)
            if mark:
                published += chunk
                while len(published) >= batch_size:
                    batch, published = published[:batch_size], published[batch_size:]
                    mark_queued_many(batch)
    finally:  # a failed mark above is not repeated here (its error stays the one raised)
        mark_queued_many(published)
    return queued


def enqueue_delivery(outbox_id: int) -> bool:
    """Hand one row to the broker. A broker that is down is not an error: the relay retries."""
    if not _publish([outbox_id]):
        return False
    if not _eager():
        mark_queued(outbox_id=outbox_id)
    return True


def _eager() -> bool:
    from ..tasks import deliver_outbox_message

    return bool(deliver_outbox_message.app.conf.task_always_eager)


def _publish(outbox_ids: list[int]) -> bool:
    """One delivery task for these rows (sent over one SMTP connection)."""
    from ..tasks import deliver_outbox_message

    try:
        deliver_outbox_message.delay(*outbox_ids)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the rows pending
        logger.warning("Outbox %s not queued (%s); the relay will send them.", outbox_ids, exc)
        return False
    return True


def mark_queued(*, outbox_id: int) -> None:
    mark_queued_many([outbox_id])


def mark_queued_many(outbox_ids: list[int]) -> None:
    """Record that the broker took these rows' tasks (those still pending): one UPDATE."""
    if outbox_ids:
        OutboxMessage.objects.filter(pk__in=outbox_ids, status=OutboxStatus.PENDING).update(
            queued_at=timezone.now()
        )
