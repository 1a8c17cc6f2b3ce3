"""Two staff members (or two tabs) editing one call, and requests that leave fields out:
a change saved by one is never overwritten silently by the other."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aissai.concurrency import EditBase, EditConflict
from calls.models import CallStatus
from calls.services.calls import update_call
from tests.calls.test_calls_manage import call_form_data
from tests.factories.accounts import StaffFactory
from tests.factories.calls import CallFactory, CriterionFactory

pytestmark = pytest.mark.django_db

SLUG = "edited-call"


@pytest.fixture
def call():
    now = timezone.now().replace(second=0, microsecond=0)
    return CallFactory(
        slug=SLUG,
        status=CallStatus.DRAFT,
        title_en="Old title",
        summary_en="Old summary",
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=30),
        review_deadline=now + timedelta(days=90),
        tie_break_order=[],
    )


def edit_url():
    return reverse("calls:manage_call_edit", args=[SLUG])


def open_tab(client, call):
    response = client.get(edit_url())
    assert response.status_code == 200
    return call_form_data(call, edit_base=response.context["form"]["edit_base"].value())


def test_service_merges_a_call_saved_meanwhile_by_someone_else(call):
    base = EditBase.of(revision=0, values={"title_en": "Old title", "summary_en": "Old summary"})
    update_call(call=call, by=StaffFactory(), values={"title_en": "A"})

    saved = update_call(
        call=call,
        by=StaffFactory(),
        values={"title_en": "Old title", "summary_en": "B"},
        base=base,
    )

    call.refresh_from_db()
    assert (call.title_en, call.summary_en, call.revision) == ("A", "B", 2)
    assert (saved.changed, saved.kept, saved.stale) == (["summary_en"], ["title_en"], True)


def test_service_refuses_the_same_call_field_changed_by_both(call):
    base = EditBase.of(revision=0, values={"title_en": "Old title"})
    update_call(call=call, by=StaffFactory(), values={"title_en": "A"})

    with pytest.raises(EditConflict):
        update_call(call=call, by=StaffFactory(), values={"title_en": "B"}, base=base)

    call.refresh_from_db()
    assert (call.title_en, call.revision) == ("A", 1)


def test_two_staff_tabs_changing_different_fields_keep_both(client, call):
    client.force_login(StaffFactory())
    tab_a, tab_b = open_tab(client, call), open_tab(client, call)
    client.post(edit_url(), {**tab_a, "title_en": "New title"}, follow=True)

    response = client.post(edit_url(), {**tab_b, "summary_en": "New summary"}, follow=True)

    call.refresh_from_db()
    assert (call.title_en, call.summary_en) == ("New title", "New summary")
    texts = [str(m) for m in response.context["messages"]]
    assert "Call saved." in texts
    assert texts == [
        "This page had been saved elsewhere (another tab or window) since you opened it: "
        "both sets of changes are kept, including the changes made there to: Title (English).",
        "Call saved.",
    ]


def test_two_staff_tabs_changing_the_same_field_show_both_values(client, call):
    client.force_login(StaffFactory())
    tab_a, tab_b = open_tab(client, call), open_tab(client, call)
    client.post(edit_url(), {**tab_a, "title_en": "Title from A"}, follow=True)

    response = client.post(edit_url(), {**tab_b, "title_en": "Title from B"})

    assert response.status_code == 409
    [row] = response.context["form"].conflicts
    assert (row.name, row.mine, row.theirs) == ("keep-title_en", "Title from B", "Title from A")
    assert 'name="keep-title_en"' in response.content.decode()
    call.refresh_from_db()
    assert call.title_en == "Title from A"


def test_a_call_field_left_out_of_the_request_keeps_its_saved_value(client, call):
    client.force_login(StaffFactory())
    posted = open_tab(client, call)
    del posted["summary_en"]
    del posted["title_en"]

    response = client.post(edit_url(), {**posted, "title_fr": "Nouveau titre"})

    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.title_en, call.summary_en, call.title_fr) == (
        "Old title",
        "Old summary",
        "Nouveau titre",
    )


def test_call_items_without_the_management_form_are_explained_and_unchanged(client, call):
    criterion = CriterionFactory(call=call, name_en="Excellence")
    client.force_login(StaffFactory())

    response = client.post(
        reverse("calls:manage_call_criteria", args=[SLUG]),
        {"criteria-0-id": criterion.pk, "criteria-0-name_en": ""},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "This part of the form did not arrive complete" in content
    assert "file a bug report" not in content
    criterion.refresh_from_db()
    assert criterion.name_en == "Excellence"
