"""Starting and editing a draft: every valid input is saved, invalid input is reported
with what to correct and what was saved before stays; only the coordinator gets in."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from calls.models import Application, ApplicationStatus, CallStatus, ExcludedReviewer
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory
from tests.factories.calls import ApplicationFactory, CallFactory, DisciplineFactory

pytestmark = pytest.mark.django_db


def draft_post(application, **changes):
    data = {
        "title": application.title,
        "acronym": application.acronym,
        "abstract": application.abstract,
        "keywords": ", ".join(application.keywords),
        "ai_side": application.ai_side,
        "science_side": application.science_side,
        "postdoc_profile": application.postdoc_profile,
        "planned_start": "",
        "excluded-TOTAL_FORMS": "3",
        "excluded-INITIAL_FORMS": "0",
        "excluded-MIN_NUM_FORMS": "0",
        "excluded-MAX_NUM_FORMS": "3",
    }
    for index in range(3):
        for name in ("name", "institution", "email", "reason"):
            data[f"excluded-{index}-{name}"] = ""
    data.update(changes)
    return data


def edit_url(application):
    return reverse("calls:application_edit", args=[application.pk])


# --- Starting ------------------------------------------------------------------------


def test_start_creates_a_draft_owned_by_the_coordinator(client):
    call = CallFactory()
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("calls:application_start", args=[call.slug]))

    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(application)
    assert application.coordinator == user
    assert application.call == call
    assert application.status == ApplicationStatus.DRAFT
    assert application.reference is None
    assert AuditEvent.objects.filter(verb="application.created", actor=user).count() == 1


def test_start_twice_reuses_the_draft(client):
    call = CallFactory()
    client.force_login(UserFactory())
    client.post(reverse("calls:application_start", args=[call.slug]))
    client.post(reverse("calls:application_start", args=[call.slug]))
    assert Application.objects.count() == 1


def test_start_page_get_changes_nothing(client):
    call = CallFactory()
    client.force_login(UserFactory())
    response = client.get(reverse("calls:application_start", args=[call.slug]))
    assert response.status_code == 200
    assert b"Start my application" in response.content
    assert Application.objects.count() == 0


def test_start_refused_on_a_closed_call(client):
    call = CallFactory(status=CallStatus.CLOSED)
    client.force_login(UserFactory())
    response = client.post(reverse("calls:application_start", args=[call.slug]), follow=True)
    assert Application.objects.count() == 0
    assert "This call is not open for applications." in response.content.decode()


def test_start_on_a_draft_call_is_404(client):
    call = CallFactory(status=CallStatus.DRAFT)
    client.force_login(UserFactory())
    assert client.post(reverse("calls:application_start", args=[call.slug])).status_code == 404


def test_start_needs_login(client):
    call = CallFactory()
    response = client.post(reverse("calls:application_start", args=[call.slug]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert Application.objects.count() == 0


# --- Editing -------------------------------------------------------------------------


def test_edit_page_shows_the_form_with_the_live_counter(client):
    application = ApplicationFactory()
    client.force_login(application.coordinator)
    response = client.get(edit_url(application))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-char-limit="3000"' in html
    assert 'data-char-counter-for="id_abstract"' in html
    assert f"{len(application.abstract)} of 3000 characters" in html
    assert "js/application_form.js" in html
    assert "<script>" not in html  # no inline script (CSP)


def test_save_draft_with_every_field(client):
    application = ApplicationFactory(title="", abstract="")
    discipline = DisciplineFactory(name_en="Physics")
    client.force_login(application.coordinator)

    response = client.post(
        edit_url(application),
        draft_post(
            application,
            title="Turbulence learned",
            acronym="TURB",
            abstract="Line one\r\nLine two",
            keywords="deep learning, fluids; Deep Learning",
            disciplines=[discipline.pk],
            planned_start="2026-03-01",
            industry_interest="on",
            **{
                "excluded-0-name": "Dr Rival",
                "excluded-0-institution": "Somewhere",
                "excluded-0-email": "rival@example.org",
                "excluded-0-reason": "Competing project",
            },
        ),
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Turbulence learned"
    assert application.acronym == "TURB"
    assert application.abstract == "Line one\nLine two"
    assert application.keywords == ["deep learning", "fluids"]
    assert list(application.disciplines.all()) == [discipline]
    assert application.planned_start.isoformat() == "2026-03-01"
    assert application.industry_interest is True
    assert list(application.excluded_reviewers.values_list("name", "reason")) == [
        ("Dr Rival", "Competing project")
    ]


def test_abstract_over_its_limit_is_reported_and_the_rest_is_saved(client):
    application = ApplicationFactory(abstract="The saved abstract.", call__abstract_max_chars=50)
    client.force_login(application.coordinator)

    response = client.post(
        edit_url(application), draft_post(application, abstract="x" * 51, title="New title")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "51 characters, over the limit of 50: remove 1 character." in html
    assert "x" * 51 in html  # what was typed is shown again, not lost
    application.refresh_from_db()
    assert application.abstract == "The saved abstract."
    assert application.title == "New title"


def test_invalid_date_and_excluded_email_keep_what_was_saved(client):
    application = ApplicationFactory(planned_start=timezone.now().date())
    ExcludedReviewer.objects.create(application=application, name="Old Name", reason="r")
    saved_start = application.planned_start
    client.force_login(application.coordinator)

    response = client.post(
        edit_url(application),
        draft_post(
            application,
            planned_start="not a date",
            acronym="NEWACR",
            **{
                "excluded-INITIAL_FORMS": "1",
                "excluded-0-name": "Old Name",
                "excluded-0-email": "not-an-email",
                "excluded-1-name": "Second Person",
            },
        ),
    )

    html = response.content.decode()
    assert "Enter a date, for example 2026-01-15." in html
    assert "Enter a valid e-mail address, or leave it empty." in html
    application.refresh_from_db()
    assert application.planned_start == saved_start
    assert application.acronym == "NEWACR"
    assert list(application.excluded_reviewers.values_list("name", "email")) == [
        ("Old Name", ""),
        ("Second Person", ""),
    ]


def test_more_than_three_excluded_reviewers_is_refused(client):
    application = ApplicationFactory()
    client.force_login(application.coordinator)
    data = draft_post(application, **{"excluded-TOTAL_FORMS": "4"})
    for index in range(4):
        data[f"excluded-{index}-name"] = f"Person {index}"
    client.post(edit_url(application), data)
    assert ExcludedReviewer.objects.filter(application=application).count() == 0


def test_text_fields_over_5000_characters_are_refused(client):
    application = ApplicationFactory(ai_side="Saved AI side.")
    client.force_login(application.coordinator)
    response = client.post(edit_url(application), draft_post(application, ai_side="y" * 5001))
    assert "5001 characters, over the limit of 5000" in response.content.decode()
    application.refresh_from_db()
    assert application.ai_side == "Saved AI side."


def test_too_many_keywords_are_refused(client):
    application = ApplicationFactory(keywords=["kept"])
    client.force_login(application.coordinator)
    keywords = ", ".join(f"k{i}" for i in range(11))
    response = client.post(edit_url(application), draft_post(application, keywords=keywords))
    assert "11 keywords: give at most 10." in response.content.decode()
    application.refresh_from_db()
    assert application.keywords == ["kept"]


def test_expired_session_user_logs_back_in_and_finds_the_draft(client):
    application = ApplicationFactory()
    client.force_login(application.coordinator)
    client.post(edit_url(application), draft_post(application, title="Saved before expiry"))
    client.session.flush()  # the session expired
    client.cookies.clear()

    response = client.get(edit_url(application))
    assert response.status_code == 302
    login_url = response["Location"]
    assert login_url.startswith(reverse("accounts:login"))
    assert "next=" in login_url

    response = client.post(
        login_url,
        {"username": application.coordinator.email, "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == edit_url(application)
    assert 'value="Saved before expiry"' in response.content.decode()


def test_submitted_application_edit_redirects_to_the_read_only_page(client):
    application = ApplicationFactory(status=ApplicationStatus.SUBMITTED, title="Frozen")
    client.force_login(application.coordinator)
    response = client.post(edit_url(application), draft_post(application, title="Changed"))
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:application_detail", args=[application.pk])
    application.refresh_from_db()
    assert application.title == "Frozen"


# --- Access --------------------------------------------------------------------------


def test_another_applicant_gets_404_on_every_page(client):
    application = ApplicationFactory()
    client.force_login(UserFactory())
    for name in ("application_detail", "application_edit", "application_withdraw"):
        assert client.get(reverse(f"calls:{name}", args=[application.pk])).status_code == 404
    assert (
        client.get(reverse("calls:application_eligibility", args=[application.pk])).status_code
        == 404
    )


def test_forged_post_to_another_users_application_changes_nothing(client):
    victim = ApplicationFactory(title="Victim's title")
    client.force_login(UserFactory())
    for name in ("application_edit", "application_submit", "application_reopen"):
        response = client.post(
            reverse(f"calls:{name}", args=[victim.pk]), draft_post(victim, title="Hacked")
        )
        assert response.status_code == 404
    response = client.post(
        reverse("calls:application_withdraw", args=[victim.pk]), {"reason": "forged"}
    )
    assert response.status_code == 404
    victim.refresh_from_db()
    assert victim.title == "Victim's title"
    assert victim.status == ApplicationStatus.DRAFT


def test_staff_read_any_application_but_cannot_edit_it(client):
    application = ApplicationFactory(title="Staff may read")
    client.force_login(StaffFactory())
    response = client.get(reverse("calls:application_detail", args=[application.pk]))
    assert response.status_code == 200
    assert "Staff may read" in response.content.decode()
    assert client.post(edit_url(application), draft_post(application)).status_code == 404


def test_anonymous_is_sent_to_login(client):
    application = ApplicationFactory()
    response = client.get(reverse("calls:application_detail", args=[application.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_edit_does_not_accept_other_methods(client):
    application = ApplicationFactory()
    client.force_login(application.coordinator)
    assert client.put(edit_url(application)).status_code == 405


def test_deadline_is_shown_in_paris_time(client):
    application = ApplicationFactory(call__closes_at=timezone.now() + timedelta(days=3))
    client.force_login(application.coordinator)
    assert "Paris time" in client.get(edit_url(application)).content.decode()
