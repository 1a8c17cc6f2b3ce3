"""Every change to a person's account: sign-up, verification, profile, password.

Each function is one transaction that writes the change, an audit event and the
mail it causes. Nothing here tells a caller whether an address has an account:
the views show the same message whatever happens.

Nor does the time a public form takes: sign-up, password-reset and new-link requests
are answered before anything looks the address up. ``request_*`` functions do the same
work whatever the address (hash the password, hand the request to a Celery task), and
the task does the lookup and the mail (``aissai.accounts.tasks``).
"""

import logging
from datetime import timedelta

from axes.utils import reset as reset_login_failures
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from aissai.audit.services import record_event
from aissai.notifications.links import register_link, secret_link
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import queue_mail

from .models import User
from .tokens import make_verification_token, verify_max_age

logger = logging.getLogger(__name__)

# The same kind of account mail is not sent to one address more often than this,
# so nobody can flood a mailbox through the public forms.
MAIL_COOLDOWN = timedelta(minutes=2)


def _recently_mailed(*, to_email: str, event: str) -> bool:
    return (
        OutboxMessage.objects.filter(
            to_email__iexact=to_email, event=event, created_at__gte=timezone.now() - MAIL_COOLDOWN
        )
        .exclude(status=OutboxStatus.DISCARDED)
        .exists()
    )


def absolute_url(path: str) -> str:
    """Links in mails use the configured site address, never the request's Host header."""
    return f"{settings.SITE_URL}{path}"


def verification_url(user: User) -> str:
    return absolute_url(reverse("accounts:verify_email", args=[make_verification_token(user)]))


def _link_for_user(make_url):
    def resolve(ref: str) -> str | None:
        user = User.objects.filter(pk=ref).first()
        return make_url(user) if user is not None else None

    return resolve


def register_secret_links() -> None:
    """The account links, made when the mail is sent (aissai.notifications.links)."""
    register_link("account_verify", _link_for_user(verification_url))
    register_link("password_reset", _link_for_user(password_reset_url))


def send_verification(*, user: User) -> OutboxMessage | None:
    """Queue the verification mail, unless the address is verified or was mailed just now."""
    if user.email_verified_at is not None:
        return None
    if _recently_mailed(to_email=user.email, event="account_verify"):
        return None
    return queue_mail(
        event="account_verify",
        to_email=user.email,
        to_name=user.full_name,
        language=user.language,
        context={
            "verify_url": secret_link("account_verify", user.pk),
            "valid_days": verify_max_age() // 86400,
        },
        recipient=user,
        related=user,
    )


def _warn_existing_account(*, user: User) -> OutboxMessage | None:
    """Someone signed up with an address that has an account: tell its owner, nobody else."""
    if _recently_mailed(to_email=user.email, event="account_exists"):
        return None
    record_event(actor=None, verb="accounts.signup_with_existing_address", target=user)
    context = {
        "login_url": absolute_url(reverse("accounts:login")),
        "password_reset_url": absolute_url(reverse("accounts:password_reset")),
        "verify_url": secret_link("account_verify", user.pk)
        if user.email_verified_at is None
        else "",
        "valid_days": verify_max_age() // 86400,
    }
    return queue_mail(
        event="account_exists",
        to_email=user.email,
        to_name=user.full_name,
        language=user.language,
        context=context,
        recipient=user,
        related=user,
    )


def _later(task, **kwargs) -> None:
    """Hand a public form's request to a worker. If the broker cannot take it, do the
    work now: the request is answered late rather than lost."""
    try:
        task.delay(**kwargs)
    except Exception as exc:  # noqa: BLE001 - any broker failure
        logger.warning("%s not queued (%s); done in the request.", task.name, exc)
        task.run(**kwargs)


def request_sign_up(*, email: str, full_name: str, language: str, password: str) -> None:
    """Answer a sign-up form: the same work for a new and a known address."""
    from . import tasks

    _later(
        tasks.sign_up,
        email=User.objects.normalize_email(email),
        full_name=full_name,
        language=language,
        password_hash=make_password(password),
    )


def request_password_reset(*, email: str) -> None:
    """Answer the forgotten-password form: the same work whatever the address."""
    from . import tasks

    _later(tasks.mail_password_reset, email=User.objects.normalize_email(email))


def request_verification(*, email: str) -> None:
    """Answer the new-verification-link form: the same work whatever the address."""
    from . import tasks

    _later(tasks.resend_verification, email=User.objects.normalize_email(email))


