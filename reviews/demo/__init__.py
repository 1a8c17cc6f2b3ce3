"""The past edition of the demo: the AISSAI postdoc call of last year, decided.

It tells the story of the first edition: 55 applications from units of the ten CNRS
institutes, 11 international experts (3 reviews per application, each expert with their
own leniency), 25 shortlisted, 6 on the main list and 3 on the complementary list, results
published (held mails, then released), and an additional grant for 2 fellowships that
promotes the first two of the complementary list: 8 funded.

Rows that no service makes one at a time fast enough (applicants, applications, partners,
assignments, reviews) are written with ``bulk_create``; every status change goes through
the transitions and the selection services, so the audit trail, the list history and the
mails are those of a real call. Idempotent: once the call exists it is left as it is.
"""

from .edition import ensure_open_call_reviewer, ensure_past_edition

__all__ = ["ensure_open_call_reviewer", "ensure_past_edition"]
