"""Who may do what with a fellowship (django-rules). Seeing one is the selectors' job
(``awards.selectors.fellowships.fellowships_visible_to``); these predicates gate the
actions on a fellowship a person can already see, and the staff pages of a call.

- ``awards.has_fellowships``: the person sees a fellowship (the "Fellowships" link).
- ``awards.manage``: programme staff (the call's fellowships, money, settings).
- ``awards.record_recruitment``: staff or the project's coordinator, before the start.
- ``awards.start``: staff or the coordinator, once recruited.
- ``awards.report``: staff, the coordinator or the fellow, once the fellow is recruited.
- ``awards.suspend``, ``awards.end``, ``awards.abandon``, ``awards.fail_recruitment``,
  ``awards.change_amount``: staff, in the states the transition table allows.
"""

import rules

from awards.models import FellowshipState as S
from awards.selectors.fellowships import fellowships_visible_to
from calls.rules import is_programme_staff


@rules.predicate
def is_fellowship_coordinator(user, fellowship) -> bool:
    return bool(
        user
        and user.is_authenticated
        and fellowship is not None
        and fellowship.application.coordinator_id == user.pk
    )


def state_in(*states):
    @rules.predicate(name=f"state_in_{'_'.join(states)}")
    def predicate(user, fellowship) -> bool:
        return fellowship is not None and fellowship.state in states

    return predicate


before_start = state_in(S.RECRUITING, S.RECRUITED)
recruited = state_in(S.RECRUITED)
recruited_or_running = state_in(S.RECRUITED, S.RUNNING)
running = state_in(S.RUNNING)
not_abandoned = state_in(S.RECRUITING, S.RECRUITED, S.RUNNING, S.ENDED)
staff_or_coordinator = is_programme_staff | is_fellowship_coordinator


@rules.predicate
def is_fellow(user, fellowship) -> bool:
    return bool(
        user
        and user.is_authenticated
        and fellowship is not None
        and fellowship.fellow_id == user.pk
    )


reporting = state_in(S.RECRUITED, S.RUNNING, S.ENDED)

# Cached on the user object: the navigation asks on every page.
_HAS_FELLOWSHIPS_CACHE = "_awards_has_fellowships"


@rules.predicate
def has_fellowships(user) -> bool:
    """Whether the person sees at least one fellowship (as coordinator, fellow or
    correspondent; staff reach them from the call's pages). One query per request."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, _HAS_FELLOWSHIPS_CACHE, None)
    if cached is None:
        cached = fellowships_visible_to(user).exists()
        setattr(user, _HAS_FELLOWSHIPS_CACHE, cached)
    return cached


rules.add_rule("awards.has_fellowships", has_fellowships)
rules.add_rule("awards.manage", is_programme_staff)
rules.add_rule("awards.record_recruitment", staff_or_coordinator & before_start)
rules.add_rule("awards.start", staff_or_coordinator & recruited)
rules.add_rule("awards.suspend", is_programme_staff & recruited_or_running)
rules.add_rule("awards.end", is_programme_staff & running)
rules.add_rule("awards.abandon", is_programme_staff & recruited_or_running)
rules.add_rule("awards.fail_recruitment", is_programme_staff & before_start)
rules.add_rule("awards.change_amount", is_programme_staff & not_abandoned)
rules.add_rule("awards.report", (staff_or_coordinator | is_fellow) & reporting)

ACTIONS = (
    "record_recruitment",
    "start",
    "suspend",
    "end",
    "abandon",
    "fail_recruitment",
    "change_amount",
)


def allowed_actions(user, fellowship) -> dict[str, bool]:
    """What the page may offer ``user`` on ``fellowship`` (templates read this)."""
    return {action: rules.test_rule(f"awards.{action}", user, fellowship) for action in ACTIONS}
