"""Login throttling with django-axes: which account a login targets, and the two locks.

The client's address comes from ``aissai.security.proxy.client_ip`` (the trusted proxy's
``X-Forwarded-For``), so behind the reverse proxy each person has their own address.
"""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import Sum

from .models import User


def login_username(request, credentials: dict | None = None) -> str | None:
    """The account a login attempt targets, normalised like the login itself.

    Without this, ``ADA@example.org`` and ``ada@example.org`` would count as two
    accounts and an attacker could dodge the per-account lockout by changing case.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field) or credentials.get("email")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get(field)
    return User.objects.normalize_email(value) if value else None


class LoginThrottle(AxesDatabaseHandler):
    """Two locks with their own limits (``AXES_LOCKOUT_PARAMETERS`` lists them in order).

    - an account from one address: ``AXES_FAILURE_LIMIT`` failures. The account stays
      open from every other address, so nobody can lock another person out;
    - an address, whatever the accounts tried: ``AXES_ADDRESS_FAILURE_LIMIT`` failures,
      high enough for an office or a campus behind one NAT address.

    Axes compares one failure count with one limit; the count given here reaches the
    limit as soon as either lock applies.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        account_and_address, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(account_and_address, get_failure_limit(request, credentials))
        return account_and_address
