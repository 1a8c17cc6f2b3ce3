"""Experts, their accepted invitations, conflicts of interest, balanced assignments and
reviews whose scores come from a known model:

    score = 3 + quality[application] + leniency[reviewer] + noise   (rounded, 0–5)

per criterion, so that calibration has something true to recover. Totals are computed by
``reviews.scoring.weighted`` like the review form does. In the selection stage the
applications with the best mean are shortlisted, the others are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from aissai.accounts.models import User
from calls.models import Application, ApplicationStatus
from reviews.models import (
    Assignment,
    ConfidentialityAcceptance,
    Conflict,
    ConflictSource,
    ConflictStatus,
    CriterionScore,
    DeclaredConflict,
    Expert,
    Invitation,
    InvitationStatus,
    Recommendation,
    Review,
    ReviewStatus,
)
from reviews.scoring.weighted import CriterionSpec, weighted_total

from . import vocabulary as words
from .applications import PlannedApplication, person_name
from .context import OPEN, REVIEW, Context
from .setup import list_sizes

S = ApplicationStatus
CONFLICT_SHARE = 0.03  # applications with a detected conflict (not assigned to it)
DECLARED_SHARE = 0.005  # applications where an assigned reviewer declared a conflict
# (submitted, draft) shares of the live assignments; the rest is not started.
REVIEW_SHARES = {REVIEW: (0.6, 0.15), "selection": (0.96, 0.02)}
SHORTLIST_SHARE = 0.45
CONFIDENCE = (1, 2, 3, 4, 5)
CONFIDENCE_P = (0.05, 0.15, 0.35, 0.3, 0.15)


@dataclass
class PlannedExpert:
    index: int
    name: str
    institution: str
    country: str
    keywords: list[str]
    statement: str
    leniency: float


def plan_experts(context: Context) -> list[PlannedExpert]:
    rng = context.rng
    disciplines = sorted(context.objects["disciplines"])
    leniency = context.np_rng.normal(0.0, 0.5, context.options.experts)
    experts = []
    for index in range(context.options.experts):
        institution, country, _domain = rng.choice(words.INSTITUTIONS)
        science = words.SCIENCE_KEYWORDS[rng.choice(disciplines)]
        ai = rng.sample(words.AI_KEYWORDS, 3)
        chosen = rng.sample(science, 3)
        experts.append(
            PlannedExpert(
                index=index,
                name=person_name(context),
                institution=institution,
                country=country,
                keywords=[*ai, *chosen],
                statement=rng.choice(words.STATEMENT_TEMPLATES).format(ai=ai[0], science=chosen[0]),
                leniency=float(leniency[index]),
            )
        )
    return experts


def create_experts(context: Context, planned: list[PlannedExpert]) -> list[Invitation]:
    """Experts with an account, an accepted invitation and the current terms accepted."""
    now, call = context.now, context.objects["call"]
    users = context.insert(
        User,
        (
            User(
                email=f"expert-{p.index:05d}@{context.domain}",
                full_name=p.name,
                language="en",
                password=context.objects["password_hash"],
                email_verified_at=now,
            )
            for p in planned
        ),
    )
    experts = context.insert(
        Expert,
        (
            Expert(
                full_name=p.name,
                email=user.email,
                institution=p.institution,
                country=p.country,
                keywords=p.keywords,
                statement=p.statement,
                language="en",
                user=user,
            )
            for p, user in zip(planned, users, strict=True)
        ),
    )
    applications = context.options.applications
    k = context.options.reviews_per_application
    average = applications * k / max(len(planned), 1)
    invitations = context.insert(
        Invitation,
        (
            Invitation(
                call=call,
                expert=expert,
                status=InvitationStatus.ACCEPTED,
                max_load=max(8, math.ceil(average * 1.25) + 1),
                sent_at=now - timedelta(days=50),
                expires_at=now - timedelta(days=29),
                responded_at=now - timedelta(days=45),
            )
            for expert in experts
        ),
    )
    _accept_terms(context, invitations)
    return invitations


def _accept_terms(context: Context, invitations: list[Invitation]) -> None:
    """Every expert accepted the call's current terms 44 days ago."""
    terms = context.objects["call"].confidentiality_terms.get(version=1)
    context.insert(
        ConfidentialityAcceptance,
        (
            ConfidentialityAcceptance(
                invitation=invitation, terms=terms, accepted_at=context.now - timedelta(days=44)
            )
            for invitation in invitations
        ),
    )


