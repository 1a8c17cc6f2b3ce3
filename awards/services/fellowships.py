"""The fellowship a funded decision opens, from recruitment to its end.

One table of state changes (``TRANSITIONS``: state → allowed target → roles) and one funnel
(``move``) that checks it, saves the state and appends the audit event. Every public
function is one transaction: it locks the fellowship, validates, writes, audits and queues
the mails it causes. Money changes (the committed amount, what is released when a
fellowship is abandoned or ends early) are audited with the amounts before and after.
How a fellowship ends is in ``awards.services.endings``; the committed amount and the
call's award settings in ``awards.services.money``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.accounts.models import User
from aissai.accounts.services import absolute_url
from aissai.audit.services import record_event
from aissai.limits import REASON_MAX_CHARS
from aissai.notifications.links import secret_link
from aissai.notifications.models import OutboxMessage
from aissai.notifications.services import queue_mail
from awards.models import OPEN_STATES, Fellowship, FellowshipState, Suspension
from calls.models import Application, Call, FundingSource, Unit
from reviews.models import FundingDecision, FundingOutcome
from reviews.reasons import Reason, ReasonKind, reason_fields, stored_reason

from .dates import planned_end
from .errors import AwardError

STAFF = "staff"
COORDINATOR = "coordinator"
SYSTEM = "system"
CENT = Decimal("0.01")

S = FellowshipState

# state -> {allowed target: roles that may make the move}
TRANSITIONS: dict[str, dict[str, set[str]]] = {
    S.RECRUITING: {S.RECRUITED: {STAFF, COORDINATOR}, S.ABANDONED: {STAFF, SYSTEM}},
    S.RECRUITED: {S.RUNNING: {STAFF, COORDINATOR}, S.ABANDONED: {STAFF, SYSTEM}},
    S.RUNNING: {S.ENDED: {STAFF}, S.ABANDONED: {STAFF}},
    S.ENDED: {},
    S.ABANDONED: {},
}


def can_move(fellowship: Fellowship, to: str, as_role: str) -> bool:
    return as_role in TRANSITIONS.get(fellowship.state, {}).get(to, set())


def check_move(fellowship: Fellowship, to: str, as_role: str) -> None:
    if not can_move(fellowship, to, as_role):
        raise AwardError(
            _("A fellowship in the state “%(state)s” cannot become “%(target)s”.")
            % {"state": fellowship.get_state_display(), "target": S(to).label}
        )


def role_of(user: Any, fellowship: Fellowship) -> str | None:
    """How ``user`` acts on ``fellowship``: as programme staff, as the project's
    coordinator, or not at all (the fellow and correspondents only read)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_programme_staff", False):
        return STAFF
    if fellowship.application.coordinator_id == user.pk:
        return COORDINATOR
    return None


def require_role(user: Any, fellowship: Fellowship, *roles: str) -> str:
    role = role_of(user, fellowship)
    if role not in roles:
        raise AwardError(_("You may not do this on this fellowship."))
    return role


def clean_reason(reason: str, *, required: bool, message: str = "") -> str:
    reason = (reason or "").strip()[:REASON_MAX_CHARS]
    if required and not reason:
        raise AwardError(message or _("Give the reason."))
    return reason


def move(
    *,
    fellowship: Fellowship,
    to: str,
    by: Any,
    as_role: str,
    reason: str = "",
    data: dict[str, Any] | None = None,
    fields: tuple[str, ...] = (),
) -> Fellowship:
    """The one way a fellowship's state changes: check the table, save the new state (and
    ``fields`` the caller set), append the audit event (a ``Reason`` with its facts). Call
    it inside a transaction."""
    check_move(fellowship, to, as_role)
    if isinstance(reason, Reason):
        data = {"reason_kind": reason.kind, "reason_params": reason.params, **(data or {})}
    previous = fellowship.state
    fellowship.state = to
    fellowship.save(update_fields=["state", "updated_at", *fields])
    record_event(
        actor=by,
        verb=f"fellowship.{to}",
        target=fellowship,
        data={"from": previous, "to": to, "role": as_role, "reason": reason, **(data or {})},
    )
    return fellowship


def lock_fellowship(fellowship: Fellowship) -> Fellowship:
    return (
        Fellowship.objects.select_for_update(of=("self",))
        .select_related("application__call", "funding_source")
        .get(pk=fellowship.pk)
    )


def default_amount(source: FundingSource) -> Decimal | None:
    """The source's amount shared equally by the fellowships it pays for."""
    if source.amount is None:
        return None
    return (Decimal(source.amount) / source.fellowships).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Opening -------------------------------------------------------------------------


