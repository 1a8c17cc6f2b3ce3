"""Programme staff: the call dashboard, the exports and the decision dossier.

Everyone else gets a 404 (anonymous visitors are sent to the login page first). Exports
and dossiers take confidential data out: they need a recent login (the password page
otherwise, ``aissai.security.reauth``, asked only once the person is known to be staff)
and are audited (``reviews.services.exports``) before anything is sent.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aissai.security.reauth import ask_for_password, is_recent
from calls.forms.staff import ApplicationFilterForm
from calls.models import Call
from calls.selectors.calls import staff_call_or_404
from calls.selectors.staff_conflicts import withheld_ids
from reviews.exports.selection_tables import decisions_table, scoreboard_table
from reviews.exports.tables import EXPORT_KINDS, FORMATS, Table, applications_table, reviews_table
from reviews.exports.writers import csv_response, xlsx_response
from reviews.selectors.dossier import build_dossier, dossier_application_or_404
from reviews.selectors.reports import call_dashboard
from reviews.services.exports import record_dossier_view, record_export


@require_GET
def call_dashboard_view(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.view_call_reports")
    dashboard = call_dashboard(call)
    context = {
        "call": call,
        "dashboard": dashboard,
        "chart_data": dashboard.chart_data(),
        "active": "dashboard",
    }
    return render(request, "reviews/reports/dashboard.html", context)


def download_formats(language: str) -> list[tuple[str, str]]:
    """(format, button label), the one offered first (the default) first: XLSX for a
    French reader, whose spreadsheet splits CSV files on semicolons; CSV otherwise."""
    labels = {"xlsx": _("Download XLSX"), "csv": _("Download CSV")}
    order = ("xlsx", "csv") if language.startswith("fr") else ("csv", "xlsx")
    return [(file_format, labels[file_format]) for file_format in order]


@require_GET
def exports_view(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.export_call")
    context = {
        "call": call,
        "kinds": EXPORT_KINDS,
        "formats": FORMATS,
        "withheld": len(withheld_ids(request.user, call=call)),
        "download_formats": download_formats(translation.get_language() or ""),
        "active": "exports",
    }
    return render(request, "reviews/reports/exports.html", context)


def _flag(request: HttpRequest, name: str) -> bool:
    return request.GET.get(name) in ("1", "on", "true")


def _table(request: HttpRequest, call: Call, kind: str) -> tuple[Table, dict]:
    """The table of export ``kind`` and what the audit event records about the request."""
    if kind == "applications":
        form = ApplicationFilterForm(request.GET, call=call)
        filters = form.filters()
        recorded = {
            "q": filters.q,
            "status": filters.status,
            "institute": filters.institute.pk if filters.institute else None,
            "unit": filters.unit.pk if filters.unit else None,
            "discipline": filters.discipline.pk if filters.discipline else None,
            "sort": filters.sort,
        }
        table = applications_table(call=call, filters=filters, by=request.user)
        return table, {"filters": recorded}
    if kind == "reviews":
        identities = _flag(request, "identities")
        table = reviews_table(call=call, by=request.user, identities=identities)
        return table, {"identities": identities}
    if kind == "scoreboard":
        anonymous = _flag(request, "anonymous")
        return scoreboard_table(call=call, by=request.user, anonymous=anonymous), {
            "anonymous": anonymous
        }
    return decisions_table(call=call, by=request.user), {}


@require_GET
def export_view(
    request: HttpRequest, slug: str, kind: str, file_format: str
) -> StreamingHttpResponse | FileResponse | HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.export_call")
    if kind not in EXPORT_KINDS or file_format not in FORMATS:
        raise Http404
    if not is_recent(request):
        return ask_for_password(request)
    table, recorded = _table(request, call, kind)
    record_export(call=call, by=request.user, kind=kind, file_format=file_format, **recorded)
    return csv_response(table) if file_format == "csv" else xlsx_response(table)


@require_GET
def dossier_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.view_dossier")
    application = dossier_application_or_404(call=call, pk=pk, user=request.user)
    if not is_recent(request):
        return ask_for_password(request)
    dossier = build_dossier(application, reader=request.user)
    record_dossier_view(application=application, by=request.user)
    context = {
        "call": call,
        "application": application,
        "dossier": dossier,
        "prepared_at": timezone.now(),
    }
    return render(request, "reviews/reports/dossier.html", context)
