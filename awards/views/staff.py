"""Staff pages of the awards: the fellowships and money of a call, its award settings, and
the staff actions on one fellowship (suspend, end, abandon, record a failed recruitment,
change the committed amount). Everyone else gets a 404; changes only on POST."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from awards.forms import AmountForm, AwardSettingsForm, EndForm, ReasonForm, SuspensionForm
from awards.selectors import fellowships as selectors
from awards.selectors.money import call_money
from awards.services import endings, money
from awards.services import fellowships as services
from awards.services.errors import AwardError
from calls.selectors.calls import staff_call_or_404

from .fellowships import fellowship_or_404


@login_required
@require_GET
def call_fellowships(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "awards.manage")
    settings = selectors.award_settings(call)
    context = {
        "call": call,
        "fellowships": list(selectors.call_fellowships(call)),
        "money": call_money(call),
        "settings_form": AwardSettingsForm(
            initial={"recruitment_deadline": settings.recruitment_deadline}
        ),
    }
    return render(request, "awards/call_fellowships.html", context)


@login_required
@require_POST
def call_settings(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "awards.manage")
    form = AwardSettingsForm(request.POST)
    if form.is_valid():
        money.set_award_settings(call=call, by=request.user, **form.cleaned_data)
        messages.success(request, _("The award settings are saved."))
    else:
        messages.error(request, _("Give a valid date."))
    return redirect("awards:call_fellowships", slug=call.slug)


def _act(
    request: HttpRequest, pk: int, action: str, form_class, perform: Callable, done: str
) -> HttpResponse:
    """One staff action on one fellowship: check the rule, validate the form, call the
    service, tell what happened, go back to the fellowship's page."""
    fellowship = fellowship_or_404(request, pk, action)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("Fill in every required field: nothing was changed."))
    else:
        try:
            perform(fellowship=fellowship, by=request.user, **form.cleaned_data)
        except AwardError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done)
    return redirect("awards:fellowship", pk=fellowship.pk)


@login_required
@require_POST
def suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "suspend",
        SuspensionForm,
        services.add_suspension,
        _("The suspension is recorded; the end date moved."),
    )


@login_required
@require_POST
def end(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "end", EndForm, endings.end_fellowship, _("The fellowship has ended."))


@login_required
@require_POST
def abandon(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "abandon",
        ReasonForm,
        endings.abandon_fellowship,
        _("The fellowship is abandoned; its amount is released."),
    )


@login_required
@require_POST
def fail_recruitment(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "fail_recruitment",
        ReasonForm,
        endings.record_recruitment_failure,
        _("The failed recruitment is recorded and the place passed on."),
    )


@login_required
@require_POST
def change_amount(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "change_amount",
        AmountForm,
        money.set_committed_amount,
        _("The committed amount is changed."),
    )
