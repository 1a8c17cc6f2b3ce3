"""Outgoing e-mail: every mail is an outbox row, delivered after the change commits.

Lifecycle of an ``OutboxMessage``::

    held ──release──▶ pending ──claim──▶ sending ──accepted──▶ sent
      │                ▲   ▲               │
      │                │   └── attempt failed, attempts < max: back to pending,
      │                │       due again after the back-off
      │                │               │ attempts = max, or the server refused for good
      │             retry (staff)      ▼
      └─discard─▶ discarded ◀─discard─ failed

- ``queue_mail`` renders the mail once, in the recipient's language, and writes the row
  in the caller's transaction: the mail exists if and only if the change committed. A
  pending row gets a delivery task queued on commit (``enqueue_delivery``); ``queued_at``
  records that the broker took it. If the broker is down the row just stays pending.
- *held* rows (decision mails) wait for staff: preview, edit, release (one or in bulk) or
  discard. ``queue_mail(replace_key=...)`` discards an older held mail with the same key,
  so a mail whose decision changed before release is replaced, never sent twice.
- ``deliver`` claims a row with one conditional UPDATE (pending and due → sending,
  attempts + 1): one worker at a time sends a row, and a task that runs twice, or a
  stale duplicate, finds nothing to claim. The Message-ID made at creation is kept on
  every attempt, so a resend after a crash is recognisable by the recipient's client.
- A failed attempt puts the row back to *pending* with ``next_attempt_at`` moved by an
  exponential back-off and the error kept in ``last_error``. With a broker the task
  retries itself after that countdown; in eager (embedded) mode it does not recurse and
  the relay or the next attempt picks the row up. After ``OUTBOX_MAX_ATTEMPTS`` attempts
  (or at once on a permanent SMTP refusal, 5xx) the row is *failed*; staff may retry it,
  which gives it a fresh set of attempts.
- ``relay`` (Celery beat, every ``OUTBOX_RELAY_SECONDS``) is the safety net: it frees rows
  stuck in *sending* for ``OUTBOX_STUCK_SECONDS`` (a worker died mid-send), and queues each
  due pending row whose task was never queued or has not run for ``OUTBOX_REQUEUE_SECONDS``.

Staff actions (``edit_held_mail``, ``release_mails``, ``discard_mails``, ``retry_mails``)
lock the rows, re-check their state, write one audit event per mail and queue delivery
on commit.
"""

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event, record_events

from .links import SecretLinkError, extract_links, render_links, resolve_links
from .models import OutboxMessage, OutboxStatus
from .rendering import render_mail, render_text_as_html, tidy_text

logger = logging.getLogger(__name__)
# ERROR records here are mailed to ADMINS (settings.LOGGING): a mail given up on.
failed_logger = logging.getLogger("aissai.notifications.failed")


class OutboxStateError(Exception):
    """The mail is not in a state that allows the action (someone acted on it meanwhile)."""


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


# Rows whose ``queued_at`` one UPDATE records, at most.
ENQUEUE_BATCH = 500


def enqueue_many(outbox_ids: Iterable[int], *, batch_size: int = ENQUEUE_BATCH) -> int:
    """Queue each row; stop at the first broker failure (the relay sends the rest).

    ``queued_at`` is written with one UPDATE per ``batch_size`` published tasks (and for
    the rows published before a failure), not one per row. A task that runs before its
    row is marked finds it pending and delivers it; the mark then skips the row, which is
    no longer pending. Delivery claims a row at most once, so a relay that queues a row
    again in between cannot send it twice.
    """
    mark = not _eager()
    queued = 0
    published: list[int] = []
    try:
        for outbox_id in outbox_ids:
            if not _publish(outbox_id):
                break
            queued += 1
            if mark:
                published.append(outbox_id)
                if len(published) >= batch_size:
                    batch, published = published, []
                    mark_queued_many(batch)
    finally:  # a failed mark above is not repeated here (its error stays the one raised)
        mark_queued_many(published)
    return queued


def enqueue_delivery(outbox_id: int) -> bool:
    """Hand one row to the broker. A broker that is down is not an error: the relay retries."""
    if not _publish(outbox_id):
        return False
    if not _eager():
        mark_queued(outbox_id=outbox_id)
    return True


def _eager() -> bool:
    from .tasks import deliver_outbox_message

    return bool(deliver_outbox_message.app.conf.task_always_eager)


def _publish(outbox_id: int) -> bool:
    from .tasks import deliver_outbox_message

    try:
        deliver_outbox_message.delay(outbox_id)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the row pending
        logger.warning("Outbox %s not queued (%s); the relay will send it.", outbox_id, exc)
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


def backoff_seconds(attempts: int) -> int:
    """Wait before attempt ``attempts + 1``: base, 2×base, 4×base… capped."""
    base = settings.OUTBOX_BACKOFF_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.OUTBOX_BACKOFF_MAX_SECONDS))


