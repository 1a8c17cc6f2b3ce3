from .evaluation import (
    Assignment,
    Conflict,
    ConflictSource,
    ConflictStatus,
    CriterionScore,
    DeclaredConflict,
    Recommendation,
    ReminderKind,
    ReminderSent,
    Review,
    ReviewStatus,
)
from .experts import (
    ConfidentialityAcceptance,
    ConfidentialityTerms,
    Expert,
    Invitation,
    InvitationStatus,
)

__all__ = [
    "Assignment",
    "ConfidentialityAcceptance",
    "ConfidentialityTerms",
    "Conflict",
    "ConflictSource",
    "ConflictStatus",
    "CriterionScore",
    "DeclaredConflict",
    "Expert",
    "Invitation",
    "InvitationStatus",
    "Recommendation",
    "ReminderKind",
    "ReminderSent",
    "Review",
    "ReviewStatus",
]
