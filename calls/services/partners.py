"""Partner units of an application and their leads' confirmations."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.notifications.links import register_link, secret_link
from aissai.notifications.services import queue_mail
from calls.models import Application, ApplicationStatus, CallStatus, Partner, Unit
from calls.selectors.applications import unit_institutes
from calls.services.applications import ApplicationError, lock_draft

RESEND_AFTER = timedelta(minutes=10)


def _same_email(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _institute_list(institutes) -> str:
    return ", ".join(str(i) for i in institutes)


def _validated_unit(application: Application, unit_id: Any) -> Unit:
    unit = (
        Unit.objects.filter(pk=unit_id).prefetch_related("secondary_institutes").first()
        if str(unit_id or "").isdigit()
        else None
    )
    if unit is None:
        raise ValidationError(
            {"unit": _("This unit does not exist: choose a unit from the search results.")}
        )
    if not unit.is_active:
        raise ValidationError(
            {
                "unit": _("%(unit)s is no longer an active unit and cannot take part.")
                % {"unit": unit}
            }
        )
    if application.partners.filter(unit=unit).exists():
        raise ValidationError(
            {"unit": _("%(unit)s is already a partner of this application.") % {"unit": unit}}
        )
    return unit


def _validated_lead(lead_name: str, lead_email: str) -> tuple[str, str]:
    errors = {}
    lead_name = (lead_name or "").strip()
    lead_email = (lead_email or "").strip()
    if not lead_name:
        errors["lead_name"] = _("Give the name of the lead scientist in this unit.")
    elif len(lead_name) > 200:
        errors["lead_name"] = _("At most %(limit)d characters.") % {"limit": 200}
    if not lead_email:
        errors["lead_email"] = _("Give the e-mail address of the lead scientist in this unit.")
    else:
        try:
            validate_email(lead_email)
        except ValidationError:
            errors["lead_email"] = _(
                "“%(value)s” is not an e-mail address (for example: name@lab.cnrs.fr)."
            ) % {"value": lead_email[:100]}
    if errors:
        raise ValidationError(errors)
    return lead_name, lead_email


def _validated_partner(
    locked: Application, unit_id: Any, institute_id: Any, lead_name: str, lead_email: str
) -> tuple:
    """The unit, its institute and the lead's name and email, or one ValidationError
    that names every field in error."""
    errors: dict[str, list] = {}
    unit = None
    try:
        unit = _validated_unit(locked, unit_id)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        lead_name, lead_email = _validated_lead(lead_name, lead_email)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    institute = None
    if unit is not None:
        allowed = unit_institutes(unit)
        institute = next((i for i in allowed if str(i.pk) == str(institute_id)), None)
        if institute is None:
            errors["institute"] = [
                _("%(unit)s can take part under: %(institutes)s. Choose one of them.")
                % {"unit": unit, "institutes": _institute_list(allowed)}
            ]
    if errors:
        raise ValidationError(errors)
    return unit, institute, lead_name, lead_email


def add_partner(
    *,
    application: Application,
    by: Any,
    unit_id: Any,
    institute_id: Any,
    lead_name: str,
    lead_email: str,
) -> Partner:
    """Add a partner unit under one of its institutes; its lead is asked to confirm by mail
    (a lead who is the coordinator is confirmed at once). Raises ValidationError by field."""
    with transaction.atomic():
        locked = lock_draft(application=application, by=by)
        unit, institute, lead_name, lead_email = _validated_partner(
            locked, unit_id, institute_id, lead_name, lead_email
        )
        coordinating = _same_email(lead_email, locked.coordinator.email)
        now = timezone.now()
        position = (locked.partners.aggregate(m=Max("position"))["m"] or 0) + 1
        try:
            with transaction.atomic():
                partner = Partner.objects.create(
                    application=locked,
                    unit=unit,
                    institute=institute,
                    lead_name=lead_name,
                    lead_email=lead_email,
                    is_coordinating=coordinating,
                    confirmed_at=now if coordinating else None,
                    confirmation_sent_at=None if coordinating else now,
                    position=position,
                )
        except IntegrityError as exc:
            raise ValidationError(
                {"unit": _("%(unit)s is already a partner of this application.") % {"unit": unit}}
            ) from exc
        record_event(
            actor=by,
            verb="application.partner_added",
            target=locked,
            data={"unit": unit.label, "institute": institute.acronym, "lead_email": lead_email},
        )
        if not coordinating:
            _queue_confirmation(partner, locked)
    return partner


def remove_partner(*, application: Application, by: Any, partner: Partner) -> None:
    with transaction.atomic():
        locked = lock_draft(application=application, by=by)
        row = locked.partners.select_related("unit").filter(pk=partner.pk).first()
        if row is None:
            raise ApplicationError(_("This partner is no longer part of the application."))
        row.delete()
        record_event(
            actor=by,
            verb="application.partner_removed",
            target=locked,
            data={"unit": row.unit.label, "lead_email": row.lead_email},
        )


def _queue_confirmation(partner: Partner, application: Application) -> None:
    coordinator = application.coordinator
    lead_user = get_user_model().objects.filter(email__iexact=partner.lead_email).first()
    queue_mail(
        event="partner_confirmation",
        to_email=partner.lead_email,
        to_name=partner.lead_name,
        language=lead_user.language if lead_user else coordinator.language,
        recipient=lead_user,
        related=application,
        context={
            # The template reads application.call.title while the mail is rendered in the
            # lead's language; a title read here would follow the coordinator's request.
            "application": application,
            "coordinator_name": coordinator.full_name,
            "unit": str(partner.unit),
            "confirm_url": secret_link("partner_confirmation", partner.pk),
        },
    )


def confirmation_url(partner: Partner) -> str:
    path = reverse("calls:partner_confirm", args=[partner.confirmation_token])
    return f"{settings.SITE_URL}{path}"


def _confirmation_url_of(ref: str) -> str | None:
    partner = Partner.objects.filter(pk=ref).first() if ref.isdigit() else None
    return confirmation_url(partner) if partner is not None else None


def register_secret_links() -> None:
    """The partner's personal link, made when the mail is sent (notifications.links)."""
    register_link("partner_confirmation", _confirmation_url_of)


