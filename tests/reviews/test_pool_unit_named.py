"""The pool form reads the institution staff type and names the CNRS units of the
referential it mentions ("IRIT, UMR 5505, Toulouse"), so that the unit is recorded."""

import pytest
from django.urls import reverse

from reviews.selectors.pool import units_named_in
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.calls import CallFactory, UnitFactory
from tests.factories.reviews import reviewer_of

pytestmark = pytest.mark.django_db
URL = reverse("reviews:unit_named")


@pytest.fixture
def units():
    return {
        "irit": UnitFactory(unit_type="UMR", number="5505", acronym="IRIT", city="Toulouse"),
        "laas": UnitFactory(unit_type="UPR", number="3251", acronym="LAAS", rnsr="199511949J"),
        "ecolab": UnitFactory(unit_type="UMR", number="5245", acronym="ÉcoLab"),
        "closed": UnitFactory(unit_type="UMR", number="9999", acronym="GONE", is_active=False),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IRIT, UMR 5505, Toulouse", ["irit"]),
        ("irit", ["irit"]),
        ("umr5505", ["irit"]),
        ("LAAS-CNRS (UPR 3251)", ["laas"]),
        ("RNSR 199511949j", ["laas"]),
        ("ECOLAB, Toulouse INP", ["ecolab"]),
        ("IRIT and LAAS, Toulouse", ["irit", "laas"]),
        ("CNRS", []),
        ("CNRS, Délégation Occitanie", []),
        ("UMR 9999", []),  # an inactive unit
        ("", []),
    ],
)
def test_units_named_in_free_text(units, text, expected):
    assert units_named_in(text) == [units[key] for key in expected]


def test_the_hint_names_the_unit_and_offers_it_in_the_unit_field(client, units):
    client.force_login(StaffFactory())

    html = client.get(URL, {"institution": "IRIT, UMR 5505, Toulouse"}).content.decode()

    assert "This institution names a CNRS unit of the referential" in html
    assert "<li>UMR 5505 IRIT · " in html
    assert '<datalist id="unit-options" hx-swap-oob="true"><option value="UMR 5505">' in html


def test_the_hint_in_french(client, units):
    client.force_login(StaffFactory(language="fr"))

    html = client.get(
        URL, {"institution": "LAAS-CNRS (UPR 3251)"}, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()

    assert "Cet établissement nomme une unité CNRS du référentiel" in html
    assert "<li>UPR 3251 LAAS · " in html


def test_cnrs_alone_gives_no_hint(client, units):
    client.force_login(StaffFactory())

    response = client.get(URL, {"institution": "CNRS"})

    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_the_invite_form_asks_for_the_hint_as_staff_type_the_institution(client):
    call = CallFactory()
    client.force_login(StaffFactory())

    html = client.get(reverse("reviews:invite", args=[call.slug])).content.decode()

    assert f'hx-get="{URL}"' in html
    assert 'id="unit-named"' in html


def test_anonymous_visitors_are_sent_to_the_login_page(client, units):
    response = client.get(URL, {"institution": "IRIT"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["applicant", "reviewer", "superuser_not_programme_staff"])
def test_everyone_but_programme_staff_gets_404(client, units, who):
    user = {
        "applicant": UserFactory,
        "reviewer": lambda: reviewer_of(CallFactory()).expert.user,
        "superuser_not_programme_staff": SuperuserFactory,
    }[who]()
    client.force_login(user)

    assert client.get(URL, {"institution": "IRIT, UMR 5505"}).status_code == 404
