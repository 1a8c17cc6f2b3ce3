"""Funding decisions of a call (programme staff; everyone else gets a 404): funding sources
and promotions, declines, closing the complementary list, publishing the results, and the
whole history on one page. And the coordinator's own decline of a funded place."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import rules
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aissai.security.reauth import ask_for_password, is_recent
from calls.models import ApplicationStatus, Call
from calls.selectors.applications import applications_visible_to
from calls.selectors.calls import staff_call_or_404
from calls.transitions import APPLICANT
from reviews.forms.lists import (
    ApplicantDeclineForm,
    CloseForm,
    DeclineForm,
    FundingSourceForm,
    PublishForm,
    ReasonForm,
)
from reviews.selectors.decisions import decisions_overview, selection_history
from reviews.services.decisions import (
    DecisionResult,
    add_funding_source,
    close_complementary_list,
    fill_free_places,
    record_decline,
)
from reviews.services.lists import ListError
from reviews.services.results import RESULTS_MAIL, publish_results
from reviews.views.conflicted import conflicted_refusal

PERMISSION = "reviews.decide_funding"


def _decline_prefix(application_id: int) -> str:
    return f"decline-{application_id}"


def _render(request: HttpRequest, call: Call, status: int = 200, **forms) -> HttpResponse:
    overview = decisions_overview(call, reader=request.user)
    declining = forms.get("declining")
    for line in overview.funded:
        pk = line.application.pk
        line.decline_form = (
            forms["decline_form"] if pk == declining else DeclineForm(prefix=_decline_prefix(pk))
        )
    context = {
        "call": call,
        "overview": overview,
        "source_form": forms.get("source_form") or FundingSourceForm(auto_id="source_%s"),
        "declining": declining,
        "fill_form": ReasonForm(auto_id="fill_%s"),
        "close_form": forms.get("close_form") or CloseForm(auto_id="close_%s"),
        "publish_form": forms.get("publish_form") or PublishForm(auto_id="publish_%s"),
        "withheld": overview.withheld,
        "active": "decisions",
    }
    return render(request, "reviews/decisions/decisions.html", context, status=status)


def _promoted_message(request: HttpRequest, result: DecisionResult) -> None:
    if result.promoted:
        messages.info(
            request,
            ngettext(
                "Promoted from the complementary list: %(refs)s.",
                "Promoted from the complementary list, in order: %(refs)s.",
                len(result.promoted),
            )
            % {"refs": ", ".join(p.application.reference for p in result.promoted)},
        )


@require_GET
def decisions(request: HttpRequest, slug: str) -> HttpResponse:
    return _render(request, staff_call_or_404(request.user, slug, PERMISSION))


def _decision(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A decision's view (POST only) gets the call, unless the person may not decide for
    it: a 404 for anyone but programme staff, the 403 page for a staff member who takes
    part in one of its applications."""

    @require_POST
    @wraps(view)
    def decide(request: HttpRequest, slug: str, **kwargs) -> HttpResponse:
        call = staff_call_or_404(request.user, slug, PERMISSION)
        if refusal := conflicted_refusal(request, call):
            return refusal
        return view(request, call, **kwargs)

    return decide


def _decide(
    request: HttpRequest,
    call: Call,
    form,
    act: Callable[[], HttpResponse],
    *,
    invalid: str | None = None,
    **forms,
) -> HttpResponse:
    """What every decision does around its service: a recent password first (decisions need
    one, ``aissai.security.reauth``), then the form; ``act`` runs the service and answers.
    An invalid form (when ``invalid`` says so) or a decision the service refuses shows the
    page again with the message and ``forms`` as they were typed (400)."""
    if not is_recent(request):
        return ask_for_password(request)
    if not form.is_valid() and invalid is not None:
        messages.error(request, invalid)
        return _render(request, call, status=400, **forms)
    try:
        return act()
    except ListError as error:
        messages.error(request, str(error))
        return _render(request, call, status=400, **forms)


