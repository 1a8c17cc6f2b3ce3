"""Staff eligibility rulings: eligible or ineligible, with a written reason where needed.

A ruling is a status transition (``calls.transitions.transition``): it is checked against
the transition table, saved, audited and mailed to the coordinator in their language, in
one transaction. Ruling again (ineligible → eligible, eligible → ineligible) is allowed
where the table allows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from calls.models import Application, ApplicationStatus, Call
from calls.selectors.staff import (
    AutomaticChecks,
    application_rows,
    automatic_checks,
    required_document_kinds,
)
from calls.transitions import STAFF, Mail, TransitionError, transition

MAIL_EVENT = "eligibility_outcome"


class EligibilityRulingError(Exception):
    """A ruling that cannot be made as asked (the message is for people)."""


def ruling_problem(*, eligible: bool, reason: str, checks: AutomaticChecks) -> str:
    """Why this ruling needs more ('' when it may be made). Forms and the service share it."""
    if not reason.strip():
        if not eligible:
            return _("Write the reason why the application is ineligible.")
        if not checks.passed:
            return _(
                "An automatic check failed (%(checks)s): to rule the application eligible "
                "anyway, write the reason for overruling it."
            ) % {"checks": ", ".join(str(check.label) for check in checks.failed)}
    return ""


def rule_eligibility(
    *, application: Application, by: Any, eligible: bool, reason: str = ""
) -> Application:
    """Rule ``application`` eligible or ineligible and notify its coordinator.

    A reason is required to rule ineligible, and to rule eligible when an automatic check
    fails (an overrule, recorded in ``eligibility_overridden``). Raises
    :class:`EligibilityRulingError` or :class:`calls.transitions.TransitionError`; nothing
    is saved then.
    """
    reason = reason.strip()
    target = ApplicationStatus.ELIGIBLE if eligible else ApplicationStatus.INELIGIBLE
    with transaction.atomic():
        # Lock first so that the checks and the ruling see the same application.
        Application.objects.select_for_update().filter(pk=application.pk).values_list("pk").get()
        call = Call.objects.get(pk=application.call_id)
        current = application_rows(Application.objects.filter(pk=application.pk)).get()
        checks = automatic_checks(current, call=call, required_kinds=required_document_kinds(call))
        problem = ruling_problem(eligible=eligible, reason=reason, checks=checks)
        if problem:
            raise EligibilityRulingError(problem)
        # The automatic checks are necessary conditions: ruling ineligible when they pass
        # is an ordinary ruling (with its reason); ruling eligible when one fails overrules.
        overridden = eligible and not checks.passed
        return transition(
            application=current,
            to=target,
            by=by,
            as_role=STAFF,
            reason=reason,
            data={"checks": checks.as_data(), "overridden": overridden},
            mail=Mail(event=MAIL_EVENT, context={"eligible": eligible, "call": call}),
            update_fields={"eligibility_overridden": overridden, "eligibility_reason": reason},
        )


@dataclass
class BulkRuling:
    ruled: list[Application] = field(default_factory=list)
    skipped: list[tuple[Application, str]] = field(default_factory=list)


def rule_eligible_in_bulk(
    *, call: Call, applications: Iterable[Application], by: Any
) -> BulkRuling:
    """Rule eligible, in one transaction, each submitted application of ``call`` whose
    automatic checks all pass; the others are skipped with the reason (no overrule in bulk).
    """
    result = BulkRuling()
    with transaction.atomic():
        for application in applications:
            if application.call_id != call.pk:
                raise EligibilityRulingError(_("This application belongs to another call."))
            try:
                if application.status != ApplicationStatus.SUBMITTED:
                    raise TransitionError(_("It has already been ruled on."))
                result.ruled.append(rule_eligibility(application=application, by=by, eligible=True))
            except (EligibilityRulingError, TransitionError) as error:
                result.skipped.append((application, str(error)))
    return result
