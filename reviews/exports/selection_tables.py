"""The exports of the selection: the scoreboard (each application's figures, ranks and
robustness) and the decisions (status, place on the lists, current funding decision).
Same rules as :mod:`reviews.exports.tables`: plain values, rows in chunks, withheld
applications counted in the last row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Case, FilteredRelation, IntegerField, Q, Value, When
from django.utils.translation import gettext as _

from calls.models import Application, ApplicationStatus, Call
from calls.selectors.staff_conflicts import withheld_ids
from reviews.exports.tables import (
    CHUNK_SIZE,
    EXPORT_KINDS,
    Table,
    choice_label,
    rounded,
    withheld_line,
    yes_no,
    zone_header,
)
from reviews.models import (
    FundingOutcome,
    ListKind,
)
from reviews.reasons import render as render_reason
from reviews.selectors.scoreboard import (
    CALIBRATED,
    MEAN,
    MEDIAN,
    ScoreboardFilters,
    build_scoreboard,
)


def _scoreboard_headers(board, *, anonymous: bool) -> list[str]:
    calibrated = board.calibration_supported
    headers = [_("Reference"), _("Acronym"), _("Title"), _("Status")]
    if not anonymous:
        headers += [_("Coordinator"), _("Institutes"), _("Units")]
    headers += [
        _("Reviews"),
        _("Mean"),
        _("Confidence-weighted mean"),
        _("Median"),
        _("Spread"),
        _("Lowest total"),
        _("Highest total"),
    ]
    headers += [_("Mean: %(criterion)s") % {"criterion": c.name} for c in board.criteria]
    if calibrated:
        headers += [_("Calibrated score"), _("Calibrated score: standard error")]
    headers += [_("Rank by mean"), _("Rank by median")]
    if calibrated:
        headers += [_("Rank by calibrated score")]
    headers += [_("Reviewers disagree"), _("Fragile place")]
    return headers


def _scoreboard_values(row, *, anonymous: bool, calibrated: bool) -> list[Any]:
    """One application's line, in the order of :func:`_scoreboard_headers`."""
    overall = row.overall
    values: list[Any] = [row.reference, row.acronym, row.title, row.status_label]
    if not anonymous:
        values += [row.coordinator, "; ".join(row.institutes), "; ".join(row.units)]
    values += [overall.count]
    values += [
        rounded(v)
        for v in (
            overall.mean,
            overall.weighted_mean,
            overall.median,
            overall.spread,
            overall.minimum,
            overall.maximum,
        )
    ]
    values += [rounded(figures.mean) for figures in row.criteria]
    if calibrated:
        values += [rounded(row.calibrated), rounded(row.calibrated_se)]
    values += [row.rank(MEAN), row.rank(MEDIAN)]
    if calibrated:
        values += [row.rank(CALIBRATED)]
    values += [yes_no(overall.disagreement), yes_no(row.fragile)]
    return values


def scoreboard_table(*, call: Call, by: Any, anonymous: bool = False) -> Table:
    """The scoreboard figures, highest mean first (computed in one pass, see
    :mod:`reviews.selectors.scoreboard`); ``anonymous`` leaves out names and units."""
    board = build_scoreboard(call, reader=by)
    if anonymous:
        board = board.anonymised()
    calibrated = board.calibration_supported
    headers = _scoreboard_headers(board, anonymous=anonymous)

    def rows() -> Iterator[list[Any]]:
        for row in board.select(ScoreboardFilters(sort=f"-{MEAN}")):
            yield _scoreboard_values(row, anonymous=anonymous, calibrated=calibrated)
        yield from withheld_line(board.withheld_count)

    return Table(
        kind="scoreboard-anonymised" if anonymous else "scoreboard",
        title=str(EXPORT_KINDS["scoreboard"]),
        call_slug=call.slug,
        headers=headers,
        rows=rows(),
    )


_DECISION_COLUMNS = (
    "reference",
    "acronym",
    "title",
    "coordinator__full_name",
    "status",
    "list_entries__ranked_list__kind",
    "list_entries__position",
    "decision__outcome",
    "decision__funding_source__name",
    "decision__promoted",
    "decision__effective_on",
    "decision__decided_at",
    "decision__reason",
    "decision__reason_kind",
    "decision__reason_params",
)


def _decided_applications(call: Call, hidden) -> Any:
    """The submitted applications not ``hidden``, lists first in list order, as
    :data:`_DECISION_COLUMNS` values."""
    return (
        Application.objects.filter(call=call)
        .exclude(status=ApplicationStatus.DRAFT)
        .exclude(pk__in=hidden)
        .annotate(
            decision=FilteredRelation(
                "funding_decisions", condition=Q(funding_decisions__is_current=True)
            ),
            list_order=Case(
                When(list_entries__ranked_list__kind=ListKind.MAIN, then=Value(0)),
                When(list_entries__ranked_list__kind=ListKind.COMPLEMENTARY, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .order_by("list_order", "list_entries__position", "reference", "pk")
        .values_list(*_DECISION_COLUMNS)
    )


def _decision_values(columns: tuple) -> list[Any]:
    """One application's line of the decisions table, from its :data:`_DECISION_COLUMNS`."""
    reference, acronym, title, coordinator, status, kind, position, *rest = columns
    outcome, source, promoted, effective_on, decided_at, *reason = rest
    return [
        reference or "",
        acronym,
        title,
        coordinator,
        choice_label(ApplicationStatus, status),
        choice_label(ListKind, kind) if kind else "",
        position,
        choice_label(FundingOutcome, outcome) if outcome else "",
        source or "",
        yes_no(promoted) if outcome else "",
        effective_on,
        decided_at,
        render_reason(reason[1], reason[2], reason[0] or ""),
    ]


def decisions_table(*, call: Call, by: Any = None) -> Table:
    """Every submitted application: status, list and position, current funding decision.
    Main list first, then the complementary list, in list order, then the others. Not the
    applications ``by`` takes part in."""
    hidden = withheld_ids(by, call=call) if by is not None else frozenset()
    queryset = _decided_applications(call, hidden)

    def rows() -> Iterator[list[Any]]:
        for columns in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield _decision_values(columns)
        yield from withheld_line(len(hidden))

    return Table(
        kind="decisions",
        title=str(EXPORT_KINDS["decisions"]),
        call_slug=call.slug,
        headers=[
            _("Reference"),
            _("Acronym"),
            _("Title"),
            _("Coordinator"),
            _("Status"),
            _("List"),
            _("Position"),
            _("Funding decision"),
            _("Funding source"),
            _("Promoted from the complementary list"),
            _("Effective date"),
            zone_header(_("Decided at")),
            _("Reason"),
        ],
        rows=rows(),
    )
