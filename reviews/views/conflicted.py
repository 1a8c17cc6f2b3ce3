"""Actions on a whole call that a member of staff in conflict with one of its applications
may not take: confirming the shortlist, editing or fixing the lists, funding decisions.
The pages still show the other applications (the withheld ones are left out); the
action itself is for another programme manager (``reviews.act_for_whole_call``)."""

from __future__ import annotations

import rules
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from calls.models import Call


def conflicted_refusal(request: HttpRequest, call: Call) -> HttpResponse | None:
    """A 403 page saying why, or ``None`` when the person may act for the whole call."""
    if rules.test_rule("reviews.act_for_whole_call", request.user, call):
        return None
    return render(request, "reviews/conflicted.html", {"call": call}, status=403)
