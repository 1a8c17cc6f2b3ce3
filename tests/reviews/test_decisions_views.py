"""The funding decisions pages: programme staff only (404 for everyone else), adding a
source, recording a decline, publishing, closing, the history page, the coordinator's own
decline page, and query counts that do not grow with the number of decisions."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from aissai.notifications.models import OutboxMessage
from calls.models import ApplicationStatus, CallStatus
from calls.services.calls import change_call_status
from reviews.services.decisions import close_complementary_list
from reviews.services.results import publish_results
from tests.factories.accounts import StaffFactory, SuperuserFactory, UserFactory
from tests.factories.reviews import fix_as_shown, reviewer_of, shortlisted_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are checked in English, whatever a previous test's request left active."""
    with translation.override("en"):
        yield


S = ApplicationStatus


@pytest.fixture
def staff():
    return StaffFactory()


def make_fixed(staff, means=(9, 8, 7, 6, 5), sources=(3,), complementary_size=2):
    scenario = shortlisted_call(
        means=list(means), sources=sources, complementary_size=complementary_size
    )
    fix_as_shown(scenario.call, by=staff)
    for application in scenario.applications:
        application.refresh_from_db()
    return scenario


@pytest.fixture
def fixed(staff):
    return make_fixed(staff)


def url(name, call, *args):
    return reverse(f"reviews:{name}", args=[call.slug, *args])


def staff_urls(scenario):
    call, funded = scenario.call, scenario.applications[0]
    return [
        ("get", url("decisions", call)),
        ("get", url("decisions_history", call)),
        ("post", url("decisions_source", call)),
        ("post", url("decisions_decline", call, funded.pk)),
        ("post", url("decisions_fill", call)),
        ("post", url("decisions_close", call)),
        ("post", url("decisions_publish", call)),
    ]


def test_only_programme_staff_reach_the_decision_pages(client, fixed):
    people = {
        "applicant": fixed.applications[0].coordinator,
        "reviewer": reviewer_of(fixed.call, accept_terms=True).expert.user,
        "superuser without programme role": SuperuserFactory(),
    }
    for method, target in staff_urls(fixed):
        client.logout()
        response = getattr(client, method)(target)
        assert response.status_code == 302, target
        assert response["Location"].startswith(reverse("accounts:login"))
        for role, person in people.items():
            client.force_login(person)
            assert getattr(client, method)(target).status_code == 404, (role, target)
    assert fixed.call.funding_sources.count() == 1
    assert not OutboxMessage.objects.exists()


def test_the_decisions_page_shows_sources_funded_and_waiting(client, fixed, staff):
    client.force_login(staff)
    html = client.get(url("decisions", fixed.call)).content.decode()
    funded = html[html.index('id="funded"') : html.index('id="waiting"')]
    waiting = html[html.index('id="waiting"') :]
    assert all(a.reference in funded for a in fixed.applications[:3])
    assert fixed.applications[3].reference in waiting
    assert "Industry donation" in html
    assert f'name="decline-{fixed.applications[0].pk}-reason"' in html


def test_adding_a_source_promotes_and_says_so(client, fixed, staff):
    client.force_login(staff)
    response = client.post(
        url("decisions_source", fixed.call),
        {"name": "Regional grant", "fellowships": "1", "reason": "Region joins."},
        follow=True,
    )
    html = response.content.decode()
    assert "Funding source added: Regional grant (1)." in html
    assert f"Promoted from the complementary list: {fixed.applications[3].reference}." in html
    fixed.applications[3].refresh_from_db()
    assert fixed.applications[3].status == S.FUNDED


def test_an_invalid_source_is_refused_with_the_form(client, fixed, staff):
    client.force_login(staff)
    response = client.post(url("decisions_source", fixed.call), {"name": "", "fellowships": "0"})
    assert response.status_code == 400
    assert fixed.call.funding_sources.count() == 1


