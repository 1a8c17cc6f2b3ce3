"""The fellowship pages: the coordinator records the recruit through the form, staff act
on a fellowship and read the call's fellowships and money; others read or get a 404."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from aissai.notifications.models import OutboxMessage
from awards.models import AwardSettings, FellowshipState
from awards.services.fellowships import hosting_units
from calls.models import ApplicationStatus
from calls.models.correspondents import InstituteCorrespondent
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.awards import funded_call, recruit
from tests.factories.calls import correspondent_of

pytestmark = pytest.mark.django_db
F = FellowshipState


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def award(staff):
    return funded_call(staff=staff)


def page(name, *args):
    return reverse(f"awards:{name}", args=args)


def test_coordinator_records_the_recruit_through_the_form(client, award):
    fellowship = award.fellowship("A")
    client.force_login(award.app("A").coordinator)
    unit = hosting_units(award.app("A"))[1]
    response = client.post(
        page("fellowship_recruit", fellowship.pk),
        {
            "fellow_name": "Grace Fellow",
            "fellow_email": "grace@lab.example.fr",
            "phd_date": "2025-10-01",
            "hosting_unit": unit.pk,
            "start_date": "2026-02-01",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == page("fellowship", fellowship.pk)
    fellowship.refresh_from_db()
    assert (fellowship.state, fellowship.hosting_unit, fellowship.end_date) == (
        F.RECRUITED,
        unit,
        date(2027, 7, 31),
    )
    assert OutboxMessage.objects.get(event="award_fellow_invitation").to_email == (
        "grace@lab.example.fr"
    )


def test_recruit_form_refuses_a_unit_outside_the_project(client, award):
    fellowship = award.fellowship("A")
    client.force_login(award.app("A").coordinator)
    other_unit = hosting_units(award.app("B"))[0]
    response = client.post(
        page("fellowship_recruit", fellowship.pk),
        {
            "fellow_name": "Grace Fellow",
            "fellow_email": "grace@lab.example.fr",
            "phd_date": "2025-10-01",
            "hosting_unit": other_unit.pk,
            "start_date": "2026-02-01",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    fellowship.refresh_from_db()
    assert fellowship.state == F.RECRUITING


def test_fellow_reads_the_fellowship_without_actions(client, award):
    fellowship = recruit(award.fellowship("A"), by=award.staff, email="fellow@lab.example.fr")
    client.force_login(fellowship.fellow)
    html = client.get(page("fellowship", fellowship.pk)).content.decode()
    assert "Recruited" in html and fellowship.fellow_email in html
    assert page("fellowship_recruit", fellowship.pk) not in html
    assert client.get(page("fellowship_recruit", fellowship.pk)).status_code == 404


def test_the_fellowship_labels_start_with_a_capital_in_french(client, award):
    fellowship = recruit(award.fellowship("A"), by=award.staff, email="fellow@lab.example.fr")
    fellowship.fellow.language = "fr"
    fellowship.fellow.save(update_fields=["language"])
    client.force_login(fellowship.fellow)
    html = client.get(page("fellowship", fellowship.pk)).content.decode()
    assert ">Date de soutenance de la thèse</dt>" in html


def test_correspondent_reads_the_institute_fellowships_only(client, award):
    reader = correspondent_of("INP")
    client.force_login(reader)
    listed = client.get(page("my_fellowships")).content.decode()
    assert listed.count('data-testid="fellowship-row"') == 3  # every project involves INP
    outsider = correspondent_of("INSU")
    client.force_login(outsider)
    assert client.get(page("fellowship", award.fellowship("A").pk)).status_code == 404


def test_staff_record_a_failed_recruitment_from_the_page(client, award):
    client.force_login(award.staff)
    fellowship = award.fellowship("C")
    response = client.post(page("fellowship_fail", fellowship.pk), {"reason": "Nobody applied."})
    assert response.status_code == 302
    fellowship.refresh_from_db()
    assert fellowship.state == F.ABANDONED
    assert award.app("D").status == ApplicationStatus.FUNDED


def test_staff_change_the_amount_and_see_the_money(client, award):
    client.force_login(award.staff)
    fellowship = award.fellowship("A")
    client.post(page("fellowship_amount", fellowship.pk), {"amount": "90000", "reason": "Grid"})
    fellowship.refresh_from_db()
    assert fellowship.committed_amount == Decimal("90000.00")
    html = client.get(page("call_fellowships", award.call.slug)).content.decode()
    assert html.count('data-testid="fellowship-row"') == 3
    assert 'id="left-for-next-edition">10,000.00<' in html


def test_money_totals_read_unknown_when_no_source_has_an_amount(client, staff):
    award = funded_call(staff=staff, amounts=(None,))
    client.force_login(staff)
    html = client.get(page("call_fellowships", award.call.slug)).content.decode()
    footer = html[html.index("<tfoot>") : html.index("</tfoot>")]
    cells = re.findall(r'<td class="text-end text-nowrap"[^>]*>([^<]*)</td>', footer)
    assert cells == ["—", "0.00", "0.00", "—"]  # amount, committed, released, available
    row = html[
        html.index('data-testid="money-row"') : html.index(
            "</tr>", html.index('data-testid="money-row"')
        )
    ]
    assert row.count(">—<") == 2


def test_staff_set_the_recruitment_deadline(client, award):
    client.force_login(award.staff)
    client.post(page("call_settings", award.call.slug), {"recruitment_deadline": "2026-06-30"})
    assert AwardSettings.objects.get(call=award.call).recruitment_deadline == date(2026, 6, 30)


def test_coordinator_of_another_project_gets_404(client, award):
    client.force_login(award.app("B").coordinator)
    assert client.get(page("fellowship", award.fellowship("A").pk)).status_code == 404
    client.force_login(UserFactory())
    assert client.get(page("my_fellowships")).content.decode().count("fellowship-row") == 0


@pytest.mark.parametrize("name", ["call_fellowships", "my_fellowships"])
def test_fellowship_lists_query_count_does_not_grow(client, name):
    counts = []
    for size in (1, 3):
        staff = StaffFactory()
        award = funded_call(
            staff=staff, means=[9, 8, 7, 6, 5, 4][: size + 1], sources=(size,), amounts=("1000",)
        )
        client.force_login(staff)
        target = page(name, award.call.slug) if name == "call_fellowships" else page(name)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("fr", "comme correspondant ou correspondante d’institut, ceux de votre institut."),
        ("en", "as an institute correspondent, those of your institute."),
    ],
)
def test_fellowships_page_names_the_correspondent_role_inclusively(
    client, award, language, sentence
):
    client.force_login(correspondent_of("INP"))
    client.cookies["django_language"] = language
    html = client.get(page("my_fellowships")).content.decode()
    assert sentence in html
    assert "comme correspondant d’institut" not in html


def test_the_correspondent_role_reads_inclusively_in_french():
    meta = InstituteCorrespondent._meta
    with translation.override("fr"):
        assert str(meta.verbose_name) == "correspondant ou correspondante d’institut"
        assert str(meta.verbose_name_plural) == "correspondants et correspondantes d’institut"
