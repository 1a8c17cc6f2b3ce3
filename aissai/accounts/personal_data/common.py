"""Shared helpers of the personal-data package and of the holders apps register."""

from django.db.models import Q

PLACEHOLDER_NAME = "Anonymised person"
PLACEHOLDER_DOMAIN = "anonymised.invalid"  # .invalid is reserved (RFC 2606): never delivered


def by_email(field_name: str, email: str) -> Q:
    return Q(**{f"{field_name}__iexact": email})


def placeholder_email(token: str, kind: str = "") -> str:
    return f"anonymised-{kind}{token}@{PLACEHOLDER_DOMAIN}"
