"""Journey 1: an applicant signs up, verifies the address from the mail, drafts an
application, is told by the eligibility panel what the consortium lacks, completes it,
uploads the PDFs, submits and gets the receipt; a partner confirms from the mail link.
Journey 5 runs the same story in French."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from calls.eligibility import check_consortium
from calls.models import Application, ApplicationStatus
from tests.factories.accounts import PASSWORD
from tests.factories.calls import VALID_PDF, CallFactory, DisciplineFactory, UnitFactory, institute

from .conftest import Mailbox, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "signup": "Sign up",
    "name": "Full name",
    "email": "E-mail address",
    "confirm_address": "Confirm my address",
    "verified": "Your e-mail address is verified. You can log in now.",
    "start": "Start my application",
    "title": "Title",
    "acronym": "Acronym",
    "abstract": "Abstract",
    "keywords": "Keywords",
    "ai": "The AI side of the project",
    "science": "The science side of the project",
    "profile": "Profile of the postdoc sought",
    "planned": "Planned start of the postdoc",
    "save": "Save the draft",
    "find": "Find the unit",
    "lead": "Lead scientist",
    "lead_email": "Lead scientist's e-mail",
    "add_unit": "Add this unit",
    "ready": "Everything needed is there: you can submit.",
    "submit": "Submit the application",
    "submitted": "Submitted",
    "partner_confirm": "I confirm my unit's participation",
}


def texts(language: str) -> dict[str, str]:
    """What the person reads, from the message catalogue of ``language``."""
    with translation.override(language):
        words = {key: gettext(value) for key, value in TEXT.items()}
        words["one_unit"] = check_consortium([(1, 1)], min_units=2, min_institutes=2).message()
        words["eligible"] = check_consortium(
            [(1, 1), (2, 2)], min_units=2, min_institutes=2
        ).message()
    return words


def add_unit(page, t, *, search: str, institute_acronym: str, lead: str, email: str):
    with page.expect_response(lambda r: "/units/search/" in r.url and search in r.url):
        page.get_by_label(t["find"]).fill(search)
    unit_option = page.locator("#id_partner_unit option", has_text=search)
    expect(unit_option).to_have_count(1)
    with page.expect_response(lambda r: "/units/institutes/" in r.url):
        page.locator("#id_partner_unit").select_option(unit_option.get_attribute("value"))
    institute_option = page.locator("#id_partner_institute option", has_text=institute_acronym)
    expect(institute_option).to_have_count(1)
    page.locator("#id_partner_institute").select_option(institute_option.get_attribute("value"))
    page.get_by_label(t["lead"], exact=True).fill(lead)
    page.get_by_label(t["lead_email"]).fill(email)
    page.get_by_role("button", name=t["add_unit"]).click()
    expect(page.get_by_test_id("partner-list")).to_contain_text(search)


def run_applicant_journey(page, audit, mailbox: Mailbox, tmp_path, language: str):
    t = texts(language)
    call = CallFactory(title_en="AISSAI postdoc call 2025", title_fr="Appel postdoc AISSAI 2025")
    DisciplineFactory(name_en="Computer science", name_fr="Informatique")
    UnitFactory(
        unit_type="UMR",
        number="9912",
        acronym="LISN",
        name="Interdisciplinary Lab",
        main_institute=institute("INS2I"),
    )
    UnitFactory(
        unit_type="UMR",
        number="9913",
        acronym="LPTHE",
        name="Theoretical Physics",
        main_institute=institute("INP"),
    )
    email = f"ines.{language}@lisn.example.fr"
    partner_email = f"paul.{language}@lpthe.example.fr"

    # Sign up.
    page.goto("/accounts/signup/")
    audit.check(page)
    page.get_by_label(t["name"]).fill("Inès Moreau")
    page.get_by_label(t["email"]).fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=t["signup"]).click()
    expect(page).to_have_url("/accounts/signup/sent/")
    audit.check(page)

    # Verify the address from the mail, then log in.
    verify = mailbox.wait(to=email)
    page.goto(mailbox.link(verify, "/accounts/verify/"))
    audit.check(page)
    page.get_by_role("button", name=t["confirm_address"]).click()
    expect(page.get_by_role("alert").or_(page.locator(".alert")).first).to_contain_text(
        t["verified"]
    )
    log_in(page, email, expect_name="Inès Moreau")

    # Start an application on the open call.
    page.goto(f"/calls/call/{call.slug}/")
    audit.check(page)
    page.goto(f"/calls/call/{call.slug}/apply/")
    audit.check(page)
    page.get_by_role("button", name=t["start"]).click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/edit/$"))
    application = Application.objects.get(coordinator__email=email)
    page.get_by_label(t["title"], exact=True).fill("Neural operators for turbulent flows")
    page.get_by_label(t["acronym"]).fill("NEUROFLOW")
    page.get_by_label(t["abstract"]).fill("We learn turbulence closures from simulations.")
    page.get_by_label(t["keywords"]).fill("machine learning, turbulence")
    page.locator("input[name=disciplines]").first.check()
    page.get_by_label(t["ai"]).fill("Neural operators trained on simulation data.")
    page.get_by_label(t["science"]).fill("Turbulent flows in the atmosphere.")
    page.get_by_label(t["profile"]).fill("A PhD in applied mathematics or physics.")
    page.get_by_label(t["planned"]).fill("2026-09-01")
    page.get_by_role("button", name=t["save"]).click()
    audit.check(page)

    # One unit: the panel says what is missing.
    add_unit(page, t, search="LISN", institute_acronym="INS2I", lead="Inès Moreau", email=email)
    expect(page.locator("#partners li", has_text="UMR 9912")).to_have_count(1)
    panel = page.get_by_test_id("eligibility-message")
    expect(panel).to_contain_text(t["one_unit"])
    # A unit from another institute: the rule is met.
    add_unit(
        page, t, search="LPTHE", institute_acronym="INP", lead="Paul Martin", email=partner_email
    )
    expect(panel).to_contain_text(t["eligible"])
    expect(page.locator("#partners")).to_contain_text("UMR 9913")

    # The PDFs.
    pdf = tmp_path / "project.pdf"
    pdf.write_bytes(VALID_PDF)
    for kind in ("project", "cv"):
        page.locator(f"#id_file_{kind}").set_input_files(str(pdf))
        page.locator(f"#id_file_{kind}").locator("xpath=ancestor::form").locator("button").click()
        expect(page.locator("#documents")).to_contain_text("project.pdf")
    expect(page.locator("#status-panel")).to_contain_text(t["ready"])
    audit.check(page)

    # Submit: the status, the receipt mail with the reference.
    page.get_by_role("button", name=t["submit"]).click()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    expect(page.locator("main")).to_contain_text(t["submitted"])
    expect(page.locator("main")).to_contain_text(application.reference)
    audit.check(page)
    receipt = mailbox.wait(to=email, subject=application.reference)
    body = mailbox.text(receipt)
    assert application.reference in body and "SHA-256" in body
    page.goto("/calls/applications/mine/")
    expect(page.locator("main")).to_contain_text(application.reference)
    audit.check(page)

    # The partner confirms from the link in their mail (no account needed).
    request = mailbox.wait(to=partner_email)
    assert "Neural operators for turbulent flows" in mailbox.text(request)
    page.context.clear_cookies(name=re.compile("session"))
    page.goto(mailbox.link(request, "/partners/confirm/"))
    audit.check(page)
    page.get_by_role("button", name=t["partner_confirm"]).click()
    expect(page.get_by_test_id("confirmed")).to_be_visible()
    assert application.partners.get(lead_email=partner_email).confirmed_at is not None
    audit.assert_clean()


@pytest.mark.celery_worker
def test_applicant_journey_with_a_real_worker(page, audit, mailbox, tmp_path):
    run_applicant_journey(page, audit, mailbox, tmp_path, "en")


def test_applicant_journey_in_french(page, audit, mailbox, tmp_path, live_server):
    """Journey 5: the language cookie asks for French; pages and mails are in French. The
    outbox delivers in process here (over SMTP to the sink), so this runs on SQLite too."""
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    french = texts("fr")
    # The catalogue really is French for what this journey reads.
    assert french["start"] != TEXT["start"] and french["eligible"] != texts("en")["eligible"]
    run_applicant_journey(page, audit, mailbox, tmp_path, "fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