def build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The message handed to the mail server: the only place its secret links are made."""
    urls = resolve_links(message.links)
    # formataddr quotes a name with a comma, "<" or quotes; line breaks are collapsed first.
    to = formataddr((" ".join(message.to_name.split()), message.to_email))
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=render_links(message.body_text, urls),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[settings.PROGRAMME_TEAM_EMAIL],
        headers={
            "Message-ID": message.message_id,
            "Content-Language": message.language,
            "Auto-Submitted": "auto-generated",
            "X-AISSAI-Event": message.event,
        },
    )
    if message.body_html:
        email.attach_alternative(render_links(message.body_html, urls, html=True), "text/html")
    return email


def is_permanent_failure(exc: Exception) -> bool:
    """The server refused this recipient or this message for good (5xx): trying again will
    not help. Other errors (connection, authentication, 4xx) may pass, so they are retried."""
    if isinstance(exc, SecretLinkError):  # the link's object is gone: no attempt will help
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    retry_in: int | None = None  # seconds before the next attempt, when one is due


def deliver(*, outbox_id: int, task_id: str = "") -> DeliveryOutcome:
    """Send one pending, due row; do nothing for any other row. Safe to run twice.

    ``task_id`` is the broker task running this: a row left in "sending" by the same task
    id was claimed by a run whose worker died (the broker redelivers a task only then,
    with late acknowledgement), so this run takes the claim over at once.
    """
    claimed_at = timezone.now()
    claimable = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=claimed_at)
    if task_id:
        claimable |= Q(
            status=OutboxStatus.SENDING,
            claimed_by=task_id,
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        )
    claimed = OutboxMessage.objects.filter(claimable, pk=outbox_id).update(
        status=OutboxStatus.SENDING,
        sending_since=claimed_at,
        claimed_by=task_id,
        attempts=F("attempts") + 1,
        updated_at=claimed_at,
    )
    if not claimed:
        status = OutboxMessage.objects.filter(pk=outbox_id).values_list("status", flat=True)
        return DeliveryOutcome(status.first() or "missing")
    message = OutboxMessage.objects.get(pk=outbox_id)
    # Only the claim we made may be finished: a row freed by the relay is someone else's.
    mine = OutboxMessage.objects.filter(
        pk=outbox_id, status=OutboxStatus.SENDING, sending_since=claimed_at
    )
    try:
        build_email(message).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - the error is kept on the row for staff
        final = is_permanent_failure(exc) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        wait = backoff_seconds(message.attempts)
        now = timezone.now()
        mine.update(
            status=OutboxStatus.FAILED if final else OutboxStatus.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=now + timedelta(seconds=wait),
            sending_since=None,
            queued_at=None,
            updated_at=now,
        )
        logger.warning("Outbox %s attempt %s failed: %s", outbox_id, message.attempts, exc)
        if final:
            failed_logger.error(
                "Mail %s (%s) to %s failed for good after %d attempt(s): %s",
                outbox_id,
                message.event,
                message.to_email,
                message.attempts,
                exc,
            )
            return DeliveryOutcome(OutboxStatus.FAILED)
        return DeliveryOutcome(OutboxStatus.PENDING, retry_in=wait)
    now = timezone.now()
    mine.update(
        status=OutboxStatus.SENT, sent_at=now, sending_since=None, last_error="", updated_at=now
    )
    return DeliveryOutcome(OutboxStatus.SENT)


def relay(*, batch_size: int = 500) -> int:
    """Free rows stuck in sending; queue due pending rows whose task is missing.

    Returns how many rows were queued.
    """
    now = timezone.now()
    stuck = OutboxMessage.objects.filter(
        status=OutboxStatus.SENDING,
        sending_since__lt=now - timedelta(seconds=settings.OUTBOX_STUCK_SECONDS),
    )
    interrupted = "Interrupted while sending (worker stopped?)"
    stuck.filter(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS).update(
        status=OutboxStatus.PENDING,
        sending_since=None,
        queued_at=None,
        next_attempt_at=now,
        last_error=interrupted,
        updated_at=now,
    )
    given_up = stuck.update(
        status=OutboxStatus.FAILED, sending_since=None, last_error=interrupted, updated_at=now
    )
    if given_up:
        failed_logger.error(
            "%d mail(s) failed for good: interrupted while sending at their last attempt.",
            given_up,
        )
    requeue_before = now - timedelta(seconds=settings.OUTBOX_REQUEUE_SECONDS)
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=requeue_before))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    return enqueue_many(due)


# Staff actions. Each takes the rows to act on as a queryset (already scoped by a
# selector), locks them, keeps those in an allowed state and returns what it changed.


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
