"""What conflict detection reads about a call, in a fixed number of queries whatever its
size: the applications under review with their partners, units, parent institutions and
exclusion lists, the accepted experts with their recent co-authors, and the reviewers who
are an application's coordinator. ``reviews.services.conflicts`` stores what it finds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from calls.models import Application, Call, ExcludedReviewer, Partner, Unit
from reviews.conflicts.detection import (
    ApplicationInfo,
    Coauthorship,
    ExclusionInfo,
    ExpertInfo,
    Institution,
    PartnerInfo,
    Reason,
    Status,
)
from reviews.conflicts.detection import Conflict as Finding
from reviews.models import (
    Invitation,
    InvitationStatus,
    Publication,
)
from reviews.selectors.conflicts import NOT_REVIEWED


def scoped_applications(call: Call, application_ids: Iterable[int] | None):
    """The call's applications under review (or only those of ``application_ids``)."""
    queryset = Application.objects.filter(call=call).exclude(status__in=NOT_REVIEWED)
    if application_ids is not None:
        queryset = queryset.filter(pk__in=list(application_ids))
    return queryset


def scoped_invitations(call: Call, invitation_ids: Iterable[int] | None):
    """The call's accepted invitations (or only those of ``invitation_ids``)."""
    queryset = Invitation.objects.filter(call=call, status=InvitationStatus.ACCEPTED)
    if invitation_ids is not None:
        queryset = queryset.filter(pk__in=list(invitation_ids))
    return queryset


def detection_inputs(
    *, call: Call, application_ids: Iterable[int] | None = None, invitation_ids=None
) -> tuple[list[ApplicationInfo], list[ExpertInfo]]:
    """The detection's inputs for the call, in six queries: applications (with their
    coordinator's name), partners (unit, unit domains, lead), the units' parent
    institutions, the exclusion lists, the accepted experts and their publications of the
    call's window of years."""
    applications = scoped_applications(call, application_ids)
    rows = list(applications.order_by("pk").values_list("pk", "coordinator__full_name"))
    partners = _partner_infos(applications)
    exclusions = _exclusion_infos(applications)
    application_infos = [
        ApplicationInfo(
            id=pk,
            partners=tuple(partners[pk]),
            exclusions=tuple(exclusions[pk]),
            coordinator_name=coordinator or "",
        )
        for pk, coordinator in rows
    ]
    return application_infos, _expert_infos(call, scoped_invitations(call, invitation_ids))


def _unit_institutions(partners) -> dict[int, dict[int, Institution]]:
    """Unit id → its parent institutions by id (one query)."""
    institutions: dict[int, dict[int, Institution]] = defaultdict(dict)
    through = Unit.parent_institutions.through.objects.filter(
        unit_id__in=partners.values("unit_id")
    ).values_list(
        "unit_id",
        "parentinstitution_id",
        "parentinstitution__name",
        "parentinstitution__acronym",
        "parentinstitution__email_domains",
    )
    for unit_id, pk, name, acronym, domains in through:
        institutions[unit_id][pk] = Institution(
            id=pk, name=name, acronym=acronym, email_domains=tuple(domains or ())
        )
    return institutions


def _partner_infos(applications) -> dict[int, list[PartnerInfo]]:
    """Application id → its partners in order, with their units' institutions."""
    partners = Partner.objects.filter(application__in=applications.values("pk"))
    institutions = _unit_institutions(partners)
    by_application: dict[int, list[PartnerInfo]] = defaultdict(list)
    for (
        application_id,
        unit_id,
        label,
        domains,
        lead_email,
        lead_name,
        unit_acronym,
        unit_rnsr,
    ) in partners.order_by("application_id", "position", "pk").values_list(
        "application_id",
        "unit_id",
        "unit__label",
        "unit__email_domains",
        "lead_email",
        "lead_name",
        "unit__acronym",
        "unit__rnsr",
    ):
        by_application[application_id].append(
            PartnerInfo(
                unit_id=unit_id,
                institutions=tuple(institutions[unit_id].values()),
                unit_email_domains=tuple(domains or ()),
                lead_email=lead_email,
                lead_name=lead_name,
                unit_label=label,
                unit_acronym=unit_acronym,
                unit_rnsr=unit_rnsr,
            )
        )
    return by_application


def _exclusion_infos(applications) -> dict[int, list[ExclusionInfo]]:
    """Application id → the reviewers its applicants asked to exclude (one query)."""
    exclusions: dict[int, list[ExclusionInfo]] = defaultdict(list)
    for application_id, name, institution, email in (
        ExcludedReviewer.objects.filter(application__in=applications.values("pk"))
        .order_by("application_id", "pk")
        .values_list("application_id", "name", "institution", "email")
    ):
        exclusions[application_id].append(
            ExclusionInfo(name=name, institution=institution, email=email)
        )
    return exclusions


def _expert_infos(call: Call, invitations) -> list[ExpertInfo]:
    """The accepted experts with their recent co-authors (two queries)."""
    coauthors = recent_coauthors(call=call, invitations=invitations)
    return [
        ExpertInfo(
            id=pk,
            name=name,
            email=email,
            institution=institution,
            unit_id=unit,
            orcid=orcid,
            coauthors=coauthors.get(expert_id, ()),
        )
        for pk, expert_id, name, email, institution, unit, orcid in invitations.order_by(
            "pk"
        ).values_list(
            "pk",
            "expert_id",
            "expert__full_name",
            "expert__email",
            "expert__institution",
            "expert__unit_id",
            "expert__orcid",
        )
    ]


def recent_coauthors(*, call: Call, invitations) -> dict[int, tuple[Coauthorship, ...]]:
    """Expert id → the co-authors of their publications of the call's window (the current
    calendar year and the ``coauthorship_years − 1`` before it), one query."""
    since = timezone.localdate().year - call.coauthorship_years + 1
    found: dict[int, list[Coauthorship]] = defaultdict(list)
    for expert_id, authors, year, title in Publication.objects.filter(
        expert__in=invitations.values("expert_id"), year__gte=since
    ).values_list("expert_id", "authors", "year", "title"):
        found[expert_id] += [Coauthorship(name=name, year=year, title=title) for name in authors]
    return {expert_id: tuple(names) for expert_id, names in found.items()}


def coordinator_findings(
    *, call: Call, application_ids: Iterable[int] | None = None, invitation_ids=None
) -> list[Finding]:
    """A reviewer who is the application's coordinator (same account or same e-mail): the
    same person, confirmed (two queries)."""
    by_user: dict[int, list[int]] = defaultdict(list)
    by_email: dict[str, list[int]] = defaultdict(list)
    for pk, user_id, email in scoped_applications(call, application_ids).values_list(
        "pk", "coordinator_id", "coordinator__email"
    ):
        by_user[user_id].append(pk)
        by_email[(email or "").strip().casefold()].append(pk)
    findings = []
    for pk, user_id, email in scoped_invitations(call, invitation_ids).values_list(
        "pk", "expert__user_id", "expert__email"
    ):
        email = (email or "").strip().casefold()
        same = set(by_user.get(user_id, ()) if user_id else ()) | set(
            by_email.get(email, ()) if email else ()
        )
        findings += [
            Finding(pk, application_id, Reason.SAME_PERSON, email, Status.CONFIRMED)
            for application_id in sorted(same)
        ]
    return findings
