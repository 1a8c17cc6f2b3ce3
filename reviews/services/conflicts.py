"""Conflicts of interest as data: detection stored as ``Conflict`` rows, staff rulings, and
the hooks that run detection again when an application or an expert changes.

Detection (``reviews.conflicts.detection``, pure) runs over the call's applications under
review and the experts who accepted its invitation. Its inputs are read in a fixed number
of queries, whatever the size of the call (``reviews.selectors.detection_inputs``). What it
finds is merged into the stored rows:

* a new finding makes a row (source "detected", or "excluded" for the applicants'
  exclusion list; status suspected or confirmed as detection says; the rule and its
  evidence in ``rule`` and ``reason``);
* a detected row nobody ruled on follows the latest detection: updated when the finding
  changed, removed when the evidence is gone;
* a row staff ruled on (confirmed or cleared with a reason), or declared by the reviewer,
  or set by staff, is never touched by detection.

Besides the detection rules, a reviewer who is the coordinator of an application (same
account or same e-mail) is the same person: a confirmed conflict.

A confirmed conflict hides the pair's assignment everywhere (``live_assignments``), without
ending it: clearing the conflict by mistake-correction brings the assignment back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from aissai.limits import REASON_MAX_CHARS
from calls.models import Application, Call, ExcludedReviewer, Partner
from reviews.conflicts.detection import Conflict as Finding
from reviews.conflicts.detection import (
    detect_conflicts,
    strongest_by_pair,
)
from reviews.models import (
    Conflict,
    ConflictSource,
    ConflictStatus,
    Expert,
    Invitation,
    InvitationStatus,
)
from reviews.selectors.conflicts import NOT_REVIEWED
from reviews.selectors.detection_inputs import (
    coordinator_findings,
    detection_inputs,
    scoped_applications,
    scoped_invitations,
)
from reviews.services.review_counts import refresh_review_counts
from reviews.services.scoreboard_stamp import note_change

DETECTION_SOURCES = (ConflictSource.DETECTED, ConflictSource.EXCLUDED)


class ConflictError(Exception):
    """The ruling or the new conflict is not possible; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class DetectionOutcome:
    applications: int
    experts: int
    found: int
    created: int
    updated: int
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


# --- Detection ----------------------------------------------------------------------


def detect_and_store(
    *,
    call: Call,
    by: Any = None,
    application_ids: Iterable[int] | None = None,
    invitation_ids: Iterable[int] | None = None,
) -> DetectionOutcome:
    """Run detection for the call (or only for some applications, or some reviewers) and
    merge the findings into the stored conflicts; see the module docstring."""
    application_ids = None if application_ids is None else list(application_ids)
    invitation_ids = None if invitation_ids is None else list(invitation_ids)
    applications, experts = detection_inputs(
        call=call, application_ids=application_ids, invitation_ids=invitation_ids
    )
    found = detect_conflicts(applications=applications, experts=experts)
    found += coordinator_findings(
        call=call, application_ids=application_ids, invitation_ids=invitation_ids
    )
    findings = strongest_by_pair(found)
    with transaction.atomic():
        stored = {
            (c.invitation_id, c.application_id): c
            for c in Conflict.objects.filter(
                application__in=scoped_applications(call, application_ids).values("pk"),
                invitation__in=scoped_invitations(call, invitation_ids).values("pk"),
            )
        }
        created, updated, removed = _merge_findings(findings, stored)
        outcome = DetectionOutcome(
            applications=len(applications),
            experts=len(experts),
            found=len(findings),
            created=created,
            updated=updated,
            removed=removed,
        )
        if outcome.changed:
            # The rows were written in bulk, without model signals.
            note_change(call_id=call.pk)
            refresh_review_counts(
                scoped_invitations(call, invitation_ids).values_list("pk", flat=True)
            )
        if outcome.changed or by is not None:
            scope = {"applications": application_ids, "invitations": invitation_ids}
            record_event(
                actor=by,
                verb="conflicts.detected",
                target=call,
                data={**asdict(outcome), "scope": scope},
            )
    return outcome


