"""What a reviewer types: the review's shape, its checks (allowed values, completeness),
its weighted total, and the conversions between the stored review, the form's values and
the base an edit is merged against. No writes here: ``reviews.services.reviewing`` saves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from aissai.concurrency import EditBase
from calls.models import Criterion
from reviews.models import (
    Assignment,
    Recommendation,
    Review,
)
from reviews.scoring.weighted import CriterionSpec, weighted_total
from reviews.selectors.reviewing import (
    call_criteria,
)

COMMENT_MAX_CHARS = 10000


CONFIDENCE_RANGE = range(1, 6)


@dataclass(frozen=True)
class ScoreInput:
    score: int | None = None
    not_applicable: bool = False
    comment: str = ""


@dataclass(frozen=True)
class ReviewData:
    """What the reviewer typed; ``scores`` maps criterion ids to their input."""

    scores: Mapping[int, ScoreInput] = field(default_factory=dict)
    recommendation: str = ""
    confidence: int | None = None
    comments_for_applicants: str = ""
    comments_for_staff: str = ""


def score_field(criterion: Criterion) -> str:
    """The form field (and error key) of a criterion's score."""
    return f"score_{criterion.pk}"


def validate_input(*, criteria: list[Criterion], data: ReviewData) -> dict[str, str]:
    """Values the call does not allow, per field. Missing values are not errors here."""
    errors: dict[str, str] = {}
    for criterion in criteria:
        value = data.scores.get(criterion.pk, ScoreInput())
        key = score_field(criterion)
        if value.not_applicable and not criterion.allow_na:
            errors[key] = _("This criterion cannot be marked “not applicable”.")
        elif value.not_applicable and value.score is not None:
            errors[key] = _("Give a score or tick “not applicable”, not both.")
        elif value.score is not None and not (
            criterion.scale_min <= value.score <= criterion.scale_max
        ):
            errors[key] = _("Enter a whole number from %(min)d to %(max)d.") % {
                "min": criterion.scale_min,
                "max": criterion.scale_max,
            }
        if len(value.comment) > COMMENT_MAX_CHARS:
            errors[f"comment_{criterion.pk}"] = _("At most %(n)d characters.") % {
                "n": COMMENT_MAX_CHARS
            }
    if data.recommendation and data.recommendation not in Recommendation.values:
        errors["recommendation"] = _("Choose one of the recommendations offered.")
    if data.confidence is not None and data.confidence not in CONFIDENCE_RANGE:
        errors["confidence"] = _("Choose a confidence level from 1 to 5.")
    for name in ("comments_for_applicants", "comments_for_staff"):
        if len(getattr(data, name)) > COMMENT_MAX_CHARS:
            errors[name] = _("At most %(n)d characters.") % {"n": COMMENT_MAX_CHARS}
    return errors


def missing_parts(*, criteria: list[Criterion], data: ReviewData) -> dict[str, str]:
    """What a submitted review must have and this one lacks, per field."""
    missing: dict[str, str] = {}
    for criterion in criteria:
        value = data.scores.get(criterion.pk, ScoreInput())
        if value.score is None and not (value.not_applicable and criterion.allow_na):
            missing[score_field(criterion)] = (
                _("Give a score or tick “not applicable”.")
                if criterion.allow_na
                else _("Give a score.")
            )
    if not data.recommendation:
        missing["recommendation"] = _("Choose an overall recommendation.")
    if data.confidence is None:
        missing["confidence"] = _("Choose your confidence level.")
    return missing


def compute_total(*, criteria: list[Criterion], data: ReviewData) -> Decimal | None:
    """The weighted total once every criterion has a score or N/A; else None."""
    scores: dict[int, int | None] = {}
    for criterion in criteria:
        value = data.scores.get(criterion.pk, ScoreInput())
        if value.not_applicable:
            scores[criterion.pk] = None
        elif value.score is not None:
            scores[criterion.pk] = value.score
        else:
            return None
    return weighted_total(scores, [CriterionSpec.from_criterion(c) for c in criteria])


def review_data_of(review: Review | None) -> ReviewData:
    """What is stored, in the shape the form and the rules use."""
    if review is None:
        return ReviewData()
    return ReviewData(
        scores={
            s.criterion_id: ScoreInput(s.score, s.not_applicable, s.comment)
            for s in review.scores.all()
        },
        recommendation=review.recommendation,
        confidence=review.confidence,
        comments_for_applicants=review.comments_for_applicants,
        comments_for_staff=review.comments_for_staff,
    )


def review_values(data: ReviewData, criteria: list[Criterion]) -> dict[str, Any]:
    """The review as the form's fields (the names the form and conflicts use)."""
    values: dict[str, Any] = {
        "recommendation": data.recommendation,
        "confidence": data.confidence,
        "comments_for_applicants": data.comments_for_applicants,
        "comments_for_staff": data.comments_for_staff,
    }
    for criterion in criteria:
        value = data.scores.get(criterion.pk, ScoreInput())
        values[f"score_{criterion.pk}"] = value.score
        values[f"na_{criterion.pk}"] = value.not_applicable
        values[f"comment_{criterion.pk}"] = value.comment
    return values


def review_data_from(values: Mapping[str, Any], criteria: list[Criterion]) -> ReviewData:
    return ReviewData(
        scores={
            c.pk: ScoreInput(
                score=values.get(f"score_{c.pk}"),
                not_applicable=bool(values.get(f"na_{c.pk}")),
                comment=values.get(f"comment_{c.pk}") or "",
            )
            for c in criteria
        },
        recommendation=values.get("recommendation") or "",
        confidence=values.get("confidence"),
        comments_for_applicants=values.get("comments_for_applicants") or "",
        comments_for_staff=values.get("comments_for_staff") or "",
    )


def review_base(assignment: Assignment) -> EditBase:
    """What a review form loaded now is based on."""
    review = Review.objects.filter(assignment=assignment).first()
    criteria = call_criteria(assignment.application.call)
    return EditBase.of(
        revision=review.revision if review else 0,
        values=review_values(review_data_of(review), criteria),
    )
