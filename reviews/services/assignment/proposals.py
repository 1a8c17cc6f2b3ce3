"""Assignment proposals: staff ask, a Celery task computes (detection, affinity, min-cost
flow, explanations) and reports its progress; the result waits for staff to review it."""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from calls.models import Call
from reviews.assignment.affinity import AffinityResult, compute_affinity
from reviews.assignment.solver import DEFAULT_BALANCE, propose_assignment
from reviews.models import (
    Assignment,
    AssignmentProposal,
    ConflictStatus,
    Invitation,
    InvitationStatus,
    ProposalStatus,
)
from reviews.selectors.assignment import (
    application_profiles,
    assignable_applications,
    expert_profile,
    state_basis,
)
from reviews.selectors.conflicts import conflict_statuses
from reviews.selectors.reviewing import live_assignments
from reviews.services.conflicts import detect_and_store

from .checks import AssignmentError, check_staff

logger = logging.getLogger(__name__)

CANDIDATES_PER_APPLICATION = 5
# A queued or running proposal older than this is taken to be lost (a worker died).
PROPOSAL_STALE_AFTER = timedelta(minutes=15)


def request_proposal(
    *,
    call: Call,
    by: Any,
    allow_suspected: bool = False,
    balance: Decimal | float | None = None,
) -> AssignmentProposal:
    """Queue the computation of a proposal; older proposals ready for review are replaced.
    ``balance``: how much fit may be traded for even loads (0 to 1; see the solver)."""
    balance = Decimal(str(DEFAULT_BALANCE if balance is None else balance))
    if not 0 <= balance <= 1:
        raise AssignmentError(
            _("How much fit may be traded for even loads is a number from 0 to 1."),
            code="balance",
        )
    check_staff(by)
    with transaction.atomic():
        Call.objects.select_for_update().filter(pk=call.pk).first()  # one request at a time
        pending = AssignmentProposal.objects.filter(
            call=call,
            status__in=[ProposalStatus.QUEUED, ProposalStatus.RUNNING],
            created_at__gte=timezone.now() - PROPOSAL_STALE_AFTER,
        )
        if pending.exists():
            raise AssignmentError(
                _("A proposal is already being computed for this call: wait for it to finish."),
                code="pending",
            )
        AssignmentProposal.objects.filter(call=call, status=ProposalStatus.READY).update(
            status=ProposalStatus.SUPERSEDED
        )
        proposal = AssignmentProposal.objects.create(
            call=call, requested_by=by, allow_suspected=allow_suspected, balance=balance
        )
        record_event(
            actor=by,
            verb="assignment.proposal_requested",
            target=call,
            data={
                "proposal": proposal.pk,
                "allow_suspected": allow_suspected,
                "balance": str(balance),
            },
        )
        transaction.on_commit(lambda: enqueue_proposal(proposal.pk))
    return proposal


def enqueue_proposal(proposal_id: int) -> bool:
    """Hand the computation to the task queue (run in process in the embedded mode)."""
    from reviews.tasks_assignment import compute_assignment_proposal

    try:
        compute_assignment_proposal.delay(proposal_id)
    except Exception as exc:  # noqa: BLE001 - a broker that is down fails the request only
        logger.warning("Proposal %s not queued: %s", proposal_id, exc)
        AssignmentProposal.objects.filter(pk=proposal_id, status=ProposalStatus.QUEUED).update(
            status=ProposalStatus.FAILED,
            error=_("The task queue could not be reached; ask for a proposal again later."),
            finished_at=timezone.now(),
        )
        return False
    return True


def _set_progress(proposal_id: int, percent: int, stage: str) -> None:
    AssignmentProposal.objects.filter(pk=proposal_id, status=ProposalStatus.RUNNING).update(
        progress=percent, stage=stage
    )