def open_fellowship(*, decision: FundingDecision, by: Any = None) -> Fellowship | None:
    """The fellowship of a current funded decision; nothing when the project already has
    a live one (safe to call twice)."""
    if not decision.is_current or decision.outcome != FundingOutcome.FUNDED:
        return None
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=decision.application_id)
        if application.fellowships.filter(state__in=OPEN_STATES + (S.ENDED,)).exists():
            return None
        source = decision.funding_source
        fellowship = Fellowship.objects.create(
            application=application,
            decision=decision,
            funding_source=source,
            committed_amount=default_amount(source),
            planned_months=application.call.fellowship_months,
        )
        record_event(
            actor=by,
            verb="fellowship.opened",
            target=fellowship,
            data={
                "application": application.pk,
                "decision": decision.pk,
                "source": source.pk,
                "committed_amount": fellowship.committed_amount,
                "planned_months": fellowship.planned_months,
            },
        )
    return fellowship


def open_missing_fellowships(*, call: Call, by: Any = None) -> list[Fellowship]:
    """A fellowship for every funded project of ``call`` that has none (decisions made
    before the awards were installed)."""
    decisions = FundingDecision.objects.filter(
        application__call=call, is_current=True, outcome=FundingOutcome.FUNDED
    ).select_related("funding_source", "application__call")
    opened = [open_fellowship(decision=decision, by=by) for decision in decisions]
    return [fellowship for fellowship in opened if fellowship is not None]


def abandon(fellowship: Fellowship, *, by: Any, as_role: str, reason: str) -> Fellowship:
    """Abandon a locked fellowship (its whole committed amount is released). A
    :class:`~reviews.reasons.Reason` is stored as facts, staff's words as text."""
    stored = {f"abandon_{name}": value for name, value in reason_fields(reason).items()}
    for name, value in stored.items():
        setattr(fellowship, name, value)
    fellowship.released_amount = fellowship.committed_amount or Decimal("0.00")
    return move(
        fellowship=fellowship,
        to=S.ABANDONED,
        by=by,
        as_role=as_role,
        reason=reason,
        data={"released": fellowship.released_amount},
        fields=(*stored, "released_amount"),
    )


def close_for_decision(*, decision: FundingDecision) -> list[Fellowship]:
    """A current decision that is not *funded* takes the place away: the project's
    fellowship still recruiting is abandoned and its money released."""
    if not decision.is_current or decision.outcome == FundingOutcome.FUNDED:
        return []
    closed = []
    with transaction.atomic():
        for fellowship in Fellowship.objects.select_for_update().filter(
            application_id=decision.application_id,
            state__in=(S.RECRUITING, S.RECRUITED),
        ):
            reason = stored_reason(
                decision.reason_kind, decision.reason_params, decision.reason
            ) or Reason(ReasonKind.DECISION_CHANGED)
            abandon(fellowship, by=decision.decided_by, as_role=SYSTEM, reason=reason)
            closed.append(fellowship)
    return closed


# --- Recruitment ---------------------------------------------------------------------


@dataclass
class Recruit:
    fellow_name: str
    fellow_email: str
    phd_date: date
    hosting_unit: Unit
    start_date: date


def hosting_units(application: Application) -> list[Unit]:
    """The project's units, where its fellow may be hosted."""
    return list(
        Unit.objects.filter(partnerships__application=application)
        .distinct()
        .order_by("label", "pk")
    )


def recompute_end(fellowship: Fellowship) -> None:
    if fellowship.start_date is None:
        fellowship.end_date = None
        return
    fellowship.end_date = planned_end(
        fellowship.start_date,
        fellowship.planned_months,
        fellowship.suspensions.values_list("starts_on", "ends_on"),
    )


