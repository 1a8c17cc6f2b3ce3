"""The fellowship a funded decision opens, from recruitment to its end.

One table of state changes (``TRANSITIONS``: state → allowed target → roles) and one funnel
(``move``) that checks it, saves the state and appends the audit event. Every public
function is one transaction: it locks the fellowship, validates, writes, audits and queues
the mails it causes. Money changes (the committed amount, what is released when a
fellowship is abandoned or ends early) are audited with the amounts before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
from aissai.notifications.links import secret_link
from aissai.notifications.models import OutboxMessage
from aissai.notifications.services import queue_mail
from awards.models import OPEN_STATES, AwardSettings, Fellowship, FellowshipState, Suspension
from calls.models import Application, Call, FundingSource, Unit
from reviews.models import FundingDecision, FundingOutcome
from reviews.services.decisions import record_decline
from reviews.services.lists import DecisionError

from .dates import planned_end
from .errors import AwardError

STAFF = "staff"
COORDINATOR = "coordinator"
SYSTEM = "system"
REASON_MAX_CHARS = 2000
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


def _require(user: Any, fellowship: Fellowship, *roles: str) -> str:
    role = role_of(user, fellowship)
    if role not in roles:
        raise AwardError(_("You may not do this on this fellowship."))
    return role


def _reason(reason: str, *, required: bool, message: str = "") -> str:
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
    ``fields`` the caller set), append the audit event. Call it inside a transaction."""
    check_move(fellowship, to, as_role)
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


def _lock(fellowship: Fellowship) -> Fellowship:
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
            reason = decision.reason_text or _("The funding decision changed.")
            _abandon(fellowship, by=decision.decided_by, as_role=SYSTEM, reason=reason)
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
        fellowship = _lock(fellowship)
        role = _require(by, fellowship, STAFF, COORDINATOR)
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
        fellowship = _lock(fellowship)
        role = _require(by, fellowship, STAFF, COORDINATOR)
        check_move(fellowship, S.RUNNING, role)
        if fellowship.start_date > timezone.localdate():
            raise AwardError(_("A fellowship can be marked as started from its start date."))
        return move(fellowship=fellowship, to=S.RUNNING, by=by, as_role=role)


def add_suspension(
    *, fellowship: Fellowship, by: Any, starts_on: date, ends_on: date, reason: str
) -> Suspension:
    """A suspension (parental leave, illness): the end date moves by its length."""
    reason = _reason(reason, required=True)[:300]
    with transaction.atomic():
        fellowship = _lock(fellowship)
        _require(by, fellowship, STAFF)
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


# --- Ending, abandoning, recruitment failure -----------------------------------------


def unused_share(fellowship: Fellowship, ended_on: date) -> Decimal:
    """The committed amount of the days after ``ended_on`` (pro rata of the planned days)."""
    if fellowship.committed_amount is None or ended_on >= fellowship.end_date:
        return Decimal("0.00")
    total = (fellowship.end_date - fellowship.start_date).days + 1
    unused = (fellowship.end_date - ended_on).days
    share = Decimal(fellowship.committed_amount) * unused / total
    return share.quantize(CENT, rounding=ROUND_HALF_UP)


def end_fellowship(
    *, fellowship: Fellowship, by: Any, ended_on: date, reason: str = ""
) -> Fellowship:
    """Staff record the end. Ended before the planned end date, the unused share of the
    committed amount is released."""
    with transaction.atomic():
        fellowship = _lock(fellowship)
        _require(by, fellowship, STAFF)
        check_move(fellowship, S.ENDED, STAFF)
        if ended_on < fellowship.start_date:
            raise AwardError(_("A fellowship ends after it starts."))
        early = ended_on < fellowship.end_date
        reason = _reason(
            reason,
            required=early,
            message=_("Give the reason why the fellowship ends before its planned end date."),
        )
        fellowship.ended_on = ended_on
        fellowship.released_amount = unused_share(fellowship, ended_on)
        return move(
            fellowship=fellowship,
            to=S.ENDED,
            by=by,
            as_role=STAFF,
            reason=reason,
            data={"ended_on": ended_on, "early": early, "released": fellowship.released_amount},
            fields=("ended_on", "released_amount"),
        )


