"""A second factor: time-based one-time codes (django-otp's TOTP device) and recovery
codes (its static device), for every person who wants them, and required for the people
who see everything (programme staff, admin access, superusers) when
``AISSAI_REQUIRE_SECOND_FACTOR`` is on (the default in production mode).

How it runs:

- at each login, ``note_pending_second_factor`` writes in the session what the person
  still has to do: type a code (they have a device) or set one up (it is required);
- ``SecondFactorMiddleware`` sends a signed-in person with something pending to that
  page, whatever they asked for (the Django admin included), until it is done;
- the writes (confirming a device with its recovery codes, a code checked against the
  person's devices, an administrator's reset) are the service functions below, each one
  transaction with its audit event.

In the embedded mode the demo accounts never need it, so that ``make run`` stays two
commands.
"""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from aissai.audit.services import record_event

from .demo import DEMO_USERS
from .models import User

PENDING_KEY = "aissai_second_factor"
SETUP_KEY = "aissai_totp_key"
VERIFY, SETUP = "verify", "setup"
RECOVERY_CODES = 10
DEVICE_NAME = "authenticator"


class SecondFactorRefused(Exception):
    """The code is not right (wrong, already used, or too many tries just now)."""


# Who needs what.


def requires_second_factor(user: User) -> bool:
    if not settings.AISSAI_REQUIRE_SECOND_FACTOR:
        return False
    if not (user.is_programme_staff or user.is_staff or user.is_superuser):
        return False
    demo_emails = {email for _key, email, *_rest in DEMO_USERS}
    return settings.PRODUCTION or user.email not in demo_emails


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@receiver(user_logged_in, dispatch_uid="aissai.accounts.second_factor.pending")
def note_pending_second_factor(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if DEVICE_ID_SESSION_KEY in request.session:  # a login again in a verified session
        return
    if has_second_factor(user):
        request.session[PENDING_KEY] = VERIFY
    elif requires_second_factor(user):
        request.session[PENDING_KEY] = SETUP
    else:
        request.session.pop(PENDING_KEY, None)


def pending(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    step = session.get(PENDING_KEY) if session is not None else None
    user = getattr(request, "user", None)
    if not step or user is None or not user.is_authenticated or user.is_verified():
        return None
    return step


class SecondFactorMiddleware:
    """After django-otp's middleware: nothing but the second-factor pages (and logging out,
    the language switch, static files) until the pending step is done."""

    OPEN = ("accounts:two_factor_setup", "accounts:two_factor_verify", "accounts:logout")
    OPEN_ANYWAY = ("set_language", "healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        step = pending(request)
        if step and not self._open(request.path):
            name = "accounts:two_factor_verify" if step == VERIFY else "accounts:two_factor_setup"
            return HttpResponseRedirect(
                f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)

    def _open(self, path: str) -> bool:
        if path.startswith(settings.STATIC_URL):
            return True
        return path in {reverse(name) for name in self.OPEN + self.OPEN_ANYWAY}


# Setting up: a key kept in the session until the first code proves the app has it.


def setup_key(session) -> str:
    key = session.get(SETUP_KEY)
    if not key:
        key = random_hex(20)
        session[SETUP_KEY] = key
    return key


def unsaved_device(user: User, key: str) -> TOTPDevice:
    return TOTPDevice(user=user, key=key, name=DEVICE_NAME)


def qr_code_svg(user: User, key: str) -> str:
    """The otpauth:// address as an inline SVG QR code (no image file, no network)."""
    return segno.make(unsaved_device(user, key).config_url, error="m").svg_inline(
        scale=5, border=2, svgclass="two-factor-qr", title=gettext("QR code for your app")
    )


def readable_key(key: str) -> str:
    """The key as authenticator apps ask for it when typed: base32, in groups of four."""
    text = b32encode(bytes.fromhex(key)).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def confirm_second_factor(*, user: User, key: str, code: str) -> list[str]:
    """Save the authenticator once ``code`` shows the app has ``key``, replacing any
    previous one, and make new recovery codes. Returns the recovery codes (shown once)."""
    device = unsaved_device(user, key)
    device.confirmed = False
    device.save()
    if not device.verify_token(normalise_code(code)):
        raise SecondFactorRefused  # the unconfirmed device goes with the rollback
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    record_event(actor=user, verb="accounts.second_factor_set_up", target=user)
    return codes


@transaction.atomic
def check_second_factor(*, user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts ``code``: a code from the app (each one once) or a recovery
    code (used up); None when none does (the failure counts towards django-otp's delay
    before the next try). Rows are locked, so a code cannot be used twice at once."""
    code = normalise_code(code)
    for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
        if code.isdigit() and device.verify_token(code):
            return device
    for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
        if device.verify_token(code):
            left = device.token_set.count()
            record_event(
                actor=user,
                verb="accounts.recovery_code_used",
                target=user,
                data={"codes_left": left},
            )
            return device
    return None


@transaction.atomic
def reset_second_factor(*, user: User, by: User) -> bool:
    """An administrator removes a lost authenticator and its recovery codes; the person sets
    up a new one at their next login. False when there was nothing to remove."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    removed_static, _ = StaticDevice.objects.filter(user=user).delete()
    if not (removed or removed_static):
        return False
    record_event(actor=by, verb="accounts.second_factor_reset", target=user)
    return True
