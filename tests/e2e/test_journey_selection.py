"""Journey 4: staff read the scoreboard, shortlist from the shortlist page and release
the held mails; build the main and complementary lists on the panel board (keyboard
moves and one drag and drop), fix them, publish the results, release the held mails from
the outbox; then a new funding source promotes the first complementary project, who is
told by mail; the dashboard shows the call in charts. Journey 5 runs it in French."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from aissai.notifications.models import OutboxMessage, OutboxStatus
from calls.models import ApplicationStatus, CallStatus
from reviews.models import ListEntry
from tests.factories.accounts import StaffFactory
from tests.factories.calls import FundingSourceFactory
from tests.factories.reviews import call_in_review

from .conftest import Words, log_in, run_in_french

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ids_on(call, kind):
    return list(
        ListEntry.objects.filter(ranked_list__call=call, ranked_list__kind=kind)
        .order_by("position")
        .values_list("application_id", flat=True)
    )


def see_message(page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def release_all(page, audit, w: Words, count: int) -> None:
    """On the outbox filtered to the held mails: review, then release them all."""
    audit.check(page)
    page.get_by_role(
        "link",
        name=w.n(
            "Release the %(count)s held e-mail matching this filter…",
            "Release all %(count)s held e-mails matching this filter…",
            count,
        ),
    ).click()
    audit.check(page)
    page.get_by_role(
        "button", name=w.n("Release %(count)s e-mail", "Release %(count)s e-mails", count)
    ).click()


def run_selection_journey(page, audit, mailbox, language: str) -> Words:
    w = Words(language)
    # Six applications in review, each reviewer giving the same score (the mean is exact),
    # in a call staff moved to selection once the reviews were in.
    scenario = call_in_review(
        applications=6,
        reviewers=3,
        scores=[[mean] * 3 for mean in (9, 8, 7, 6, 5, 3)],
        complementary_size=2,
        status=CallStatus.SELECTION,
    )
    call = scenario.call
    a, b, c, d, e, f = scenario.applications
    shortlisted = [a, b, c, d, e]
    for application in scenario.applications:
        application.coordinator.language = language
        application.coordinator.save(update_fields=["language"])
    FundingSourceFactory(call=call, fellowships=2, name="Industry donation")
    StaffFactory(email="chair@example.org", full_name="Claire Chair", language=language)
    log_in(page, "chair@example.org", expect_name="Claire Chair")

    # The scoreboard, then the shortlist: a cut at five, the sixth left out.
    page.goto(reverse("reviews:scoreboard", args=[call.slug]))
    for application in scenario.applications:
        expect(page.locator("main")).to_contain_text(application.reference)
    audit.check(page)
    page.get_by_test_id("staff-call-nav").get_by_role("link", name=w("Shortlist")).click()
    audit.check(page)
    page.get_by_label(w("Target size of the shortlist")).fill("5")
    page.get_by_role("button", name=w("Suggest a cut")).click()
    for application in shortlisted:
        expect(page.get_by_label(w("Shortlist %(ref)s", ref=application.reference))).to_be_checked()
    expect(page.get_by_label(w("Shortlist %(ref)s", ref=f.reference))).not_to_be_checked()
    expect(page.locator("#shortlist-count")).to_have_text(
        w.n("%(n)s ticked", "%(n)s ticked", 5, n=5)
    )
    page.get_by_role("button", name=w("Confirm the shortlist")).click()
    see_message(
        page,
        w(
            "%(yes)s, %(no)s. The applicants' mails are held in the outbox: read them and "
            "release them.",
            yes=w.n("%(count)d application shortlisted", "%(count)d applications shortlisted", 5),
            no=w.n("%(count)d not shortlisted", "%(count)d not shortlisted", 1),
        ),
    )
    expect(page).to_have_url(re.compile(r"/mail/outbox/\?"))
    release_all(page, audit, w, 6)
    for application in shortlisted:
        mailbox.wait(
            to=application.coordinator.email,
            subject=w("Your application %(ref)s is shortlisted", ref=application.reference),
        )
    mailbox.wait(
        to=f.coordinator.email,
        subject=w("Your application %(ref)s is not shortlisted", ref=f.reference),
    )
    f.refresh_from_db()
    assert f.status == ApplicationStatus.NOT_SHORTLISTED

    page.goto(reverse("reviews:lists_board", args=[call.slug]))
    expect(page.get_by_role("heading", name=w("Panel ranking"), level=1)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(f.reference)
    audit.check(page)

    # Keyboard alone: a reason, then the move button reached by focus and pressed.
    page.get_by_label(w("Reason for the move")).focus()
    page.keyboard.type("The panel prefers the training plan of this project.")
    page.get_by_role("button", name=f"{w('To the main list')} · {c.reference}").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#main-list")).to_contain_text(c.reference)
    assert c.pk in ids_on(call, "main")

    # One drag and drop on the SortableJS board: E to the top of the main list.
    page.locator(f"#entry-{e.pk} .drag-handle").drag_to(page.locator(f"#entry-{a.pk}"))
    expect(page.locator("#order-panel")).to_be_visible()
    page.get_by_label(w("Reason for the move")).fill("Dragged up by the chair after discussion.")
    page.get_by_role("button", name=w("Save the new order")).click()
    expect(page.locator("#main-list li").first).to_contain_text(e.reference)
    assert ids_on(call, "main")[0] == e.pk
    audit.check(page, state="moved")

    # Fix the lists.
    page.locator("#fix-form input[type=checkbox]").check()
    page.locator("#fix-form").get_by_role("button", name=w("Fix the lists")).click()
    see_message(
        page,
        w(
            "The lists are fixed: %(funded)s, %(complementary)d on the complementary list, "
            "%(not_selected)s.",
            funded=w.n("%(count)d funded", "%(count)d funded", 2),
            complementary=2,
            not_selected=w.n("%(count)d not selected", "%(count)d not selected", 1),
        ),
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
    publish.get_by_role("button", name=w("Publish the results")).click()
    see_message(
        page,
        w.n(
            "Results published: %(count)d mail is held in the outbox. Read it and release it.",
            "Results published: %(count)d mails are held in the outbox. Read them and "
            "release them.",
            6,
        ),
    )
    held = OutboxMessage.objects.filter(status=OutboxStatus.HELD)
    assert held.count() == len(scenario.applications)  # the one not shortlisted is told too
    assert len(mailbox.sink.messages) == sent_before

    # Review then release the held mails from the outbox (where publishing leads).
    expect(page).to_have_url(re.compile("/mail/outbox/"))
    for application in scenario.applications:
        expect(page.locator("main")).to_contain_text(application.coordinator.email)
    release_all(page, audit, w, 6)
    main, complementary = ids_on(call, "main")[:2], ids_on(call, "complementary")
    for application in scenario.applications:
        if application.pk in main:
            subject = "Your application %(ref)s is selected for funding"
        elif application.pk in complementary:
            subject = "Your application %(ref)s is on the complementary list"
        else:
            subject = "Result of your application %(ref)s"
        mailbox.wait(
            to=application.coordinator.email, subject=w(subject, ref=application.reference)
        )
    assert not OutboxMessage.objects.filter(status=OutboxStatus.HELD).exists()

    # Additional funding: the first complementary project is promoted and told.
    first_reserve = call.applications.get(pk=ids_on(call, "complementary")[0])
    page.goto(reverse("reviews:decisions", args=[call.slug]))
    page.get_by_label(w("Name of the source")).fill("Additional grant")
    page.get_by_label(w("Fellowships it pays for")).fill("1")
    page.get_by_role("button", name=w("Add the source")).click()
    expect(page.locator("main")).to_contain_text(first_reserve.reference)
    expect(page.locator("main")).to_contain_text("Additional grant")
    first_reserve.refresh_from_db()
    assert first_reserve.status == ApplicationStatus.FUNDED
    promotion = OutboxMessage.objects.get(
        event="promotion", to_email=first_reserve.coordinator.email
    )
    if promotion.status == OutboxStatus.HELD:  # reviewed and released like the results
        page.goto(reverse("notifications:outbox_detail", args=[promotion.pk]))
        audit.check(page)
        page.locator("main").get_by_role("button", name=w("Release and send")).click()
    mail = mailbox.wait(
        to=first_reserve.coordinator.email,
        subject=w(
            "A place is now available: your application %(ref)s is selected for funding",
            ref=first_reserve.reference,
        ),
    )
    assert first_reserve.reference in str(mail["Subject"])
    # The shortlist mail, the results mail, then the promotion.
    assert len(mailbox.to(first_reserve.coordinator.email)) == 3

    # The dashboard of the call: its charts are drawn.
    page.goto(reverse("reviews:call_dashboard", args=[call.slug]))
    expect(page.locator("main canvas").first).to_be_visible()
    audit.check(page)
    audit.assert_clean()
    return w


def test_shortlist_lists_publish_release_then_additional_funding(page, audit, mailbox):
    run_selection_journey(page, audit, mailbox, "en")


def test_selection_journey_in_french(page, audit, mailbox, live_server):
    """Journey 5: the same story read in French, mails in French."""
    run_in_french(run_selection_journey, page, audit, mailbox, live_server)
