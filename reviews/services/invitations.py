"""The reviewer pool: invite experts to a call, resend, withdraw; the expert accepts
(linking or creating an account) or declines.

Every function is one transaction that writes the change, an audit event and the mails
it causes (queued in the outbox, delivered after commit). An invitation is answered once:
accepting or declining a link that expired, was withdrawn or was already answered raises
:class:`InvitationClosed` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.accounts.models import User
from aissai.accounts.services import absolute_url
from aissai.audit.services import record_event
from aissai.notifications.links import register_link, secret_link
from aissai.notifications.services import queue_mail
from calls.models import Call, CallStatus, Unit
from reviews.models import Expert, Invitation, InvitationStatus
from reviews.selectors.pool import (
    account_for_invitation,
    closed_reason,
    is_invitation_account,
    programme_staff_recipients,
)

INVITATION_VALID_DAYS = 21
DEFAULT_MAX_LOAD = 8
# Calls that take no new reviewers.
CLOSED_CALL_STATUSES = (CallStatus.DECIDED, CallStatus.ARCHIVED)


class InvitationError(Exception):
    """The action is not allowed; the message says why, in the user's language."""


class InvitationClosed(InvitationError):
    """The link can no longer be answered: expired, withdrawn or already answered."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(
            {
                "expired": _("This invitation has expired."),
                "accepted": _("This invitation was already accepted."),
                "declined": _("This invitation was already declined."),
                "withdrawn": _("This invitation was withdrawn."),
            }.get(reason, _("This invitation can no longer be answered."))
        )


@dataclass(frozen=True)
class ExpertData:
    """What staff enter about an expert (one form, or one CSV row)."""

    full_name: str
    email: str
    institution: str
    country: str = ""
    keywords: list[str] = field(default_factory=list)
    statement: str = ""
    orcid: str = ""
    unit: Unit | None = None
    language: str = "en"
    max_load: int = DEFAULT_MAX_LOAD


def new_expiry() -> Any:
    return timezone.now() + timedelta(days=INVITATION_VALID_DAYS)


def invitation_url(invitation: Invitation) -> str:
    return absolute_url(reverse("reviews:invitation", args=[invitation.token]))


def _invitation_url_of(ref: str) -> str | None:
    invitation = Invitation.objects.filter(pk=ref).first() if ref.isdigit() else None
    return invitation_url(invitation) if invitation is not None else None


def register_secret_links() -> None:
    """The expert's personal link, made when the mail is sent (notifications.links)."""
    register_link("reviewer_invitation", _invitation_url_of)


def _save_expert(*, data: ExpertData, by: Any) -> Expert:
    """Create the expert, or update the one with this address (any case).

    Blank optional values (country, statement, ORCID, unit, keywords) keep what is stored.
    """
    email = User.objects.normalize_email(data.email)
    expert = Expert.objects.select_for_update().filter(email__iexact=email).first()
    values: dict[str, Any] = {
        "full_name": data.full_name.strip(),
        "institution": data.institution.strip(),
        "language": data.language,
    }
    optional = {
        "country": data.country.strip(),
        "statement": data.statement.strip(),
        "orcid": data.orcid,
        "unit": data.unit,
        "keywords": list(data.keywords),
    }
    values.update({name: value for name, value in optional.items() if value})
    if expert is None:
        expert = Expert.objects.create(email=email, **values)
        record_event(actor=by, verb="reviews.expert_created", target=expert, data={"email": email})
        return expert
    changed = [name for name, value in values.items() if getattr(expert, name) != value]
    if changed:
        for name in changed:
            setattr(expert, name, values[name])
        expert.save(update_fields=changed)
        record_event(
            actor=by, verb="reviews.expert_updated", target=expert, data={"fields": changed}
        )
    return expert


