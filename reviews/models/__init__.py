from .assignment_jobs import AssignmentProposal, ProposalStatus
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
from .scoreboard import ScoreboardChange
from .selection import (
    FundingDecision,
    FundingOutcome,
    ListEntry,
    ListKind,
    ListMove,
    MoveKind,
    RankedList,
    Selection,
)

__all__ = [
    "Assignment",
    "AssignmentProposal",
    "ProposalStatus",
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
    "ScoreboardChange",
    # Selection: lists, their history, funding decisions.
    "FundingDecision",
    "FundingOutcome",
    "ListEntry",
    "ListKind",
    "ListMove",
    "MoveKind",
    "RankedList",
    "Selection",
]
