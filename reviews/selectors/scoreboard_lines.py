"""Names on the scoreboard (references, reviewers, their anonymous labels) and the lines
pages write in words: leave-one-review-out crossings, weak links, figures per score."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from reviews.scoring.links import LinkKind
from reviews.selectors.scoreboard_rows import METRIC_LABELS, ReviewerRow, ScoreboardRow, number

if TYPE_CHECKING:
    from reviews.selectors.scoreboard import Scoreboard
    from reviews.selectors.scoreboard_figures import Figures


class References(Mapping):
    """Application id → reference, withheld applications left out, looked up through the
    figures' own index: pages look up a handful, and building a dict of every application
    of a large call cost 1.7 ms on each read."""

    def __init__(self, figures: Figures, withheld: frozenset[int]) -> None:
        self.figures, self.withheld = figures, withheld

    def __getitem__(self, application_id: int) -> str:
        index = self.figures.index_of(application_id)
        if index is None or application_id in self.withheld:
            raise KeyError(application_id)
        return self.figures.references[index]

    def __iter__(self):
        return (pk for pk in self.figures.application_ids.tolist() if pk not in self.withheld)

    def __len__(self) -> int:
        return sum(1 for _pk in self)


class ScoreboardNames:
    """The names part of :class:`~reviews.selectors.scoreboard.Scoreboard`."""

    figures: Figures
    anonymous: bool
    withheld: frozenset[int]
    withheld_reviewers: frozenset[int]

    def references(self) -> Mapping[int, str]:
        return self._references

    @cached_property
    def _references(self) -> Mapping[int, str]:
        return References(self.figures, self.withheld)

    def reviewer_indices(self) -> list[int]:
        """Indices of the reviewers the reader may see: not those who reviewed a withheld
        application (their name would tell who reviewed it)."""
        hidden = self.withheld_reviewers
        return [
            index for index, pk in enumerate(self.figures.reviewer_ids.tolist()) if pk not in hidden
        ]

    def reviewer_rows(self, indices: Iterable[int] | None = None) -> list[ReviewerRow]:
        f = self.figures
        rows = []
        for index in self.reviewer_indices() if indices is None else indices:
            if int(f.reviewer_ids[index]) in self.withheld_reviewers:
                continue
            label = str(_("Reviewer %(number)d") % {"number": index + 1})
            rows.append(
                ReviewerRow(
                    invitation_id=int(f.reviewer_ids[index]),
                    name=label if self.anonymous else f.reviewer_names[index],
                    label=label,
                    reviews=int(f.reviewer_reviews[index]),
                    leniency=number(f.leniency[index]),
                    leniency_se=number(f.leniency_se[index]),
                    thin=bool(f.thin[index]),
                    isolated=bool(f.isolated[index]),
                )
            )
        return rows

    @cached_property
    def reviewers(self) -> list[ReviewerRow]:
        return self.reviewer_rows()

    def reviewer_names(self) -> dict[int, str]:
        """Invitation id → name (the label when anonymous)."""
        return self._reviewer_names

    @cached_property
    def _reviewer_names(self) -> dict[int, str]:
        f = self.figures
        names = {}
        for index, pk in enumerate(f.reviewer_ids.tolist()):
            # The label is translated only where it is shown: once per reviewer of a large
            # call (1,380) was a tenth of the scoreboard's time.
            if self.anonymous or pk in self.withheld_reviewers:
                names[pk] = str(_("Reviewer %(number)d") % {"number": index + 1})
            else:
                names[pk] = f.reviewer_names[index]
        return names


@dataclass(frozen=True)
class CrossingLine:
    """One leave-one-review-out example, in words a person reads."""

    metric: str
    metric_label: str
    reference: str
    reviewer: str
    own_review: bool


def crossing_lines(board: Scoreboard, row: ScoreboardRow) -> list[CrossingLine]:
    """The crossings of ``row`` with references and reviewer names (labels when anonymous)."""
    if row.robustness is None:
        return []
    references, reviewers = board.references(), board.reviewer_names()
    return [  # a crossing caused by a review of a withheld application is left out
        CrossingLine(
            metric=crossing.metric,
            metric_label=str(METRIC_LABELS[crossing.metric]),
            reference=references.get(crossing.review_application_id, ""),
            reviewer=reviewers.get(crossing.reviewer_id, ""),
            own_review=crossing.own_review,
        )
        for crossing in row.robustness.crossings
        if crossing.review_application_id not in board.withheld
    ]


@dataclass(frozen=True)
class WeakLinkLine:
    """One weak link of the review graph, in words a person reads."""

    kind: str
    text: str


def weak_link_lines(board: Scoreboard) -> list[WeakLinkLine]:
    """The single reviews, experts or applications that join groups of reviewers, named
    (reviewer labels when anonymous), with the size of the group they carry."""
    references, reviewers = board.references(), board.reviewer_names()
    lines = []
    for link in board.diagnostics.weak_links:
        names = {
            "reviewer": reviewers.get(link.reviewer_id, ""),
            "reference": references.get(link.application_id, ""),
            "reviewers": link.reviewers,
            "applications": link.applications,
        }
        if link.kind == LinkKind.REVIEW:
            text = _(
                "the review of %(reference)s by %(reviewer)s alone joins a group of "
                "%(reviewers)s reviewers and %(applications)s applications to the others"
            )
        elif link.kind == LinkKind.REVIEWER:
            text = _(
                "%(reviewer)s alone joins a group of %(reviewers)s reviewers and "
                "%(applications)s applications to the others"
            )
        else:
            text = _(
                "%(reference)s alone joins a group of %(reviewers)s reviewers and "
                "%(applications)s applications to the others"
            )
        lines.append(WeakLinkLine(kind=link.kind, text=str(text) % names))
    return lines


@dataclass(frozen=True)
class MetricCell:
    """One application under one score: value, rank, side of the funding line."""

    metric: str
    label: str
    score: float | None
    rank: int | None
    funded: bool | None
    tied_at_line: bool
    crossings: int  # leave-one-review-out crossings under this score


def metric_cells(board: Scoreboard, row: ScoreboardRow) -> list[MetricCell]:
    result = row.robustness
    return [
        MetricCell(
            metric=metric,
            label=str(METRIC_LABELS[metric]),
            score=row.score(metric),
            rank=row.rank(metric),
            funded=row.funded(metric),
            tied_at_line=bool(result and result.tied_at_line.get(metric)),
            crossings=result.crossing_counts.get(metric, 0) if result else 0,
        )
        for metric in board.metrics
    ]
