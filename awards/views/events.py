"""Events: staff create them and invite people, follow the answers and print the
attendance list; invitees answer through the signed link of their mail, without signing
in (an unknown or forged link is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from awards.forms import EventForm, RsvpForm
from awards.models import Answer, Event
from awards.selectors.events import attendance, events_of
from awards.services import events as services
from awards.services.errors import AwardError
from calls.selectors.calls import staff_call_or_404


def _staff_event(request: HttpRequest, pk: int) -> Event:
    event = get_object_or_404(Event.objects.select_related("call"), pk=pk)
    staff_call_or_404(request.user, event.call.slug, "awards.manage")
    return event


@login_required
@require_http_methods(["GET", "POST"])
def call_events(request: HttpRequest, slug: str) -> HttpResponse:
    call = staff_call_or_404(request.user, slug, "awards.manage")
    form = EventForm(request.POST or None, auto_id="event_%s")
    if request.method == "POST" and form.is_valid():
        try:
            event = services.create_event(
                call=call, by=request.user, data=services.EventData(**form.cleaned_data)
            )
        except AwardError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The event is created: invite the people concerned."))
            return redirect("awards:event", pk=event.pk)
    status = 400 if request.method == "POST" else 200
    context = {"call": call, "events": events_of(call), "form": form}
    return render(request, "awards/call_events.html", context, status=status)


@login_required
@require_GET
def event(request: HttpRequest, pk: int) -> HttpResponse:
    event = _staff_event(request, pk)
    return render(
        request,
        "awards/event_detail.html",
        {"event": event, "call": event.call, "attendance": attendance(event)},
    )


@login_required
@require_POST
def event_invite(request: HttpRequest, pk: int) -> HttpResponse:
    event = _staff_event(request, pk)
    try:
        invited = services.invite_people(event=event, by=request.user)
    except AwardError as error:
        messages.error(request, str(error))
    else:
        count = len(invited)
        messages.success(
            request,
            ngettext("%(count)d person invited.", "%(count)d people invited.", count)
            % {"count": count},
        )
    return redirect("awards:event", pk=event.pk)


@login_required
@require_GET
def event_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    event = _staff_event(request, pk)
    return render(
        request,
        "awards/event_attendance.html",
        {"event": event, "call": event.call, "attendance": attendance(event)},
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404
    open_ = timezone.now() <= invitation.event.answers_until
    form = RsvpForm(
        request.POST or None,
        initial={"attends": "yes" if invitation.answer == Answer.YES else ""},
    )
    if request.method == "POST" and open_ and form.is_valid():
        try:
            invitation = services.answer(
                invitation=invitation, attends=form.cleaned_data["attends"]
            )
        except AwardError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you: your answer is recorded."))
            return redirect("awards:rsvp", token=token)
    context = {
        "invitation": invitation,
        "event": invitation.event,
        "form": form,
        "open": open_,
        "attending": invitation.answer == Answer.YES,
        "declined": invitation.answer == Answer.NO,
    }
    return render(
        request,
        "awards/rsvp.html",
        context,
        status=400 if request.method == "POST" and open_ else 200,
    )
