"""Admin for calls: inline criteria, documents and funding; status read-only; audited."""

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
