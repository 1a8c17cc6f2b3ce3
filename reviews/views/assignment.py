"""Programme staff assign reviewers: the call's overview, one application's reviewers,
and assignment proposals (request, progress, review, adjust, confirm).

Everyone but programme staff gets a 404; a staff member never reaches the reviewers of an
application they coordinate.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from calls.selectors.calls import staff_call_or_404
from calls.selectors.staff_conflicts import withheld_ids
from reviews.forms.assignment import (
    AddReviewerForm,
    ProposalEditForm,
    ProposalRequestForm,
    RemoveReviewerForm,
)
from reviews.models import Assignment, Invitation, ProposalStatus
from reviews.selectors.assignment import (
    application_for_staff_or_404,
    candidate_rows,
    current_assignments,
    overview_applications,
)
from reviews.selectors.proposals import (
    latest_proposals,
    proposal_for_staff_or_404,
    proposal_page,
    proposal_status_or_404,
)
from reviews.services.assignment import (
    AssignmentError,
    add_reviewer,
    confirm_proposal,
    drop_pair,
    remove_reviewer,
    replace_pair,
    request_proposal,
)
from reviews.views.conflicted import conflicted_refusal

OVERVIEW_PAGE_SIZE = 50
REFUSALS_SHOWN = 10

STAGES = {
    "start": gettext_lazy("Starting"),
    "conflicts": gettext_lazy("Detecting conflicts of interest"),
    "loading": gettext_lazy("Reading applications and reviewers"),
    "affinity": gettext_lazy("Measuring expertise affinity"),
    "solving": gettext_lazy("Solving the assignment"),
    "explaining": gettext_lazy("Explaining the pairs"),
    "saving": gettext_lazy("Saving"),
    "done": gettext_lazy("Done"),
}


@require_GET
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_assignment")
    page = Paginator(overview_applications(call, request.user), OVERVIEW_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "call": call,
        "page": page,
        "proposals": latest_proposals(call),
        "request_form": ProposalRequestForm(),
        "withheld": len(withheld_ids(request.user, call=call)),
    }
    return render(request, "reviews/assignment/overview.html", context)


@require_GET
def application(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_assignment")
    item = application_for_staff_or_404(call=call, user=request.user, pk=pk)
    context = {
        "call": call,
        "application": item,
        "assignments": current_assignments(item),
        "candidates": candidate_rows(item),
        "remove_form": RemoveReviewerForm(),
    }
    return render(request, "reviews/assignment/application.html", context)


@require_POST
def add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_assignment")
    item = application_for_staff_or_404(call=call, user=request.user, pk=pk)
    form = AddReviewerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reviewer."))
        return redirect("reviews:assignment_application", slug=call.slug, pk=item.pk)
    invitation = get_object_or_404(
        Invitation.objects.select_related("expert"), call=call, pk=form.cleaned_data["invitation"]
    )
    try:
        add_reviewer(
            application=item,
            invitation=invitation,
            by=request.user,
            allow_suspected=form.cleaned_data["allow_suspected"],
        )
    except AssignmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s is assigned to %(application)s; they will be told by e-mail.")
            % {"name": invitation.expert.full_name, "application": item},
        )
    return redirect("reviews:assignment_application", slug=call.slug, pk=item.pk)


@require_POST
def remove(request: HttpRequest, slug: str, pk: int, assignment_pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_assignment")
    item = application_for_staff_or_404(call=call, user=request.user, pk=pk)
    assignment = get_object_or_404(
        Assignment.objects.select_related("invitation__expert"),
        application=item,
        pk=assignment_pk,
        is_active=True,
    )
    form = RemoveReviewerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this reviewer is removed: it is kept in the record."))
        return redirect("reviews:assignment_application", slug=call.slug, pk=item.pk)
    try:
        remove_reviewer(
            assignment=assignment,
            by=request.user,
            reason=form.cleaned_data["reason"],
            confirm_submitted=form.cleaned_data["confirm_submitted"],
        )
    except AssignmentError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(name)s no longer reviews %(application)s.")
            % {"name": assignment.invitation.expert.full_name, "application": item},
        )
    return redirect("reviews:assignment_application", slug=call.slug, pk=item.pk)


@require_POST
def proposal_request(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_assignment")
    form = ProposalRequestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("reviews:assignment", slug=call.slug)
    try:
        proposal = request_proposal(
            call=call,
            by=request.user,
            allow_suspected=form.cleaned_data["allow_suspected"],
            balance=form.cleaned_data["balance"],
        )
    except AssignmentError as exc:
        messages.error(request, exc.message)
        return redirect("reviews:assignment", slug=call.slug)
    return redirect("reviews:proposal", slug=call.slug, pk=proposal.pk)


@require_GET
def proposal(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_assignment")
    item = proposal_for_staff_or_404(call=call, pk=pk)
    context = {
        "call": call,
        "proposal": item,
        "stage": STAGES.get(item.stage, ""),
        "status_url": reverse("reviews:proposal_status", args=[call.slug, item.pk]),
        "withheld": len(withheld_ids(request.user, call=call)),
    }
    if item.status in (ProposalStatus.READY, ProposalStatus.CONFIRMED):
        context["view"] = proposal_page(
            proposal=item, user=request.user, page_number=request.GET.get("page")
        )
    return render(request, "reviews/assignment/proposal.html", context)


@require_GET
def proposal_status(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    """What the progress bar polls (static/js/assignment_progress.js)."""
    call = staff_call_or_404(request.user, slug, "reviews.manage_assignment")
    item = proposal_status_or_404(call=call, pk=pk)
    return JsonResponse(
        {
            "status": item.status,
            "status_label": item.get_status_display(),
            "progress": item.progress,
            "stage": str(STAGES.get(item.stage, "")),
            "pending": item.is_pending,
            "error": item.error if item.status == ProposalStatus.FAILED else "",
        },
        headers={"Cache-Control": "no-store"},
    )


@require_POST
def proposal_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_assignment")
    item = proposal_for_staff_or_404(call=call, pk=pk)
    covered = (item.result or {}).get("applications", [])
    if refusal := conflicted_refusal(request, call, application_ids=covered):
        return refusal
    form = ProposalEditForm(request.POST)
    back = reverse("reviews:proposal", args=[call.slug, item.pk])
    if request.POST.get("page", "").isdigit():
        back += f"?page={request.POST['page']}"
    if not form.is_valid():
        messages.error(request, _("This change could not be read; try again."))
        return redirect(back)
    data = form.cleaned_data
    pair = {"application_id": data["application"], "invitation_id": data["invitation"]}
    try:
        if data["action"] == ProposalEditForm.REPLACE:
            replace_pair(
                proposal=item, by=request.user, new_invitation_id=data["new_invitation"], **pair
            )
        else:
            drop_pair(
                proposal=item,
                by=request.user,
                restore=data["action"] == ProposalEditForm.RESTORE,
                **pair,
            )
    except AssignmentError as exc:
        messages.error(request, exc.message)
    return redirect(back)


@require_POST
def proposal_confirm(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_assignment")
    item = proposal_for_staff_or_404(call=call, pk=pk)
    covered = (item.result or {}).get("applications", [])
    if refusal := conflicted_refusal(request, call, application_ids=covered):
        return refusal
    try:
        outcome = confirm_proposal(proposal=item, by=request.user)
    except AssignmentError as exc:
        messages.error(request, exc.message)
        return redirect("reviews:proposal", slug=call.slug, pk=item.pk)
    created = len(outcome.created)
    messages.success(
        request,
        ngettext(
            "%(count)d assignment created; the reviewers will be told by e-mail.",
            "%(count)d assignments created; the reviewers will be told by e-mail.",
            created,
        )
        % {"count": created},
    )
    if outcome.refused:
        if outcome.stale:
            messages.warning(
                request,
                _(
                    "Assignments or conflicts changed since this proposal was computed: "
                    "every pair was checked again."
                ),
            )
        for _pair, refusal in outcome.refused[:REFUSALS_SHOWN]:
            messages.error(request, _("Not assigned: %(why)s") % {"why": refusal.message})
        more = len(outcome.refused) - REFUSALS_SHOWN
        if more > 0:
            messages.error(
                request,
                ngettext(
                    "%(count)d more pair was not assigned.",
                    "%(count)d more pairs were not assigned.",
                    more,
                )
                % {"count": more},
            )
    return redirect("reviews:assignment", slug=call.slug)
