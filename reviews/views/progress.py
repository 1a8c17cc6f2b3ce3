"""The staff progress page of a call, and the manual reminder to one reviewer.

Programme staff only: everyone else gets a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from reviews.forms.reviewing import ProgressFilterForm
from reviews.models import Invitation, InvitationStatus
from reviews.selectors.progress import call_progress, progress_call_or_404
from reviews.services.reminders import send_manual_reminder
from reviews.services.reviewing import ReviewingError


@require_GET
def progress(request: HttpRequest, slug: str) -> HttpResponse:
    call = progress_call_or_404(request.user, slug)
    form = ProgressFilterForm(request.GET or None)
    incomplete, late = form.flags()
    context = {
        "call": call,
        "form": form,
        "progress": call_progress(call=call, user=request.user, incomplete=incomplete, late=late),
        "filters": request.GET.urlencode(),
    }
    return render(request, "reviews/progress/progress.html", context)


@require_POST
def remind_reviewer(request: HttpRequest, slug: str, invitation_pk: int) -> HttpResponse:
    call = progress_call_or_404(request.user, slug)
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
    return redirect("reviews:progress", slug=call.slug)
