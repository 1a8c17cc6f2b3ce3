"""A fellowship's page and what its coordinator does there (record the recruit, mark the
start). Everyone who may see the fellowship reads the page; a fellowship a person may not
see, or an action they may not take, is a 404."""

from __future__ import annotations

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awards.forms import AmountForm, EndForm, ReasonForm, RecruitForm, SuspensionForm
from awards.models import Fellowship
from awards.rules import allowed_actions
from awards.selectors import fellowships as selectors
from awards.selectors.reports import due_on, milestones_of, reports_of
from awards.services.errors import AwardError
from awards.services.fellowships import Recruit, hosting_units, record_recruitment, start_fellowship


def fellowship_or_404(request: HttpRequest, pk: int, action: str = "") -> Fellowship:
    fellowship = get_object_or_404(
        selectors.with_details(selectors.fellowships_visible_to(request.user)), pk=pk
    )
    if action and not rules.test_rule(f"awards.{action}", request.user, fellowship):
        raise Http404
    return fellowship


@login_required
@require_GET
def my_fellowships(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "awards/my_fellowships.html",
        {"fellowships": list(selectors.my_fellowships(request.user))},
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    fellowship = fellowship_or_404(request, pk)
    can = allowed_actions(request.user, fellowship)
    reports = reports_of(fellowship)
    milestones = [
        {
            "milestone": milestone,
            "due": due_on(fellowship, milestone),
            "report": reports.get(milestone.pk),
        }
        for milestone in milestones_of(fellowship.application.call)
    ]
    context = {
        "fellowship": fellowship,
        "milestones": milestones,
        "suspensions": list(fellowship.suspensions.all()),
        "can": can,
        "suspension_form": SuspensionForm(auto_id="suspension_%s") if can["suspend"] else None,
        "end_form": EndForm(auto_id="end_%s") if can["end"] else None,
        "abandon_form": ReasonForm(auto_id="abandon_%s") if can["abandon"] else None,
        "fail_form": ReasonForm(auto_id="fail_%s") if can["fail_recruitment"] else None,
        "amount_form": (
            AmountForm(auto_id="amount_%s", initial={"amount": fellowship.committed_amount})
            if can["change_amount"]
            else None
        ),
    }
    return render(request, "awards/fellowship_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def recruit(request: HttpRequest, pk: int) -> HttpResponse:
    fellowship = fellowship_or_404(request, pk, "record_recruitment")
    units = hosting_units(fellowship.application)
    initial = {
        "fellow_name": fellowship.fellow_name,
        "fellow_email": fellowship.fellow_email,
        "phd_date": fellowship.phd_date,
        "hosting_unit": fellowship.hosting_unit_id,
        "start_date": fellowship.start_date,
    }
    form = RecruitForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record_recruitment(
                fellowship=fellowship, by=request.user, recruit=Recruit(**form.cleaned_data)
            )
        except AwardError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The recruitment is recorded; the fellow is invited."))
            return redirect("awards:fellowship", pk=fellowship.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "awards/recruit.html", {"fellowship": fellowship, "form": form}, status=status
    )


@login_required
@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    fellowship = fellowship_or_404(request, pk, "start")
    try:
        start_fellowship(fellowship=fellowship, by=request.user)
    except AwardError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The fellowship is running."))
    return redirect("awards:fellowship", pk=fellowship.pk)
