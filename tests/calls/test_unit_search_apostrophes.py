"""Unit names come with straight apostrophes (RNSR exports) or typographic ones (the sample,
names edited by staff): the unit search treats ’ and ' as the same letter, in the query
and in the names, for applicants, reviewers and the admin, in one query."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import Unit
from calls.selectors.applications import search_units
from tests.factories.accounts import UserFactory
from tests.factories.calls import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    typographic = UnitFactory(number="8223", name="Laboratoire d’informatique de Paris 6")
    straight = UnitFactory(
        number="5506", name="Laboratoire d'informatique de Montpellier", city="Montpellier"
    )
    UnitFactory(number="9999", name="Laboratoire de chimie", city="Villeneuve-d’Ascq")
    return typographic, straight


@pytest.mark.parametrize("query", ["d'informatique", "d’informatique", "D’INFORMATIQUE"])
def test_either_apostrophe_finds_both_spellings(units, query):
    with CaptureQueriesContext(connection) as queries:
        found = search_units(query)
    assert {unit.pk for unit in found} == {unit.pk for unit in units}
    assert len(queries) == 1
    assert set(Unit.objects.search(query)) == set(units)


@pytest.mark.parametrize("query", ["Villeneuve-d'Ascq", "villeneuve-d’ascq"])
def test_the_city_matches_with_either_apostrophe(units, query):
    assert [unit.name for unit in search_units(query)] == ["Laboratoire de chimie"]


def test_the_partner_unit_search_page_finds_the_typographic_name(client, units):
    client.force_login(UserFactory())
    response = client.get(
        reverse("calls:unit_search"), {"unit_q": "d'informatique de Paris"}, HTTP_HX_REQUEST="true"
    )
    assert f'<option value="{units[0].pk}"' in response.content.decode()
    assert f'<option value="{units[1].pk}"' not in response.content.decode()


def test_the_admin_finds_a_straight_name_from_a_typographic_query(admin_client, units):
    response = admin_client.get(
        reverse("admin:calls_unit_changelist"), {"q": "d’informatique Montpellier"}
    )
    assert list(response.context["cl"].result_list) == [units[1]]


def test_the_sample_units_carry_the_typographic_apostrophe_and_are_found_either_way():
    call_command("load_reference_data", "--sample-units", stdout=io.StringIO())
    names = list(Unit.objects.values_list("name", flat=True))
    assert "Laboratoire de neurosciences et d’imagerie cellulaire" in names
    assert not [name for name in names if "'" in name]
    found = search_units("d'imagerie")
    assert [unit.name for unit in found] == [
        "Laboratoire de neurosciences et d’imagerie cellulaire"
    ]