def _conflicts_and_exclusions(context, reviewed, invitations) -> dict:
    """Planned conflicts per application index: expert index -> (source, status, rule)."""
    rng, m = context.rng, len(invitations)
    planned: dict[int, dict[int, tuple[str, str, str]]] = {}
    for row, plan in enumerate(reviewed):
        if plan.excluded_expert is not None and plan.excluded_expert < m:
            planned.setdefault(row, {})[plan.excluded_expert] = (
                ConflictSource.EXCLUDED,
                ConflictStatus.CONFIRMED,
                "excluded_by_applicants",
            )
        if m and rng.random() < CONFLICT_SHARE:
            status = rng.choices(
                (ConflictStatus.CONFIRMED, ConflictStatus.SUSPECTED, ConflictStatus.CLEARED),
                (0.6, 0.3, 0.1),
            )[0]
            rule = rng.choice(("same_institution", "same_email_domain", "same_unit"))
            planned.setdefault(row, {})[rng.randrange(m)] = (ConflictSource.DETECTED, status, rule)
    return planned


def _assign(context: Context, n: int, m: int, blocked: dict[int, set[int]], extra: set[int]):
    """Balanced assignment: each application takes the least-loaded allowed experts
    (random tie-break), so loads differ by one at most. ``extra`` applications get one
    more reviewer, whose assignment ends with a declared conflict."""
    k = context.options.reviews_per_application
    loads = np.zeros(m)
    chosen: list[list[int]] = []
    for row in context.np_rng.permutation(n).tolist():
        wanted = min(k + (row in extra), m - len(blocked.get(row, ())))
        key = loads + context.np_rng.random(m) * 0.5
        for column in blocked.get(row, ()):
            key[column] = np.inf
        picked = np.argpartition(key, wanted - 1)[:wanted] if wanted > 0 else []
        picked = sorted(picked, key=lambda c: key[c])
        loads[picked] += 1
        chosen.append((row, [int(c) for c in picked]))
    chosen.sort()
    return [columns for _row, columns in chosen]


def _planted_conflict(now, invitation, application, found: tuple[str, str, str]) -> Conflict:
    """The conflict row of one planned conflict ``(source, status, rule)``; a ruled one
    was ruled 40 days ago."""
    source, status, rule = found
    return Conflict(
        invitation=invitation,
        application=application,
        source=source,
        status=status,
        rule=rule,
        reason="Planted by the generator.",
        ruling_reason="Different department, no joint work."
        if status == ConflictStatus.CLEARED
        else "",
        ruled_at=now - timedelta(days=40) if status != ConflictStatus.SUSPECTED else None,
    )


def create_reviewing(
    context: Context,
    planned: list[PlannedApplication],
    experts: list[PlannedExpert],
    invitations: list[Invitation],
) -> None:
    if context.options.stage == OPEN or not invitations:
        return
    now, rng, np_rng = context.now, context.rng, context.np_rng
    reviewed = [p for p in planned if p.status == S.IN_REVIEW]
    n, m = len(reviewed), len(invitations)
    quality = np_rng.normal(0.0, 1.0, n)
    conflicts = _conflicts_and_exclusions(context, reviewed, invitations)
    blocked = {
        row: {e for e, (_src, status, _r) in found.items() if status != ConflictStatus.CLEARED}
        for row, found in conflicts.items()
    }
    extra = {row for row in range(n) if rng.random() < DECLARED_SHARE}
    columns = _assign(context, n, m, blocked, extra)

    conflict_rows, assignments, ended = [], [], []
    for row, plan in enumerate(reviewed):
        for expert, found in conflicts.get(row, {}).items():
            conflict_rows.append(_planted_conflict(now, invitations[expert], plan.obj, found))
        for position, column in enumerate(columns[row]):
            # A declared conflict ends the assignment (never on a pair with a conflict row).
            declared = row in extra and position == 0 and column not in conflicts.get(row, {})
            assignment = Assignment(
                invitation=invitations[column],
                application=plan.obj,
                is_active=not declared,
                coi_declaration=DeclaredConflict.CONFLICT if declared else DeclaredConflict.NONE,
                coi_declared_at=now - timedelta(days=35),
                ended_at=now - timedelta(days=35) if declared else None,
                end_reason="The reviewer declared a conflict of interest." if declared else "",
            )
            assignments.append((row, column, assignment))
            if declared:
                ended.append(assignment)
                conflict_rows.append(
                    Conflict(
                        invitation=invitations[column],
                        application=plan.obj,
                        source=ConflictSource.DECLARED,
                        status=ConflictStatus.CONFIRMED,
                        reason="Co-author of one of the partners.",
                    )
                )
    live = [(row, column, a) for row, column, a in assignments if a.is_active]
    outcomes = _plan_outcomes(context, live)
    context.insert(Conflict, conflict_rows)
    context.insert(Assignment, (a for _r, _c, a in assignments))
    totals = _create_reviews(context, live, outcomes, quality, experts)
    if context.options.stage != REVIEW:
        _shortlist(context, reviewed, totals)


