"""How the report pages read in each language: the report form's heading names the
milestone once, the donor-contact form asks for its funding source in words."""

import re
from datetime import date

import pytest
from django.urls import reverse

from awards.services.reports import add_milestone
from tests.factories.accounts import StaffFactory
from tests.factories.awards import funded_call, recruit

pytestmark = pytest.mark.django_db


@pytest.fixture
def award():
    return funded_call(staff=StaffFactory())


def heading(client, fellowship, milestone, language):
    client.cookies["django_language"] = language
    html = client.get(reverse("awards:report", args=[fellowship.pk, milestone.pk])).content
    html = html.decode()
    return (
        re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1),
        re.search(r"<title>(.*?)</title>", html, re.S).group(1),
    )


@pytest.mark.parametrize(
    ("names", "french", "english"),
    [
        (("Final report", "Rapport final"), "Rapport final – {p}", "Final report – {p}"),
        (("Month 9", "Mois 9"), "Rapport\u00a0: Mois 9 – {p}", "Report: Month 9 – {p}"),
    ],
)
def test_report_heading_names_the_milestone_once(client, award, names, french, english):
    fellowship = recruit(award.fellowship("A"), by=award.staff, start_date=date(2026, 1, 15))
    name_en, name_fr = names
    milestone = add_milestone(
        call=award.call, by=award.staff, name_en=name_en, name_fr=name_fr, month=None
    )
    project = fellowship.application.acronym or fellowship.application.reference
    client.force_login(award.app("A").coordinator)
    h1, title = heading(client, fellowship, milestone, "fr")
    assert h1 == french.format(p=project) and title.startswith(french.format(p=project))
    h1, title = heading(client, fellowship, milestone, "en")
    assert h1 == english.format(p=project) and title.startswith(english.format(p=project))


@pytest.mark.parametrize(
    ("language", "label"),
    [("fr", "Choisissez une source de financement"), ("en", "Choose a funding source")],
)
def test_donor_contact_form_asks_for_the_funding_source_in_words(client, award, language, label):
    client.force_login(award.staff)
    client.cookies["django_language"] = language
    html = client.get(reverse("awards:call_reports", args=[award.call.slug])).content.decode()
    select = re.search(r'<select name="funding_source".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="" selected>\s*' + label + r"\s*</option>", select)
    assert "---------" not in select
