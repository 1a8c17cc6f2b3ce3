"""Institute correspondents read the submitted applications that involve their institute,
and nothing else: list, detail and documents agree (404 elsewhere), drafts never show, the
coordinator's actions stay the coordinator's, and the real status is shown."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from calls.models import Application, ApplicationStatus, CallStatus, Document
from calls.selectors.applications import applications_visible_to
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import (
    ApplicationFactory,
    CallFactory,
    DocumentFactory,
    InstituteCorrespondentFactory,
    correspondent_of,
    eligible_partners,
    institute,
    submitted_application,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("calls:institute_applications")


def detail_url(application):
    return reverse("calls:application_detail", args=[application.pk])


def download_url(application):
    document = Document.objects.filter(application=application, is_current=True).first()
    return reverse("calls:document_download", args=[application.pk, document.pk])


@pytest.fixture
def inp():
    """A correspondent of CNRS Physique (INP)."""
    return correspondent_of("INP")


@pytest.fixture
def involved():
    return submitted_application(institutes=("INS2I", "INP"))


@pytest.fixture
def uninvolved():
    return submitted_application(institutes=("INS2I", "INSB"))


def rows(response) -> list[Application]:
    return [row["application"] for row in response.context["rows"]]


# The list --------------------------------------------------------------------------------


def test_list_shows_the_submitted_applications_involving_the_institute(
    client, inp, involved, uninvolved
):
    client.force_login(inp)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert rows(response) == [involved]
    html = response.content.decode()
    assert involved.reference in html
    assert involved.title in html
    assert involved.coordinator.full_name in html
    assert detail_url(involved) in html
    for partner in involved.partners.all():
        assert partner.unit.label in html
    assert uninvolved.reference not in html
    assert uninvolved.title not in html


def test_partner_taking_part_under_a_secondary_institute_counts(client, inp):
    application = submitted_application(institutes=("INS2I", "INSB"))
    partner = application.partners.get(institute__acronym="INSB")
    partner.institute = institute("INP")  # a unit of INSB with INP as secondary institute
    partner.save(update_fields=["institute"])
    client.force_login(inp)

    assert rows(client.get(LIST_URL)) == [application]


def test_unit_of_the_institute_taking_part_under_another_institute_does_not_count(client, inp):
    application = submitted_application(institutes=("INS2I", "INSB"))
    partner = application.partners.get(institute__acronym="INSB")
    partner.unit.main_institute = institute("INP")
    partner.unit.save(update_fields=["main_institute"])
    client.force_login(inp)

    assert rows(client.get(LIST_URL)) == []
    assert client.get(detail_url(application)).status_code == 404


def _draft_involving_inp(**fields):
    application = ApplicationFactory(**fields)
    eligible_partners(application, ("INS2I", "INP"))
    return application


def test_drafts_are_never_visible(client, inp):
    draft = _draft_involving_inp()
    withdrawn_draft = _draft_involving_inp(status=ApplicationStatus.WITHDRAWN)
    reopened = _draft_involving_inp(
        reference="AISSAI-2025-900", version=1, submitted_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(inp)

    assert rows(client.get(LIST_URL)) == []
    for application in (draft, withdrawn_draft, reopened):
        assert client.get(detail_url(application)).status_code == 404


def test_later_states_stay_visible_with_their_real_status(client, inp):
    call = CallFactory(status=CallStatus.IN_REVIEW)
    not_shortlisted = submitted_application(call=call, status=ApplicationStatus.NOT_SHORTLISTED)
    withdrawn = submitted_application(call=call, status=ApplicationStatus.WITHDRAWN)
    client.force_login(inp)

    response = client.get(LIST_URL)

    assert set(rows(response)) == {not_shortlisted, withdrawn}
    labels = {row["application"]: row["status_label"] for row in response.context["rows"]}
    assert labels[not_shortlisted] == "Not shortlisted"
    assert labels[withdrawn] == "Withdrawn"
    detail = client.get(detail_url(not_shortlisted)).content.decode()
    assert 'data-testid="status">Not shortlisted<' in detail


def test_coordinator_still_sees_only_the_applicant_status(client, inp):
    call = CallFactory(status=CallStatus.IN_REVIEW)
    application = submitted_application(call=call, status=ApplicationStatus.NOT_SHORTLISTED)
    client.force_login(application.coordinator)

    detail = client.get(detail_url(application)).content.decode()

    assert 'data-testid="status">Under evaluation<' in detail


def test_a_correspondent_who_applies_sees_only_the_applicant_status_of_their_own(client):
    call = CallFactory(status=CallStatus.IN_REVIEW)
    application = submitted_application(call=call, status=ApplicationStatus.NOT_SHORTLISTED)
    correspondent_of("INP", user=application.coordinator)
    client.force_login(application.coordinator)

    response = client.get(LIST_URL)
    detail = client.get(detail_url(application)).content.decode()

    assert [row["status_label"] for row in response.context["rows"]] == ["Under evaluation"]
    assert 'data-testid="status">Under evaluation<' in detail
    assert "Not shortlisted" not in detail


def test_partner_lead_who_is_correspondent_sees_only_the_applicant_status(client):
    call = CallFactory(status=CallStatus.IN_REVIEW)
    application = submitted_application(call=call, status=ApplicationStatus.NOT_SHORTLISTED)
    lead = application.partners.get(institute__acronym="INP")
    correspondent = correspondent_of("INP", user=UserFactory(email=lead.lead_email.upper()))
    client.force_login(correspondent)

    detail = client.get(detail_url(application)).content.decode()

    assert 'data-testid="status">Under evaluation<' in detail


def test_filters_by_call_status_and_institute(client):
    person = correspondent_of("INP", "INSB")
    first, second = CallFactory(), CallFactory()
    a = submitted_application(call=first, institutes=("INS2I", "INP"))
    b = submitted_application(
        call=second, institutes=("INS2I", "INP"), status=ApplicationStatus.ELIGIBLE
    )
    c = submitted_application(call=second, institutes=("INS2I", "INSB"))
    client.force_login(person)

    assert set(rows(client.get(LIST_URL))) == {a, b, c}
    assert set(rows(client.get(LIST_URL, {"call": first.pk}))) == {a}
    assert set(rows(client.get(LIST_URL, {"call": second.pk}))) == {b, c}
    assert set(rows(client.get(LIST_URL, {"status": "eligible"}))) == {b}
    insb = institute("INSB")
    assert set(rows(client.get(LIST_URL, {"institute": insb.pk}))) == {c}
    assert set(rows(client.get(LIST_URL, {"call": second.pk, "status": "submitted"}))) == {c}


def test_filter_choices_offer_only_calls_with_visible_applications(client, inp, involved):
    other_call = CallFactory()
    submitted_application(call=other_call, institutes=("INS2I", "INSB"))
    client.force_login(inp)

    response = client.get(LIST_URL)

    calls = list(response.context["form"].fields["call"].queryset)
    assert calls == [involved.call]
    assert "draft" not in dict(response.context["form"].fields["status"].choices)
    assert "institute" not in response.context["form"].fields  # one institute: no choice


def test_invalid_filters_are_ignored(client, inp, involved, uninvolved):
    client.force_login(inp)

    response = client.get(LIST_URL, {"call": uninvolved.call.pk, "status": "draft"})

    assert response.status_code == 200
    assert rows(response) == [involved]
    assert response.context["form"].errors.keys() == {"call", "status"}


def test_several_institutes_add_up(client, involved, uninvolved):
    person = correspondent_of("INP", "INSB")
    client.force_login(person)

    assert set(rows(client.get(LIST_URL))) == {involved, uninvolved}


def test_revoked_role_sees_nothing(client, involved):
    role = InstituteCorrespondentFactory(institute=institute("INP"), active=False)
    client.force_login(role.user)

    assert client.get(LIST_URL).status_code == 404
    assert client.get(detail_url(involved)).status_code == 404
    assert client.get(download_url(involved)).status_code == 404


# The detail page and documents ------------------------------------------------------------


def test_detail_of_an_involved_application_is_read_only(client, inp, involved):
    client.force_login(inp)

    response = client.get(detail_url(involved))

    assert response.status_code == 200
    html = response.content.decode()
    assert involved.title in html
    assert 'data-testid="status">Submitted<' in html
    for name in ("application_edit", "application_withdraw", "application_reopen"):
        assert reverse(f"calls:{name}", args=[involved.pk]) not in html
    assert "partner_resend" not in html and "/resend/" not in html
    assert reverse("calls:institute_applications") in html  # breadcrumb back to the list
    assert download_url(involved) in html


def test_detail_of_an_uninvolved_application_is_404(client, inp, uninvolved):
    client.force_login(inp)

    assert client.get(detail_url(uninvolved)).status_code == 404


def test_document_of_an_involved_application_downloads_and_is_audited(client, inp, involved):
    client.force_login(inp)

    response = client.get(download_url(involved))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    event = AuditEvent.objects.get(verb="application.document_downloaded")
    assert event.actor == inp
    assert event.target_id == str(involved.pk)


def test_document_of_an_uninvolved_application_is_404(client, inp, uninvolved):
    client.force_login(inp)

    assert client.get(download_url(uninvolved)).status_code == 404
    assert not AuditEvent.objects.filter(verb="application.document_downloaded").exists()


def test_document_of_a_draft_is_404(client, inp):
    draft = _draft_involving_inp()
    DocumentFactory(application=draft)
    client.force_login(inp)

    assert client.get(download_url(draft)).status_code == 404


def test_document_of_an_involved_application_under_another_application_id_is_404(
    client, inp, involved, uninvolved
):
    document = Document.objects.filter(application=uninvolved).first()
    client.force_login(inp)

    url = reverse("calls:document_download", args=[involved.pk, document.pk])
    assert client.get(url).status_code == 404


# The coordinator's actions stay the coordinator's -----------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("application_edit", "get"),
        ("application_edit", "post"),
        ("application_eligibility", "get"),
        ("application_submit", "post"),
        ("application_reopen", "post"),
        ("application_withdraw", "get"),
        ("application_withdraw", "post"),
        ("partner_add", "post"),
    ],
)
def test_coordinator_actions_are_404_for_a_correspondent(client, inp, name, method):
    application = submitted_application(institutes=("INS2I", "INP"))
    client.force_login(inp)

    url = reverse(f"calls:{name}", args=[application.pk])
    response = getattr(client, method)(url, {"reason": "Not mine to withdraw."})

    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.partners.count() == 2


def test_document_and_partner_changes_are_404_for_a_correspondent(client, inp, involved):
    document = Document.objects.filter(application=involved).first()
    partner = involved.partners.first()
    client.force_login(inp)

    urls = [
        reverse("calls:document_upload", args=[involved.pk, "project"]),
        reverse("calls:document_remove", args=[involved.pk, document.pk]),
        reverse("calls:partner_remove", args=[involved.pk, partner.pk]),
        reverse("calls:partner_resend", args=[involved.pk, partner.pk]),
    ]
    for url in urls:
        assert client.post(url).status_code == 404
    assert Document.objects.filter(pk=document.pk, is_current=True).exists()
    assert involved.partners.count() == 2


# Who may open the list ----------------------------------------------------------------------


def test_list_needs_login(client):
    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who", ["applicant", "staff"])
def test_list_is_404_without_a_correspondent_role(client, involved, who):
    person = involved.coordinator if who == "applicant" else StaffFactory()
    client.force_login(person)

    assert client.get(LIST_URL).status_code == 404


def test_staff_correspondent_sees_only_their_institute_on_the_list(client, involved, uninvolved):
    person = correspondent_of("INP", user=StaffFactory())
    client.force_login(person)

    assert rows(client.get(LIST_URL)) == [involved]
    assert client.get(detail_url(uninvolved)).status_code == 200  # as staff


def test_nav_link_only_for_correspondents(client, inp):
    client.force_login(inp)
    assert f'href="{LIST_URL}"' in client.get(reverse("home")).content.decode()

    client.force_login(UserFactory())
    assert f'href="{LIST_URL}"' not in client.get(reverse("home")).content.decode()


def _role_lookups(queries) -> int:
    """Statements that read the roles themselves (not the visibility subqueries)."""
    table = '"calls_institutecorrespondent"'
    return sum(table in q["sql"].split("WHERE")[0] for q in queries.captured_queries)


def test_role_is_looked_up_once_per_request(client, inp, involved):
    client.force_login(inp)

    for url in (reverse("home"), LIST_URL, detail_url(involved)):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert _role_lookups(queries) == 1, url


# Query counts ---------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_is_the_same_for_1_and_3_applications(client, inp):
    call = CallFactory()
    submitted_application(call=call, institutes=("INS2I", "INP", "INSU"))
    client.force_login(inp)
    client.get(LIST_URL)  # warm the session and content types
    one = _count(client, LIST_URL)

    submitted_application(institutes=("INP", "INSB"))
    submitted_application(call=call, institutes=("INS2I", "INP"), status="eligible")

    assert len(client.get(LIST_URL).context["rows"]) == 3
    assert _count(client, LIST_URL) == one


def test_detail_query_count_does_not_depend_on_partners(client, inp):
    small = submitted_application(institutes=("INS2I", "INP"))
    large = submitted_application(institutes=("INS2I", "INP", "INSU", "INSB"))
    client.force_login(inp)
    client.get(detail_url(small))

    assert _count(client, detail_url(small)) == _count(client, detail_url(large))


def test_visibility_is_one_query_for_every_role(django_assert_num_queries, inp, involved):
    own_draft = ApplicationFactory(coordinator=inp)
    submitted_application(institutes=("INS2I", "INSB"))
    _draft_involving_inp()

    with django_assert_num_queries(1):
        visible = set(applications_visible_to(inp))

    assert visible == {involved, own_draft}
