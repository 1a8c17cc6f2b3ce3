"""Reference data: labels, unit search, and the admin for institutes and units."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import Institute, Unit
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.calls import ParentInstitutionFactory, UnitFactory, institute

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(SuperuserFactory())
    return client


def test_the_ten_institutes_exist_with_both_names():
    assert Institute.objects.count() == 10
    physics = Institute.objects.get(acronym="INP")
    assert (physics.name_fr, physics.name_en) == ("CNRS Physique", "CNRS Physics")


def test_unit_label_follows_type_and_number_on_save():
    unit = UnitFactory(unit_type="UPR", number="3251")
    assert unit.label == "UPR 3251"

    unit.unit_type, unit.number = "UAR", "2036"
    unit.save()

    assert Unit.objects.get(pk=unit.pk).label == "UAR 2036"


def test_rnsr_is_unique_only_when_present():
    UnitFactory(rnsr="")
    UnitFactory(rnsr="")
    UnitFactory(rnsr="200012345A")

    with pytest.raises(IntegrityError):
        UnitFactory(rnsr="200012345A")


def test_unit_search_matches_every_word_in_label_number_acronym_name_or_city():
    lip = UnitFactory(
        unit_type="UMR", number="7606", acronym="LIP6", name="Informatique", city="Paris"
    )
    UnitFactory(unit_type="UMR", number="5217", acronym="LIG", city="Grenoble")

    assert list(Unit.objects.search("UMR 7606")) == [lip]
    assert list(Unit.objects.search("lip6")) == [lip]
    assert list(Unit.objects.search("informatique paris")) == [lip]
    assert Unit.objects.search("Lyon").count() == 0


@pytest.mark.parametrize(
    "query",
    ["UMR 8223", "8223", "LIAA", "apprentissage", "Ivry", "200012345A"],
)
def test_admin_unit_search_finds_by_label_number_acronym_name_city_and_rnsr(admin_client, query):
    wanted = UnitFactory(
        unit_type="UMR",
        number="8223",
        acronym="LIAA",
        name="Laboratoire d'apprentissage",
        city="Ivry",
        rnsr="200012345A",
    )
    UnitFactory(unit_type="UMR", number="5000", acronym="OTHER", name="Chimie", city="Lyon")

    response = admin_client.get(reverse("admin:calls_unit_changelist"), {"q": query})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_admin_unit_filters_by_institute_type_and_active(admin_client):
    physics = UnitFactory(main_institute=institute("INP"), unit_type="UPR")
    UnitFactory(main_institute=institute("INC"), unit_type="UMR")
    UnitFactory(main_institute=institute("INP"), unit_type="UMR", is_active=False)
    url = reverse("admin:calls_unit_changelist")

    response = admin_client.get(
        url,
        {"main_institute__id__exact": institute("INP").pk, "unit_type__exact": "UPR"},
    )
    assert list(response.context["cl"].result_list) == [physics]
    response = admin_client.get(url, {"is_active__exact": "0"})
    assert response.context["cl"].result_count == 1


def test_admin_unit_change_page_edits_secondary_institutes_and_parents(admin_client):
    unit = UnitFactory()
    parent = ParentInstitutionFactory(name="Sorbonne Université")

    response = admin_client.get(reverse("admin:calls_unit_change", args=[unit.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "selectfilter" in content  # filter_horizontal widgets
    assert f'<option value="{parent.pk}">Sorbonne Université' in content


def test_admin_unit_changelist_query_count_does_not_grow(admin_client):
    url = reverse("admin:calls_unit_changelist")
    UnitFactory(main_institute=institute("INP"))
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url)
    UnitFactory(main_institute=institute("INC"))
    UnitFactory(main_institute=institute("INSB"))
    with CaptureQueriesContext(connection) as three:
        response = admin_client.get(url)

    assert response.context["cl"].result_count == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_admin_institutes_cannot_be_added_or_deleted(admin_client):
    physics = Institute.objects.get(acronym="INP")

    assert admin_client.get(reverse("admin:calls_institute_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:calls_institute_delete", args=[physics.pk])).status_code
        == 403
    )
    response = admin_client.get(reverse("admin:calls_institute_change", args=[physics.pk]))
    assert response.status_code == 200
    assert 'name="acronym"' not in response.content.decode()


def test_admin_parent_institution_search(admin_client):
    wanted = ParentInstitutionFactory(name="Université Grenoble Alpes", acronym="UGA")
    ParentInstitutionFactory(name="Aix-Marseille Université", acronym="AMU")

    response = admin_client.get(reverse("admin:calls_parentinstitution_changelist"), {"q": "UGA"})

    assert list(response.context["cl"].result_list) == [wanted]


@pytest.mark.parametrize("factory", [UserFactory, StaffFactory])
def test_admin_is_closed_to_people_without_admin_access(client, factory):
    client.force_login(factory())

    response = client.get(reverse("admin:calls_unit_changelist"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
