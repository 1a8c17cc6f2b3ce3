"""Admin for calls: inline criteria, documents and funding; status read-only; audited."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from calls.models import CallStatus
from tests.factories.accounts import SuperuserFactory
from tests.factories.calls import CallFactory, FundingSourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(SuperuserFactory())
    return client


def test_call_changelist_search(admin_client):
    wanted = CallFactory(title_en="AISSAI postdoctoral call 2025")
    CallFactory(title_en="Another programme", title_fr="Un autre programme")

    response = admin_client.get(reverse("admin:calls_call_changelist"), {"q": "postdoctoral"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_call_change_page_has_criteria_documents_and_funding_inline(admin_client):
    call = CallFactory()
    FundingSourceFactory(call=call, name="Industry donation")

    response = admin_client.get(reverse("admin:calls_call_change", args=[call.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="criteria-0-name_en"' in content
    assert 'name="required_documents-0-kind"' in content
    assert "Industry donation" in content
    assert 'name="funding_sources-0-fellowships"' not in content  # read-only: the page's service
    assert 'name="status"' not in content  # status moves only through the transition table


def test_call_changelist_query_count_does_not_grow(admin_client):
    url = reverse("admin:calls_call_changelist")
    CallFactory()
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url)
    CallFactory(status=CallStatus.DRAFT)
    CallFactory(status=CallStatus.CLOSED)
    with CaptureQueriesContext(connection) as three:
        response = admin_client.get(url)

    assert response.context["cl"].result_count == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_saving_a_call_in_the_admin_is_audited(admin_client):
    call = CallFactory(with_rules=False)
    data = {
        "edition_year": call.edition_year,
        "slug": call.slug,
        "reference_prefix": call.reference_prefix,
        "title_en": "Renamed in the admin",
        "title_fr": call.title_fr,
        "tie_break_order": "[]",
        "fellowships": 6,
        "complementary_size": 3,
        "fellowship_months": 18,
        "min_institutes": 2,
        "min_units": 2,
        "reviews_per_application": 3,
        "abstract_max_chars": 3000,
    }
    for name in ("opens_at", "closes_at", "review_deadline"):
        moment = timezone.localtime(getattr(call, name))
        data[f"{name}_0"] = moment.strftime("%Y-%m-%d")
        data[f"{name}_1"] = moment.strftime("%H:%M:%S")
    for prefix in ("criteria", "required_documents", "funding_sources"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    response = admin_client.post(reverse("admin:calls_call_change", args=[call.pk]), data)

    assert response.status_code == 302
    call.refresh_from_db()
    assert call.title_en == "Renamed in the admin"
    event = AuditEvent.objects.for_object(call).get(verb="call.updated")
    assert event.data["via"] == "admin"
    assert "title_en" in event.data["changed"]


def test_call_admin_links_to_the_management_page(admin_client):
    call = CallFactory()

    response = admin_client.get(reverse("admin:calls_call_changelist"))

    assert reverse("calls:manage_call", args=[call.slug]) in response.content.decode()


def test_the_admin_keeps_what_the_calls_status_fixes_read_only(admin_client):
    open_call = CallFactory(status=CallStatus.OPEN)
    decided = CallFactory(status=CallStatus.DECIDED)

    open_form = admin_client.get(reverse("admin:calls_call_change", args=[open_call.pk]))
    decided_form = admin_client.get(reverse("admin:calls_call_change", args=[decided.pk]))

    open_fields = set(open_form.context["adminform"].form.fields)
    assert {"reference_prefix", "slug", "edition_year", "min_units"}.isdisjoint(open_fields)
    assert {"title_en", "fellowships", "closes_at"} <= open_fields
    assert set(decided_form.context["adminform"].form.fields) == set()


def test_the_admin_refuses_what_the_staff_page_refuses_with_its_message(admin_client):
    call = CallFactory(status=CallStatus.OPEN, with_rules=False)
    data = {
        "title_en": call.title_en,
        "title_fr": call.title_fr,
        "tie_break_order": "[]",
        "fellowships": 6,
        "complementary_size": 3,
        "fellowship_months": 18,
        "reviews_per_application": 3,
        "abstract_max_chars": 3000,
    }
    past = timezone.localtime(timezone.now() - timedelta(hours=1))
    data.update(
        {"closes_at_0": past.strftime("%Y-%m-%d"), "closes_at_1": past.strftime("%H:%M:%S")}
    )
    for name in ("opens_at", "review_deadline"):
        moment = timezone.localtime(getattr(call, name))
        data[f"{name}_0"] = moment.strftime("%Y-%m-%d")
        data[f"{name}_1"] = moment.strftime("%H:%M:%S")
    for prefix in ("criteria", "required_documents", "funding_sources"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    response = admin_client.post(reverse("admin:calls_call_change", args=[call.pk]), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "To end submissions before the deadline, close the call and give a reason."
    ]
    call.refresh_from_db()
    assert call.closes_at > timezone.now()


def test_calls_are_not_added_in_the_admin(admin_client):
    response = admin_client.get(reverse("admin:calls_call_add"))

    assert response.status_code == 403


def test_the_admin_explains_the_tie_break_order_in_words(admin_client):
    call = CallFactory()
    html = admin_client.get(reverse("admin:calls_call_change", args=[call.pk])).content.decode()
    assert "first rule that separates them decides" in html
    assert "criterion:1" not in html
