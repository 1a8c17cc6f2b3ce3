"""Staff adjust a proposal (drop, restore or replace a pair) and confirm it.

Confirming checks every pair again against the state of the moment (the proposal may be
stale: assignments, conflicts or caps changed since it was computed) and refuses, with a
clear message each, the pairs that are no longer valid; the others become assignments.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event, record_events
from calls.models import Application
from reviews.models import Assignment, AssignmentProposal, ProposalStatus
from reviews.selectors.assignment import state_basis
from reviews.selectors.conflicts import conflict_statuses
from reviews.selectors.proposals import active_pairs, proposal_loads
from reviews.selectors.reviewing import live_assignments
from reviews.services.review_counts import refresh_review_counts
from reviews.services.reviewing import notify_assignments

from .checks import (
    AssignmentError,
    Refusal,
    check_pair,
    check_staff,
    lock_reviewers,
    shared_terms,
    start_review,
)


def _lock_ready(proposal: AssignmentProposal) -> AssignmentProposal:
    locked = (
        AssignmentProposal.objects.select_for_update()
        .select_related("call")
        .filter(pk=proposal.pk)
        .first()
    )
    if locked is None or locked.status != ProposalStatus.READY:
        status = locked.get_status_display() if locked else _("deleted")
        raise AssignmentError(
            _("This proposal is “%(status)s”: it can no longer be changed.") % {"status": status},
            code="not_ready",
        )
    return locked


def _find(pairs: list[dict], application_id: int, invitation_id: int) -> dict | None:
    return next(
        (
            p
            for p in pairs
            if p["a"] == application_id and p["i"] == invitation_id and not p.get("existing")
        ),
        None,
    )


def _save_edit(proposal: AssignmentProposal, by: Any, action: str, **data: Any) -> None:
    proposal.save(update_fields=["result"])
    record_event(
        actor=by,
        verb="assignment.proposal_edited",
        target=proposal.call,
        data={"proposal": proposal.pk, "action": action, **data},
    )


def drop_pair(
    *,
    proposal: AssignmentProposal,
    by: Any,
    application_id: int,
    invitation_id: int,
    restore: bool = False,
) -> AssignmentProposal:
    """Leave a proposed pair out of the confirmation, or put it back."""
    check_staff(by)
    with transaction.atomic():
        locked = _lock_ready(proposal)
        result = locked.result
        pair = _find(result.get("pairs", []), application_id, invitation_id)
        if pair is None:
            raise AssignmentError(_("This pair is not in the proposal."), code="unknown")
        if restore:
            if not pair.get("dropped"):
                raise AssignmentError(_("This pair is already in the proposal."), code="kept")
            loads = proposal_loads(result)
            if loads.get(invitation_id, 0) >= int(result["caps"][str(invitation_id)]):
                raise AssignmentError(
                    _("This reviewer is already at their maximum in the proposal."), code="cap"
                )
            pair["dropped"] = False
        else:
            if pair.get("dropped"):
                raise AssignmentError(_("This pair is already left out."), code="dropped")
            pair["dropped"] = True
        _save_edit(
            locked,
            by,
            "restore" if restore else "drop",
            application=application_id,
            invitation=invitation_id,
        )
    return locked


def replace_pair(
    *,
    proposal: AssignmentProposal,
    by: Any,
    application_id: int,
    invitation_id: int,
    new_invitation_id: int,
) -> AssignmentProposal:
    """Swap the reviewer of a proposed pair for one of the application's candidates."""
    check_staff(by)
    with transaction.atomic():
        locked = _lock_ready(proposal)
        result = locked.result
        pairs = result.get("pairs", [])
        pair = _find(pairs, application_id, invitation_id)
        if pair is None or pair.get("dropped"):
            raise AssignmentError(_("This pair is not in the proposal."), code="unknown")
        candidates = result.get("candidates", {}).get(str(application_id), [])
        candidate = next((c for c in candidates if c["i"] == new_invitation_id), None)
        if candidate is None:
            raise AssignmentError(
                _("This reviewer is not a candidate for this application."), code="candidate"
            )
        if any(
            p["i"] == new_invitation_id for p in active_pairs(result) if p["a"] == application_id
        ):
            raise AssignmentError(
                _("This reviewer is already proposed for this application."), code="assigned"
            )
        loads = proposal_loads(result)
        if loads.get(new_invitation_id, 0) >= int(result["caps"][str(new_invitation_id)]):
            raise AssignmentError(
                _("This reviewer is already at their maximum in the proposal."), code="cap"
            )
        pair["dropped"] = True
        existing = _find(pairs, application_id, new_invitation_id)
        if existing is not None:  # replaced earlier, now back
            existing["dropped"] = False
        else:
            pairs.append({"a": application_id, **candidate, "existing": False, "dropped": False})
        candidates.remove(candidate)
        candidates.append({k: v for k, v in pair.items() if k in ("i", "aff", "kw", "terms")})
        candidates.sort(key=lambda c: -c["aff"])
        _save_edit(
            locked,
            by,
            "replace",
            application=application_id,
            invitation=invitation_id,
            new_invitation=new_invitation_id,
        )
    return locked


