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