def _merge_findings(
    findings: dict[tuple[int, int], Finding], stored: dict[tuple[int, int], Conflict]
) -> tuple[int, int, int]:
    """Write the findings over the stored rows of the same pairs (see the module
    docstring); returns how many rows were created, updated and removed."""
    to_create, updated = [], 0
    for (invitation_id, application_id), finding in findings.items():
        values = {
            "source": finding.source,
            "status": str(finding.status),
            "rule": str(finding.reason),
            "reason": finding.detail[:REASON_MAX_CHARS],
        }
        row = stored.get((invitation_id, application_id))
        if row is None:
            to_create.append(
                Conflict(invitation_id=invitation_id, application_id=application_id, **values)
            )
        elif _follows_detection(row) and any(getattr(row, k) != v for k, v in values.items()):
            # Conditional: a ruling made meanwhile wins.
            updated += _unruled(Conflict.objects.filter(pk=row.pk)).update(**values)
    Conflict.objects.bulk_create(to_create, ignore_conflicts=True)
    vanished = [
        row.pk for key, row in stored.items() if key not in findings and _follows_detection(row)
    ]
    removed = _unruled(Conflict.objects.filter(pk__in=vanished)).delete()[0] if vanished else 0
    return len(to_create), updated, removed


def _follows_detection(row: Conflict) -> bool:
    return row.source in DETECTION_SOURCES and row.ruled_at is None


def _unruled(queryset):
    return queryset.filter(source__in=DETECTION_SOURCES, ruled_at__isnull=True)


# --- Staff --------------------------------------------------------------------------


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ConflictError(_("Give a reason: it is kept in the record."))
    if len(reason) > REASON_MAX_CHARS:
        raise ConflictError(
            _("The reason is too long (at most %(n)d characters).") % {"n": REASON_MAX_CHARS}
        )
    return reason


def rule_on_conflict(*, conflict: Conflict, by: Any, status: str, reason: str) -> Conflict:
    """Staff confirm or clear a conflict, with a reason. Detection never changes it again."""
    if status not in (ConflictStatus.CONFIRMED, ConflictStatus.CLEARED):
        raise ConflictError(_("A conflict can only be confirmed or cleared."))
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = Conflict.objects.select_for_update().filter(pk=conflict.pk).first()
        if locked is None:
            raise ConflictError(_("This conflict no longer exists; detection may have dropped it."))
        previous = locked.status
        if previous == status and locked.ruled_at is not None:
            raise ConflictError(
                _("This conflict is already %(status)s.")
                % {"status": ConflictStatus(status).label.lower()}
            )
        locked.status = status
        locked.ruling_reason = reason
        locked.ruled_by = by
        locked.ruled_at = timezone.now()
        locked.save(update_fields=["status", "ruling_reason", "ruled_by", "ruled_at"])
        record_event(
            actor=by,
            verb=f"conflict.{status}",
            target=locked,
            data={
                "application": locked.application_id,
                "invitation": locked.invitation_id,
                "source": locked.source,
                "rule": locked.rule,
                "previous_status": previous,
                "reason": reason,
            },
        )
    return locked


def set_conflict(
    *, call: Call, application: Application, invitation: Invitation, by: Any, reason: str
) -> Conflict:
    """Staff mark a reviewer as conflicted for an application (a confirmed conflict)."""
    reason = _clean_reason(reason)
    if application.call_id != call.pk or invitation.call_id != call.pk:
        raise ConflictError(_("The application and the reviewer must belong to this call."))
    with transaction.atomic():
        existing = (
            Conflict.objects.select_for_update()
            .filter(invitation=invitation, application=application)
            .first()
        )
        if existing is not None:
            if existing.status == ConflictStatus.CONFIRMED:
                raise ConflictError(
                    _("%(name)s already has a confirmed conflict with this application.")
                    % {"name": invitation.expert.full_name}
                )
            return rule_on_conflict(
                conflict=existing, by=by, status=ConflictStatus.CONFIRMED, reason=reason
            )
        now = timezone.now()
        conflict = Conflict.objects.create(
            invitation=invitation,
            application=application,
            source=ConflictSource.STAFF,
            status=ConflictStatus.CONFIRMED,
            reason=reason,
            ruling_reason=reason,
            ruled_by=by,
            ruled_at=now,
        )
        record_event(
            actor=by,
            verb="conflict.set_by_staff",
            target=conflict,
            data={"application": application.pk, "invitation": invitation.pk, "reason": reason},
        )
    return conflict


