"""Re-authentication in tests (``aissai.security.reauth.require_recent_login``).

Importing this plugin connects the login receiver, so a client logged in with
``client.force_login(user)`` counts as recently authenticated, like a real login. To
test the password prompt, make the login old with ``stale_login(client)``; to refresh
it without a request, ``recent_login(client)``.
"""

import time

import pytest
from django.conf import settings

from aissai.security import reauth


def set_authenticated_at(client, moment: float) -> None:
    session = client.session
    session[reauth.SESSION_KEY] = int(moment)
    session.save()


def mark_recently_authenticated(client) -> None:
    set_authenticated_at(client, time.time())


def make_login_stale(client) -> None:
    set_authenticated_at(client, time.time() - settings.AISSAI_REAUTH_SECONDS - 60)


@pytest.fixture
def recent_login():
    return mark_recently_authenticated


@pytest.fixture
def stale_login():
    return make_login_stale