def _queue_invitation_mail(invitation: Invitation) -> None:
    expert = invitation.expert
    inviter = invitation.invited_by
    queue_mail(
        event="reviewer_invitation",
        to_email=expert.email,
        to_name=expert.full_name,
        language=expert.language or "en",
        context={
            "call": invitation.call,
            "max_load": invitation.max_load,
            "review_deadline": invitation.call.review_deadline,
            "expires_at": invitation.expires_at,
            "invitation_url": secret_link("reviewer_invitation", invitation.pk),
            "inviter_name": inviter.full_name if inviter else "",
            "inviter_email": inviter.email if inviter else "",
        },
        recipient=expert.user,
        related=invitation,
    )


def invite_expert(*, call: Call, by: Any, data: ExpertData) -> Invitation:
    """Create or update the expert, invite them to ``call`` and queue the invitation mail."""
    if call.status in CLOSED_CALL_STATUSES:
        raise InvitationError(_("This call is decided or archived: it takes no new reviewers."))
    with transaction.atomic():
        expert = _save_expert(data=data, by=by)
        existing = Invitation.objects.filter(call=call, expert=expert).first()
        if existing is not None:
            raise InvitationError(
                _("%(email)s is already invited to this call (%(status)s).")
                % {"email": expert.email, "status": existing.get_status_display()}
            )
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    call=call,
                    expert=expert,
                    max_load=data.max_load,
                    invited_by=by,
                    sent_at=timezone.now(),
                    expires_at=new_expiry(),
                )
        except IntegrityError as exc:  # invited by someone else at the same moment
            raise InvitationError(
                _("%(email)s is already invited to this call.") % {"email": expert.email}
            ) from exc
        invitation.call = call
        invitation.expert = expert
        _queue_invitation_mail(invitation)
        record_event(
            actor=by,
            verb="reviews.invitation_sent",
            target=invitation,
            data={
                "call": call.slug,
                "email": expert.email,
                "max_load": data.max_load,
                "expires_at": invitation.expires_at,
            },
        )
    return invitation


def invite_experts(*, call: Call, by: Any, rows: Sequence[ExpertData]) -> list[Invitation]:
    """Invite every row, or none: the first error undoes the whole import."""
    with transaction.atomic():
        invitations = [invite_expert(call=call, by=by, data=row) for row in rows]
        record_event(
            actor=by,
            verb="reviews.invitations_imported",
            target=call,
            data={"count": len(invitations), "emails": [i.expert.email for i in invitations]},
        )
    return invitations


def _lock(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("call", "expert", "invited_by")
        .get(pk=invitation.pk)
    )


def resend_invitation(*, invitation: Invitation, by: Any) -> Invitation:
    """Mail the link again with a new expiry date; a withdrawn invitation is reinstated."""
    with transaction.atomic():
        invitation = _lock(invitation)
        if invitation.status not in (InvitationStatus.PENDING, InvitationStatus.WITHDRAWN):
            raise InvitationError(
                _("An invitation that was %(status)s cannot be sent again.")
                % {"status": invitation.get_status_display().lower()}
            )
        previous = closed_reason(invitation) or invitation.status
        invitation.status = InvitationStatus.PENDING
        invitation.sent_at = timezone.now()
        invitation.expires_at = new_expiry()
        invitation.save(update_fields=["status", "sent_at", "expires_at"])
        _queue_invitation_mail(invitation)
        record_event(
            actor=by,
            verb="reviews.invitation_resent",
            target=invitation,
            data={"previous_status": previous, "expires_at": invitation.expires_at},
        )
    return invitation


def withdraw_invitation(*, invitation: Invitation, by: Any) -> Invitation:
    """Staff withdraw an invitation (waiting, or accepted with no active assignment)."""
    with transaction.atomic():
        invitation = _lock(invitation)
        if invitation.status not in (InvitationStatus.PENDING, InvitationStatus.ACCEPTED):
            raise InvitationError(
                _("An invitation that was %(status)s cannot be withdrawn.")
                % {"status": invitation.get_status_display().lower()}
            )
        if invitation.assignments.filter(is_active=True).exists():
            raise InvitationError(
                _("This reviewer has assignments: end them before withdrawing the invitation.")
            )
        previous = invitation.status
        invitation.status = InvitationStatus.WITHDRAWN
        invitation.save(update_fields=["status"])
        record_event(
            actor=by,
            verb="reviews.invitation_withdrawn",
            target=invitation,
            data={"previous_status": previous},
        )
    return invitation


