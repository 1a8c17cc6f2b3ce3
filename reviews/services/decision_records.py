"""The pieces every funding-decision action shares (``reviews.services.decisions``,
``reviews.services.promotion``): the result they return, the decision rows, the status
moves and the places of the funding sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from aissai.notifications.models import OutboxMessage
from calls.models import Application, FundingSource
from calls.transitions import TransitionError, transition
from reviews.models import FundingDecision
from reviews.reasons import Reason, reason_fields
from reviews.selectors.lists import COMPLEMENTARY, MAIN

from .lists import DecisionError, Locked


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
    """A new current decision for ``application``; the previous one is kept as history.
    A :class:`~reviews.reasons.Reason` is stored as facts, any other reason as text."""
    FundingDecision.objects.filter(application=application, is_current=True).update(
        is_current=False
    )
    return FundingDecision.objects.create(
        application=application,
        outcome=outcome,
        funding_source=source,
        effective_on=effective_on or timezone.localdate(),
        promoted=promoted,
        decided_by=by if getattr(by, "is_authenticated", False) else None,
        **reason_fields(reason),
    )


def move(application: Application, to: str, by: Any, role: str, reason: str, **data) -> None:
    """One status change through ``calls.transitions``; the audit event keeps the facts of
    a :class:`~reviews.reasons.Reason` next to its English sentence."""
    if isinstance(reason, Reason):
        data = {"reason_kind": reason.kind, "reason_params": reason.params, **data}
    try:
        transition(application=application, to=to, by=by, as_role=role, reason=reason, data=data)
    except TransitionError as error:
        raise DecisionError(str(error)) from error


def split(locked: Locked) -> tuple[list[int], list[int]]:
    """The stored main and complementary lists, in order."""
    ordered = sorted(locked.stored.items(), key=lambda item: item[1][1])
    return (
        [pk for pk, (kind, _pos) in ordered if kind == MAIN],
        [pk for pk, (kind, _pos) in ordered if kind == COMPLEMENTARY],
    )


def take_place(sources: list[FundingSource]) -> FundingSource | None:
    """The first source with a free place, that place now used."""
    for source in sources:
        if source.free > 0:
            source.free -= 1
            source.used += 1
            return source
    return None


def sent(mails) -> list[OutboxMessage]:
    """The mails written (none before the results are published)."""
    return [mail for mail in mails if mail is not None]


def promotion_summary(promoted: list[Promotion]) -> list[dict[str, Any]]:
    return [
        {"application": p.application.pk, "source": p.source.pk, "from_position": p.from_position}
        for p in promoted
    ]