# --- Hooks: detection again when an application or an expert changes ------------------


def schedule_detection(
    *,
    application_ids: Iterable[int] = (),
    expert_ids: Iterable[int] = (),
    invitation_ids: Iterable[int] = (),
) -> None:
    """Run a detection scoped to what changed once the current transaction commits (at
    once outside a transaction). A failure is logged and never undoes the change."""
    scope = (frozenset(application_ids), frozenset(expert_ids), frozenset(invitation_ids))
    transaction.on_commit(lambda: run_scoped_detection(*scope), robust=True)


def run_scoped_detection(
    application_ids: Iterable[int], expert_ids: Iterable[int], invitation_ids: Iterable[int]
) -> None:
    """Detection for these applications (against every reviewer of their call) and for
    these experts' or invitations' reviewers (against every application of their call)."""
    by_call: dict[int, set[int]] = defaultdict(set)
    if application_ids:
        for call_id, pk in (
            Application.objects.filter(pk__in=list(application_ids))
            .exclude(status__in=NOT_REVIEWED)
            .values_list("call_id", "pk")
        ):
            by_call[call_id].add(pk)
    reviewers_by_call: dict[int, set[int]] = defaultdict(set)
    if expert_ids or invitation_ids:
        for call_id, pk in Invitation.objects.filter(
            Q(expert_id__in=list(expert_ids)) | Q(pk__in=list(invitation_ids)),
            status=InvitationStatus.ACCEPTED,
        ).values_list("call_id", "pk"):
            reviewers_by_call[call_id].add(pk)
    if not by_call and not reviewers_by_call:
        return
    calls = Call.objects.in_bulk(set(by_call) | set(reviewers_by_call))
    for call_id, ids in by_call.items():
        detect_and_store(call=calls[call_id], application_ids=ids)
    for call_id, ids in reviewers_by_call.items():
        detect_and_store(call=calls[call_id], invitation_ids=ids)


def _application_saved(sender, instance: Application, raw: bool = False, **kwargs) -> None:
    if not raw and instance.status not in NOT_REVIEWED:
        schedule_detection(application_ids=[instance.pk])


def _application_part_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        schedule_detection(application_ids=[instance.application_id])


def _expert_saved(sender, instance: Expert, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw and not created:  # a new expert has accepted nothing yet
        schedule_detection(expert_ids=[instance.pk])


def _invitation_saved(sender, instance: Invitation, raw: bool = False, **kwargs) -> None:
    if not raw and instance.status == InvitationStatus.ACCEPTED:
        schedule_detection(invitation_ids=[instance.pk])


def connect_signals() -> None:
    """Called from ``ReviewsConfig.ready``: the reviews app listens to the calls app's
    models (the calls app never imports reviews)."""
    uid = "reviews.conflicts."
    post_save.connect(_application_saved, sender=Application, dispatch_uid=uid + "application")
    for model in (Partner, ExcludedReviewer):
        name = model.__name__.lower()
        post_save.connect(_application_part_changed, sender=model, dispatch_uid=uid + name)
        post_delete.connect(
            _application_part_changed, sender=model, dispatch_uid=uid + name + ".delete"
        )
    post_save.connect(_expert_saved, sender=Expert, dispatch_uid=uid + "expert")
    post_save.connect(_invitation_saved, sender=Invitation, dispatch_uid=uid + "invitation")
