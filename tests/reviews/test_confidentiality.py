"""Confidentiality terms: staff publish versions, a reviewer accepts the current one before
seeing any application, and again after each change. Also the reviewer role helpers, the
reviewer home and the "My reviews" link."""

import pytest
import rules
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aissai.audit.models import AuditEvent
from reviews.models import (
    ConfidentialityAcceptance,
    ConfidentialityTerms,
    Invitation,
    InvitationStatus,
)
from reviews.rules import is_reviewer_for
from reviews.selectors.pool import has_accepted_current_terms, reviewer_invitation
from reviews.services.confidentiality import TermsError, accept_terms, publish_terms
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory
from tests.factories.reviews import (
    ConfidentialityTermsFactory,
    PendingInvitationFactory,
    reviewer_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory(slug="aissai-2025")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


# Staff publish versions


def test_staff_publish_the_first_version_then_a_new_version_keeping_the_old(staff_client, call):
    url = reverse("reviews:terms_edit", args=[call.slug])
    page = staff_client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["text_en"].startswith("I will keep confidential")

    first = staff_client.post(url, {"text_en": "Keep it secret.", "text_fr": "Gardez le secret."})
    second = staff_client.post(url, {"text_en": "Keep it very secret.", "text_fr": "Très secret."})

    assert first.status_code == second.status_code == 302
    versions = list(
        ConfidentialityTerms.objects.filter(call=call)
        .order_by("version")
        .values_list("version", "text_en", "text_fr")
    )
    assert versions == [
        (1, "Keep it secret.", "Gardez le secret."),
        (2, "Keep it very secret.", "Très secret."),
    ]
    events = AuditEvent.objects.filter(verb="reviews.terms_published").order_by("pk")
    assert [e.data["version"] for e in events] == [1, 2]
    history = staff_client.get(url).context["history"]
    assert [t.version for t in history] == [2, 1]


def test_publishing_the_same_text_again_makes_no_version(staff_client, call):
    ConfidentialityTermsFactory(call=call, text_en="Same.", text_fr="Pareil.")

    response = staff_client.post(
        reverse("reviews:terms_edit", args=[call.slug]), {"text_en": "Same.", "text_fr": "Pareil."}
    )

    assert response.status_code == 200
    assert "nothing was published" in response.content.decode()
    assert ConfidentialityTerms.objects.count() == 1


def test_terms_need_both_languages(call):
    with pytest.raises(TermsError):
        publish_terms(call=call, by=StaffFactory(), text_en="Secret.", text_fr="   ")
    assert not ConfidentialityTerms.objects.exists()


# A reviewer accepts


def test_a_reviewer_must_accept_the_current_terms_before_seeing_applications(client, call):
    invitation = reviewer_of(call)
    user = invitation.expert.user
    assert not has_accepted_current_terms(invitation)  # nothing published: nothing accepted
    terms = ConfidentialityTermsFactory(call=call, text_en="Keep it all secret.")
    assert not has_accepted_current_terms(invitation)
    assert not rules.test_rule("reviews.see_call_applications", user, call)
    client.force_login(user)

    page = client.get(reverse("reviews:confidentiality", args=[call.slug]))
    assert page.status_code == 200
    assert "Keep it all secret." in page.content.decode()

    response = client.post(
        reverse("reviews:confidentiality", args=[call.slug]),
        {"version": terms.version, "agree": "on"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:dashboard")
    acceptance = ConfidentialityAcceptance.objects.get()
    assert (acceptance.invitation, acceptance.terms) == (invitation, terms)
    assert acceptance.accepted_at is not None
    assert has_accepted_current_terms(invitation)
    assert rules.test_rule("reviews.see_call_applications", user, call)
    event = AuditEvent.objects.get(verb="reviews.terms_accepted")
    assert (event.actor, event.data["version"]) == (user, terms.version)


def test_a_new_version_requires_acceptance_again(client, call):
    invitation = reviewer_of(call, accept_terms=True)
    assert has_accepted_current_terms(invitation)

    publish_terms(call=call, by=StaffFactory(), text_en="New rules.", text_fr="Nouvelles règles.")

    assert not has_accepted_current_terms(invitation)
    client.force_login(invitation.expert.user)
    home = client.get(reverse("reviews:dashboard"))
    assert home.context["rows"][0].accepted_terms is False
    assert reverse("reviews:confidentiality", args=[call.slug]) in home.content.decode()
    client.post(reverse("reviews:confidentiality", args=[call.slug]), {"version": 2, "agree": "on"})
    assert has_accepted_current_terms(invitation)
    assert ConfidentialityAcceptance.objects.filter(invitation=invitation).count() == 2


def test_accepting_a_version_that_was_replaced_meanwhile_is_refused(client, call):
    invitation = reviewer_of(call)
    ConfidentialityTermsFactory(call=call)
    ConfidentialityTermsFactory(call=call)  # version 2 published while the reviewer read 1
    client.force_login(invitation.expert.user)

    response = client.post(
        reverse("reviews:confidentiality", args=[call.slug]),
        {"version": 1, "agree": "on"},
        follow=True,
    )

    assert "The terms changed while you were reading them" in response.content.decode()
    assert not ConfidentialityAcceptance.objects.exists()


def test_acceptance_needs_the_box_ticked(client, call):
    invitation = reviewer_of(call)
    ConfidentialityTermsFactory(call=call)
    client.force_login(invitation.expert.user)

    response = client.post(reverse("reviews:confidentiality", args=[call.slug]), {"version": 1})

    assert response.status_code == 200
    assert "Tick the box to accept the terms." in response.content.decode()
    assert not ConfidentialityAcceptance.objects.exists()


def test_only_the_reviewer_can_accept_through_the_service(call):
    invitation = reviewer_of(call)
    ConfidentialityTermsFactory(call=call)
    with pytest.raises(TermsError):
        accept_terms(invitation=invitation, user=UserFactory(), version=1)
    assert not ConfidentialityAcceptance.objects.exists()


@pytest.mark.parametrize("who", ["applicant", "staff", "pending_expert", "reviewer_of_other_call"])
def test_the_confidentiality_page_is_404_for_anyone_but_a_reviewer_of_the_call(client, call, who):
    ConfidentialityTermsFactory(call=call)
    if who == "pending_expert":
        user = UserFactory()
        invitation = PendingInvitationFactory(call=call)
        invitation.expert.user = user
        invitation.expert.save()
    elif who == "reviewer_of_other_call":
        user = reviewer_of(CallFactory()).expert.user
    else:
        user = {"applicant": UserFactory, "staff": StaffFactory}[who]()
    client.force_login(user)
    url = reverse("reviews:confidentiality", args=[call.slug])

    assert client.get(url).status_code == 404
    assert client.post(url, {"version": 1, "agree": "on"}).status_code == 404
    assert not ConfidentialityAcceptance.objects.exists()


def test_anonymous_visitors_are_sent_to_login_from_reviewer_pages(client, call):
    for url in (reverse("reviews:dashboard"), reverse("reviews:confidentiality", args=[call.slug])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


# Reviewer role helpers, home and navigation


def test_reviewer_role_helpers(call):
    accepted = reviewer_of(call)
    pending = PendingInvitationFactory(call=call)
    pending.expert.user = UserFactory()
    pending.expert.save()
    withdrawn = reviewer_of(call)
    withdrawn.status = InvitationStatus.WITHDRAWN
    withdrawn.save()

    assert is_reviewer_for(accepted.expert.user, call)
    assert reviewer_invitation(accepted.expert.user, call) == accepted
    assert not is_reviewer_for(pending.expert.user, call)
    assert not is_reviewer_for(withdrawn.expert.user, call)
    assert not is_reviewer_for(accepted.expert.user, CallFactory())
    assert rules.test_rule("reviews.review_call", accepted.expert.user, call)
    assert not rules.test_rule("reviews.is_reviewer", pending.expert.user)


def test_the_reviewer_home_lists_the_calls_with_the_terms_state(client):
    first = CallFactory(title_en="First call")
    second = CallFactory(title_en="Second call")
    user = UserFactory()
    reviewer_of(first, user=user, accept_terms=True)
    Invitation.objects.create(
        call=second, expert=user.expert_profile, status=InvitationStatus.ACCEPTED
    )
    ConfidentialityTermsFactory(call=second)
    PendingInvitationFactory(call=CallFactory(title_en="Pending call"), expert=user.expert_profile)
    client.force_login(user)

    response = client.get(reverse("reviews:dashboard"))

    assert response.status_code == 200
    rows = {row.call.title: row.accepted_terms for row in response.context["rows"]}
    assert rows == {"First call": True, "Second call": False}
    assert "Pending call" not in response.content.decode()


def test_the_reviewer_home_is_empty_for_others(client):
    client.force_login(UserFactory())
    response = client.get(reverse("reviews:dashboard"))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "You do not review for any call" in response.content.decode()


def test_reviewer_home_query_count_is_the_same_for_one_and_three_calls(client):
    user = UserFactory()
    reviewer_of(CallFactory(), user=user, accept_terms=True)
    client.force_login(user)
    url = reverse("reviews:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(2):
        call = CallFactory()
        Invitation.objects.create(
            call=call, expert=user.expert_profile, status=InvitationStatus.ACCEPTED
        )
        ConfidentialityTermsFactory(call=call)
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert len(response.context["rows"]) == 3
    assert len(three) == len(one)


def test_my_reviews_link_is_shown_to_reviewers_only_with_one_query(client, call):
    reviewer = reviewer_of(call).expert.user
    home = reverse("home")
    link = f'href="{reverse("reviews:dashboard")}"'

    client.force_login(UserFactory())
    assert link not in client.get(home).content.decode()

    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(home).content.decode()
    assert link in html and "My reviews" in html
    reviewer_queries = [
        q["sql"] for q in queries.captured_queries if "reviews_invitation" in q["sql"]
    ]
    assert len(reviewer_queries) == 1
