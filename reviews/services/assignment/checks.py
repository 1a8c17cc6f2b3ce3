"""The one check every assigned pair goes through, and what manual assignment and proposal
confirmation share (locking the reviewers, moving applications to "in review")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from calls.models import Application, ApplicationStatus, Call
from calls.selectors.calls import is_programme_staff
from calls.transitions import STAFF, transition
from reviews.models import ConflictStatus, Invitation, InvitationStatus
from reviews.selectors.assignment import ASSIGNABLE


class AssignmentError(Exception):
    """The action is not possible; the message says why, for the person who tried."""

    def __init__(self, message: str, code: str = ""):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def check_pair(
    *,
    application: Application,
    invitation: Invitation,
    by: Any,
    conflict_status: str,
    allow_suspected: bool,
    assigned: bool,
    load: int,
    required: int | None = None,
    covered: int = 0,
) -> Refusal | None:
    """Why this reviewer cannot be given this application now, or None."""
    names = {"name": invitation.expert.full_name, "application": str(application)}
    if application.coordinator_id == getattr(by, "pk", None):
        return Refusal("own", _("You cannot assign reviewers to your own application."))
    if application.status not in ASSIGNABLE:
        return Refusal(
            "application_status",
            _(
                "%(application)s is “%(status)s”: reviewers can only be added to "
                "eligible applications and applications in review."
            )
            % {**names, "status": application.get_status_display()},
        )
    if invitation.status != InvitationStatus.ACCEPTED or invitation.call_id != application.call_id:
        return Refusal("not_reviewer", _("%(name)s is not a reviewer of this call.") % names)
    if conflict_status == ConflictStatus.CONFIRMED:
        return Refusal(
            "conflict",
            _(
                "%(name)s has a confirmed conflict of interest with %(application)s "
                "and cannot be assigned to it."
            )
            % names,
        )
    if conflict_status == ConflictStatus.SUSPECTED and not allow_suspected:
        return Refusal(
            "suspected",
            _(
                "%(name)s has a suspected conflict of interest with %(application)s: confirm "
                "or clear it on the conflicts page first, or allow suspected conflicts."
            )
            % names,
        )
    if assigned:
        return Refusal("assigned", _("%(name)s is already assigned to %(application)s.") % names)
    if load >= invitation.max_load:
        return Refusal(
            "cap",
            _("%(name)s already has %(load)d applications to review, their maximum is %(cap)d.")
            % {**names, "load": load, "cap": invitation.max_load},
        )
    if required is not None and covered >= required:
        return Refusal(
            "covered",
            _("%(application)s already has %(count)d reviewers, as many as the call asks.")
            % {**names, "count": covered},
        )
    return None


def shared_terms(keywords: Iterable[str], terms: Iterable[str]) -> list[str]:
    return list(dict.fromkeys([*keywords, *terms]))


def start_review(application_ids: Iterable[int], by: Any) -> int:
    """Eligible applications that got reviewers move to "in review"."""
    moved = 0
    for application in Application.objects.filter(
        pk__in=list(application_ids), status=ApplicationStatus.ELIGIBLE
    ).order_by("pk"):
        transition(
            application=application,
            to=ApplicationStatus.IN_REVIEW,
            by=by,
            as_role=STAFF,
            reason=_("Reviewers assigned"),
        )
        moved += 1
    return moved


def check_staff(by: Any) -> None:
    if not is_programme_staff(by):
        raise AssignmentError(_("Only programme staff may assign reviewers."), code="forbidden")


def lock_reviewers(call: Call, ids: Iterable[int] | None = None) -> dict[int, Invitation]:
    queryset = Invitation.objects.select_for_update(of=("self",)).select_related("expert")
    queryset = queryset.filter(call=call) if ids is None else queryset.filter(pk__in=list(ids))
    return {invitation.pk: invitation for invitation in queryset.order_by("pk")}
