"""What the calls app holds about a person, registered with ``aissai.accounts.personal_data``
(see its ``registry``): the applications they coordinate, the partner entries and
exclusion requests naming them, their institute correspondent role."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.accounts.personal_data.common import PLACEHOLDER_NAME, by_email, placeholder_email
from aissai.accounts.personal_data.registry import Holder, Participation, Person
from calls.models import (
    Application,
    ApplicationVersion,
    Call,
    CallStatus,
    ExcludedReviewer,
    InstituteCorrespondent,
    Partner,
)
from calls.selectors.applications import applicant_status_label

FINISHED_CALL_STATUSES = (CallStatus.DECIDED, CallStatus.ARCHIVED)


def call_participation(call: Call) -> Participation:
    return Participation(
        call_id=call.pk,
        label=str(call),
        finished=call.status in FINISHED_CALL_STATUSES,
        moments=(call.closes_at, call.review_deadline),
    )


def _profile(person: Person) -> dict[str, Any]:
    rows = InstituteCorrespondent.objects.filter(user=person.user).select_related("institute")
    return {
        "institute_correspondent": [
            {
                "institute": row.institute.acronym,
                "active": row.active,
                "granted_at": row.granted_at,
                "revoked_at": row.revoked_at,
            }
            for row in (rows if person.user is not None else [])
        ]
    }


def _application(a: Application) -> dict[str, Any]:
    return {
        "id": a.pk,
        "reference": a.reference,
        "call": a.call.title_en,
        "status": applicant_status_label(a),
        "title": a.title,
        "acronym": a.acronym,
        "abstract": a.abstract,
        "keywords": a.keywords,
        "disciplines": [d.name_en for d in a.disciplines.all()],
        "ai_side": a.ai_side,
        "science_side": a.science_side,
        "postdoc_profile": a.postdoc_profile,
        "planned_start": a.planned_start,
        "industry_interest": a.industry_interest,
        "submitted_at": a.submitted_at,
        "submitted_versions": [
            {"version": v.number, "submitted_at": v.submitted_at} for v in a.versions.all()
        ],
        "withdrawal_reason": a.withdrawal_reason,
        "partners": [
            {
                "unit": p.unit.label,
                "institute": p.institute.acronym,
                "lead_name": p.lead_name,
                "lead_email": p.lead_email,
                "coordinating": p.is_coordinating,
                "confirmed_at": p.confirmed_at,
            }
            for p in a.partners.all()
        ],
        "excluded_reviewers": [
            {"name": e.name, "institution": e.institution, "email": e.email, "reason": e.reason}
            for e in a.excluded_reviewers.all()
        ],
        "documents": [
            {
                "kind": d.kind,
                "file_name": d.original_name,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": d.uploaded_at,
                "current": d.is_current,
            }
            for d in a.documents.all()
        ],
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def _export(person: Person) -> dict[str, Any]:
    applications = []
    if person.user is not None:
        rows = (
            Application.objects.filter(coordinator=person.user)
            .select_related("call")
            .prefetch_related(
                "disciplines", "partners__unit", "partners__institute", "documents", "versions"
            )
            .prefetch_related("excluded_reviewers")
            .order_by("created_at", "pk")
        )
        applications = [_application(a) for a in rows]
    partners = (
        Partner.objects.filter(by_email("lead_email", person.email))
        .select_related("application__call", "unit", "institute")
        .order_by("application_id", "pk")
    )
    return {
        "applications_coordinated": applications,
        "partner_entries": [
            {
                "application": p.application.reference or "",
                "application_title": p.application.title,
                "call": p.application.call.title_en,
                "unit": p.unit.label,
                "institute": p.institute.acronym,
                "lead_name": p.lead_name,
                "lead_email": p.lead_email,
                "coordinating": p.is_coordinating,
                "confirmation_sent_at": p.confirmation_sent_at,
                "confirmed_at": p.confirmed_at,
            }
            for p in partners
        ],
    }


def _scrub_snapshot(snapshot: dict[str, Any], email: str, token: str) -> bool:
    """Replace the person in a submitted version's frozen content; True if it changed."""
    changed = False
    for partner in snapshot.get("partners", []):
        if (partner.get("lead_email") or "").lower() == email:
            partner.update(
                lead_name=PLACEHOLDER_NAME, lead_email=placeholder_email(token, "partner-")
            )
            changed = True
    for excluded in snapshot.get("excluded_reviewers", []):
        if (excluded.get("email") or "").lower() == email:
            excluded.update(name=PLACEHOLDER_NAME, email="", institution="", reason="")
            changed = True
    return changed


def _anonymise(person: Person, token: str, by: Any) -> dict[str, int]:
    email = person.email
    partners = Partner.objects.filter(by_email("lead_email", email))
    excluded = ExcludedReviewer.objects.filter(by_email("email", email))
    touched = set(partners.values_list("application_id", flat=True))
    touched |= set(excluded.values_list("application_id", flat=True))
    changed = {
        "partner_entries": partners.update(
            lead_name=PLACEHOLDER_NAME, lead_email=placeholder_email(token, "partner-")
        ),
        "excluded_reviewer_entries": excluded.update(
            name=PLACEHOLDER_NAME, email="", institution="", reason=""
        ),
        "submitted_versions": 0,
        "withdrawal_reasons": 0,
    }
    versions = ApplicationVersion.objects.filter(application_id__in=touched)
    for version in versions.select_for_update():
        if _scrub_snapshot(version.snapshot, email, token):
            version.save(update_fields=["snapshot"])
            changed["submitted_versions"] += 1
    if person.user is not None:
        coordinated = Application.objects.filter(coordinator=person.user)
        changed["withdrawal_reasons"] = coordinated.exclude(withdrawal_reason="").update(
            withdrawal_reason=""
        )
        InstituteCorrespondent.objects.filter(user=person.user, active=True).update(
            active=False,
            revoked_at=timezone.now(),
            revoked_by=by if getattr(by, "is_authenticated", False) else None,
        )
    return changed


def _participation(person: Person) -> list[Participation]:
    query = Q(applications__partners__lead_email__iexact=person.email)
    if person.user is not None:
        query |= Q(applications__coordinator=person.user)
    calls = Call.objects.filter(pk__in=Call.objects.filter(query).values("pk")).order_by("pk")
    return [call_participation(call) for call in calls]


def _ongoing_roles(person: Person) -> list[str]:
    if person.user is None:
        return []
    if InstituteCorrespondent.objects.filter(user=person.user, active=True).exists():
        return [_("the person is an active institute correspondent")]
    return []


HOLDER = Holder(
    label="calls",
    profile=_profile,
    export=_export,
    anonymise=_anonymise,
    participation=_participation,
    ongoing_roles=_ongoing_roles,
)
