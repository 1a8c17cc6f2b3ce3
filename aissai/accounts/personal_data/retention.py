"""When the retention period of a person's data ends."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.accounts.models import User

from .registry import Participation, Person, holders


@dataclass(frozen=True)
class RetentionStatus:
    """When the retention period ends, and what still holds it open."""

    last_activity: datetime | None
    ongoing: list[str] = field(default_factory=list)  # calls still running, active roles
    ends_at: datetime | None = None

    @property
    def over(self) -> bool:
        return not self.ongoing and self.ends_at is not None and self.ends_at <= timezone.now()

    def refusal(self) -> str:
        """Why the person may not be anonymised yet."""
        if self.ongoing:
            return _("The retention period has not started: %(what)s.") % {
                "what": "; ".join(self.ongoing)
            }
        if self.ends_at is None:
            return _("Nothing is held about this e-mail address.")
        return _("The retention period runs until %(date)s.") % {
            "date": timezone.localtime(self.ends_at).date().isoformat()
        }


def calls_of(person: Person) -> dict[int, Participation]:
    """Every call the person took part in (as coordinator, partner lead, reviewer...), as
    the apps holding their data report it, with the moments each call needed them."""
    calls: dict[int, Participation] = {}
    for holder in holders():
        if holder.participation is None:
            continue
        for item in holder.participation(person):
            seen = calls.get(item.call_id)
            moments = (*seen.moments, *item.moments) if seen else item.moments
            calls[item.call_id] = Participation(
                call_id=item.call_id, label=item.label, finished=item.finished, moments=moments
            )
    finished = [pk for pk, item in calls.items() if item.finished]
    for holder in holders():
        if holder.call_moments is None or not finished:
            continue
        for pk, moments in holder.call_moments(finished).items():
            item = calls[pk]
            calls[pk] = Participation(
                call_id=pk, label=item.label, finished=True, moments=(*item.moments, *moments)
            )
    return dict(sorted(calls.items()))


def retention_status(*, email: str, user: User | None = None) -> RetentionStatus:
    """A person's data may be anonymised once every call they took part in is decided (or
    archived), they hold no staff or correspondent role, and ``AISSAI_RETENTION_DAYS``
    have passed since the last of those calls ended or they last logged in, whichever
    is later."""
    user = user or User.objects.filter(email__iexact=email).first()
    person = Person(email=email, user=user)
    ongoing: list[str] = []
    moments: list[datetime] = []
    for call in calls_of(person).values():
        if call.finished:
            moments.append(max(m for m in call.moments if m is not None))
        else:
            ongoing.append(_("the call “%(call)s” is not decided") % {"call": call.label})
    if user is not None:
        moments += [m for m in (user.last_login, user.date_joined) if m is not None]
        if user.is_programme_staff or user.is_staff or user.is_superuser:
            ongoing.append(_("the person holds a staff role"))
    for holder in holders():
        if holder.ongoing_roles is not None:
            ongoing += holder.ongoing_roles(person)
    last = max(moments) if moments else None
    ends_at = last + timedelta(days=settings.AISSAI_RETENTION_DAYS) if last else None
    return RetentionStatus(last_activity=last, ongoing=ongoing, ends_at=ends_at)
