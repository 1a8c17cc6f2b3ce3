"""What the awards' exports contain (headers and rows), written by the reviews app's CSV
and XLSX writers (``reviews.exports.writers``), which guard every cell against formula
injection."""

from __future__ import annotations

from django.utils.translation import gettext as _

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
