"""The scoreboard of a call: review figures, calibrated scores, leniencies and robustness.

The figures come from :mod:`reviews.selectors.scoreboard_cache`: computed over the whole
call in one vectorised pass through :mod:`reviews.scoring` (``stats``: counts, means,
medians, spread, disagreement, per criterion; ``calibration``: calibrated scores,
leniencies, the diagnostics that say when the data are too thin; ``robustness``: ranks
under each score, leave-one-review-out crossings of the funding line), and cached as
arrays until something they depend on changes. :class:`Scoreboard` builds row objects
only for what is asked: :meth:`Scoreboard.order` filters and sorts indices over the whole
call, :meth:`Scoreboard.rows_at` makes the rows of one page.

Filters only choose the rows shown, so a rank or a calibrated score never depends on the
filter. Staff only: callers fetch the call with ``calls.selectors.calls.staff_call_or_404``
and build the board *for its reader* (``build_scoreboard(call, reader=...)``): the figures
are cached for the whole call, whoever reads, and the rows of the applications the reader
takes part in (``calls.selectors.staff_conflicts.withheld_ids``) are left out of every
row, order, count and crossing afterwards, never from the cached figures.
Nothing here decides anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np

from calls.models import Call, Criterion
from calls.selectors.staff_conflicts import withheld_ids
from reviews.scoring.calibration import Diagnostics
from reviews.scoring.robustness import CALIBRATED, MEAN, MEDIAN, ApplicationRobustness, Crossing
from reviews.selectors.scoreboard_cache import (
    SCOREBOARD_STATUSES,
    Figures,
    counted_reviews,
    funded_places,
    latest_figures,
    scoreboard_figures,
)
from reviews.selectors.scoreboard_lines import (
    CrossingLine,
    MetricCell,
    ScoreboardNames,
    WeakLinkLine,
    crossing_lines,
    metric_cells,
    weak_link_lines,
)
from reviews.selectors.scoreboard_order import ScoreboardOrdering
from reviews.selectors.scoreboard_rows import (
    DEFAULT_SORT,
    METRIC_LABELS,
    METRICS,
    ReviewerRow,
    RobustnessSummary,
    ScoreboardFilters,
    ScoreboardRow,
    figure_sets,
    floats,
    number,
)

__all__ = [
    "CALIBRATED",
    "DEFAULT_SORT",
    "MEAN",
    "MEDIAN",
    "METRICS",
    "METRIC_LABELS",
    "SCOREBOARD_STATUSES",
    "CrossingLine",
    "MetricCell",
    "ReviewerRow",
    "Scoreboard",
    "ScoreboardFilters",
    "ScoreboardRow",
    "WeakLinkLine",
    "build_scoreboard",
    "counted_reviews",
    "crossing_lines",
    "funded_places",
    "metric_cells",
    "weak_link_lines",
]


@dataclass
class Scoreboard(ScoreboardOrdering, ScoreboardNames):
    call: Call
    criteria: list[Criterion]
    figures: Figures
    anonymous: bool = False
    # Applications of the call withheld from the reader (a conflict of interest), and
    # the reviewers (invitation ids) whose reviews that count include one of them.
    withheld: frozenset[int] = frozenset()
    withheld_reviewers: frozenset[int] = frozenset()
    # Figures of an earlier state of the data, shown while the worker computes the
    # current ones (pages say so, with ``computed_at``); never for services.
    stale: bool = False

    # --- The call as a whole ----------------------------------------------------------

    @property
    def computed_at(self) -> datetime | None:
        """When the data these figures come from were read."""
        return self.figures.computed_at

    @property
    def diagnostics(self) -> Diagnostics:
        return self.figures.diagnostics

    @property
    def funded_places(self) -> int:
        return self.figures.funded_places

    @property
    def residual_sd(self) -> float | None:
        return self.figures.residual_sd

    @property
    def robustness(self) -> RobustnessSummary:
        f = self.figures
        return RobustnessSummary(f.funded_places, f.metrics, f.calibration_mode)

    @cached_property
    def weak_links(self) -> list[WeakLinkLine]:
        return weak_link_lines(self)

    @property
    def calibration_supported(self) -> bool:
        return self.diagnostics.supported

    @property
    def metrics(self) -> tuple[str, ...]:
        return METRICS if self.calibration_supported else (MEAN, MEDIAN)

    @property
    def size(self) -> int:
        """Applications the reader may see (withheld ones are not counted)."""
        return self.figures.size - len(self._withheld_indices)

    @property
    def withheld_count(self) -> int:
        """How many applications of the call are withheld from the reader."""
        return len(self._withheld_indices)

    @cached_property
    def _withheld_indices(self) -> frozenset[int]:
        found = (self.figures.index_of(pk) for pk in self.withheld)
        return frozenset(index for index in found if index is not None)

    @cached_property
    def _visible(self) -> np.ndarray:
        keep = np.ones(self.figures.size, dtype=bool)
        keep[list(self._withheld_indices)] = False
        return keep

    @property
    def fragile_count(self) -> int:
        return int((self.figures.fragile & self._visible).sum())

    def anonymised(self) -> Scoreboard:
        """The same figures without coordinator, unit, institute or reviewer names."""
        return replace(self, anonymous=True)

    # --- Rows ---------------------------------------------------------------------------

    def row(self, index: int) -> ScoreboardRow:
        return self.rows_at([index])[0]

    def _consortium(self, index: int) -> tuple[list[str], set[int], list[str], set[int]]:
        f = self.figures
        partners = f.partner_slice(index)
        institute_ids = f.partner_institute[partners].tolist()
        institutes, units = [], []
        if not self.anonymous:
            for institute_id, unit_id in zip(
                institute_ids, f.partner_unit[partners].tolist(), strict=True
            ):
                acronym, label = f.institute_acronyms[institute_id], f.unit_labels[unit_id]
                if acronym not in institutes:
                    institutes.append(acronym)
                if label not in units:
                    units.append(label)
        disciplines = f.discipline_slice(index)
        return institutes, set(institute_ids), units, set(f.discipline_ids[disciplines].tolist())

    def _robustness(self, index: int, pk: int) -> ApplicationRobustness | None:
        f = self.figures
        if not f.robust[index]:
            return None
        metrics = f.metrics
        return ApplicationRobustness(
            application_id=pk,
            n_reviews=int(f.n_reviews[index]),
            scores={m: number(f.metric_scores[m][index]) for m in metrics},
            ranks={m: int(f.ranks[m][index]) or None for m in metrics},
            funded={m: bool(f.funded[m][index]) for m in metrics},
            tied_at_line={m: bool(f.tied[m][index]) for m in metrics},
            crossing_counts={m: int(f.crossing_counts[m][index]) for m in metrics},
            crossings=tuple(
                Crossing(metric=m, review_application_id=a, reviewer_id=r, own_review=o)
                for m, a, r, o in f.crossings.get(index, ())
            ),
            fragile=bool(f.fragile[index]),
            reasons=f.reasons.get(index, ()),
        )

    def rows_at(self, indices: Iterable[int]) -> list[ScoreboardRow]:
        """The rows of these application indices, in this order (numbers are gathered
        column by column: building a page costs the same whatever the size of the call).
        Withheld applications are left out."""
        f = self.figures
        hidden = self._withheld_indices
        chosen = np.asarray([i for i in indices if i not in hidden], dtype=np.intp)
        overall = figure_sets(f.overall, chosen)
        criteria = [figure_sets(group, chosen) for group in f.per_criterion]
        calibrated = floats(f.calibrated[chosen])
        calibrated_se = floats(f.calibrated_se[chosen])
        rows = []
        for place, index in enumerate(chosen.tolist()):
            pk = int(f.application_ids[index])
            institutes, institute_ids, units, discipline_ids = self._consortium(index)
            rows.append(
                ScoreboardRow(
                    application_id=pk,
                    reference=f.references[index],
                    title=f.titles[index],
                    acronym=f.acronyms[index],
                    status=f.statuses[index],
                    coordinator="" if self.anonymous else f.coordinators[index],
                    submitted_at=f.submitted_at[index],
                    overall=overall[place],
                    criteria=[column[place] for column in criteria],
                    institutes=institutes,
                    institute_ids=institute_ids,
                    units=units,
                    discipline_ids=discipline_ids,
                    calibrated=calibrated[place],
                    calibrated_se=calibrated_se[place],
                    uncorrected=bool(f.uncorrected[index]),
                    robustness=self._robustness(index, pk),
                )
            )
        return rows

    @cached_property
    def rows(self) -> list[ScoreboardRow]:
        """Every row, in application id order (exports and whole-call pages)."""
        return self.rows_at(range(self.figures.size))

    def row_for(self, application_id: int) -> ScoreboardRow | None:
        index = self.figures.index_of(application_id)
        return None if index is None else self.row(index)

    def rows_for(self, application_ids: Iterable[int]) -> list[ScoreboardRow]:
        """The rows of these applications (those on the scoreboard), in id order."""
        wanted = np.asarray(sorted(set(application_ids)), dtype=np.int64)
        return self.rows_at(np.nonzero(np.isin(self.figures.application_ids, wanted))[0])

    def indices_with_status(self, *statuses: str) -> list[int]:
        wanted, hidden = set(statuses), self._withheld_indices
        return [
            i
            for i, status in enumerate(self.figures.statuses)
            if status in wanted and i not in hidden
        ]


def build_scoreboard(call: Call, *, reader: Any = None, allow_stale: bool = False) -> Scoreboard:
    """The call's scoreboard: cached figures (see ``scoreboard_cache``), rows on demand.

    ``reader``: the person the rows are for; the applications they take part in are
    withheld (one query). ``None`` (services, the demo) sees every application.
    ``allow_stale`` (pages only): the previous figures may come back, marked ``stale``,
    while the worker computes the current ones; without it the figures are current."""
    criteria = list(call.criteria.all())
    withheld = withheld_ids(reader, call=call) if reader is not None else frozenset()
    reviewers = frozenset()
    if withheld:  # one more query, for a reader in conflict only
        reviewers = frozenset(
            counted_reviews(call)
            .filter(assignment__application_id__in=withheld)
            .values_list("assignment__invitation_id", flat=True)
        )
    if allow_stale:
        figures, stale = latest_figures(call, criteria)
    else:
        figures, stale = scoreboard_figures(call, criteria), False
    return Scoreboard(
        call=call,
        criteria=criteria,
        figures=figures,
        withheld=withheld,
        withheld_reviewers=reviewers,
        stale=stale,
    )
