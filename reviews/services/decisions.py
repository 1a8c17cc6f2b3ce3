"""Funding decisions: fixing the lists, additional funding, declines, closing the
complementary list (publishing the results and their mails: ``reviews.services.results``).

Each function is one audited action in one transaction. It locks the call and its lists
(``reviews.services.lists.lock``), moves applications through ``calls.transitions`` (the
only way to change a status), writes :class:`~reviews.models.FundingDecision` rows (the
previous current row of the application stops being current) and the
:class:`~reviews.models.ListMove` history, then one summary audit event on the call.

Funded places are taken from the call's funding sources in the order they were recorded:
each source pays for ``fellowships`` places, and a place is used by each application whose
current decision is *funded* with that source. A decline frees its place; additional
funding adds places; free places go to the complementary list in order.

Mails: nothing is mailed before the results are published; after, each change writes a
held mail for the applicants concerned (``reviews.services.results.notify_change``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.notifications.models import OutboxMessage
from calls.models import Application, ApplicationStatus, Call, FundingSource
from calls.transitions import APPLICANT, STAFF, TransitionError, transition
from reviews.models import FundingDecision, FundingOutcome, MoveKind
from reviews.selectors.decisions import sources_with_free_places
from reviews.selectors.lists import COMPLEMENTARY, MAIN, cut, tie_lines

from .lists import (
    REASON_MAX_CHARS,
    DecisionError,
    Locked,
    Seen,
    bump_versions,
    check_draft,
    check_seen,
    load,
    lock,
    normalise,
    record_moves,
    require_fixed,
    require_staff,
    write_lists,
)
from .results import (
    DECISION_MAIL,
    PROMOTION_MAIL,
    applications_by_id,
    notify_change,
    refresh_held_results,
)
from .steps import DECISIONS, FIX, require_call_status

S = ApplicationStatus


@dataclass
class Promotion:
    application: Application
    source: FundingSource
    from_position: int


@dataclass
class DecisionResult:
    funded: list[Application] = field(default_factory=list)
    complementary: list[Application] = field(default_factory=list)
    not_selected: list[Application] = field(default_factory=list)
    promoted: list[Promotion] = field(default_factory=list)
    source: FundingSource | None = None
    mails: list[OutboxMessage] = field(default_factory=list)


# --- Funding sources and decisions -----------------------------------------------------


def _take_place(sources: list[FundingSource]) -> FundingSource | None:
    for source in sources:
        if source.free > 0:
            source.free -= 1
            source.used += 1
            return source
    return None


def decide(
    *,
    application: Application,
    outcome: str,
    by: Any,
    source: FundingSource | None = None,
    reason: str = "",
    effective_on: date | None = None,
    promoted: bool = False,
) -> FundingDecision:
    """A new current decision for ``application``; the previous one is kept as history."""
    FundingDecision.objects.filter(application=application, is_current=True).update(
        is_current=False
    )
    return FundingDecision.objects.create(
        application=application,
        outcome=outcome,
        funding_source=source,
        reason=reason,
        effective_on=effective_on or timezone.localdate(),
        promoted=promoted,
        decided_by=by if getattr(by, "is_authenticated", False) else None,
    )


def _move(application: Application, to: str, by: Any, role: str, reason: str, **data) -> None:
    try:
        transition(application=application, to=to, by=by, as_role=role, reason=reason, data=data)
    except TransitionError as error:
        raise DecisionError(str(error)) from error


def _split(locked: Locked) -> tuple[list[int], list[int]]:
    ordered = sorted(locked.stored.items(), key=lambda item: item[1][1])
    return (
        [pk for pk, (kind, _pos) in ordered if kind == MAIN],
        [pk for pk, (kind, _pos) in ordered if kind == COMPLEMENTARY],
    )


# --- Fixing the lists ------------------------------------------------------------------


def fix_lists(
    *,
    call: Call,
    by: Any,
    seen: Seen,
    main_ids: list[int],
    complementary_ids: list[int],
    effective_on: date | None = None,
) -> DecisionResult:
    """Main list → funded (each on the next free place of a funding source, in order),
    complementary list → complementary list, every other shortlisted application → not
    selected. ``main_ids`` and ``complementary_ids`` are the lists staff confirmed; they
    must be the lists as they are now."""
    require_staff(by)
    with transaction.atomic():
        locked = lock(call)
        require_call_status(locked.call, FIX, DecisionError)
        check_draft(locked)
        check_seen(locked, seen)
        main, complementary = cut(locked.listed, *locked.sizes)
        if [int(pk) for pk in main_ids] != main or [
            int(pk) for pk in complementary_ids
        ] != complementary:
            raise DecisionError(
                _("The lists changed since you loaded them. Nothing was fixed: check them again.")
            )
        if not main:
            raise DecisionError(_("The main list is empty."))
        sources = sources_with_free_places(locked.call)
        if not sources:
            raise DecisionError(
                _(
                    "Record the call's funding sources first: each funded fellowship is tied "
                    "to the source that pays for it."
                )
            )
        normalise(locked, by)
        shortlisted = applications_by_id(locked.order.ids)
        result = DecisionResult()
        for position, pk in enumerate(main, start=1):
            application = shortlisted[pk]
            source = _take_place(sources)
            if source is None:
                raise DecisionError(
                    _("The funding sources pay for fewer places than the main list.")
                )
            reason = _("Main list, position %(position)d.") % {"position": position}
            _move(application, S.MAIN_LIST, by, STAFF, reason, list=MAIN, position=position)
            _move(application, S.FUNDED, by, STAFF, reason, funding_source=source.pk)
            decide(
                application=application,
                outcome=FundingOutcome.FUNDED,
                by=by,
                source=source,
                reason=reason,
                effective_on=effective_on,
            )
            result.funded.append(application)
        for position, pk in enumerate(complementary, start=1):
            reason = _("Complementary list, position %(position)d.") % {"position": position}
            _move(shortlisted[pk], S.COMPLEMENTARY_LIST, by, STAFF, reason, position=position)
            result.complementary.append(shortlisted[pk])
        for pk in locked.order.ids:
            if pk not in main and pk not in complementary:
                _move(shortlisted[pk], S.NOT_SELECTED, by, STAFF, _("Not on the lists."))
                result.not_selected.append(shortlisted[pk])
        locked.selection.fixed_at, locked.selection.fixed_by = timezone.now(), by
        locked.selection.save(update_fields=["fixed_at", "fixed_by"])
        bump_versions(locked, by)
        record_event(
            actor=by,
            verb="call.lists.fixed",
            target=locked.call,
            data={
                "main": main,
                "complementary": complementary,
                "not_selected": [a.pk for a in result.not_selected],
                "sources": {str(s.pk): s.used for s in sources},
                "ties": [
                    {
                        "line": line.label,
                        "after": line.after,
                        "steps": [[s.first, s.second, s.rule] for s in line.steps],
                    }
                    for line in tie_lines(locked.board, locked.order, *locked.sizes)
                ],
            },
        )
    return result


# --- Promotion, additional funding, declines, closing ---------------------------------


def _promote(locked: Locked, by: Any, reason: str) -> list[Promotion]:
    """Give each free place to the next application waiting on the complementary list."""
    sources = sources_with_free_places(locked.call)
    main, complementary = _split(locked)
    applications = applications_by_id(complementary)
    promoted: list[Promotion] = []
    for position, pk in enumerate(complementary, start=1):
        application = applications[pk]
        if application.status != S.COMPLEMENTARY_LIST:
            continue
        source = _take_place(sources)
        if source is None:
            break
        _move(
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
    promoted_ids = {p.application.pk for p in promoted}
    remaining = [
        pk
        for pk in complementary
        if pk not in promoted_ids and applications[pk].status != S.WITHDRAWN
    ]
    if promoted_ids or len(remaining) != len(complementary):
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


def _promotion_summary(promoted: list[Promotion]) -> list[dict[str, Any]]:
    return [
        {"application": p.application.pk, "source": p.source.pk, "from_position": p.from_position}
        for p in promoted
    ]


def places_changed(locked: Locked, by: Any, reason: str) -> DecisionResult:
    """After the call's funded places changed (inside the caller's transaction): once the
    lists are fixed, free places go to the complementary list in order, with their held
    mails; before, the lists are re-cut to the new size."""
    result = DecisionResult()
    if locked.selection.is_fixed:
        result.promoted = _promote(locked, by, reason)
        result.mails = _sent(_notify_promotion(locked, p) for p in result.promoted)
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
    reason = (reason or "").strip()[:REASON_MAX_CHARS] or _(
        "Additional funding: %(name)s (%(count)d fellowship(s))."
    ) % {"name": name, "count": int(fellowships)}
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
                "promoted": _promotion_summary(result.promoted),
            },
        )
    return result


def record_decline(
    *,
    application: Application,
    by: Any,
    reason: str,
    declined_on: date | None = None,
    as_role: str = STAFF,
) -> DecisionResult:
    """The applicants decline their funded place. Recorded by staff, the freed place goes
    at once to the next application on the complementary list; recorded by the coordinator,
    it waits for staff (``fill_free_places``)."""
    if as_role == STAFF:
        require_staff(by)
    reason = (reason or "").strip()[:REASON_MAX_CHARS]
    if not reason:
        raise DecisionError(_("Give the reason for the decline."))
    with transaction.atomic():
        locked = lock(application.call)
        require_call_status(locked.call, DECISIONS, DecisionError)
        require_fixed(locked)
        current = FundingDecision.objects.filter(application=application, is_current=True).first()
        if current is None or current.outcome != FundingOutcome.FUNDED:
            raise DecisionError(_("Only a funded application can decline its place."))
        _move(
            application,
            S.DECLINED,
            by,
            as_role,
            reason,
            declined_on=declined_on or timezone.localdate(),
            funding_source=current.funding_source_id,
        )
        decide(
            application=application,
            outcome=FundingOutcome.DECLINED,
            by=by,
            source=current.funding_source,
            reason=reason,
            effective_on=declined_on,
        )
        main, complementary = _split(locked)
        before = dict(locked.stored)
        after = write_lists(locked, [pk for pk in main if pk != application.pk], complementary)
        record_moves(
            locked=locked,
            before=before,
            after=after,
            by=by,
            reason=reason,
            targets=[application.pk],
            against=set(),
            target_kind=MoveKind.DECLINED,
            sources={application.pk: current.funding_source},
        )
        application.refresh_from_db()
        result = DecisionResult()
        result.mails = _sent(
            [notify_change(locked, application, DECISION_MAIL, {"outcome": "declined"})]
        )
        if as_role != APPLICANT:
            result.promoted = _promote(
                locked,
                by,
                _("Place freed by the decline of %(reference)s.")
                % {"reference": application.reference},
            )
            result.mails += _sent(_notify_promotion(locked, p) for p in result.promoted)
        bump_versions(locked, by)
        record_event(
            actor=by,
            verb="call.funding.declined",
            target=locked.call,
            data={
                "application": application.pk,
                "role": as_role,
                "declined_on": declined_on or timezone.localdate(),
                "reason": reason,
                "freed_source": current.funding_source_id,
                "promoted": _promotion_summary(result.promoted),
            },
        )
    return result


def fill_free_places(*, call: Call, by: Any, reason: str = "") -> DecisionResult:
    """Give the free funded places (after a decline the applicants recorded themselves, or
    a source added elsewhere) to the complementary list, in order."""
    require_staff(by)
    reason = (reason or "").strip()[:REASON_MAX_CHARS] or _("Free funded places filled.")
    with transaction.atomic():
        locked = lock(call)
        require_call_status(locked.call, DECISIONS, DecisionError)
        require_fixed(locked)
        result = DecisionResult(promoted=_promote(locked, by, reason))
        if not result.promoted:
            raise DecisionError(_("No free place, or nobody waiting on the complementary list."))
        result.mails = _sent(_notify_promotion(locked, p) for p in result.promoted)
        bump_versions(locked, by)
        record_event(
            actor=by,
            verb="call.funding.filled",
            target=locked.call,
            data={"reason": reason, "promoted": _promotion_summary(result.promoted)},
        )
    return result


def close_complementary_list(*, call: Call, by: Any, reason: str = "") -> DecisionResult:
    """No more places will come: every application still waiting is not funded."""
    require_staff(by)
    reason = (reason or "").strip()[:REASON_MAX_CHARS] or _("The complementary list is closed.")
    with transaction.atomic():
        locked = lock(call)
        require_call_status(locked.call, DECISIONS, DecisionError)
        require_fixed(locked)
        if locked.selection.is_closed:
            raise DecisionError(_("The complementary list is already closed."))
        _main, complementary = _split(locked)
        result = DecisionResult()
        applications = applications_by_id(complementary)
        for pk in complementary:
            application = applications[pk]
            if application.status != S.COMPLEMENTARY_LIST:
                continue
            _move(application, S.NOT_FUNDED, by, STAFF, reason)
            decide(application=application, outcome=FundingOutcome.NOT_FUNDED, by=by, reason=reason)
            application.refresh_from_db()
            result.complementary.append(application)
            result.mails += _sent(
                [notify_change(locked, application, DECISION_MAIL, {"outcome": "not_funded"})]
            )
        locked.selection.closed_at, locked.selection.closed_by = timezone.now(), by
        locked.selection.save(update_fields=["closed_at", "closed_by"])
        record_event(
            actor=by,
            verb="call.lists.closed",
            target=locked.call,
            data={"reason": reason, "not_funded": [a.pk for a in result.complementary]},
        )
    return result


def _sent(mails) -> list[OutboxMessage]:
    """The mails written (none before the results are published)."""
    return [mail for mail in mails if mail is not None]


def _notify_promotion(locked: Locked, promotion: Promotion) -> OutboxMessage | None:
    application = promotion.application
    application.refresh_from_db()
    return notify_change(
        locked, application, PROMOTION_MAIL, {"from_position": promotion.from_position}
    )
