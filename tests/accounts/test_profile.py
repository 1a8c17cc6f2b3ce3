import pytest
from django.conf import settings
from django.urls import reverse

from aissai.audit.models import AuditEvent
from tests.factories.accounts import UserFactory

from .helpers import elements, html_lang, messages_of

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")


def post_profile(client, **overrides):
    data = {"full_name": "Ada King", "language": "en", "orcid": "", **overrides}
    return client.post(PROFILE, data, follow=True)


def test_profile_shows_the_email_read_only(client):
    client.force_login(UserFactory(email="ada@example.org"))

    response = client.get(PROFILE)

    email_inputs = [
        attrs for tag, attrs in elements(response.content) if attrs.get("name") == "email"
    ]
    assert len(email_inputs) == 1
    assert email_inputs[0]["value"] == "ada@example.org"
    assert "disabled" in email_inputs[0]


def test_profile_saves_name_and_orcid_but_never_the_email(client):
    user = UserFactory(email="ada@example.org", full_name="Ada Lovelace")
    client.force_login(user)

    response = post_profile(
        client, full_name="  Ada King  ", orcid="0000-0002-1825-0097", email="evil@example.org"
    )

    assert response.redirect_chain == [(PROFILE, 302)]
    assert messages_of(response) == ["Your profile is saved."]
    user.refresh_from_db()
    assert (user.email, user.full_name, user.orcid) == (
        "ada@example.org",
        "Ada King",
        "0000-0002-1825-0097",
    )
    event = AuditEvent.objects.get(verb="accounts.profile_updated")
    assert event.actor == user
    assert event.data == {"fields": ["full_name", "orcid"]}


def test_profile_accepts_an_orcid_link_and_normalises_it(client):
    user = UserFactory()
    client.force_login(user)

    post_profile(client, orcid="https://orcid.org/0000-0002-1694-233x")

    user.refresh_from_db()
    assert user.orcid == "0000-0002-1694-233X"


@pytest.mark.parametrize(
    ("orcid", "error"),
    [
        ("0000-0002-1825-0098", "its check digit does not match"),
        ("0000-0002-1825", "Enter an ORCID iD in the form 0000-0002-1825-0097."),
        ("ABCD-0002-1825-0097", "Enter an ORCID iD in the form 0000-0002-1825-0097."),
    ],
)
def test_profile_with_a_bad_orcid_explains_and_saves_nothing(client, orcid, error):
    user = UserFactory(full_name="Ada Lovelace", orcid="0000-0001-5109-3700")
    client.force_login(user)

    response = post_profile(client, full_name="Ada King", orcid=orcid)

    assert response.status_code == 200
    assert any(error in message for message in response.context["form"].errors["orcid"])
    html = response.content.decode()
    assert 'aria-describedby="id_orcid_helptext id_orcid_error"' in html
    assert 'id="id_orcid_error" class="invalid-feedback"' in html
    user.refresh_from_db()
    assert (user.full_name, user.orcid) == ("Ada Lovelace", "0000-0001-5109-3700")
    assert not AuditEvent.objects.filter(verb="accounts.profile_updated").exists()


def test_profile_can_clear_the_orcid(client):
    user = UserFactory(orcid="0000-0001-5109-3700")
    client.force_login(user)

    post_profile(client, full_name=user.full_name, orcid="")

    user.refresh_from_db()
    assert user.orcid == ""


def test_changing_the_language_in_the_profile_switches_the_interface(client):
    user = UserFactory(language="en")
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # an earlier explicit choice

    response = post_profile(client, full_name=user.full_name, language="fr")

    user.refresh_from_db()
    assert user.language == "fr"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert html_lang(response) == "fr"
    assert html_lang(client.get(reverse("home"))) == "fr"


def test_saving_an_unchanged_profile_writes_no_event(client):
    user = UserFactory(full_name="Ada King", language="en")
    client.force_login(user)

    response = post_profile(client)

    assert messages_of(response) == ["Your profile is saved."]
    assert not AuditEvent.objects.filter(verb="accounts.profile_updated").exists()