def test_recording_a_decline_from_the_page(client, fixed, staff):
    client.force_login(staff)
    b = fixed.applications[1]
    prefix = f"decline-{b.pk}"
    refused = client.post(url("decisions_decline", fixed.call, b.pk), {f"{prefix}-reason": ""})
    assert refused.status_code == 400
    assert f'id="funded-{b.pk}"' in refused.content.decode()

    response = client.post(
        url("decisions_decline", fixed.call, b.pk),
        {f"{prefix}-reason": "Candidate left.", f"{prefix}-declined_on": "2025-11-03"},
    )
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.status == S.DECLINED
    d = fixed.applications[3]
    d.refresh_from_db()
    assert d.status == S.FUNDED


def test_a_decline_for_an_application_of_another_call_is_404(client, fixed, staff):
    other = make_fixed(staff, means=(9, 8), sources=(1,), complementary_size=1)
    client.force_login(staff)
    response = client.post(
        url("decisions_decline", fixed.call, other.applications[0].pk),
        {f"decline-{other.applications[0].pk}-reason": "x"},
    )
    assert response.status_code == 404


def test_publishing_from_the_page_goes_to_the_held_mails(client, fixed, staff):
    client.force_login(staff)
    refused = client.post(url("decisions_publish", fixed.call), {})
    assert refused.status_code == 400
    response = client.post(url("decisions_publish", fixed.call), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:outbox") + "?status=held&event=results"
    assert OutboxMessage.objects.filter(event="results", status="held").count() == 5


def test_closing_and_filling_from_the_page(client, fixed, staff):
    client.force_login(staff)
    nothing = client.post(url("decisions_fill", fixed.call), {})
    assert nothing.status_code == 400
    assert "No free place" in nothing.content.decode()
    response = client.post(url("decisions_close", fixed.call), {"confirm": "on", "reason": "End."})
    assert response.status_code == 302
    statuses = {a.status for a in fixed.call.applications.filter(status=S.NOT_FUNDED)}
    assert statuses == {S.NOT_FUNDED}
    assert fixed.call.applications.filter(status=S.NOT_FUNDED).count() == 2


def test_the_history_page(client, fixed, staff):
    client.force_login(staff)
    client.post(url("decisions_source", fixed.call), {"name": "Regional grant", "fellowships": 1})
    html = client.get(url("decisions_history", fixed.call)).content.decode()
    assert "3 on the main list and 2 on the complementary list when the lists were fixed" in html
    assert "4 funded now" in html
    assert html.count('data-testid="history-row"') == 6  # 3 + 1 decisions, fixed, 1 promotion
    assert "Regional grant" in html
    assert staff.full_name in html


def test_the_history_is_read_in_the_reader_s_language(client, fixed, staff):
    """The sentences the application wrote are stored as facts: the same rows read in
    French and in English, whoever acted."""
    close_complementary_list(call=fixed.call, by=staff)
    client.force_login(staff)
    english = client.get(url("decisions_history", fixed.call)).content.decode()
    staff.language = "fr"
    staff.save(update_fields=["language"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get(url("decisions_history", fixed.call)).content.decode()
    assert "Main list, position 1." in english
    assert "The complementary list is closed." in english
    assert "Liste principale, position 1." in french or "Liste principale, position 1." in french
    assert "La liste complémentaire est close." in french
    assert "Main list" not in french and "complementary list is closed" not in french


def history_after_extra_funding(client, fixed, staff) -> tuple[str, str]:
    """The decision history, in English then in French, once a new source has promoted
    the first application of the complementary list."""
    client.force_login(staff)
    client.post(url("decisions_source", fixed.call), {"name": "Regional grant", "fellowships": 1})
    english = client.get(url("decisions_history", fixed.call)).content.decode()
    staff.language = "fr"
    staff.save(update_fields=["language"])
    french = client.get(url("decisions_history", fixed.call)).content.decode()
    return english, french


def test_the_history_names_list_positions_in_french_words(client, fixed, staff):
    english, french = history_after_extra_funding(client, fixed, staff)
    assert "Complementary list #1" in english
    assert "Liste complémentaire, position 1" in french and " #1" not in french


def test_the_history_says_a_promoted_decision_in_one_phrase(client, fixed, staff):
    english, french = history_after_extra_funding(client, fixed, staff)
    assert english.count("<strong>Funded (promoted)</strong>") == 1
    assert french.count("<strong>Financée (promue)</strong>") == 1
    assert "promue</span>" not in french


@pytest.mark.parametrize("page", ["decisions", "decisions_history"])
def test_decision_pages_query_count_does_not_grow(client, staff, page):
    counts = []
    for size in (1, 3):
        scenario = make_fixed(
            staff, means=[9, 8, 7, 6, 5, 4][: size * 2], sources=(size,), complementary_size=size
        )
        client.force_login(staff)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(page, scenario.call))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- The coordinator declines their place ----------------------------------------------------


def test_the_coordinator_declines_once_the_results_are_out(client, fixed, staff):
    a = fixed.applications[0]
    target = reverse("reviews:decline_place", args=[a.pk])
    client.force_login(a.coordinator)
    assert client.get(target).status_code == 404  # results not published yet

    publish_results(call=fixed.call, by=staff)
    page = client.get(target)
    assert page.status_code == 200
    unconfirmed = client.post(target, {"reason": "We cannot recruit."})
    assert unconfirmed.status_code == 200
    a.refresh_from_db()
    assert a.status == S.FUNDED

    response = client.post(target, {"reason": "We cannot recruit.", "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("calls:application_detail", args=[a.pk])
    a.refresh_from_db()
    assert a.status == S.DECLINED
    assert 'id="already-declined"' in client.get(target).content.decode()


def test_nobody_else_may_decline_a_place(client, fixed, staff):
    publish_results(call=fixed.call, by=staff)
    a = fixed.applications[0]
    target = reverse("reviews:decline_place", args=[a.pk])
    for person in (UserFactory(), fixed.applications[1].coordinator, staff):
        client.force_login(person)
        assert client.get(target).status_code == 404
        assert client.post(target, {"reason": "x", "confirm": "on"}).status_code == 404
    client.logout()
    assert client.get(target).status_code == 302
    a.refresh_from_db()
    assert a.status == S.FUNDED


def test_a_waiting_application_has_no_decline_page(client, fixed, staff):
    publish_results(call=fixed.call, by=staff)
    d = fixed.applications[3]
    client.force_login(d.coordinator)
    assert client.get(reverse("reviews:decline_place", args=[d.pk])).status_code == 404


def test_a_row_s_position_is_read_apart_from_its_reference(client, fixed, staff):
    """Screen readers and copy and paste got "1STAJBKLN-2027-002": the position is named
    and separated from the reference."""
    client.force_login(staff)
    html = client.get(url("decisions", fixed.call)).content.decode()

    first = fixed.applications[0].reference
    assert re.search(
        r'<span class="visually-hidden">Position </span>1</span> <strong>' + re.escape(first),
        html,
    )


def test_a_call_marked_decided_by_hand_shows_no_decline_button_that_leads_to_a_404(
    client, fixed, staff
):
    a = fixed.applications[0]
    change_call_status(call=fixed.call, to=CallStatus.DECIDED, by=staff)  # results unpublished
    client.force_login(a.coordinator)
    target = reverse("reviews:decline_place", args=[a.pk])

    page = client.get(reverse("calls:application_detail", args=[a.pk])).content.decode()

    assert client.get(target).status_code == 404
    assert target not in page
    publish_results(call=fixed.call, by=staff)  # the call is already decided: it stays so
    assert target in client.get(reverse("calls:application_detail", args=[a.pk])).content.decode()
