"""Renew a call's scoreboard stamp when a figure of its scoreboard may change.

The cached figures (``reviews.selectors.scoreboard_cache``) are keyed by the stamp's
token, so a new token makes every process recompute them at its next read. The token is
renewed by signal receivers, inside the transaction of the change: a reader that sees the
new token also sees the change. What a receiver cannot see (``QuerySet.update`` and
``bulk_create`` of conflicts by the detection) is covered by the confirmed conflicts
being part of the cache key too.

Changes that renew the token: a review submitted (or reopened, or deleted), an
assignment ended or deleted, a conflict saved or deleted, a criterion or a funding
source saved or deleted, an application saved once it is past submission, its partners
and disciplines while it is in review or later. Drafts being typed do not touch the
stamp, so applicants saving at the deadline never wait on it.
"""

from __future__ import annotations

from uuid import uuid4

from django.db.models import Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save

from calls.models import Application, ApplicationStatus, Criterion, FundingSource, Partner
from reviews.models import Assignment, Conflict, Review, ReviewStatus, ScoreboardStamp

# Saving an application in these states never changes a scoreboard figure.
_QUIET_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)


def renew_stamp(*, call_id: int | None = None, call_of=None, create: bool = True) -> None:
    """A new token for the call ``call_id`` (or the call selected by the one-column
    queryset ``call_of``); made when missing unless ``create`` is False (deletions: the
    call itself may be on its way out)."""
    token = uuid4().hex
    target = call_id if call_id is not None else Subquery(call_of[:1])
    if ScoreboardStamp.objects.filter(call_id=target).update(token=token) or not create:
        return
    if call_id is None:
        call_id = call_of.first()
        if call_id is None:
            return
    ScoreboardStamp.objects.bulk_create(
        [ScoreboardStamp(call_id=call_id, token=token)], ignore_conflicts=True
    )
    ScoreboardStamp.objects.filter(call_id=call_id).update(token=token)


def _in_review(application_id: int):
    """The call of the application when it is past submission (else nothing)."""
    return (
        Application.objects.filter(pk=application_id)
        .exclude(status__in=_QUIET_STATUSES)
        .values_list("call_id", flat=True)
    )


def _of_application(application_id: int):
    return Application.objects.filter(pk=application_id).values_list("call_id", flat=True)


def _of_assignment(assignment_id: int):
    return Assignment.objects.filter(pk=assignment_id).values_list(
        "application__call_id", flat=True
    )


def _application_saved(sender, instance: Application, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    if instance.status not in _QUIET_STATUSES:
        renew_stamp(call_id=instance.call_id)


def _application_deleted(sender, instance: Application, **kwargs) -> None:
    renew_stamp(call_id=instance.call_id, create=False)


def _partner_saved(sender, instance: Partner, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    renew_stamp(call_of=_in_review(instance.application_id))


def _partner_deleted(sender, instance: Partner, **kwargs) -> None:
    renew_stamp(call_of=_in_review(instance.application_id), create=False)


def _disciplines_changed(sender, instance, action: str, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Application):
        if instance.status not in _QUIET_STATUSES:
            renew_stamp(call_id=instance.call_id)
        return
    calls = (
        Application.objects.filter(pk__in=pk_set or ())
        .exclude(status__in=_QUIET_STATUSES)
        .values_list("call_id", flat=True)
        .distinct()
    )
    for call_id in calls:
        renew_stamp(call_id=call_id)


def _review_saved(sender, instance: Review, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    if instance.status == ReviewStatus.SUBMITTED or instance.reopened_by_id:
        renew_stamp(call_of=_of_assignment(instance.assignment_id))


def _review_deleted(sender, instance: Review, **kwargs) -> None:
    renew_stamp(call_of=_of_assignment(instance.assignment_id), create=False)


def _assignment_saved(sender, instance: Assignment, created: bool, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    if not created:  # a new assignment has no review yet
        renew_stamp(call_of=_of_application(instance.application_id))


def _assignment_deleted(sender, instance: Assignment, **kwargs) -> None:
    renew_stamp(call_of=_of_application(instance.application_id), create=False)


def _conflict_saved(sender, instance: Conflict, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    renew_stamp(call_of=_of_application(instance.application_id))


def _conflict_deleted(sender, instance: Conflict, **kwargs) -> None:
    renew_stamp(call_of=_of_application(instance.application_id), create=False)


def _call_part_saved(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    renew_stamp(call_id=instance.call_id)


def _call_part_deleted(sender, instance, **kwargs) -> None:
    renew_stamp(call_id=instance.call_id, create=False)


def connect_signals() -> None:
    """Called from ``ReviewsConfig.ready``."""
    uid = "reviews.scoreboard_stamp."
    pairs = (
        (Application, _application_saved, _application_deleted),
        (Partner, _partner_saved, _partner_deleted),
        (Review, _review_saved, _review_deleted),
        (Assignment, _assignment_saved, _assignment_deleted),
        (Conflict, _conflict_saved, _conflict_deleted),
        (Criterion, _call_part_saved, _call_part_deleted),
        (FundingSource, _call_part_saved, _call_part_deleted),
    )
    for model, saved, deleted in pairs:
        name = model.__name__.lower()
        post_save.connect(saved, sender=model, dispatch_uid=f"{uid}{name}")
        post_delete.connect(deleted, sender=model, dispatch_uid=f"{uid}{name}.delete")
    m2m_changed.connect(
        _disciplines_changed,
        sender=Application.disciplines.through,
        dispatch_uid=f"{uid}disciplines",
    )
