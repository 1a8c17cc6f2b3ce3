"""Reads of the events of a call and of their answers (staff pages: the caller fetched
the call through ``calls.selectors.calls.staff_call_or_404``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from awards.models import Answer, Event, EventInvitation
from calls.models import Call


def events_of(call: Call) -> QuerySet[Event]:
    return Event.objects.filter(call=call).annotate(
        invited=Count("invitations"),
        attending=Count("invitations", filter=Q(invitations__answer=Answer.YES)),
    )


@dataclass
class Attendance:
    attending: list[EventInvitation] = field(default_factory=list)
    declined: list[EventInvitation] = field(default_factory=list)
    pending: list[EventInvitation] = field(default_factory=list)

    @property
    def invited(self) -> int:
        return len(self.attending) + len(self.declined) + len(self.pending)


def attendance(event: Event) -> Attendance:
    """The invitations of ``event`` by answer, each list by name. One query."""
    result = Attendance()
    groups = {Answer.YES: result.attending, Answer.NO: result.declined}
    for invitation in event.invitations.select_related("person").order_by(
        "person__full_name", "pk"
    ):
        groups.get(invitation.answer, result.pending).append(invitation)
    return result
