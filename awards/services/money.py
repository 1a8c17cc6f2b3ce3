"""Money and settings of the awards of a call: the amount committed to a fellowship
(audited with the amounts before and after) and the call's award settings."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from aissai.audit.services import record_event
from awards.models import AwardSettings, Fellowship
from awards.services.fellowships import CENT, STAFF, S, clean_reason, lock_fellowship, require_role
from calls.models import Call

from .errors import AwardError


def set_committed_amount(
    *, fellowship: Fellowship, by: Any, amount: Decimal, reason: str
) -> Fellowship:
    """Staff change the amount committed to one fellowship, with a reason."""
    reason = clean_reason(reason, required=True, message=_("Give the reason for the new amount."))
    amount = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    with transaction.atomic():
        fellowship = lock_fellowship(fellowship)
        require_role(by, fellowship, STAFF)
        if amount < 0 or amount < fellowship.released_amount:
            raise AwardError(_("The amount cannot be lower than what is already released."))
        if fellowship.state == S.ABANDONED:
            raise AwardError(_("An abandoned fellowship's amount is released; it cannot change."))
        before = fellowship.committed_amount
        fellowship.committed_amount = amount
        fellowship.save(update_fields=["committed_amount", "updated_at"])
        record_event(
            actor=by,
            verb="fellowship.amount_changed",
            target=fellowship,
            data={"from": before, "to": amount, "reason": reason},
        )
    return fellowship


def set_award_settings(*, call: Call, by: Any, recruitment_deadline: date | None) -> AwardSettings:
    if not getattr(by, "is_programme_staff", False):
        raise AwardError(_("Only programme staff can change the award settings."))
    with transaction.atomic():
        settings, _created = AwardSettings.objects.select_for_update().get_or_create(call=call)
        before = settings.recruitment_deadline
        settings.recruitment_deadline = recruitment_deadline
        settings.save()
        record_event(
            actor=by,
            verb="call.award_settings_changed",
            target=call,
            data={"recruitment_deadline": {"from": before, "to": recruitment_deadline}},
        )
    return settings
