"""Journey 3: staff ask for an assignment proposal, watch it computed by the real Celery
worker (the progress bar while it waits, then the proposal), confirm it, follow the
review progress and send a reminder that reaches the reviewer. Journey 5 runs it in
French (the proposal is then computed in process)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import ApplicationStatus, CallStatus
from reviews.models import Assignment, ReminderSent
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory
from tests.factories.reviews import eligible_application, reviewer_of

from .conftest import Mailbox, Words, log_in, run_in_french

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVIEWERS = ("Alice Weber", "Bruno Keller", "Chen Li")


def run_assignment_journey(page, audit, mailbox: Mailbox, language: str) -> Words:
    w = Words(language)
    call = CallFactory(
        status=CallStatus.CLOSED,
        closes_at=timezone.now() - timedelta(hours=1),
        title_en="AISSAI postdoc call 2025",
        title_fr="Appel postdoc AISSAI 2025",
        reviews_per_application=2,
    )
    title = call.title_fr if language == "fr" else call.title_en
    applications = [
        eligible_application(
            call,
            acronym=acronym,
            keywords=keywords,
            coordinator=UserFactory(email=f"coordinator{n}.{language}@lab{n}.example.fr"),
        )
        for n, (acronym, keywords) in enumerate(
            [
                ("NEUROFLOW", ["machine learning", "turbulence"]),
                ("QUANTML", ["machine learning", "quantum chemistry"]),
                ("GEOAI", ["deep learning", "seismology"]),
            ]
        )
    ]
    reviewers = []
    for n, name in enumerate(REVIEWERS):
        user = UserFactory(
            email=f"reviewer{n}.{language}@university{n}.example.org",
            full_name=name,
            language=language,
        )
        reviewers.append(reviewer_of(call, user=user, accept_terms=True))
    staff_email = f"chair.{language}@cnrs.example.fr"
    StaffFactory(email=staff_email, full_name="Claire Chair", language=language)

    log_in(page, staff_email, expect_name="Claire Chair")
    page.goto(reverse("reviews:assignment", args=[call.slug]))
    expect(page.get_by_test_id("application-row")).to_have_count(3)
    expect(page.get_by_test_id("reviewers").first).to_have_text("0")
    audit.check(page)

    # Ask for a proposal. With the worker held, the page shows the progress bar.
    with mailbox.worker_paused():
        page.get_by_role("button", name=w("Compute a proposal")).click()
        expect(page).to_have_url(re.compile(rf"/staff/{call.slug}/assignment/proposals/\d+/$"))
        if mailbox.mode == "worker":
            expect(page.locator("#proposal-progress")).to_contain_text(w("Computing the proposal…"))
            expect(page.get_by_test_id("proposal-status")).to_have_text(w("Waiting for a worker"))
            audit.check(page, state="pending")
    # The worker computes it; the page follows the status and reloads by itself.
    expect(page.get_by_test_id("proposal-status")).to_have_text(
        w("Ready to review"), timeout=30_000
    )
    expect(page.get_by_test_id("new-pairs")).to_have_text("6")
    expect(page.get_by_test_id("unmet-total")).to_have_text("0")
    expect(page.get_by_test_id("proposal-row")).to_have_count(3)
    audit.check(page, state="ready")

    # Confirm: six assignments, each reviewer told by mail of their two applications.
    page.get_by_role(
        "button", name=w.n("Confirm %(count)s assignment", "Confirm %(count)s assignments", 6)
    ).click()
    expect(page.locator(".messages")).to_contain_text(
        w.n(
            "%(count)d assignment created; the reviewers will be told by e-mail.",
            "%(count)d assignments created; the reviewers will be told by e-mail.",
            6,
        )
    )
    assert Assignment.objects.filter(application__call=call, is_active=True).count() == 6
    for application in applications:
        application.refresh_from_db()
        assert application.status == ApplicationStatus.IN_REVIEW
    subject = w.n(
        "One application to review for the call “%(call)s”",
        "%(counter)s applications to review for the call “%(call)s”",
        2,
        counter=2,
        call=title,
    )
    for invitation in reviewers:
        mail = mailbox.wait(to=invitation.expert.email, subject=subject)
        mine = Assignment.objects.filter(invitation=invitation).select_related("application")
        for assignment in mine:
            assert assignment.application.reference in mailbox.text(mail)

    # Progress: nothing submitted yet; a reminder to the first reviewer.
    page.get_by_test_id("staff-call-nav").get_by_role("link", name=w("Progress")).click()
    expect(page.get_by_test_id("summary")).to_contain_text(
        w(
            "%(done)s of %(assigned)s assigned reviews submitted; %(k)s reviews asked per "
            "application.",
            done=0,
            assigned=6,
            k=2,
        )
    )
    audit.check(page)
    row = page.get_by_test_id("reviewer-row").filter(has_text=REVIEWERS[0])
    expect(row.get_by_test_id("assigned")).to_have_text("2")
    row.get_by_role("button", name=w("Send a reminder")).click()
    expect(page.locator(".messages")).to_contain_text(
        w.n(
            "A reminder of %(count)d unfinished review was sent to %(name)s.",
            "A reminder of %(count)d unfinished reviews was sent to %(name)s.",
            2,
            name=REVIEWERS[0],
        )
    )
    reminder = mailbox.wait(
        to=reviewers[0].expert.email,
        subject=w("Reminder: reviews due for the call “%(call)s”", call=title),
    )
    for assignment in Assignment.objects.filter(invitation=reviewers[0]):
        assert assignment.application.reference in mailbox.text(reminder)
    assert ReminderSent.objects.filter(assignment__invitation=reviewers[0]).count() == 2
    assert len(mailbox.to(reviewers[1].expert.email)) == 1, "only the first reviewer is reminded"
    audit.assert_clean()
    return w


@pytest.mark.celery_worker
def test_assignment_journey_with_a_real_worker(page, audit, mailbox):
    run_assignment_journey(page, audit, mailbox, "en")


def test_assignment_journey_in_french(page, audit, mailbox, live_server):
    run_in_french(run_assignment_journey, page, audit, mailbox, live_server)
