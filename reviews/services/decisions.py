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

Places that come free or are added after the lists were fixed: ``reviews.services.promotion``
(re-exported here). Reasons the application writes are stored as facts
(``reviews.reasons``), read in the reader's language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from calls.models import Application, ApplicationStatus, Call, FundingSource
from calls.transitions import APPLICANT, STAFF
from reviews.models import FundingDecision, FundingOutcome, MoveKind
from reviews.reasons import Reason, ReasonKind
from reviews.selectors.decisions import sources_with_free_places
from reviews.selectors.lists import MAIN, cut, tie_lines

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
    Seen,
    bump_versions,
    check_draft,
    check_seen,
    lock,
    normalise,
    record_moves,
    require_fixed,
    require_staff,
    write_lists,
)
from .promotion import (
    add_funding_source,
    fill_free_places,
    notify_promotion,
    places_changed,
    promote,
)
from .results import DECISION_MAIL, applications_by_id, notify_change
from .steps import DECISIONS, FIX, require_call_status

__all__ = [
    "DecisionResult",
    "Promotion",
    "add_funding_source",
    "close_complementary_list",
    "decide",
    "fill_free_places",
    "fix_lists",
    "places_changed",
    "record_decline",
]

S = ApplicationStatus
# The name ``reviews.services.funding`` imports.
_promotion_summary = promotion_summary


# --- Fixing the lists ------------------------------------------------------------------


def _lists_to_fix(
    locked: Locked, main_ids: list[int], complementary_ids: list[int]
) -> tuple[list[int], list[int], list[FundingSource]]:
    """The lists as they are now, checked against those staff confirmed, and the sources
    with free places."""
    main, complementary = cut(locked.listed, *locked.sizes)
    confirmed = ([int(pk) for pk in main_ids], [int(pk) for pk in complementary_ids])
    if confirmed != (main, complementary):
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
    return main, complementary, sources


def _fund_main_list(
    result: DecisionResult,
    shortlisted: dict[int, Application],
    main: list[int],
    sources: list[FundingSource],
    by: Any,
    effective_on: date | None,
) -> None:
    for position, pk in enumerate(main, start=1):
        application = shortlisted[pk]
        source = take_place(sources)
        if source is None:
            raise DecisionError(_("The funding sources pay for fewer places than the main list."))
        reason = Reason(ReasonKind.MAIN_LIST, position=position)
        move(application, S.MAIN_LIST, by, STAFF, reason, list=MAIN, position=position)
        move(application, S.FUNDED, by, STAFF, reason, funding_source=source.pk)
        decide(
            application=application,
            outcome=FundingOutcome.FUNDED,
            by=by,
            source=source,
            reason=reason,
            effective_on=effective_on,
        )
        result.funded.append(application)


def _place_the_others(
    result: DecisionResult,
    shortlisted: dict[int, Application],
    order: list[int],
    main: list[int],
    complementary: list[int],
    by: Any,
) -> None:
    for position, pk in enumerate(complementary, start=1):
        reason = Reason(ReasonKind.COMPLEMENTARY_LIST, position=position)
        move(shortlisted[pk], S.COMPLEMENTARY_LIST, by, STAFF, reason, position=position)
        result.complementary.append(shortlisted[pk])
    for pk in order:
        if pk not in main and pk not in complementary:
            move(shortlisted[pk], S.NOT_SELECTED, by, STAFF, Reason(ReasonKind.NOT_ON_LISTS))
            result.not_selected.append(shortlisted[pk])


def _record_fixed(
    locked: Locked,
    by: Any,
    result: DecisionResult,
    lists: tuple[list[int], list[int]],
    sources: list[FundingSource],
) -> None:
    main, complementary = lists
    ties = tie_lines(locked.board, locked.order, *locked.sizes)
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
                for line in ties
            ],
        },
    )


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
        main, complementary, sources = _lists_to_fix(locked, main_ids, complementary_ids)
        normalise(locked, by)
        shortlisted = applications_by_id(locked.order.ids)
        result = DecisionResult()
        _fund_main_list(result, shortlisted, main, sources, by, effective_on)
        _place_the_others(result, shortlisted, locked.order.ids, main, complementary, by)
        locked.selection.fixed_at, locked.selection.fixed_by = timezone.now(), by
        locked.selection.save(update_fields=["fixed_at", "fixed_by"])
        bump_versions(locked, by)
        _record_fixed(locked, by, result, (main, complementary), sources)
    return result


# --- Declines, closing the complementary list -----------------------------------------


def _decline(
    locked: Locked,
    application: Application,
    current: FundingDecision,
    by: Any,
    as_role: str,
    reason: str,
    declined_on: date | None,
) -> None:
    """The declined status and decision, and the application off the main list."""
    move(
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
    main, complementary = split(locked)
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
    if not isinstance(reason, Reason):  # a reason the application writes keeps its facts
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
        _decline(locked, application, current, by, as_role, reason, declined_on)
        application.refresh_from_db()
        result = DecisionResult()
        result.mails = sent(
            [notify_change(locked, application, DECISION_MAIL, {"outcome": "declined"})]
        )
        if as_role != APPLICANT:
            freed = Reason(ReasonKind.FREED_BY_DECLINE, reference=application.reference)
            result.promoted = promote(locked, by, freed)
            result.mails += sent(notify_promotion(locked, p) for p in result.promoted)
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
                "promoted": promotion_summary(result.promoted),
            },
        )
    return result


def close_complementary_list(*, call: Call, by: Any, reason: str = "") -> DecisionResult:
    """No more places will come: every application still waiting is not funded."""
    require_staff(by)
    reason = (reason or "").strip()[:REASON_MAX_CHARS] or Reason(ReasonKind.COMPLEMENTARY_CLOSED)
    with transaction.atomic():
        locked = lock(call)
        require_call_status(locked.call, DECISIONS, DecisionError)
        require_fixed(locked)
        if locked.selection.is_closed:
            raise DecisionError(_("The complementary list is already closed."))
        _main, complementary = split(locked)
        result = DecisionResult()
        applications = applications_by_id(complementary)
        for pk in complementary:
            application = applications[pk]
            if application.status != S.COMPLEMENTARY_LIST:
                continue
            move(application, S.NOT_FUNDED, by, STAFF, reason)
            decide(application=application, outcome=FundingOutcome.NOT_FUNDED, by=by, reason=reason)
            application.refresh_from_db()
            result.complementary.append(application)
            result.mails += sent(
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
