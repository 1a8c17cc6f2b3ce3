"""The change log of a call's scoreboard: one row per change that may move a figure.

``reviews.selectors.scoreboard_cache`` keys the cached scoreboard figures by the number
of rows of the call (and the last id); ``reviews.services.scoreboard_stamp`` inserts a
row, in the transaction of the change, when a review, an assignment, a conflict, a
criterion, a funding source, an application in review (with its partners and
disciplines) or a name shown on the scoreboard changes.

Rows are only ever inserted, and concurrent inserts never wait for each other: a change
never holds a lock that another service could be waiting for (a single row per call,
updated in place, would be locked until commit and could deadlock two services that lock
application rows in different orders). Each commit adds at least one row, so the count
seen by a reader grows with every committed change, whatever the order of the commits.
"""

from django.db import models


class ScoreboardChange(models.Model):
    id = models.BigAutoField(primary_key=True)
    # A plain number, not a foreign key: a row noted while the call itself is being
    # deleted must not fail the deletion; rows of deleted calls are simply never read.
    call_id = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["call_id", "id"], name="reviews_sbchange_call_id")]

    def __str__(self) -> str:
        return f"{self.call_id}#{self.id}"
