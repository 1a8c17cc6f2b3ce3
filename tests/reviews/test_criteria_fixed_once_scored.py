"""Once a review was scored against a call's criteria, their weights, scales and the set of
criteria are fixed everywhere (the model, the staff page, the admin): the stored review
totals were computed with them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from calls.models import CallStatus, Criterion
from calls.models.call import SCORED_CRITERIA_MESSAGE
from tests.factories.accounts import StaffFactory, SuperuserFactory
from tests.factories.calls import CallFactory, CriterionFactory
from tests.factories.reviews import call_in_review

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def scored():
    """A call still editable on the criteria page (closed) with one submitted review."""
    scenario = call_in_review(applications=1, reviewers=1)
    scenario.call.status = CallStatus.CLOSED
    scenario.call.save(update_fields=["status"])
    return scenario


def criteria_data(criterion, **changes):
    row = {
        "id": criterion.pk,
        "position": criterion.position,
        "name_en": criterion.name_en,
        "name_fr": criterion.name_fr,
        "weight": criterion.weight,
        "scale_min": criterion.scale_min,
        "scale_max": criterion.scale_max,
        "allow_na": "on" if criterion.allow_na else "",
        **changes,
    }
    data = {"criteria-TOTAL_FORMS": "1", "criteria-INITIAL_FORMS": "1"}
    data.update({f"criteria-0-{name}": value for name, value in row.items()})
    return data


def test_a_weight_change_is_refused_by_the_model_once_a_review_exists(scored):
    criterion = scored.criteria[0]
    criterion.weight = 3

    with pytest.raises(ValidationError) as refused:
        criterion.full_clean()

    assert refused.value.message_dict == {"weight": [str(SCORED_CRITERIA_MESSAGE)]}


def test_the_staff_page_refuses_a_weight_or_scale_change_once_a_review_exists(client, scored):
    client.force_login(StaffFactory())
    criterion = scored.criteria[0]
    url = reverse("calls:manage_call_criteria", args=[scored.call.slug])

    response = client.post(url, criteria_data(criterion, weight="3", scale_max="20"))

    assert response.status_code == 200
    assert response.context["formset"].errors == [
        {"weight": [str(SCORED_CRITERIA_MESSAGE)], "scale_max": [str(SCORED_CRITERIA_MESSAGE)]}
    ]
    criterion.refresh_from_db()
    assert (criterion.weight, criterion.scale_max) == (1, 10)


def test_the_staff_page_refuses_a_new_criterion_once_a_review_exists(client, scored):
    client.force_login(StaffFactory())
    data = criteria_data(scored.criteria[0])
    data.update(
        {
            "criteria-TOTAL_FORMS": "2",
            "criteria-1-position": "2",
            "criteria-1-name_en": "Feasibility",
            "criteria-1-name_fr": "Faisabilité",
            "criteria-1-weight": "1",
            "criteria-1-scale_min": "0",
            "criteria-1-scale_max": "10",
        }
    )

    response = client.post(reverse("calls:manage_call_criteria", args=[scored.call.slug]), data)

    assert response.context["formset"].non_form_errors() == [
        "Reviews were already scored against this call's criteria: criteria can no longer be "
        "added or deleted."
    ]
    assert scored.call.criteria.count() == 1


def test_the_admin_shows_weights_and_scales_read_only_once_a_review_exists(client, scored):
    client.force_login(SuperuserFactory())

    html = client.get(reverse("admin:calls_call_change", args=[scored.call.pk])).content.decode()

    assert 'name="criteria-0-name_en"' in html
    assert 'name="criteria-0-weight"' not in html
    assert 'name="criteria-0-scale_max"' not in html
    assert 'name="criteria-0-DELETE"' not in html


def test_weights_still_change_before_any_review(client):
    client.force_login(StaffFactory())
    call = CallFactory(status=CallStatus.CLOSED, with_rules=False)
    criterion = CriterionFactory(call=call)

    response = client.post(
        reverse("calls:manage_call_criteria", args=[call.slug]),
        criteria_data(criterion, weight="2.5"),
    )

    assert response.status_code == 302
    assert Criterion.objects.get(pk=criterion.pk).weight == 2.5