def run_proposal(*, proposal_id: int) -> str:
    """Compute a queued proposal (the task's body). Safe to run twice: only one run
    claims the proposal; a run that died long ago may be taken over."""
    now = timezone.now()
    claimed = (
        AssignmentProposal.objects.filter(pk=proposal_id)
        .filter(
            Q(status=ProposalStatus.QUEUED)
            | Q(status=ProposalStatus.RUNNING, started_at__lt=now - PROPOSAL_STALE_AFTER)
        )
        .update(status=ProposalStatus.RUNNING, started_at=now, progress=1, stage="start", error="")
    )
    if not claimed:
        status = AssignmentProposal.objects.filter(pk=proposal_id).values_list("status", flat=True)
        return status.first() or "missing"
    proposal = AssignmentProposal.objects.select_related("call", "requested_by").get(pk=proposal_id)
    try:
        result, basis = compute_proposal(
            call=proposal.call,
            requested_by=proposal.requested_by,
            allow_suspected=proposal.allow_suspected,
            balance=float(proposal.balance),
            progress=lambda percent, stage: _set_progress(proposal_id, percent, stage),
        )
    except Exception as exc:
        logger.exception("Proposal %s failed", proposal_id)
        AssignmentProposal.objects.filter(pk=proposal_id, status=ProposalStatus.RUNNING).update(
            status=ProposalStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        return ProposalStatus.FAILED
    AssignmentProposal.objects.filter(pk=proposal_id, status=ProposalStatus.RUNNING).update(
        status=ProposalStatus.READY,
        result=result,
        basis=basis,
        progress=100,
        stage="done",
        finished_at=timezone.now(),
    )
    return ProposalStatus.READY


def _pair_json(affinity: AffinityResult, application_id: int, invitation_id: int) -> dict:
    explanation = affinity.explain(application_id, invitation_id)
    return {
        "a": application_id,
        "i": invitation_id,
        "aff": round(explanation.affinity, 4),
        "kw": list(explanation.shared_keywords),
        "terms": list(explanation.shared_terms),
    }


@dataclasses.dataclass
class _Scope:
    """What a proposal is computed from: the applications in scope, the accepted reviewers
    with their caps, and the pairs already in place (kept, or forbidden to the solver)."""

    applications: list
    reviewers: list[tuple]
    existing: set[tuple[int, int]]
    base_load: Counter
    forbidden: set[tuple[int, int]]

    @property
    def app_ids(self) -> list[int]:
        return [p.id for p in self.applications]

    @property
    def caps(self) -> dict[int, int]:
        return {pk: cap for pk, cap, _k, _s in self.reviewers}


def _load_scope(call: Call, requested_by: Any, *, allow_suspected: bool) -> _Scope:
    applications = application_profiles(assignable_applications(call, requested_by))
    reviewers = list(
        Invitation.objects.filter(call=call, status=InvitationStatus.ACCEPTED)
        .order_by("pk")
        .values_list("pk", "max_load", "expert__keywords", "expert__statement")
    )
    existing, base_load, forbidden = _pairs_in_place(
        call,
        {p.id for p in applications},
        {r[0] for r in reviewers},
        allow_suspected=allow_suspected,
    )
    return _Scope(applications, reviewers, existing, base_load, forbidden)


def _stats(scope: _Scope, solved, pairs: list[dict], *, started, balance: float) -> dict:
    """The proposal's figures, as the review page shows them."""
    return {
        "applications": len(scope.app_ids),
        "reviewers": len(scope.caps),
        "existing": len(scope.existing),
        "new_pairs": sum(1 for p in pairs if not p["existing"]),
        "total_affinity": round(solved.total_affinity, 4),
        "capacity_shortfall": solved.capacity_shortfall,
        "solve_seconds": round(solved.solve_seconds, 3),
        "seconds": round((timezone.now() - started).total_seconds(), 3),
        "forbidden": len(scope.forbidden),
        "balance": balance,
    }


def compute_proposal(
    *,
    call: Call,
    requested_by: Any,
    allow_suspected: bool,
    balance: float = DEFAULT_BALANCE,
    progress: Callable[[int, str], None] = lambda percent, stage: None,
) -> tuple[dict, str]:
    """Detection, affinity, min-cost flow, explanations: the proposal's ``result`` JSON
    and the fingerprint of the state it was computed from."""
    started = timezone.now()
    progress(5, "conflicts")
    detect_and_store(call=call)
    progress(20, "loading")
    scope = _load_scope(call, requested_by, allow_suspected=allow_suspected)
    app_ids, caps, base_load = scope.app_ids, scope.caps, scope.base_load
    basis = state_basis(call)

    progress(35, "affinity")
    affinity = compute_affinity(
        applications=scope.applications,
        experts=[
            expert_profile(pk, keywords, statement)
            for pk, _cap, keywords, statement in scope.reviewers
        ],
    )
    progress(60, "solving")
    solved = propose_assignment(
        applications=app_ids,
        experts=[(pk, max(caps[pk] - base_load[pk], 0)) for pk in caps],
        affinity=affinity.matrix,
        k=call.reviews_per_application,
        forbidden=scope.forbidden,
        existing=scope.existing,
        balance_penalty=balance,
    )
    progress(80, "explaining")
    pairs, candidates = _explained(
        solved,
        affinity,
        app_ids,
        {pk: cap - base_load[pk] for pk, cap in caps.items()},
        taken=scope.forbidden | scope.existing,
    )
    progress(95, "saving")
    result = {
        "k": call.reviews_per_application,
        "applications": app_ids,
        "pairs": pairs,
        "caps": {str(pk): cap for pk, cap in caps.items()},
        "base_load": {str(pk): n for pk, n in base_load.items() if pk in caps},
        "unmet": [dataclasses.asdict(u) for u in solved.unmet],
        "candidates": candidates,
        "stats": _stats(scope, solved, pairs, started=started, balance=balance),
    }
    return result, basis


def _pairs_in_place(
    call: Call, in_scope: set[int], reviewer_ids: set[int], *, allow_suspected: bool
) -> tuple[set[tuple[int, int]], Counter, set[tuple[int, int]]]:
    """(application, invitation) pairs already assigned in scope, each reviewer's load
    outside the scope, and the pairs the proposal may not make: a blocking conflict
    (suspected ones too unless allowed), or a reviewer taken off the application."""
    live = list(
        live_assignments()
        .filter(application__call=call)
        .values_list("invitation_id", "application_id")
    )
    ended = Assignment.objects.filter(application__call=call, is_active=False).values_list(
        "invitation_id", "application_id"
    )
    statuses = conflict_statuses(call)
    existing = {(a, i) for i, a in live if a in in_scope and i in reviewer_ids}
    base_load = Counter(i for i, a in live if a not in in_scope)
    blocking = {ConflictStatus.CONFIRMED}
    if not allow_suspected:
        blocking.add(ConflictStatus.SUSPECTED)
    forbidden = {(a, i) for (i, a), status in statuses.items() if status in blocking}
    forbidden |= {(a, i) for i, a in ended}  # a reviewer taken off is not proposed again
    forbidden = {(a, i) for a, i in forbidden if a in in_scope and i in reviewer_ids} - existing
    return existing, base_load, forbidden


def _explained(solved, affinity, app_ids, free_caps, *, taken) -> tuple[list[dict], dict]:
    """The proposed pairs with what explains them, in application order (the best fit
    first), and each application's replacement candidates."""
    position = {pk: n for n, pk in enumerate(app_ids)}
    ordered = sorted(solved.pairs, key=lambda p: (position[p.application], -p.affinity))
    pairs = [
        {**_pair_json(affinity, p.application, p.expert), "existing": p.existing} for p in ordered
    ]
    candidates = _candidates(
        affinity=affinity,
        app_ids=app_ids,
        loads=solved.loads,
        caps=free_caps,
        taken=taken | {(p["a"], p["i"]) for p in pairs},
    )
    return pairs, candidates


def _candidates(*, affinity, app_ids, loads, caps, taken) -> dict[str, list[dict]]:
    """For each application, the best other reviewers with a free place (replacements)."""
    if not app_ids or not caps:
        return {}
    expert_ids = affinity.expert_ids
    free = np.array([loads.get(pk, 0) < caps[pk] for pk in expert_ids])
    out: dict[str, list[dict]] = {}
    for row, application_id in enumerate(app_ids):
        chosen = []
        for j in np.argsort(-affinity.matrix[row], kind="stable"):
            invitation_id = expert_ids[j]
            if free[j] and (application_id, invitation_id) not in taken:
                chosen.append(_pair_json(affinity, application_id, invitation_id))
                if len(chosen) == CANDIDATES_PER_APPLICATION:
                    break
        out[str(application_id)] = [{k: v for k, v in c.items() if k != "a"} for c in chosen]
    return out
