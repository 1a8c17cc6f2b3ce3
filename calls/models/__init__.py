from .application import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Document,
    DraftReminder,
    ExcludedReviewer,
    Partner,
)
from .call import (
    Call,
    CallStatus,
    Criterion,
    Discipline,
    FundingSource,
    RequiredDocument,
    TieBreakRule,
)
from .correspondents import InstituteCorrespondent
from .reference import Institute, ParentInstitution, Unit, UnitType
from .staff_conflicts import StaffConflict, StaffConflictSource, StaffConflictStatus

__all__ = [
    "Application",
    "ApplicationStatus",
    "ApplicationVersion",
    "Call",
    "CallStatus",
    "Criterion",
    "Discipline",
    "Document",
    "DraftReminder",
    "ExcludedReviewer",
    "FundingSource",
    "Institute",
    "InstituteCorrespondent",
    "ParentInstitution",
    "Partner",
    "RequiredDocument",
    "StaffConflict",
    "StaffConflictSource",
    "StaffConflictStatus",
    "TieBreakRule",
    "Unit",
    "UnitType",
]
