"""Grant and revoke the institute correspondent role (programme staff and the admin).

Each change is one transaction with its audit event. Revoking keeps the row (inactive)
with who revoked it and when; granting again reactivates the same row.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from calls.models import Institute, InstituteCorrespondent
from calls.selectors.correspondents import forget_correspondent_roles


class CorrespondentError(Exception):
    """The role cannot be changed that way; the message says why, in the user's language."""


def may_manage_correspondents(user: Any) -> bool:
    """Programme staff, and superusers (the admin)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (getattr(user, "is_programme_staff", False) or user.is_superuser)
    )


def _audit_data(role: InstituteCorrespondent) -> dict[str, Any]:
    return {"user": role.user.email, "institute": role.institute.acronym}


def _already(user: Any, institute: Institute) -> CorrespondentError:
    return CorrespondentError(
        _("%(person)s is already a correspondent of %(institute)s.")
        % {"person": user.get_full_name(), "institute": institute.acronym}
    )


def grant_correspondent(*, user: Any, institute: Institute, by: Any) -> InstituteCorrespondent:
    """Make ``user`` a correspondent of ``institute``, or make them one again."""
    if not may_manage_correspondents(by):
        raise PermissionDenied
    if not user.is_active:
        raise CorrespondentError(_("This account is deactivated: it cannot receive a role."))
    try:
        role = _grant(user=user, institute=institute, by=by)
    except IntegrityError as exc:  # the same grant, made at the same moment by someone else
        raise _already(user, institute) from exc
    forget_correspondent_roles(user)
    return role


@transaction.atomic
def _grant(*, user: Any, institute: Institute, by: Any) -> InstituteCorrespondent:
    role = (
        InstituteCorrespondent.objects.select_for_update()
        .filter(user=user, institute=institute)
        .first()
    )
    if role is not None and role.active:
        raise _already(user, institute)
    now = timezone.now()
    if role is None:
        role = InstituteCorrespondent.objects.create(
            user=user, institute=institute, granted_by=by, granted_at=now
        )
    else:
        role.active = True
        role.granted_by = by
        role.granted_at = now
        role.revoked_by = None
        role.revoked_at = None
        role.save(update_fields=["active", "granted_by", "granted_at", "revoked_by", "revoked_at"])
    record_event(actor=by, verb="correspondent.granted", target=role, data=_audit_data(role))
    return role


def revoke_correspondent(*, role: InstituteCorrespondent, by: Any) -> InstituteCorrespondent:
    """End the role; the row stays, inactive, with who revoked it and when."""
    if not may_manage_correspondents(by):
        raise PermissionDenied
    with transaction.atomic():
        locked = (
            InstituteCorrespondent.objects.select_for_update(of=("self",))
            .select_related("user", "institute")
            .get(pk=role.pk)
        )
        if not locked.active:
            raise CorrespondentError(_("This role was already revoked."))
        locked.active = False
        locked.revoked_by = by
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["active", "revoked_by", "revoked_at"])
        record_event(
            actor=by, verb="correspondent.revoked", target=locked, data=_audit_data(locked)
        )
    forget_correspondent_roles(locked.user)
    return locked
