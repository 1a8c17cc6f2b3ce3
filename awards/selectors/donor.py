"""The donor's report of one funding source: its funded projects (title, disciplines,
institutes, units), the fellows and their dates, the state of each fellowship, the
collaborations with the donor's researchers, the outputs, and the money committed and
released. A fixed number of queries whatever the number of projects (staff only: callers
fetch the call with ``calls.selectors.calls.staff_call_or_404``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from awards.models import Fellowship, Output, Report
from calls.models import FundingSource, Partner

from .money import SourceMoney, call_money


@dataclass
class ProjectLine:
    fellowship: Fellowship
    disciplines: list[str]
    institutes: list[str]
    units: list[str]
    contacts: list[str]
    outputs: list[Output]

    @property
    def application(self):
        return self.fellowship.application


@dataclass
class DonorReport:
    source: FundingSource
    money: SourceMoney
    projects: list[ProjectLine] = field(default_factory=list)

    @property
    def outputs(self) -> list[tuple[ProjectLine, Output]]:
        return [(line, output) for line in self.projects for output in line.outputs]

    @property
    def collaborations(self) -> list[ProjectLine]:
        return [line for line in self.projects if line.contacts]

    @property
    def recruited(self) -> int:
        return sum(1 for line in self.projects if line.fellowship.fellow_name)


def donor_report(source: FundingSource) -> DonorReport:
    money = next(line for line in call_money(source.call).sources if line.source.pk == source.pk)
    fellowships = (
        Fellowship.objects.filter(funding_source=source)
        .select_related("application", "hosting_unit")
        .prefetch_related(
            "application__disciplines",
            Prefetch(
                "application__partners",
                queryset=Partner.objects.select_related("unit", "institute").order_by(
                    "position", "pk"
                ),
            ),
            Prefetch(
                "reports",
                queryset=Report.objects.select_related("milestone").prefetch_related(
                    "donor_contacts", "outputs"
                ),
            ),
        )
        .order_by("application__reference", "pk")
    )
    report = DonorReport(source=source, money=money)
    for fellowship in fellowships:
        partners = list(fellowship.application.partners.all())
        reports = list(fellowship.reports.all())
        report.projects.append(
            ProjectLine(
                fellowship=fellowship,
                disciplines=sorted(str(d) for d in fellowship.application.disciplines.all()),
                institutes=sorted({p.institute.acronym for p in partners if p.institute_id}),
                units=[p.unit.label for p in partners],
                contacts=sorted({str(c) for r in reports for c in r.donor_contacts.all()}),
                outputs=[o for r in reports for o in r.outputs.all()],
            )
        )
    return report
