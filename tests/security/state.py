"""What a forbidden POST (or export) must leave untouched, for the critical URLs.

Each function reads the state a URL changes when an allowed person uses it; the matrix
compares it before and after the request of every role the table does not let in.
"""

from __future__ import annotations

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from awards.models import Event, EventInvitation, Fellowship, Report, ReportMilestone
from calls.models import Application, StaffConflict
from reviews.models import Conflict, Selection


def _applications(world):
    return sorted(
        Application.objects.filter(call=world.call).values_list("pk", "status", "version")
    )


def _selection(world):
    return list(
        Selection.objects.filter(call=world.call).values_list(
            "fixed_at", "published_at", "closed_at"
        )
    )


def _outbox(world):
    return sorted(OutboxMessage.objects.values_list("pk", "status"))


def _audit(world):
    return AuditEvent.objects.count()


def _conflicts(world):
    return sorted(Conflict.objects.values_list("pk", "status"))


def _staff_conflicts(world):
    return sorted(StaffConflict.objects.values_list("pk", "user_id", "status"))


def _fellowships(world):
    return sorted(
        Fellowship.objects.values_list(
            "pk", "state", "committed_amount", "released_amount", "end_date", "fellow_email"
        )
    )


def _reports(world):
    return sorted(Report.objects.values_list("pk", "progress", "submitted_at"))


def _invitations(world):
    return sorted(EventInvitation.objects.values_list("pk", "answer"))


def _events(world):
    return sorted(Event.objects.values_list("pk", "title_en"))


def _milestones(world):
    return sorted(ReportMilestone.objects.values_list("pk", "month"))


FORBIDDEN_POST_STATE = {
    "calls:staff_conflict_declare": _staff_conflicts,
    "calls:staff_conflict_rule": _staff_conflicts,
    "calls:application_submit": _applications,
    "calls:application_withdraw": _applications,
    "calls:staff_screening": _applications,  # ruling on eligibility
    "reviews:shortlist": _applications,  # confirming the shortlist
    "reviews:decisions_publish": _selection,
    "reviews:decisions_close": _selection,
    "reviews:lists_fix": _selection,
    "notifications:outbox_release": _outbox,
    "notifications:outbox_release_bulk": _outbox,
    "reviews:export": _audit,  # every export leaves an audit event
    "reviews:conflict_rule": _conflicts,
    "awards:fellowship_recruit": _fellowships,
    "awards:fellowship_start": _fellowships,
    "awards:fellowship_suspend": _fellowships,
    "awards:fellowship_end": _fellowships,
    "awards:fellowship_abandon": _fellowships,
    "awards:fellowship_fail": _fellowships,
    "awards:fellowship_amount": _fellowships,
    "awards:report": _reports,
    "awards:event_invite": _invitations,
    "awards:call_events": _events,
    "awards:milestone_add": _milestones,
    "awards:milestone_remove": _milestones,
    "awards:outputs_export": _audit,
    "awards:donor_report": _audit,
    "awards:donor_report_xlsx": _audit,  # every export leaves an audit event
}
