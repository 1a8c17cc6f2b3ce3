"""What awards do when the selection writes a funding decision (``reviews`` never imports
``awards``: the receiver is connected from ``AwardsConfig.ready``).

A new current *funded* decision opens the project's fellowship; a new current decision
that is not funded (a decline, a place taken back) abandons the fellowship still being
recruited. Both run inside the transaction that writes the decision.
"""

from django.db.models.signals import post_save

from reviews.models import FundingDecision

from . import fellowships

DISPATCH_UID = "awards.fellowship_from_decision"


def on_decision_saved(sender, instance: FundingDecision, created: bool, raw=False, **kwargs):
    if raw or not created or not instance.is_current:
        return
    fellowships.open_fellowship(decision=instance, by=instance.decided_by)
    fellowships.close_for_decision(decision=instance)


def connect_signals() -> None:
    post_save.connect(on_decision_saved, sender=FundingDecision, dispatch_uid=DISPATCH_UID)
