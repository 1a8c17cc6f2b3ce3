"""Who may do what in the reviews app: small named predicates (django-rules).

Visibility itself is the selectors' job; these predicates gate actions and navigation.
Test them with ``rules.test_rule`` (templates: ``{% load rules %}{% test_rule ... %}``).

Rules:

- ``reviews.manage_pool``: programme staff (the pool pages of every call).
- ``reviews.is_reviewer``: the person reviews for at least one call (the "My reviews" link).
- ``reviews.review_call``: the person reviews for this call (an accepted invitation).
- ``reviews.see_call_applications``: a reviewer of this call who accepted its current
  confidentiality terms. Nothing of an application beyond what the conflict declaration
  needs may be shown without it.
"""

import rules

from calls.models import ApplicationStatus
from calls.rules import is_coordinator, is_programme_staff
from calls.selectors.staff_conflicts import withheld_ids
from reviews.models import Selection
from reviews.selectors.conflicts import has_confirmed_conflict as _has_confirmed_conflict
from reviews.selectors.pool import (
    accepted_invitations,
    has_accepted_current_terms,
    reviewer_invitation,
)

# Cached on the user object: the navigation asks on every page, more than once.
_IS_REVIEWER_CACHE = "_reviews_is_reviewer"


@rules.predicate
def is_reviewer(user) -> bool:
    """Whether the person has an accepted invitation to any call.

    At most one query per user object (one request): the answer is kept on the object.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, _IS_REVIEWER_CACHE, None)
    if cached is None:
        cached = accepted_invitations(user).exists()
        setattr(user, _IS_REVIEWER_CACHE, cached)
    return cached


def forget_reviewer_cache(user) -> None:
    """Drop the cached answer (after the person accepted an invitation in this request)."""
    if user is not None and hasattr(user, _IS_REVIEWER_CACHE):
        delattr(user, _IS_REVIEWER_CACHE)


@rules.predicate
def is_reviewer_for(user, call) -> bool:
    """Whether the person has an accepted invitation to ``call``."""
    return call is not None and reviewer_invitation(user, call) is not None


@rules.predicate
def has_accepted_terms_for(user, call) -> bool:
    """Whether the person is a reviewer of ``call`` who accepted its current terms."""
    invitation = reviewer_invitation(user, call) if call is not None else None
    return invitation is not None and has_accepted_current_terms(invitation)


rules.add_rule("reviews.manage_pool", is_programme_staff)
# The review progress page of a call and its manual reminders: programme staff.
rules.add_rule("reviews.follow_progress", is_programme_staff)
rules.add_rule("reviews.is_reviewer", is_reviewer)
rules.add_rule("reviews.review_call", is_reviewer_for)
rules.add_rule("reviews.see_call_applications", has_accepted_terms_for)

# The scoreboard, robustness and shortlist pages of a call: programme staff only.
rules.add_rule("reviews.view_scoreboard", is_programme_staff)
rules.add_rule("reviews.confirm_shortlist", is_programme_staff)


# Selection: the ranking board and the funding decisions of a call are for programme staff;
# the coordinator of a funded application may decline its place once the results are out.
@rules.predicate
def holds_published_funded_place(user, application) -> bool:
    return (
        application is not None
        and application.status == ApplicationStatus.FUNDED
        and Selection.objects.filter(
            call_id=application.call_id, published_at__isnull=False
        ).exists()
    )


@rules.predicate
def has_conflict_in_call(user, call) -> bool:
    """The staff member takes part in an application of ``call`` (one query)."""
    return call is not None and bool(withheld_ids(user, call=call))


# Acting on every application of a call at once (confirming the shortlist, the lists,
# funding decisions): not by a staff member who takes part in one of them, who cannot
# see it. They still read the pages, without the withheld rows.
rules.add_rule("reviews.act_for_whole_call", is_programme_staff & ~has_conflict_in_call)
rules.add_rule("reviews.rank_lists", is_programme_staff)
rules.add_rule("reviews.decide_funding", is_programme_staff)
rules.add_rule("reviews.decline_place", is_coordinator & holds_published_funded_place)

# Reports of a call: the dashboard, the exports and the decision dossiers (programme staff).
rules.add_rule("reviews.view_call_reports", is_programme_staff)
rules.add_rule("reviews.export_call", is_programme_staff)
rules.add_rule("reviews.view_dossier", is_programme_staff)

# Conflicts of interest and assignment of a call: programme staff. A confirmed conflict
# blocks a reviewer for an application everywhere; ask with this predicate (or, for a
# whole call at once, ``reviews.selectors.conflicts.blocked_pairs``).
has_confirmed_conflict = rules.predicate(_has_confirmed_conflict, name="has_confirmed_conflict")
rules.add_rule("reviews.manage_conflicts", is_programme_staff)
rules.add_rule("reviews.manage_assignment", is_programme_staff)
