"""The call status each selection step needs: one table, asked by each step's service.

Selection happens while the call is "in selection" (staff move it there from "in review"
on the call's page, once the reviews are in); publishing the results moves it to
"decided", which itself needs a decision for every main-list place
(``reviews.services.guards``). Decisions after publication (a decline, a promotion,
closing the complementary list) go on while the call is decided.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.models import Call, CallStatus

SHORTLIST, LISTS, FIX, PUBLISH, DECISIONS = "shortlist", "lists", "fix", "publish", "decisions"

STEP_STATUSES: dict[str, tuple[str, ...]] = {
    SHORTLIST: (CallStatus.SELECTION,),
    LISTS: (CallStatus.SELECTION,),  # the ranking board, before the lists are fixed
    FIX: (CallStatus.SELECTION,),
    PUBLISH: (CallStatus.SELECTION, CallStatus.DECIDED),  # decided by hand before publishing
    DECISIONS: (CallStatus.SELECTION, CallStatus.DECIDED),  # declines, promotions, closing
}

STEP_NAMES = {
    SHORTLIST: gettext_lazy("Shortlisting"),
    LISTS: gettext_lazy("Changing the lists"),
    FIX: gettext_lazy("Fixing the lists"),
    PUBLISH: gettext_lazy("Publishing the results"),
    DECISIONS: gettext_lazy("A funding decision"),
}


def step_allowed(call: Call, step: str) -> bool:
    return call.status in STEP_STATUSES[step]


def call_status_problem(call: Call, step: str) -> str | None:
    """Why ``step`` cannot run in the call's current status (None when it can)."""
    if step_allowed(call, step):
        return None
    return _("%(step)s needs the call in “%(needed)s”; it is “%(status)s”.") % {
        "step": STEP_NAMES[step],
        "needed": _(" or ").join(str(CallStatus(s).label) for s in STEP_STATUSES[step]),
        "status": call.get_status_display(),
    }


def require_call_status(call: Call, step: str, error: type[Exception]) -> None:
    problem = call_status_problem(call, step)
    if problem is not None:
        raise error(problem)
