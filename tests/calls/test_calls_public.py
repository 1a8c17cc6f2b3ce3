"""Public call pages: only open and upcoming calls, both languages, deadlines in Paris time."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from calls.models import CallStatus
from tests.factories.accounts import UserFactory
from tests.factories.calls import CallFactory, CriterionFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db
S = CallStatus
LIST_URL = reverse("calls:call_list")


def detail_url(call) -> str:
    return reverse("calls:call_detail", args=[call.slug])


def upcoming(**kwargs):
    now = timezone.now()
    return CallFactory(
        opens_at=now + timedelta(days=5, hours=1),
        closes_at=now + timedelta(days=40),
        review_deadline=now + timedelta(days=90),
        **kwargs,
    )


def past_deadline(**kwargs):
    now = timezone.now()
    return CallFactory(
        opens_at=now - timedelta(days=40), closes_at=now - timedelta(hours=1), **kwargs
    )


def test_list_shows_open_and_upcoming_calls_only(client):
    open_call = CallFactory(title_en="Open call")
    soon = upcoming(title_en="Upcoming call")
    CallFactory(status=S.DRAFT, title_en="Draft call")
    CallFactory(status=S.CLOSED, title_en="Closed call")
    CallFactory(status=S.ARCHIVED, title_en="Archived call")
    past_deadline(title_en="Deadline passed call")

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert [c.pk for c in response.context["open_calls"]] == [open_call.pk]
    assert [c.pk for c in response.context["upcoming_calls"]] == [soon.pk]
    content = response.content.decode()
    for hidden in ("Draft call", "Closed call", "Archived call", "Deadline passed call"):
        assert hidden not in content
    assert detail_url(open_call) in content


def test_list_shows_time_left_and_paris_deadline(client):
    now = timezone.now()
    CallFactory(closes_at=now + timedelta(days=3, hours=2))

    content = client.get(LIST_URL).content.decode()

    assert "closes in 3\xa0days" in content
    assert "(Paris time)" in content
    assert "<time datetime=" in content


def test_list_query_count_is_the_same_for_one_and_three_calls(client):
    CallFactory()
    with CaptureQueriesContext(connection) as one:
        client.get(LIST_URL)
    CallFactory()
    upcoming()
    with CaptureQueriesContext(connection) as three:
        response = client.get(LIST_URL)

    assert len(response.context["open_calls"]) + len(response.context["upcoming_calls"]) == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_call_page_shows_rules_eligibility_documents_criteria_and_deadlines(client):
    call = CallFactory(
        rules_en="Applicants must hold a PhD.",
        min_units=3,
        min_institutes=2,
        fellowships=6,
        partner_confirmation_required=True,
    )

    response = client.get(detail_url(call))

    assert response.status_code == 200
    content = response.content.decode()
    assert call.title_en in content
    assert "Applicants must hold a PhD." in content
    assert "at least 3 CNRS research units" in content
    assert "from at least 2 different CNRS institutes." in content
    assert "two units under the same institute count as one institute" in content
    assert "must confirm participation" in content
    assert "6 fellowships of 18 months each" in content
    assert "Project description" in content and "Coordinator&#x27;s CV" in content
    assert "PDF, up to 2\xa0MB" in content
    assert "Scientific excellence" in content and "“not applicable” allowed" in content
    assert "(Paris time)" in content
    assert "closes in" in content


def test_deadline_is_printed_in_paris_time_with_an_iso_time_element(client):
    paris = ZoneInfo("Europe/Paris")
    deadline = datetime(timezone.now().year + 1, 1, 15, 12, 0, tzinfo=paris)
    call = CallFactory(closes_at=deadline, review_deadline=deadline + timedelta(days=60))

    content = client.get(detail_url(call)).content.decode()

    year = deadline.year
    assert f'<time datetime="{year}-01-15T12:00:00+01:00" data-local-time' in content
    shown = f'15 January {year}, 12:00</time> <span class="text-body-secondary small">(Paris time)'
    assert shown in content


def test_deadline_and_sizes_read_as_a_french_team_writes_them(client):
    """« 15 janvier 2027 à 12 h (heure de Paris) », « PDF, 2 Mo maximum »: not
    « 15 janvier 2027 12:00 (heure de Paris, Europe/Paris, CET) » nor « 2,0 Mio »."""
    paris = ZoneInfo("Europe/Paris")
    deadline = datetime(timezone.now().year + 1, 1, 15, 12, 0, tzinfo=paris)
    call = CallFactory(closes_at=deadline, review_deadline=deadline + timedelta(days=60))
    client.cookies["django_language"] = "fr"

    content = client.get(detail_url(call)).content.decode()

    year = deadline.year
    assert f"15 janvier {year} à 12\xa0h</time>" in content
    assert '<span class="text-body-secondary small">(heure de Paris)</span>' in content
    assert "PDF, 2\xa0Mo maximum" in content
    assert "Mio" not in content and "CET" not in content


def test_call_page_loads_the_local_time_script_and_no_inline_script(client):
    content = client.get(detail_url(CallFactory())).content.decode()

    assert 'src="/static/js/local_time.js"' in content
    assert "<script>" not in content
    assert "style=" not in content


def test_call_page_in_french_uses_the_french_fields(client):
    call = CallFactory(rules_fr="Les candidats doivent être docteurs.")

    response = client.get(detail_url(call), HTTP_ACCEPT_LANGUAGE="fr")

    content = response.content.decode()
    assert '<html lang="fr">' in content
    assert call.title_fr in content
    assert call.title_en not in content
    assert "Contrats postdoctoraux de dix-huit mois" in content
    assert "Les candidats doivent être docteurs." in content
    assert "Excellence scientifique" in content
    assert "Description du projet" in content
    assert "Project description" not in content


def test_call_page_follows_the_logged_in_users_language(client):
    call = CallFactory()
    client.force_login(UserFactory(language="fr"))

    content = client.get(detail_url(call)).content.decode()

    assert call.title_fr in content


def test_list_in_english_and_in_french(client):
    call = CallFactory()

    english = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert call.title_en in english and call.title_fr not in english
    assert call.title_fr in french and call.title_en not in french


def test_upcoming_call_page_says_when_it_opens_and_offers_no_apply_link(client):
    call = upcoming()

    content = client.get(detail_url(call)).content.decode()

    assert "opens in 5\xa0days" in content
    assert "Apply</a>" not in content


def test_open_call_page_links_to_the_application_start_when_it_exists(client):
    call = CallFactory()

    content = client.get(detail_url(call)).content.decode()

    try:
        apply_url = reverse("calls:application_start", args=[call.slug])
    except NoReverseMatch:
        assert "Apply</a>" not in content
    else:
        assert f'href="{apply_url}">Apply</a>' in content


def test_closed_call_page_stays_readable_and_says_submissions_are_closed(client):
    call = CallFactory(status=S.CLOSED)

    response = client.get(detail_url(call))

    assert response.status_code == 200
    assert "Submissions closed" in response.content.decode()
    assert "Apply</a>" not in response.content.decode()


@pytest.mark.parametrize("slug", ["draft", "no-such-call"])
def test_draft_and_unknown_calls_are_not_found(client, slug):
    CallFactory(status=S.DRAFT, slug="draft")

    assert client.get(reverse("calls:call_detail", args=[slug])).status_code == 404


def test_public_pages_need_no_login(client):
    call = CallFactory()

    assert client.get(LIST_URL).status_code == 200
    assert client.get(detail_url(call)).status_code == 200


def test_public_pages_refuse_post(client):
    call = CallFactory()

    assert client.post(LIST_URL).status_code == 405
    assert client.post(detail_url(call)).status_code == 405


def test_call_page_query_count_does_not_grow_with_criteria(client):
    call = CallFactory(with_rules=False)
    CriterionFactory(call=call)
    RequiredDocumentFactory(call=call)
    with CaptureQueriesContext(connection) as one:
        client.get(detail_url(call))
    CriterionFactory.create_batch(2, call=call)
    RequiredDocumentFactory.create_batch(2, call=call)
    with CaptureQueriesContext(connection) as three:
        client.get(detail_url(call))

    assert len(three.captured_queries) == len(one.captured_queries)
