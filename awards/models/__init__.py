from .events import Answer, Event, EventInvitation, InviteeRole
from .fellowships import (
    OPEN_STATES,
    REPORTING_STATES,
    AwardReminder,
    AwardSettings,
    Fellowship,
    FellowshipState,
    ReminderKind,
    Suspension,
)
from .reports import DonorContact, Output, OutputKind, Report, ReportMilestone

__all__ = [
    "Answer",
    "Event",
    "EventInvitation",
    "InviteeRole",
    "OPEN_STATES",
    "REPORTING_STATES",
    "AwardReminder",
    "AwardSettings",
    "DonorContact",
    "Fellowship",
    "FellowshipState",
    "Output",
    "OutputKind",
    "ReminderKind",
    "Report",
    "ReportMilestone",
    "Suspension",
]
