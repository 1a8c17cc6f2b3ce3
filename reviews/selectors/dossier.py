"""The decision dossier of one application, for programme staff: the application, its
reviews as they count (reviewers numbered, not named), its figures, its place on the
lists and the decisions taken. Callers fetch the call with
``calls.selectors.calls.staff_call_or_404`` (404 for everyone else)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from calls.models import Application, Call, Criterion
from calls.selectors.applications import with_content
from calls.selectors.staff_conflicts import evaluation_visible_to
from reviews.models import (
    CriterionScore,
    FundingDecision,
    ListEntry,
    ListMove,
    Review,
)
from reviews.selectors.scoreboard import (
    SCOREBOARD_STATUSES,
    MetricCell,
    Scoreboard,
    ScoreboardRow,
    build_scoreboard,
    counted_reviews,
    metric_cells,
)


@dataclass(frozen=True)
class DossierScore:
    criterion: Criterion
    score: int | None
    not_applicable: bool
    comment: str


@dataclass(frozen=True)
class DossierReview:
    label: str  # "Reviewer 2": reviewers are never named in a dossier
    review: Review
    scores: list[DossierScore]


@dataclass
class Dossier:
    application: Application
    reviews: list[DossierReview]
    board: Scoreboard | None
    row: ScoreboardRow | None
    cells: list[MetricCell] = field(default_factory=list)
    list_entry: ListEntry | None = None
    moves: list[ListMove] = field(default_factory=list)
    decisions: list[FundingDecision] = field(default_factory=list)

    @property
    def criterion_means(self) -> list[tuple[Criterion, Any]]:
        """(criterion, its figures) for the scoreboard row, in criterion order."""
        if self.board is None or self.row is None:
            return []
        return list(zip(self.board.criteria, self.row.criteria, strict=True))


def dossier_application_or_404(*, call: Call, pk: int, user: Any) -> Application:
    """An application of ``call`` with what its dossier shows. Not one the reader takes
    part in: a member of staff never reads the reviews of such an application."""
    queryset: QuerySet[Application] = with_content(evaluation_visible_to(user).filter(call=call))
    application = queryset.filter(pk=pk).first()
    if application is None:
        raise Http404
    application.call = call  # with the criteria and funding sources the caller prefetched
    return application


def _reviews(application: Application) -> list[DossierReview]:
    criteria = {c.pk: c for c in application.call.criteria.all()}
    reviews = (
        counted_reviews(application.call)
        .filter(assignment__application=application)
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.order_by()))
        .order_by("pk")
    )
    result = []
    for number, review in enumerate(reviews, start=1):
        by_criterion = {s.criterion_id: s for s in review.scores.all()}
        scores = [
            DossierScore(
                criterion=criterion,
                score=by_criterion[pk].score if pk in by_criterion else None,
                not_applicable=pk in by_criterion and by_criterion[pk].not_applicable,
                comment=by_criterion[pk].comment if pk in by_criterion else "",
            )
            for pk, criterion in criteria.items()
        ]
        label = _("Reviewer %(number)d") % {"number": number}
        result.append(DossierReview(label=label, review=review, scores=scores))
    return result


def build_dossier(application: Application, *, reader: Any = None) -> Dossier:
    """Everything the decision dossier of ``application`` shows, in a fixed number of
    queries (the scoreboard figures come from the whole call, as on the scoreboard)."""
    board = row = None
    cells: list[MetricCell] = []
    if application.status in SCOREBOARD_STATUSES:
        board = build_scoreboard(application.call, reader=reader)
        row = board.row_for(application.pk)
        cells = metric_cells(board, row) if row is not None else []
    return Dossier(
        application=application,
        reviews=_reviews(application),
        board=board,
        row=row,
        cells=cells,
        list_entry=ListEntry.objects.filter(application=application)
        .select_related("ranked_list")
        .first(),
        moves=list(
            ListMove.objects.filter(application=application)
            .select_related("by", "funding_source")
            .order_by("at", "pk")
        ),
        decisions=list(
            FundingDecision.objects.filter(application=application)
            .select_related("funding_source", "decided_by")
            .order_by("decided_at", "pk")
        ),
    )