def resend_confirmation(*, application: Application, by: Any, partner: Partner) -> Partner:
    """Send the confirmation request again (at most once every ten minutes)."""
    with transaction.atomic():
        locked = (
            Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        )
        if locked.coordinator_id != getattr(by, "pk", None):
            raise ApplicationError(_("Only the coordinator of this application may do this."))
        if locked.status not in {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED}:
            raise ApplicationError(_("Confirmations can no longer be requested."))
        row = locked.partners.select_for_update().filter(pk=partner.pk).first()
        if row is None:
            raise ApplicationError(_("This partner is no longer part of the application."))
        if row.confirmed_at is not None:
            raise ApplicationError(_("%(name)s has already confirmed.") % {"name": row.lead_name})
        now = timezone.now()
        if row.confirmation_sent_at and now - row.confirmation_sent_at < RESEND_AFTER:
            raise ApplicationError(
                _("A request was sent to %(name)s less than ten minutes ago.")
                % {"name": row.lead_name}
            )
        row.confirmation_sent_at = now
        row.save(update_fields=["confirmation_sent_at"])
        _queue_confirmation(row, locked)
        record_event(
            actor=by,
            verb="application.partner_confirmation_resent",
            target=locked,
            data={"lead_email": row.lead_email},
        )
    return row


class LinkState:
    """What a partner lead's link still does."""

    OPEN = "open"  # shows the application and the Confirm button
    ANSWERED = "answered"  # used: the lead confirmed
    EXPIRED = "expired"  # the call is closed
    WITHDRAWN = "withdrawn"  # the application was withdrawn


def partner_link_state(partner: Partner, *, now: Any = None) -> str:
    """Once the lead has answered, or the call has closed, the link shows no application."""
    application = partner.application
    if application.status == ApplicationStatus.WITHDRAWN:
        return LinkState.WITHDRAWN
    if partner.confirmed_at is not None:
        return LinkState.ANSWERED
    call = application.call
    if call.status != CallStatus.OPEN or call.deadline_passed(now):
        return LinkState.EXPIRED
    return LinkState.OPEN


def confirm_partner(*, token: Any) -> Partner:
    """The partner lead confirms from their personal link; confirming twice changes nothing."""
    with transaction.atomic():
        partner = Partner.objects.select_for_update().get(confirmation_token=token)
        application = partner.application
        if application.status == ApplicationStatus.WITHDRAWN:
            raise ApplicationError(_("This application was withdrawn."))
        if partner.confirmed_at is None:
            partner.confirmed_at = timezone.now()
            partner.save(update_fields=["confirmed_at"])
            record_event(
                actor=None,
                verb="application.partner_confirmed",
                target=application,
                data={"lead_email": partner.lead_email, "partner": partner.pk},
            )
    return partner