def _scores(context: Context, quality: float, leniency: float, specs, criteria) -> dict:
    noise = context.np_rng.normal(0.0, 0.6, len(criteria))
    scores = {}
    for spec, criterion, epsilon in zip(specs, criteria, noise, strict=True):
        if criterion.allow_na and context.rng.random() < 0.05:
            scores[spec.id] = None
            continue
        value = round(3.0 + quality + leniency + float(epsilon))
        scores[spec.id] = int(min(max(value, criterion.scale_min), criterion.scale_max))
    return scores


def _recommendation(total) -> str:
    if total is None or total < 5:
        return Recommendation.NO
    if total >= 8:
        return Recommendation.STRONG_YES
    return Recommendation.YES if total >= 6.5 else Recommendation.MAYBE


def _plan_outcomes(context: Context, live) -> list[str]:
    """What became of each live assignment: a submitted review, a draft, or nothing yet
    (half of those have not even declared on conflicts)."""
    submitted_share, draft_share = REVIEW_SHARES[context.options.stage]
    outcomes = []
    for _row, _column, assignment in live:
        draw = context.rng.random()
        if draw < submitted_share:
            outcomes.append(ReviewStatus.SUBMITTED)
        elif draw < submitted_share + draft_share:
            outcomes.append(ReviewStatus.DRAFT)
        else:
            outcomes.append("")
            if context.rng.random() < 0.5:
                assignment.coi_declaration = ""
                assignment.coi_declared_at = None
    return outcomes


def _create_reviews(context, live, outcomes, quality, experts) -> dict[int, list[float]]:
    """Reviews of the live assignments; returns submitted totals per reviewed row."""
    now, rng = context.now, context.rng
    criteria = context.objects["criteria"]
    specs = [CriterionSpec.from_criterion(c) for c in criteria]
    reviews, scores_of, totals = [], [], {}
    for (row, column, assignment), outcome in zip(live, outcomes, strict=True):
        if not outcome:
            continue
        scores = _scores(context, float(quality[row]), experts[column].leniency, specs, criteria)
        confidence = rng.choices(CONFIDENCE, CONFIDENCE_P)[0]
        if outcome == ReviewStatus.SUBMITTED:
            total = weighted_total(scores, specs)
            review = Review(
                assignment=assignment,
                status=ReviewStatus.SUBMITTED,
                recommendation=_recommendation(total),
                confidence=confidence,
                comments_for_applicants=rng.choice(words.APPLICANT_COMMENTS),
                comments_for_staff="",
                total=total,
                submitted_at=now - timedelta(days=rng.randint(8, 30)),
            )
            if total is not None:
                totals.setdefault(row, []).append(float(total))
        else:  # a draft: the first criteria scored, no total yet
            keep = rng.randint(1, len(criteria) - 1)
            scores = dict(list(scores.items())[:keep])
            review = Review(assignment=assignment, status=ReviewStatus.DRAFT, confidence=None)
        reviews.append(review)
        scores_of.append(scores)
    context.insert(Review, reviews)
    context.insert(
        CriterionScore,
        (
            CriterionScore(
                review=review,
                criterion_id=criterion_id,
                score=value,
                not_applicable=value is None,
                comment=rng.choice(words.CRITERION_COMMENTS) if rng.random() < 0.3 else "",
            )
            for review, scores in zip(reviews, scores_of, strict=True)
            for criterion_id, value in scores.items()
        ),
    )
    return totals


def _shortlist(context: Context, reviewed: list[PlannedApplication], totals) -> None:
    """The best mean totals are shortlisted: 45 % of the reviewed applications (25 of 55
    in the first AISSAI edition), at most four times the places on the lists."""
    fellowships, complementary = list_sizes(context.options.applications)
    size = min(round(SHORTLIST_SHARE * len(reviewed)), 4 * (fellowships + complementary))
    means = [(-float(np.mean(totals[row])) if row in totals else 0.0, row) for row in totals]
    best = {row for _mean, row in sorted(means)[:size]}
    for row, plan in enumerate(reviewed):
        plan.status = S.SHORTLISTED if row in best else S.NOT_SHORTLISTED
    for status in (S.SHORTLISTED, S.NOT_SHORTLISTED):
        ids = [plan.obj.pk for plan in reviewed if plan.status == status]
        Application.objects.filter(pk__in=ids).update(status=status)


__all__ = ["PlannedExpert", "create_experts", "create_reviewing", "plan_experts"]