@dataclass
class ConfirmOutcome:
    created: list[Assignment] = field(default_factory=list)
    refused: list[tuple[dict, Refusal]] = field(default_factory=list)
    started_review: int = 0
    stale: bool = False


def _current_coverage(call) -> tuple[Counter, Counter, set]:
    """The call's assignments now: each reviewer's load, each application's live
    reviews, and the active (reviewer, application) pairs."""
    live = list(
        live_assignments()
        .filter(application__call=call)
        .values_list("invitation_id", "application_id")
    )
    loads = Counter(i for i, _a in live)
    covered = Counter(a for _i, a in live)
    active = set(
        Assignment.objects.filter(application__call=call, is_active=True).values_list(
            "invitation_id", "application_id"
        )
    )
    return loads, covered, active


def confirm_proposal(*, proposal: AssignmentProposal, by: Any) -> ConfirmOutcome:
    """Create the assignments of the proposal's pairs that are still valid (each checked
    now), move eligible applications to "in review", queue the mails on commit."""
    check_staff(by)
    outcome = ConfirmOutcome()
    with transaction.atomic():
        locked = _lock_ready(proposal)
        call = locked.call
        result = locked.result
        k = int(result.get("k") or call.reviews_per_application)
        reviewers = lock_reviewers(call)
        pairs = [p for p in active_pairs(result) if not p.get("existing")]
        applications = Application.objects.in_bulk({p["a"] for p in pairs})
        loads, covered, active = _current_coverage(call)
        statuses = conflict_statuses(call, application_ids=list(applications))
        outcome.stale = locked.basis != state_basis(call)
        for pair in sorted(pairs, key=lambda p: (p["a"], -p["aff"])):
            application, invitation = applications.get(pair["a"]), reviewers.get(pair["i"])
            if application is None or invitation is None:
                outcome.refused.append(
                    (pair, Refusal("gone", _("The application or the reviewer no longer exists.")))
                )
                continue
            key = (invitation.pk, application.pk)
            refusal = check_pair(
                application=application,
                invitation=invitation,
                by=by,
                conflict_status=statuses.get(key, ""),
                allow_suspected=locked.allow_suspected,
                assigned=key in active,
                load=loads[invitation.pk],
                required=k,
                covered=covered[application.pk],
            )
            if refusal is not None:
                outcome.refused.append((pair, refusal))
                continue
            outcome.created.append(
                Assignment(
                    invitation=invitation,
                    application=application,
                    affinity=pair["aff"],
                    shared_terms=shared_terms(pair.get("kw", []), pair.get("terms", [])),
                    created_by=by,
                )
            )
            loads[invitation.pk] += 1
            covered[application.pk] += 1
            active.add(key)
        Assignment.objects.bulk_create(outcome.created, batch_size=500)
        refresh_review_counts(a.invitation_id for a in outcome.created)  # no model signal
        _record_created(locked, by, outcome.created)
        outcome.started_review = start_review({a.application_id for a in outcome.created}, by)
        notify_assignments(outcome.created)
        _mark_confirmed(locked, by, outcome)
    return outcome


def _record_created(proposal: AssignmentProposal, by: Any, created: list[Assignment]) -> None:
    record_events(
        actor=by,
        verb="assignment.created",
        targets=created,
        data=lambda a: {
            "source": "proposal",
            "proposal": proposal.pk,
            "application": a.application_id,
            "invitation": a.invitation_id,
            "affinity": a.affinity,
        },
    )


def _mark_confirmed(proposal: AssignmentProposal, by: Any, outcome: ConfirmOutcome) -> None:
    """The proposal is confirmed, with what came of it (saved and audited)."""
    proposal.status = ProposalStatus.CONFIRMED
    proposal.confirmed_by = by
    proposal.confirmed_at = timezone.now()
    proposal.outcome = {
        "created": len(outcome.created),
        "refused": [{"a": p["a"], "i": p["i"], "code": r.code} for p, r in outcome.refused],
        "started_review": outcome.started_review,
        "stale": outcome.stale,
    }
    proposal.save(update_fields=["status", "confirmed_by", "confirmed_at", "outcome"])
    record_event(
        actor=by,
        verb="assignment.proposal_confirmed",
        target=proposal.call,
        data={"proposal": proposal.pk, **proposal.outcome},
    )