def _abandon(fellowship: Fellowship, *, by: Any, as_role: str, reason: str) -> Fellowship:
    fellowship.abandon_reason = reason
    fellowship.released_amount = fellowship.committed_amount or Decimal("0.00")
    return move(
        fellowship=fellowship,
        to=S.ABANDONED,
        by=by,
        as_role=as_role,
        reason=reason,
        data={"released": fellowship.released_amount},
        fields=("abandon_reason", "released_amount"),
    )


def abandon_fellowship(*, fellowship: Fellowship, by: Any, reason: str) -> Fellowship:
    """Staff abandon a fellowship (the fellow left); its committed amount is released. The
    project keeps its funded decision: for a recruitment that failed, see
    ``record_recruitment_failure``."""
    reason = _reason(reason, required=True)
    with transaction.atomic():
        fellowship = _lock(fellowship)
        _require(by, fellowship, STAFF)
        return _abandon(fellowship, by=by, as_role=STAFF, reason=reason)


@dataclass
class FailureResult:
    fellowship: Fellowship
    promoted: list[Application] = field(default_factory=list)
    mails: list[OutboxMessage] = field(default_factory=list)


def record_recruitment_failure(*, fellowship: Fellowship, by: Any, reason: str) -> FailureResult:
    """Staff record that the project could not recruit. The fellowship is abandoned, the
    project gives its place up (the selection's decline), and the place goes to the next
    project of the complementary list while that list is open (the selection's promotion,
    with its held mails), otherwise back to the funding source."""
    reason = _reason(reason, required=True, message=_("Give the reason the recruitment failed."))
    with transaction.atomic():
        fellowship = _lock(fellowship)
        _require(by, fellowship, STAFF)
        if fellowship.state not in (S.RECRUITING, S.RECRUITED):
            raise AwardError(_("Only a fellowship not started yet can fail its recruitment."))
        _abandon(fellowship, by=by, as_role=STAFF, reason=reason)
        try:
            decision = record_decline(
                application=fellowship.application,
                by=by,
                reason=_("Recruitment failed: %(reason)s") % {"reason": reason},
            )
        except DecisionError as error:
            raise AwardError(str(error)) from error
        record_event(
            actor=by,
            verb="fellowship.recruitment_failed",
            target=fellowship,
            data={
                "reason": reason,
                "source": fellowship.funding_source_id,
                "promoted": [p.application.pk for p in decision.promoted],
            },
        )
    return FailureResult(
        fellowship=fellowship,
        promoted=[p.application for p in decision.promoted],
        mails=decision.mails,
    )


# --- Money and settings ----------------------------------------------------------------


def set_committed_amount(
    *, fellowship: Fellowship, by: Any, amount: Decimal, reason: str
) -> Fellowship:
    """Staff change the amount committed to one fellowship, with a reason."""
    reason = _reason(reason, required=True, message=_("Give the reason for the new amount."))
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    with transaction.atomic():
        fellowship = _lock(fellowship)
        _require(by, fellowship, STAFF)
        if amount < 0 or amount < fellowship.released_amount:
            raise AwardError(_("The amount cannot be lower than what is already released."))
        if fellowship.state == S.ABANDONED:
            raise AwardError(_("An abandoned fellowship's amount is released; it cannot change."))
        before = fellowship.committed_amount
        fellowship.committed_amount = amount
        fellowship.save(update_fields=["committed_amount", "updated_at"])
        record_event(
            actor=by,
            verb="fellowship.amount_changed",
            target=fellowship,
            data={"from": before, "to": amount, "reason": reason},
        )
    return fellowship


def set_award_settings(*, call: Call, by: Any, recruitment_deadline: date | None) -> AwardSettings:
    if not getattr(by, "is_programme_staff", False):
        raise AwardError(_("Only programme staff can change the award settings."))
    with transaction.atomic():
        settings, _created = AwardSettings.objects.select_for_update().get_or_create(call=call)
        before = settings.recruitment_deadline
        settings.recruitment_deadline = recruitment_deadline
        settings.save()
        record_event(
            actor=by,
            verb="call.award_settings_changed",
            target=call,
            data={"recruitment_deadline": {"from": before, "to": recruitment_deadline}},
        )
    return settings
