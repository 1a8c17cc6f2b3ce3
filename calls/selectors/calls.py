"""Reads of calls: the public listing and pages, and the staff's call list."""

from datetime import datetime

import rules
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from calls.models import ApplicationStatus, Call, Criterion, FundingSource, RequiredDocument


def is_programme_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_programme_staff)


def listed_calls(now: datetime | None = None) -> QuerySet[Call]:
    """Open and upcoming calls for the public list, the nearest deadline first."""
    return Call.objects.listed(now).order_by("closes_at", "pk")


def public_call_or_404(slug: str) -> Call:
    """A published call (never a draft) with what its public page shows."""
    queryset = Call.objects.published().prefetch_related(
        Prefetch("criteria", queryset=Criterion.objects.order_by("position", "pk")),
        Prefetch(
            "required_documents", queryset=RequiredDocument.objects.order_by("position", "pk")
        ),
    )
    try:
        return queryset.get(slug=slug)
    except Call.DoesNotExist as exc:
        raise Http404 from exc


def calls_for_staff(user, *, counts: bool = True) -> QuerySet[Call]:
    """Every call, with its application counts unless ``counts`` is false, for programme
    staff; nothing for others."""
    if not is_programme_staff(user):
        return Call.objects.none()
    calls = Call.objects.order_by("-edition_year", "-opens_at", "-pk")
    if not counts:
        return calls
    return calls.annotate(
        applications_total=Count("applications", distinct=True),
        applications_submitted=Count(
            "applications",
            filter=~Q(
                applications__status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN]
            ),
            distinct=True,
        ),
    )


def staff_call_or_404(
    user, slug: str, permission: str = "calls.manage_calls", *, counts: bool = False
) -> Call:
    """The one way a staff page fetches its call: one call of ``calls_for_staff`` (with its
    criteria, documents and funding sources) that ``user`` holds the rules ``permission``
    on; 404 for a call that does not exist and for anyone without the permission alike.
    Its application counts come only when ``counts`` (the call's page): counting a large
    call's applications is a join over all of them, on every staff page otherwise."""
    queryset = calls_for_staff(user, counts=counts).prefetch_related(
        Prefetch("criteria", queryset=Criterion.objects.order_by("position", "pk")),
        Prefetch(
            "required_documents", queryset=RequiredDocument.objects.order_by("position", "pk")
        ),
        Prefetch("funding_sources", queryset=FundingSource.objects.order_by("created_at", "pk")),
    )
    try:
        call = queryset.get(slug=slug)
    except Call.DoesNotExist as exc:
        raise Http404 from exc
    if not rules.test_rule(permission, user, call):
        raise Http404
    return call
