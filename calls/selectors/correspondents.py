"""Reads for institute correspondents: their roles, and the applications of their institutes.

What a correspondent may open is decided by ``applications_visible_to`` (one query, an
EXISTS on the partners); the pages here only narrow it down to their institutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from calls.models import Application, Call, Institute, InstituteCorrespondent, Partner
from calls.selectors.applications import applications_visible_to, correspondent_clause

# Cached on the user object: the navigation asks on every page, the pages ask again.
_ROLES_CACHE = "_calls_correspondent_roles"


def correspondent_roles(user: Any) -> tuple[InstituteCorrespondent, ...]:
    """The person's active correspondent roles with their institute, by institute acronym.

    At most one query per user object (that is, per request): the answer is kept on it.
    """
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        cached = tuple(
            InstituteCorrespondent.objects.active()
            .filter(user_id=user.pk)
            .select_related("institute")
            .order_by("institute__acronym")
        )
        setattr(user, _ROLES_CACHE, cached)
    return cached


def forget_correspondent_roles(user: Any) -> None:
    """Drop the cached roles (after a change to this person's roles in this request)."""
    if user is not None and hasattr(user, _ROLES_CACHE):
        delattr(user, _ROLES_CACHE)


def correspondent_institutes(user: Any) -> list[Institute]:
    return [role.institute for role in correspondent_roles(user)]


def correspondent_institute_ids(user: Any) -> frozenset[int]:
    return frozenset(role.institute_id for role in correspondent_roles(user))


def is_correspondent(user: Any) -> bool:
    return bool(correspondent_roles(user))


# The correspondent's page ----------------------------------------------------------------


@dataclass(frozen=True)
class InstituteFilters:
    call: Call | None = None
    status: str = ""
    institute: Institute | None = None


def institute_applications(user: Any, filters: InstituteFilters) -> QuerySet[Application]:
    """The applications of the correspondent's institutes, filtered, newest call first.

    Built on ``applications_visible_to`` so the list and the detail page agree; the
    correspondent clause then drops the person's other roles (their own drafts as an
    applicant, every application as staff)."""
    queryset = applications_visible_to(user).filter(correspondent_clause(user))
    if filters.call is not None:
        queryset = queryset.filter(call=filters.call)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.institute is not None:
        queryset = queryset.filter(
            Exists(
                Partner.objects.filter(
                    application_id=OuterRef("pk"), institute_id=filters.institute.pk
                )
            )
        )
    return (
        queryset.select_related("call", "coordinator")
        .prefetch_related(
            Prefetch(
                "partners",
                queryset=Partner.objects.select_related("unit", "institute").order_by(
                    "position", "id"
                ),
            )
        )
        .order_by("-call__closes_at", "call_id", "reference", "id")
    )


def institute_calls(user: Any) -> QuerySet[Call]:
    """The calls with at least one application the correspondent may see (filter choices)."""
    applications = applications_visible_to(user).filter(correspondent_clause(user))
    return Call.objects.filter(
        Exists(applications.filter(call_id=OuterRef("pk")).values("pk"))
    ).order_by("-closes_at", "pk")


# Programme staff: the list of roles -------------------------------------------------------


def correspondents_for_staff() -> QuerySet[InstituteCorrespondent]:
    """Every role, active first, with who granted and revoked it (one query)."""
    return InstituteCorrespondent.objects.select_related(
        "user", "institute", "granted_by", "revoked_by"
    ).order_by("-active", "institute__acronym", "user__full_name", "user__email")
