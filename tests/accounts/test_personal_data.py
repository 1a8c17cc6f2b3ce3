"""Personal data: a person downloads everything held about them (audited); staff anonymise
a person after the retention period, and the call's figures and decisions do not move."""

import json
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aissai.accounts.models import User
from aissai.accounts.personal_data import (
    AnonymisationRefused,
    anonymise_person,
    build_export,
    retention_status,
)
from aissai.audit.models import AuditEvent
from aissai.audit.services import record_event
from aissai.notifications.models import OutboxMessage, OutboxStatus
from calls.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    CallStatus,
    Document,
    ExcludedReviewer,
    Partner,
)
from reviews.models import CriterionScore, Expert, FundingDecision, Review
from tests.factories.accounts import PASSWORD, SuperuserFactory, UserFactory
from tests.factories.calls import CallFactory, PartnerFactory, submitted_application
from tests.factories.notifications import DevMailboxMessageFactory, OutboxMessageFactory
from tests.factories.reviews import FundingDecisionFactory, assigned_reviewer, submitted_review

pytestmark = pytest.mark.django_db

ADA = "ada.lovelace@example.org"
YEAR = timedelta(days=365)


@dataclass
class World:
    ada: User
    call: object
    own: Application  # coordinated by Ada, funded, reviewed by someone else
    partnered: Application  # Ada is the lead of a partner unit
    reviewed: Application  # Ada reviews it, next to another reviewer
    ada_review: Review
    other_review: Review
    review_of_own: Review


def a_call(*, ended_ago: timedelta, status: str = CallStatus.DECIDED):
    end = timezone.now() - ended_ago
    return CallFactory(
        status=status,
        opens_at=end - timedelta(days=120),
        closes_at=end - timedelta(days=60),
        review_deadline=end,
    )


def world(*, ended_ago: timedelta = 6 * YEAR, status: str = CallStatus.DECIDED) -> World:
    call = a_call(ended_ago=ended_ago, status=status)
    ada = UserFactory(email=ADA, full_name="Ada Lovelace", orcid="0000-0002-1825-0097")
    User.objects.filter(pk=ada.pk).update(date_joined=timezone.now() - ended_ago - YEAR)
    ada.refresh_from_db()
    own = submitted_application(call=call, coordinator=ada, status=ApplicationStatus.FUNDED)
    Application.objects.filter(pk=own.pk).update(withdrawal_reason="")
    FundingDecisionFactory(application=own, decided_at=timezone.now() - ended_ago)
    partnered = submitted_application(call=call, status=ApplicationStatus.NOT_FUNDED)
    PartnerFactory(application=partnered, lead_name="Ada Lovelace", lead_email=ADA.upper())
    ApplicationVersion.objects.create(
        application=partnered,
        number=1,
        submitted_at=timezone.now() - ended_ago,
        snapshot={
            "title": partnered.title,
            "partners": [
                {"unit": "UMR 1", "lead_name": "Ada Lovelace", "lead_email": ADA},
                {"unit": "UMR 2", "lead_name": "Bob Other", "lead_email": "bob@lab.example.fr"},
            ],
            "excluded_reviewers": [],
        },
    )
    ExcludedReviewer.objects.create(
        application=partnered, name="Ada Lovelace", email=ADA, reason="Ada competes with us."
    )
    reviewed = submitted_application(call=call, status=ApplicationStatus.NOT_SELECTED)
    ada_assignment = assigned_reviewer(reviewed, user=ada)
    ada_review = submitted_review(assignment=ada_assignment, scores=[4, 3, 5, None])
    Review.objects.filter(pk=ada_review.pk).update(
        comments_for_applicants="Ada's opinion", comments_for_staff="Ada's private note"
    )
    CriterionScore.objects.filter(review=ada_review).update(comment="Ada's criterion note")
    other_review = submitted_review(assignment=assigned_reviewer(reviewed), scores=[1, 1, 1, 1])
    review_of_own = submitted_review(assignment=assigned_reviewer(own), scores=[5, 5, 5, 5])
    Expert.objects.filter(user=ada).update(statement="I study engines.", institution="Analytical")
    OutboxMessageFactory(
        to_email=ADA, to_name="Ada Lovelace", recipient=ada, sent=True, subject="Receipt"
    )
    OutboxMessageFactory(to_email=ADA, to_name="Ada Lovelace", held=True, subject="Decision")
    DevMailboxMessageFactory(to=f"Ada Lovelace <{ADA}>", body_text="Dear Ada Lovelace")
    DevMailboxMessageFactory(to="not-ada.lovelace@example.org.uk", body_text="Someone else")
    record_event(actor=ada, verb="test.ada_did_this", target=own, data={"note": "by Ada"})
    return World(ada, call, own, partnered, reviewed, ada_review, other_review, review_of_own)


