import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aissai.accounts.models import User
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW = "a completely new passphrase"


def test_admin_creates_an_account_with_a_normalised_email(client):
    client.force_login(SuperuserFactory())

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": " New.Person@Example.org ",
            "full_name": "New Person",
            "password1": NEW,
            "password2": NEW,
            "usable_password": "true",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(full_name="New Person")
    assert user.email == "new.person@example.org"
    assert user.check_password(NEW)


def test_admin_gives_the_programme_staff_role(client):
    admin = SuperuserFactory()
    person = UserFactory(email="pm@example.org")
    client.force_login(admin)
    change_url = reverse("admin:accounts_user_change", args=[person.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "email": person.email,
            "full_name": person.full_name,
            "language": "en",
            "orcid": "",
            "is_active": "on",
            "is_programme_staff": "on",
            "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
            "email_verified_at_0": person.email_verified_at.strftime("%Y-%m-%d"),
            "email_verified_at_1": person.email_verified_at.strftime("%H:%M:%S"),
        }
    )
    data.pop("groups", None)
    data.pop("password", None)

    response = client.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.is_programme_staff is True


@pytest.mark.parametrize("user_factory", [StaffFactory, UserFactory])
def test_admin_is_closed_to_non_admins(client, user_factory):
    client.force_login(user_factory())

    response = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_user_list_query_count_does_not_grow(client):
    client.force_login(SuperuserFactory())
    url = reverse("admin:accounts_user_changelist")

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    UserFactory()
    one = count_queries()
    UserFactory.create_batch(2)
    three = count_queries()

    assert one == three
