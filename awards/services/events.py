"""Events of a call's fellowships: staff create one and invite the fellows, the
coordinators and the institute correspondents of the funded projects; each person answers
through a signed link in the mail, without signing in, and may change the answer until
the event's ``answers_until``; one reminder before the event.

Each function is one transaction with its audit event and its mails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.accounts.services import absolute_url
from aissai.audit.services import record_event
from aissai.notifications.links import register_link, secret_link
from aissai.notifications.services import queue_mail
from awards.models import (
    OPEN_STATES,
    Answer,
    Event,
    EventInvitation,
    Fellowship,
    FellowshipState,
    InviteeRole,
)
from calls.models import Call, InstituteCorrespondent

from .errors import AwardError

RSVP_SALT = "awards.event-rsvp"
INVITED_STATES = (*OPEN_STATES, FellowshipState.ENDED)


@dataclass
class EventData:
    title_en: str
    title_fr: str
    starts_at: datetime
    answers_until: datetime
    place: str = ""
    video_url: str = ""
    programme_en: str = ""
    programme_fr: str = ""


def _require_staff(by: Any) -> None:
    if not getattr(by, "is_programme_staff", False):
        raise AwardError(_("Only programme staff can do this."))


def create_event(*, call: Call, by: Any, data: EventData) -> Event:
    _require_staff(by)
    if not data.title_en.strip() or not data.title_fr.strip():
        raise AwardError(_("Give the event's title in English and in French."))
    if not data.place.strip() and not data.video_url.strip():
        raise AwardError(_("Give a place or a video link."))
    if data.answers_until > data.starts_at:
        raise AwardError(_("Answers must close before the event starts."))
    with transaction.atomic():
        event = Event.objects.create(call=call, created_by=by, **vars(data))
        record_event(
            actor=by,
            verb="call.event_created",
            target=call,
            data={"event": event.pk, "title": event.title_en, "starts_at": event.starts_at},
        )
    return event


def rsvp_token(invitation: EventInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "e": invitation.event_id}, salt=RSVP_SALT)


def invitation_for_token(token: str) -> EventInvitation | None:
    """The invitation a link answers, or None for a forged or damaged link."""
    try:
        payload = signing.loads(token, salt=RSVP_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    return (
        EventInvitation.objects.select_related("event__call", "person")
        .filter(pk=payload.get("i"), event_id=payload.get("e"))
        .first()
    )


def rsvp_url(invitation: EventInvitation) -> str:
    return absolute_url(reverse("awards:rsvp", args=[rsvp_token(invitation)]))


def _rsvp_url_of(ref: str) -> str | None:
    invitation = EventInvitation.objects.filter(pk=ref).first() if ref.isdigit() else None
    return rsvp_url(invitation) if invitation is not None else None


def register_secret_links() -> None:
    """The invitee's answer link, made when the mail is sent (notifications.links)."""
    register_link("award_event_rsvp", _rsvp_url_of)


def invitees(call: Call) -> list[tuple[Any, str, str]]:
    """(person, role, project) for each person to invite: the fellows and coordinators of
    the call's fellowships not abandoned, and the active correspondents of the institutes
    under which their units take part. One person once, in that order of roles."""
    fellowships = list(
        Fellowship.objects.filter(application__call=call, state__in=INVITED_STATES)
        .select_related("application__coordinator", "fellow")
        .prefetch_related("application__partners")
        .order_by("application__reference", "pk")
    )
    people: dict[int, tuple[Any, str, str]] = {}
    for fellowship in fellowships:
        project = str(fellowship.application)
        if fellowship.fellow is not None:
            people.setdefault(
                fellowship.fellow.pk, (fellowship.fellow, InviteeRole.FELLOW, project)
            )
    for fellowship in fellowships:
        coordinator = fellowship.application.coordinator
        people.setdefault(
            coordinator.pk, (coordinator, InviteeRole.COORDINATOR, str(fellowship.application))
        )
    institutes = {
        partner.institute_id
        for fellowship in fellowships
        for partner in fellowship.application.partners.all()
        if partner.institute_id
    }
    for role in (
        InstituteCorrespondent.objects.active()
        .filter(institute_id__in=institutes)
        .select_related("user", "institute")
        .order_by("institute__acronym", "pk")
    ):
        # The acronym reads the same in every language; the stored text is not translated.
        people.setdefault(
            role.user.pk, (role.user, InviteeRole.CORRESPONDENT, role.institute.acronym)
        )
    return list(people.values())


def invite_people(*, event: Event, by: Any) -> list[EventInvitation]:
    """Invite everyone concerned who is not invited yet (safe to run again, after a
    recruitment); each new invitee gets the mail with their answer link."""
    _require_staff(by)
    with transaction.atomic():
        event = Event.objects.select_for_update().select_related("call").get(pk=event.pk)
        if event.answers_until <= timezone.now():
            raise AwardError(_("Answers for this event are closed: nobody more can be invited."))
        already = set(event.invitations.values_list("person_id", flat=True))
        created = []
        for person, role, project in invitees(event.call):
            if person.pk in already:
                continue
            invitation = EventInvitation.objects.create(
                event=event, person=person, role=role, project=project[:300]
            )
            _mail(invitation, "award_event_invitation")
            created.append(invitation)
        record_event(
            actor=by,
            verb="call.event_invited",
            target=event.call,
            data={"event": event.pk, "invited": [i.person_id for i in created]},
        )
    return created


def _mail(invitation: EventInvitation, event_name: str) -> None:
    person = invitation.person
    queue_mail(
        event=event_name,
        to_email=person.email,
        to_name=person.full_name,
        recipient=person,
        related=invitation,
        context={
            "event": invitation.event,
            "call": invitation.event.call,
            "attending": invitation.answer == Answer.YES,
            "rsvp_url": secret_link("award_event_rsvp", invitation.pk),
        },
    )


def answer(*, invitation: EventInvitation, attends: bool) -> EventInvitation:
    """The person's answer (through the signed link): may change until ``answers_until``."""
    with transaction.atomic():
        invitation = (
            EventInvitation.objects.select_for_update(of=("self",))
            .select_related("event", "person")
            .get(pk=invitation.pk)
        )
        if timezone.now() > invitation.event.answers_until:
            raise AwardError(_("Answers for this event are closed."))
        previous = invitation.answer
        invitation.answer = Answer.YES if attends else Answer.NO
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["answer", "answered_at"])
        record_event(
            actor=invitation.person,
            verb="event.answered",
            target=invitation.event,
            data={"person": invitation.person_id, "from": previous, "to": invitation.answer},
        )
    return invitation


def send_event_reminders(*, now: datetime | None = None) -> int:
    """One reminder to each invitee who did not decline, the days before the event
    (``AWARD_EVENT_REMINDER_DAYS``): marked with a conditional update, so a second run,
    or two at once, sends nothing more."""
    now = now or timezone.now()
    window = timedelta(days=settings.AWARD_EVENT_REMINDER_DAYS)
    due = EventInvitation.objects.filter(
        Q(event__starts_at__gt=now, event__starts_at__lte=now + window),
        reminded_at__isnull=True,
    ).exclude(answer=Answer.NO)
    sent = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            if not EventInvitation.objects.filter(pk=pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            invitation = EventInvitation.objects.select_related("event__call", "person").get(pk=pk)
            _mail(invitation, "award_event_reminder")
            record_event(
                actor=None,
                verb="event.reminder_sent",
                target=invitation.event,
                data={"person": invitation.person_id},
            )
            sent += 1
    return sent
