"""Who may do what with calls and applications: small named predicates (django-rules).

Visibility itself is the selectors' job (``applications_visible_to``); these rules gate the
actions on an application a person can already see. Test them with ``rules.test_rule``.
"""

import rules

from calls.models import ApplicationStatus
from calls.selectors.correspondents import correspondent_institute_ids
from calls.selectors.staff_conflicts import is_in_conflict
from calls.transitions import APPLICANT, can_transition


@rules.predicate
def is_coordinator(user, application) -> bool:
    return bool(user and user.is_authenticated and application.coordinator_id == user.pk)


@rules.predicate
def is_programme_staff(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "is_programme_staff", False))


@rules.predicate
def is_draft(user, application) -> bool:
    return application.status == ApplicationStatus.DRAFT


@rules.predicate
def is_submitted(user, application) -> bool:
    return application.status == ApplicationStatus.SUBMITTED


@rules.predicate
def call_is_open(user, application) -> bool:
    """The one definition: ``Call.accepts_submissions`` (the deadline instant is closed)."""
    return application.call.accepts_submissions()


@rules.predicate
def applicant_may_withdraw(user, application) -> bool:
    return can_transition(application, ApplicationStatus.WITHDRAWN, APPLICANT)


rules.add_rule("calls.edit_application", is_coordinator & is_draft)
rules.add_rule("calls.submit_application", is_coordinator & is_draft & call_is_open)
rules.add_rule("calls.reopen_application", is_coordinator & is_submitted & call_is_open)
rules.add_rule("calls.withdraw_application", is_coordinator & applicant_may_withdraw)
rules.add_rule("calls.manage_partners", is_coordinator & is_draft)
rules.add_rule("calls.manage_documents", is_coordinator & is_draft)


# Roles never leak into one another ----------------------------------------------------------


@rules.predicate
def is_applicant_of(user, application) -> bool:
    """The person applies in ``application``: its coordinator, or the lead scientist of one
    of its partner units (matched by e-mail address, case-insensitive). Uses the
    application's prefetched partners when there are some (``with_content``)."""
    if not (user and user.is_authenticated) or application is None:
        return False
    if application.coordinator_id == user.pk:
        return True
    email = (user.email or "").strip().lower()
    return bool(email) and any(
        (partner.lead_email or "").strip().lower() == email
        for partner in application.partners.all()
    )


@rules.predicate
def is_conflicted_staff(user, application) -> bool:
    """Programme staff whose conflict with ``application`` is in effect: they coordinate
    it, lead a partner unit of it and confirmed it, or declared the conflict (or the
    managers confirmed it). Being named as a partner lead by the applicants is not enough
    on its own (``calls.selectors.staff_conflicts``).

    Staff rights never reach such an application's evaluation: pages and exports that
    show reviews, scores, reviewer identities or conflicts answer 404 for it
    (``calls.view_application_reviews``) and leave it out of lists built for this person
    (``calls.selectors.staff_conflicts.evaluation_visible_to`` and ``withheld_ids``)."""
    return is_programme_staff(user) and is_in_conflict(user, application)


# Institute correspondents ---------------------------------------------------------------


@rules.predicate
def is_institute_correspondent(user) -> bool:
    """The person holds an active correspondent role (one query per request, cached)."""
    return bool(correspondent_institute_ids(user))


@rules.predicate
def is_correspondent_for(user, application) -> bool:
    """A correspondent of an institute under which a partner of this submitted (never
    draft) application takes part. Mirrors ``correspondent_clause`` for one application
    already loaded with its partners; visibility itself stays with the selector."""
    if application is None or application.submitted_at is None:
        return False
    if application.status == ApplicationStatus.DRAFT:
        return False
    institutes = correspondent_institute_ids(user)
    return bool(institutes) and any(
        partner.institute_id in institutes for partner in application.partners.all()
    )


rules.add_rule("calls.manage_correspondents", is_programme_staff)
# A call's staff pages (settings, funding, screening, staff conflicts): programme staff.
rules.add_rule("calls.manage_calls", is_programme_staff)
rules.add_rule("calls.is_correspondent", is_institute_correspondent)
# Reviews, scores, reviewer identities and conflicts of an application: programme staff,
# never for an application in which they apply themselves.
rules.add_rule("calls.view_application_reviews", is_programme_staff & ~is_conflicted_staff)
# The real status (correspondents are CNRS staff), unless the person applies in it: then
# only the status the applicants may see.
rules.add_rule("calls.view_internal_status", is_correspondent_for & ~is_applicant_of)
# The reviewers the applicants asked to exclude: the coordinator and programme staff.
rules.add_rule("calls.view_excluded_reviewers", is_coordinator | is_programme_staff)
