"""The demo's experts: eleven international reviewers with their own leniency, their
invitations and confidentiality terms, and the reviews they write for the past edition."""

from __future__ import annotations

import random
from datetime import timedelta

from aissai.accounts.demo import demo_password_hash
from aissai.accounts.models import User
from calls.models import Application, Call, Criterion
from reviews.generator import vocabulary as words
from reviews.models import (
    Assignment,
    CriterionScore,
    DeclaredConflict,
    Invitation,
    Recommendation,
    Review,
    ReviewStatus,
)
from reviews.scoring.weighted import CriterionSpec, weighted_total
from reviews.services.assignment.checks import start_review
from reviews.services.confidentiality import accept_terms, publish_terms
from reviews.services.invitations import ExpertData, accept_invitation, invite_expert
from reviews.services.review_counts import refresh_call_review_counts

PER_APPLICATION = 3

# (name, institution, country, e-mail domain, leniency, keywords). Fictitious domains,
# each distinct from the partners' (``*.labs.example``): no same-domain conflict.
EXPERTS = [
    (
        "Anna Weber",
        "Heidelberg University",
        "Germany",
        "uni-heidelberg.example",
        0.4,
        ["machine learning", "biology", "genomics"],
    ),
    (
        "Lars Jensen",
        "University of Copenhagen",
        "Denmark",
        "ku-copenhagen.example",
        -0.4,
        ["bayesian inference", "ecology", "climate"],
    ),
    (
        "Giulia Rossi",
        "Politecnico di Milano",
        "Italy",
        "polimi.example",
        0.0,
        ["computer vision", "engineering", "robotics"],
    ),
    (
        "Sven Andersson",
        "KTH Royal Institute of Technology",
        "Sweden",
        "kth.example",
        0.3,
        ["reinforcement learning", "control", "physics"],
    ),
    (
        "Mei Chen",
        "National University of Singapore",
        "Singapore",
        "nus.example",
        -0.3,
        ["graph neural networks", "chemistry", "materials"],
    ),
    (
        "Paolo Santos",
        "University of Lisbon",
        "Portugal",
        "ulisboa.example",
        0.0,
        ["natural language processing", "linguistics", "history"],
    ),
    (
        "Ingrid Virtanen",
        "University of Helsinki",
        "Finland",
        "helsinki.example",
        0.2,
        ["statistics", "mathematics", "optimal transport"],
    ),
    (
        "Ravi Patel",
        "University of Toronto",
        "Canada",
        "utoronto.example",
        -0.2,
        ["deep learning", "astrophysics", "earth sciences"],
    ),
    (
        "Freya Murphy",
        "University of Edinburgh",
        "United Kingdom",
        "ed-ac-uk.example",
        0.0,
        ["probabilistic programming", "particle physics"],
    ),
    (
        "Yuki Tanaka",
        "University of Tokyo",
        "Japan",
        "u-tokyo.example",
        0.1,
        ["neural networks", "neuroscience", "imaging"],
    ),
]
# The demo reviewer (a login) is the eleventh expert, neither lenient nor severe.
REVIEWER_LENIENCY, REVIEWER_KEYWORDS = -0.1, ["physics-informed learning", "glaciology"]


