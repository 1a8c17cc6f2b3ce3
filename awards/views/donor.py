"""The donor's report of a funding source (staff): a printable page and an XLSX workbook,
in English or in French (``?language=fr``), whatever the reader's own language."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from awards.selectors.donor import DonorReport, donor_report
from awards.services.reports import record_donor_report
from calls.models import FundingSource
from calls.selectors.calls import staff_call_or_404
from reviews.exports.cells import safe_cell
from reviews.exports.writers import XLSX_CONTENT_TYPE

from .tables import donor_sheets

LANGUAGES = ("en", "fr")


def _source(request: HttpRequest, slug: str, pk: int) -> FundingSource:
    call = staff_call_or_404(request.user, slug, "awards.manage")
    return get_object_or_404(FundingSource.objects.select_related("call"), pk=pk, call=call)


def _language(request: HttpRequest) -> str:
    language = request.GET.get("language") or translation.get_language() or "en"
    if language[:2] not in LANGUAGES:
        raise Http404
    return language[:2]


@login_required
@require_GET
def donor_report_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    source = _source(request, slug, pk)
    language = _language(request)
    record_donor_report(source=source, by=request.user, file_format="page", language=language)
    with translation.override(language):
        report = donor_report(source)
        response = render(
            request,
            "awards/donor_report.html",
            {"report": report, "call": source.call, "language": language},
        )
    return response


def write_workbook(report: DonorReport, file) -> None:
    """One sheet per part of the report; every text cell guarded against formulas."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in donor_sheets(report):
        sheet = workbook.create_sheet(title=str(title)[:31])
        sheet.append([str(h) for h in headers])
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
    workbook.save(file)


@login_required
@require_GET
def donor_report_xlsx(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    source = _source(request, slug, pk)
    language = _language(request)
    record_donor_report(source=source, by=request.user, file_format="xlsx", language=language)
    file = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (FileResponse closes it)
    try:
        with translation.override(language):
            write_workbook(donor_report(source), file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    day = timezone.localdate().isoformat()
    response = FileResponse(
        file,
        as_attachment=True,
        filename=f"{source.call.slug}-donor-report-{source.pk}-{language}-{day}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Cache-Control"] = "no-store"
    return response
