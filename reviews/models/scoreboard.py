"""The stamp of a call's scoreboard: a token that changes whenever a figure may change.

``reviews.selectors.scoreboard_cache`` keys the cached scoreboard figures by this token;
``reviews.services.scoreboard_stamp`` renews it, in the transaction of the change, when
a review, an assignment, a conflict, a criterion, a funding source or an application in
review (with its partners and disciplines) is saved or deleted. One row per call.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from calls.models import Call


class ScoreboardStamp(models.Model):
    call = models.OneToOneField(
        Call, on_delete=models.CASCADE, primary_key=True, related_name="scoreboard_stamp"
    )
    token = models.CharField(_("token"), max_length=32)

    class Meta:
        verbose_name = _("scoreboard stamp")
        verbose_name_plural = _("scoreboard stamps")

    def __str__(self) -> str:
        return f"{self.call_id}:{self.token}"
