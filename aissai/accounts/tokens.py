"""Signed, expiring, single-use links that prove a person reads their mailbox.

The token carries the user id and a fingerprint of the account's verification state
(address and verification time). Once the address is verified, or changed, the
fingerprint no longer matches, so each link works once.
"""

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import User

VERIFY_SALT = "aissai.accounts.email-verification"
DEFAULT_VERIFY_MAX_AGE = 60 * 60 * 24 * 3


def verify_max_age() -> int:
    """How long a verification link stays valid, in seconds (three days unless configured)."""
    return getattr(settings, "ACCOUNT_VERIFY_MAX_AGE", DEFAULT_VERIFY_MAX_AGE)


def _fingerprint(user: User) -> str:
    verified = user.email_verified_at.isoformat() if user.email_verified_at else ""
    state = f"{user.pk}|{user.email.lower()}|{verified}"
    return salted_hmac(VERIFY_SALT, state, algorithm="sha256").hexdigest()[:32]


def make_verification_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=VERIFY_SALT)


def user_for_verification_token(token: str) -> User | None:
    """The user this token verifies, or None when it is forged, expired or already used."""
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=verify_max_age())
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(payload, dict):
        return None
    user = User.objects.filter(pk=payload.get("u")).first()
    if user is None or user.email_verified_at is not None:
        return None
    if not constant_time_compare(_fingerprint(user), str(payload.get("f", ""))):
        return None
    return user
