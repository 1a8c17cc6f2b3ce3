"""Every e-mail goes through here: queue in the caller's transaction, deliver after commit."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)


def render_mail(*, event: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render ``templates/notifications/<event>/{subject.txt,body.txt,body.html}`` in a language."""
    base = f"notifications/{event}"
    ctx = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"{base}/subject.txt", ctx).split())
        body_text = render_to_string(f"{base}/body.txt", ctx).strip() + "\n"
        try:
            body_html = render_to_string(f"{base}/body.html", ctx)
        except Exception:  # noqa: BLE001 - the HTML part is optional
            body_html = ""
    return subject, body_text, body_html


def queue_mail(
    *,
    event: str,
    to_email: str,
    to_name: str = "",
    language: str = "en",
    context: dict[str, Any] | None = None,
    recipient: Any | None = None,
    related: models.Model | None = None,
    held: bool = False,
    replace_key: str = "",
) -> OutboxMessage:
    """Write one outbox row in the current transaction; delivery is queued on commit.

    A held mail waits for staff to release it. With ``replace_key``, a held mail with the
    same key that was never released is discarded and replaced by this one.
    """
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    subject, body_text, body_html = render_mail(
        event=event, language=language, context={"recipient_name": to_name, **(context or {})}
    )
    if replace_key:
        OutboxMessage.objects.filter(replace_key=replace_key, status=OutboxStatus.HELD).update(
            status=OutboxStatus.DISCARDED
        )
    message = OutboxMessage.objects.create(
        event=event,
        status=OutboxStatus.HELD if held else OutboxStatus.PENDING,
        recipient=recipient,
        to_email=to_email,
        to_name=to_name,
        language=language,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        related_type=ContentType.objects.get_for_model(related) if related is not None else None,
        related_id=str(related.pk) if related is not None else "",
        replace_key=replace_key,
    )
    if not held:
        enqueue_on_commit(message.pk)
    return message


def enqueue_on_commit(outbox_id: int) -> None:
    transaction.on_commit(lambda: enqueue_delivery(outbox_id))


def enqueue_delivery(outbox_id: int) -> bool:
    """Hand one row to the broker. A broker that is down is not an error: the relay retries."""
    from .tasks import deliver_outbox_message

    try:
        deliver_outbox_message.delay(outbox_id)
    except Exception as exc:  # noqa: BLE001 - any broker failure leaves the row pending
        logger.warning("Outbox %s not queued (%s); the relay will send it.", outbox_id, exc)
        return False
    return True


def backoff_seconds(attempts: int) -> int:
    return min(60 * 2 ** max(attempts - 1, 0), 3600)


def build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    to = f"{message.to_name} <{message.to_email}>" if message.to_name else message.to_email
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message.message_id, "Content-Language": message.language},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def deliver(*, outbox_id: int) -> str:
    """Send one pending row, at most once at a time. Returns the row's new status."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=outbox_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).update(status=OutboxStatus.SENDING, sending_since=now)
    if not claimed:
        row = OutboxMessage.objects.filter(pk=outbox_id).values_list("status", flat=True).first()
        return row or "missing"
    message = OutboxMessage.objects.get(pk=outbox_id)
    try:
        build_email(message).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - the error is kept on the row for staff
        attempts = message.attempts + 1
        failed = attempts >= settings.OUTBOX_MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=outbox_id).update(
            status=OutboxStatus.FAILED if failed else OutboxStatus.PENDING,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(attempts)),
            sending_since=None,
        )
        return OutboxStatus.FAILED if failed else OutboxStatus.PENDING
    OutboxMessage.objects.filter(pk=outbox_id).update(
        status=OutboxStatus.SENT,
        attempts=message.attempts + 1,
        sent_at=timezone.now(),
        sending_since=None,
        last_error="",
    )
    return OutboxStatus.SENT


def relay(*, batch_size: int = 500) -> int:
    """Free rows stuck in 'sending' and queue every pending row that is due."""
    now = timezone.now()
    OutboxMessage.objects.filter(
        status=OutboxStatus.SENDING,
        sending_since__lt=now - timedelta(seconds=settings.OUTBOX_STUCK_SECONDS),
    ).update(status=OutboxStatus.PENDING, sending_since=None)
    due = list(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    for outbox_id in due:
        if not enqueue_delivery(outbox_id):
            break
    return len(due)
