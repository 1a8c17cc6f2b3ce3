"""The shortlist: staff decide which applications in review go on to the panel ranking.

:func:`confirm_shortlist` moves every application of the call that is in review, in one
transaction: the ticked ones to *shortlisted*, the others to *not shortlisted*, each
through ``calls.transitions.transition`` (its own audit event, and the applicant's
``shortlist_outcome`` mail created **held** for staff to read and release from the outbox),
then one summary audit event on the call with the score used, the target size and the ids.

Staff confirm what they saw: the form posts the applications it showed. If the set of
applications in review changed since (one withdrawn, one added, another member of staff
confirmed first), nothing is changed and the error says what differs. Confirming twice is
refused the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from aissai.audit.models import AuditEvent
from aissai.audit.services import record_event
from calls.models import Application, ApplicationStatus, Call
from calls.transitions import STAFF, Mail, transition
from reviews.services.steps import SHORTLIST, require_call_status

SHORTLIST_VERB = "call.shortlist.confirmed"
SHORTLIST_MAIL = "shortlist_outcome"


class ShortlistError(Exception):
    """The shortlist cannot be confirmed as posted (the message is for people)."""


class ShortlistAlreadyConfirmed(ShortlistError):
    pass


class ShortlistChanged(ShortlistError):
    pass


@dataclass(frozen=True)
class ShortlistResult:
    shortlisted: list[Application]
    not_shortlisted: list[Application]
    event: AuditEvent


def previous_shortlist(call: Call) -> AuditEvent | None:
    """The last confirmed shortlist of ``call`` (its summary audit event), if any."""
    return (
        AuditEvent.objects.for_object(call)
        .filter(verb=SHORTLIST_VERB)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def _references(applications: Iterable[Application]) -> str:
    return ", ".join(sorted(a.reference or str(a.pk) for a in applications))


def _check_posted(
    call: Call, current: list[Application], candidate_ids: set[int], shortlisted_ids: set[int]
) -> None:
    current_ids = {a.pk for a in current}
    if candidate_ids and not candidate_ids & current_ids:
        previous = previous_shortlist(call)
        if previous is not None:
            raise ShortlistAlreadyConfirmed(
                _(
                    "The shortlist was already confirmed on %(when)s by %(who)s. "
                    "Nothing was changed."
                )
                % {
                    "when": date_format(localtime(previous.created_at), "SHORT_DATETIME_FORMAT"),
                    "who": getattr(previous.actor, "full_name", "") or _("someone"),
                }
            )
    if not current_ids:
        raise ShortlistError(_("No application of this call is in review. Nothing was changed."))
    if candidate_ids != current_ids:
        gone = Application.objects.filter(pk__in=candidate_ids - current_ids)
        added = [a for a in current if a.pk not in candidate_ids]
        parts = []
        if candidate_ids - current_ids:
            parts.append(
                _("no longer in review: %(refs)s")
                % {"refs": _references(gone) or _("applications of another call")}
            )
        if added:
            parts.append(_("now in review: %(refs)s") % {"refs": _references(added)})
        raise ShortlistChanged(
            _(
                "The applications in review changed since the page was loaded (%(what)s). "
                "Nothing was changed: check the list again and confirm."
            )
            % {"what": "; ".join(parts)}
        )
    if not shortlisted_ids:
        raise ShortlistError(_("Tick at least one application to shortlist."))
    if not shortlisted_ids <= current_ids:
        raise ShortlistChanged(
            _("Some ticked applications are not in review. Nothing was changed.")
        )


def _decision_facts(
    score: str, target: int, moved_in: list, moved_out: list, suggested_ids: Iterable[int]
) -> dict:
    """What the audit keeps of one shortlist decision, with how it differs from the
    suggestion the staff member saw."""
    suggested = sorted({int(pk) for pk in suggested_ids})
    return {
        "score": score,
        "target": target,
        "shortlisted": [a.pk for a in moved_in],
        "not_shortlisted": [a.pk for a in moved_out],
        "suggested": suggested,
        "changed_from_suggestion": sorted(set(suggested) ^ {a.pk for a in moved_in})
        if suggested
        else [],
    }


def confirm_shortlist(
    *,
    call: Call,
    by: Any,
    shortlisted_ids: Iterable[int],
    candidate_ids: Iterable[int],
    score: str,
    target: int,
    suggested_ids: Iterable[int] = (),
) -> ShortlistResult:
    """Shortlist the ticked applications and not the others, in one audited action.

    ``candidate_ids`` are the applications in review the staff member saw; they must be
    exactly the applications of ``call`` in review now. Raises :class:`ShortlistError`
    (nothing changed) otherwise, or when ``by`` is not programme staff.
    """
    if not getattr(by, "is_programme_staff", False):
        raise ShortlistError(_("Only programme staff may do this."))
    shortlisted = {int(pk) for pk in shortlisted_ids}
    candidates = {int(pk) for pk in candidate_ids}
    with transaction.atomic():
        locked_call = Call.objects.select_for_update().get(pk=call.pk)  # one confirm at a time
        require_call_status(locked_call, SHORTLIST, ShortlistError)
        current = list(
            Application.objects.select_for_update()
            .filter(call=call, status=ApplicationStatus.IN_REVIEW)
            .order_by("pk")
        )
        _check_posted(call, current, candidates, shortlisted)
        moved_in, moved_out = [], []
        for application in current:
            chosen = application.pk in shortlisted
            target_status = (
                ApplicationStatus.SHORTLISTED if chosen else ApplicationStatus.NOT_SHORTLISTED
            )
            transition(
                application=application,
                to=target_status,
                by=by,
                as_role=STAFF,
                data={"shortlist_score": score, "shortlist_target": target},
                mail=Mail(
                    event=SHORTLIST_MAIL,
                    context={"call": call, "shortlisted": chosen},
                    held=True,
                    replace_key=f"shortlist:{application.pk}",
                ),
            )
            (moved_in if chosen else moved_out).append(application)
        event = record_event(
            actor=by,
            verb=SHORTLIST_VERB,
            target=call,
            data=_decision_facts(score, target, moved_in, moved_out, suggested_ids),
        )
    return ShortlistResult(shortlisted=moved_in, not_shortlisted=moved_out, event=event)
