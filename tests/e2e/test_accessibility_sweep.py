"""Every page of the site, as a role that reaches it, in English and in French: no
serious or critical axe-core violation, and nothing scrolls sideways at 320 px.

The pages are the authorization matrix's GET rows (tests/security/matrix.py) that answer
an HTML page: each is seen once per language by the first role of ``LOOKERS`` the matrix
lets in, and each of those roles also sees its home page, so every navigation bar is
checked. The world is the matrix's (a call in review with two applications, reviewers in
every state, correspondents, staff). Runs on PostgreSQL only: the embedded run renders
the same templates.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.security.matrix import MATRIX
from tests.security.world import build_world

LOOKERS = (
    "staff",
    "applicant_a",
    "assigned_reviewer",
    "correspondent_involved",
    "partner_lead",
    "superuser",
    "anonymous",
)


def pages_to_sweep(world) -> list[tuple[str, str]]:
    """(role, path) for every GET row some role of ``LOOKERS`` may open, plus each
    role's home page."""
    chosen = [(role, reverse("home")) for role in LOOKERS]
    # The admin's own pages are not in the matrix: one list and one form stand for them.
    chosen += [
        ("superuser", reverse("admin:calls_call_changelist")),
        ("superuser", reverse("admin:calls_call_change", args=[world.call.pk])),
    ]
    for name, row in sorted(MATRIX.items()):
        if row.method != "GET" or name.endswith("_html"):
            continue  # a mail's HTML body is shown in a sandboxed frame, not a page
        role = next((r for r in LOOKERS if row.expect.get(r) == "ok"), None)
        if role is not None:
            chosen.append((role, reverse(name, kwargs=row.kwargs(world))))
    return chosen


def cookies_for(world, role: str, language: str, base_url: str) -> list[dict]:
    cookies = [{"name": django_settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    user = world.users[role]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        cookies.append(
            {"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}
        )
    return cookies


@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_passes_axe_and_fits_320_px(audit, live_server, settings, language):
    settings.AISSAI_REAUTH_SECONDS = 24 * 60 * 60  # exports and decisions open at once
    audit.axe_narrow = True
    world = build_world()
    sessions = {role: cookies_for(world, role, language, live_server.url) for role in LOOKERS}
    swept = 0
    for role, path in pages_to_sweep(world):
        answer = audit.context.request.get(
            live_server.url + path,
            headers={"Cookie": "; ".join(f"{c['name']}={c['value']}" for c in sessions[role])},
            max_redirects=0,
        )
        if (
            answer.status != 200
            or not answer.headers.get("content-type", "").startswith("text/html")
            or "<html" not in answer.text()[:400]
        ):
            continue  # downloads, JSON, redirects, htmx fragments, mail bodies: no page
        audit.check_url(live_server.url + path, sessions[role], state=language, label=role)
        swept += 1
    assert swept >= 60, f"only {swept} pages were swept"
    problems = list(audit.problems)
    assert not problems, f"{len(problems)} problems in {swept} pages:\n" + "\n".join(problems)