def download(client, user):
    client.force_login(user)
    return client.post(reverse("accounts:my_data_download"))


# --- Export -------------------------------------------------------------------------


def test_person_downloads_everything_held_about_them(client):
    w = world(ended_ago=timedelta(days=30))

    response = download(client, w.ada)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="aissai-my-data-')
    assert response["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.content)
    assert data["format"] == "aissai-personal-data/1"
    assert data["profile"]["email"] == ADA
    assert data["profile"]["orcid"] == "0000-0002-1825-0097"
    [own] = data["applications_coordinated"]
    assert (own["reference"], own["status"]) == (w.own.reference, "Funded")
    assert len(own["partners"]) == 2
    assert {d["kind"] for d in own["documents"]} == {"project", "cv"}
    [entry] = data["partner_entries"]
    assert (entry["application"], entry["lead_email"]) == (w.partnered.reference, ADA.upper())
    [expert] = data["expert_profiles"]
    assert expert["statement"] == "I study engines."
    [invitation] = expert["invitations"]
    [assignment] = invitation["assignments"]
    assert assignment["application"] == w.reviewed.reference
    assert assignment["review"]["comments_for_staff"] == "Ada's private note"
    assert [s["score"] for s in assignment["review"]["scores"]] == [4, 3, 5, None]
    assert [m["subject"] for m in data["mails_sent_to_you"]] == ["Receipt"]
    assert [a["action"] for a in data["your_actions"]] == ["test.ada_did_this"]


def test_export_holds_no_one_elses_review_and_no_reviewer_of_own_application(client):
    w = world(ended_ago=timedelta(days=30))

    text = download(client, w.ada).content.decode()

    for review in (w.other_review, w.review_of_own):
        expert = review.assignment.invitation.expert
        assert expert.email not in text and expert.full_name not in text
    assert '"comments_for_applicants": "Clear and ambitious."' not in text
    assert "Decision" not in [m["subject"] for m in json.loads(text)["mails_sent_to_you"]]


def test_unpublished_evaluation_status_stays_hidden_in_the_export(client):
    ada = UserFactory(email=ADA)
    call = CallFactory(status=CallStatus.SELECTION)
    submitted_application(call=call, coordinator=ada, status=ApplicationStatus.MAIN_LIST)

    data = json.loads(download(client, ada).content)

    assert [a["status"] for a in data["applications_coordinated"]] == ["Under evaluation"]


def test_export_is_audited_with_what_it_held(client):
    w = world(ended_ago=timedelta(days=30))

    download(client, w.ada)

    event = AuditEvent.objects.get(verb="accounts.personal_data_exported")
    assert (event.actor, event.target_id) == (w.ada, str(w.ada.pk))
    assert event.data == {
        "applications_coordinated": 1,
        "partner_entries": 1,
        "expert_profiles": 1,
        "mails_sent_to_you": 1,
        "your_actions": 1,
        "fellowships": 0,
        "event_answers": 0,
        "donor_contact_entries": 0,
    }


def test_my_data_page_links_the_download_and_the_profile_links_the_page(client):
    client.force_login(UserFactory())

    page = client.get(reverse("accounts:my_data")).content.decode()
    profile = client.get(reverse("accounts:profile")).content.decode()

    assert f'action="{reverse("accounts:my_data_download")}"' in page
    assert "5 years after its decisions" in page
    assert reverse("accounts:my_data") in profile


def test_download_is_post_only_and_needs_a_login(client):
    assert client.post(reverse("accounts:my_data_download")).status_code == 302
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:my_data_download")).status_code == 405
    assert not AuditEvent.objects.filter(verb="accounts.personal_data_exported").exists()


def test_export_query_count_does_not_grow_with_the_data():
    ada = UserFactory(email=ADA)
    call = CallFactory()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            build_export(user=ada)
        return len(queries)

    reviewed = [submitted_application(call=call) for _ in range(3)]
    submitted_application(call=call, coordinator=ada)
    submitted_review(assignment=assigned_reviewer(reviewed[0], user=ada), scores=[1, 2, 3, 4])
    one = count()
    for _ in range(2):
        submitted_application(call=call, coordinator=ada)
    for application in reviewed[1:]:
        submitted_review(assignment=assigned_reviewer(application, user=ada), scores=[1, 2, 3, 4])
    three = count()

    assert one == three


# --- Retention and anonymisation ----------------------------------------------------


def figures(w: World) -> dict:
    """What the call's statistics and decisions are made of."""
    return {
        "applications": sorted(Application.objects.values_list("pk", "status", "reference")),
        "reviews": sorted(Review.objects.values_list("pk", "status", "total", "recommendation")),
        "scores": sorted(CriterionScore.objects.values_list("pk", "score", "not_applicable")),
        "decisions": sorted(FundingDecision.objects.values_list("pk", "outcome", "is_current")),
        "documents": sorted(Document.objects.values_list("pk", "sha256", "file")),
        "partners": Partner.objects.count(),
        "versions": ApplicationVersion.objects.count(),
        "mails": OutboxMessage.objects.count(),
        "users": User.objects.count(),
    }


def test_retention_ends_five_years_after_the_last_call_ended():
    w = world(ended_ago=2 * YEAR)

    status = retention_status(email=ADA)

    assert not status.over
    assert status.ends_at.date() == (w.call.review_deadline + timedelta(days=5 * 365)).date()
    with pytest.raises(AnonymisationRefused, match="The retention period runs until"):
        anonymise_person(email=ADA, by=None)
    assert User.objects.get(pk=w.ada.pk).email == ADA


def test_a_call_not_yet_decided_holds_the_data():
    world(ended_ago=6 * YEAR, status=CallStatus.SELECTION)

    with pytest.raises(AnonymisationRefused, match="is not decided"):
        anonymise_person(email=ADA, by=None)


def test_anonymisation_replaces_the_person_and_keeps_every_figure(settings):
    w = world()
    staff = SuperuserFactory()
    before = figures(w)

    report = anonymise_person(email=ADA, by=staff)

    assert figures(w) == before
    ada = User.objects.get(pk=w.ada.pk)
    placeholder = f"anonymised-{report.token}@anonymised.invalid"
    assert (ada.email, ada.full_name, ada.orcid) == (placeholder, "Anonymised person", "")
    assert not ada.is_active and not ada.has_usable_password()
    assert not ada.check_password(PASSWORD)
    partner = Partner.objects.get(application=w.partnered, lead_name="Anonymised person")
    assert partner.lead_email == f"anonymised-partner-{report.token}@anonymised.invalid"
    snapshot = ApplicationVersion.objects.get(application=w.partnered).snapshot
    assert [p["lead_name"] for p in snapshot["partners"]] == ["Anonymised person", "Bob Other"]
    review = Review.objects.get(pk=w.ada_review.pk)
    assert (review.comments_for_applicants, review.comments_for_staff) == ("", "")
    assert set(review.scores.values_list("comment", flat=True)) == {""}
    other = Review.objects.get(pk=w.other_review.pk)
    assert other.comments_for_applicants == "Clear and ambitious."
    expert = Expert.objects.get(user=ada)
    assert (expert.full_name, expert.statement, expert.institution) == ("Anonymised person", "", "")
    statuses = set(OutboxMessage.objects.filter(recipient=ada).values_list("status", flat=True))
    assert statuses == {OutboxStatus.SENT}
    assert OutboxMessage.objects.filter(to_email=placeholder, status="discarded").count() == 1
    event = AuditEvent.objects.get(verb="accounts.person_anonymised")
    assert (event.actor, event.target_id, event.data["forced"]) == (staff, str(ada.pk), False)
    assert event.data["changed"]["partner_entries"] == 1
    assert "ada" not in json.dumps(event.data).lower() + event.target_repr.lower()


def test_nothing_outside_the_audit_log_names_the_person_afterwards():
    world()

    anonymise_person(email=ADA, by=None)

    out = StringIO()
    call_command(
        "dumpdata",
        exclude=["audit", "contenttypes", "auth.permission", "sessions", "admin"],
        stdout=out,
    )
    dump = out.getvalue().lower()
    # The one row left is the look-alike address, which is someone else's.
    assert dump.count("lovelace") == dump.count("not-ada.lovelace@example.org.uk") == 1


def test_force_needs_a_reason_then_anonymises_before_the_end():
    w = world(ended_ago=timedelta(days=10))

    with pytest.raises(AnonymisationRefused, match="Say why"):
        anonymise_person(email=ADA, by=None, force=True)
    report = anonymise_person(email=ADA, by=None, force=True, reason="Asked by the person")

    assert report.forced is True
    assert User.objects.get(pk=w.ada.pk).email.endswith("@anonymised.invalid")
    event = AuditEvent.objects.get(verb="accounts.person_anonymised")
    assert (event.data["forced"], event.data["reason"]) == (True, "Asked by the person")


def test_a_partner_lead_without_an_account_is_anonymised():
    call = a_call(ended_ago=6 * YEAR)
    application = submitted_application(call=call, status=ApplicationStatus.NOT_FUNDED)
    PartnerFactory(application=application, lead_name="Grace Hopper", lead_email="grace@x.org")

    report = anonymise_person(email="grace@x.org", by=None)

    assert report.changed["partner_entries"] == 1
    assert not Partner.objects.filter(lead_name="Grace Hopper").exists()


def test_an_unknown_address_is_refused():
    with pytest.raises(AnonymisationRefused, match="Nothing is held"):
        anonymise_person(email="nobody@example.org", by=None)


def test_command_checks_refuses_and_anonymises():
    w = world(ended_ago=timedelta(days=10))
    staff = SuperuserFactory(email="dpo@example.org")
    out = StringIO()

    call_command("anonymise_person", ADA, "--check", stdout=out)
    with pytest.raises(CommandError, match="The retention period runs until"):
        call_command("anonymise_person", ADA)
    with pytest.raises(CommandError, match="Say why"):
        call_command("anonymise_person", ADA, "--force")
    call_command(
        "anonymise_person",
        ADA,
        "--force",
        "--reason",
        "Court order",
        "--by",
        staff.email,
        stdout=out,
    )

    assert "The retention period runs until" in out.getvalue()
    assert "Anonymised (reference " in out.getvalue()
    assert not User.objects.get(pk=w.ada.pk).is_active
    assert AuditEvent.objects.get(verb="accounts.person_anonymised").actor == staff


def admin_action(client, *users, confirm=False):
    data = {"action": "anonymise_people", "_selected_action": [u.pk for u in users]}
    if confirm:
        data["confirm"] = "yes"
    return client.post(reverse("admin:accounts_user_changelist"), data)


def test_admin_action_confirms_then_anonymises_only_people_past_retention(client):
    w = world()
    recent = UserFactory(email="recent@example.org")
    client.force_login(SuperuserFactory())

    page = admin_action(client, w.ada, recent)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="anonymise-row"') == 2
    assert "will be anonymised" in html and "Will be left as is." in html
    assert User.objects.get(pk=w.ada.pk).email == ADA

    done = admin_action(client, w.ada, recent, confirm=True)

    assert done.status_code == 302
    assert User.objects.get(pk=w.ada.pk).email.endswith("@anonymised.invalid")
    assert User.objects.get(pk=recent.pk).email == "recent@example.org"


def test_admin_action_is_for_superusers_and_programme_staff_only(client):
    w = world()
    admin_only = UserFactory(is_staff=True)
    admin_only.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(admin_only)

    changelist = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    response = admin_action(client, w.ada, confirm=True)

    assert "anonymise_people" not in changelist
    assert response.status_code == 200  # Django's "no action selected" answer
    assert User.objects.get(pk=w.ada.pk).email == ADA
    assert not AuditEvent.objects.filter(verb="accounts.person_anonymised").exists()


def test_admin_action_asks_for_the_password_after_a_stale_login(client, stale_login):
    w = world()
    client.force_login(SuperuserFactory())
    stale_login(client)

    response = admin_action(client, w.ada, confirm=True)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert User.objects.get(pk=w.ada.pk).email == ADA
