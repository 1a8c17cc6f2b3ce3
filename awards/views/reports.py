"""Reports: the coordinator's and the fellow's form for one milestone, the PDF download
for everyone who sees the fellowship, and the staff page of a call's reports (milestones,
late reports, donor contacts, collaborations, outputs and their export)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awards.forms import DonorContactForm, MilestoneForm, OutputFormSet, ReportForm
from awards.models import DonorContact, Report, ReportMilestone
from awards.selectors import fellowships as fellowship_selectors
from awards.selectors import reports as selectors
from awards.services import reports as services
from awards.services.errors import AwardError
from calls.models import FundingSource
from calls.selectors.calls import staff_call_or_404
from calls.views.documents import document_response
from reviews.exports.tables import FORMATS
from reviews.exports.writers import csv_response, xlsx_response

from . import tables
from .fellowships import fellowship_or_404


def report_heading(fellowship, milestone: ReportMilestone) -> str:
    """« Rapport final – ACRONYME » when the milestone's name says it is a report,
    « Rapport : Mois 9 – ACRONYME » when it names only a moment."""
    application = fellowship.application
    names = {"milestone": milestone.name, "project": application.acronym or application.reference}
    word = pgettext("a word looked for in a milestone's name", "report")
    if word.casefold() in milestone.name.casefold():
        return _("%(milestone)s – %(project)s") % names
    return _("Report: %(milestone)s – %(project)s") % names


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    fellowship = fellowship_or_404(request, pk, "report")
    milestone = get_object_or_404(
        ReportMilestone, pk=milestone_pk, call_id=fellowship.application.call_id
    )
    existing = Report.objects.filter(fellowship=fellowship, milestone=milestone).first()
    contacts = DonorContact.objects.filter(funding_source=fellowship.funding_source_id)
    initial = {}
    outputs_initial = []
    if existing is not None:
        initial = {
            "progress": existing.progress,
            "collaborations": existing.collaborations,
            "difficulties": existing.difficulties,
            "donor_contacts": list(existing.donor_contacts.values_list("pk", flat=True)),
        }
        outputs_initial = list(existing.outputs.values("kind", "title", "doi", "url"))
    post = request.method == "POST"
    form = ReportForm(
        request.POST if post else None,
        request.FILES if post else None,
        contacts=contacts,
        initial=initial,
    )
    outputs = OutputFormSet(
        request.POST if post else None, prefix="outputs", initial=outputs_initial
    )
    if post and form.is_valid() and outputs.is_valid():
        data = form.cleaned_data
        try:
            services.submit_report(
                fellowship=fellowship,
                milestone=milestone,
                by=request.user,
                progress=data["progress"],
                collaborations=data["collaborations"],
                difficulties=data["difficulties"],
                donor_contacts=list(data.get("donor_contacts") or []),
                outputs=[
                    services.OutputData(**row)
                    for row in outputs.cleaned_data
                    if row and not row.get("DELETE")
                ],
                upload=data["upload"],
            )
        except (AwardError, ValidationError) as error:
            form.add_error(None, error.messages if hasattr(error, "messages") else str(error))
        else:
            messages.success(request, _("The report is submitted. Thank you."))
            return redirect("awards:fellowship", pk=fellowship.pk)
    context = {
        "fellowship": fellowship,
        "milestone": milestone,
        "heading": report_heading(fellowship, milestone),
        "due": selectors.due_on(fellowship, milestone),
        "existing": existing,
        "form": form,
        "outputs": outputs,
    }
    return render(request, "awards/report_form.html", context, status=400 if post else 200)


@login_required
@require_GET
def report_file(request: HttpRequest, pk: int, report_pk: int) -> FileResponse:
    fellowship = fellowship_or_404(request, pk)
    report = get_object_or_404(Report, pk=report_pk, fellowship=fellowship)
    if not report.file:
        raise Http404
    response = document_response(report)
    services.record_report_download(report=report, by=request.user)
    return response


@login_required
@require_GET
def call_reports(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "awards.manage")
    fellowships = fellowship_selectors.call_fellowships(call)
    context = {
        "call": call,
        "milestones": selectors.milestones_of(call),
        "late": selectors.late_reports(call),
        "contacts": list(selectors.donor_contacts_of(call)),
        "collaborations": selectors.collaborations(fellowships),
        "sources": list(FundingSource.objects.filter(call=call).order_by("created_at", "pk")),
        "milestone_form": MilestoneForm(auto_id="milestone_%s"),
        "contact_form": DonorContactForm(call=call, auto_id="contact_%s"),
    }
    return render(request, "awards/call_reports.html", context)


@login_required
@require_POST
def milestone_add(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "awards.manage")
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.add_milestone(call=call, by=request.user, **form.cleaned_data)
        except AwardError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The report milestone is added."))
    else:
        messages.error(request, _("Fill in every required field: nothing was changed."))
    return redirect("awards:call_reports", slug=call.slug)


@login_required
@require_POST
def milestone_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "awards.manage")
    milestone = get_object_or_404(ReportMilestone, pk=pk, call=call)
    try:
        services.remove_milestone(milestone=milestone, by=request.user)
    except AwardError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The report milestone is removed."))
    return redirect("awards:call_reports", slug=call.slug)


@login_required
@require_POST
def donor_contact_add(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "awards.manage")
    form = DonorContactForm(request.POST, call=call)
    if form.is_valid():
        services.add_donor_contact(by=request.user, **form.cleaned_data)
        messages.success(request, _("The donor's contact is recorded."))
    else:
        messages.error(request, _("Fill in every required field: nothing was changed."))
    return redirect("awards:call_reports", slug=call.slug)


@login_required
@require_GET
def outputs_export(request: HttpRequest, slug: str, file_format: str) -> HttpResponse:
    """The outputs of the call, or of one of its funding sources (``?source=<id>``)."""
    call = staff_call_or_404(request.user, slug, "awards.manage")
    if file_format not in FORMATS:
        raise Http404
    source = None
    if request.GET.get("source"):
        try:
            source = FundingSource.objects.get(call=call, pk=int(request.GET["source"]))
        except (ValueError, FundingSource.DoesNotExist) as exc:
            raise Http404 from exc
    table = tables.outputs_table(call=call, source=source)
    services.record_outputs_export(
        call=call, by=request.user, source=source, file_format=file_format
    )
    return xlsx_response(table) if file_format == "xlsx" else csv_response(table)
