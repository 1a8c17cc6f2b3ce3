"""Limits shared by every app."""

# A reason a person writes for the record (a ruling, a move, a decision, a change):
# kept whole in the audit trail, so long enough for a paragraph, never a document.
REASON_MAX_CHARS = 2000
