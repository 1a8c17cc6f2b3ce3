"""Institute correspondents: staff grant and revoke the role; a correspondent reads the
applications of their institute (the detail page and documents are the applicant pages,
reached through ``applications_visible_to``). Anyone else gets a 404."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calls.forms.correspondents import GrantCorrespondentForm, InstituteFilterForm
from calls.models import InstituteCorrespondent
from calls.selectors.applications import applicant_status_label
from calls.selectors.correspondents import (
    correspondent_institute_ids,
    correspondent_institutes,
    correspondents_for_staff,
    institute_applications,
    institute_calls,
)
from calls.services.correspondents import (
    CorrespondentError,
    grant_correspondent,
    revoke_correspondent,
)

PAGE_SIZE = 50


def _staff_or_404(request: HttpRequest) -> None:
    if not rules.test_rule("calls.manage_correspondents", request.user):
        raise Http404


@require_http_methods(["GET", "POST"])
def manage_correspondents(request: HttpRequest) -> HttpResponse:
    _staff_or_404(request)
    form = GrantCorrespondentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        institute = form.cleaned_data["institute"]
        try:
            grant_correspondent(user=form.user, institute=institute, by=request.user)
        except CorrespondentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(person)s is now a correspondent of %(institute)s.")
                % {"person": form.user.get_full_name(), "institute": institute.acronym},
            )
            return redirect("calls:manage_correspondents")
    return render(
        request,
        "calls/correspondents/manage.html",
        {"form": form, "roles": list(correspondents_for_staff())},
    )


@require_POST
def manage_correspondent_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_or_404(request)
    role = get_object_or_404(InstituteCorrespondent.objects.select_related("user"), pk=pk)
    try:
        role = revoke_correspondent(role=role, by=request.user)
    except CorrespondentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(person)s is no longer a correspondent of %(institute)s.")
            % {"person": role.user.get_full_name(), "institute": role.institute.acronym},
        )
    return redirect("calls:manage_correspondents")


def _row(request: HttpRequest, application, institute_ids: frozenset[int]) -> dict:
    internal = rules.test_rule("calls.view_internal_status", request.user, application)
    partners = list(application.partners.all())
    return {
        "application": application,
        "status_label": application.get_status_display()
        if internal
        else applicant_status_label(application),
        "partners": [
            {"partner": partner, "mine": partner.institute_id in institute_ids}
            for partner in partners
        ],
    }


@require_GET
def institute_applications_view(request: HttpRequest) -> HttpResponse:
    """The correspondent's list: applications involving their institutes, read-only."""
    if not rules.test_rule("calls.is_correspondent", request.user):
        raise Http404
    institutes = correspondent_institutes(request.user)
    form = InstituteFilterForm(
        request.GET or None, calls=institute_calls(request.user), institutes=institutes
    )
    filters = form.filters()
    page = Paginator(institute_applications(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    institute_ids = correspondent_institute_ids(request.user)
    return render(
        request,
        "calls/correspondents/institute.html",
        {
            "form": form,
            "institutes": institutes,
            "page": page,
            "rows": [_row(request, application, institute_ids) for application in page],
            "filtered": bool(filters.call or filters.status or filters.institute),
        },
    )
