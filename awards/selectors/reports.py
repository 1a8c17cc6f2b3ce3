"""Reads of the reports: what each fellowship owes and when, the late reports, the
outputs and the collaborations with the donor's researchers. Staff pages fetch the call
through ``calls.selectors.calls.staff_call_or_404``; a fellowship's own page through
``awards.selectors.fellowships.fellowships_visible_to``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from awards.models import (
    REPORTING_STATES,
    DonorContact,
    Fellowship,
    Output,
    Report,
    ReportMilestone,
)
from awards.services.dates import add_months
from calls.models import Call, FundingSource


def due_on(fellowship: Fellowship, milestone: ReportMilestone) -> date | None:
    """When ``fellowship`` reports for ``milestone``: its end date for the final report,
    otherwise ``month`` months after the start, moved by the suspensions begun before
    (read through ``fellowship.suspensions.all()``: prefetch them for many)."""
    if fellowship.start_date is None:
        return None
    if milestone.month is None:
        return fellowship.end_date
    due = add_months(fellowship.start_date, milestone.month)
    for suspension in fellowship.suspensions.all():
        if suspension.starts_on < due:
            due = date.fromordinal(due.toordinal() + suspension.days)
    return due


def expected_reports(
    fellowships: QuerySet[Fellowship],
) -> Iterator[tuple[Fellowship, ReportMilestone, date]]:
    """(fellowship, milestone, due date) for each report ``fellowships`` owe and have not
    submitted. Three queries, whatever the number of fellowships."""
    rows = list(
        fellowships.select_related("application__call", "application__coordinator", "fellow")
        .prefetch_related("suspensions", "reports")
        .order_by("application__reference", "pk")
    )
    milestones: dict[int, list[ReportMilestone]] = {}
    for milestone in ReportMilestone.objects.filter(
        call_id__in={f.application.call_id for f in rows}
    ):
        milestones.setdefault(milestone.call_id, []).append(milestone)
    for fellowship in rows:
        done = {report.milestone_id for report in fellowship.reports.all()}
        for milestone in milestones.get(fellowship.application.call_id, []):
            if milestone.pk in done:
                continue
            day = due_on(fellowship, milestone)
            if day is not None:
                yield fellowship, milestone, day


@dataclass
class LateReport:
    fellowship: Fellowship
    milestone: ReportMilestone
    due: date

    @property
    def days_late(self) -> int:
        return (timezone.localdate() - self.due).days


def late_reports(call: Call, today: date | None = None) -> list[LateReport]:
    today = today or timezone.localdate()
    fellowships = Fellowship.objects.filter(
        application__call=call, state__in=REPORTING_STATES, start_date__isnull=False
    )
    late = [
        LateReport(fellowship, milestone, day)
        for fellowship, milestone, day in expected_reports(fellowships)
        if day < today
    ]
    return sorted(late, key=lambda item: (item.due, item.fellowship.application.reference))


def milestones_of(call: Call) -> list[ReportMilestone]:
    return list(ReportMilestone.objects.filter(call=call))


def reports_of(fellowship: Fellowship) -> dict[int, Report]:
    """The fellowship's reports by milestone id, with outputs and donor contacts."""
    reports = Report.objects.filter(fellowship=fellowship).prefetch_related(
        "outputs", "donor_contacts"
    )
    return {report.milestone_id: report for report in reports}


def donor_contacts_of(call: Call) -> QuerySet[DonorContact]:
    return DonorContact.objects.filter(funding_source__call=call).select_related("funding_source")


def outputs_of(
    *, call: Call | None = None, source: FundingSource | None = None
) -> QuerySet[Output]:
    """The outputs declared in the reports of a call or of one funding source."""
    outputs = Output.objects.select_related(
        "report__milestone", "report__fellowship__application", "report__fellowship__funding_source"
    ).order_by("report__fellowship__application__reference", "report__milestone", "position")
    if call is not None:
        outputs = outputs.filter(report__fellowship__application__call=call)
    if source is not None:
        outputs = outputs.filter(report__fellowship__funding_source=source)
    return outputs


@dataclass
class Collaboration:
    fellowship: Fellowship
    contacts: list[DonorContact]


def collaborations(fellowships: Iterable[Fellowship] | QuerySet[Fellowship]) -> list[Collaboration]:
    """The fellowships whose reports name the donor's researchers, with whom."""
    found = []
    queryset = (
        Fellowship.objects.filter(pk__in=[f.pk for f in fellowships])
        .select_related("application")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=Report.objects.prefetch_related("donor_contacts"),
            )
        )
        .order_by("application__reference", "pk")
    )
    for fellowship in queryset:
        contacts = {
            contact.pk: contact
            for report in fellowship.reports.all()
            for contact in report.donor_contacts.all()
        }
        if contacts:
            found.append(Collaboration(fellowship, sorted(contacts.values(), key=str)))
    return found
