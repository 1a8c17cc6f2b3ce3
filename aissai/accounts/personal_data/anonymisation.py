"""Anonymising a person once the retention period is over.

Every row is kept and rewritten, never deleted, so counts, statuses, scores, decisions
and statistics do not move. What identifies the person is replaced: name, e-mail and
ORCID become placeholders, free text they wrote or that is about them is blanked, the
account is deactivated (unusable password: every open session ends) and mails still
waiting for them are discarded. The uploaded PDFs and the project texts are the record
of the projects and stay. The audit log is append-only and keeps its history; the event
written for the anonymisation names no one.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.accounts.models import User
from aissai.audit.services import record_event
from aissai.notifications.models import DevMailboxMessage, OutboxMessage, OutboxStatus

from .common import PLACEHOLDER_NAME, by_email, placeholder_email
from .registry import Person, holders
from .retention import retention_status


class AnonymisationRefused(Exception):
    """Not allowed (yet); the message says why."""


@dataclass(frozen=True)
class AnonymisationReport:
    token: str  # in the placeholders and the audit event; links the two, names no one
    forced: bool
    changed: dict[str, int]


def _mail_and_logins(*, email: str, user: User | None, token: str) -> dict[str, int]:
    mails = OutboxMessage.objects.filter(
        by_email("to_email", email) | (Q(recipient=user) if user else Q(pk__in=[]))
    )
    # Waiting mails are discarded first (they would name the person), then every mail to
    # the person loses its address and body; the subject and the event stay for counts.
    discarded = mails.filter(status__in=list(OutboxMessage.DISCARDABLE)).update(
        status=OutboxStatus.DISCARDED, updated_at=timezone.now()
    )
    rewritten = mails.update(
        to_email=placeholder_email(token), to_name=PLACEHOLDER_NAME, body_text="", body_html=""
    )
    # The dev mailbox keeps "Name <address>, …": match the whole address, not a part of one.
    address = rf"(^|[<\s,]){re.escape(email)}($|[>\s,])"
    dev = DevMailboxMessage.objects.filter(to__iregex=address).update(
        to=placeholder_email(token), body_text="", body_html=""
    )
    throttling = [apps.get_model("axes", name) for name in ("AccessAttempt", "AccessLog")]
    throttling.append(apps.get_model("axes", "AccessFailureLog"))
    logins = sum(m.objects.filter(username__iexact=email).delete()[0] for m in throttling)
    return {"mails_discarded": discarded, "mails": rewritten, "dev_mailbox": dev, "logins": logins}


def _account(*, user: User, token: str) -> int:
    user.email = placeholder_email(token)
    user.full_name = PLACEHOLDER_NAME
    user.orcid = ""
    user.is_active = user.is_staff = user.is_superuser = user.is_programme_staff = False
    user.set_unusable_password()  # the session hash changes: every open session ends
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    return 1


def anonymise_person(
    *, email: str, by: Any, reason: str = "", force: bool = False
) -> AnonymisationReport:
    """Anonymise everything that names the person with this e-mail address (with or
    without an account: partner leads and experts may have none).

    Refused while the retention period runs (``retention_status``) unless ``force`` is
    given with a written ``reason``. One transaction; audited without naming the person.
    """
    email = User.objects.normalize_email(email)
    reason = (reason or "").strip()
    if not email:
        raise AnonymisationRefused(_("Give the e-mail address of the person."))
    if force and not reason:
        raise AnonymisationRefused(
            _("Say why the person is anonymised before the end of the retention period.")
        )
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        status = retention_status(email=email, user=user)
        if status.ends_at is None and not status.ongoing:
            raise AnonymisationRefused(status.refusal())
        if not status.over and not force:
            raise AnonymisationRefused(status.refusal())
        token = uuid.uuid4().hex[:12]
        person = Person(email=email, user=user)
        changed: dict[str, int] = {}
        for holder in holders():  # what the apps above hold: applications, reviews...
            if holder.anonymise is not None:
                changed.update(holder.anonymise(person, token, by))
        changed.update(_mail_and_logins(email=email, user=user, token=token))
        if user is not None:
            changed["account"] = _account(user=user, token=token)
        forced = force and not status.over
        record_event(
            actor=by,
            verb="accounts.person_anonymised",
            target=user,
            data={
                "token": token,
                "forced": forced,
                "reason": reason,
                "retention_ends_at": status.ends_at,
                "ongoing": status.ongoing,
                "changed": changed,
            },
        )
    return AnonymisationReport(token=token, forced=forced, changed=changed)
