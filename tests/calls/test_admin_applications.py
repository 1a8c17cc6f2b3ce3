"""The applications admin: inlines, filters, search, the audit trail, a read-only status,
no file links; and the disciplines list staff edit."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aissai.audit.models import AuditEvent
from calls.models import Application, ApplicationStatus, Discipline
from calls.services.eligibility import rule_eligibility
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.calls import (
    ApplicationFactory,
    CallFactory,
    DisciplineFactory,
    submitted_application,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:calls_application_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(SuperuserFactory())
    return client


def change_url(application) -> str:
    return reverse("admin:calls_application_change", args=[application.pk])


def listed(response) -> list[Application]:
    return list(response.context["cl"].result_list)


def form_data(response) -> dict:
    """The change form as a browser would post it back unchanged (inlines included)."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if field.disabled:
                continue
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = str(value)
            if field.show_hidden_initial and value is not None:
                data[bound.html_initial_name] = data.get(bound.html_name, "")

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = str(value)
        for form in formset.forms:
            add(form)
    return data


def test_changelist_lists_with_counts_and_the_same_query_count_for_1_and_3(admin_client):
    call = CallFactory()
    submitted_application(call=call, institutes=("INS2I", "INP", "INSU"))
    url = reverse(CHANGELIST)
    admin_client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = admin_client.get(url)
    row = listed(response)[0]
    assert (row.units_count, row.institutes_count) == (3, 3)
    submitted_application(call=CallFactory())
    ApplicationFactory(call=call)
    with CaptureQueriesContext(connection) as three:
        response = admin_client.get(url)
    assert len(listed(response)) == 3
    assert len(three) == len(one)


def test_changelist_of_one_call_does_not_count_every_application(admin_client):
    call = CallFactory()
    submitted_application(call=call)
    submitted_application(call=CallFactory())
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(CHANGELIST), {"call__id__exact": call.pk})
    assert len(listed(response)) == 1
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert counts and all("WHERE" in sql for sql in counts), counts


@pytest.mark.parametrize("field", ["reference", "title", "acronym", "email"])
def test_changelist_search(admin_client, field):
    match = submitted_application(
        title="Neural glaciers",
        acronym="GLACIA",
        coordinator=UserFactory(email="sofia@glacia.example"),
    )
    submitted_application(title="Other", acronym="OTHER")
    query = {
        "reference": match.reference,
        "title": "neural glac",
        "acronym": "glacia",
        "email": "sofia@glacia",
    }[field]
    response = admin_client.get(reverse(CHANGELIST), {"q": query})
    assert listed(response) == [match]


def test_changelist_filters_by_call_status_and_discipline(admin_client):
    call = CallFactory()
    physics = DisciplineFactory(name_en="Physics")
    a = submitted_application(call=call)
    a.disciplines.add(physics)
    b = submitted_application(call=call, status=ApplicationStatus.ELIGIBLE)
    c = submitted_application()
    url = reverse(CHANGELIST)
    assert set(listed(admin_client.get(url, {"call__id__exact": call.pk}))) == {a, b}
    assert listed(admin_client.get(url, {"status__exact": "eligible"})) == [b]
    assert listed(admin_client.get(url, {"disciplines__id__exact": physics.pk})) == [a]
    assert c not in listed(admin_client.get(url, {"call__id__exact": call.pk}))


def test_change_page_shows_inlines_audit_trail_and_no_file_link(admin_client):
    application = submitted_application()
    rule_eligibility(
        application=application, by=StaffFactory(), eligible=False, reason="No AI part."
    )
    response = admin_client.get(change_url(application))
    assert response.status_code == 200
    html = response.content.decode()
    assert "application.status.ineligible" in html
    assert "No AI part." in html
    document = application.documents.first()
    assert document.sha256 in html and document.original_name in html
    assert settings.MEDIA_URL not in html
    assert document.file.name not in html
    for partner in application.partners.all():
        assert partner.lead_email in html
    assert "status" not in response.context["adminform"].form.fields


def test_status_cannot_be_changed_in_the_admin_and_changes_are_audited(admin_client):
    application = submitted_application()
    data = form_data(admin_client.get(change_url(application)))
    data.update({"status": "funded", "title": "A better title", "reference": "HACKED-1"})
    response = admin_client.post(change_url(application), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    application.refresh_from_db()
    assert application.title == "A better title"
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reference != "HACKED-1"
    event = AuditEvent.objects.for_object(application).get(verb="application.admin_change")
    assert event.data == {"fields": ["title"]}


def test_applications_cannot_be_added_or_deleted_in_the_admin(admin_client):
    application = submitted_application()
    assert admin_client.get(reverse("admin:calls_application_add")).status_code == 403
    delete = reverse("admin:calls_application_delete", args=[application.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Application.objects.filter(pk=application.pk).exists()


def test_programme_staff_with_admin_access_may_view_applications(client):
    application = submitted_application()
    client.force_login(StaffFactory(is_staff=True))
    assert listed(client.get(reverse(CHANGELIST))) == [application]
    assert client.get(change_url(application)).status_code == 200


def test_people_without_admin_access_are_sent_to_the_admin_login(client):
    client.force_login(StaffFactory(is_staff=False))
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    client.force_login(UserFactory(is_staff=True))  # admin access but no right on calls
    assert client.get(reverse(CHANGELIST)).status_code == 403


def test_programme_staff_edit_the_list_of_disciplines(client):
    client.force_login(StaffFactory(is_staff=True))
    response = client.post(
        reverse("admin:calls_discipline_add"),
        {"name_en": "Astrophysics", "name_fr": "Astrophysique", "is_active": "on"},
    )
    assert response.status_code == 302
    discipline = Discipline.objects.get(name_en="Astrophysics")
    response = client.get(reverse("admin:calls_discipline_changelist"), {"q": "astro"})
    assert list(response.context["cl"].result_list) == [discipline]


def test_partners_cannot_be_added_changed_or_deleted_in_the_admin(admin_client):
    application = submitted_application()
    partners = list(application.partners.order_by("pk").values_list("pk", "unit_id", "lead_email"))
    data = form_data(admin_client.get(change_url(application)))
    first = partners[0][0]
    # What the old inline accepted: a new partner, a changed lead, a deleted partner.
    data.update(
        {
            "partners-TOTAL_FORMS": str(len(partners) + 1),
            "partners-0-id": str(first),
            "partners-0-lead_email": "someone.else@example.org",
            "partners-0-DELETE": "on",
            f"partners-{len(partners)}-unit": str(partners[0][1]),
            f"partners-{len(partners)}-lead_email": "new@example.org",
        }
    )

    response = admin_client.post(change_url(application), data)

    assert response.status_code == 302
    stored = list(application.partners.order_by("pk").values_list("pk", "unit_id", "lead_email"))
    assert stored == partners
    html = admin_client.get(change_url(application)).content.decode()
    assert 'name="partners-0-lead_email"' not in html
    assert reverse("calls:application_detail", args=[application.pk]) in html
