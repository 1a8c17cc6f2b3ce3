"""Programme staff grant and revoke the correspondent role (page and admin), audited;
nobody else reaches these pages."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from aissai.audit.models import AuditEvent
from calls.models import InstituteCorrespondent
from calls.services.correspondents import (
    CorrespondentError,
    grant_correspondent,
    revoke_correspondent,
)
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.calls import (
    InstituteCorrespondentFactory,
    correspondent_of,
    institute,
    submitted_application,
)

pytestmark = pytest.mark.django_db

URL = reverse("calls:manage_correspondents")
INSTITUTE_URL = reverse("calls:institute_applications")


def revoke_url(role):
    return reverse("calls:manage_correspondent_revoke", args=[role.pk])


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Granting -------------------------------------------------------------------------------------


def test_staff_grant_the_role_by_e_mail(staff_client, staff):
    person = UserFactory(email="deputy@cnrs.example.fr", full_name="Dana Deputy")
    inp = institute("INP")

    response = staff_client.post(
        URL, {"email": "  Deputy@CNRS.example.fr ", "institute": inp.pk}, follow=True
    )

    assert response.redirect_chain == [(URL, 302)]
    role = InstituteCorrespondent.objects.get()
    assert (role.user, role.institute, role.active, role.granted_by) == (person, inp, True, staff)
    assert role.revoked_at is None
    event = AuditEvent.objects.get(verb="correspondent.granted")
    assert event.actor == staff
    assert event.target_id == str(role.pk)
    assert event.data == {"user": "deputy@cnrs.example.fr", "institute": "INP"}
    assert messages_of(response) == ["Dana Deputy is now a correspondent of INP."]
    assert "deputy@cnrs.example.fr" in response.content.decode()


def test_granted_person_sees_the_institute_at_once(client, staff):
    person = UserFactory()
    application = submitted_application(institutes=("INS2I", "INP"))
    grant_correspondent(user=person, institute=institute("INP"), by=staff)
    client.force_login(person)

    assert [r["application"] for r in client.get(INSTITUTE_URL).context["rows"]] == [application]


def test_unknown_address_is_refused(staff_client):
    response = staff_client.post(
        URL, {"email": "nobody@example.org", "institute": institute("INP").pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "No account uses this address. Ask the person to sign up, then try again."
    ]
    assert not InstituteCorrespondent.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="correspondent.").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not an address", "institute": "INP"}, "email"),
        ({"email": "someone@example.org", "institute": ""}, "institute"),
        ({"email": "someone@example.org", "institute": "999999"}, "institute"),
    ],
)
def test_bad_input_is_reported_on_its_field(staff_client, data, field):
    UserFactory(email="someone@example.org")
    if data["institute"] == "INP":
        data = {**data, "institute": institute("INP").pk}

    response = staff_client.post(URL, data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not InstituteCorrespondent.objects.exists()


def test_deactivated_account_is_refused(staff_client):
    UserFactory(email="gone@example.org", is_active=False)

    response = staff_client.post(
        URL, {"email": "gone@example.org", "institute": institute("INP").pk}
    )

    assert response.context["form"].errors["email"] == ["This account is deactivated."]
    assert not InstituteCorrespondent.objects.exists()


def test_granting_an_active_role_twice_is_refused(staff_client, staff):
    person = correspondent_of("INP", user=UserFactory(full_name="Dana Deputy"))

    response = staff_client.post(URL, {"email": person.email, "institute": institute("INP").pk})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Dana Deputy is already a correspondent of INP."
    ]
    assert InstituteCorrespondent.objects.count() == 1
    assert not AuditEvent.objects.filter(verb="correspondent.granted").exists()


def test_one_person_may_correspond_for_several_institutes(staff, staff_client):
    person = correspondent_of("INP")

    staff_client.post(URL, {"email": person.email, "institute": institute("INSB").pk})

    assert sorted(
        InstituteCorrespondent.objects.filter(user=person).values_list(
            "institute__acronym", flat=True
        )
    ) == ["INP", "INSB"]


# Revoking -------------------------------------------------------------------------------------


def test_staff_revoke_the_role(staff_client, staff):
    role = InstituteCorrespondentFactory(user=UserFactory(full_name="Dana Deputy"))

    response = staff_client.post(revoke_url(role), follow=True)

    assert response.redirect_chain == [(URL, 302)]
    role.refresh_from_db()
    assert role.active is False
    assert role.revoked_by == staff
    assert role.revoked_at is not None
    event = AuditEvent.objects.get(verb="correspondent.revoked")
    assert (event.actor, event.target_id) == (staff, str(role.pk))
    assert event.data == {"user": role.user.email, "institute": "INP"}
    assert messages_of(response) == ["Dana Deputy is no longer a correspondent of INP."]


def test_revoked_person_loses_access_at_once(client, staff):
    role = InstituteCorrespondentFactory()
    application = submitted_application(institutes=("INS2I", "INP"))
    revoke_correspondent(role=role, by=staff)
    client.force_login(role.user)

    assert client.get(INSTITUTE_URL).status_code == 404
    detail = reverse("calls:application_detail", args=[application.pk])
    assert client.get(detail).status_code == 404


def test_revoking_twice_is_reported(staff_client):
    role = InstituteCorrespondentFactory(active=False)

    response = staff_client.post(revoke_url(role), follow=True)

    assert messages_of(response) == ["This role was already revoked."]
    assert not AuditEvent.objects.filter(verb="correspondent.revoked").exists()


def test_revoke_is_post_only(staff_client):
    role = InstituteCorrespondentFactory()

    assert staff_client.get(revoke_url(role)).status_code == 405
    role.refresh_from_db()
    assert role.active


def test_granting_again_reactivates_the_same_row(staff_client, staff):
    role = InstituteCorrespondentFactory()
    revoke_correspondent(role=role, by=staff)

    staff_client.post(URL, {"email": role.user.email, "institute": role.institute.pk})

    again = InstituteCorrespondent.objects.get()
    assert again.pk == role.pk
    assert again.active and again.revoked_at is None and again.revoked_by is None
    assert list(
        AuditEvent.objects.for_object(role).order_by("pk").values_list("verb", flat=True)
    ) == ["correspondent.revoked", "correspondent.granted"]


def test_list_shows_active_and_revoked_roles(staff_client, staff):
    active = InstituteCorrespondentFactory(user=UserFactory(full_name="Active Annie"))
    revoked = InstituteCorrespondentFactory(user=UserFactory(full_name="Former Fred"))
    revoke_correspondent(role=revoked, by=staff)

    response = staff_client.get(URL)

    assert response.context["roles"] == [active, revoked]
    html = response.content.decode()
    assert revoke_url(active) in html
    assert revoke_url(revoked) not in html
    assert "Former Fred" in html and "Revoked" in html


# Services refuse anyone but programme staff ------------------------------------------------


def test_services_refuse_people_who_are_not_staff():
    person, role = UserFactory(), InstituteCorrespondentFactory()

    with pytest.raises(PermissionDenied):
        grant_correspondent(user=person, institute=institute("INP"), by=UserFactory())
    with pytest.raises(PermissionDenied):
        revoke_correspondent(role=role, by=role.user)
    assert not InstituteCorrespondent.objects.filter(user=person).exists()
    role.refresh_from_db()
    assert role.active


def test_service_refuses_a_deactivated_account(staff):
    with pytest.raises(CorrespondentError):
        grant_correspondent(user=UserFactory(is_active=False), institute=institute("INP"), by=staff)


# Who may reach the page -----------------------------------------------------------------------


def test_page_needs_login(client):
    for response in (client.get(URL), client.post(revoke_url(InstituteCorrespondentFactory()))):
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who", ["applicant", "correspondent"])
def test_page_is_404_for_anyone_but_staff(client, who):
    application = submitted_application()
    person = application.coordinator if who == "applicant" else correspondent_of("INP")
    role = InstituteCorrespondentFactory(institute=institute("INSB"))
    client.force_login(person)

    assert client.get(URL).status_code == 404
    response = client.post(URL, {"email": person.email, "institute": institute("INSB").pk})
    assert response.status_code == 404
    assert client.post(revoke_url(role)).status_code == 404
    role.refresh_from_db()
    assert role.active
    assert not InstituteCorrespondent.objects.filter(user=person, institute__acronym="INSB")
    assert not AuditEvent.objects.filter(verb__startswith="correspondent.").exists()


def test_revoking_an_unknown_role_is_404(staff_client):
    assert (
        staff_client.post(reverse("calls:manage_correspondent_revoke", args=[999999])).status_code
        == 404
    )


def test_the_address_is_not_taken_for_a_call(staff_client):
    assert resolve(URL).url_name == "manage_correspondents"
    assert staff_client.get(URL).status_code == 200


def test_nav_link_for_staff(staff_client):
    assert f'href="{URL}"' in staff_client.get(reverse("home")).content.decode()


# Query counts ---------------------------------------------------------------------------------


def _count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_is_the_same_for_1_and_3_roles(staff_client, staff):
    InstituteCorrespondentFactory(granted_by=staff)
    staff_client.get(URL)
    one = _count(staff_client)
    revoked = InstituteCorrespondentFactory(institute=institute("INSB"), granted_by=staff)
    revoke_correspondent(role=revoked, by=staff)
    InstituteCorrespondentFactory(institute=institute("INSU"))

    assert len(staff_client.get(URL).context["roles"]) == 3
    assert _count(staff_client) == one


# Admin ----------------------------------------------------------------------------------------


ADMIN_LIST = reverse("admin:calls_institutecorrespondent_changelist")
ADMIN_ADD = reverse("admin:calls_institutecorrespondent_add")


@pytest.fixture
def admin_client_(client):
    admin = SuperuserFactory()
    client.force_login(admin)
    client.admin = admin
    return client


def test_admin_grants_through_the_service(admin_client_):
    person = UserFactory(email="deputy@cnrs.example.fr")

    response = admin_client_.post(
        ADMIN_ADD, {"email": "DEPUTY@cnrs.example.fr", "institute": institute("INP").pk}
    )

    assert response.status_code == 302
    role = InstituteCorrespondent.objects.get()
    assert (role.user, role.granted_by, role.active) == (person, admin_client_.admin, True)
    assert (
        AuditEvent.objects.filter(verb="correspondent.granted", actor=admin_client_.admin).count()
        == 1
    )


def test_admin_refuses_a_duplicate_and_an_unknown_address(admin_client_):
    person = correspondent_of("INP")

    duplicate = admin_client_.post(
        ADMIN_ADD, {"email": person.email, "institute": institute("INP").pk}
    )
    unknown = admin_client_.post(
        ADMIN_ADD, {"email": "x@example.org", "institute": institute("INP").pk}
    )

    assert duplicate.status_code == unknown.status_code == 200
    assert duplicate.context["adminform"].form.non_field_errors()
    assert "email" in unknown.context["adminform"].form.errors
    assert InstituteCorrespondent.objects.count() == 1


def test_admin_actions_revoke_and_grant_again_with_audit(admin_client_):
    role = InstituteCorrespondentFactory()

    admin_client_.post(ADMIN_LIST, {"action": "revoke_roles", "_selected_action": [role.pk]})
    role.refresh_from_db()
    assert role.active is False
    admin_client_.post(ADMIN_LIST, {"action": "grant_again", "_selected_action": [role.pk]})
    role.refresh_from_db()
    assert role.active is True

    assert list(
        AuditEvent.objects.for_object(role).order_by("pk").values_list("verb", flat=True)
    ) == ["correspondent.revoked", "correspondent.granted"]


def test_admin_cannot_delete_or_edit_in_place(admin_client_):
    role = InstituteCorrespondentFactory()
    change = reverse("admin:calls_institutecorrespondent_change", args=[role.pk])
    delete = reverse("admin:calls_institutecorrespondent_delete", args=[role.pk])

    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    admin_client_.post(change, {"active": "", "institute": institute("INSB").pk})

    role.refresh_from_db()
    assert role.active and role.institute.acronym == "INP"


def test_admin_is_closed_to_people_without_admin_access(client):
    client.force_login(correspondent_of("INP", user=StaffFactory()))  # programme staff, no admin

    response = client.get(ADMIN_LIST)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def _admin_count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ADMIN_LIST).status_code == 200
    return len(queries)


def test_admin_changelist_query_count_is_the_same_for_1_and_3_roles(admin_client_):
    InstituteCorrespondentFactory(granted_by=admin_client_.admin)
    admin_client_.get(ADMIN_LIST)
    one = _admin_count(admin_client_)
    InstituteCorrespondentFactory(institute=institute("INSB"), granted_by=admin_client_.admin)
    InstituteCorrespondentFactory(institute=institute("INSU"))

    assert _admin_count(admin_client_) == one


def test_admin_pages_render(admin_client_):
    role = InstituteCorrespondentFactory(granted_by=admin_client_.admin)
    change = reverse("admin:calls_institutecorrespondent_change", args=[role.pk])

    add_page = admin_client_.get(ADMIN_ADD)
    change_page = admin_client_.get(change)
    listing = admin_client_.get(ADMIN_LIST, {"q": role.user.email})

    assert add_page.status_code == change_page.status_code == listing.status_code == 200
    assert 'name="email"' in add_page.content.decode()
    assert 'name="institute"' not in change_page.content.decode()  # read-only once made
    assert role.user.email in listing.content.decode()