def _lock_open(invitation: Invitation) -> Invitation:
    invitation = _lock(invitation)
    reason = closed_reason(invitation)
    if reason:
        raise InvitationClosed(reason)
    return invitation


def accept_invitation(*, invitation: Invitation, user: User) -> Invitation:
    """The expert, logged in as the account the invitation belongs to, accepts it."""
    with transaction.atomic():
        invitation = _lock_open(invitation)
        expert = Expert.objects.select_for_update().get(pk=invitation.expert_id)
        invitation.expert = expert
        if not is_invitation_account(invitation, user):
            raise InvitationError(
                _("This invitation was sent to %(email)s: log in with that address to accept it.")
                % {"email": expert.email}
            )
        if expert.user_id is None:
            if Expert.objects.filter(user=user).exclude(pk=expert.pk).exists():
                raise InvitationError(
                    _("Your account is already linked to another expert profile.")
                )
            expert.user = user
            expert.save(update_fields=["user"])
        invitation.status = InvitationStatus.ACCEPTED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["status", "responded_at"])
        record_event(
            actor=user,
            verb="reviews.invitation_accepted",
            target=invitation,
            data={"call": invitation.call.slug, "user": user.pk},
        )
    return invitation


def create_account_and_accept(
    *, invitation: Invitation, full_name: str, password: str, language: str
) -> User:
    """An expert without an account creates one from the link and accepts.

    The address is verified: following the personal link sent to it proves it.
    """
    with transaction.atomic():
        invitation = _lock_open(invitation)
        if account_for_invitation(invitation) is not None:
            raise InvitationError(
                _("An account with this address exists already: log in to accept.")
            )
        email = invitation.expert.email
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email,
                    password,
                    full_name=full_name.strip(),
                    language=language,
                    email_verified_at=timezone.now(),
                )
        except IntegrityError as exc:
            raise InvitationError(
                _("An account with this address exists already: log in to accept.")
            ) from exc
        record_event(
            actor=user,
            verb="accounts.signed_up_from_invitation",
            target=user,
            data={"invitation": invitation.pk, "language": language},
        )
        accept_invitation(invitation=invitation, user=user)
    return user


def decline_invitation(
    *, invitation: Invitation, reason: str = "", suggested_colleague: str = "", by: Any = None
) -> Invitation:
    """The expert declines; every programme staff member is told by e-mail."""
    with transaction.atomic():
        invitation = _lock_open(invitation)
        invitation.status = InvitationStatus.DECLINED
        invitation.responded_at = timezone.now()
        invitation.decline_reason = reason.strip()
        invitation.suggested_colleague = suggested_colleague.strip()
        invitation.save(
            update_fields=["status", "responded_at", "decline_reason", "suggested_colleague"]
        )
        record_event(
            actor=by,
            verb="reviews.invitation_declined",
            target=invitation,
            data={
                "reason": invitation.decline_reason,
                "suggested_colleague": invitation.suggested_colleague,
            },
        )
        pool_url = absolute_url(reverse("reviews:pool", args=[invitation.call.slug]))
        for staff in programme_staff_recipients():
            queue_mail(
                event="invitation_declined",
                to_email=staff.email,
                to_name=staff.full_name,
                context={
                    "call": invitation.call,
                    "expert": invitation.expert,
                    "reason": invitation.decline_reason,
                    "suggested_colleague": invitation.suggested_colleague,
                    "pool_url": pool_url,
                },
                recipient=staff,
                related=invitation,
            )
    return invitation
