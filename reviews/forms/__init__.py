"""Forms of the reviews app (``pool``: invitations, CSV import, answers, confidentiality)."""
