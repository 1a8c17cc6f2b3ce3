"""Partner units: the unit search, the institute choice, the live eligibility panel, clear
messages for bad input, and the partner leads' confirmation by their personal link."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from aissai.notifications.models import OutboxMessage
from calls.models import ApplicationStatus, Partner
from calls.services.partners import add_partner
from tests.factories.accounts import UserFactory
from tests.factories.calls import (
    ApplicationFactory,
    PartnerFactory,
    UnitFactory,
    eligible_partners,
    institute,
)

pytestmark = pytest.mark.django_db


def add_url(application):
    return reverse("calls:partner_add", args=[application.pk])


def partner_data(unit, **changes):
    data = {
        "unit": unit.pk,
        "institute": unit.main_institute_id,
        "lead_name": "Marie Curie",
        "lead_email": "marie@lab.example.fr",
    }
    data.update(changes)
    return data


@pytest.fixture
def application():
    return ApplicationFactory()


@pytest.fixture
def coordinator_client(client, application):
    client.force_login(application.coordinator)
    return client


# --- Unit search -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["UMR 8223", "8223", "LIP6", "informatique de Paris", "Rennes", "lip6"]
)
def test_unit_search_by_label_number_acronym_name_or_city(client, query):
    unit = UnitFactory(number="8223", acronym="LIP6", name="Laboratoire d'informatique de Paris 6")
    UnitFactory(number="9999", acronym="OTHER", name="Other lab", city="Lyon")
    unit.city = "Rennes" if query == "Rennes" else "Paris"
    unit.save()
    client.force_login(UserFactory())

    response = client.get(reverse("calls:unit_search"), {"unit_q": query}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{unit.pk}"' in html
    assert "OTHER" not in html


def test_unit_search_leaves_out_inactive_units(client):
    UnitFactory(acronym="GONE", is_active=False)
    client.force_login(UserFactory())
    response = client.get(reverse("calls:unit_search"), {"unit_q": "GONE"})
    assert "GONE" not in response.content.decode()
    assert "No active unit matches this search" in response.content.decode()


def test_unit_institutes_lists_main_then_secondary(client):
    unit = UnitFactory(main_institute=institute("INS2I"))
    unit.secondary_institutes.add(institute("INSMI"))
    client.force_login(UserFactory())
    response = client.get(reverse("calls:unit_institutes"), {"unit": unit.pk})
    html = response.content.decode()
    assert html.index("INS2I") < html.index("INSMI")
    assert "INP" not in html


def test_unit_search_needs_login(client):
    response = client.get(reverse("calls:unit_search"), {"unit_q": "UMR"})
    assert response.status_code == 302


# --- Adding and removing -----------------------------------------------------------------


def test_add_partner_asks_the_lead_to_confirm_by_mail(
    coordinator_client, application, django_capture_on_commit_callbacks
):
    unit = UnitFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(add_url(application), partner_data(unit))

    assert response.status_code == 302
    partner = Partner.objects.get(application=application)
    assert (partner.unit, partner.institute) == (unit, unit.main_institute)
    assert partner.confirmed_at is None
    assert partner.confirmation_sent_at is not None
    message = OutboxMessage.objects.get(event="partner_confirmation")
    assert message.to_email == "marie@lab.example.fr"
    confirm_path = reverse("calls:partner_confirm", args=[partner.confirmation_token])
    assert confirm_path not in message.body_text + message.body_html  # made at delivery
    assert [m.to for m in mail.outbox] == [["Marie Curie <marie@lab.example.fr>"]]
    assert f"{settings.SITE_URL}{confirm_path}" in mail.outbox[0].body


def test_coordinator_as_lead_is_confirmed_without_mail(coordinator_client, application):
    unit = UnitFactory()
    coordinator_client.post(
        add_url(application),
        partner_data(unit, lead_email=application.coordinator.email.upper()),
    )
    partner = Partner.objects.get(application=application)
    assert partner.is_coordinating
    assert partner.confirmed_at is not None
    assert not OutboxMessage.objects.filter(event="partner_confirmation").exists()


def test_partner_under_a_secondary_institute(coordinator_client, application):
    unit = UnitFactory(main_institute=institute("INS2I"))
    unit.secondary_institutes.add(institute("INSMI"))
    coordinator_client.post(
        add_url(application), partner_data(unit, institute=institute("INSMI").pk)
    )
    assert Partner.objects.get().institute == institute("INSMI")


def test_htmx_add_returns_the_partner_block_and_refreshes_the_panel(
    coordinator_client, application
):
    unit = UnitFactory(main_institute=institute("INS2I"))
    response = coordinator_client.post(
        add_url(application), partner_data(unit), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "partnersChanged"
    assert html.lstrip().startswith('<section id="partners"')
    assert unit.label in html
    assert "was asked to confirm by e-mail" in html  # the message shows in the fragment

    panel = coordinator_client.get(
        reverse("calls:application_eligibility", args=[application.pk]), HTTP_HX_REQUEST="true"
    )
    assert "1 unit from 1 institute: add a unit from another institute." in panel.content.decode()


def test_eligibility_panel_on_page_load_says_what_is_missing(coordinator_client, application):
    for acronym in ("LABA", "LABB"):
        unit = UnitFactory(acronym=acronym, main_institute=institute("INS2I"))
        PartnerFactory(application=application, unit=unit)
    html = coordinator_client.get(
        reverse("calls:application_edit", args=[application.pk])
    ).content.decode()
    assert "2 units from 1 institute: add a unit from another institute." in html


def test_eligibility_panel_says_when_the_rule_is_met(coordinator_client, application):
    eligible_partners(application)
    html = coordinator_client.get(
        reverse("calls:application_eligibility", args=[application.pk])
    ).content.decode()
    assert "2 units from 2 institutes: the consortium rule is met." in html


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("same_unit", "is already a partner of this application."),
        ("inactive", "is no longer an active unit and cannot take part."),
        ("unknown", "This unit does not exist: choose a unit from the search results."),
        ("bad_email", "is not an e-mail address (for example: name@lab.cnrs.fr)."),
        ("bad_institute", "can take part under: CNRS Computer Sciences (INS2I). Choose one"),
        ("no_lead", "Give the name of the lead scientist in this unit."),
        ("no_email", "Give the e-mail address of the lead scientist in this unit."),
    ],
)
def test_bad_partner_input_gets_a_clear_message_and_nothing_changes(
    coordinator_client, application, case, message
):
    existing = PartnerFactory(application=application, unit__main_institute=institute("INS2I"))
    unit = UnitFactory(main_institute=institute("INS2I"))
    data = partner_data(unit)
    if case == "same_unit":
        data = partner_data(existing.unit)
    elif case == "inactive":
        unit.is_active = False
        unit.save()
    elif case == "unknown":
        data["unit"] = 999999
    elif case == "bad_email":
        data["lead_email"] = "marie at lab"
    elif case == "bad_institute":
        data["institute"] = institute("INP").pk
    elif case == "no_lead":
        data["lead_name"] = "  "
    elif case == "no_email":
        data["lead_email"] = " "

    for htmx in (False, True):
        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = coordinator_client.post(add_url(application), data, **extra)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert list(Partner.objects.filter(application=application)) == [existing]
    assert not OutboxMessage.objects.filter(event="partner_confirmation").exists()


def test_bad_email_keeps_what_was_typed_in_the_form(coordinator_client, application):
    unit = UnitFactory()
    response = coordinator_client.post(
        add_url(application), partner_data(unit, lead_email="marie at lab", lead_name="Marie")
    )
    html = response.content.decode()
    assert 'value="marie at lab"' in html
    assert 'value="Marie"' in html
    assert f'<option value="{unit.pk}" selected' in html


def test_remove_partner(coordinator_client, application):
    partner = PartnerFactory(application=application)
    response = coordinator_client.post(
        reverse("calls:partner_remove", args=[application.pk, partner.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert not Partner.objects.filter(pk=partner.pk).exists()


def test_partner_of_another_application_cannot_be_removed_through_mine(
    coordinator_client, application
):
    other = PartnerFactory()
    response = coordinator_client.post(
        reverse("calls:partner_remove", args=[application.pk, other.pk])
    )
    assert response.status_code == 404
    assert Partner.objects.filter(pk=other.pk).exists()


def test_another_applicant_cannot_touch_my_partners(client, application):
    partner = PartnerFactory(application=application)
    client.force_login(UserFactory())
    urls = [
        add_url(application),
        reverse("calls:partner_remove", args=[application.pk, partner.pk]),
        reverse("calls:partner_resend", args=[application.pk, partner.pk]),
    ]
    for url in urls:
        assert client.post(url, partner_data(UnitFactory())).status_code == 404
    assert list(application.partners.all()) == [partner]


def test_partners_cannot_change_after_submission(coordinator_client, application):
    partner = PartnerFactory(application=application)
    application.status = ApplicationStatus.SUBMITTED
    application.save()
    coordinator_client.post(add_url(application), partner_data(UnitFactory()))
    coordinator_client.post(reverse("calls:partner_remove", args=[application.pk, partner.pk]))
    assert list(application.partners.all()) == [partner]


# --- Confirmation ------------------------------------------------------------------------


def test_partner_lead_confirms_from_the_public_link(client, application):
    partner = PartnerFactory(application=application, lead_name="Lead Person")
    url = reverse("calls:partner_confirm", args=[partner.confirmation_token])

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert application.title in html
    assert "I confirm my unit" in html
    assert partner.lead_email not in html  # no addresses on the public page

    response = client.post(url)
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.confirmed_at is not None

    first = partner.confirmed_at
    client.post(url)
    partner.refresh_from_db()
    assert partner.confirmed_at == first


def test_coordinator_sees_who_confirmed(client, application):
    PartnerFactory(application=application, lead_name="Ada Confirmed", confirmed_at=timezone.now())
    PartnerFactory(application=application, lead_name="Bob Waiting")
    client.force_login(application.coordinator)
    html = client.get(reverse("calls:application_detail", args=[application.pk])).content.decode()
    assert "by Ada Confirmed on" in html
    assert "Waiting for confirmation" in html


def test_unknown_confirmation_token_is_404(client):
    url = reverse("calls:partner_confirm", args=["00000000-0000-4000-8000-000000000000"])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


def test_withdrawn_application_cannot_be_confirmed(client):
    partner = PartnerFactory(application__status=ApplicationStatus.WITHDRAWN)
    client.post(reverse("calls:partner_confirm", args=[partner.confirmation_token]))
    partner.refresh_from_db()
    assert partner.confirmed_at is None


def test_resend_sends_a_new_request_at_most_every_ten_minutes(
    coordinator_client, application, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(
        application=application, confirmation_sent_at=timezone.now() - timedelta(hours=1)
    )
    url = reverse("calls:partner_resend", args=[application.pk, partner.pk])
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(url)
        response = coordinator_client.post(url, follow=True)
    assert OutboxMessage.objects.filter(event="partner_confirmation").count() == 1
    assert "less than ten minutes ago" in response.content.decode()


def test_confirmation_mail_of_an_untitled_draft_says_so(coordinator_client, application):
    application.title = ""
    application.acronym = ""
    application.save()
    coordinator_client.post(add_url(application), partner_data(UnitFactory()))
    message = OutboxMessage.objects.get(event="partner_confirmation")
    assert "in the application \u201c(no title yet)\u201d" in message.body_text
    assert message.language == application.coordinator.language


def test_confirmation_mail_uses_the_leads_own_language_when_known(coordinator_client, application):
    lead = UserFactory(email="lead@lab.example.fr", language="fr")
    coordinator_client.post(
        add_url(application), partner_data(UnitFactory(), lead_email=lead.email)
    )
    message = OutboxMessage.objects.get(event="partner_confirmation")
    assert message.language == "fr"
    assert message.recipient == lead


def test_confirmation_mail_names_the_call_in_the_leads_language(coordinator_client, application):
    lead = UserFactory(email="lead@lab.example.fr", language="fr")
    call = application.call
    coordinator_client.post(  # the coordinator works in English
        add_url(application), partner_data(UnitFactory(), lead_email=lead.email)
    )
    message = OutboxMessage.objects.get(event="partner_confirmation")
    assert f"à l’appel «\u00a0{call.title_fr}\u00a0»" in message.body_text
    assert call.title_en not in message.body_text + message.body_html
    assert f"«\u00a0{call.title_fr}\u00a0»" in message.body_html


def test_confirmation_mail_to_a_lead_without_account_follows_the_coordinator_language(
    application,
):
    coordinator = application.coordinator
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    unit = UnitFactory()
    with translation.override("en"):  # whatever language the request happened to be in
        add_partner(
            application=application,
            by=coordinator,
            unit_id=unit.pk,
            institute_id=unit.main_institute_id,
            lead_name="Marie Curie",
            lead_email="nobody-yet@lab.example.fr",
        )
    message = OutboxMessage.objects.get(event="partner_confirmation")
    assert (message.language, message.recipient) == ("fr", None)
    assert f"«\u00a0{application.call.title_fr}\u00a0»" in message.body_text
    assert application.call.title_en not in message.body_text


def test_unit_institutes_of_an_unknown_or_inactive_unit_is_only_the_placeholder(client):
    inactive = UnitFactory(is_active=False)
    client.force_login(UserFactory())
    for value in (inactive.pk, 999999, "abc"):
        html = client.get(reverse("calls:unit_institutes"), {"unit": value}).content.decode()
        assert html.count("<option") == 1


@pytest.mark.parametrize("required", [True, False])
def test_the_checklist_says_partners_must_confirm_from_the_first_partner_on(
    coordinator_client, application, required
):
    application.call.partner_confirmation_required = required
    application.call.save(update_fields=["partner_confirmation_required"])
    edit_url = reverse("calls:application_edit", args=[application.pk])
    before = coordinator_client.get(edit_url).content.decode()

    PartnerFactory(application=application, lead_name="Marie Curie", confirmed_at=None)
    after = coordinator_client.get(edit_url).content.decode()

    assert "Waiting for the confirmation of" not in before
    assert ("Waiting for the confirmation of: Marie Curie" in after) is required
