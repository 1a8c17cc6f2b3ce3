"""Every named URL of the site, visited as every role, answers what ``matrix.py`` says.

The world (``tests.security.world``) is built once for the module inside a transaction
rolled back at the end; each test runs in a savepoint of it, so a POST that changes
something is undone before the next request.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.matrix import BUGS, MATRIX, VARIANTS, Row
from tests.security.state import FORBIDDEN_POST_STATE
from tests.security.world import ROLES, build_world

# Routes that are not pages of the site: the admin's own views (its index stays in the
# matrix) and what only runs with DEBUG.
SKIPPED_NAMESPACES = ("admin:",)
KEPT = {"admin:index"}
DEBUG_ONLY = {"static", "serve", "djdt"}


def url_names(resolver=None, namespace: str = "") -> set[str]:
    """Every ``namespace:name`` the URL configuration reaches, walking nested includes."""
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return {
        name
        for name in names
        if (name in KEPT or not name.startswith(SKIPPED_NAMESPACES))
        and name.split(":")[0] not in DEBUG_ONLY
        and name not in DEBUG_ONLY
    }


def all_rows() -> dict[str, tuple[str, Row]]:
    rows = {name: (name, row) for name, row in MATRIX.items()}
    rows.update(VARIANTS)
    return rows


def cases():
    for key, (_name, _row) in all_rows().items():
        for role in ROLES:
            marks = []
            if (key, role) in BUGS:
                marks.append(pytest.mark.xfail(strict=True, reason=f"BUG: {BUGS[key, role]}"))
            yield pytest.param(key, role, marks=marks, id=f"{key}-{role}")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("matrix-uploads")
    with (
        override_settings(
            MEDIA_ROOT=media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            # Each role signs in once for the whole module (below): exports and decisions
            # must not ask a session of a few minutes for the password again.
            AISSAI_REAUTH_SECONDS=24 * 60 * 60,
            # The embedded mode's dev mailbox, whatever database this run uses.
            DEV_MAILBOX=True,
            STORAGES={
                **django_settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ),
        django_db_blocker.unblock(),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            for role, user in world.users.items():
                if user is not None:
                    client = Client()
                    client.force_login(user)
                    world.sessions[role] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def _fast_and_isolated():
    """The module's world keeps its own upload folder (set in ``world``) for every test."""


def classify(response) -> str:
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        to_login = location.startswith((reverse("accounts:login"), reverse("admin:login")))
        return "login" if to_login else "ok"
    if 200 <= status < 300:
        return "ok"
    return str(status)


def client_for(world, role: str) -> Client:
    """A client signed in as ``role`` (the session opened once for the module)."""
    client = Client()
    if role in world.sessions:
        client.cookies[django_settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def request(client: Client, name: str, row: Row, world, method: str):
    url = reverse(name, kwargs=row.kwargs(world))
    try:
        response = client.post(url, row.data(world)) if method == "POST" else client.get(url)
    except Exception as exc:  # a crash is an outcome of the matrix, not a test error
        return f"500 ({type(exc).__name__}: {exc})", None
    return classify(response), response


def test_every_url_name_has_a_row():
    """A new URL without a row in the matrix fails here; so does a row for a removed URL."""
    resolved = url_names()
    assert sorted(resolved - set(MATRIX)) == [], "URL names missing from tests/security/matrix.py"
    assert sorted(set(MATRIX) - resolved) == [], "rows for URL names that no longer exist"
    for key, (name, _row) in VARIANTS.items():
        assert name in MATRIX, key


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "role"), list(cases()))
def test_matrix(world, key, role):
    name, row = all_rows()[key]
    client = client_for(world, role)
    snapshot = FORBIDDEN_POST_STATE.get(name)
    before = snapshot(world) if snapshot else None
    outcome, _response = request(client, name, row, world, row.method)
    expected = row.expect[role]
    assert outcome == expected, f"{row.method} {name} as {role}: {outcome}, expected {expected}"
    if snapshot and expected != "ok":
        assert snapshot(world) == before, f"{name} as {role} changed state"


POST_ONLY = [name for name, row in MATRIX.items() if row.method == "POST"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_ONLY)
def test_post_only_views_refuse_get(world, name):
    """Programme staff (who reach every staff view) get 405 from a GET on a POST-only view;
    people for whom the thing is hidden still get their 404 (tested in the matrix)."""
    row = MATRIX[name]
    allowed = [role for role in ROLES if row.expect[role] in ("ok", "400")]
    role = "staff" if "staff" in allowed else allowed[0] if allowed else "staff"
    client = client_for(world, role)
    outcome, _ = request(client, name, row, world, "GET")
    expected = "405" if row.expect[role] in ("ok", "400") else row.expect[role]
    assert outcome == expected, f"GET {name} as {role}: {outcome}"


DEV_MAILBOX = [name for name in MATRIX if name.startswith("notifications:dev_mailbox")]


@pytest.mark.django_db
@pytest.mark.parametrize("name", DEV_MAILBOX)
def test_dev_mailbox_does_not_exist_in_production(world, name, settings):
    """The dev mailbox is public in embedded mode only; with real mail it answers 404."""
    settings.DEV_MAILBOX = False
    row = MATRIX[name]
    seen = {}
    for role in ROLES:
        client = client_for(world, role)
        seen[role] = request(client, name, row, world, row.method)[0]
    assert seen == dict.fromkeys(ROLES, "404")
