"""What the awards app holds about a person, registered with
``aissai.accounts.personal_data`` (see its ``registry``): the fellowships whose fellow
they are, the donor contacts under their address and their answers to fellowship events.
A fellowship still open (recruiting, recruited or running) keeps the retention period from
starting."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from aissai.accounts.personal_data.common import PLACEHOLDER_NAME, by_email, placeholder_email
from aissai.accounts.personal_data.registry import Holder, Person
from awards.models import DonorContact, EventInvitation, Fellowship
from awards.models.fellowships import OPEN_STATES


def _fellowships(person: Person):
    query = by_email("fellow_email", person.email)
    if person.user is not None:
        query |= Q(fellow=person.user)
    return Fellowship.objects.filter(query)


def _export(person: Person) -> dict[str, Any]:
    fellowships = _fellowships(person).select_related(
        "application__call", "hosting_unit", "funding_source"
    )
    invitations = (
        EventInvitation.objects.filter(person=person.user).select_related("event")
        if person.user is not None
        else EventInvitation.objects.none()
    )
    contacts = DonorContact.objects.filter(by_email("email", person.email)).select_related(
        "funding_source"
    )
    return {
        "fellowships": [
            {
                "application": f.application.reference,
                "call": f.application.call.title_en,
                "state": f.state,
                "fellow_name": f.fellow_name,
                "fellow_email": f.fellow_email,
                "phd_date": f.phd_date,
                "hosting_unit": f.hosting_unit.label if f.hosting_unit else "",
                "start_date": f.start_date,
                "end_date": f.end_date,
                "ended_on": f.ended_on,
            }
            for f in fellowships.order_by("pk")
        ],
        "event_answers": [
            {
                "event": i.event.title_en,
                "starts_at": i.event.starts_at,
                "role": i.role,
                "answer": i.answer,
                "answered_at": i.answered_at,
            }
            for i in invitations.order_by("pk")
        ],
        "donor_contact_entries": [
            {"funding_source": c.funding_source.name, "full_name": c.full_name, "team": c.team}
            for c in contacts.order_by("pk")
        ],
    }


def _anonymise(person: Person, token: str, by: Any) -> dict[str, int]:
    return {
        "fellowships": _fellowships(person).update(
            fellow_name=PLACEHOLDER_NAME,
            fellow_email=placeholder_email(token, "fellow-"),
            phd_date=None,
        ),
        "donor_contacts": DonorContact.objects.filter(by_email("email", person.email)).update(
            full_name=PLACEHOLDER_NAME, email="", team=""
        ),
    }


def _ongoing_roles(person: Person) -> list[str]:
    if _fellowships(person).filter(state__in=OPEN_STATES).exists():
        return [_("the person is the fellow of a fellowship still open")]
    return []


HOLDER = Holder(
    label="awards",
    export=_export,
    anonymise=_anonymise,
    ongoing_roles=_ongoing_roles,
)
