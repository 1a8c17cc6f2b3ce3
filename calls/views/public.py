"""Public pages: the open and upcoming calls, and one call's page (no login needed)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from calls.models import Call
from calls.selectors.calls import listed_calls, public_call_or_404


def _phase(call: Call, now) -> str:
    if call.is_upcoming(now):
        return "upcoming"
    if call.accepts_submissions(now):
        return "open"
    return "closed"


@login_not_required
@require_GET
def call_list(request):
    now = timezone.now()
    calls = list(listed_calls(now))
    return render(
        request,
        "calls/public/list.html",
        {
            "open_calls": [call for call in calls if _phase(call, now) == "open"],
            "upcoming_calls": [call for call in calls if _phase(call, now) == "upcoming"],
        },
    )


@login_not_required
@require_GET
def call_detail(request, slug: str):
    call = public_call_or_404(slug)
    return render(
        request,
        "calls/public/detail.html",
        {"call": call, "phase": _phase(call, timezone.now())},
    )
