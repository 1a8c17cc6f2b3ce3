"""Funded places that come free or are added after the lists were fixed go to the
complementary list, in order: additional funding, places left by a decline, free places
filled by staff. Each public function is one audited action in one transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.notifications.models import OutboxMessage
from calls.models import ApplicationStatus, Call, FundingSource
from calls.transitions import STAFF
from reviews.models import FundingOutcome, MoveKind
from reviews.reasons import Reason, ReasonKind
from reviews.selectors.decisions import sources_with_free_places

from .decision_records import (
    DecisionResult,
    Promotion,
    decide,
    move,
    promotion_summary,
    sent,
    split,
    take_place,
)
from .lists import (
    REASON_MAX_CHARS,
    DecisionError,
    Locked,
    bump_versions,
    load,
    lock,
    normalise,
    record_moves,
    require_fixed,
    require_staff,
    write_lists,
)
from .results import PROMOTION_MAIL, applications_by_id, notify_change, refresh_held_results
from .steps import DECISIONS, require_call_status

S = ApplicationStatus


def _fund_waiting(locked: Locked, by: Any, reason: str) -> tuple[list[Promotion], list[int]]:
    """Fund the applications waiting on the complementary list while places are free;
    returns the promotions and the applications still waiting (the withdrawn left out)."""
    sources = sources_with_free_places(locked.call)
    _main, complementary = split(locked)
    applications = applications_by_id(complementary)
    promoted: list[Promotion] = []
    for position, pk in enumerate(complementary, start=1):
        application = applications[pk]
        if application.status != S.COMPLEMENTARY_LIST:
            continue
        source = take_place(sources)
        if source is None:
            break
        move(
            application,
            S.FUNDED,
            by,
            STAFF,
            reason,
            promoted=True,
            funding_source=source.pk,
            complementary_position=position,
        )
        decide(
            application=application,
            outcome=FundingOutcome.FUNDED,
            by=by,
            source=source,
            reason=reason,
            promoted=True,
        )
        promoted.append(Promotion(application=application, source=source, from_position=position))
    done = {p.application.pk for p in promoted}
    remaining = [
        pk for pk in complementary if pk not in done and applications[pk].status != S.WITHDRAWN
    ]
    return promoted, remaining


def promote(locked: Locked, by: Any, reason: str) -> list[Promotion]:
    """Give each free place to the next application waiting on the complementary list."""
    main, complementary = split(locked)
    promoted, remaining = _fund_waiting(locked, by, reason)
    if promoted or len(remaining) != len(complementary):
        before = dict(locked.stored)
        after = write_lists(locked, main + [p.application.pk for p in promoted], remaining)
        record_moves(
            locked=locked,
            before=before,
            after=after,
            by=by,
            reason=reason,
            targets=[p.application.pk for p in promoted],
            against=set(),
            target_kind=MoveKind.PROMOTED,
            sources={p.application.pk: p.source for p in promoted},
        )
        refresh_held_results(locked, [pk for pk in remaining if before.get(pk) != after.get(pk)])
    return promoted


def notify_promotion(locked: Locked, promotion: Promotion) -> OutboxMessage | None:
    application = promotion.application
    application.refresh_from_db()
    return notify_change(
        locked, application, PROMOTION_MAIL, {"from_position": promotion.from_position}
    )


def places_changed(locked: Locked, by: Any, reason: str) -> DecisionResult:
    """After the call's funded places changed (inside the caller's transaction): once the
    lists are fixed, free places go to the complementary list in order, with their held
    mails; before, the lists are re-cut to the new size."""
    result = DecisionResult()
    if locked.selection.is_fixed:
        result.promoted = promote(locked, by, reason)
        result.mails = sent(notify_promotion(locked, p) for p in result.promoted)
        if result.promoted:
            bump_versions(locked, by)
    elif locked.started:
        locked = load(locked.call, locked.selection, locked.lists)
        normalise(locked, by)
        bump_versions(locked, by)
    return result


def add_funding_source(
    *,
    call: Call,
    by: Any,
    name: str,
    fellowships: int,
    amount: Decimal | None = None,
    granted_on: date | None = None,
    reason: str = "",
) -> DecisionResult:
    """Record a new funding source. Once the lists are fixed, its places go to the top of
    the complementary list in order; before, the lists are re-cut to the new size."""
    require_staff(by)
    name = " ".join((name or "").split())[:200]
    if not name or int(fellowships) < 1:
        raise DecisionError(_("Give the source's name and at least one fellowship."))
    reason = (reason or "").strip()[:REASON_MAX_CHARS] or Reason(
        ReasonKind.ADDITIONAL_FUNDING, name=name, count=int(fellowships)
    )
    with transaction.atomic():
        locked = lock(call)
        source = FundingSource.objects.create(
            call=locked.call,
            name=name,
            fellowships=int(fellowships),
            amount=amount,
            granted_on=granted_on,
        )
        result = places_changed(locked, by, reason)
        result.source = source
        record_event(
            actor=by,
            verb="call.funding.added",
            target=locked.call,
            data={
                "source": source.pk,
                "name": name,
                "fellowships": source.fellowships,
                "amount": amount,
                "reason": reason,
                "promoted": promotion_summary(result.promoted),
            },
        )
    return result


def fill_free_places(*, call: Call, by: Any, reason: str = "") -> DecisionResult:
    """Give the free funded places (after a decline the applicants recorded themselves, or
    a source added elsewhere) to the complementary list, in order."""
    require_staff(by)
    reason = (reason or "").strip()[:REASON_MAX_CHARS] or Reason(ReasonKind.PLACES_FILLED)
    with transaction.atomic():
        locked = lock(call)
        require_call_status(locked.call, DECISIONS, DecisionError)
        require_fixed(locked)
        result = DecisionResult(promoted=promote(locked, by, reason))
        if not result.promoted:
            raise DecisionError(_("No free place, or nobody waiting on the complementary list."))
        result.mails = sent(notify_promotion(locked, p) for p in result.promoted)
        bump_versions(locked, by)
        record_event(
            actor=by,
            verb="call.funding.filled",
            target=locked.call,
            data={"reason": reason, "promoted": promotion_summary(result.promoted)},
        )
    return result
