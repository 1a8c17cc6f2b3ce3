"""Journey 2: staff screen eligibility and invite two experts; one accepts from the mail
link, accepts the confidentiality terms, declares no conflict and scores the application
with a draft saved in between (by keyboard); the other declares a conflict and loses
access. Journey 5 runs the same story in French."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from aissai.formatting import score_out_of
from calls.models import ApplicationStatus, CallStatus
from reviews.models import Assignment, Review, ReviewStatus
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory
from tests.factories.calls import CallFactory, submitted_application

from .conftest import Mailbox, Words, expect_not_found, log_in, log_out, run_in_french

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def see_message(page, text: str) -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def invite(page, audit, w: Words, call, *, name: str, email: str, language: str) -> None:
    page.goto(reverse("reviews:pool", args=[call.slug]))
    page.get_by_role("link", name=w("Invite an expert")).click()
    audit.check(page)
    page.get_by_label(w("Full name")).fill(name)
    page.get_by_label(w("E-mail address")).fill(email)
    page.get_by_label(w("Institution")).fill("Universität Heidelberg")
    page.get_by_label(w("Country")).fill("Germany")
    page.get_by_label(w("Expertise keywords")).fill("machine learning, turbulence")
    page.get_by_label(w("Language of the e-mails")).select_option(language)
    page.get_by_role("button", name=w("Invite and send the e-mail")).click()
    see_message(
        page,
        w("%(name)s is invited; the invitation was sent to %(email)s.", name=name, email=email),
    )


def title_in(call, language: str) -> str:
    return call.title_fr if language == "fr" else call.title_en


def accept_invitation(page, audit, mailbox: Mailbox, w: Words, call, *, email: str) -> None:
    """The expert follows the link of the mail, creates the account and accepts the terms."""
    title = title_in(call, w.language)
    mail = mailbox.wait(
        to=email, subject=w("Invitation to review for the call “%(call)s”", call=title)
    )
    page.goto(mailbox.link(mail, "/reviews/invitation/"))
    expect(page.locator("main")).to_contain_text(title)
    audit.check(page)
    page.get_by_role("button", name=w("Accept the invitation")).click()
    audit.check(page)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name=w("Create my account and accept")).click()
    see_message(
        page,
        w(
            "Thank you for accepting to review for this call. Please read and accept the "
            "confidentiality terms first."
        ),
    )
    expect(page.locator("#terms-text")).to_contain_text(
        "Je garderai confidentiel" if w.language == "fr" else "I will keep confidential"
    )
    audit.check(page)
    page.get_by_label(w("I have read these terms and I accept them.")).check()
    page.get_by_role("button", name=w("Accept the terms")).click()
    see_message(page, w("Thank you: you accepted the confidentiality terms."))
    expect(page.locator("#reviewer-calls")).to_contain_text(
        w("Confidentiality terms accepted (version %(version)s)", version=1)
    )
    audit.check(page)
    log_out(page)


def run_review_journey(page, audit, mailbox: Mailbox, language: str) -> Words:
    w = Words(language)
    call = CallFactory(
        status=CallStatus.CLOSED,
        closes_at=timezone.now() - timedelta(hours=1),
        title_en="AISSAI postdoc call 2025",
        title_fr="Appel postdoc AISSAI 2025",
        reviews_per_application=2,
    )
    first = submitted_application(
        call=call,
        coordinator=UserFactory(email=f"ines.{language}@lisn.example.fr", language=language),
        acronym="NEUROFLOW",
        title="Neural operators for turbulent flows",
    )
    second = submitted_application(
        call=call,
        coordinator=UserFactory(email=f"paul.{language}@lpthe.example.fr", language=language),
        acronym="QUANTML",
    )
    StaffFactory(
        email=f"chair.{language}@cnrs.example.fr", full_name="Claire Chair", language=language
    )
    alice = f"alice.{language}@uni-heidelberg.example.de"
    bruno = f"bruno.{language}@ethz.example.ch"

    # Staff screen eligibility: one application on its own page, the other in bulk.
    log_in(page, f"chair.{language}@cnrs.example.fr", expect_name="Claire Chair")
    page.goto(reverse("calls:staff_screening_list", args=[call.slug]))
    table = page.locator("#screening-table")
    expect(table).to_contain_text(first.reference)
    expect(table).to_contain_text(second.reference)
    audit.check(page)
    table.get_by_role("row").filter(has_text=first.reference).get_by_role(
        "link", name=w("Screen")
    ).click()
    expect(page.locator("main")).to_contain_text(w("Automatic checks"))
    audit.check(page)
    page.get_by_label(w("Eligible"), exact=True).check()
    page.get_by_role("button", name=w("Save the ruling and notify the applicant")).click()
    see_message(
        page,
        w(
            "%(application)s is now %(status)s; the coordinator is notified by e-mail.",
            application=str(first),
            status=w("Eligible"),
        ),
    )
    first.refresh_from_db()
    assert first.status == ApplicationStatus.ELIGIBLE
    page.get_by_label(w("Select %(ref)s", ref=second.reference)).check()
    page.get_by_role("button", name=w("Rule the selected applications eligible")).click()
    see_message(
        page,
        w.n(
            "%(n)d application ruled eligible; its coordinator is notified.",
            "%(n)d applications ruled eligible; their coordinators are notified.",
            1,
            n=1,
        ),
    )
    for application in (first, second):
        mail = mailbox.wait(
            to=application.coordinator.email,
            subject=w("Your application %(ref)s is eligible", ref=application.reference),
        )
        assert application.reference in mailbox.text(mail)

    # The confidentiality terms, then two experts invited in the chosen language.
    page.goto(reverse("reviews:terms_edit", args=[call.slug]))
    audit.check(page)
    page.get_by_role("button", name=w("Publish"), exact=True).click()
    see_message(
        page, w("Version %(version)d is published; reviewers must accept it again.", version=1)
    )
    invite(page, audit, w, call, name="Alice Weber", email=alice, language=language)
    invite(page, audit, w, call, name="Bruno Keller", email=bruno, language=language)
    expect(page.locator("#pool-table")).to_contain_text("Alice Weber")
    expect(page.locator("#pool-table")).to_contain_text("Bruno Keller")
    audit.check(page)
    log_out(page)

    # Each expert accepts from the link in the mail.
    accept_invitation(page, audit, mailbox, w, call, email=alice)
    accept_invitation(page, audit, mailbox, w, call, email=bruno)

    # Staff assign both to the first application.
    log_in(page, f"chair.{language}@cnrs.example.fr", expect_name="Claire Chair")
    page.goto(reverse("reviews:assignment", args=[call.slug]))
    audit.check(page)
    page.get_by_role("link", name=f"{w('Reviewers')} {first.acronym}").click()
    audit.check(page)
    for name in ("Alice Weber", "Bruno Keller"):
        page.get_by_role("button", name=f"{w('Assign')} {name}").click()
        see_message(
            page,
            w(
                "%(name)s is assigned to %(application)s; they will be told by e-mail.",
                name=name,
                application=str(first),
            ),
        )
    expect(page.get_by_test_id("assignment-row")).to_have_count(2)
    log_out(page)

    # Alice: from the mail to the declaration, then the review.
    subject = w.n(
        "One application to review for the call “%(call)s”",
        "%(counter)s applications to review for the call “%(call)s”",
        1,
        call=title_in(call, language),
    )
    assigned = mailbox.wait(to=alice, subject=subject)
    assert first.reference in mailbox.text(assigned)
    log_in(page, alice, expect_name="Alice Weber")
    page.goto(mailbox.link(assigned, "/reviews/assignments/"))
    audit.check(page)
    row = page.get_by_test_id("assignment-row")
    expect(row).to_contain_text(w("Conflicts of interest to declare"))
    row.get_by_role("link", name=first.acronym).click()
    expect(page.get_by_test_id("abstract")).to_be_visible()
    audit.check(page)
    page.get_by_label(w("I have no conflict of interest with this application")).check()
    page.get_by_role("button", name=w("Send my declaration")).click()
    see_message(page, w("Thank you. The application is now open to you."))
    audit.check(page)
    page.get_by_role("link", name=w("Write the review")).click()
    audit.check(page)

    # A draft typed with the keyboard alone; Enter saves it (the first button).
    criteria = list(call.criteria.order_by("position"))
    page.locator(f"#id_score_{criteria[0].pk}").focus()
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    page.keyboard.type("A strong team and a clear plan.")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    see_message(page, w("Your draft is saved."))
    expect(page.get_by_test_id("state")).to_have_text(w("Draft"))

    # Away and back: the draft is there.
    page.get_by_role("link", name=w("My review assignments")).first.click()
    expect(page.get_by_test_id("state")).to_have_text(w("Draft"))
    page.get_by_role("link", name=w("Write the review")).click()
    expect(page.locator(f"#id_score_{criteria[0].pk}")).to_have_value("4")
    expect(page.locator(f"#id_comment_{criteria[0].pk}")).to_have_value(
        "A strong team and a clear plan."
    )
    expect(page.locator(f"#id_score_{criteria[1].pk}")).to_have_value("3")

    # Complete and submit.
    page.locator(f"#id_score_{criteria[2].pk}").fill("5")
    page.locator(f"#id_na_{criteria[3].pk}").check()
    page.get_by_label(w("Overall recommendation")).select_option("strong_yes")
    page.get_by_label(w("Your confidence in this assessment")).select_option("4")
    page.get_by_label(w("Comments for the applicants")).fill("Ambitious and well argued.")
    page.get_by_role("button", name=w("Submit the review")).click()
    see_message(
        page, w("Your review is submitted. You may still change it until the review deadline.")
    )
    expect(page.get_by_test_id("state")).to_have_text(w("Submitted"))
    review = Review.objects.get(assignment__invitation__expert__email=alice)
    assert review.status == ReviewStatus.SUBMITTED
    with translation.override(language):
        # « 5,2/10 », not « 5,200 / 10 »
        expect(page.get_by_test_id("total")).to_have_text(score_out_of(review.total, 10))
    assert re.fullmatch(r"\d+([.,]\d)?/10", score_out_of(review.total, 10))
    log_out(page)

    # Bruno declares a conflict: the application is gone for him, staff are told.
    log_in(page, bruno, expect_name="Bruno Keller")
    page.goto(reverse("reviews:my_assignments"))
    page.get_by_test_id("assignment-row").get_by_role("link", name=first.acronym).click()
    page.get_by_label(w("I have a conflict of interest with this application")).check()
    page.get_by_label(w("If you have a conflict: what is it?")).fill(
        "I co-authored a paper with the coordinator last year."
    )
    page.get_by_role("button", name=w("Send my declaration")).click()
    see_message(
        page,
        w(
            "Thank you for declaring the conflict. This application is no longer assigned to "
            "you and the programme team has been told."
        ),
    )
    expect(page.locator("main")).to_contain_text(w("Nothing is assigned to you at the moment."))
    audit.check(page)
    assignment = Assignment.objects.get(invitation__expert__email=bruno)
    assert not assignment.is_active
    expect_not_found(page, reverse("reviews:assignment_detail", args=[first.pk]))
    expect_not_found(page, reverse("reviews:review_edit", args=[first.pk]))
    told = mailbox.wait(
        to=f"chair.{language}@cnrs.example.fr",
        subject=w("Conflict of interest declared on %(ref)s", ref=first.reference),
    )
    assert "Bruno Keller" in mailbox.text(told)
    assert "co-authored" in mailbox.text(told)
    audit.assert_clean()
    return w


def test_review_journey(page, audit, mailbox):
    run_review_journey(page, audit, mailbox, "en")


def test_review_journey_in_french(page, audit, mailbox, live_server):
    """Journey 5: the same story read in French, mails in French."""
    run_in_french(run_review_journey, page, audit, mailbox, live_server)
