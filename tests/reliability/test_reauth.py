"""Re-authentication before sensitive actions: a login older than AISSAI_REAUTH_SECONDS
sends the person to the password page, then back; failures are throttled like logins."""

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.security import reauth
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

MY_DATA = reverse("accounts:my_data")
DOWNLOAD = reverse("accounts:my_data_download")
REAUTH = reverse("accounts:reauth")


@pytest.fixture
def person(client):
    user = UserFactory(email="ada@example.org")
    client.force_login(user)
    return user


def test_a_fresh_login_counts_as_recent(client, person):
    response = client.get(MY_DATA)

    assert response.status_code == 200
    assert isinstance(client.session[reauth.SESSION_KEY], int)


def test_a_real_login_stamps_the_session(client):
    UserFactory(email="bob@example.org")
    client.post(reverse("accounts:login"), {"username": "bob@example.org", "password": PASSWORD})

    assert client.get(MY_DATA).status_code == 200


def test_an_old_login_is_sent_to_the_password_page_then_back(client, person, stale_login):
    stale_login(client)

    response = client.get(MY_DATA + "?tab=1")

    assert response.status_code == 302
    assert response["Location"] == f"{REAUTH}?next=%2Faccounts%2Fmy-data%2F%3Ftab%3D1"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Confirm your password" in page.content.decode()
    assert 'name="next" value="/accounts/my-data/?tab=1"' in page.content.decode()

    old_key = client.session.session_key
    done = client.post(REAUTH, {"password": PASSWORD, "next": "/accounts/my-data/?tab=1"})

    assert done.status_code == 302 and done["Location"] == "/accounts/my-data/?tab=1"
    assert client.session.session_key != old_key
    assert client.get(MY_DATA).status_code == 200
    event = AuditEvent.objects.get(verb="accounts.reauthenticated")
    assert (event.actor, event.target_id) == (person, str(person.pk))


def test_a_wrong_password_is_refused_and_counted(client, person, stale_login):
    stale_login(client)

    response = client.post(REAUTH, {"password": "not it", "next": MY_DATA})

    assert response.status_code == 200
    assert "This password is not right." in response.content.decode()
    assert AccessAttempt.objects.get(username="ada@example.org").failures_since_start == 1
    assert client.get(MY_DATA).status_code == 302
    assert not AuditEvent.objects.filter(verb="accounts.reauthenticated").exists()


def test_repeated_wrong_passwords_lock_out_like_the_login(client, person, stale_login, settings):
    settings.AXES_FAILURE_LIMIT = 3
    stale_login(client)
    statuses = [
        client.post(REAUTH, {"password": f"guess {i}", "next": MY_DATA}).status_code
        for i in range(3)
    ]

    locked = client.post(REAUTH, {"password": PASSWORD, "next": MY_DATA})

    assert statuses == [200, 200, 429]
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert client.get(MY_DATA).status_code == 302


def test_a_stale_post_shows_the_password_page_and_does_nothing(client, person, stale_login):
    stale_login(client)

    response = client.post(DOWNLOAD, HTTP_REFERER="http://testserver/accounts/my-data/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "What you sent was not carried out" in page
    assert 'name="next" value="/accounts/my-data/"' in page
    assert "Content-Disposition" not in response
    assert not AuditEvent.objects.filter(verb="accounts.personal_data_exported").exists()


def test_a_stale_htmx_post_is_redirected_by_htmx(client, person, stale_login):
    stale_login(client)

    response = client.post(
        DOWNLOAD,
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/accounts/my-data/",
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{REAUTH}?next=%2Faccounts%2Fmy-data%2F"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_next_never_leaves_the_site(client, person, next_url):
    response = client.post(REAUTH, {"password": PASSWORD, "next": next_url})

    assert response.status_code == 302 and response["Location"] == "/"


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(MY_DATA)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(REAUTH).status_code == 302


def test_max_age_is_a_parameter(person):
    @reauth.require_recent_login(max_age_seconds=30)
    def view(request):
        return HttpResponse("ran")

    request = RequestFactory().get("/sensitive/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = person
    request.session[reauth.SESSION_KEY] = int(reauth.time.time()) - 20
    assert view(request).content == b"ran"

    request.session[reauth.SESSION_KEY] = int(reauth.time.time()) - 40
    response = view(request)
    assert response.status_code == 302
    assert response["Location"] == f"{REAUTH}?next=%2Fsensitive%2F"
    assert view.requires_recent_login is True
