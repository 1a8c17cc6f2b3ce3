"""Journey 4: staff build the main and complementary lists on the panel board (keyboard
moves and one drag and drop), fix them, publish the results, release the held mails from
the outbox; then a new funding source promotes the first complementary project, who is
told by mail."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from aissai.notifications.models import OutboxMessage, OutboxStatus
from calls.models import ApplicationStatus
from reviews.models import ListEntry
from tests.factories.accounts import StaffFactory
from tests.factories.reviews import shortlisted_call

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ids_on(call, kind):
    return list(
        ListEntry.objects.filter(ranked_list__call=call, ranked_list__kind=kind)
        .order_by("position")
        .values_list("application_id", flat=True)
    )


def test_lists_publish_release_then_additional_funding(page, audit, mailbox):
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5], sources=(2,), complementary_size=2)
    call = scenario.call
    a, b, c, d, e = scenario.applications
    StaffFactory(email="chair@example.org", full_name="Claire Chair")
    log_in(page, "chair@example.org", expect_name="Claire Chair")

    page.goto(reverse("reviews:lists_board", args=[call.slug]))
    expect(page.get_by_role("heading", name="Panel ranking", level=1)).to_be_visible()
    audit.check(page)

    # Keyboard alone: a reason, then the move button reached by focus and pressed.
    page.get_by_label("Reason for the move").focus()
    page.keyboard.type("The panel prefers the training plan of this project.")
    page.get_by_role("button", name=f"To the main list · {c.reference}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#main-list")).to_contain_text(c.reference)
    assert c.pk in ids_on(call, "main")

    # One drag and drop on the SortableJS board: E to the top of the main list.
    page.locator(f"#entry-{e.pk} .drag-handle").drag_to(page.locator(f"#entry-{a.pk}"))
    expect(page.locator("#order-panel")).to_be_visible()
    page.get_by_label("Reason for the move").fill("Dragged up by the chair after discussion.")
    page.get_by_role("button", name="Save the new order").click()
    expect(page.locator("#main-list li").first).to_contain_text(e.reference)
    assert ids_on(call, "main")[0] == e.pk
    audit.check(page)

    # Fix the lists.
    page.locator("#fix-form input[type=checkbox]").check()
    page.locator("#fix-form").get_by_role("button", name="Fix the lists").click()
    expect(page.locator("main")).to_contain_text(
        "The lists are fixed: 2 funded, 2 on the complementary list, 1 not selected."
    )
    audit.check(page)
    funded_before = set(
        call.applications.filter(status=ApplicationStatus.FUNDED).values_list("pk", flat=True)
    )
    assert funded_before == set(ids_on(call, "main")[:2])

    # Publish (the fix leads to the decisions page): decision mails are held, none went out.
    expect(page).to_have_url(reverse("reviews:decisions", args=[call.slug]))
    sent_before = len(mailbox.sink.messages)
    publish = page.locator("form[action$='/decisions/publish/']")
    publish.locator("input[type=checkbox][required], input[name=confirm]").check()
    publish.get_by_role("button", name="Publish the results").click()
    expect(page.locator("main")).to_contain_text("Results published: 5 mails are held")
    held = OutboxMessage.objects.filter(status=OutboxStatus.HELD)
    assert held.count() == len(scenario.applications)
    assert len(mailbox.sink.messages) == sent_before

    # Review then release the held mails from the outbox (where publishing leads).
    expect(page).to_have_url(__import__("re").compile("/mail/outbox/"))
    audit.check(page)
    for application in scenario.applications:
        expect(page.locator("main")).to_contain_text(application.coordinator.email)
    page.get_by_role("link", name="Release all 5 held e-mails matching this filter…").click()
    audit.check(page)
    page.get_by_role("button", name="Release 5 e-mails").click()
    for application in scenario.applications:
        mailbox.wait(to=application.coordinator.email)
    assert not OutboxMessage.objects.filter(status=OutboxStatus.HELD).exists()

    # Additional funding: the first complementary project is promoted and told.
    first_reserve = call.applications.get(pk=ids_on(call, "complementary")[0])
    page.goto(reverse("reviews:decisions", args=[call.slug]))
    page.get_by_label("Name of the source").fill("Additional grant")
    page.get_by_label("Fellowships it pays for").fill("1")
    page.get_by_role("button", name="Add the source").click()
    expect(page.locator("main")).to_contain_text(first_reserve.reference)
    first_reserve.refresh_from_db()
    assert first_reserve.status == ApplicationStatus.FUNDED
    promotion = OutboxMessage.objects.get(
        event="promotion", to_email=first_reserve.coordinator.email
    )
    if promotion.status == OutboxStatus.HELD:  # reviewed and released like the results
        page.goto(reverse("notifications:outbox_detail", args=[promotion.pk]))
        audit.check(page)
        page.locator("main").get_by_role("button", name="Release").first.click()
    mail = mailbox.wait(to=first_reserve.coordinator.email, subject="A place is now available")
    assert first_reserve.reference in str(mail["Subject"])
    assert len(mailbox.to(first_reserve.coordinator.email)) == 2
    audit.assert_clean()
