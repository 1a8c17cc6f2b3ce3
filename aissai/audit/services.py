import json
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from .models import AuditEvent


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _actor(actor: Any | None) -> Any | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _event(
    *, actor: Any | None, verb: str, target: models.Model | None, data: dict[str, Any] | None
) -> AuditEvent:
    return AuditEvent(
        actor=actor,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:300] if target is not None else "",
        data=_jsonable(data or {}),
    )


def record_event(
    *,
    actor: Any | None,
    verb: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log. Call it inside the service's transaction."""
    event = _event(actor=_actor(actor), verb=verb, target=target, data=data)
    event.save()
    return event


def record_events(
    *,
    actor: Any | None,
    verb: str,
    targets: Iterable[models.Model],
    data: Callable[[models.Model], dict[str, Any]] | None = None,
) -> list[AuditEvent]:
    """Append one event per target in a single insert (bulk actions on many objects)."""
    actor = _actor(actor)
    events = [
        _event(actor=actor, verb=verb, target=target, data=data(target) if data else None)
        for target in targets
    ]
    return AuditEvent.objects.bulk_create(events, batch_size=500)
