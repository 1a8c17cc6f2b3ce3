"""The panel ranking board pages: programme staff only, keyboard moves as plain POST forms,
drag-and-drop order, a stale page told the lists changed, fixing, and a query count that
does not grow with the lists."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from calls.models import ApplicationStatus
from reviews.models import ListEntry, ListMove, RankedList
from reviews.selectors.lists import build_board
from reviews.services.decisions import fix_lists
from reviews.services.list_edits import move_application
from reviews.services.lists import Seen
from tests.factories.accounts import StaffFactory, SuperuserFactory
from tests.factories.reviews import reviewer_of, shortlisted_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are checked in English, whatever a previous test's request left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def scenario():
    return shortlisted_call(means=[9, 8, 7, 6, 5], sources=(2,), complementary_size=2)


def url(name, call):
    return reverse(f"reviews:{name}", args=[call.slug])


def versions(call):
    board = build_board(call)
    return {
        "main_version": board.main_version,
        "complementary_version": board.complementary_version,
    }


def main_ids(call):
    return list(
        ListEntry.objects.filter(ranked_list__call=call, ranked_list__kind="main")
        .order_by("position")
        .values_list("application_id", flat=True)
    )


# --- Who may see the board -----------------------------------------------------------------


def other_people(call):
    return {
        "applicant": call.applications.first().coordinator,
        "reviewer": reviewer_of(call, accept_terms=True).expert.user,
        "superuser without programme role": SuperuserFactory(),
    }


@pytest.mark.parametrize(
    "name", ["lists_board", "lists_move", "lists_order", "lists_reset", "lists_fix"]
)
def test_only_programme_staff_reach_the_board(client, scenario, name):
    target = url(name, scenario.call)
    method = client.get if name == "lists_board" else client.post
    response = method(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    for role, person in other_people(scenario.call).items():
        client.force_login(person)
        assert method(target).status_code == 404, role
    assert not RankedList.objects.exists()


def test_the_board_shows_the_lists_the_buttons_and_the_script(client, scenario, staff):
    client.force_login(staff)
    response = client.get(url("lists_board", scenario.call))
    assert response.status_code == 200
    html = response.content.decode()
    apps = scenario.applications
    main = html[html.index('id="main-list"') : html.index('id="complementary-list"')]
    assert apps[0].reference in main and apps[1].reference in main
    assert apps[2].reference not in main
    assert f'value="{apps[2].pk}:to_main"' in html
    assert f'value="{apps[0].pk}:up"' not in html  # already first
    assert 'form="board-form"' in html
    assert "vendor/sortablejs/Sortable.min.js" in html and "js/list_board.js" in html
    assert not re.search(r"<script>(?!</script>)", html)  # no inline script (CSP)
    assert 'id="not-started"' in html


def test_the_board_says_that_the_move_buttons_rank_without_a_mouse(client, scenario, staff):
    client.force_login(staff)
    html = client.get(url("lists_board", scenario.call)).content.decode()
    handle = html.index('class="drag-handle')
    assert "use the move buttons without a mouse" in html[handle : handle + 300]
    assert "Move applications with the buttons, or drag them." in html


def test_an_empty_column_agrees_with_the_applications_it_counts_in_french(client, staff):
    """« Aucune. » (candidature is feminine), where other lists of things keep « Aucun. »."""
    scenario = shortlisted_call(means=[9, 8, 7], sources=(2,), complementary_size=2)
    client.force_login(staff)
    client.cookies["django_language"] = "fr"
    html = client.get(url("lists_board", scenario.call)).content.decode()
    others = html[html.index('id="others-list"') :]
    assert "Aucune." in others[: others.index("</ul>")]


def test_a_keyboard_move_is_a_plain_post(client, scenario, staff):
    client.force_login(staff)
    c = scenario.applications[2]
    response = client.post(
        url("lists_move", scenario.call),
        {"move": f"{c.pk}:to_main", "reason": "Panel consensus.", **versions(scenario.call)},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#entry-{c.pk}")
    assert main_ids(scenario.call) == [scenario.applications[0].pk, c.pk]
    assert ListMove.objects.get(application=c).reason == "Panel consensus."


def test_a_move_brings_staff_back_to_the_page_of_others_they_were_on(client, staff, monkeypatch):
    monkeypatch.setattr("reviews.selectors.lists.OTHERS_PER_PAGE", 1)
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5, 4, 3], sources=(2,), complementary_size=2)
    client.force_login(staff)
    c = scenario.applications[4]
    page = client.get(url("lists_board", scenario.call) + "?others_page=2").content.decode()
    assert 'name="others_page" value="2"' in page
    response = client.post(
        url("lists_move", scenario.call),
        {
            "move": f"{c.pk}:to_main",
            "reason": "Panel consensus.",
            "others_page": "2",
            **versions(scenario.call),
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"?others_page=2#entry-{c.pk}")
    # Nonsense pages are dropped rather than carried along.
    response = client.post(
        url("lists_move", scenario.call),
        {
            "move": f"{c.pk}:down",
            "reason": "Panel consensus.",
            "others_page": "2;x",
            **versions(scenario.call),
        },
    )
    assert "others_page" not in response["Location"]


def test_a_move_against_the_score_order_without_reason_is_refused_on_the_page(
    client, scenario, staff
):
    client.force_login(staff)
    c = scenario.applications[2]
    response = client.post(
        url("lists_move", scenario.call), {"move": f"{c.pk}:up", **versions(scenario.call)}
    )
    assert response.status_code == 400
    assert "give a reason" in response.content.decode()
    assert not ListEntry.objects.exists()


def test_a_stale_page_is_told_the_lists_changed_and_keeps_the_reason(client, scenario, staff):
    client.force_login(staff)
    loaded = versions(scenario.call)
    b = scenario.applications[1]
    move_application(
        call=scenario.call,
        by=StaffFactory(),
        application_id=b.pk,
        action="up",
        reason="Other staff.",
        seen=Seen(0, 0),
    )
    before = main_ids(scenario.call)

    response = client.post(
        url("lists_move", scenario.call),
        {"move": f"{scenario.applications[3].pk}:up", "reason": "My reason.", **loaded},
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "The lists changed since you loaded them" in html
    assert "My reason." in html
    assert 'name="main_version" value="1"' in html  # the page now carries the new versions
    assert main_ids(scenario.call) == before


def test_drag_and_drop_posts_the_new_order(client, scenario, staff):
    client.force_login(staff)
    a, b, c, d, e = scenario.applications
    response = client.post(
        url("lists_order", scenario.call),
        {
            "main_order": f"{e.pk},{a.pk}",
            "complementary_order": f"{b.pk},{c.pk},{d.pk}",
            "moved": e.pk,
            "reason": "Dragged by the chair.",
            **versions(scenario.call),
        },
    )
    assert response.status_code == 302
    assert main_ids(scenario.call) == [e.pk, a.pk]
    move = ListMove.objects.get(application=e)
    assert (move.kind, move.against_score_order, move.reason) == (
        "moved",
        True,
        "Dragged by the chair.",
    )
    # The complementary list keeps its size: D dropped off the lists.
    assert not ListEntry.objects.filter(application=d).exists()


def test_an_unreadable_order_is_refused(client, scenario, staff):
    client.force_login(staff)
    response = client.post(
        url("lists_order", scenario.call),
        {"main_order": "1,x", "complementary_order": "", **versions(scenario.call)},
    )
    assert response.status_code == 400
    assert not ListEntry.objects.exists()


def test_reset_puts_the_score_order_back(client, scenario, staff):
    client.force_login(staff)
    a, b = scenario.applications[:2]
    move_application(
        call=scenario.call, by=staff, application_id=b.pk, action="up", reason="x", seen=Seen(0, 0)
    )
    response = client.post(url("lists_reset", scenario.call), versions(scenario.call))
    assert response.status_code == 302
    assert main_ids(scenario.call) == [a.pk, b.pk]


def test_fixing_from_the_board(client, scenario, staff):
    client.force_login(staff)
    board = build_board(scenario.call)
    data = {
        **versions(scenario.call),
        "main_order": ",".join(map(str, board.main_ids)),
        "complementary_order": ",".join(map(str, board.complementary_ids)),
    }
    refused = client.post(url("lists_fix", scenario.call), data)
    assert refused.status_code == 400
    assert "Tick the confirmation" in refused.content.decode()

    response = client.post(url("lists_fix", scenario.call), {**data, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == url("decisions", scenario.call)
    statuses = [a.status for a in scenario.call.applications.order_by("pk")]
    S = ApplicationStatus
    assert statuses == [
        S.FUNDED,
        S.FUNDED,
        S.COMPLEMENTARY_LIST,
        S.COMPLEMENTARY_LIST,
        S.NOT_SELECTED,
    ]

    page = client.get(url("lists_board", scenario.call)).content.decode()
    assert 'id="lists-fixed"' in page
    assert 'id="board-form"' not in page


def test_the_tie_at_the_funding_line_is_shown_with_its_rule(client, staff):
    scenario = shortlisted_call(means=[9, 7, 7, 5], sources=(2,), complementary_size=1)
    client.force_login(staff)
    html = client.get(url("lists_board", scenario.call)).content.decode()
    assert 'id="tie-lines"' in html
    assert "Funding line" in html
    assert "Earlier submission" in html


@pytest.mark.parametrize("state", ["proposal", "saved", "fixed"])
def test_board_query_count_does_not_grow_with_the_lists(client, staff, state):
    counts = []
    for size in (1, 3):
        scenario = shortlisted_call(
            means=[9, 8, 7, 6, 5, 4][: size * 2], sources=(size,), complementary_size=size
        )
        board = build_board(scenario.call)
        seen = Seen(board.main_version, board.complementary_version)
        if state == "saved":
            move_application(
                call=scenario.call,
                by=staff,
                application_id=scenario.applications[0].pk,
                action="to_complementary",
                reason="x",
                seen=seen,
            )
        elif state == "fixed":
            fix_lists(
                call=scenario.call,
                by=staff,
                seen=seen,
                main_ids=board.main_ids,
                complementary_ids=board.complementary_ids,
            )
        client.force_login(staff)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("lists_board", scenario.call))
        assert response.status_code == 200
        assert len(build_board(scenario.call).main) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
