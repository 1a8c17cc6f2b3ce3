"""Note a change of a call's scoreboard (a new stamp) when one of its figures may move.

The cached figures (``reviews.selectors.scoreboard_cache``) are keyed by the call's
stamp: the number of its change rows (``reviews.models.ScoreboardChange``) and the last
one, so a new row makes every process recompute them at its next read. Rows are inserted
by signal receivers, inside the transaction of the change: a reader that sees the new
row also sees the change. Writes that send no model signal (``QuerySet.update``,
``bulk_create``) note their change themselves with :func:`note_change`.

Changes noted: a review submitted (or reopened, or deleted), an assignment ended or
deleted, a conflict saved or deleted (and the detection's bulk writes, noted by
``reviews.services.conflicts.detect_and_store``), a criterion or a funding source saved
or deleted, an application saved once it is past submission, its partners and
disciplines while it is in review or later, and the names the scoreboard shows: a
person's (coordinator or expert; anonymisation included), an expert's, a unit's label
or an institute's acronym. Drafts being typed do not touch the stamp, so applicants
saving at the deadline never wait on it.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from aissai.accounts.models import User
from calls.models import (
    Application,
    ApplicationStatus,
    Call,
    Criterion,
    Discipline,
    FundingSource,
    Institute,
    Partner,
    Unit,
)
from calls.signals import units_imported
from reviews.models import (
    Assignment,
    Conflict,
    Expert,
    Invitation,
    Review,
    ReviewStatus,
    ScoreboardChange,
)

# Saving an application in these states never changes a scoreboard figure.
_QUIET_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)


def note_change(*, call_id: int | None = None, call_of=None) -> None:
    """Note a change of the call ``call_id`` (or of the call selected by the one-column
    queryset ``call_of``) in the current transaction: one inserted row, no lock that
    another transaction could wait for (see :mod:`reviews.models.scoreboard`)."""
    if call_id is None:
        call_id = call_of.first()
        if call_id is None:
            return
    ScoreboardChange.objects.create(call_id=call_id)


def note_changes(call_ids) -> None:
    """Note a change of each of these calls (one insert)."""
    ScoreboardChange.objects.bulk_create(
        [ScoreboardChange(call_id=pk) for pk in sorted(set(call_ids))]
    )


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
        note_change(call_id=instance.call_id)


def _application_deleted(sender, instance: Application, **kwargs) -> None:
    note_change(call_id=instance.call_id)


def _partner_saved(sender, instance: Partner, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    note_change(call_of=_in_review(instance.application_id))


def _partner_deleted(sender, instance: Partner, **kwargs) -> None:
    note_change(call_of=_in_review(instance.application_id))


def _disciplines_changed(sender, instance, action: str, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Application):
        if instance.status not in _QUIET_STATUSES:
            note_change(call_id=instance.call_id)
        return
    if pk_set is None:  # discipline.applications.clear(): which ones is not said
        note_changes(Call.objects.values_list("pk", flat=True))
        return
    note_changes(
        Application.objects.filter(pk__in=pk_set)
        .exclude(status__in=_QUIET_STATUSES)
        .values_list("call_id", flat=True)
    )


def _review_saved(sender, instance: Review, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    if instance.status == ReviewStatus.SUBMITTED or instance.reopened_by_id:
        note_change(call_of=_of_assignment(instance.assignment_id))


def _review_deleted(sender, instance: Review, **kwargs) -> None:
    note_change(call_of=_of_assignment(instance.assignment_id))


def _assignment_saved(sender, instance: Assignment, created: bool, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    if not created:  # a new assignment has no review yet
        note_change(call_of=_of_application(instance.application_id))


def _assignment_deleted(sender, instance: Assignment, **kwargs) -> None:
    note_change(call_of=_of_application(instance.application_id))


def _conflict_saved(sender, instance: Conflict, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    note_change(call_of=_of_application(instance.application_id))


def _conflict_deleted(sender, instance: Conflict, **kwargs) -> None:
    note_change(call_of=_of_application(instance.application_id))


def _call_part_saved(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    note_change(call_id=instance.call_id)


def _call_part_deleted(sender, instance, **kwargs) -> None:
    note_change(call_id=instance.call_id)


def _calls_of_person(user_id: int) -> set[int]:
    """Calls whose scoreboard may show this person's name."""
    coordinated = Application.objects.filter(coordinator_id=user_id).exclude(
        status__in=_QUIET_STATUSES
    )
    invited = Invitation.objects.filter(expert__user_id=user_id)
    return set(coordinated.values_list("call_id", flat=True)) | set(
        invited.values_list("call_id", flat=True)
    )


def _user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if kwargs.get("raw") or kwargs.get("created"):
        return
    if update_fields is not None and "full_name" not in update_fields:
        return  # a login (last_login), a password change...
    note_changes(_calls_of_person(instance.pk))


def _expert_saved(sender, instance: Expert, **kwargs) -> None:
    if kwargs.get("raw") or kwargs.get("created"):
        return
    note_changes(Invitation.objects.filter(expert=instance).values_list("call_id", flat=True))


def _reference_saved(sender, instance=None, **kwargs) -> None:
    """A unit or an institute renamed, a discipline deleted: every call may show it (rare:
    an import or an edit in the admin)."""
    if kwargs.get("raw") or kwargs.get("created"):
        return
    note_changes(Call.objects.values_list("pk", flat=True))


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
    post_save.connect(_user_saved, sender=User, dispatch_uid=f"{uid}user")
    post_save.connect(_expert_saved, sender=Expert, dispatch_uid=f"{uid}expert")
    post_save.connect(_reference_saved, sender=Unit, dispatch_uid=f"{uid}unit")
    post_save.connect(_reference_saved, sender=Institute, dispatch_uid=f"{uid}institute")
    units_imported.connect(_reference_saved, dispatch_uid=f"{uid}units_imported")
    # Deleting a discipline removes its links without an m2m_changed signal.
    post_delete.connect(_reference_saved, sender=Discipline, dispatch_uid=f"{uid}discipline")
    m2m_changed.connect(
        _disciplines_changed,
        sender=Application.disciplines.through,
        dispatch_uid=f"{uid}disciplines",
    )
