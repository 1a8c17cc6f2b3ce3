import pytest
from django.conf import settings
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from tests.factories.accounts import PASSWORD, UserFactory

from .helpers import html_lang

pytestmark = pytest.mark.django_db

SET_LANGUAGE = reverse("set_language")


def test_anonymous_switch_sets_the_language_for_the_next_requests(client):
    response = client.post(SET_LANGUAGE, {"language": "fr", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert html_lang(client.get(reverse("accounts:login"))) == "fr"
    assert html_lang(client.get(reverse("home"))) == "fr"


def test_logged_in_switch_is_saved_on_the_account_so_mails_follow(client):
    user = UserFactory(language="en")
    client.force_login(user)

    client.post(SET_LANGUAGE, {"language": "fr", "next": "/accounts/profile/"})

    user.refresh_from_db()
    assert user.language == "fr"
    assert html_lang(client.get(reverse("accounts:profile"))) == "fr"
    event = AuditEvent.objects.get(verb="accounts.language_changed")
    assert (event.actor, event.data) == (user, {"from": "en", "to": "fr"})


def test_switch_to_an_unknown_language_changes_nothing(client):
    user = UserFactory(language="en")
    client.force_login(user)

    client.post(SET_LANGUAGE, {"language": "de", "next": "/"})

    user.refresh_from_db()
    assert user.language == "en"
    assert html_lang(client.get(reverse("home"))) == "en"
    assert not AuditEvent.objects.filter(verb="accounts.language_changed").exists()


def test_get_on_the_switch_changes_nothing(client):
    user = UserFactory(language="en")
    client.force_login(user)

    response = client.get(SET_LANGUAGE, {"language": "fr"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"


def test_a_person_s_language_applies_after_login_on_a_fresh_browser(client):
    UserFactory(email="marie@example.org", language="fr")

    client.post(reverse("accounts:login"), {"username": "marie@example.org", "password": PASSWORD})

    assert html_lang(client.get(reverse("home"))) == "fr"


def test_mails_follow_the_language_chosen_with_the_switch(client):
    user = UserFactory(email="ada@example.org", language="en")
    client.force_login(user)
    client.post(SET_LANGUAGE, {"language": "fr", "next": "/"})
    client.post(reverse("accounts:logout"))

    client.post(reverse("accounts:password_reset"), {"email": "ada@example.org"})

    assert OutboxMessage.objects.get(event="password_reset").language == "fr"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_switcher_names_each_language_in_that_language(client, language):
    """A French reader lost on an English page looks for « Français », not "French"."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("home")).content.decode()
    assert '<option value="en" lang="en"' in html
    assert 'lang="en">English</option>' in html.replace(" selected", "")
    assert 'lang="fr">Français</option>' in html.replace(" selected", "")
