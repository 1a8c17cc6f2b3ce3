"""What the awards' exports contain (headers and rows), written by the reviews app's CSV
and XLSX writers (``reviews.exports.writers``), which guard every cell against formula
injection."""

from __future__ import annotations

from django.utils.translation import gettext as _

from awards.selectors.donor import DonorReport
from awards.selectors.reports import outputs_of
from calls.models import Call, FundingSource
from reviews.exports.tables import Table


def outputs_table(*, call: Call, source: FundingSource | None = None) -> Table:
    headers = [
        _("Project"),
        _("Acronym"),
        _("Funding source"),
        _("Report"),
        _("Kind"),
        _("Title"),
        _("DOI"),
        _("URL"),
    ]

    def rows():
        for output in outputs_of(call=call, source=source).iterator(chunk_size=500):
            fellowship = output.report.fellowship
            yield [
                fellowship.application.reference,
                fellowship.application.acronym,
                fellowship.funding_source.name,
                str(output.report.milestone),
                output.get_kind_display(),
                output.title,
                output.doi,
                output.link,
            ]

    kind = f"outputs-source-{source.pk}" if source is not None else "outputs"
    return Table(kind=kind, title=_("Outputs"), call_slug=call.slug, headers=headers, rows=rows())


def _summary_sheet(report: DonorReport) -> tuple[str, list[str], list[list]]:
    money = report.money
    summary = [
        [_("Funding source"), report.source.name],
        [_("Call"), str(report.source.call.title)],
        [_("Fellowships paid for"), report.source.fellowships],
        [_("Fellows recruited"), report.recruited],
        [_("Amount (EUR)"), money.amount],
        [_("Committed (EUR)"), money.committed],
        [_("Released (EUR)"), money.released],
        [_("Available (EUR)"), money.available],
    ]
    return (_("Summary"), [_("Item"), _("Value")], summary)


def _projects_sheet(report: DonorReport) -> tuple[str, list[str], list[list]]:
    """One line per project the donor pays for: the application, its fellow, the money."""
    projects = [
        [
            line.application.reference,
            line.application.acronym,
            line.application.title,
            ", ".join(line.disciplines),
            ", ".join(line.institutes),
            ", ".join(line.units),
            line.fellowship.fellow_name,
            line.fellowship.start_date,
            line.fellowship.end_date,
            line.fellowship.get_state_display(),
            line.fellowship.committed_amount,
            line.fellowship.released_amount,
            ", ".join(line.contacts),
            len(line.outputs),
        ]
        for line in report.projects
    ]
    headers = [
        _("Reference"),
        _("Acronym"),
        _("Title"),
        _("Disciplines"),
        _("Institutes"),
        _("Units"),
        _("Fellow"),
        _("Start"),
        _("End"),
        _("State"),
        _("Committed (EUR)"),
        _("Released (EUR)"),
        _("Collaborations with the donor's researchers"),
        _("Outputs"),
    ]
    return (_("Projects"), headers, projects)


def donor_sheets(report: DonorReport) -> list[tuple[str, list[str], list[list]]]:
    """(title, headers, rows) of each sheet of the donor's report, in the active language."""
    summary = _summary_sheet(report)
    projects = _projects_sheet(report)
    outputs = [
        [
            line.application.reference,
            output.get_kind_display(),
            output.title,
            output.doi,
            output.link,
        ]
        for line, output in report.outputs
    ]
    collaborations = [
        [line.application.reference, line.application.acronym, ", ".join(line.contacts)]
        for line in report.collaborations
    ]
    return [
        summary,
        projects,
        (_("Outputs"), [_("Project"), _("Kind"), _("Title"), _("DOI"), _("Link")], outputs),
        (
            _("Collaborations"),
            [_("Project"), _("Acronym"), _("The donor's researchers")],
            collaborations,
        ),
    ]
