"""Who may do what with outgoing mail."""

import rules
from django.conf import settings


@rules.predicate
def is_programme_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_programme_staff)


@rules.predicate
def dev_mailbox_enabled(user) -> bool:
    """The dev mailbox exists only in embedded mode (never in production), where anyone on the
    machine may read it: a newcomer who just signed up reads the verification mail there."""
    return bool(settings.DEV_MAILBOX and not settings.PRODUCTION)


can_manage_outbox = is_programme_staff
can_read_dev_mailbox = dev_mailbox_enabled

rules.add_perm("notifications.manage_outbox", can_manage_outbox)
rules.add_perm("notifications.read_dev_mailbox", can_read_dev_mailbox)
