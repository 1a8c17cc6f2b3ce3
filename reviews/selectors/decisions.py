"""Reads of the funding decisions of a call: the funding sources and their places, the
funded and waiting applications, and the whole history of the lists on one page.

A fixed number of queries whatever the number of applications, moves or decisions.
Staff only: callers fetch the call with ``calls.selectors.calls.staff_call_or_404``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count

from calls.models import Application, ApplicationStatus, Call, FundingSource
from calls.selectors.staff_conflicts import withheld_ids
from reviews.models import (
    FundingDecision,
    FundingOutcome,
    ListEntry,
    ListKind,
    ListMove,
    Selection,
)

S = ApplicationStatus
DECIDED_STATUSES = (S.MAIN_LIST, S.FUNDED, S.COMPLEMENTARY_LIST, S.DECLINED, S.NOT_FUNDED)


def sources_with_free_places(call: Call) -> list[FundingSource]:
    """The call's sources in the order they were recorded, each with ``used`` (current
    funded decisions tied to it) and ``free`` places."""
    used = dict(
        FundingDecision.objects.filter(
            funding_source__call=call, is_current=True, outcome=FundingOutcome.FUNDED
        )
        .values("funding_source")
        .annotate(n=Count("pk"))
        .values_list("funding_source", "n")
    )
    sources = list(FundingSource.objects.filter(call=call).order_by("created_at", "pk"))
    for source in sources:
        source.used = used.get(source.pk, 0)
        source.free = source.fellowships - source.used
    return sources


@dataclass
class DecisionLine:
    application: Application
    kind: str = ""
    position: int | None = None
    decision: FundingDecision | None = None


@dataclass
class Overview:
    call: Call
    selection: Selection | None
    sources: list[FundingSource]
    funded: list[DecisionLine] = field(default_factory=list)
    waiting: list[DecisionLine] = field(default_factory=list)
    closed: list[DecisionLine] = field(default_factory=list)  # declined, not funded
    withheld: int = 0  # applications left out for the reader (a conflict of interest)

    @property
    def places(self) -> int:
        return sum(source.fellowships for source in self.sources)

    @property
    def free_places(self) -> int:
        return sum(max(source.free, 0) for source in self.sources)

    @property
    def fixed(self) -> bool:
        return bool(self.selection and self.selection.is_fixed)

    @property
    def published(self) -> bool:
        return bool(self.selection and self.selection.is_published)

    @property
    def closed_list(self) -> bool:
        return bool(self.selection and self.selection.is_closed)


def decisions_overview(call: Call, *, reader: Any = None) -> Overview:
    """The decisions page; the applications ``reader`` takes part in are left out (and
    counted in ``withheld``). The funding sources and their free places stay whole."""
    hidden = withheld_ids(reader, call=call) if reader is not None else frozenset()
    selection = Selection.objects.filter(call=call).select_related("fixed_by", "published_by")
    overview = Overview(
        call=call, selection=selection.first(), sources=sources_with_free_places(call)
    )
    places = {
        pk: (kind, position)
        for pk, kind, position in ListEntry.objects.filter(ranked_list__call=call).values_list(
            "application_id", "ranked_list__kind", "position"
        )
    }
    decisions = {
        d.application_id: d
        for d in FundingDecision.objects.filter(
            application__call=call, is_current=True
        ).select_related("funding_source", "decided_by")
    }
    applications = Application.objects.filter(
        call=call, status__in=DECIDED_STATUSES
    ).select_related("coordinator")
    for application in applications:
        if application.pk in hidden:
            overview.withheld += 1
            continue
        kind, position = places.get(application.pk, ("", None))
        line = DecisionLine(application, kind, position, decisions.get(application.pk))
        if application.status in (S.FUNDED, S.MAIN_LIST):
            overview.funded.append(line)
        elif application.status == S.COMPLEMENTARY_LIST:
            overview.waiting.append(line)
        else:
            overview.closed.append(line)
    overview.funded.sort(key=lambda line: (line.kind != ListKind.MAIN, line.position or 0))
    overview.waiting.sort(key=lambda line: line.position or 0)
    overview.closed.sort(key=lambda line: line.application.reference or "")
    return overview


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    move: ListMove | None = None
    decision: FundingDecision | None = None
    milestone: str = ""  # "fixed", "published", "closed"
    actor: object = None


@dataclass
class History:
    items: list[HistoryItem]
    main_at_fix: int
    complementary_at_fix: int
    funded: int
    promoted: int
    declined: int
    withheld: int = 0  # applications whose moves and decisions are left out


def selection_history(call: Call, *, reader: Any = None) -> History:
    """Every list move, funding decision and milestone of the call, oldest first. The
    moves and decisions of applications ``reader`` takes part in are left out of the items
    (the totals stay those of the call)."""
    hidden = withheld_ids(reader, call=call) if reader is not None else frozenset()
    items = [
        HistoryItem(at=move.at, move=move, actor=move.by)
        for move in ListMove.objects.filter(call=call).select_related(
            "application", "by", "funding_source"
        )
        if move.application_id not in hidden
    ]
    decisions = list(
        FundingDecision.objects.filter(application__call=call).select_related(
            "application", "decided_by", "funding_source"
        )
    )
    items += [
        HistoryItem(at=decision.decided_at, decision=decision, actor=decision.decided_by)
        for decision in decisions
        if decision.application_id not in hidden
    ]
    selection = (
        Selection.objects.filter(call=call)
        .select_related("fixed_by", "published_by", "closed_by")
        .first()
    )
    if selection is not None:
        for milestone in ("fixed", "published", "closed"):
            at = getattr(selection, f"{milestone}_at")
            if at is not None:
                actor = getattr(selection, f"{milestone}_by")
                items.append(HistoryItem(at=at, milestone=milestone, actor=actor))
    order = {"milestone": 0, "decision": 1, "move": 2}
    items.sort(
        key=lambda item: (
            item.at,
            order["milestone" if item.milestone else "decision" if item.decision else "move"],
            (item.move or item.decision).pk if (item.move or item.decision) else 0,
        )
    )
    funded_ids = {d.application_id for d in decisions if d.outcome == FundingOutcome.FUNDED}
    promoted = {d.application_id for d in decisions if d.promoted}
    current = [d for d in decisions if d.is_current]
    complementary_statuses = (S.COMPLEMENTARY_LIST, S.NOT_FUNDED)
    waiting = {d.application_id for d in current if d.outcome == FundingOutcome.NOT_FUNDED} | set(
        Application.objects.filter(call=call, status__in=complementary_statuses).values_list(
            "pk", flat=True
        )
    )
    return History(
        withheld=len(hidden),
        items=items,
        main_at_fix=len(funded_ids - promoted),
        complementary_at_fix=len(promoted | waiting),
        funded=sum(1 for d in current if d.outcome == FundingOutcome.FUNDED),
        promoted=len(promoted),
        declined=sum(1 for d in current if d.outcome == FundingOutcome.DECLINED),
    )