@_decision
def add_source(request: HttpRequest, call: Call) -> HttpResponse:
    form = FundingSourceForm(request.POST, auto_id="source_%s")

    def act() -> HttpResponse:
        result = add_funding_source(call=call, by=request.user, **form.cleaned_data)
        messages.success(request, _("Funding source added: %(name)s.") % {"name": result.source})
        _promoted_message(request, result)
        return redirect("reviews:decisions", slug=call.slug)

    invalid = _("The funding source was not added: see the errors below.")
    return _decide(request, call, form, act, invalid=invalid, source_form=form)


@_decision
def decline(request: HttpRequest, call: Call, pk: int) -> HttpResponse:
    application = get_object_or_404(call.applications.all(), pk=pk)
    form = DeclineForm(request.POST, prefix=_decline_prefix(application.pk))

    def act() -> HttpResponse:
        result = record_decline(
            application=application,
            by=request.user,
            reason=form.cleaned_data["reason"],
            declined_on=form.cleaned_data["declined_on"],
        )
        messages.success(
            request, _("Decline recorded for %(ref)s.") % {"ref": application.reference}
        )
        _promoted_message(request, result)
        return redirect("reviews:decisions", slug=call.slug)

    invalid = _("The decline was not recorded: see the errors below.")
    return _decide(
        request, call, form, act, invalid=invalid, decline_form=form, declining=application.pk
    )


@_decision
def fill(request: HttpRequest, call: Call) -> HttpResponse:
    form = ReasonForm(request.POST, auto_id="fill_%s")

    def act() -> HttpResponse:
        reason = form.cleaned_data.get("reason", "")
        _promoted_message(request, fill_free_places(call=call, by=request.user, reason=reason))
        return redirect("reviews:decisions", slug=call.slug)

    return _decide(request, call, form, act)


@_decision
def close(request: HttpRequest, call: Call) -> HttpResponse:
    form = CloseForm(request.POST, auto_id="close_%s")

    def act() -> HttpResponse:
        result = close_complementary_list(
            call=call, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            ngettext(
                "The complementary list is closed: %(count)d application not funded.",
                "The complementary list is closed: %(count)d applications not funded.",
                len(result.complementary),
            )
            % {"count": len(result.complementary)},
        )
        return redirect("reviews:decisions", slug=call.slug)

    invalid = _("Tick the confirmation to close the complementary list.")
    return _decide(request, call, form, act, invalid=invalid, close_form=form)


@_decision
def publish(request: HttpRequest, call: Call) -> HttpResponse:
    form = PublishForm(request.POST, auto_id="publish_%s")

    def act() -> HttpResponse:
        mails = publish_results(
            call=call, by=request.user, attach_comments=form.cleaned_data["attach_comments"]
        )
        messages.success(
            request,
            ngettext(
                "Results published: %(count)d mail is held in the outbox. Read it and release it.",
                "Results published: %(count)d mails are held in the outbox. Read them and "
                "release them.",
                len(mails),
            )
            % {"count": len(mails)},
        )
        query = urlencode({"status": "held", "event": RESULTS_MAIL})
        return redirect(f"{reverse('notifications:outbox')}?{query}")

    invalid = _("Tick the confirmation to publish the results.")
    return _decide(request, call, form, act, invalid=invalid, publish_form=form)


@require_GET
def history(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, PERMISSION)
    history = selection_history(call, reader=request.user)
    context = {"call": call, "history": history, "withheld": history.withheld, "active": "history"}
    return render(request, "reviews/decisions/history.html", context)


@require_http_methods(["GET", "POST"])
def decline_place(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator of a funded application declines the place (after the results)."""
    application = get_object_or_404(
        applications_visible_to(request.user).select_related("call"), pk=pk
    )
    if not rules.test_rule("reviews.decline_place", request.user, application):
        if application.status == ApplicationStatus.DECLINED and (
            application.coordinator_id == request.user.pk
        ):
            return render(
                request, "reviews/decisions/decline_place.html", {"application": application}
            )
        raise Http404
    if not is_recent(request):
        return ask_for_password(request)
    form = ApplicantDeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_decline(
                application=application,
                by=request.user,
                reason=form.cleaned_data["reason"],
                as_role=APPLICANT,
            )
        except ListError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your decline is recorded. Thank you for telling us."))
            return redirect("calls:application_detail", pk=application.pk)
    context = {"application": application, "form": form}
    return render(request, "reviews/decisions/decline_place.html", context)
