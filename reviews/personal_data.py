"""What the reviews app holds about a person, registered with
``aissai.accounts.personal_data`` (see its ``registry``): their reviewer profiles,
invitations, assignments and reviews; and the decisions and selection milestones that
tell when a call stopped needing its people."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db.models import Max, Q, QuerySet

from aissai.accounts.personal_data.common import PLACEHOLDER_NAME, by_email, placeholder_email
from aissai.accounts.personal_data.registry import Holder, Participation, Person
from calls.models import Call
from calls.personal_data import call_participation
from reviews.models import (
    Assignment,
    Conflict,
    ConflictSource,
    CriterionScore,
    Expert,
    FundingDecision,
    Invitation,
    Review,
    Selection,
)


def experts_of(person: Person) -> QuerySet[Expert]:
    """The reviewer profiles of a person: linked to the account or under the address."""
    query = by_email("email", person.email)
    if person.user is not None:
        query |= Q(user=person.user)
    return Expert.objects.filter(query)


def _reviews_of(invitation: Invitation) -> list[dict[str, Any]]:
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


def _export(person: Person) -> dict[str, Any]:
    experts = experts_of(person).prefetch_related(
        "invitations__call",
        "invitations__acceptances__terms",
        "invitations__assignments__application",
        "invitations__assignments__review__scores__criterion",
    )
    return {
        "expert_profiles": [
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
    }


def _anonymise(person: Person, token: str, by: Any) -> dict[str, int]:
    experts = experts_of(person)
    invitations = Invitation.objects.filter(expert__in=experts)
    assignments = Assignment.objects.filter(invitation__in=invitations)
    reviews = Review.objects.filter(assignment__in=assignments)
    changed = {
        "review_comments": reviews.update(comments_for_applicants="", comments_for_staff=""),
        "criterion_comments": CriterionScore.objects.filter(review__in=reviews)
        .exclude(comment="")
        .update(comment=""),
        "expert_profiles": 0,
    }
    assignments.exclude(end_reason="").update(end_reason="")
    Conflict.objects.filter(invitation__in=invitations, source=ConflictSource.DECLARED).update(
        reason=""
    )
    invitations.update(decline_reason="", suggested_colleague="")
    for expert in experts.select_for_update():
        expert.full_name = PLACEHOLDER_NAME
        expert.email = placeholder_email(token, "expert-")
        expert.institution = expert.statement = expert.orcid = ""
        expert.keywords = []
        expert.save(
            update_fields=["full_name", "email", "institution", "statement", "orcid", "keywords"]
        )
        changed["expert_profiles"] += 1
    return changed


def _participation(person: Person) -> list[Participation]:
    calls = Call.objects.filter(
        pk__in=Invitation.objects.filter(expert__in=experts_of(person)).values("call_id")
    ).order_by("pk")
    return [call_participation(call) for call in calls]


def _call_moments(call_ids: Collection[int]) -> dict[int, list[datetime]]:
    """The last funding decision and the selection's milestones of each call."""
    moments: dict[int, list[datetime]] = defaultdict(list)
    decided = (
        FundingDecision.objects.filter(application__call_id__in=call_ids)
        .values("application__call_id")
        .annotate(at=Max("decided_at"))
    )
    for row in decided:
        moments[row["application__call_id"]].append(row["at"])
    for selection in Selection.objects.filter(call_id__in=call_ids):
        moments[selection.call_id] += [selection.published_at, selection.closed_at]
    return {pk: [m for m in values if m is not None] for pk, values in moments.items()}


HOLDER = Holder(
    label="reviews",
    export=_export,
    anonymise=_anonymise,
    participation=_participation,
    call_moments=_call_moments,
)
