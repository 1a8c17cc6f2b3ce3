"""Programme staff pages: calls index, applications table, eligibility screening.

Everyone else gets a 404 (anonymous visitors are sent to the login page first).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from aissai.sorting import sort_headers
from calls.forms.staff import ApplicationFilterForm, BulkEligibleForm, EligibilityRulingForm
from calls.forms.staff_conflicts import DeclareStaffConflictForm
from calls.models import ApplicationStatus
from calls.selectors.calls import is_programme_staff, staff_call_or_404
from calls.selectors.reference import reference_data_gaps
from calls.selectors.staff import (
    SCREENING_STATUSES,
    SORTS,
    automatic_checks,
    calls_with_status_counts,
    prepare_rows,
    required_document_kinds,
    screening_application_or_404,
    screening_applications,
)
from calls.selectors.staff import staff_applications as applications_table
from calls.selectors.staff_conflicts import named_staff_to_rule, withheld_ids
from calls.services.eligibility import (
    EligibilityRulingError,
    rule_eligibility,
    rule_eligible_in_bulk,
)
from calls.transitions import TransitionError

SCREENING_PAGE_SIZE = 50


@require_GET
def staff_index(request: HttpRequest) -> HttpResponse:
    if not is_programme_staff(request.user):
        raise Http404
    return render(
        request,
        "calls/staff/index.html",
        {"calls": calls_with_status_counts(request.user), "reference_gaps": reference_data_gaps()},
    )


@require_GET
def staff_applications(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug)
    form = ApplicationFilterForm(request.GET, call=call)
    filters = form.filters()
    paginator = Paginator(
        applications_table(call=call, filters=filters, user=request.user), form.page_size()
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "call": call,
        "form": form,
        "page": page,
        "rows": prepare_rows(page.object_list, call=call),
        "headers": sort_headers(SORTS, SORTS, filters.sort),
        "screening_statuses": [s.value for s in SCREENING_STATUSES],
        "withheld": len(withheld_ids(request.user, call=call)),
        "filtered": any(
            [filters.q, filters.status, filters.institute, filters.unit, filters.discipline]
        ),
        # Applications naming a staff member who has not confirmed: for the others to rule.
        "named_staff": [n for n in named_staff_to_rule(call) if n.staff_id != request.user.pk],
        "declare_form": DeclareStaffConflictForm(
            call=call, user=request.user, auto_id="declare_%s"
        ),
    }
    return render(request, "calls/staff/applications.html", context)


@require_http_methods(["GET", "POST"])
def staff_screening_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Applications waiting for a ruling with their automatic checks; bulk 'eligible'."""
    call = staff_call_or_404(request.user, slug)
    if request.method == "POST":
        form = BulkEligibleForm(request.POST, call=call, user=request.user)
        if form.is_valid():
            result = rule_eligible_in_bulk(
                call=call, applications=form.cleaned_data["applications"], by=request.user
            )
            if result.ruled:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d application ruled eligible; its coordinator is notified.",
                        "%(n)d applications ruled eligible; their coordinators are notified.",
                        len(result.ruled),
                    )
                    % {"n": len(result.ruled)},
                )
            for application, why in result.skipped:
                messages.warning(
                    request,
                    _("%(application)s was not ruled eligible: %(why)s")
                    % {"application": application, "why": why},
                )
            return redirect("calls:staff_screening_list", slug=call.slug)
        for error in form.errors.get("applications", []):
            messages.error(request, error)
        return redirect("calls:staff_screening_list", slug=call.slug)

    status = request.GET.get("status", "")
    if status not in SCREENING_STATUSES:
        status = ApplicationStatus.SUBMITTED
    paginator = Paginator(
        screening_applications(call=call, user=request.user, status=status),
        SCREENING_PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "call": call,
        "page": page,
        "rows": prepare_rows(page.object_list, call=call),
        "status": status,
        "statuses": [(s.value, s.label) for s in SCREENING_STATUSES],
        "bulk": status == ApplicationStatus.SUBMITTED,
        "withheld": len(withheld_ids(request.user, call=call)),
    }
    return render(request, "calls/staff/screening_list.html", context)


@require_http_methods(["GET", "POST"])
def staff_screening(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The automatic checks of one application and the staff ruling (POST)."""
    call = staff_call_or_404(request.user, slug)
    application = screening_application_or_404(call=call, user=request.user, pk=pk)
    checks = automatic_checks(application, call=call, required_kinds=required_document_kinds(call))
    form = EligibilityRulingForm(
        request.POST if request.method == "POST" else None,
        application=application,
        checks=checks,
    )
    if request.method == "POST" and form.is_valid():
        try:
            rule_eligibility(
                application=application,
                by=request.user,
                eligible=form.eligible,
                reason=form.cleaned_data["reason"],
            )
        except (EligibilityRulingError, TransitionError) as error:
            form.add_error(None, str(error))
        else:
            application.refresh_from_db()
            messages.success(
                request,
                _("%(application)s is now %(status)s; the coordinator is notified by e-mail.")
                % {"application": application, "status": application.get_status_display()},
            )
            return redirect(reverse("calls:staff_screening_list", kwargs={"slug": call.slug}))
    if request.method == "POST":
        messages.error(request, _("The ruling was not saved: see the errors below."))
    context = {"call": call, "application": application, "checks": checks, "form": form}
    return render(request, "calls/staff/screening.html", context)
