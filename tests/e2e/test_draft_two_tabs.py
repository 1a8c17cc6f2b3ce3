"""The same draft open in two tabs of the browser: changes to different fields are both
kept; the same field changed in both is shown with both values, and the applicant
chooses which to keep. Nothing is overwritten silently."""

import pytest
from playwright.sync_api import expect

from calls.models import Application
from tests.factories.calls import ApplicationFactory

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def save(tab):
    tab.get_by_role("button", name="Save the draft").click()
    tab.wait_for_load_state()


def test_two_tabs_on_one_draft_never_lose_a_change(page):
    application = ApplicationFactory(title="Old title", abstract="Old abstract")
    log_in(page, application.coordinator.email)
    url = f"/calls/applications/{application.pk}/edit/"
    tab_a, tab_b = page, page.context.new_page()
    tab_a.goto(url)
    tab_b.goto(url)

    # Different fields: both changes are kept, and tab B is told.
    tab_a.get_by_label("Title").fill("Title from tab A")
    save(tab_a)
    expect(tab_a.get_by_text("Draft saved.")).to_be_visible()
    tab_b.get_by_label("Abstract").fill("Abstract from tab B")
    save(tab_b)
    expect(tab_b.get_by_text("both sets of changes are kept")).to_be_visible()
    expect(tab_b.get_by_label("Title")).to_have_value("Title from tab A")
    expect(tab_b.get_by_label("Abstract")).to_have_value("Abstract from tab B")

    # The same field: nothing is saved, both values are shown, the applicant chooses.
    tab_a.reload()
    tab_a.get_by_label("Title").fill("Title A, second version")
    save(tab_a)
    tab_b.get_by_label("Title").fill("Title B, second version")
    save(tab_b)
    conflicts = tab_b.locator("#edit-conflicts")
    expect(conflicts).to_contain_text("Title A, second version")
    expect(conflicts).to_contain_text("Title B, second version")
    assert Application.objects.get(pk=application.pk).title == "Title A, second version"

    conflicts.get_by_label("Keep the version saved elsewhere:").check()
    save(tab_b)

    expect(tab_b.get_by_text("Draft saved.")).to_be_visible()
    expect(tab_b.get_by_label("Title")).to_have_value("Title A, second version")
    saved = Application.objects.get(pk=application.pk)
    assert (saved.title, saved.abstract) == ("Title A, second version", "Abstract from tab B")