@transaction.atomic
def sign_up(*, email: str, full_name: str, language: str, password_hash: str) -> User | None:
    """Create an unverified account and mail its verification link.

    Returns the new user, or None when the address already had an account (its owner is
    mailed instead). ``password_hash`` was made when the form was answered.
    """
    email = User.objects.normalize_email(email)
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create(
                    email=email,
                    full_name=full_name.strip(),
                    language=language,
                    password=password_hash,
                    email_verified_at=None,
                )
        except IntegrityError:  # the same address was signed up at the same moment
            existing = User.objects.filter(email__iexact=email).first()
        else:
            record_event(
                actor=None, verb="accounts.signed_up", target=user, data={"language": language}
            )
            send_verification(user=user)
            return user
    if existing is not None:
        _warn_existing_account(user=existing)
    return None


@transaction.atomic
def resend_verification(*, email: str) -> None:
    """Send a fresh link to an account still waiting for verification; otherwise nothing."""
    user = User.objects.filter(email__iexact=User.objects.normalize_email(email)).first()
    if user is None or user.email_verified_at is not None:
        return
    if send_verification(user=user) is not None:
        record_event(actor=None, verb="accounts.verification_resent", target=user)


@transaction.atomic
def verify_email(*, user: User) -> bool:
    """Mark the address verified. False when it already was (the link was used)."""
    now = timezone.now()
    updated = User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(
        email_verified_at=now
    )
    if not updated:
        return False
    user.email_verified_at = now
    record_event(actor=user, verb="accounts.email_verified", target=user)
    return True


@transaction.atomic
def update_profile(*, user: User, full_name: str, language: str, orcid: str) -> list[str]:
    """Save what changed on the profile and return the names of the changed fields."""
    values = {"full_name": full_name.strip(), "language": language, "orcid": orcid}
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(user, name, values[name])
    user.save(update_fields=changed)
    record_event(actor=user, verb="accounts.profile_updated", target=user, data={"fields": changed})
    return changed


@transaction.atomic
def set_preferred_language(*, user: User, language: str) -> bool:
    """The language switcher's choice becomes the person's language for pages and mails."""
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return False
    previous = user.language
    user.language = language
    user.save(update_fields=["language"])
    record_event(
        actor=user,
        verb="accounts.language_changed",
        target=user,
        data={"from": previous, "to": language},
    )
    return True


@transaction.atomic
def set_password(*, user: User, password: str, by_reset: bool) -> None:
    """Change the password, by the logged-in person or through a reset link.

    Following a reset link proves the person reads the mailbox, so it also verifies an
    unverified address, and it lifts a lockout on the account.
    """
    user.set_password(password)
    fields = ["password"]
    if by_reset and user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        fields.append("email_verified_at")
    user.save(update_fields=fields)
    record_event(
        actor=user,
        verb="accounts.password_reset" if by_reset else "accounts.password_changed",
        target=user,
    )
    if by_reset:
        reset_login_failures(username=user.email)


def password_reset_url(user: User) -> str:
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path)


def mail_password_reset(*, email: str) -> int:
    """Mail a reset link to the active account with this address and a usable password,
    as Django's reset form does; nothing when there is none. Returns the mails queued."""
    users = User.objects.filter(email__iexact=User.objects.normalize_email(email), is_active=True)
    queued = 0
    for user in users:
        # The link itself is made when the mail is sent (aissai.notifications.links).
        if user.has_usable_password() and send_password_reset(user=user):
            queued += 1
    return queued


@transaction.atomic
def send_password_reset(*, user: User) -> OutboxMessage | None:
    if _recently_mailed(to_email=user.email, event="password_reset"):
        return None
    record_event(actor=None, verb="accounts.password_reset_requested", target=user)
    return queue_mail(
        event="password_reset",
        to_email=user.email,
        to_name=user.full_name,
        language=user.language,
        context={
            "reset_url": secret_link("password_reset", user.pk),
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        },
        recipient=user,
        related=user,
    )


def create_programme_manager(*, email: str, full_name: str, password: str | None) -> User:
    """The first programme manager of a new site, or an existing account made one: a
    superuser (the admin, reference data) who is also programme staff (the calls).

    A new account needs a password that passes the site's password rules; an existing
    account keeps its password unless one is given. The address counts as verified:
    the person running the command on the server vouches for it.
    """
    from django.contrib.auth.password_validation import validate_password

    email = User.objects.normalize_email(email)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User(email=email, full_name=full_name)
        elif full_name:
            user.full_name = full_name
        if created and not password:
            raise ValueError("A new programme manager needs a password.")
        if password:
            validate_password(password, user)
            user.set_password(password)
        user.is_active = True
        user.is_staff = user.is_superuser = user.is_programme_staff = True
        user.email_verified_at = user.email_verified_at or timezone.now()
        user.full_clean(exclude=["password"])
        user.save()
        record_event(
            actor=None,
            verb="accounts.programme_manager_created"
            if created
            else "accounts.programme_manager_granted",
            target=user,
            data={"email": user.email},
        )
    return user
