"""Every change to a call's funding sources made on the call's funding page: add, change
(name, number of fellowships, amount, date) and delete, as one audited action.

Registered with ``calls`` as its funding writer (``calls.hooks``), so the page in ``calls``
never writes a source itself. A source cannot pay for fewer fellowships than the places
already funded with it, and a source that a decision or a list move names cannot be
deleted: both are refused with a message, and nothing is saved. Places added once the
lists are fixed go to the complementary list in order (``decisions.places_changed``), with
the promotion mails held for staff as for any other promotion.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aissai.audit.services import record_event
from calls.hooks import FundingChanges
from calls.models import Call, FundingSource
from calls.services.calls import CallError, can_edit
from reviews.models import FundingDecision, ListMove
from reviews.reasons import Reason, ReasonKind
from reviews.selectors.decisions import sources_with_free_places

from .decisions import DecisionResult, _promotion_summary, places_changed
from .lists import DecisionError, ListError, lock, require_staff

FIELDS = ("name", "fellowships", "amount", "granted_on")


def _problems(call: Call, changes: FundingChanges) -> list[str]:
    """Why these changes cannot be made (empty when they can)."""
    used = {source.pk: source.used for source in sources_with_free_places(call)}
    problems = []
    for source, values in changes.changed:
        if source.pk not in used:
            problems.append(_("This funding source belongs to another call."))
        elif int(values["fellowships"]) < used[source.pk]:
            problems.append(
                ngettext(
                    "“%(name)s” already pays for %(used)d funded place: it cannot pay for "
                    "fewer than %(used)d.",
                    "“%(name)s” already pays for %(used)d funded places: it cannot pay for "
                    "fewer than %(used)d.",
                    used[source.pk],
                )
                % {"name": source.name, "used": used[source.pk]}
            )
    deleted = [source.pk for source in changes.deleted]
    named = set(
        FundingDecision.objects.filter(funding_source__in=deleted).values_list(
            "funding_source", flat=True
        )
    ) | set(
        ListMove.objects.filter(funding_source__in=deleted).values_list("funding_source", flat=True)
    )
    for source in changes.deleted:
        if source.pk not in used:
            problems.append(_("This funding source belongs to another call."))
        elif source.pk in named:
            problems.append(
                _(
                    "“%(name)s” has paid for funding decisions: it cannot be deleted. Keep it "
                    "in the call's history."
                )
                % {"name": source.name}
            )
    return problems


def change_funding_sources(
    *, call: Call, by: Any, changes: FundingChanges, reason: str = ""
) -> DecisionResult:
    """Apply ``changes`` to the call's funding sources in one transaction; promotes from the
    complementary list when the lists are fixed and places were added. Raises
    :class:`~reviews.services.lists.DecisionError` (nothing saved) when a change is refused."""
    require_staff(by)
    with transaction.atomic():
        locked = lock(call)
        if not can_edit(locked.call, "funding"):
            raise DecisionError(_("This part of the call can no longer be edited."))
        problems = _problems(locked.call, changes)
        if problems:
            raise DecisionError(" ".join(problems))
        added = [
            FundingSource.objects.create(
                call=locked.call, **{name: values.get(name) for name in FIELDS}
            )
            for values in changes.added
        ]
        for source, values in changes.changed:
            stored = FundingSource.objects.get(pk=source.pk, call=locked.call)
            for name in FIELDS:
                setattr(stored, name, values.get(name))
            stored.save()  # signals: the scoreboard's cached places follow
        deleted = [{"id": source.pk, "name": source.name} for source in changes.deleted]
        FundingSource.objects.filter(
            pk__in=[source.pk for source in changes.deleted], call=locked.call
        ).delete()
        reason = (reason or "").strip() or Reason(ReasonKind.SOURCES_CHANGED)
        result = places_changed(locked, by, reason)
        record_event(
            actor=by,
            verb="call.funding.saved",
            target=locked.call,
            data={
                "added": [source.pk for source in added],
                "changed": {
                    str(source.pk): {name: str(values.get(name)) for name in FIELDS}
                    for source, values in changes.changed
                },
                "deleted": deleted,
                "promoted": _promotion_summary(result.promoted),
            },
        )
    return result


def write_funding_for_calls(*, call: Call, by: Any, changes: FundingChanges) -> list[str]:
    """The funding writer ``calls`` uses: refusals become ``CallError``; returns notes."""
    try:
        result = change_funding_sources(call=call, by=by, changes=changes)
    except ListError as error:
        raise CallError(str(error)) from error
    if not result.promoted:
        return []
    return [
        ngettext(
            "Promoted from the complementary list: %(refs)s.",
            "Promoted from the complementary list, in order: %(refs)s.",
            len(result.promoted),
        )
        % {"refs": ", ".join(p.application.reference for p in result.promoted)}
    ]
