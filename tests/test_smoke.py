import pytest
from django.urls import reverse

from tests.factories.accounts import PASSWORD, UserFactory


@pytest.mark.django_db
def test_home_page_is_public(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"AISSAI research funding calls" in response.content


@pytest.mark.django_db
def test_login_with_email_in_any_case(client):
    user = UserFactory(email="ada@example.org")
    response = client.post(
        reverse("accounts:login"), {"username": "ADA@Example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == user
