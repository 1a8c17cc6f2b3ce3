"""Journey 6: after the decision. The coordinator records the postdoc through the form
(the fellow is mailed an invitation); staff record that another project could not
recruit, and its place goes to the project waiting on the complementary list; staff
create the kick-off and invite; the coordinator answers from the mail's link without
signing in; staff read the answers on the attendance list and open the donor's report.
Every page is checked (axe-core, 320 px, the Nu HTML checker). Also read in French."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from awards.models import Answer, EventInvitation, Fellowship, FellowshipState
from calls.models import ApplicationStatus
from tests.factories.accounts import StaffFactory
from tests.factories.awards import funded_call

from .conftest import Words, log_in, log_out, run_in_french

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def see_message(page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def run_awards_journey(page, audit, mailbox, language: str) -> Words:
    w = Words(language)
    staff = StaffFactory(email="pm@example.org", full_name="Paula Manager", language=language)
    award = funded_call(staff=staff, means=(9, 8, 7, 6), sources=(2,), amounts=("240000",))
    a, b, c = award.app("A"), award.app("B"), award.app("C")
    call_title = award.call.title_fr if language == "fr" else award.call.title_en
    for application in (a, b, c):
        application.coordinator.language = language
        application.coordinator.save(update_fields=["language"])

    # The coordinator of A records the recruit.
    log_in(page, a.coordinator.email)
    page.get_by_role("link", name=w("Fellowships")).first.click()
    audit.check(page)
    page.get_by_role("link", name=a.reference).click()
    audit.check(page)
    page.get_by_role("link", name=w("Record the recruitment")).click()
    audit.check(page)
    page.get_by_label(w("Fellow's full name")).fill("Ada Lovelace")
    page.get_by_label(w("Fellow's e-mail address")).fill("ada.lovelace@lab.example.org")
    page.get_by_label(w("Date of the PhD defence")).fill("2025-10-01")
    page.get_by_label(w("Hosting unit")).select_option(index=1)
    page.get_by_label(w("Start date")).fill("2026-02-01")
    page.get_by_role("button", name=w("Record")).click()
    see_message(page, w("The recruitment is recorded; the fellow is invited."))
    expect(page.locator("#fellowship-dates")).to_contain_text("2026")
    invitation = mailbox.wait(
        to="ada.lovelace@lab.example.org",
        subject=w("Your fellowship in the call “%(call)s”", call=call_title),
    )
    assert "/accounts/password/reset/" in mailbox.text(invitation)
    log_out(page)

    # Staff: B could not recruit; the place goes to C.
    log_in(page, "pm@example.org", expect_name="Paula Manager")
    page.goto(reverse("awards:call_fellowships", args=[award.call.slug]))
    audit.check(page)
    expect(page.locator("#money")).to_contain_text("240")
    page.get_by_role("link", name=b.reference).click()
    page.get_by_text(w("The recruitment failed"), exact=True).click()
    page.locator("#fail_reason").fill("No candidate accepted the position.")
    page.get_by_role("button", name=w("Record the failed recruitment")).click()
    see_message(page, w("The failed recruitment is recorded and the place passed on."))
    c.refresh_from_db()
    assert c.status == ApplicationStatus.FUNDED
    assert Fellowship.objects.get(application=c).state == FellowshipState.RECRUITING

    # Staff create the kick-off and invite the people concerned.
    page.goto(reverse("awards:call_events", args=[award.call.slug]))
    audit.check(page)
    now = timezone.localtime()
    page.get_by_label(w("Title (English)")).fill("Kick-off meeting")
    page.get_by_label(w("Title (French)")).fill("Réunion de lancement")
    page.get_by_label(w("Starts at")).fill((now + timedelta(days=20)).strftime("%Y-%m-%dT10:00"))
    page.get_by_label(w("Place"), exact=True).fill("CNRS, Paris")
    page.get_by_label(w("Answers accepted until")).fill(
        (now + timedelta(days=10)).strftime("%Y-%m-%dT18:00")
    )
    page.get_by_role("button", name=w("Create the event")).click()
    see_message(page, w("The event is created: invite the people concerned."))
    audit.check(page)
    page.get_by_role(
        "button", name=w("Invite the fellows, coordinators and correspondents")
    ).click()
    see_message(
        page, w.n("%(count)d person invited.", "%(count)d people invited.", 3)
    )  # A's fellow, A's and C's coordinators
    log_out(page)

    # A's coordinator answers from the mail, without signing in.
    mail = mailbox.wait(to=a.coordinator.email, subject=w("Invitation: %(title)s", title=""))
    page.goto(mailbox.link(mail, "/awards/rsvp/"))
    audit.check(page)
    page.get_by_label(w("Yes, I will attend")).check()
    page.get_by_role("button", name=w("Send my answer")).click()
    see_message(page, w("Thank you: your answer is recorded."))
    assert EventInvitation.objects.get(person=a.coordinator).answer == Answer.YES

    # Staff read the attendance list and the donor's report.
    log_in(page, "pm@example.org", expect_name="Paula Manager")
    event = EventInvitation.objects.get(person=a.coordinator).event
    page.goto(reverse("awards:event_attendance", args=[event.pk]))
    audit.check(page)
    expect(page.get_by_test_id("attending-row")).to_have_count(1)
    page.goto(reverse("awards:call_fellowships", args=[award.call.slug]))
    page.get_by_role("link", name=w("report to the donor")).click()
    audit.check(page)
    expect(page.get_by_test_id("donor-project-row")).to_have_count(3)
    audit.assert_clean()
    return w


def test_recruit_fail_and_pass_on_kick_off_answers_donor_report(page, audit, mailbox):
    run_awards_journey(page, audit, mailbox, "en")


def test_awards_journey_in_french(page, audit, mailbox, live_server):
    run_in_french(run_awards_journey, page, audit, mailbox, live_server)
