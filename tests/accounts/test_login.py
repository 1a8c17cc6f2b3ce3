import pytest
from django.urls import reverse

from aissai.accounts.demo import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users
from aissai.notifications.models import OutboxMessage
from tests.factories.accounts import PASSWORD, UnverifiedUserFactory, UserFactory

from .helpers import messages_of

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def test_login_with_the_email_in_any_case_redirects_to_next(client):
    user = UserFactory(email="ada@example.org")

    response = client.post(
        LOGIN,
        {"username": " ADA@Example.ORG ", "password": PASSWORD, "next": "/accounts/profile/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_with_a_wrong_password_says_so_without_detail(client):
    UserFactory(email="ada@example.org")

    response = client.post(LOGIN, {"username": "ada@example.org", "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The e-mail address or the password is not right. Mind that the password is case-sensitive."
    ]
    assert "_auth_user_id" not in client.session


def test_login_of_an_unknown_address_gets_the_same_error(client):
    response = client.post(LOGIN, {"username": "ghost@example.org", "password": "wrong"})

    assert response.context["form"].non_field_errors() == [
        "The e-mail address or the password is not right. Mind that the password is case-sensitive."
    ]


def test_unverified_person_is_refused_and_offered_a_new_verification_link(client):
    UnverifiedUserFactory(email="late@example.org")

    response = client.post(LOGIN, {"username": "Late@example.org", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].non_field_errors() == [
        "Your e-mail address is not verified yet. Follow the link in the mail we sent you, "
        "or ask for a new one below."
    ]
    html = response.content.decode()
    assert 'id="resend-verification"' in html
    assert 'name="email" value="late@example.org"' in html

    resent = client.post(
        reverse("accounts:resend_verification"), {"email": "late@example.org"}, follow=True
    )
    assert "we have sent it a new link" in messages_of(resent)[0]
    assert OutboxMessage.objects.get().event == "account_verify"


def test_unverified_person_with_a_wrong_password_learns_nothing_more(client):
    UnverifiedUserFactory(email="late@example.org")

    response = client.post(LOGIN, {"username": "late@example.org", "password": "wrong"})

    assert "not verified" not in response.content.decode()
    assert 'id="resend-verification"' not in response.content.decode()


def test_inactive_account_cannot_log_in(client):
    UserFactory(email="gone@example.org", is_active=False)

    response = client.post(LOGIN, {"username": "gone@example.org", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logged_in_person_visiting_login_is_sent_home(client):
    client.force_login(UserFactory())

    assert client.get(LOGIN)["Location"] == reverse("home")


def test_logout_needs_a_post(client):
    client.force_login(UserFactory())

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "_auth_user_id" not in client.session


def test_login_page_shows_the_demo_logins_in_embedded_mode(client, settings):
    settings.PRODUCTION = False

    html = client.get(LOGIN).content.decode()

    assert "Demo accounts" in html
    assert DEMO_PASSWORD in html
    for _key, email, *_rest in DEMO_USERS:
        assert email in html
    assert "Programme staff" in html


def test_login_page_never_shows_the_demo_logins_in_production(client, settings):
    settings.PRODUCTION = True

    response = client.get(LOGIN)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Demo accounts" not in html
    assert DEMO_PASSWORD not in html
    for _key, email, *_rest in DEMO_USERS:
        assert email not in html
    assert response.context["demo_logins"] == []


def test_demo_logins_work(client):
    users = ensure_demo_users()

    for key, email, *_rest in DEMO_USERS:
        client.post(LOGIN, {"username": email, "password": DEMO_PASSWORD})
        assert client.session["_auth_user_id"] == str(users[key].pk), key
        client.post(reverse("accounts:logout"))
