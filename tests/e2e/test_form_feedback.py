"""What a keyboard or screen-reader user meets on a refused form and while typing long
texts: the errors summarised and focused, each a link to its field; character counts
announced only near the limit."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories.calls import ApplicationFactory
from tests.factories.reviews import assigned_reviewer, criteria_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_form_focuses_a_summary_whose_links_lead_to_each_field(page):
    page.goto(reverse("accounts:signup"))
    page.get_by_role("button", name="Sign up").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("Please correct the following fields.")
    links = summary.get_by_role("link")
    assert links.count() == page.locator("main form .is-invalid").count() >= 2
    first_field = page.locator("main form .is-invalid").first
    label = page.locator(f'label[for="{first_field.get_attribute("id")}"]').inner_text()
    expect(links.first).to_contain_text(label.rstrip("*").strip())

    links.first.press("Enter")

    expect(first_field).to_be_focused()


def test_the_character_count_is_announced_only_near_the_limit(page):
    application = ApplicationFactory(abstract="")
    log_in(page, application.coordinator.email)
    page.goto(reverse("calls:application_edit", args=[application.pk]))
    abstract = page.locator("#id_abstract")
    live = page.locator("#id_abstract_counter + [aria-live]")

    abstract.fill("x" * 100)
    abstract.press("End")
    abstract.type("y")
    expect(page.locator("#id_abstract_counter")).to_have_text("101 of 3000 characters")
    expect(live).to_have_text("")

    abstract.fill("x" * 2600)
    abstract.type("yy")
    expect(live).to_have_text("")  # 398 left: not yet near (the last tenth)
    abstract.fill("x" * 2889)
    expect(live).to_have_text("2889 of 3000 characters")
    abstract.type("y")
    expect(live).to_have_text("2890 of 3000 characters")  # 110 left: a new ten
    abstract.type("y")  # the same ten: nothing new to announce
    expect(live).to_have_text("2890 of 3000 characters")

    abstract.fill("x" * 3000)
    abstract.type("z")
    expect(live).to_have_text("3001 of 3000 characters: 1 too many")
    expect(page.locator("#id_abstract_counter")).not_to_have_attribute("aria-live", "polite")


def test_a_saved_draft_offers_no_unsaved_copy_even_when_the_server_trimmed_spaces(page):
    application = ApplicationFactory(abstract="")
    log_in(page, application.coordinator.email)
    page.goto(reverse("calls:application_edit", args=[application.pk]))
    page.locator("#id_abstract").fill("A new abstract.   ")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator("#id_abstract")).to_have_value("A new abstract.")
    expect(page.locator("#draft-restore")).to_be_hidden()


def test_the_unsaved_copy_says_when_it_was_kept_as_french_writes_dates(page):
    application = ApplicationFactory(abstract="", coordinator__language="fr")
    log_in(page, application.coordinator.email)
    page.goto(reverse("calls:application_edit", args=[application.pk]))
    page.locator("#id_abstract").fill("Un résumé pas encore enregistré.")
    page.reload()
    banner = page.locator("#draft-restore [data-restore-text]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(" à ")
    assert ":" not in banner.inner_text().split("(")[-1], banner.inner_text()


def test_the_error_summary_names_the_criterion_of_each_missing_score(page):
    assignment = assigned_reviewer(ApplicationFactory(status="in_review"))
    log_in(page, assignment.invitation.expert.user.email)
    page.goto(reverse("reviews:review_edit", args=[assignment.application.pk]))
    page.get_by_role("button", name="Submit the review").click()
    links = page.locator("[data-error-summary] a")
    expect(links.first).to_be_visible()
    first = criteria_of(assignment.application.call)[0]
    expect(links.first).to_have_text(f"1. {first.name_en} – Score (0 to 5): Give a score.")
