"""The download of everything held about one person (a JSON file), audited."""

import json
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from aissai.accounts.models import User
from aissai.audit.models import AuditEvent
from aissai.audit.services import record_event
from aissai.notifications.models import OutboxMessage, OutboxStatus

from .common import by_email, experts_of, model

EXPORT_FORMAT = "aissai-personal-data/1"


def _profile(user: User) -> dict[str, Any]:
    correspondent = model("calls.InstituteCorrespondent")
    return {
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "orcid": user.orcid,
        "email_verified_at": user.email_verified_at,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "is_active": user.is_active,
        "programme_staff": user.is_programme_staff,
        "admin_access": user.is_staff,
        "institute_correspondent": [
            {
                "institute": row.institute.acronym,
                "active": row.active,
                "granted_at": row.granted_at,
                "revoked_at": row.revoked_at,
            }
            for row in correspondent.objects.filter(user=user).select_related("institute")
        ],
    }


def _applications(user: User) -> list[dict[str, Any]]:
    status_label = import_string("calls.selectors.applications.applicant_status_label")
    rows = (
        model("calls.Application")
        .objects.filter(coordinator=user)
        .select_related("call")
        .prefetch_related(
            "disciplines", "partners__unit", "partners__institute", "documents", "versions"
        )
        .prefetch_related("excluded_reviewers")
        .order_by("created_at", "pk")
    )
    return [
        {
            "id": a.pk,
            "reference": a.reference,
            "call": a.call.title_en,
            "status": status_label(a),
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
        for a in rows
    ]


def _partner_entries(email: str) -> list[dict[str, Any]]:
    rows = (
        model("calls.Partner")
        .objects.filter(by_email("lead_email", email))
        .select_related("application__call", "unit", "institute")
        .order_by("application_id", "pk")
    )
    return [
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
        for p in rows
    ]


def _reviews_of(invitation) -> list[dict[str, Any]]:
    out = []
    for assignment in invitation.assignments.all():
        review = getattr(assignment, "review", None)
        out.append(
            {
                "application": assignment.application.reference or "",
                "application_title": assignment.application.title,
                "active": assignment.is_active,
                "conflict_declaration": assignment.coi_declaration,
                "declared_at": assignment.coi_declared_at,
                "review": None
                if review is None
                else {
                    "status": review.status,
                    "recommendation": review.recommendation,
                    "confidence": review.confidence,
                    "weighted_score": review.total,
                    "comments_for_applicants": review.comments_for_applicants,
                    "comments_for_staff": review.comments_for_staff,
                    "submitted_at": review.submitted_at,
                    "scores": [
                        {
                            "criterion": s.criterion.name_en,
                            "score": s.score,
                            "not_applicable": s.not_applicable,
                            "comment": s.comment,
                        }
                        for s in review.scores.all()
                    ],
                },
            }
        )
    return out


def _expert_profiles(user: User | None, email: str) -> list[dict[str, Any]]:
    experts = experts_of(user, email).prefetch_related(
        "invitations__call",
        "invitations__acceptances__terms",
        "invitations__assignments__application",
        "invitations__assignments__review__scores__criterion",
    )
    return [
        {
            "full_name": e.full_name,
            "email": e.email,
            "institution": e.institution,
            "country": e.country,
            "keywords": e.keywords,
            "statement": e.statement,
            "orcid": e.orcid,
            "language": e.language,
            "invitations": [
                {
                    "call": i.call.title_en,
                    "status": i.status,
                    "max_load": i.max_load,
                    "sent_at": i.sent_at,
                    "responded_at": i.responded_at,
                    "decline_reason": i.decline_reason,
                    "suggested_colleague": i.suggested_colleague,
                    "confidentiality_accepted": [
                        {"version": c.terms.version, "accepted_at": c.accepted_at}
                        for c in i.acceptances.all()
                    ],
                    "assignments": _reviews_of(i),
                }
                for i in e.invitations.all()
            ],
        }
        for e in experts
    ]


def _mails_to(user: User | None, email: str) -> list[dict[str, Any]]:
    query = by_email("to_email", email) | (Q(recipient=user) if user else Q(pk__in=[]))
    rows = OutboxMessage.objects.filter(query, status=OutboxStatus.SENT).order_by("created_at")
    return [
        {
            "event": m.event,
            "to": m.to_email,
            "subject": m.subject,
            "body": m.body_text,
            "message_id": m.message_id,
            "sent_at": m.sent_at,
        }
        for m in rows
    ]


def _actions_of(user: User) -> list[dict[str, Any]]:
    rows = AuditEvent.objects.filter(actor=user).order_by("created_at", "pk")
    return [
        {"at": e.created_at, "action": e.verb, "object": e.target_repr, "details": e.data}
        for e in rows
    ]


def build_export(*, user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about ``user``, in plain JSON-ready values (a read, no write)."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now or timezone.now(),
        "profile": _profile(user),
        "applications_coordinated": _applications(user),
        "partner_entries": _partner_entries(user.email),
        "expert_profiles": _expert_profiles(user, user.email),
        "mails_sent_to_you": _mails_to(user, user.email),
        "your_actions": _actions_of(user),
    }


def export_personal_data(*, user: User) -> tuple[str, bytes]:
    """The person's data as a JSON file (name, content). Audited."""
    now = timezone.now()
    with transaction.atomic():
        data = build_export(user=user, now=now)
        record_event(
            actor=user,
            verb="accounts.personal_data_exported",
            target=user,
            data={key: len(value) for key, value in data.items() if isinstance(value, list)},
        )
    content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return f"aissai-my-data-{now:%Y%m%d}.json", content.encode()
