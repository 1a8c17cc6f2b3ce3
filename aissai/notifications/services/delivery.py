"""Delivery: claim due rows, send them over one SMTP connection, record each outcome.

A delivery task carries a batch of row ids (``OUTBOX_BATCH_SIZE``, one id when a single
mail is queued). Per batch: one UPDATE claims every due pending row (pending → sending,
attempts + 1), one SELECT loads the claimed rows, one connection to the mail server
sends them all, one UPDATE marks the accepted ones sent and one UPDATE per kind of
failure puts the others back. The bodies were rendered when the rows were written, in
the recipient's language; only the secret links are made here.
"""

import logging
import smtplib
from collections import defaultdict
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.utils import timezone

from ..links import SecretLinkError, render_links, resolve_links
from ..models import OutboxMessage, OutboxStatus
from .queueing import enqueue_many

logger = logging.getLogger("aissai.notifications.services")
# ERROR records here are mailed to ADMINS (settings.LOGGING): a mail given up on.
failed_logger = logging.getLogger("aissai.notifications.failed")

# Errors about one message: the server refused it or its recipient, or a link of it
# cannot be made. The connection stays usable (smtplib resets the transaction), so the
# batch goes on. Any other error (the connection) ends the batch: the rest waits too.
MESSAGE_ERRORS = (
    SecretLinkError,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def backoff_seconds(attempts: int) -> int:
    """Wait before attempt ``attempts + 1``: base, 2×base, 4×base… capped."""
    base = settings.OUTBOX_BACKOFF_SECONDS
    return int(min(base * 2 ** max(attempts - 1, 0), settings.OUTBOX_BACKOFF_MAX_SECONDS))


def build_email(message: OutboxMessage, *, connection=None) -> EmailMultiAlternatives:
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
        connection=connection,
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
    if isinstance(exc, smtplib.SMTPDataError | smtplib.SMTPSenderRefused):
        return 500 <= exc.smtp_code < 600
    return False


@dataclass(frozen=True)
class DeliveryOutcome:
    status: str
    retry_in: int | None = None  # seconds before the next attempt, when one is due


@dataclass
class BatchOutcome:
    """What one delivery run did: each claimed row's new status, the rows it did not
    claim with theirs ("missing" when gone), and the wait before a retry is due."""

    statuses: dict[int, str] = field(default_factory=dict)
    retry_in: int | None = None


def claim(outbox_ids: Sequence[int], *, task_id: str, now: datetime) -> list[OutboxMessage]:
    """Claim the due pending rows among ``outbox_ids`` (one UPDATE) and load them (one
    SELECT). ``task_id`` is the broker task running this: rows left in "sending" by the
    same task id were claimed by a run whose worker died (the broker redelivers a task
    only then, with late acknowledgement), so this run takes those claims over at once."""
    claimable = Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
    if task_id:
        claimable |= Q(
            status=OutboxStatus.SENDING,
            claimed_by=task_id,
            attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
        )
    claimed = OutboxMessage.objects.filter(claimable, pk__in=list(outbox_ids)).update(
        status=OutboxStatus.SENDING,
        sending_since=now,
        claimed_by=task_id,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return []
    # Only the claims made here: ``sending_since`` is this run's own timestamp.
    return list(_mine(outbox_ids, now).order_by("pk"))


def _mine(outbox_ids: Sequence[int], claimed_at: datetime):
    return OutboxMessage.objects.filter(
        pk__in=list(outbox_ids), status=OutboxStatus.SENDING, sending_since=claimed_at
    )


def send_claimed(rows: list[OutboxMessage]) -> tuple[list[int], dict[int, Exception]]:
    """Send the rows over one connection: (ids the server accepted, errors by id)."""
    sent: list[int] = []
    errors: dict[int, Exception] = {}
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
        for index, row in enumerate(rows):
            try:
                connection.send_messages([build_email(row, connection=connection)])
            except Exception as exc:  # noqa: BLE001 - the error is kept on the row for staff
                errors[row.pk] = exc
                if not isinstance(exc, MESSAGE_ERRORS):  # the connection itself failed
                    errors.update({later.pk: exc for later in rows[index + 1 :]})
                    break
            else:
                sent.append(row.pk)
    except Exception as exc:  # noqa: BLE001 - no connection: every row waits
        errors.update({row.pk: exc for row in rows if row.pk not in errors})
    finally:
        with suppress(Exception):
            connection.close()
    return sent, errors


def record_failures(
    rows: list[OutboxMessage], errors: dict[int, Exception], claimed_at: datetime
) -> BatchOutcome:
    """Failed attempts: back to pending after the back-off, or failed for good. One
    UPDATE per distinct (outcome, error, wait), so a batch that lost its connection
    writes its rows at once."""
    outcome = BatchOutcome()
    groups: dict[tuple[str, str, int], list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        if row.pk not in errors:
            continue
        exc = errors[row.pk]
        final = is_permanent_failure(exc) or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        status = OutboxStatus.FAILED if final else OutboxStatus.PENDING
        text = f"{type(exc).__name__}: {exc}"[:2000]
        groups[status, text, backoff_seconds(row.attempts)].append(row)
        outcome.statuses[row.pk] = status
        logger.warning("Outbox %s attempt %s failed: %s", row.pk, row.attempts, exc)
        if final:
            failed_logger.error(
                "Mail %s (%s) to %s failed for good after %d attempt(s): %s",
                row.pk,
                row.event,
                row.to_email,
                row.attempts,
                exc,
            )
    now = timezone.now()
    for (status, text, wait), group in groups.items():
        _mine([row.pk for row in group], claimed_at).update(
            status=status,
            last_error=text,
            next_attempt_at=now + timedelta(seconds=wait),
            sending_since=None,
            queued_at=None,
            updated_at=now,
        )
        if status == OutboxStatus.PENDING:
            outcome.retry_in = max(outcome.retry_in or 0, wait)
    return outcome


def deliver_many(*, outbox_ids: Sequence[int], task_id: str = "") -> BatchOutcome:
    """Send the pending, due rows among ``outbox_ids``; leave any other row alone. Safe to
    run twice: a row is claimed by one run at most, and the Message-ID made at creation
    is kept on every attempt, so a resend after a crash is recognisable by mail clients.

    The accepted rows are marked sent together at the end of the batch: a worker killed
    mid-batch leaves them "sending", and the redelivered task sends them again (each with
    its Message-ID). ``OUTBOX_BATCH_SIZE`` bounds how many that can be."""
    claimed_at = timezone.now()
    rows = claim(outbox_ids, task_id=task_id, now=claimed_at)
    sent, errors = send_claimed(rows) if rows else ([], {})
    if sent:
        now = timezone.now()
        _mine(sent, claimed_at).update(
            status=OutboxStatus.SENT,
            sent_at=now,
            sending_since=None,
            last_error="",
            updated_at=now,
        )
    outcome = record_failures(rows, errors, claimed_at)
    outcome.statuses.update(dict.fromkeys(sent, OutboxStatus.SENT))
    others = [pk for pk in outbox_ids if pk not in outcome.statuses]
    if others:
        current = dict(OutboxMessage.objects.filter(pk__in=others).values_list("pk", "status"))
        outcome.statuses.update({pk: current.get(pk, "missing") for pk in others})
    return outcome


def deliver(*, outbox_id: int, task_id: str = "") -> DeliveryOutcome:
    """Send one pending, due row (``deliver_many`` of one id)."""
    outcome = deliver_many(outbox_ids=[outbox_id], task_id=task_id)
    return DeliveryOutcome(outcome.statuses[outbox_id], retry_in=outcome.retry_in)


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
