"""Who may do what with calls and applications: small named predicates (django-rules).

Visibility itself is the selectors' job (``applications_visible_to``); these rules gate the
actions on an application a person can already see. Test them with ``rules.test_rule``.
"""

import rules
from django.utils import timezone

from calls.models import ApplicationStatus, CallStatus
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
    call = application.call
    return call.status == CallStatus.OPEN and call.opens_at <= timezone.now() <= call.closes_at


@rules.predicate
def applicant_may_withdraw(user, application) -> bool:
    return can_transition(application, ApplicationStatus.WITHDRAWN, APPLICANT)


rules.add_rule("calls.edit_application", is_coordinator & is_draft)
rules.add_rule("calls.submit_application", is_coordinator & is_draft & call_is_open)
rules.add_rule("calls.reopen_application", is_coordinator & is_submitted & call_is_open)
rules.add_rule("calls.withdraw_application", is_coordinator & applicant_may_withdraw)
rules.add_rule("calls.manage_partners", is_coordinator & is_draft)
rules.add_rule("calls.manage_documents", is_coordinator & is_draft)
