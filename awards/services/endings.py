"""How a fellowship ends before or at its term: ended by staff (the unused share of the
money is released), abandoned, or a recruitment that failed (the place declined, the next
project promoted). Each is one transaction through the transition funnel of
``awards.services.fellowships``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.notifications.models import OutboxMessage
from awards.models import Fellowship
from awards.services.fellowships import (
    CENT,
    STAFF,
    S,
    abandon,
    check_move,
    clean_reason,
    lock_fellowship,
    move,
    require_role,
)
from calls.models import Application
from reviews.reasons import Reason, ReasonKind
from reviews.services.decisions import record_decline
from reviews.services.lists import DecisionError

from .errors import AwardError


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
        fellowship = lock_fellowship(fellowship)
        require_role(by, fellowship, STAFF)
        check_move(fellowship, S.ENDED, STAFF)
        if ended_on < fellowship.start_date:
            raise AwardError(_("A fellowship ends after it starts."))
        early = ended_on < fellowship.end_date
        reason = clean_reason(
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


def abandon_fellowship(*, fellowship: Fellowship, by: Any, reason: str) -> Fellowship:
    """Staff abandon a fellowship (the fellow left); its committed amount is released. The
    project keeps its funded decision: for a recruitment that failed, see
    ``record_recruitment_failure``."""
    reason = clean_reason(reason, required=True)
    with transaction.atomic():
        fellowship = lock_fellowship(fellowship)
        require_role(by, fellowship, STAFF)
        return abandon(fellowship, by=by, as_role=STAFF, reason=reason)


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
    reason = clean_reason(
        reason, required=True, message=_("Give the reason the recruitment failed.")
    )
    with transaction.atomic():
        fellowship = lock_fellowship(fellowship)
        require_role(by, fellowship, STAFF)
        if fellowship.state not in (S.RECRUITING, S.RECRUITED):
            raise AwardError(_("Only a fellowship not started yet can fail its recruitment."))
        abandon(fellowship, by=by, as_role=STAFF, reason=reason)
        try:
            decision = record_decline(
                application=fellowship.application,
                by=by,
                reason=Reason(ReasonKind.RECRUITMENT_FAILED, reason=reason),
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
