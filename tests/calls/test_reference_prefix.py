"""Two calls of a year never share a reference prefix (their references PREFIX-YEAR-NNN would
clash): refused with a message when a call is saved or cloned, a free prefix proposed by
the clone page, and a submission never fails on a reference already given."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from calls.models import Application, Call, CallStatus
from calls.models.call import REFERENCE_TAKEN_MESSAGE
from calls.services.submission import submit_application
from tests.factories.accounts import StaffFactory
from tests.factories.calls import ApplicationFactory, CallFactory, call_form_data, complete_draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def accept_the_proposed_clone(client, source) -> tuple[dict, Call]:
    url = reverse("calls:manage_call_clone", args=[source.slug])
    proposed = client.get(url).context["form"].initial
    client.post(url, proposed)
    return proposed, Call.objects.get(slug=proposed["slug"])


def new_call_data(**values) -> dict:
    """A second call of 2026, besides the one the clone makes."""
    return call_form_data(
        slug="aissai-2026-bis",
        title_en="AISSAI second call 2026",
        title_fr="Second appel AISSAI 2026",
        tie_break_order_0="",
        tie_break_order_1="",
        **values,
    )


def test_a_second_call_of_the_year_with_the_clones_prefix_is_refused(staff_client):
    source = CallFactory(slug="aissai-2025", edition_year=2025, status=CallStatus.ARCHIVED)

    proposed, clone = accept_the_proposed_clone(staff_client, source)
    response = staff_client.post(reverse("calls:manage_call_create"), new_call_data())

    assert proposed["reference_prefix"] == "AISSAI"
    assert (clone.edition_year, clone.reference_prefix) == (2026, "AISSAI")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(REFERENCE_TAKEN_MESSAGE)]
    assert not Call.objects.filter(slug="aissai-2026-bis").exists()


def test_cloning_again_proposes_a_free_prefix(staff_client):
    source = CallFactory(slug="aissai-2025", edition_year=2025, status=CallStatus.ARCHIVED)
    accept_the_proposed_clone(staff_client, source)

    proposed, second = accept_the_proposed_clone(staff_client, source)

    assert proposed["reference_prefix"] == "AISSAI2"
    assert (second.edition_year, second.reference_prefix) == (2026, "AISSAI2")


def test_the_clone_page_refuses_a_prefix_the_year_already_uses(staff_client):
    source = CallFactory(slug="aissai-2025", edition_year=2025, status=CallStatus.ARCHIVED)
    CallFactory(edition_year=2026, reference_prefix="AISSAI")
    url = reverse("calls:manage_call_clone", args=[source.slug])

    response = staff_client.post(
        url, {"edition_year": 2026, "slug": "aissai-2026", "reference_prefix": "aissai"}
    )

    assert response.context["form"].errors == {"reference_prefix": [str(REFERENCE_TAKEN_MESSAGE)]}
    assert not Call.objects.filter(slug="aissai-2026").exists()


def test_the_model_check_the_admin_and_services_use_refuses_a_taken_prefix():
    CallFactory(edition_year=2026, reference_prefix="AISSAI")
    call = CallFactory(edition_year=2026, reference_prefix="OTHER")
    call.reference_prefix = "AISSAI"

    with pytest.raises(ValidationError) as refused:
        call.full_clean()

    assert refused.value.messages == [str(REFERENCE_TAKEN_MESSAGE)]


def test_a_submission_skips_a_reference_already_given_instead_of_failing():
    call = CallFactory(edition_year=2025)
    ApplicationFactory(call=CallFactory(edition_year=2024), reference="AISSAI-2025-001")
    application = complete_draft(call=call)

    submit_application(application=application, by=application.coordinator)

    application.refresh_from_db()
    assert application.reference == "AISSAI-2025-002"
    assert Call.objects.get(pk=call.pk).next_reference_number == 3
    assert Application.objects.filter(reference="AISSAI-2025-001").count() == 1
