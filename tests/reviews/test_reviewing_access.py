"""The reviewer's path to an assigned application: the dashboard, the confidentiality
terms, the conflict declaration, the full application and its files; and every way in
that must stay shut (not assigned, conflicted, other people)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from calls.models import ApplicationStatus
from reviews.models import (
    Assignment,
    Conflict,
    ConflictSource,
    ConflictStatus,
    DeclaredConflict,
    ReviewStatus,
)
from reviews.services.reviewing import notify_assignments
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory, submitted_application
from tests.factories.reviews import (
    ConfidentialityTermsFactory,
    assigned_reviewer,
    submitted_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory(
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=30),
        review_deadline=timezone.now() + timedelta(days=20),
    )


@pytest.fixture
def application(call):
    return submitted_application(
        call=call,
        status=ApplicationStatus.IN_REVIEW,
        title="Neural operators for turbulence",
        acronym="NEUTURB",
        abstract="We learn turbulence closures from simulations.",
        ai_side="Secret AI side of the project.",
    )


def detail_url(application):
    return reverse("reviews:assignment_detail", args=[application.pk])


def document_url(application, document):
    return reverse("reviews:assignment_document", args=[application.pk, document.pk])


def login(client, user):
    client.force_login(user)
    return client


# --- Dashboard -------------------------------------------------------------------------


def test_dashboard_lists_my_active_assignments_with_state_deadline_and_what_is_left(
    client, call, application
):
    reviewer = UserFactory()
    declared = assigned_reviewer(application, user=reviewer)
    other_call = CallFactory(
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=30),
        review_deadline=timezone.now() + timedelta(days=40),
    )
    other = submitted_application(call=other_call, status=ApplicationStatus.IN_REVIEW)
    to_declare = assigned_reviewer(other, user=reviewer, declared=False)
    third = submitted_application(call=call, status=ApplicationStatus.IN_REVIEW)
    done = assigned_reviewer(third, user=reviewer)
    submitted_review(assignment=done, scores=[4, 3, 5, None])
    # Not mine, ended, or blocked: not listed.
    assigned_reviewer(submitted_application(call=call, status=ApplicationStatus.IN_REVIEW))
    ended = assigned_reviewer(
        submitted_application(call=call, status=ApplicationStatus.IN_REVIEW), user=reviewer
    )
    Assignment.objects.filter(pk=ended.pk).update(is_active=False)

    response = login(client, reviewer).get(reverse("reviews:my_assignments"))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.assignment for row in rows] == [declared, done, to_declare]
    assert [row.state for row in rows] == ["to_review", "submitted", "declare"]
    assert rows[0].deadline == call.review_deadline
    assert rows[0].left == [
        "4 criteria to score",
        "Overall recommendation",
        "Confidence level",
        "Submit the review",
    ]
    assert rows[1].left == []
    assert rows[2].left == ["Declare whether you have a conflict of interest"]
    assert b"NEUTURB" in response.content


def test_dashboard_shows_terms_to_accept_when_the_call_published_a_new_version(
    client, call, application
):
    assignment = assigned_reviewer(application)
    ConfidentialityTermsFactory(call=call)  # version 2, not accepted yet

    response = login(client, assignment.invitation.expert.user).get(
        reverse("reviews:my_assignments")
    )

    (row,) = response.context["rows"]
    assert row.state == "terms"
    assert reverse("reviews:confidentiality", args=[call.slug]).encode() in response.content


def test_dashboard_query_count_does_not_depend_on_the_number_of_assignments(client, call):
    reviewer = UserFactory()
    login(client, reviewer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reviews:my_assignments"))
        assert response.status_code == 200
        return len(queries)

    first = assigned_reviewer(
        submitted_application(call=call, status=ApplicationStatus.IN_REVIEW), user=reviewer
    )
    submitted_review(assignment=first, scores=[4, 3, 5, None])
    one = count()
    for declared in (True, False):
        assigned_reviewer(
            submitted_application(call=call, status=ApplicationStatus.IN_REVIEW),
            user=reviewer,
            declared=declared,
        )
    three = count()

    assert one == three


def test_dashboard_is_empty_for_someone_who_reviews_nothing(client):
    response = login(client, UserFactory()).get(reverse("reviews:my_assignments"))

    assert response.status_code == 200
    assert response.context["rows"] == []


def test_dashboard_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("reviews:my_assignments"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- Terms and declaration -----------------------------------------------------------


def test_assigned_application_asks_for_the_terms_before_anything_else(client, application):
    assignment = assigned_reviewer(application, accept_terms=False, declared=False)
    ConfidentialityTermsFactory(call=application.call)

    response = login(client, assignment.invitation.expert.user).get(detail_url(application))

    assert response.status_code == 200
    assert response.templates[0].name == "reviews/reviewing/terms_required.html"
    assert b"We learn turbulence closures" not in response.content


def test_declaration_page_shows_only_title_acronym_abstract_and_partner_units(client, application):
    assignment = assigned_reviewer(application, declared=False)
    partner = application.partners.first()

    response = login(client, assignment.invitation.expert.user).get(detail_url(application))

    assert response.templates[0].name == "reviews/reviewing/declare.html"
    content = response.content.decode()
    assert "Neural operators for turbulence" in content
    assert "NEUTURB" in content
    assert "We learn turbulence closures" in content
    assert partner.unit.label in content
    assert "Secret AI side" not in content
    assert partner.lead_name not in content
    assert partner.lead_email not in content
    assert reverse("reviews:assignment_document", args=[application.pk, 1])[:-2] not in content


def test_declaring_no_conflict_opens_the_full_application_and_is_audited(client, application):
    assignment = assigned_reviewer(application, declared=False)
    user = assignment.invitation.expert.user

    response = login(client, user).post(
        reverse("reviews:assignment_declare", args=[application.pk]), {"declaration": "none"}
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.coi_declaration == DeclaredConflict.NONE
    assert assignment.coi_declared_at is not None
    assert AuditEvent.objects.filter(verb="review.no_conflict_declared", actor=user).count() == 1
    page = client.get(detail_url(application))
    assert page.templates[0].name == "reviews/reviewing/application.html"
    assert b"Secret AI side" in page.content


def test_declaring_a_conflict_ends_the_assignment_confirms_the_conflict_and_tells_staff(
    client, application, django_capture_on_commit_callbacks
):
    staff = StaffFactory(email="manager@example.org", language="fr")
    coordinating_staff = application.coordinator
    coordinating_staff.is_programme_staff = True
    coordinating_staff.save()
    assignment = assigned_reviewer(application, declared=False)
    expert = assignment.invitation.expert
    Conflict.objects.create(
        invitation=assignment.invitation,
        application=application,
        source=ConflictSource.DETECTED,
        status=ConflictStatus.SUSPECTED,
        rule="same_domain",
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = login(client, expert.user).post(
            reverse("reviews:assignment_declare", args=[application.pk]),
            {"declaration": "conflict", "reason": "We published together last year."},
        )

    assert response.status_code == 302
    assert response.url == reverse("reviews:my_assignments")
    assignment.refresh_from_db()
    assert assignment.is_active is False
    assert assignment.ended_at is not None
    assert "We published together last year." in assignment.end_reason
    assert assignment.coi_declaration == DeclaredConflict.CONFLICT
    conflict = Conflict.objects.get(invitation=assignment.invitation, application=application)
    assert (conflict.source, conflict.status) == (ConflictSource.DECLARED, ConflictStatus.CONFIRMED)
    assert conflict.reason == "We published together last year."
    assert AuditEvent.objects.filter(verb="review.conflict_declared").count() == 1
    (mail,) = OutboxMessage.objects.filter(event="conflict_declared")
    assert (mail.to_email, mail.recipient) == ("manager@example.org", staff)
    assert mail.language == "fr"
    assert expert.full_name in mail.body_text
    assert "We published together last year." in mail.body_text
    # The application is gone from the reviewer's side.
    assert client.get(detail_url(application)).status_code == 404
    assert client.get(reverse("reviews:my_assignments")).context["rows"] == []


def test_declaring_a_conflict_without_a_reason_is_refused_and_changes_nothing(client, application):
    assignment = assigned_reviewer(application, declared=False)

    response = login(client, assignment.invitation.expert.user).post(
        reverse("reviews:assignment_declare", args=[application.pk]),
        {"declaration": "conflict", "reason": "  "},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say briefly what the conflict is."]
    assignment.refresh_from_db()
    assert assignment.is_active is True
    assert assignment.coi_declaration == ""
    assert not Conflict.objects.exists()


def test_declaring_before_accepting_the_terms_changes_nothing(client, application):
    assignment = assigned_reviewer(application, accept_terms=False, declared=False)
    ConfidentialityTermsFactory(call=application.call)

    response = login(client, assignment.invitation.expert.user).post(
        reverse("reviews:assignment_declare", args=[application.pk]), {"declaration": "none"}
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.coi_declaration == ""


def test_a_reviewer_may_still_declare_a_conflict_after_reading_the_application(client, application):
    assignment = assigned_reviewer(application)

    response = login(client, assignment.invitation.expert.user).post(
        reverse("reviews:assignment_declare", args=[application.pk]),
        {"declaration": "conflict", "reason": "I recognised my former student."},
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.is_active is False
    assert Conflict.objects.get().status == ConflictStatus.CONFIRMED


# --- Full application and documents ---------------------------------------------------


def test_full_application_shows_content_and_document_links_but_no_excluded_reviewers(
    client, application
):
    application.excluded_reviewers.create(name="Doctor Rival", reason="Competitor")
    assignment = assigned_reviewer(application)

    response = login(client, assignment.invitation.expert.user).get(detail_url(application))

    content = response.content.decode()
    assert "Secret AI side" in content
    assert "Doctor Rival" not in content
    documents = response.context["documents"]
    assert [d.kind for d in documents] == ["project", "cv"]
    for document in documents:
        assert document_url(application, document) in content


def test_document_download_is_an_attachment_with_nosniff_and_is_audited(client, application):
    assignment = assigned_reviewer(application)
    user = assignment.invitation.expert.user
    document = application.documents.get(kind="project")

    response = login(client, user).get(document_url(application, document))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(verb="application.document_downloaded", actor=user).exists()


def test_document_is_404_before_declaring_no_conflict(client, application):
    assignment = assigned_reviewer(application, declared=False)
    document = application.documents.first()

    response = login(client, assignment.invitation.expert.user).get(
        document_url(application, document)
    )

    assert response.status_code == 404


def test_document_of_another_application_is_404_through_my_assignment(client, call, application):
    assignment = assigned_reviewer(application)
    other = submitted_application(call=call, status=ApplicationStatus.IN_REVIEW)
    foreign = other.documents.first()

    response = login(client, assignment.invitation.expert.user).get(
        document_url(application, foreign)
    )

    assert response.status_code == 404


def test_replaced_document_is_404(client, application):
    assignment = assigned_reviewer(application)
    document = application.documents.first()
    document.is_current = False
    document.save()

    response = login(client, assignment.invitation.expert.user).get(
        document_url(application, document)
    )

    assert response.status_code == 404


@pytest.mark.parametrize("source", [ConflictSource.DETECTED, ConflictSource.STAFF])
def test_confirmed_conflict_hides_application_review_and_documents(client, application, source):
    assignment = assigned_reviewer(application)
    Conflict.objects.create(
        invitation=assignment.invitation,
        application=application,
        source=source,
        status=ConflictStatus.CONFIRMED,
    )
    login(client, assignment.invitation.expert.user)
    document = application.documents.first()

    assert client.get(detail_url(application)).status_code == 404
    assert client.get(reverse("reviews:review_edit", args=[application.pk])).status_code == 404
    assert client.get(document_url(application, document)).status_code == 404
    assert (
        client.post(
            reverse("reviews:assignment_declare", args=[application.pk]), {"declaration": "none"}
        ).status_code
        == 404
    )
    assert client.get(reverse("reviews:my_assignments")).context["rows"] == []


def test_suspected_or_cleared_conflict_does_not_hide_the_application(client, application):
    assignment = assigned_reviewer(application)
    Conflict.objects.create(
        invitation=assignment.invitation,
        application=application,
        source=ConflictSource.DETECTED,
        status=ConflictStatus.CLEARED,
    )

    response = login(client, assignment.invitation.expert.user).get(detail_url(application))

    assert response.status_code == 200


@pytest.mark.parametrize("who", ["other_reviewer", "coordinator", "staff", "stranger"])
def test_pages_of_an_assignment_are_404_for_everyone_but_its_reviewer(client, application, who):
    assigned_reviewer(application)
    people = {
        "other_reviewer": lambda: (
            assigned_reviewer(
                submitted_application(call=application.call, status=ApplicationStatus.IN_REVIEW)
            ).invitation.expert.user
        ),
        "coordinator": lambda: application.coordinator,
        "staff": StaffFactory,
        "stranger": UserFactory,
    }
    login(client, people[who]())
    document = application.documents.first()

    assert client.get(detail_url(application)).status_code == 404
    assert client.get(reverse("reviews:review_edit", args=[application.pk])).status_code == 404
    assert client.get(document_url(application, document)).status_code == 404
    declare = reverse("reviews:assignment_declare", args=[application.pk])
    assert client.post(declare, {"declaration": "none"}).status_code == 404


def test_anonymous_visitor_is_sent_to_login_for_documents(client, application):
    assigned_reviewer(application)
    document = application.documents.first()

    response = client.get(document_url(application, document))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_withdrawn_application_disappears_from_the_reviewer(client, application):
    assignment = assigned_reviewer(application)
    application.status = ApplicationStatus.WITHDRAWN
    application.save()

    login(client, assignment.invitation.expert.user)

    assert client.get(detail_url(application)).status_code == 404


def test_reviewer_never_sees_other_reviewers_names_or_scores(client, application):
    mine = assigned_reviewer(application)
    rival = UserFactory(full_name="Zebediah Rivalsson")
    theirs = assigned_reviewer(application, user=rival)
    review = submitted_review(assignment=theirs, scores=[1, 1, 1, 1])
    review.comments_for_applicants = "Rival comment never to be shown"
    review.save()
    login(client, mine.invitation.expert.user)

    pages = [
        client.get(detail_url(application)),
        client.get(reverse("reviews:review_edit", args=[application.pk])),
        client.get(reverse("reviews:my_assignments")),
    ]

    for page in pages:
        assert page.status_code == 200
        assert b"Zebediah" not in page.content
        assert b"Rival comment" not in page.content
    assert review.status == ReviewStatus.SUBMITTED


# --- Assignment mails -----------------------------------------------------------------


def test_notify_assignments_sends_one_mail_per_reviewer_in_their_language(call):
    first = submitted_application(call=call, status=ApplicationStatus.IN_REVIEW, acronym="ONE")
    second = submitted_application(call=call, status=ApplicationStatus.IN_REVIEW, acronym="TWO")
    french = UserFactory(language="fr")
    a1 = assigned_reviewer(first, user=french, declared=False)
    a2 = assigned_reviewer(second, user=french, declared=False)
    a3 = assigned_reviewer(second, declared=False)

    queued = notify_assignments([a1, a2, a3])

    assert queued == 2
    mails = OutboxMessage.objects.filter(event="review_assignment").order_by("pk")
    assert [m.to_email for m in mails] == [
        a1.invitation.expert.email,
        a3.invitation.expert.email,
    ]
    assert mails[0].language == "fr"
    assert "ONE" in mails[0].body_text and "TWO" in mails[0].body_text
    assert "ONE" not in mails[1].body_text
    assert a3.invitation.expert.full_name not in mails[0].body_text
    assert reverse("reviews:my_assignments") in mails[0].body_text


def test_notify_assignments_skips_ended_assignments(call, application):
    assignment = assigned_reviewer(application, declared=False)
    Assignment.objects.filter(pk=assignment.pk).update(is_active=False)

    assert notify_assignments([assignment]) == 0
    assert not OutboxMessage.objects.exists()
