"""The staff progress page of a call, and the manual reminder to one reviewer.

Programme staff only: everyone else gets a 404. Each table has its own page number in
the address (``applications_page``, ``reviewers_page``); a reminder brings staff back to
the pages and filters they were on.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from aissai.pagination import keeping_query, page_links
from calls.selectors.calls import staff_call_or_404
from calls.selectors.staff_conflicts import withheld_ids
from reviews.forms.reviewing import ProgressFilterForm
from reviews.models import Invitation, InvitationStatus
from reviews.selectors.progress import call_progress
from reviews.services.reminders import send_manual_reminder
from reviews.services.reviewing import ReviewingError

# What the address of the page may carry (kept when coming back from a reminder).
PAGE_PARAMS = ("incomplete", "late", "applications_page", "reviewers_page")


def _page_query(query: str) -> str:
    """``query`` reduced to the page's own parameters, re-encoded."""
    given = QueryDict(query)
    kept = QueryDict(mutable=True)
    for key in PAGE_PARAMS:
        if key in given:
            kept[key] = given[key]
    return kept.urlencode()


@require_GET
def progress(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.follow_progress")
    form = ProgressFilterForm(request.GET or None)
    incomplete, late = form.flags()
    progress = call_progress(
        call=call,
        user=request.user,
        incomplete=incomplete,
        late=late,
        applications_page=request.GET.get("applications_page"),
        reviewers_page=request.GET.get("reviewers_page"),
    )
    context = {
        "call": call,
        "form": form,
        "progress": progress,
        "applications_links": page_links(
            progress.applications_page, keeping_query(request, "applications_page")
        ),
        "reviewers_links": page_links(
            progress.reviewers_page, keeping_query(request, "reviewers_page")
        ),
        "filtered": incomplete or late,
        "page_query": _page_query(request.GET.urlencode()),
        "withheld": len(withheld_ids(request.user, call=call)),
    }
    return render(request, "reviews/progress/progress.html", context)


@require_POST
def remind_reviewer(request: HttpRequest, slug: str, invitation_pk: int) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "reviews.follow_progress")
    invitation = get_object_or_404(
        Invitation.objects.select_related("expert"),
        call=call,
        pk=invitation_pk,
        status=InvitationStatus.ACCEPTED,
    )
    try:
        count = send_manual_reminder(invitation=invitation, by=request.user)
    except ReviewingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "A reminder of %(count)d unfinished review was sent to %(name)s.",
                "A reminder of %(count)d unfinished reviews was sent to %(name)s.",
                count,
            )
            % {"count": count, "name": invitation.expert.full_name},
        )
    url = reverse("reviews:progress", kwargs={"slug": call.slug})
    query = _page_query(request.POST.get("back", ""))
    return redirect(f"{url}?{query}" if query else url)
