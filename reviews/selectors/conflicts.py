"""Reads of conflicts of interest: what blocks a pair, and the staff's conflict page.

A *confirmed* conflict, whatever its source, blocks the reviewer × application pair
everywhere: assignment (by hand or proposed), the reviewer's access to the application
and its files, and scoring. ``blocked_pairs(call)`` and ``has_confirmed_conflict`` are the
two ways the rest of the app asks. A *suspected* conflict blocks nothing by itself; the
assignment pages refuse it unless staff say otherwise, and staff rule on it (confirm or
clear) on the conflict page.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from calls.models import Application, ApplicationStatus, Call
from calls.selectors.staff_conflicts import conflict_clause
from reviews.conflicts.detection import Conflict as Finding
from reviews.conflicts.detection import Reason, Status
from reviews.models import Conflict, ConflictSource, ConflictStatus, Invitation

Pair = tuple[int, int]  # (invitation id, application id)

# Applications detection and the conflict page consider: a draft has no reviewer yet and a
# withdrawn application needs none.
NOT_REVIEWED = (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)


def _call_id(call: Call | int) -> int:
    return call if isinstance(call, int) else call.pk


def blocked_pairs(call: Call | int) -> set[Pair]:
    """Every (invitation id, application id) of the call with a confirmed conflict."""
    return set(
        Conflict.objects.filter(
            application__call_id=_call_id(call), status=ConflictStatus.CONFIRMED
        ).values_list("invitation_id", "application_id")
    )


def conflict_statuses(
    call: Call | int, *, application_ids: Any = None, invitation_ids: Any = None
) -> dict[Pair, str]:
    """Status of each conflict row of the call (cleared ones included), by pair."""
    rows = Conflict.objects.filter(application__call_id=_call_id(call))
    if application_ids is not None:
        rows = rows.filter(application_id__in=application_ids)
    if invitation_ids is not None:
        rows = rows.filter(invitation_id__in=invitation_ids)
    return {(i, a): s for i, a, s in rows.values_list("invitation_id", "application_id", "status")}


def has_confirmed_conflict(invitation: Invitation | int, application: Application | int) -> bool:
    """Whether a confirmed conflict blocks this reviewer for this application."""
    invitation_id = invitation if isinstance(invitation, int) else invitation.pk
    application_id = application if isinstance(application, int) else application.pk
    return Conflict.objects.filter(
        invitation_id=invitation_id, application_id=application_id, status=ConflictStatus.CONFIRMED
    ).exists()


def explain(conflict: Conflict) -> str:
    """The sentence staff read: a detected rule with its evidence, or the reason written
    by the reviewer or by staff."""
    if conflict.source in (ConflictSource.DETECTED, ConflictSource.EXCLUDED) and conflict.rule:
        try:
            reason = Reason(conflict.rule)
        except ValueError:
            return conflict.reason
        finding = Finding(
            conflict.invitation_id,
            conflict.application_id,
            reason,
            conflict.reason,
            Status.SUSPECTED,  # the sentence does not depend on it
        )
        return finding.message()
    return conflict.reason


def call_conflicts(
    *, call: Call, user: Any, status: str = "", source: str = "", q: str = ""
) -> QuerySet[Conflict]:
    """The conflict page of a call (one query): every conflict on an application under
    review, except those of applications the staff member takes part in themselves."""
    queryset = (
        Conflict.objects.filter(application__call=call)
        .exclude(application__status__in=NOT_REVIEWED)
        .exclude(application__in=Application.objects.filter(conflict_clause(user)))
        .select_related("invitation__expert", "application", "ruled_by")
        .order_by("application__reference", "application_id", "invitation__expert__full_name")
    )
    if status in ConflictStatus.values:
        queryset = queryset.filter(status=status)
    if source in ConflictSource.values:
        queryset = queryset.filter(source=source)
    for word in (q or "").split():
        queryset = queryset.filter(
            Q(invitation__expert__full_name__icontains=word)
            | Q(application__reference__icontains=word)
            | Q(application__acronym__icontains=word)
            | Q(application__title__icontains=word)
        )
    return queryset


def conflict_counts(*, call: Call, user: Any) -> dict[str, int]:
    """How many conflicts of each status the page has (one query)."""
    counts = dict.fromkeys(ConflictStatus.values, 0)
    rows = (
        call_conflicts(call=call, user=user)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts.update(dict(rows))
    return counts


def conflict_for_staff_or_404(*, call: Call, user: Any, pk: int) -> Conflict:
    try:
        return call_conflicts(call=call, user=user).get(pk=pk)
    except Conflict.DoesNotExist as exc:
        raise Http404 from exc


def staff_conflict_choices(*, call: Call, user: Any) -> tuple[QuerySet, QuerySet]:
    """Applications and invitations staff may mark as conflicting by hand."""
    applications = (
        Application.objects.filter(call=call)
        .exclude(status__in=NOT_REVIEWED)
        .exclude(conflict_clause(user))
        .order_by("reference", "pk")
    )
    invitations = (
        Invitation.objects.filter(call=call).select_related("expert").order_by("expert__full_name")
    )
    return applications, invitations
