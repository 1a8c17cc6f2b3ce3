"""Who may do what with outgoing mail."""

import ipaddress

import rules
from django.conf import settings


@rules.predicate
def is_programme_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_programme_staff)


@rules.predicate
def dev_mailbox_enabled(user) -> bool:
    """The dev mailbox exists only in embedded mode (never in production), where anyone on the
    machine may read it: a newcomer who just signed up reads the verification mail there.
    The view also checks that the request comes from the machine itself
    (``request_from_this_machine``)."""
    return bool(settings.DEV_MAILBOX and not settings.PRODUCTION)


# Headers a proxy adds: behind one, the loopback REMOTE_ADDR is the proxy, not the reader.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def request_from_this_machine(request) -> bool:
    """The request comes straight from a loopback address, through no proxy."""
    if any(request.META.get(header) for header in PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


can_manage_outbox = is_programme_staff
can_read_dev_mailbox = dev_mailbox_enabled

rules.add_perm("notifications.manage_outbox", can_manage_outbox)
rules.add_perm("notifications.read_dev_mailbox", can_read_dev_mailbox)
