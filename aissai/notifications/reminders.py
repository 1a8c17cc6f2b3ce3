"""Automatic reminders sent at most once, whatever runs them (beat twice by mistake, a
task delivered twice, two workers at once).

Each app says what a reminder is about and what it says; :func:`send_once` does the rest
the same way for all: it locks the row the reminder is about, lets the app record that
the reminder is sent (a row unique per target and kind, so a second run finds it and
sends nothing), queues the mails through the outbox and audits it, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction

from aissai.audit.services import record_event
from aissai.notifications.services import queue_mail

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Reminder:
    """What one reminder sends: ``mails`` are ``queue_mail`` keyword arguments (one mail
    each, the target being the mail's ``related`` row); ``verb`` and ``data`` the audit
    event written once for them all."""

    verb: str
    mails: list[dict[str, Any]]
    data: dict[str, Any] = field(default_factory=dict)


def mail_to(person: Any, *, event: str, context: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A reminder mail to a user (their address, name and language)."""
    return {
        "event": event,
        "to_email": person.email,
        "to_name": person.full_name,
        "recipient": person,
        "context": context,
        **extra,
    }


def send_once(rows: models.QuerySet[M], pk: int, reminder: Callable[[M], Reminder | None]) -> int:
    """Send the reminder about row ``pk`` of ``rows`` unless it was already sent or the
    row left ``rows`` (no longer due). ``reminder`` is called with the row locked: it
    records that the reminder is sent and says what it sends, or returns ``None`` when it
    was sent already. Returns the number of mails queued."""
    with transaction.atomic():
        # The lock makes a concurrent run wait here, then find the reminder's row.
        target = rows.select_for_update(of=("self",)).filter(pk=pk).first()
        if target is None:
            return 0
        sent = reminder(target)
        if sent is None:
            return 0
        for mail in sent.mails:
            queue_mail(related=target, **mail)
        record_event(actor=None, verb=sent.verb, target=target, data=sent.data)
    return len(sent.mails)
