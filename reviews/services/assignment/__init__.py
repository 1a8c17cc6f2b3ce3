"""Assignment of reviewers: by hand, application by application, and through a proposal
that staff read, adjust and confirm.

Every pair is checked by one function, :func:`checks.check_pair`, whether staff add it by
hand or confirm it from a proposal: the application is eligible or in review, the expert
is a reviewer of the call, no confirmed conflict (and no suspected one unless staff allow
it), not already assigned, the reviewer's load below their maximum (and, for a proposal,
the application not already covered). Writes lock the reviewers' invitation rows, so two
staff members assigning at once cannot push a reviewer over their maximum. An eligible
application that gets its first reviewer moves to "in review" (``calls.transitions``); the
assignment mails are queued in the same transaction and leave on commit
(``reviews.services.reviewing.notify_assignments``).

- ``manual``: ``add_reviewer``, ``remove_reviewer``. Removing a reviewer ends the
  assignment with a reason. When the reviewer already submitted their review, removal
  needs an explicit confirmation (``confirm_submitted=True``): the review stays with the
  ended assignment, for the record, but no longer counts. (Refusing outright would leave
  staff no way out when a late-found problem makes a review unusable; asking first
  prevents losing one by a slip.)
- ``proposals``: ``request_proposal`` queues a job (``AssignmentProposal``); the Celery
  task ``compute_assignment_proposal`` runs ``run_proposal`` (in process in the embedded
  mode), which reports its progress on the job row. A reviewer taken off an application
  (an ended assignment) is not proposed for it again.
- ``edits``: ``drop_pair``, ``replace_pair``, ``confirm_proposal``. Confirmation checks
  every pair again, so a stale proposal only creates what is still valid and says why
  each other pair was refused.

The ``result`` JSON of a proposal (ids only; names are read when it is shown)::

    {"k": 3, "applications": [application ids, in reference order],
     "pairs": [{"a": application, "i": invitation, "aff": 0.42, "kw": [shared keywords],
                "terms": [shared terms], "existing": false, "dropped": false}],
     "caps": {"<invitation>": max load}, "base_load": {"<invitation>": load elsewhere},
     "unmet": [unmet.UnmetDemand fields], "stats": {...},
     "candidates": {"<application>": [{"i", "aff", "kw", "terms"}]}}
"""

from .checks import AssignmentError, Refusal, check_pair
from .edits import ConfirmOutcome, confirm_proposal, drop_pair, replace_pair
from .manual import add_reviewer, remove_reviewer
from .proposals import compute_proposal, enqueue_proposal, request_proposal, run_proposal

__all__ = [
    "AssignmentError",
    "ConfirmOutcome",
    "Refusal",
    "add_reviewer",
    "check_pair",
    "compute_proposal",
    "confirm_proposal",
    "drop_pair",
    "enqueue_proposal",
    "remove_reviewer",
    "replace_pair",
    "request_proposal",
    "run_proposal",
]
