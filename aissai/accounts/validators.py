"""ORCID iD validation (ISO 7064 MOD 11-2 check digit)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ORCID_RE = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def orcid_check_digit(base_digits: str) -> str:
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def validate_orcid(value: str) -> None:
    if not ORCID_RE.match(value or ""):
        raise ValidationError(
            _("Enter an ORCID iD in the form 0000-0002-1825-0097."), code="orcid_format"
        )
    digits = value.replace("-", "")
    if orcid_check_digit(digits[:-1]) != digits[-1]:
        raise ValidationError(
            _("This ORCID iD is not valid: its check digit does not match."), code="orcid_checksum"
        )