def record_recruitment(*, fellowship: Fellowship, by: Any, recruit: Recruit) -> Fellowship:
    """The coordinator (or staff) records the recruited postdoc. The first time, the
    fellowship becomes *recruited*; later, the details are corrected. The fellow gets an
    account (created if needed) and an invitation mail when the address is new."""
    with transaction.atomic():
        fellowship = lock_fellowship(fellowship)
        role = require_role(by, fellowship, STAFF, COORDINATOR)
        if fellowship.state not in (S.RECRUITING, S.RECRUITED):
            raise AwardError(_("The recruitment of this fellowship can no longer be changed."))
        name = " ".join((recruit.fellow_name or "").split())[:200]
        email = User.objects.normalize_email(recruit.fellow_email)
        if not name or not email:
            raise AwardError(_("Give the fellow's name and e-mail address."))
        if recruit.hosting_unit.pk not in {u.pk for u in hosting_units(fellowship.application)}:
            raise AwardError(_("The hosting unit must be one of the project's units."))
        if recruit.phd_date > recruit.start_date:
            raise AwardError(_("The PhD must be defended before the fellowship starts."))
        email_changed = email != fellowship.fellow_email.lower()
        fellowship.fellow_name = name
        fellowship.fellow_email = email
        fellowship.phd_date = recruit.phd_date
        fellowship.hosting_unit = recruit.hosting_unit
        fellowship.start_date = recruit.start_date
        recompute_end(fellowship)
        if email_changed:
            fellowship.fellow = _fellow_account(name=name, email=email, by=by)
        fields = (
            "fellow_name",
            "fellow_email",
            "phd_date",
            "hosting_unit",
            "start_date",
            "end_date",
            "fellow",
        )
        data = {
            "fellow_email": email,
            "hosting_unit": recruit.hosting_unit.pk,
            "start_date": recruit.start_date,
            "end_date": fellowship.end_date,
        }
        if fellowship.state == S.RECRUITING:
            fellowship.recruited_at = timezone.now()
            move(
                fellowship=fellowship,
                to=S.RECRUITED,
                by=by,
                as_role=role,
                data=data,
                fields=(*fields, "recruited_at"),
            )
        else:
            fellowship.save(update_fields=[*fields, "updated_at"])
            record_event(
                actor=by, verb="fellowship.recruitment_updated", target=fellowship, data=data
            )
        if email_changed:
            invite_fellow(fellowship=fellowship)
    return fellowship


def _fellow_account(*, name: str, email: str, by: Any) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    user = User(email=email, full_name=name, language=getattr(by, "language", "") or "en")
    user.set_unusable_password()
    user.save()
    record_event(actor=by, verb="accounts.invited_as_fellow", target=user)
    return user


def invite_fellow(*, fellowship: Fellowship) -> OutboxMessage:
    """The fellow's invitation: a link to choose a password (the password-reset link, which
    also verifies the address) for a new account, the login page for an existing one."""
    user = fellowship.fellow
    if user.has_usable_password():
        account_url = absolute_url(reverse("accounts:login"))
    else:  # made when the mail is sent, never stored (aissai.notifications.links)
        account_url = secret_link("password_reset", user.pk)
    application = fellowship.application
    return queue_mail(
        event="award_fellow_invitation",
        to_email=user.email,
        to_name=fellowship.fellow_name,
        recipient=user,
        related=fellowship,
        context={
            "application": application,
            "call": application.call,
            "coordinator": application.coordinator,
            "start_date": fellowship.start_date,
            "end_date": fellowship.end_date,
            "new_account": not user.has_usable_password(),
            "account_url": account_url,
            "fellowship_url": absolute_url(reverse("awards:fellowship", args=[fellowship.pk])),
        },
    )


def start_fellowship(*, fellowship: Fellowship, by: Any) -> Fellowship:
    """The fellow has started: *recruited* → *running* (from the start date on)."""
    with transaction.atomic():
        fellowship = lock_fellowship(fellowship)
        role = require_role(by, fellowship, STAFF, COORDINATOR)
        check_move(fellowship, S.RUNNING, role)
        if fellowship.start_date > timezone.localdate():
            raise AwardError(_("A fellowship can be marked as started from its start date."))
        return move(fellowship=fellowship, to=S.RUNNING, by=by, as_role=role)


def add_suspension(
    *, fellowship: Fellowship, by: Any, starts_on: date, ends_on: date, reason: str
) -> Suspension:
    """A suspension (parental leave, illness): the end date moves by its length."""
    reason = clean_reason(reason, required=True)[:300]
    with transaction.atomic():
        fellowship = lock_fellowship(fellowship)
        require_role(by, fellowship, STAFF)
        if fellowship.state not in (S.RECRUITED, S.RUNNING):
            raise AwardError(_("Only a recruited or running fellowship can be suspended."))
        if ends_on < starts_on or starts_on < fellowship.start_date:
            raise AwardError(
                _("A suspension starts after the fellowship and ends after it starts.")
            )
        if fellowship.suspensions.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
            raise AwardError(_("This suspension overlaps another one."))
        before = fellowship.end_date
        suspension = Suspension.objects.create(
            fellowship=fellowship,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            recorded_by=by,
        )
        recompute_end(fellowship)
        fellowship.save(update_fields=["end_date", "updated_at"])
        record_event(
            actor=by,
            verb="fellowship.suspended",
            target=fellowship,
            data={
                "starts_on": starts_on,
                "ends_on": ends_on,
                "reason": reason,
                "end_date_before": before,
                "end_date": fellowship.end_date,
            },
        )
    return suspension
