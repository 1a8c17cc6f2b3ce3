"""Staff conflicts of interest: a staff member declares one, the managers rule on a naming.

Each change is one transaction with its audit event. See
``calls.selectors.staff_conflicts`` for when a conflict takes effect.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.limits import REASON_MAX_CHARS
from calls.models import (
    Application,
    StaffConflict,
    StaffConflictSource,
    StaffConflictStatus,
)
from calls.selectors.staff_conflicts import is_in_conflict, is_programme_staff


class StaffConflictError(Exception):
    """The conflict cannot be recorded as asked (the message is for people)."""


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise StaffConflictError(_("Write the reason: it is kept in the record."))
    if len(reason) > REASON_MAX_CHARS:
        raise StaffConflictError(_("At most %(limit)d characters.") % {"limit": REASON_MAX_CHARS})
    return reason


def declare_staff_conflict(*, application: Application, by: Any, reason: str) -> StaffConflict:
    """``by`` (programme staff) declares a conflict with ``application``: it takes effect at
    once, from then on the application's evaluation is withheld from them."""
    if not is_programme_staff(by):
        raise StaffConflictError(_("Only programme staff declare a conflict here."))
    reason = _reason(reason)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        conflict, _created = StaffConflict.objects.update_or_create(
            application=locked,
            user=by,
            defaults={
                "source": StaffConflictSource.DECLARED,
                "status": StaffConflictStatus.CONFIRMED,
                "reason": reason,
                "ruled_by": by,
            },
        )
        record_event(
            actor=by,
            verb="application.staff_conflict_declared",
            target=locked,
            data={"staff": by.email, "reason": reason},
        )
    return conflict


def _named_unconfirmed(application: Application, staff: Any) -> bool:
    email = (staff.email or "").strip()
    return (
        bool(email)
        and application.partners.filter(
            lead_email__iexact=email, confirmed_at__isnull=True
        ).exists()
    )


def rule_named_staff(
    *, application: Application, staff: Any, by: Any, confirmed: bool, reason: str
) -> StaffConflict:
    """The managers rule on an application that names ``staff`` as a partner lead who has
    not confirmed: ``confirmed`` makes the conflict take effect, otherwise it is cleared
    (the naming alone hides nothing). Never by the person named, nor by a staff member in
    conflict with the application; a conflict the person declared stays."""
    if not is_programme_staff(by):
        raise StaffConflictError(_("Only programme staff rule on a conflict."))
    if by.pk == staff.pk:
        raise StaffConflictError(_("Another programme manager must rule on your own conflict."))
    reason = _reason(reason)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if is_in_conflict(by, locked):
            raise StaffConflictError(
                _("You take part in this application: another programme manager must rule.")
            )
        existing = StaffConflict.objects.filter(application=locked, user=staff).first()
        if existing is not None and existing.source == StaffConflictSource.DECLARED:
            raise StaffConflictError(
                _("%(name)s declared this conflict: it stays.") % {"name": staff.get_full_name()}
            )
        if not _named_unconfirmed(locked, staff):
            raise StaffConflictError(
                _("This application no longer names %(name)s as an unconfirmed partner lead.")
                % {"name": staff.get_full_name()}
            )
        status = StaffConflictStatus.CONFIRMED if confirmed else StaffConflictStatus.CLEARED
        conflict, _created = StaffConflict.objects.update_or_create(
            application=locked,
            user=staff,
            defaults={
                "source": StaffConflictSource.NAMED,
                "status": status,
                "reason": reason,
                "ruled_by": by,
            },
        )
        record_event(
            actor=by,
            verb="application.staff_conflict_ruled",
            target=locked,
            data={"staff": staff.email, "status": status, "reason": reason},
        )
    return conflict
