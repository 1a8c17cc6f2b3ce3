"""What the scoreboard of a call is made of: the applications it covers, the reviews that
count, and :class:`Figures`, every number of the call in arrays (one entry per
application, in id order, or per reviewer).

:class:`Figures` holds numpy arrays, short strings and plain numbers, never model
instances nor row objects: it is what the cache keeps (``scoreboard_cache``) and what
pages build their rows from (``scoreboard``). ``version`` names the state of the data it
was computed from (the cache key of that state) and ``computed_at`` when that state was
read: a page that shows figures of an older version says so, with that time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Exists, OuterRef, QuerySet

from calls.models import ApplicationStatus, Call
from reviews.models import Conflict, ConflictStatus, Review, ReviewStatus
from reviews.scoring.calibration import Diagnostics
from reviews.scoring.stats import GroupSummary

S = ApplicationStatus
# Applications that went to review, whatever happened to them since (not withdrawn ones).
SCOREBOARD_STATUSES = (
    S.IN_REVIEW,
    S.SHORTLISTED,
    S.NOT_SHORTLISTED,
    S.MAIN_LIST,
    S.COMPLEMENTARY_LIST,
    S.NOT_SELECTED,
    S.FUNDED,
    S.DECLINED,
    S.NOT_FUNDED,
)


def funded_places(call: Call) -> int:
    """Fellowships currently funded: the sum of the call's funding sources, or the call's
    number of fellowships when it has none (uses the prefetched sources when present)."""
    total = sum(source.fellowships for source in call.funding_sources.all())
    return total or call.fellowships


def counted_reviews(call: Call) -> QuerySet[Review]:
    """Reviews that count: submitted, on an active assignment, no confirmed conflict,
    for an application of the scoreboard."""
    confirmed_conflict = Conflict.objects.filter(
        invitation=OuterRef("assignment__invitation"),
        application=OuterRef("assignment__application"),
        status=ConflictStatus.CONFIRMED,
    )
    return Review.objects.filter(
        status=ReviewStatus.SUBMITTED,
        assignment__is_active=True,
        assignment__application__call=call,
        assignment__application__status__in=SCOREBOARD_STATUSES,
    ).filter(~Exists(confirmed_conflict))


@dataclass
class Figures:
    """Every figure of one call, one entry per application (in id order) or reviewer."""

    application_ids: np.ndarray
    statuses: list[str]
    references: list[str]
    titles: list[str]
    acronyms: list[str]
    coordinators: list[str]
    submitted_at: list[Any]
    criterion_ids: list[int]
    overall: GroupSummary
    per_criterion: list[GroupSummary]  # aligned with criterion_ids
    calibrated: np.ndarray  # NaN: none
    calibrated_se: np.ndarray
    uncorrected: np.ndarray  # bool
    # Robustness, per application (``robust`` False: no review, no robustness entry).
    metrics: tuple[str, ...]
    calibration_mode: str
    robust: np.ndarray
    n_reviews: np.ndarray
    metric_scores: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]  # 0: no rank
    funded: dict[str, np.ndarray]
    tied: dict[str, np.ndarray]
    crossing_counts: dict[str, np.ndarray]
    fragile: np.ndarray
    reasons: dict[int, tuple[str, ...]]  # application index → fragility codes
    crossings: dict[int, tuple[tuple[str, int, int, bool], ...]]  # index → examples
    # Consortium: one entry per partner (sorted by application index, then position).
    partner_index: np.ndarray
    partner_institute: np.ndarray
    partner_unit: np.ndarray
    institute_acronyms: dict[int, str]
    unit_labels: dict[int, str]
    discipline_index: np.ndarray  # sorted
    discipline_ids: np.ndarray
    # Reviewers (invitations), in id order.
    reviewer_ids: np.ndarray
    reviewer_names: list[str]
    reviewer_reviews: np.ndarray
    leniency: np.ndarray
    leniency_se: np.ndarray
    thin: np.ndarray
    isolated: np.ndarray
    diagnostics: Diagnostics
    residual_sd: float | None
    funded_places: int
    version: str = ""  # the cache key of the data state these figures were computed from
    computed_at: datetime | None = None  # when that state was read
    _index: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def size(self) -> int:
        return len(self.application_ids)

    def index_of(self, application_id: int) -> int | None:
        if not self._index:
            self._index = {pk: i for i, pk in enumerate(self.application_ids.tolist())}
        return self._index.get(application_id)

    def partner_slice(self, index: int) -> slice:
        start, end = np.searchsorted(self.partner_index, [index, index + 1])
        return slice(int(start), int(end))

    def discipline_slice(self, index: int) -> slice:
        start, end = np.searchsorted(self.discipline_index, [index, index + 1])
        return slice(int(start), int(end))

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_index"] = {}
        return state
