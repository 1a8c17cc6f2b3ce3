"""Programme staff's conflict-of-interest page of a call: the list with filters, rulings
(confirm or clear, with a reason), a conflict set by hand, detection on demand.

Everyone but programme staff gets a 404; a staff member does not see the conflicts of an
application they coordinate (they would name its reviewers).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calls.selectors.calls import staff_call_or_404
from calls.selectors.staff_conflicts import withheld_ids
from reviews.forms.assignment import ConflictCreateForm, ConflictFilterForm, ConflictRulingForm
from reviews.models import ConflictStatus
from reviews.selectors.conflicts import (
    call_conflicts,
    conflict_counts,
    conflict_for_staff_or_404,
    explain,
    staff_conflict_choices,
)
from reviews.services.conflicts import (
    ConflictError,
    detect_and_store,
    rule_on_conflict,
    set_conflict,
)

CONFLICTS_PAGE_SIZE = 50


@require_GET
def conflicts(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_conflicts")
    form = ConflictFilterForm(request.GET or None)
    status, source, q = form.values()
    rows = call_conflicts(call=call, user=request.user, status=status, source=source, q=q)
    page = Paginator(rows, CONFLICTS_PAGE_SIZE).get_page(request.GET.get("page"))
    for conflict in page.object_list:
        conflict.explanation = explain(conflict)
    counts = conflict_counts(call=call, user=request.user)
    context = {
        "call": call,
        "form": form,
        "page": page,
        "tabs": [(key, label, counts[key]) for key, label in ConflictStatus.choices],
        "status": status,
        "filtered": bool(status or source or q),
        "ruling_form": ConflictRulingForm(),
        "filters": request.GET.urlencode(),
        "withheld": len(withheld_ids(request.user, call=call)),
    }
    return render(request, "reviews/conflicts/list.html", context)


@require_POST
def rule(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_conflicts")
    conflict = conflict_for_staff_or_404(call=call, user=request.user, pk=pk)
    form = ConflictRulingForm(request.POST)
    back = reverse("reviews:conflicts", args=[call.slug])
    if request.POST.get("filters"):
        back += "?" + request.POST["filters"]
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give a reason: it is kept in the record."))
        return redirect(back)
    try:
        ruled = rule_on_conflict(
            conflict=conflict,
            by=request.user,
            status=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        names = {"name": conflict.invitation.expert.full_name, "application": conflict.application}
        if ruled.status == ConflictStatus.CONFIRMED:
            text = _("Conflict confirmed: %(name)s cannot review %(application)s.")
        else:
            text = _("Conflict cleared: %(name)s may review %(application)s.")
        messages.success(request, text % names)
    return redirect(back)


@require_http_methods(["GET", "POST"])
def add(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_conflicts")
    applications, invitations = staff_conflict_choices(call=call, user=request.user)
    initial = {}
    if request.GET.get("application", "").isdigit():
        initial["application"] = int(request.GET["application"])
    form = ConflictCreateForm(
        request.POST or None,
        initial=initial,
        applications=applications,
        invitations=invitations,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            set_conflict(
                call=call,
                application=data["application"],
                invitation=data["invitation"],
                by=request.user,
                reason=data["reason"],
            )
        except ConflictError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Conflict recorded: %(name)s cannot review %(application)s.")
                % {"name": data["invitation"].expert.full_name, "application": data["application"]},
            )
            return redirect("reviews:conflicts", slug=call.slug)
    return render(request, "reviews/conflicts/add.html", {"call": call, "form": form})


@require_POST
def detect(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.manage_conflicts")
    outcome = detect_and_store(call=call, by=request.user)
    messages.success(
        request,
        _(
            "Detection done: %(found)d conflicts found among %(applications)d applications and "
            "%(experts)d reviewers (%(created)d new, %(updated)d changed, %(removed)d no longer "
            "found). Conflicts you ruled on are kept as they are."
        )
        % {
            "found": outcome.found,
            "applications": outcome.applications,
            "experts": outcome.experts,
            "created": outcome.created,
            "updated": outcome.updated,
            "removed": outcome.removed,
        },
    )
    return redirect("reviews:conflicts", slug=call.slug)