def slug(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


TERMS_EN = (
    "I will keep the applications and the reviews confidential, use them only for this "
    "evaluation and delete my copies once the call is decided."
)
TERMS_FR = (
    "Je garde les candidatures et les évaluations confidentielles, je ne les utilise que "
    "pour cette évaluation et je supprime mes copies une fois l’appel décidé."
)


def ensure_reviewer(call: Call, *, user: User, staff: User, data: ExpertData) -> Invitation:
    """Invite ``user`` (who has an account) to ``call``; they accept the invitation and the
    current confidentiality terms (published now if the call has none yet)."""
    invitation = invite_expert(call=call, by=staff, data=data)
    accept_invitation(invitation=invitation, user=user)
    terms = call.confidentiality_terms.order_by("-version").first()
    if terms is None:
        terms = publish_terms(call=call, by=staff, text_en=TERMS_EN, text_fr=TERMS_FR)
    accept_terms(invitation=invitation, user=user, version=terms.version)
    return invitation


def reviewer_data(user: User, *, keywords: list[str], max_load: int = 8) -> ExpertData:
    return ExpertData(
        full_name=user.full_name,
        email=user.email,
        institution="ETH Zürich",
        country="Switzerland",
        keywords=keywords,
        statement="Machine learning for the physical sciences.",
        language=user.language,
        max_load=max_load,
    )


def invite_experts(call: Call, *, staff: User, reviewer: User) -> list[tuple[Invitation, float]]:
    password = demo_password_hash()
    invitations = []
    for name, institution, country, domain, leniency, keywords in EXPERTS:
        email = f"{slug(name.split()[0])}.{slug(name.split()[-1])}@{domain}"
        user, _created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": name,
                "language": "en",
                "password": password,
                "email_verified_at": call.opens_at,
            },
        )
        data = ExpertData(
            full_name=name,
            email=email,
            institution=institution,
            country=country,
            keywords=keywords,
            statement=f"Research on {', '.join(keywords)}.",
            max_load=16,
        )
        invitations.append((ensure_reviewer(call, user=user, staff=staff, data=data), leniency))
    data = reviewer_data(reviewer, keywords=REVIEWER_KEYWORDS, max_load=16)
    invitation = ensure_reviewer(call, user=reviewer, staff=staff, data=data)
    invitations.append((invitation, REVIEWER_LENIENCY))
    return invitations


def _recommendation(total) -> str:
    if total >= 8:
        return Recommendation.STRONG_YES
    if total >= 6.5:
        return Recommendation.YES
    return Recommendation.MAYBE if total >= 5 else Recommendation.NO


def write_reviews(
    call: Call, applications: list[Application], invitations, *, staff: User, rng: random.Random
) -> None:
    """3 reviewers per application (a rotation that balances loads), declared without
    conflict; each scores the project's quality, shifted by their leniency, plus noise."""
    criteria = list(Criterion.objects.filter(call=call).order_by("position"))
    specs = [CriterionSpec.from_criterion(c) for c in criteria]
    count = len(applications)
    qualities = [4.5 - 2.6 * i / (count - 1) for i in range(count)]
    rng.shuffle(qualities)
    declared_at = call.review_deadline - timedelta(days=60)
    assignments = []
    for i, application in enumerate(applications):
        for j in range(PER_APPLICATION):
            invitation, _leniency = invitations[(i + j * 4) % len(invitations)]
            assignments.append(
                Assignment(
                    invitation=invitation,
                    application=application,
                    coi_declaration=DeclaredConflict.NONE,
                    coi_declared_at=declared_at,
                    created_by=staff,
                )
            )
    Assignment.objects.bulk_create(assignments)
    start_review([a.pk for a in applications], staff)
    leniency_of = {invitation.pk: leniency for invitation, leniency in invitations}
    index_of = {a.pk: i for i, a in enumerate(applications)}
    reviews, scores_of = [], []
    for assignment in assignments:
        quality = qualities[index_of[assignment.application_id]]
        bias = leniency_of[assignment.invitation_id]
        scores = {}
        for criterion in criteria:
            value = round(quality + bias + rng.gauss(0, 0.45))
            scores[criterion.pk] = min(max(value, criterion.scale_min), criterion.scale_max)
        total = weighted_total(scores, specs)
        reviews.append(
            Review(
                assignment=assignment,
                status=ReviewStatus.SUBMITTED,
                recommendation=_recommendation(total),
                confidence=rng.choice([3, 4, 4, 5]),
                comments_for_applicants=rng.choice(words.APPLICANT_COMMENTS),
                total=total,
                submitted_at=call.review_deadline - timedelta(days=rng.randint(2, 30)),
            )
        )
        scores_of.append(scores)
    Review.objects.bulk_create(reviews)
    refresh_call_review_counts(call)  # written in bulk, without model signals
    CriterionScore.objects.bulk_create(
        CriterionScore(review=review, criterion_id=pk, score=value)
        for review, scores in zip(reviews, scores_of, strict=True)
        for pk, value in scores.items()
    )
