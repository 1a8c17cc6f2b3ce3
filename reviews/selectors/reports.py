"""Reads of the reports pages: the call dashboard (the decision dossier of an application is
in ``reviews.selectors.dossier``).

Programme staff only: callers fetch the call with
``calls.selectors.calls.staff_call_or_404`` (404 for everyone else).

The dashboard is a fixed number of aggregate queries whatever the size of the call
(``values()`` + ``Count``, grouped in the database): nothing is counted in Python but
the buckets of a few grouped rows. An application *received* is one submitted at least
once and not back in draft (withdrawn ones included: they were received).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Floor, TruncDate
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from calls.models import Application, ApplicationStatus, Call, Institute, Partner
from reviews.models import (
    FundingDecision,
    FundingOutcome,
    Review,
    ReviewStatus,
)
from reviews.selectors.reviewing import live_assignments
from reviews.selectors.scoreboard import (
    counted_reviews,
)

S = ApplicationStatus
ELIGIBLE_OR_LATER = frozenset(
    {
        S.ELIGIBLE,
        S.IN_REVIEW,
        S.SHORTLISTED,
        S.NOT_SHORTLISTED,
        S.MAIN_LIST,
        S.COMPLEMENTARY_LIST,
        S.NOT_SELECTED,
        S.FUNDED,
        S.DECLINED,
        S.NOT_FUNDED,
    }
)
SCORE_BINS = 10  # totals are on a 0–10 scale: [0, 1), [1, 2), … [9, 10]


def _received(prefix: str = "") -> Q:
    return Q(**{f"{prefix}submitted_at__isnull": False}) & ~Q(**{f"{prefix}status": S.DRAFT})


def _funded(application_ref: str) -> Q:
    """Funded: the status says so, or the current funding decision does."""
    decision = FundingDecision.objects.filter(
        application=OuterRef(application_ref), is_current=True, outcome=FundingOutcome.FUNDED
    )
    status = "status" if application_ref == "pk" else "application__status"
    return Q(**{status: S.FUNDED}) | Exists(decision)


@dataclass(frozen=True)
class Figure:
    """One labelled number of a chart."""

    key: str
    label: str
    value: int


@dataclass(frozen=True)
class InstituteFigures:
    acronym: str
    name: str
    received: int
    funded: int

    @property
    def rate(self) -> float | None:
        """Funded / received, in percent (None when nothing was received)."""
        return round(100 * self.funded / self.received, 1) if self.received else None


@dataclass(frozen=True)
class ProgressDay:
    day: date
    submitted: int
    cumulative: int


@dataclass(frozen=True)
class ScoreBin:
    low: int
    high: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.low}\u2013{self.high}"


@dataclass
class Dashboard:
    call: Call
    drafts: int
    received: int
    funded: int
    eligibility: list[Figure]
    institutes: list[InstituteFigures]
    disciplines: list[Figure]
    no_discipline: int
    progress: list[ProgressDay]
    reviews_expected: int
    score_bins: list[ScoreBin]

    @property
    def reviews_submitted(self) -> int:
        return self.progress[-1].cumulative if self.progress else 0

    @property
    def reviews_scored(self) -> int:
        return sum(b.count for b in self.score_bins)

    def chart_data(self) -> dict[str, Any]:
        """What ``static/js/dashboard_charts.js`` draws, keyed by the canvas id."""

        def bars(labels: list[str], label: str, values: list[Any], **extra: Any) -> dict:
            return {"labels": labels, "series": [{"label": label, "values": values}], **extra}

        return {
            "chart-institutes": bars(
                [i.acronym for i in self.institutes],
                _("Applications"),
                [i.received for i in self.institutes],
                type="bar",
            ),
            "chart-disciplines": bars(
                [d.label for d in self.disciplines],
                _("Applications"),
                [d.value for d in self.disciplines],
                type="bar",
                horizontal=True,
            ),
            "chart-eligibility": bars(
                [f.label for f in self.eligibility],
                _("Applications"),
                [f.value for f in self.eligibility],
                type="doughnut",
            ),
            "chart-progress": bars(
                [d.day.isoformat() for d in self.progress],
                _("Submitted reviews (cumulative)"),
                [d.cumulative for d in self.progress],
                type="line",
                max=self.reviews_expected or None,
            ),
            "chart-scores": bars(
                [b.label for b in self.score_bins],
                _("Reviews"),
                [b.count for b in self.score_bins],
                type="bar",
            ),
            "chart-success": bars(
                [i.acronym for i in self.institutes],
                _("Success rate (%)"),
                [i.rate for i in self.institutes],
                type="bar",
                percent=True,
            ),
        }


def _status_counts(call: Call) -> dict[str, dict[str, int]]:
    through = Application.disciplines.through
    received = _received()
    rows = (
        Application.objects.filter(call=call)
        .order_by()
        .values("status")
        .annotate(
            total=Count("pk"),
            received=Count("pk", filter=received),
            funded=Count("pk", filter=received & _funded("pk")),
            no_discipline=Count(
                "pk", filter=received & ~Exists(through.objects.filter(application=OuterRef("pk")))
            ),
        )
    )
    return {row["status"]: row for row in rows}


def _eligibility(counts: dict[str, dict[str, int]]) -> list[Figure]:
    def received(statuses) -> int:
        return sum(counts.get(s, {}).get("received", 0) for s in statuses)

    return [
        Figure("awaiting", _("Awaiting screening"), received([S.SUBMITTED])),
        Figure("eligible", _("Eligible"), received(ELIGIBLE_OR_LATER)),
        Figure("ineligible", _("Ineligible"), received([S.INELIGIBLE])),
        Figure("withdrawn", _("Withdrawn after submission"), received([S.WITHDRAWN])),
    ]


def _institutes(call: Call) -> list[InstituteFigures]:
    rows = (
        Partner.objects.filter(application__call=call)
        .filter(_received("application__"))
        .order_by()
        .values("institute_id")
        .annotate(
            received=Count("application", distinct=True),
            funded=Count("application", distinct=True, filter=_funded("application_id")),
        )
    )
    by_id = {row["institute_id"]: row for row in rows}
    return [
        InstituteFigures(
            acronym=institute.acronym,
            name=institute.name,
            received=by_id.get(institute.pk, {}).get("received", 0),
            funded=by_id.get(institute.pk, {}).get("funded", 0),
        )
        for institute in Institute.objects.order_by("acronym")
    ]


def _disciplines(call: Call) -> list[Figure]:
    through = Application.disciplines.through
    french = (get_language() or "").startswith("fr")
    name = "discipline__name_fr" if french else "discipline__name_en"
    rows = (
        through.objects.filter(application__call=call)
        .filter(_received("application__"))
        .order_by()
        .values("discipline_id", "discipline__name_en", name)
        .annotate(n=Count("application_id", distinct=True))
    )
    figures = [
        Figure(str(row["discipline_id"]), row[name] or row["discipline__name_en"], row["n"])
        for row in rows
    ]
    return sorted(figures, key=lambda f: (-f.value, f.label.lower()))


def _progress(call: Call) -> list[ProgressDay]:
    rows = (
        Review.objects.filter(
            status=ReviewStatus.SUBMITTED,
            submitted_at__isnull=False,
            assignment__in=live_assignments().filter(application__call=call).values("pk"),
        )
        .annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_default_timezone()))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    days, running = [], 0
    for row in rows:
        running += row["n"]
        days.append(ProgressDay(day=row["day"], submitted=row["n"], cumulative=running))
    return days


def _score_bins(call: Call) -> list[ScoreBin]:
    rows = (
        counted_reviews(call)
        .exclude(total=None)
        .annotate(bin=Floor("total"))
        .order_by()
        .values("bin")
        .annotate(n=Count("pk"))
    )
    counts = [0] * SCORE_BINS
    for row in rows:
        index = min(max(int(Decimal(row["bin"])), 0), SCORE_BINS - 1)  # 10 joins [9, 10]
        counts[index] += row["n"]
    return [ScoreBin(low=i, high=i + 1, count=n) for i, n in enumerate(counts)]


def call_dashboard(call: Call) -> Dashboard:
    """Every figure of the dashboard of ``call`` in seven queries."""
    counts = _status_counts(call)
    expected = live_assignments().filter(application__call=call).aggregate(n=Count("pk"))["n"]
    return Dashboard(
        call=call,
        drafts=counts.get(S.DRAFT, {}).get("total", 0),
        received=sum(row["received"] for row in counts.values()),
        funded=sum(row["funded"] for row in counts.values()),
        eligibility=_eligibility(counts),
        institutes=_institutes(call),
        disciplines=_disciplines(call),
        no_discipline=sum(row["no_discipline"] for row in counts.values()),
        progress=_progress(call),
        reviews_expected=expected,
        score_bins=_score_bins(call),
    )
