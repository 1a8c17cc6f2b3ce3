"""The lists in the admin: positions edited inline go through the list services (reason
against the score order, stale page refused, history recorded); the history, decisions
and milestones are read-only there."""

import pytest
from django.urls import reverse
from django.utils import translation

from reviews.models import ListEntry, ListMove, RankedList
from reviews.services.list_edits import move_application
from reviews.services.lists import Seen
from tests.factories.accounts import SuperuserFactory
from tests.factories.reviews import shortlisted_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are checked in English, whatever a previous test's request left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def admin_user():
    return SuperuserFactory(is_programme_staff=True)


@pytest.fixture
def scenario(admin_user):
    """A…E with means 9…5, 3 funded places, 2 in reserve; lists saved once (B above A)."""
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5], sources=(3,), complementary_size=2)
    move_application(
        call=scenario.call,
        by=admin_user,
        application_id=scenario.applications[1].pk,
        action="up",
        reason="Panel preference.",
        seen=Seen(0, 0),
    )
    return scenario


def main_list(call):
    return RankedList.objects.get(call=call, kind="main")


def change_data(ranked, positions, *, reason="", versions="1:1"):
    entries = list(ranked.entries.order_by("position"))
    data = {
        "reason": reason,
        "loaded_versions": versions,
        "entries-TOTAL_FORMS": str(len(entries)),
        "entries-INITIAL_FORMS": str(len(entries)),
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "0",
    }
    for index, entry in enumerate(entries):
        data[f"entries-{index}-id"] = str(entry.pk)
        data[f"entries-{index}-ranked_list"] = str(ranked.pk)
        data[f"entries-{index}-position"] = str(positions.get(entry.application_id, entry.position))
    return data


def order(call, kind="main"):
    return list(
        ListEntry.objects.filter(ranked_list__call=call, ranked_list__kind=kind)
        .order_by("position")
        .values_list("application_id", flat=True)
    )


def test_positions_edited_inline_go_through_the_services(client, scenario, admin_user):
    client.force_login(admin_user)
    ranked = main_list(scenario.call)
    a, b, c = scenario.applications[:3]
    url = reverse("admin:reviews_rankedlist_change", args=[ranked.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, change_data(ranked, {c.pk: 1}, reason="Chair's decision."))

    assert response.status_code == 302
    assert order(scenario.call) == [c.pk, b.pk, a.pk]
    move = ListMove.objects.get(application=c)
    assert (move.reason, move.by, move.against_score_order) == (
        "Chair's decision.",
        admin_user,
        True,
    )
    assert set(RankedList.objects.values_list("version", flat=True)) == {2}


def test_an_entry_moved_down_lands_at_the_number_typed(client, scenario, admin_user):
    client.force_login(admin_user)
    ranked = main_list(scenario.call)
    a, b, c = scenario.applications[:3]
    url = reverse("admin:reviews_rankedlist_change", args=[ranked.pk])
    client.post(url, change_data(ranked, {b.pk: 3}, reason="Back down."))
    assert order(scenario.call) == [a.pk, c.pk, b.pk]


def test_a_reason_is_required_against_the_score_order(client, scenario, admin_user):
    client.force_login(admin_user)
    ranked = main_list(scenario.call)
    c = scenario.applications[2]
    url = reverse("admin:reviews_rankedlist_change", args=[ranked.pk])
    response = client.post(url, change_data(ranked, {c.pk: 1}))
    assert response.status_code == 200
    assert "give a reason" in response.content.decode()
    assert order(scenario.call)[0] == scenario.applications[1].pk


def test_a_stale_admin_page_is_refused(client, scenario, admin_user):
    client.force_login(admin_user)
    ranked = main_list(scenario.call)
    c = scenario.applications[2]
    url = reverse("admin:reviews_rankedlist_change", args=[ranked.pk])
    response = client.post(url, change_data(ranked, {c.pk: 1}, reason="x", versions="0:0"))
    assert response.status_code == 200
    assert "changed since you loaded them" in response.content.decode()
    assert ListMove.objects.count() == 1


def test_reset_action_with_a_reason(client, scenario, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:reviews_rankedlist_changelist"),
        {
            "action": "reset_to_score_order",
            "_selected_action": [main_list(scenario.call).pk],
            "reason": "Start again.",
        },
    )
    assert response.status_code == 302
    assert order(scenario.call) == [a.pk for a in scenario.applications[:3]]
    assert ListMove.objects.order_by("pk").last().reason == "Start again."


@pytest.mark.parametrize("model", ["listmove", "fundingdecision", "selection", "rankedlist"])
def test_history_and_decisions_are_read_only_in_the_admin(client, scenario, admin_user, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:reviews_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:reviews_{model}_add")).status_code == 403
