"""Staff actions on outbox rows, and holding what a restore brought back.

Each action takes the rows to act on as a queryset (already scoped by a selector), locks
them, keeps those in an allowed state, writes one audit event per mail, queues delivery
on commit where it applies and returns what it changed.
"""

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event, record_events

from ..models import OutboxMessage, OutboxStatus
from ..rendering import render_text_as_html, tidy_text
from .queueing import enqueue_on_commit


class OutboxStateError(Exception):
    """The mail is not in a state that allows the action (someone acted on it meanwhile)."""


def _lock(messages: models.QuerySet, statuses: Iterable[str]) -> list[OutboxMessage]:
    return list(
        messages.filter(status__in=list(statuses))
        .select_for_update()
        .order_by("pk")
        .only("pk", "event", "status", "to_email", "subject", "attempts", "last_error")
    )


def _summary(message: OutboxMessage) -> dict[str, Any]:
    return {"event": message.event, "to": message.to_email, "subject": message.subject}


def release_mails(*, actor: Any, messages: models.QuerySet) -> list[int]:
    """Held → pending, delivered after commit."""
    with transaction.atomic():
        rows = _lock(messages, OutboxMessage.RELEASABLE)
        ids = [row.pk for row in rows]
        now = timezone.now()
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.PENDING, next_attempt_at=now, queued_at=None, updated_at=now
        )
        record_events(actor=actor, verb="mail.released", targets=rows, data=_summary)
        enqueue_on_commit(ids)
    return ids


def discard_mails(*, actor: Any, messages: models.QuerySet) -> list[int]:
    """Held, pending or failed → discarded; it will never be sent."""
    with transaction.atomic():
        rows = _lock(messages, OutboxMessage.DISCARDABLE)
        ids = [row.pk for row in rows]
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.DISCARDED, updated_at=timezone.now()
        )
        record_events(
            actor=actor,
            verb="mail.discarded",
            targets=rows,
            data=lambda row: {**_summary(row), "previous_status": row.status},
        )
    return ids


def retry_mails(*, actor: Any, messages: models.QuerySet) -> list[int]:
    """Failed → pending with a fresh set of attempts, delivered after commit."""
    with transaction.atomic():
        rows = _lock(messages, OutboxMessage.RETRYABLE)
        ids = [row.pk for row in rows]
        now = timezone.now()
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            queued_at=None,
            updated_at=now,
        )
        record_events(
            actor=actor,
            verb="mail.retried",
            targets=rows,
            data=lambda row: {**_summary(row), "attempts": row.attempts, "error": row.last_error},
        )
        enqueue_on_commit(ids)
    return ids


def edit_held_mail(
    *, actor: Any, message: OutboxMessage, subject: str, body_text: str
) -> OutboxMessage:
    """Change a held mail's subject and text; its HTML part is rebuilt from the text."""
    with transaction.atomic():
        row = OutboxMessage.objects.select_for_update().filter(pk=message.pk).first()
        if row is None or not row.can_edit:
            raise OutboxStateError(_("Only a held e-mail can be edited."))
        before = {"subject": row.subject, "body_text": row.body_text}
        row.subject = " ".join(subject.split())[:300]
        row.body_text = tidy_text(body_text)
        row.body_html = render_text_as_html(
            subject=row.subject, body_text=row.body_text, language=row.language
        )
        row.save(update_fields=["subject", "body_text", "body_html", "updated_at"])
        record_event(
            actor=actor,
            verb="mail.edited",
            target=row,
            data={
                "before": before,
                "subject_changed": before["subject"] != row.subject,
                "body_changed": before["body_text"] != row.body_text,
            },
        )
    return row


def hold_after_restore() -> int:
    """After a restore: hold every mail that was waiting to be sent at backup time.

    They may have gone out between the backup and the restore; sending them again
    would repeat them. Staff read them on the outbox page and release or drop them all
    (``release_mails`` / ``discard_mails`` on ``restored_held_mails``). Returns how many.
    """
    with transaction.atomic():
        now = timezone.now()
        held = OutboxMessage.objects.filter(
            status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]
        ).update(
            status=OutboxStatus.HELD,
            held_after_restore=True,
            sending_since=None,
            claimed_by="",
            queued_at=None,
            updated_at=now,
        )
        if held:
            record_event(actor=None, verb="mail.held_after_restore", data={"count": held})
    return held
