"""Whose evaluation a member of programme staff may read: never that of an application they
take part in (a role never leaks rights into another).

A staff member's conflict with an application is *in effect* when they

- coordinate it;
- lead one of its partner units **and confirmed it** (from the link mailed to them): an
  applicant types the lead's address, so naming a staff member is not enough to hide an
  application from them;
- declared it, or the call's managers confirmed it (:class:`calls.models.StaffConflict`).

An application that names a staff member who has not confirmed is a conflict *to rule
on* (:func:`named_staff_to_rule`): the managers confirm it or clear it.

Every page, export and admin list that shows reviews, reviewer identities, scores, the
dossier, the assignment or the screening of applications reads through
:func:`evaluation_visible_to` (a queryset) or :func:`withheld_ids` (the ids to leave out
of figures computed for the whole call). Set-membership clauses, no per-row check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

from calls.models import (
    Application,
    ApplicationStatus,
    Call,
    Partner,
    StaffConflict,
    StaffConflictStatus,
)


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_programme_staff(user: Any) -> bool:
    return _signed_in(user) and bool(getattr(user, "is_programme_staff", False))


def _conflict_sources(user: Any) -> tuple[Q, list[QuerySet]]:
    """The rule of a conflict in effect, in its parts: the coordinator clause on
    applications and the querysets of the ``application_id`` of the user's confirmed
    partners and confirmed rulings (each an indexed lookup of a few rows)."""
    sources = [
        StaffConflict.objects.filter(user_id=user.pk, status=StaffConflictStatus.CONFIRMED)
        .order_by()
        .values("application_id")
    ]
    email = (user.email or "").strip()
    if email:
        # ``iexact`` compares upper-cased addresses, which an expression index serves.
        sources.append(
            Partner.objects.filter(lead_email__iexact=email, confirmed_at__isnull=False)
            .order_by()
            .values("application_id")
        )
    return Q(coordinator_id=user.pk), sources


def conflict_clause(user: Any) -> Q:
    """The applications with which ``user``'s conflict is in effect (see the module).

    Set membership (``IN``) rather than a correlated ``EXISTS``: PostgreSQL runs each
    subquery once and hashes it, instead of probing for every application (a per-row
    probe of the rulings cost 20 ms over a 10,000-application call)."""
    if not _signed_in(user):
        return Q(pk__in=[])
    clause, sources = _conflict_sources(user)
    for source in sources:
        clause |= Q(pk__in=source)
    return clause


def evaluation_visible_to(user: Any) -> QuerySet[Application]:
    """Applications whose evaluation (reviews, scores, reviewer identities, assignment,
    screening, dossier, places on the lists) ``user`` may read: programme staff, minus
    their conflicts. Nothing for anyone else."""
    if not is_programme_staff(user):
        return Application.objects.none()
    return Application.objects.exclude(conflict_clause(user))


def withheld_ids(user: Any, *, call: Call | int) -> frozenset[int]:
    """Ids of the applications of ``call`` withheld from ``user`` because of a conflict
    (one query: a union of index lookups, never a pass over the call's applications).
    Pages and exports built on whole-call figures leave these out."""
    if not _signed_in(user):
        return frozenset()
    call_id = getattr(call, "pk", call)
    clause, sources = _conflict_sources(user)
    own = Application.objects.filter(clause, call_id=call_id).order_by().values_list("pk")
    parts = [
        source.filter(application__call_id=call_id).values_list("application_id")
        for source in sources
    ]
    return frozenset(pk for (pk,) in own.union(*parts))


def conflicted_application_ids(user: Any) -> frozenset[int]:
    """Ids of every application, whatever its call, whose evaluation ``user`` may not read
    because of a conflict in effect (one query)."""
    if not _signed_in(user):
        return frozenset()
    return frozenset(
        Application.objects.filter(conflict_clause(user)).order_by().values_list("pk", flat=True)
    )


def is_in_conflict(user: Any, application: Application) -> bool:
    """``conflict_clause`` for one application already loaded (its prefetched partners are
    used; one query for a declared or ruled conflict)."""
    if not _signed_in(user) or application is None:
        return False
    if application.coordinator_id == user.pk:
        return True
    email = (user.email or "").strip().casefold()
    if email and any(
        partner.confirmed_at is not None and partner.lead_email.strip().casefold() == email
        for partner in application.partners.all()
    ):
        return True
    return StaffConflict.objects.filter(
        application_id=application.pk, user_id=user.pk, status=StaffConflictStatus.CONFIRMED
    ).exists()


# --- Conflicts to rule on ----------------------------------------------------------------


@dataclass(frozen=True)
class NamedStaff:
    """An application that names a staff member as a partner lead who has not confirmed."""

    application_id: int
    reference: str
    title: str
    staff_id: int
    staff_name: str
    staff_email: str
    unit: str


def named_staff_to_rule(call: Call) -> list[NamedStaff]:
    """Submitted applications of ``call`` naming a member of programme staff as the lead of
    a partner unit they have not confirmed, with no ruling yet (at most three queries).

    The staff (a handful of people) are read first and the partners matched on their
    upper-cased addresses (indexed, as ``iexact`` compares them): a per-partner lookup of
    the user by address read the whole user table for each of a large call's partners
    (0.7 s at 10,000 applications)."""
    User = get_user_model()
    staff = {
        person.email.upper(): person
        for person in User.objects.filter(is_programme_staff=True, is_active=True)
    }
    if not staff:
        return []
    partners = (
        Partner.objects.annotate(lead=Upper("lead_email"))
        .filter(application__call=call, confirmed_at__isnull=True, lead__in=list(staff))
        .exclude(application__status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
        .order_by("application__reference", "application_id", "position", "pk")
        .values_list(
            "application_id", "application__reference", "application__title", "lead", "unit__label"
        )
    )
    rows = [(*row[:3], staff[row[3]], row[4]) for row in partners]
    ruled = (
        set(
            StaffConflict.objects.filter(
                application_id__in={row[0] for row in rows},
                user_id__in={row[3].pk for row in rows},
            ).values_list("application_id", "user_id")
        )
        if rows
        else set()
    )
    return [
        NamedStaff(
            application_id=application_id,
            reference=reference or "",
            title=title,
            staff_id=person.pk,
            staff_name=person.get_full_name(),
            staff_email=person.email,
            unit=unit,
        )
        for application_id, reference, title, person, unit in rows
        if (application_id, person.pk) not in ruled
    ]
