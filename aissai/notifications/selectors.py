"""Reads of the outbox and the dev mailbox, scoped to what the user may see."""

from django.db import models
from django.db.models import Count, Q

from aissai.audit.models import AuditEvent

from .models import DevMailboxMessage, OutboxMessage, OutboxStatus
from .rules import can_manage_outbox, can_read_dev_mailbox
from .withholding import visible_mails

LIST_FIELDS = (
    "id",
    "event",
    "status",
    "to_email",
    "to_name",
    "language",
    "subject",
    "attempts",
    "last_error",
    "created_at",
    "sent_at",
    "next_attempt_at",
)


def outbox_visible_to(user) -> models.QuerySet[OutboxMessage]:
    """Every mail for those who manage the outbox, less the mails about applications they
    are in conflict with (``withholding``); nothing for anyone else."""
    if can_manage_outbox(user):
        return visible_mails(OutboxMessage.objects.all(), user)
    return OutboxMessage.objects.none()


def restored_held_mails(messages: models.QuerySet[OutboxMessage]) -> models.QuerySet[OutboxMessage]:
    """The mails a restore held (waiting to be sent at backup time), still held."""
    return messages.filter(status=OutboxStatus.HELD, held_after_restore=True)


def filter_outbox(
    messages: models.QuerySet[OutboxMessage], *, status: str = "", event: str = "", q: str = ""
) -> models.QuerySet[OutboxMessage]:
    """Status, event, and a search on the recipient's address or name."""
    if status:
        messages = messages.filter(status=status)
    if event:
        messages = messages.filter(event=event)
    if q:
        messages = messages.filter(Q(to_email__icontains=q) | Q(to_name__icontains=q))
    return messages


def outbox_rows(messages: models.QuerySet[OutboxMessage]) -> models.QuerySet[OutboxMessage]:
    """What a list page shows, without the bodies."""
    return messages.only(*LIST_FIELDS).order_by("-created_at", "-id")


def outbox_status_counts(messages: models.QuerySet[OutboxMessage]) -> dict[str, int]:
    """Number of mails per status, every status present (zero when none), in one query."""
    counts = dict.fromkeys(OutboxStatus.values, 0)
    rows = messages.order_by().values_list("status").annotate(n=Count("id"))
    counts.update(dict(rows))
    return counts


def outbox_events(messages: models.QuerySet[OutboxMessage]) -> list[str]:
    return list(messages.order_by("event").values_list("event", flat=True).distinct())


def outbox_history(message: OutboxMessage) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.for_object(message).select_related("actor").order_by("created_at")


def dev_mailbox_visible_to(user) -> models.QuerySet[DevMailboxMessage]:
    if can_read_dev_mailbox(user):
        return DevMailboxMessage.objects.all()
    return DevMailboxMessage.objects.none()


def dev_mailbox_rows(
    messages: models.QuerySet[DevMailboxMessage],
) -> models.QuerySet[DevMailboxMessage]:
    return messages.only("id", "created_at", "to", "subject", "message_id").order_by(
        "-created_at", "-id"
    )
