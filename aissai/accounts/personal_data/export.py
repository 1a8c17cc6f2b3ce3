"""The download of everything held about one person (a JSON file), audited."""

import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from aissai.accounts.models import User
from aissai.audit.models import AuditEvent
from aissai.audit.services import record_event
from aissai.notifications.links import withhold
from aissai.notifications.models import OutboxMessage, OutboxStatus

from .common import by_email
from .registry import Person, holders

EXPORT_FORMAT = "aissai-personal-data/1"


def _profile(person: Person) -> dict[str, Any]:
    user = person.user
    profile = {
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "orcid": user.orcid,
        "email_verified_at": user.email_verified_at,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_active": user.is_active,
        "programme_staff": user.is_programme_staff,
        "admin_access": user.is_staff,
    }
    for holder in holders():
        if holder.profile is not None:
            profile.update(holder.profile(person))
    return profile


def _mails_to(user: User | None, email: str) -> list[dict[str, Any]]:
    query = by_email("to_email", email) | (Q(recipient=user) if user else Q(pk__in=[]))
    rows = OutboxMessage.objects.filter(query, status=OutboxStatus.SENT).order_by("created_at")
    return [
        {
            "event": m.event,
            "to": m.to_email,
            "subject": m.subject,
            "body": withhold(m.body_text),
            "message_id": m.message_id,
            "sent_at": m.sent_at,
        }
        for m in rows
    ]


def _actions_of(user: User) -> list[dict[str, Any]]:
    rows = AuditEvent.objects.filter(actor=user).order_by("created_at", "pk")
    return [
        {"at": e.created_at, "action": e.verb, "object": e.target_repr, "details": e.data}
        for e in rows
    ]


def build_export(*, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about ``user``, in plain JSON-ready values (a read, no write)."""
    person = Person(email=user.email, user=user)
    data = {
        "format": EXPORT_FORMAT,
        "exported_at": now or timezone.now(),
        "profile": _profile(person),
    }
    for holder in holders():  # what the apps above hold: applications, reviews...
        if holder.export is not None:
            data.update(holder.export(person))
    data["mails_sent_to_you"] = _mails_to(user, user.email)
    data["your_actions"] = _actions_of(user)
    return data


def export_personal_data(*, user: User) -> tuple[str, bytes]:
    """The person's data as a JSON file (name, content). Audited."""
    now = timezone.now()
    with transaction.atomic():
        data = build_export(user=user, now=now)
        record_event(
            actor=user,
            verb="accounts.personal_data_exported",
            target=user,
            data={key: len(value) for key, value in data.items() if isinstance(value, list)},
        )
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return f"aissai-my-data-{now:%Y%m%d}.json", content.encode()
