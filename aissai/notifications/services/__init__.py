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
  pending row gets a delivery task queued on commit (``enqueue_many``: one task per
  ``OUTBOX_BATCH_SIZE`` rows); ``queued_at``
  records that the broker took it. If the broker is down the row just stays pending.
- *held* rows (decision mails) wait for staff: preview, edit, release (one or in bulk) or
  discard. ``queue_mail(replace_key=...)`` discards an older held mail with the same key,
  so a mail whose decision changed before release is replaced, never sent twice.
- ``deliver_many`` claims a batch of rows with one conditional UPDATE (pending and due →
  sending, attempts + 1) and sends them over one SMTP connection: one worker at a time
  sends a row, and a task that runs twice, or a stale duplicate, finds nothing to claim.
  The Message-ID made at creation is kept on every attempt, so a resend after a crash is
  recognisable by the recipient's client.
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

Modules: ``queueing`` (writing rows, handing them to the broker), ``delivery`` (claim,
send, record; the relay), ``staff`` (staff actions, holding after a restore).
"""

from .delivery import (
    BatchOutcome,
    DeliveryOutcome,
    backoff_seconds,
    build_email,
    deliver,
    deliver_many,
    is_permanent_failure,
    relay,
)
from .queueing import (
    ENQUEUE_BATCH,
    enqueue_delivery,
    enqueue_many,
    enqueue_on_commit,
    mark_queued,
    mark_queued_many,
    queue_mail,
)
from .staff import (
    OutboxStateError,
    discard_mails,
    edit_held_mail,
    hold_after_restore,
    release_mails,
    retry_mails,
)

__all__ = [
    "ENQUEUE_BATCH",
    "BatchOutcome",
    "DeliveryOutcome",
    "OutboxStateError",
    "backoff_seconds",
    "build_email",
    "deliver",
    "deliver_many",
    "discard_mails",
    "edit_held_mail",
    "enqueue_delivery",
    "enqueue_many",
    "enqueue_on_commit",
    "hold_after_restore",
    "is_permanent_failure",
    "mark_queued",
    "mark_queued_many",
    "queue_mail",
    "relay",
    "release_mails",
    "retry_mails",
]
