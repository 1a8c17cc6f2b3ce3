"""Each reviewer's live review counts in a call, kept on the invitation.

``Invitation.reviews_assigned`` and ``Invitation.reviews_done`` are the reviewer's live
assignments (:func:`reviews.selectors.reviewing.live_assignments`: active, invitation
accepted, application not withdrawn, no confirmed conflict) and those of them with a
submitted review. The progress page reads its reviewer table and the call's totals from
them (a sum over the call's invitations) instead of counting the call's 27,600
assignments and reviews on every read (30 ms at N = 10,000).

One rule, one place: :func:`refresh_review_counts` recomputes the counts of the given
invitations from ``live_assignments`` itself, inside the transaction of the change, so
the counts never follow a second definition of "live". It is called by signal
receivers for every change that can move a count (an assignment saved or deleted, a
review saved or deleted, a conflict saved or deleted, an invitation's answer, an
application withdrawn) and by the writes that send no model signal
(the assignment proposal's ``bulk_create``, the conflict detection's bulk writes, the
demo and the generator).

Concurrency: the invitations are locked (in id order) before their counts are read
again, so a transaction that waited for another one's lock counts what the other
committed: counts are never lost between two reviewers' or managers' changes. Each
reviewer has their own row: submissions by different reviewers never wait for each
other (a single row per call would make every submission of the call wait in turn).
The lock is taken after the row the service changed (assignment, review, conflict,
invitation), as the assignment services lock reviewers; an application's save locks
reviewers only when it is withdrawn, so two services that lock applications in opposite
orders still queue instead of deadlocking
(``tests/reliability/test_scoreboard_stamp_concurrency.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import OuterRef
from django.db.models.signals import post_delete, post_save

from aissai.queries import correlated_count
from calls.models import Application, ApplicationStatus, Call
from reviews.models import Assignment, Conflict, Invitation, Review, ReviewStatus
from reviews.selectors.reviewing import live_assignments


def refresh_review_counts(invitation_ids: Iterable[int]) -> None:
    """Recompute ``reviews_assigned`` and ``reviews_done`` of these invitations from
    their live assignments, in the current transaction (a savepoint, a lock, an update)."""
    ids = sorted({pk for pk in invitation_ids if pk is not None})
    if not ids:
        return
    live = live_assignments().filter(invitation=OuterRef("pk"))
    # A savepoint inside the service's transaction (a transaction of its own after a
    # save in autocommit mode, which has no other to join).
    with transaction.atomic():
        # Lock first: the counts below are then read from a snapshot that includes what
        # a concurrent transaction holding these rows committed.
        list(
            Invitation.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Invitation.objects.filter(pk__in=ids).update(
            reviews_assigned=correlated_count(live, "invitation"),
            reviews_done=correlated_count(
                live.filter(review__status=ReviewStatus.SUBMITTED), "invitation"
            ),
        )


def refresh_call_review_counts(call: Call | int) -> None:
    """Recompute the counts of every invitation of a call (after bulk writes)."""
    call_id = getattr(call, "pk", call)
    refresh_review_counts(Invitation.objects.filter(call_id=call_id).values_list("pk", flat=True))


def _of_assignment(assignment_id: int) -> list[int]:
    return list(Assignment.objects.filter(pk=assignment_id).values_list("invitation_id", flat=True))


def _of_application(application_id: int) -> list[int]:
    return list(
        Assignment.objects.filter(application_id=application_id)
        .order_by()
        .values_list("invitation_id", flat=True)
        .distinct()
    )


def _assignment_changed(sender, instance: Assignment, **kwargs) -> None:
    if not kwargs.get("raw"):
        refresh_review_counts([instance.invitation_id])


def _review_changed(sender, instance: Review, **kwargs) -> None:
    if not kwargs.get("raw"):
        refresh_review_counts(_of_assignment(instance.assignment_id))


def _conflict_changed(sender, instance: Conflict, **kwargs) -> None:
    if not kwargs.get("raw"):
        refresh_review_counts([instance.invitation_id])


def _invitation_saved(sender, instance: Invitation, created: bool = False, **kwargs) -> None:
    if kwargs.get("raw") or created:  # a new invitation has no assignment
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not {"status", "reviews_assigned", "reviews_done"} & set(
        update_fields
    ):
        return
    refresh_review_counts([instance.pk])


def _application_saved(sender, instance: Application, **kwargs) -> None:
    # Of an application's states only the withdrawal changes whether its assignments
    # count (and it is final). Saves in other states lock no invitation: services that
    # lock a call's applications in opposite orders must not meet on its reviewers.
    if kwargs.get("raw") or instance.status != ApplicationStatus.WITHDRAWN:
        return
    refresh_review_counts(_of_application(instance.pk))


def connect_signals() -> None:
    """Called from ``ReviewsConfig.ready``."""
    uid = "reviews.review_counts."
    for model, receiver in (
        (Assignment, _assignment_changed),
        (Review, _review_changed),
        (Conflict, _conflict_changed),
    ):
        name = model.__name__.lower()
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}{name}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}{name}.delete")
    post_save.connect(_invitation_saved, sender=Invitation, dispatch_uid=f"{uid}invitation")
    post_save.connect(_application_saved, sender=Application, dispatch_uid=f"{uid}application")
