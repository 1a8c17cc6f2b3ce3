"""Every form field has a label; every error is tied to its field."""

import pytest
from django.urls import reverse

from tests.factories.accounts import UserFactory

from .helpers import elements

pytestmark = pytest.mark.django_db

FIELD_TAGS = {"input", "select", "textarea"}
NOT_FIELDS = {"hidden", "submit", "button"}


def assert_every_field_labelled(html: bytes) -> int:
    tags = elements(html)
    labelled = {attrs.get("for") for tag, attrs in tags if tag == "label"}
    fields = [
        attrs
        for tag, attrs in tags
        if tag in FIELD_TAGS and attrs.get("type", "text") not in NOT_FIELDS
    ]
    for attrs in fields:
        assert attrs.get("id") in labelled, f"no label for {attrs}"
    return len(fields)


def assert_errors_tied_to_fields(html: bytes, names: list[str]) -> None:
    tags = elements(html)
    feedback_ids = {
        attrs["id"]
        for _tag, attrs in tags
        if "invalid-feedback" in attrs.get("class", "").split() and "id" in attrs
    }
    by_name = {attrs.get("name"): attrs for tag, attrs in tags if tag in FIELD_TAGS}
    for name in names:
        attrs = by_name[name]
        assert attrs.get("aria-invalid") == "true", name
        described_by = set(attrs.get("aria-describedby", "").split())
        assert described_by & feedback_ids, f"{name}: error not referenced by aria-describedby"


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("accounts:login", 3),
        ("accounts:signup", 6),
        ("accounts:resend_verification", 2),
        ("accounts:password_reset", 2),
    ],
)
def test_public_forms_label_every_field(client, name, fields):
    # The footer's language switcher is one of the fields counted.
    assert assert_every_field_labelled(client.get(reverse(name)).content) == fields


@pytest.mark.parametrize(
    ("name", "fields"), [("accounts:profile", 5), ("accounts:password_change", 4)]
)
def test_personal_forms_label_every_field(client, name, fields):
    client.force_login(UserFactory())

    assert assert_every_field_labelled(client.get(reverse(name)).content) == fields


def test_signup_errors_are_tied_to_their_fields(client):
    response = client.post(
        reverse("accounts:signup"),
        {"full_name": "", "email": "nope", "language": "en", "password1": "a", "password2": "b"},
    )

    assert_every_field_labelled(response.content)
    assert_errors_tied_to_fields(response.content, ["full_name", "email", "password2"])


def test_password_change_errors_are_tied_to_their_fields(client):
    client.force_login(UserFactory())

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )

    assert_errors_tied_to_fields(response.content, ["old_password", "new_password2"])
