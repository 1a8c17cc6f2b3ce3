"""Reads of fellowships, scoped to what a person may see.

``fellowships_visible_to`` is the one selector every list and detail page uses: a
fellowship a person may not see does not exist for them (404).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from awards.models import AwardSettings, Fellowship
from calls.models import Application, Call
from calls.selectors.applications import correspondent_clause


def fellowships_visible_to(user) -> QuerySet[Fellowship]:
    """Programme staff: every fellowship. Others: those of the projects they coordinate,
    their own as the fellow, and, as an institute correspondent, those of the projects in
    which a unit takes part under one of their institutes (read-only)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Fellowship.objects.none()
    if getattr(user, "is_programme_staff", False):
        return Fellowship.objects.all()
    involved = Application.objects.filter(correspondent_clause(user)).values("pk")
    return Fellowship.objects.filter(
        Q(application__coordinator=user) | Q(fellow=user) | Q(application__in=involved)
    )


def with_details(queryset: QuerySet[Fellowship]) -> QuerySet[Fellowship]:
    return queryset.select_related(
        "application__call", "application__coordinator", "funding_source", "hosting_unit", "fellow"
    )


def call_fellowships(call: Call) -> QuerySet[Fellowship]:
    """The fellowships of ``call`` for its staff page (callers fetch the call through
    ``calls.selectors.calls.staff_call_or_404``)."""
    return with_details(Fellowship.objects.filter(application__call=call)).order_by(
        "application__reference", "pk"
    )


def my_fellowships(user) -> QuerySet[Fellowship]:
    return with_details(fellowships_visible_to(user)).order_by(
        "-application__call__edition_year", "application__reference", "pk"
    )


def award_settings(call: Call) -> AwardSettings:
    """The call's award settings (unsaved defaults when staff never set them)."""
    return AwardSettings.objects.filter(call=call).first() or AwardSettings(call=call)
