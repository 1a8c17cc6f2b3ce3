"""What each export of a call contains: a header row and a generator of rows.

Rows are plain values (texts, numbers, datetimes, ``None``); the writers format them and
neutralise formula-like texts. Querysets are read with ``.iterator(chunk_size=...)`` and
related rows are fetched per chunk, so memory stays flat whatever the size of the call.

- applications: the rows of the staff applications table
  (:func:`calls.selectors.staff.staff_applications`, same filters);
- reviews: the reviews that count (:func:`reviews.selectors.scoreboard.counted_reviews`:
  submitted, on an *active* assignment, no confirmed conflict). Reviewers appear as
  "Reviewer 1..n" within each application; their names only with ``identities``;
- scoreboard: the figures of :func:`reviews.selectors.scoreboard.build_scoreboard`, and
- decisions: status, place on the lists and current funding decision of each application
  (both in :mod:`reviews.exports.selection_tables`).

A member of staff who takes part in an application of the call
(``calls.selectors.staff_conflicts``) gets neither its reviews, nor its scoreboard row,
nor its decision row (a role never leaks rights into another); the last row of such an
export says how many applications were withheld.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from calls.models import Application, ApplicationStatus, Call, Partner
from calls.selectors.staff import ApplicationFilters, staff_applications
from calls.selectors.staff_conflicts import withheld_ids
from reviews.models import (
    CriterionScore,
    Recommendation,
)
from reviews.selectors.scoreboard import (
    counted_reviews,
)

CHUNK_SIZE = 500

EXPORT_KINDS: dict[str, Any] = {
    "applications": gettext_lazy("Applications"),
    "reviews": gettext_lazy("Reviews"),
    "scoreboard": gettext_lazy("Scoreboard"),
    "decisions": gettext_lazy("Decisions"),
}
FORMATS = ("csv", "xlsx")


@dataclass
class Table:
    kind: str
    title: str
    call_slug: str
    headers: list[str]
    rows: Iterable[Sequence[Any]]


def zone_header(label: str) -> str:
    return _("%(column)s (%(zone)s time)") % {"column": label, "zone": settings.TIME_ZONE}


def yes_no(flag: bool | None) -> str:
    if flag is None:
        return ""
    return _("Yes") if flag else _("No")


_LABELS: dict[Any, dict[str, Any]] = {}


def choice_label(choices: Any, value: str | None) -> str:
    """The (translated) label of ``value`` in ``choices``; the value itself if unknown."""
    labels = _LABELS.setdefault(choices, dict(choices.choices))
    return str(labels.get(value, value or ""))


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def withheld_line(count: int) -> list[list[str]]:
    """The last row of an export that leaves out applications the reader takes part in."""
    if not count:
        return []
    message = ngettext(
        "%(count)d application is withheld from this export because of a conflict of "
        "interest: you take part in it.",
        "%(count)d applications are withheld from this export because of a conflict of "
        "interest: you take part in them.",
        count,
    )
    return [[message % {"count": count}]]


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Applications -------------------------------------------------------------------


def applications_table(
    *, call: Call, filters: ApplicationFilters | None = None, by: Any = None
) -> Table:
    """The applications of the staff table (same filters and order), a chunk at a time:
    the table's rows as plain values, then the partners and disciplines of the chunk."""
    queryset = (
        staff_applications(call=call, filters=filters or ApplicationFilters(), user=by)
        .prefetch_related(None)  # the related rows are read per chunk below, as values
        .values_list(
            "pk",
            "reference",
            "title",
            "acronym",
            "status",
            "coordinator__full_name",
            "coordinator__email",
            "submitted_at",
        )
    )
    hidden = withheld_ids(by, call=call) if by is not None else frozenset()

    def rows() -> Iterator[list[Any]]:
        french = (get_language() or "").startswith("fr")
        for batch in _batches(queryset.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
            ids = [row[0] for row in batch]
            units, institutes = _partners_of(ids)
            disciplines = _disciplines_of(ids, french=french)
            for pk, reference, title, acronym, status, name, email, submitted_at in batch:
                yield [
                    reference or "",
                    title,
                    acronym,
                    choice_label(ApplicationStatus, status),
                    name,
                    email,
                    "; ".join(units[pk]),
                    "; ".join(institutes[pk]),
                    "; ".join(disciplines[pk]),
                    submitted_at,
                ]
        yield from withheld_line(len(hidden))

    return Table(
        kind="applications",
        title=str(EXPORT_KINDS["applications"]),
        call_slug=call.slug,
        headers=[
            _("Reference"),
            _("Title"),
            _("Acronym"),
            _("Status"),
            _("Coordinator"),
            _("Coordinator's e-mail"),
            _("Units"),
            _("Institutes"),
            _("Disciplines"),
            zone_header(_("Submitted at")),
        ],
        rows=rows(),
    )


def _partners_of(ids: list[int]) -> tuple[dict[int, list[str]], dict[int, dict[str, None]]]:
    """Application id → its partner units in order, and its institutes (one query)."""
    units: dict[int, list[str]] = defaultdict(list)
    institutes: dict[int, dict[str, None]] = defaultdict(dict)
    for application_id, label, acronym in (
        Partner.objects.filter(application_id__in=ids)
        .order_by("application_id", "position", "pk")
        .values_list("application_id", "unit__label", "institute__acronym")
    ):
        units[application_id].append(label)
        institutes[application_id].setdefault(acronym, None)
    return units, institutes


def _disciplines_of(ids: list[int], *, french: bool) -> dict[int, list[str]]:
    """Application id → its disciplines, in the reader's language (one query)."""
    disciplines: dict[int, list[str]] = defaultdict(list)
    for application_id, name_en, name_fr in (
        Application.disciplines.through.objects.filter(application_id__in=ids)
        .order_by("application_id", "discipline__name_en")
        .values_list("application_id", "discipline__name_en", "discipline__name_fr")
    ):
        disciplines[application_id].append((name_fr if french else "") or name_en)
    return disciplines


# --- Reviews ------------------------------------------------------------------------

_REVIEW_COLUMNS = (
    "pk",
    "assignment__application_id",
    "assignment__application__reference",
    "assignment__application__acronym",
    "assignment__application__title",
    "assignment__invitation__expert__full_name",
    "assignment__invitation__expert__email",
    "assignment__invitation__expert__institution",
    "total",
    "recommendation",
    "confidence",
    "comments_for_applicants",
    "submitted_at",
)


def _review_headers(criteria: list, *, identities: bool) -> list[str]:
    headers = [_("Reference"), _("Acronym"), _("Title"), _("Reviewer")]
    if identities:
        headers += [_("Reviewer's name"), _("Reviewer's e-mail"), _("Reviewer's institution")]
    headers += [
        f"{criterion.name} ({criterion.scale_min}–{criterion.scale_max})" for criterion in criteria
    ]
    headers += [
        _("Weighted total (0–10)"),
        _("Recommendation"),
        _("Confidence (1–5)"),
        _("Comments for the applicants"),
        zone_header(_("Submitted at")),
    ]
    return headers


def _batch_scores(batch: list) -> dict[int, dict[int, Any]]:
    """The scores of one batch of reviews, by review and criterion, in one query."""
    scores: dict[int, dict[int, Any]] = defaultdict(dict)
    # By the ids: the model's ordering ("review", "criterion__position") would join
    # review, assignment, application and call to sort the batch.
    for review_id, criterion_id, score, not_applicable in (
        CriterionScore.objects.filter(review_id__in=[review[0] for review in batch])
        .order_by("review_id", "criterion_id")
        .values_list("review_id", "criterion_id", "score", "not_applicable")
    ):
        scores[review_id][criterion_id] = _("N/A") if not_applicable else score
    return scores


def reviews_table(*, call: Call, by: Any, identities: bool = False) -> Table:
    """One row per review that counts. ``identities``: add the reviewer's name, e-mail
    and institution (staff ask for it explicitly; the export is audited)."""
    criteria = list(call.criteria.order_by("position", "id"))
    hidden = withheld_ids(by, call=call)
    queryset = (
        counted_reviews(call)
        .exclude(assignment__application_id__in=hidden)
        .order_by("assignment__application__reference", "assignment__application_id", "pk")
        .values_list(*_REVIEW_COLUMNS)
    )
    headers = _review_headers(criteria, identities=identities)

    def rows() -> Iterator[list[Any]]:
        current, number = None, 0
        reviews = queryset.iterator(chunk_size=CHUNK_SIZE)
        for batch in _batches(reviews, CHUNK_SIZE):
            scores = _batch_scores(batch)
            for pk, app_id, ref, acronym, title, name, email, institution, *rest in batch:
                total, recommendation, confidence, comments, submitted_at = rest
                number = number + 1 if app_id == current else 1
                current = app_id
                row = [ref or "", acronym, title, _("Reviewer %(number)d") % {"number": number}]
                if identities:
                    row += [name, email, institution]
                row += [scores[pk].get(criterion.pk) for criterion in criteria]
                row += [
                    total,
                    choice_label(Recommendation, recommendation),
                    confidence,
                    comments,
                    submitted_at,
                ]
                yield row
        yield from withheld_line(len(hidden))

    return Table(
        kind="reviews-with-identities" if identities else "reviews",
        title=str(EXPORT_KINDS["reviews"]),
        call_slug=call.slug,
        headers=headers,
        rows=rows(),
    )


# --- Scoreboard ---------------------------------------------------------------------


# --- Decisions ----------------------------------------------------------------------
