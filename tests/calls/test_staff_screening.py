"""Eligibility screening: automatic checks, staff rulings (with the reasons they need),
the applicant's mail in their language, the audit trail, bulk rulings, bad input."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage, OutboxStatus
from calls.models import ApplicationStatus
from calls.selectors.staff import automatic_checks, required_document_kinds
from calls.services.eligibility import EligibilityRulingError, rule_eligibility
from calls.transitions import TransitionError
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import (
    ApplicationFactory,
    CallFactory,
    PartnerFactory,
    submitted_application,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def screening_url(application) -> str:
    return reverse("calls:staff_screening", args=[application.call.slug, application.pk])


def list_url(call) -> str:
    return reverse("calls:staff_screening_list", args=[call.slug])


def checks_of(application):
    call = application.call
    return automatic_checks(application, call=call, required_kinds=required_document_kinds(call))


def status_events(application) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.for_object(application)
        .filter(verb__startswith="application.status.")
        .order_by("id")
    )


# --- automatic checks ---------------------------------------------------------------


def test_all_checks_pass_for_a_complete_on_time_submission():
    checks = checks_of(submitted_application())
    assert checks.passed
    assert [c.key for c in checks.checks] == ["consortium", "documents", "deadline"]


def test_consortium_check_uses_the_call_rule():
    checks = checks_of(submitted_application(institutes=("INS2I", "INS2I")))
    assert [c.key for c in checks.failed] == ["consortium"]
    assert checks.failed[0].detail == (
        "2 units from 1 institute: add a unit from another institute."
    )


def test_missing_required_document_fails_and_optional_ones_do_not_count():
    application = submitted_application(documents=False)
    application.call.required_documents.filter(kind="cv").update(is_required=False)
    checks = checks_of(application)
    assert [c.key for c in checks.failed] == ["documents"]
    assert checks.missing_kinds == ("project",)


def test_replaced_documents_do_not_count():
    application = submitted_application()
    application.documents.filter(kind="cv").update(is_current=False)
    assert checks_of(application).missing_kinds == ("cv",)


def test_partner_confirmations_checked_only_when_the_call_requires_them():
    call = CallFactory(partner_confirmation_required=False)
    application = submitted_application(call=call)
    PartnerFactory(application=application)  # not confirmed
    assert "confirmations" not in [c.key for c in checks_of(application).checks]
    call.partner_confirmation_required = True
    call.save()
    application.refresh_from_db()
    checks = checks_of(application)
    assert [c.key for c in checks.failed] == ["confirmations"]


def test_deadline_check_fails_when_submitted_late_or_not_submitted():
    call = CallFactory()
    late = submitted_application(call=call, submitted_at=call.closes_at + timedelta(seconds=1))
    assert [c.key for c in checks_of(late).failed] == ["deadline"]
    draft = ApplicationFactory(call=call)
    assert "deadline" in [c.key for c in checks_of(draft).failed]


# --- rulings through the page --------------------------------------------------------


def test_screening_page_shows_checks_partners_documents_and_the_ruling_form(staff_client):
    application = submitted_application(institutes=("INS2I", "INS2I"))
    response = staff_client.get(screening_url(application))
    html = response.content.decode()
    assert "add a unit from another institute" in html
    for partner in application.partners.all():
        assert partner.unit.label in html and partner.lead_email in html
    for document in application.documents.all():
        assert document.sha256 in html
    assert [v for v, _ in response.context["form"].fields["decision"].choices] == [
        "eligible",
        "ineligible",
    ]


def test_screening_page_names_each_document_by_the_call_s_document_in_french(client):
    application = submitted_application()
    client.force_login(StaffFactory(language="fr"))
    html = client.get(screening_url(application)).content.decode()
    assert "<strong>Description du projet</strong>" in html
    assert "<strong>CV de la personne qui coordonne le projet</strong>" in html
    assert "<strong>cv</strong>" not in html and "<strong>project</strong>" not in html


def test_ruling_eligible_notifies_the_applicant_in_their_language_and_is_audited(
    staff_client, staff, django_capture_on_commit_callbacks
):
    call = CallFactory(title_fr="Appel AISSAI en français", title_en="AISSAI call in English")
    coordinator = UserFactory(language="fr", email="camille@example.fr")
    application = submitted_application(call=call, coordinator=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            screening_url(application), {"decision": "eligible", "reason": ""}
        )
    assert response.status_code == 302
    assert response["Location"] == list_url(call)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBLE
    assert not application.eligibility_overridden
    assert application.eligibility_reason == ""

    (message,) = OutboxMessage.objects.all()
    assert message.event == "eligibility_outcome"
    assert (message.to_email, message.language) == ("camille@example.fr", "fr")
    assert message.status == OutboxStatus.SENT
    assert application.reference in message.subject
    assert "Appel AISSAI en français" in message.body_text
    assert "English" not in message.body_text
    assert '<html lang="fr">' in message.body_html
    detail = reverse("calls:application_detail", args=[application.pk])
    assert f"{settings.SITE_URL}{detail}" in message.body_text
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to[0].endswith("<camille@example.fr>")

    (event,) = status_events(application)
    assert event.actor == staff
    assert event.verb == "application.status.eligible"
    assert event.data["from"] == "submitted" and event.data["role"] == "staff"
    assert event.data["overridden"] is False
    assert event.data["checks"] == {"consortium": True, "documents": True, "deadline": True}

    follow = staff_client.get(response["Location"])
    assert any("is now Eligible" in str(m) for m in follow.context["messages"])


def test_ruling_ineligible_requires_a_reason_and_mails_it(
    staff_client, django_capture_on_commit_callbacks
):
    application = submitted_application(coordinator=UserFactory(language="en"))
    response = staff_client.post(screening_url(application), {"decision": "ineligible"})
    assert response.status_code == 200
    assert "Write the reason why the application is ineligible." in response.content.decode()
    assert "The ruling was not saved" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not OutboxMessage.objects.exists() and not status_events(application)

    reason = "The project has no AI component."
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(screening_url(application), {"decision": "ineligible", "reason": reason})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INELIGIBLE
    assert application.eligibility_reason == reason
    (message,) = OutboxMessage.objects.all()
    assert message.language == "en"
    assert "is not eligible" in message.subject
    assert reason in message.body_text and reason in message.body_html
    assert status_events(application)[0].data["reason"] == reason


def test_overruling_a_failed_check_needs_a_written_reason(staff_client):
    application = submitted_application(institutes=("INS2I",))
    response = staff_client.post(screening_url(application), {"decision": "eligible"})
    assert response.status_code == 200
    assert "write the reason for overruling it" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    reason = "The second unit joined by letter; the form could not list it."
    response = staff_client.post(
        screening_url(application), {"decision": "eligible", "reason": reason}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBLE
    assert application.eligibility_overridden
    assert application.eligibility_reason == reason
    (event,) = status_events(application)
    assert event.data["overridden"] is True and event.data["checks"]["consortium"] is False
    assert OutboxMessage.objects.get().body_text.count(reason) == 0  # internal, not mailed


def test_invalid_ruling_keeps_what_was_typed(staff_client):
    application = submitted_application()
    typed = "A long explanation the staff member typed <b>carefully</b>."
    response = staff_client.post(screening_url(application), {"decision": "", "reason": typed})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert "A long explanation the staff member typed &lt;b&gt;carefully&lt;/b&gt;." in html
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_ruling_again_from_ineligible_to_eligible(staff_client, staff):
    application = submitted_application()
    rule_eligibility(application=application, by=staff, eligible=False, reason="No AI.")
    response = staff_client.get(screening_url(application))
    assert [v for v, _ in response.context["form"].fields["decision"].choices] == ["eligible"]
    staff_client.post(
        screening_url(application), {"decision": "eligible", "reason": "AI part found on p. 3."}
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBLE
    assert application.eligibility_reason == "AI part found on p. 3."
    assert not application.eligibility_overridden
    assert [e.verb for e in status_events(application)] == [
        "application.status.ineligible",
        "application.status.eligible",
    ]
    assert OutboxMessage.objects.count() == 2


def test_a_stale_form_ruling_the_same_again_is_refused_with_a_message(staff_client, staff):
    application = submitted_application()
    rule_eligibility(application=application, by=staff, eligible=True)
    response = staff_client.post(screening_url(application), {"decision": "eligible"})
    assert response.status_code == 200
    assert "no longer possible" in response.content.decode()
    assert OutboxMessage.objects.count() == 1


def test_drafts_cannot_be_ruled(staff_client):
    draft = ApplicationFactory()
    response = staff_client.get(screening_url(draft))
    assert "No eligibility ruling can be made" in response.content.decode()
    response = staff_client.post(screening_url(draft), {"decision": "eligible", "reason": "x"})
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT
    assert not OutboxMessage.objects.exists()


def test_get_never_changes_anything(staff_client):
    application = submitted_application()
    staff_client.get(screening_url(application), {"decision": "eligible"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- the service directly --------------------------------------------------------------


def test_service_refuses_a_non_staff_actor_and_saves_nothing():
    application = submitted_application()
    with pytest.raises(TransitionError):
        rule_eligibility(application=application, by=application.coordinator, eligible=True)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not OutboxMessage.objects.exists()


def test_service_refuses_an_overrule_without_reason(staff):
    application = submitted_application(documents=False)
    with pytest.raises(EligibilityRulingError):
        rule_eligibility(application=application, by=staff, eligible=True, reason="   ")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not AuditEvent.objects.for_object(application).exists()


def test_ruling_ineligible_is_never_an_overrule_and_clears_an_earlier_one(staff):
    application = submitted_application(institutes=("INS2I",))
    rule_eligibility(application=application, by=staff, eligible=True, reason="Letter p. 2.")
    application.refresh_from_db()
    assert application.eligibility_overridden
    rule_eligibility(application=application, by=staff, eligible=False, reason="Out of scope.")
    application.refresh_from_db()
    assert not application.eligibility_overridden
    assert application.eligibility_reason == "Out of scope."


# --- bulk list -------------------------------------------------------------------------


def test_screening_list_shows_submitted_applications_with_their_checks(staff_client):
    call = CallFactory()
    ok = submitted_application(call=call, acronym="OK")
    bad = submitted_application(call=call, acronym="BAD", institutes=("INS2I",))
    submitted_application(call=call, acronym="DONE", status=ApplicationStatus.ELIGIBLE)
    ApplicationFactory(call=call, acronym="DRAFT")
    response = staff_client.get(list_url(call))
    assert {r.acronym for r in response.context["rows"]} == {"OK", "BAD"}
    html = response.content.decode()
    assert f'value="{ok.pk}" id="select-{ok.pk}">' in html
    assert f'value="{bad.pk}" id="select-{bad.pk}" disabled>' in html
    eligible = staff_client.get(list_url(call), {"status": "eligible"})
    assert [r.acronym for r in eligible.context["rows"]] == ["DONE"]


def test_bulk_rules_passing_applications_eligible_and_skips_the_others(
    staff_client, django_capture_on_commit_callbacks
):
    call = CallFactory()
    ok1 = submitted_application(call=call, acronym="OK1")
    ok2 = submitted_application(call=call, acronym="OK2")
    bad = submitted_application(call=call, acronym="BAD", institutes=("INS2I",))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            list_url(call), {"applications": [ok1.pk, ok2.pk, bad.pk]}, follow=True
        )
    statuses = {a.acronym: a.status for a in call.applications.all()}
    assert statuses == {"OK1": "eligible", "OK2": "eligible", "BAD": "submitted"}
    messages = [str(m) for m in response.context["messages"]]
    assert "2 applications ruled eligible; their coordinators are notified." in messages
    assert any(m.startswith(f"{bad} was not ruled eligible") for m in messages)
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 2
    assert len(mail.outbox) == 2


def test_bulk_with_nothing_selected_or_a_forged_id_changes_nothing(staff_client):
    call = CallFactory()
    application = submitted_application(call=call)
    other = submitted_application()  # another call
    response = staff_client.post(list_url(call), {}, follow=True)
    assert "Select at least one application." in [str(m) for m in response.context["messages"]]
    response = staff_client.post(list_url(call), {"applications": [other.pk]}, follow=True)
    assert any("Select a valid choice" in str(m) for m in response.context["messages"])
    for a in (application, other):
        a.refresh_from_db()
        assert a.status == ApplicationStatus.SUBMITTED
    assert not OutboxMessage.objects.exists()


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_screening_list_query_count_is_the_same_for_1_and_3(staff_client):
    call = CallFactory()
    submitted_application(call=call, institutes=("INS2I", "INP", "INSU"))
    staff_client.get(list_url(call))
    one = _count(staff_client, list_url(call))
    submitted_application(call=call, institutes=("INS2I", "INP"))
    submitted_application(call=call, institutes=("INSB", "INP"), submitted_at=timezone.now())
    assert len(staff_client.get(list_url(call)).context["rows"]) == 3
    assert _count(staff_client, list_url(call)) == one
