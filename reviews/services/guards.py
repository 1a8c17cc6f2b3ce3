"""What ``calls`` asks of ``reviews`` through ``calls.hooks`` (registered at startup)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calls.models import Call, CallStatus
from reviews.models import CriterionScore, FundingDecision, ListEntry, ListKind, Selection


def call_has_reviews(call: Call) -> bool:
    """A reviewer scored an application of ``call`` against its criteria (even a draft)."""
    return CriterionScore.objects.filter(review__assignment__application__call=call).exists()


def call_status_problems(call: Call, to: str) -> list[str]:
    """ "Decided" needs fixed lists and a current decision for every main-list place."""
    if to != CallStatus.DECIDED:
        return []
    selection = Selection.objects.filter(call=call).first()
    if selection is None or not selection.is_fixed:
        return [_("Fix the lists and record the funding decisions first.")]
    main = ListEntry.objects.filter(ranked_list__call=call, ranked_list__kind=ListKind.MAIN)
    undecided = main.exclude(
        application__in=FundingDecision.objects.filter(is_current=True).values("application")
    ).count()
    if not main.exists():
        return [_("The main list is empty: no funding decision was made.")]
    if undecided:
        return [
            ngettext(
                "%(count)d place on the main list has no funding decision yet.",
                "%(count)d places on the main list have no funding decision yet.",
                undecided,
            )
            % {"count": undecided}
        ]
    return []
