"""Login throttling helpers for django-axes."""

from django.conf import settings

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
