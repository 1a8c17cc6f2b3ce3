"""Actions on a whole call that a member of staff in conflict with one of its applications
may not take: confirming the shortlist, editing or fixing the lists, funding decisions,
editing or confirming an assignment proposal that covers that application.
The pages still show the other applications (the withheld ones are left out); the
action itself is for another programme manager (``reviews.act_for_whole_call``)."""

from __future__ import annotations

from collections.abc import Iterable

import rules
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from calls.models import Call
from calls.selectors.staff_conflicts import withheld_ids


def conflicted_refusal(
    request: HttpRequest, call: Call, *, application_ids: Iterable[int] | None = None
) -> HttpResponse | None:
    """A 403 page saying why, or ``None`` when the person may act for the whole call (or,
    given ``application_ids``, for these applications of it)."""
    if application_ids is None:
        allowed = rules.test_rule("reviews.act_for_whole_call", request.user, call)
    else:
        allowed = not withheld_ids(request.user, call=call) & set(application_ids)
    if allowed:
        return None
    return render(request, "reviews/conflicted.html", {"call": call}, status=403)
