"""When the retention period of a person's data ends."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.accounts.models import User

from .common import experts_of, model

FINISHED_CALL_STATUSES = ("decided", "archived")


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


def calls_of(user: User | None, email: str) -> models.QuerySet:
    """Every call the person took part in: as coordinator, partner lead or reviewer."""
    call = model("calls.Call")
    query = Q(applications__partners__lead_email__iexact=email) | Q(
        invitations__expert__in=experts_of(user, email)
    )
    if user is not None:
        query |= Q(applications__coordinator=user)
    return call.objects.filter(pk__in=call.objects.filter(query).values("pk")).order_by("pk")


def call_ended_at(call) -> datetime:
    """The last moment the call needed its people: the latest of its deadlines, its last
    funding decision and the milestones of its selection."""
    moments = [call.closes_at, call.review_deadline]
    decisions = model("reviews.FundingDecision").objects.filter(application__call=call)
    moments.append(decisions.aggregate(at=Max("decided_at"))["at"])
    selection = model("reviews.Selection").objects.filter(call=call).first()
    if selection is not None:
        moments += [selection.published_at, selection.closed_at]
    return max(m for m in moments if m is not None)


def retention_status(*, email: str, user: User | None = None) -> RetentionStatus:
    """A person's data may be anonymised once every call they took part in is decided (or
    archived), they hold no staff or correspondent role, and ``AISSAI_RETENTION_DAYS``
    have passed since the last of those calls ended or they last logged in, whichever
    is later."""
    user = user or User.objects.filter(email__iexact=email).first()
    ongoing: list[str] = []
    moments: list[datetime] = []
    for call in calls_of(user, email):
        if call.status in FINISHED_CALL_STATUSES:
            moments.append(call_ended_at(call))
        else:
            ongoing.append(_("the call “%(call)s” is not decided") % {"call": call})
    if user is not None:
        moments += [m for m in (user.last_login, user.date_joined) if m is not None]
        if user.is_programme_staff or user.is_staff or user.is_superuser:
            ongoing.append(_("the person holds a staff role"))
        correspondents = model("calls.InstituteCorrespondent").objects
        if correspondents.filter(user=user, active=True).exists():
            ongoing.append(_("the person is an active institute correspondent"))
    last = max(moments) if moments else None
    ends_at = last + timedelta(days=settings.AISSAI_RETENTION_DAYS) if last else None
    return RetentionStatus(last_activity=last, ongoing=ongoing, ends_at=ends_at)
