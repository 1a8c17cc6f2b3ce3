"""The one table of application status changes, and the one function that makes them.

Nothing else writes ``Application.status``. Each change checks the table, saves the
new status, appends an audit event and queues the notification, in one transaction.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.notifications.services import queue_mail

from .models import Application
from .models import ApplicationStatus as S

APPLICANT = "applicant"
STAFF = "staff"
SYSTEM = "system"

_BEFORE_DECISION = {APPLICANT, STAFF}

# state -> {allowed target: roles that may make the move}
TRANSITIONS: dict[str, dict[str, set[str]]] = {
    S.DRAFT: {S.SUBMITTED: {APPLICANT}, S.WITHDRAWN: {APPLICANT}},
    S.SUBMITTED: {
        S.DRAFT: {APPLICANT},  # reopened before the deadline, to be submitted again
        S.ELIGIBLE: {STAFF},
        S.INELIGIBLE: {STAFF},
        S.WITHDRAWN: _BEFORE_DECISION,
    },
    S.ELIGIBLE: {
        S.IN_REVIEW: {STAFF, SYSTEM},
        S.INELIGIBLE: {STAFF},
        S.WITHDRAWN: _BEFORE_DECISION,
    },
    S.INELIGIBLE: {S.ELIGIBLE: {STAFF}, S.WITHDRAWN: _BEFORE_DECISION},
    S.IN_REVIEW: {
        S.SHORTLISTED: {STAFF},
        S.NOT_SHORTLISTED: {STAFF},
        S.WITHDRAWN: _BEFORE_DECISION,
    },
    S.NOT_SHORTLISTED: {S.SHORTLISTED: {STAFF}},
    S.SHORTLISTED: {
        S.MAIN_LIST: {STAFF},
        S.COMPLEMENTARY_LIST: {STAFF},
        S.NOT_SELECTED: {STAFF},
        S.NOT_SHORTLISTED: {STAFF},
        S.WITHDRAWN: _BEFORE_DECISION,
    },
    S.MAIN_LIST: {
        S.FUNDED: {STAFF},
        S.DECLINED: {STAFF, APPLICANT},
        S.NOT_FUNDED: {STAFF},
        S.COMPLEMENTARY_LIST: {STAFF},
        S.SHORTLISTED: {STAFF},
        S.WITHDRAWN: _BEFORE_DECISION,
    },
    S.COMPLEMENTARY_LIST: {
        S.FUNDED: {STAFF},  # promoted
        S.NOT_FUNDED: {STAFF},
        S.MAIN_LIST: {STAFF},
        S.SHORTLISTED: {STAFF},
        S.WITHDRAWN: _BEFORE_DECISION,
    },
    S.NOT_SELECTED: {S.SHORTLISTED: {STAFF}},
    S.FUNDED: {S.DECLINED: {STAFF, APPLICANT}},
    S.DECLINED: {},
    S.NOT_FUNDED: {S.FUNDED: {STAFF}},
    S.WITHDRAWN: {},
}


class TransitionError(Exception):
    """A status change the table or the actor's role does not allow (message is for people)."""


@dataclass
class Mail:
    """The notification a transition queues (to the coordinator unless ``to`` says otherwise)."""

    event: str
    context: dict[str, Any] = field(default_factory=dict)
    held: bool = False
    replace_key: str = ""


def allowed_targets(status: str, role: str) -> list[str]:
    return [target for target, roles in TRANSITIONS.get(status, {}).items() if role in roles]


def can_transition(application: Application, to: str, role: str) -> bool:
    return role in TRANSITIONS.get(application.status, {}).get(to, set())


def _check_actor(application: Application, by: Any, as_role: str) -> None:
    if as_role == APPLICANT and (by is None or by.pk != application.coordinator_id):
        raise TransitionError(_("Only the coordinator of this application may do this."))
    if as_role == STAFF and not getattr(by, "is_programme_staff", False):
        raise TransitionError(_("Only programme staff may do this."))
    if as_role == SYSTEM and by is not None:
        raise TransitionError("A system transition has no human actor.")


def transition(
    *,
    application: Application,
    to: str,
    by: Any,
    as_role: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
    mail: Mail | None = None,
    update_fields: dict[str, Any] | None = None,
) -> Application:
    """Move ``application`` to status ``to``; returns the locked, updated row.

    ``update_fields`` are other fields saved with the status (``submitted_at``, ...).
    Raises :class:`TransitionError` when the move is not in the table for this role.
    """
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update()
            .select_related("coordinator")
            .get(pk=application.pk)
        )
        _check_actor(locked, by, as_role)
        if not can_transition(locked, to, as_role):
            raise TransitionError(
                _("This application cannot go from “%(from)s” to “%(to)s”.")
                % {"from": locked.get_status_display(), "to": S(to).label}
            )
        previous = locked.status
        locked.status = to
        for name, value in (update_fields or {}).items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", "updated_at", *(update_fields or {})])
        record_event(
            actor=by,
            verb=f"application.status.{to}",
            target=locked,
            data={"from": previous, "to": to, "role": as_role, "reason": reason, **(data or {})},
        )
        if mail is not None:
            coordinator = locked.coordinator
            queue_mail(
                event=mail.event,
                to_email=coordinator.email,
                to_name=coordinator.full_name,
                language=coordinator.language,
                recipient=coordinator,
                related=locked,
                held=mail.held,
                replace_key=mail.replace_key,
                context={"application": locked, "reason": reason, **mail.context},
            )
    application.refresh_from_db()
    return locked
