"""Partner units: add, remove, resend the confirmation request, unit search (htmx), and
the partner lead's public confirmation page (reached from their personal link)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calls.forms.applications import PartnerForm
from calls.models import Application, ApplicationStatus, Partner, Unit
from calls.selectors.applications import search_units, unit_institutes, with_content
from calls.services.applications import ApplicationError
from calls.services.completeness import consortium_report
from calls.services.partners import (
    LinkState,
    add_partner,
    confirm_partner,
    partner_link_state,
    remove_partner,
    resend_confirmation,
)
from calls.views.applications import edit_context, own_application_or_404

PARTNERS_PARTIAL = "calls/applications/_partners.html"


def _partners_response(request: HttpRequest, application: Application, form=None) -> HttpResponse:
    """The partners block; the ``partnersChanged`` event makes the status panel refresh."""
    application = own_application_or_404(request, application.pk)
    context = edit_context(request, application, partner_form=form)
    response = render(request, PARTNERS_PARTIAL, context)
    response["HX-Trigger"] = "partnersChanged"
    return response


def _done(request: HttpRequest, application: Application) -> HttpResponse:
    if request.htmx:
        return _partners_response(request, application)
    return redirect(reverse("calls:application_edit", args=[application.pk]) + "#partners")


@require_POST
def partner_add(request: HttpRequest, pk: int) -> HttpResponse:
    application = own_application_or_404(request, pk)
    form = PartnerForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    try:
        partner = add_partner(
            application=application,
            by=request.user,
            unit_id=data.get("unit"),
            institute_id=data.get("institute"),
            lead_name=data.get("lead_name", ""),
            lead_email=data.get("lead_email", ""),
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("calls:application_detail", pk=application.pk)
    except ValidationError as exc:
        form.add_error(None, exc)
        if request.htmx:
            return _partners_response(request, application, form)
        application = own_application_or_404(request, pk)
        context = edit_context(request, application, partner_form=form)
        return render(request, "calls/applications/edit.html", context)
    if partner.confirmed_at:
        messages.success(request, _("%(unit)s was added.") % {"unit": partner.unit})
    else:
        messages.success(
            request,
            _("%(unit)s was added; %(email)s was asked to confirm by e-mail.")
            % {"unit": partner.unit, "email": partner.lead_email},
        )
    return _done(request, application)


@require_POST
def partner_remove(request: HttpRequest, pk: int, partner_pk: int) -> HttpResponse:
    application = own_application_or_404(request, pk)
    partner = get_object_or_404(
        Partner.objects.select_related("unit"), pk=partner_pk, application=application
    )
    try:
        remove_partner(application=application, by=request.user, partner=partner)
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("calls:application_detail", pk=application.pk)
    messages.success(request, _("%(unit)s was removed.") % {"unit": partner.unit})
    return _done(request, application)


@require_POST
def partner_resend(request: HttpRequest, pk: int, partner_pk: int) -> HttpResponse:
    application = own_application_or_404(request, pk)
    partner = get_object_or_404(Partner, pk=partner_pk, application=application)
    try:
        resend_confirmation(application=application, by=request.user, partner=partner)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The request was sent again to %(email)s.") % {"email": partner.lead_email}
        )
    if application.status == ApplicationStatus.DRAFT:
        return _done(request, application)
    return redirect("calls:application_detail", pk=application.pk)


@require_GET
def unit_search(request: HttpRequest) -> HttpResponse:
    """htmx: the <option>s of the active units matching ``unit_q``."""
    query = request.GET.get("unit_q", "").strip()[:100]
    return render(
        request,
        "calls/applications/_unit_options.html",
        {"units": search_units(query), "unit_q": query},
    )


@require_GET
def unit_institutes_options(request: HttpRequest) -> HttpResponse:
    """htmx: the <option>s of the institutes a partner from the chosen unit may take part under."""
    unit_id = request.GET.get("unit", "")
    unit = (
        Unit.objects.active()
        .select_related("main_institute")
        .prefetch_related("secondary_institutes")
        .filter(pk=unit_id)
        .first()
        if unit_id.isdigit()
        else None
    )
    institutes = unit_institutes(unit) if unit else []
    return render(request, "calls/applications/_institute_options.html", {"institutes": institutes})


@login_not_required
@require_http_methods(["GET", "POST"])
def partner_confirm(request: HttpRequest, token) -> HttpResponse:
    """Public page of one partner lead's link: the application read-only and a Confirm
    button, while the link is open. Once the lead has answered, or the call has closed,
    it says so and shows no application."""
    partner = (
        Partner.objects.filter(confirmation_token=token)
        .select_related("application__call", "unit")
        .first()
    )
    if partner is None:
        raise Http404
    state = partner_link_state(partner)
    if request.method == "POST":
        if state == LinkState.EXPIRED:
            messages.error(request, _("This link has expired: the call is closed."))
            return redirect("calls:partner_confirm", token=token)
        try:
            partner = confirm_partner(token=token)
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Thank you: your participation is confirmed."))
        return redirect("calls:partner_confirm", token=token)
    context = {
        "partner": partner,
        "call": partner.application.call,
        "link_open": state == LinkState.OPEN,
        "link_used": state == LinkState.ANSWERED,
        "link_expired": state == LinkState.EXPIRED,
    }
    if state == LinkState.OPEN:
        application = with_content(Application.objects.all()).get(pk=partner.application_id)
        context.update(
            application=application,
            partners=list(application.partners.all()),
            report=consortium_report(application),
        )
    return render(request, "calls/applications/partner_confirm.html", context)
