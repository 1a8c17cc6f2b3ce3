"""The scoreboard's cached figures: recomputed after every change that moves them, pages of
50 rows (figures over the whole call), a fixed number of queries, and the list board
built from the same figures."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import ApplicationStatus, Partner
from reviews.models import Conflict, ConflictSource, ConflictStatus, Review, ScoreboardChange
from reviews.selectors.lists import build_board
from reviews.selectors.scoreboard import ScoreboardFilters, build_scoreboard
from reviews.selectors.scoreboard_cache import SCHEMA, cache_key, cached_figures
from reviews.services.conflicts import detect_and_store, rule_on_conflict
from reviews.views import scoreboard as scoreboard_views
from tests.factories.accounts import StaffFactory
from tests.factories.calls import CriterionFactory, PartnerFactory
from tests.factories.reviews import call_in_review, shortlisted_call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff():
    return StaffFactory()


def url(name, call, query=""):
    return reverse(f"reviews:{name}", args=[call.slug]) + (f"?{query}" if query else "")


def mean_of(call, application):
    return build_scoreboard(call).row_for(application.pk).overall.mean


def test_a_changed_review_score_shows_at_once(client, staff):
    scenario = call_in_review(applications=2, reviewers=3, scores=[[6, 6, 6], [4, 4, 4]])
    first = scenario.applications[0]
    client.force_login(staff)
    assert f'data-application="{first.pk}"' in client.get(url("scoreboard", scenario.call)).text
    assert mean_of(scenario.call, first) == pytest.approx(6.0)

    review = Review.objects.filter(assignment__application=first).order_by("pk").first()
    review.total = Decimal("9.000")
    review.save()

    assert mean_of(scenario.call, first) == pytest.approx(7.0)
    html = client.get(url("scoreboard", scenario.call)).text
    assert "7.00" in html


def test_a_confirmed_conflict_takes_the_review_out_at_once(staff):
    scenario = call_in_review(applications=2, reviewers=3, scores=[[8, 5, 5], [4, 4, 4]])
    first = scenario.applications[0]
    reviewer = Review.objects.get(
        assignment__application=first, total=Decimal("8.000")
    ).assignment.invitation
    conflict = Conflict.objects.create(
        invitation=reviewer,
        application=first,
        source=ConflictSource.DETECTED,
        status=ConflictStatus.SUSPECTED,
        rule="same_email_domain",
        reason="example.edu",
    )
    assert build_scoreboard(scenario.call).row_for(first.pk).overall.count == 3

    rule_on_conflict(
        conflict=conflict, by=staff, status=ConflictStatus.CONFIRMED, reason="Same lab."
    )

    row = build_scoreboard(scenario.call).row_for(first.pk)
    assert (row.overall.count, row.overall.mean) == (2, pytest.approx(5.0))

    rule_on_conflict(conflict=conflict, by=staff, status=ConflictStatus.CLEARED, reason="Checked.")
    assert build_scoreboard(scenario.call).row_for(first.pk).overall.count == 3


def test_conflicts_the_detection_writes_in_bulk_are_seen():
    """The detection creates and updates conflict rows without model signals; it notes
    the change itself."""
    scenario = call_in_review(applications=1, reviewers=3, scores=[[8, 5, 5]])
    application = scenario.applications[0]
    review = Review.objects.filter(assignment__application=application).first()
    expert = review.assignment.invitation.expert
    assert build_scoreboard(scenario.call).row_for(application.pk).overall.count == 3

    # The expert turns out to lead a partner unit: a confirmed conflict, found in bulk.
    partner = PartnerFactory(application=application)
    Partner.objects.filter(pk=partner.pk).update(lead_email=expert.email)
    outcome = detect_and_store(call=scenario.call, by=None)

    assert outcome.created >= 1
    blocked = Conflict.objects.filter(application=application, status=ConflictStatus.CONFIRMED)
    assert blocked.filter(invitation=review.assignment.invitation).exists()
    left = 3 - blocked.count()
    assert build_scoreboard(scenario.call).row_for(application.pk).overall.count == left < 3


def changes(call) -> int:
    return ScoreboardChange.objects.filter(call_id=call.pk).count()


def test_status_weights_and_funding_changes_are_seen(staff):
    scenario = call_in_review(applications=2, reviewers=3, scores=[[6, 6, 6], [4, 4, 4]])
    call, first = scenario.call, scenario.applications[0]
    assert build_scoreboard(call).row_for(first.pk).status == ApplicationStatus.IN_REVIEW

    first.status = ApplicationStatus.SHORTLISTED
    first.save()
    assert build_scoreboard(call).row_for(first.pk).status == ApplicationStatus.SHORTLISTED

    before = changes(call)
    CriterionFactory(call=call, name_en="Extra")
    assert changes(call) == before + 1
    assert len(build_scoreboard(call).criteria) == len(scenario.criteria) + 1


def test_saving_a_draft_application_does_not_touch_the_stamp():
    scenario = call_in_review(applications=1, reviewers=3, scores=[[6, 6, 6]])
    before = changes(scenario.call)
    draft = scenario.applications[0]
    draft.pk = None
    draft.reference = ""
    draft.status = ApplicationStatus.DRAFT
    draft.save()
    assert changes(scenario.call) == before


def test_a_call_loaded_without_signals_is_computed_then_follows_changes():
    scenario = call_in_review(applications=1, reviewers=3, scores=[[6, 6, 6]])
    ScoreboardChange.objects.filter(call_id=scenario.call.pk).delete()
    application = scenario.applications[0]
    assert build_scoreboard(scenario.call).row_for(application.pk).overall.mean == 6

    review = Review.objects.filter(assignment__application=application).first()
    review.scores.update(score=9)
    review.total = Decimal("9")
    review.save()
    assert build_scoreboard(scenario.call).row_for(application.pk).overall.mean == 7


def test_renamed_coordinator_and_expert_show_at_once():
    """Names are part of the cached figures: renaming (or anonymising) a person shows on
    the next read; a login (which saves last_login only) notes nothing."""
    scenario = call_in_review(applications=1, reviewers=3, scores=[[6, 6, 6]])
    application = scenario.applications[0]
    build_scoreboard(scenario.call)
    coordinator = application.coordinator
    coordinator.full_name = "Ada Renamed"
    coordinator.save()
    expert = Review.objects.filter(assignment__application=application).first()
    expert = expert.assignment.invitation.expert
    expert.full_name = "Grace Renamed"
    expert.save()

    board = build_scoreboard(scenario.call)
    assert board.row_for(application.pk).coordinator == "Ada Renamed"
    assert "Grace Renamed" in {reviewer.name for reviewer in board.reviewers}

    before = changes(scenario.call)
    coordinator.save(update_fields=["last_login"])
    assert changes(scenario.call) == before


def test_pages_keep_the_sort_and_rank_over_the_whole_call(client, staff, monkeypatch):
    monkeypatch.setattr(scoreboard_views, "PAGE_SIZE", 2)
    scenario = call_in_review(
        applications=5, reviewers=3, scores=[[m, m, m] for m in (3, 9, 5, 7, 1)]
    )
    client.force_login(staff)
    by_mean = [scenario.applications[i].pk for i in (1, 3, 2, 0, 4)]

    first = client.get(url("scoreboard", scenario.call, "sort=-mean"))
    second = client.get(url("scoreboard", scenario.call, "sort=-mean&page=2"))
    last = client.get(url("scoreboard", scenario.call, "sort=-mean&page=99"))

    def shown(response):
        return [row.application_id for row in response.context["rows"]]

    assert shown(first) == by_mean[:2]
    assert shown(second) == by_mean[2:4]
    assert shown(last) == by_mean[4:]  # out of range: the last page
    for nonsense in ("x", "-1", "2.5", "%00"):
        response = client.get(url("scoreboard", scenario.call, f"sort=-mean&page={nonsense}"))
        assert response.status_code == 200
        assert shown(response) in (by_mean[:2], by_mean[4:])  # the first or the last page
    assert "5 applications shown" in first.text
    assert 'href="?sort=-mean&amp;page=2" rel="next"' in first.text
    assert 'aria-current="page"><span class="page-link">Page 2 of 3' in second.text
    assert build_scoreboard(scenario.call).order(ScoreboardFilters(sort="-mean")) == [
        1,
        3,
        2,
        0,
        4,
    ]


def test_robustness_page_is_paginated_like_the_scoreboard(client, staff, monkeypatch):
    monkeypatch.setattr(scoreboard_views, "PAGE_SIZE", 2)
    scenario = call_in_review(applications=3, reviewers=3, scores=[[m, m, m] for m in (3, 9, 5)])
    client.force_login(staff)
    response = client.get(url("scoreboard_robustness", scenario.call, "sort=-mean&page=2"))
    assert [row.application_id for row, _c, _x in response.context["rows"]] == [
        scenario.applications[0].pk
    ]


def test_reviewer_table_has_its_own_pages(client, staff, monkeypatch):
    monkeypatch.setattr(scoreboard_views, "REVIEWER_PAGE_SIZE", 2)
    scenario = call_in_review(applications=3, reviewers=5, per_application=3)
    client.force_login(staff)
    response = client.get(url("scoreboard", scenario.call, "sort=-mean&reviewers_page=3"))
    assert len(response.context["reviewers"]) == 1
    assert response.context["page"].number == 1
    assert 'href="?sort=-mean&amp;reviewers_page=2#leniency" rel="prev"' in response.text


@pytest.mark.parametrize("page", ["scoreboard", "scoreboard_robustness", "lists_board"])
@pytest.mark.parametrize("warm", [False, True])
def test_query_count_is_the_same_with_1_and_3_applications(client, staff, page, warm):
    client.force_login(staff)
    client.get(reverse("home"))  # session and content types
    counts = []
    for size in (1, 3):
        scenario = shortlisted_call(means=[6 + i for i in range(size)])
        if warm:
            client.get(url(page, scenario.call))
        else:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(page, scenario.call, "page=2"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_list_board_shows_the_others_one_page_at_a_time(client, staff, monkeypatch):
    monkeypatch.setattr("reviews.selectors.lists.OTHERS_PER_PAGE", 2)
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5, 4], sources=(1,), complementary_size=1)
    client.force_login(staff)
    ids = [a.pk for a in scenario.applications]

    assert client.get(url("lists_board", scenario.call, "others_page=x")).status_code == 200
    response = client.get(url("lists_board", scenario.call, "others_page=2"))

    board = response.context["board"]
    assert (board.main_ids, board.complementary_ids) == ([ids[0]], [ids[1]])
    assert [entry.application_id for entry in board.others] == ids[4:6]
    assert board.others_count == 4
    assert "Applications 3 to 4 of 4." in response.text
    assert [e.application_id for e in build_board(scenario.call).others] == ids[2:]


@pytest.mark.parametrize(
    ("value", "language", "shown"),
    [(6.665, "en", "6.67"), (6.665, "fr", "6,67"), (7, "en", "7.00"), (0.004, "fr", "0,00")],
)
def test_scores_are_shown_like_floatformat_in_the_readers_language(value, language, shown):
    from django.template.defaultfilters import floatformat
    from django.utils import translation

    from reviews.templatetags.scores import score

    with translation.override(language):
        assert score(value) == shown == floatformat(value, 2)
    assert "—" in score(None)
    assert "—" in score(float("nan")) and "—" in score(float("inf"))


def test_a_call_keeps_one_cache_entry_carrying_its_version():
    scenario = call_in_review(applications=1, reviewers=3, scores=[[6, 6, 6]])
    criteria = list(scenario.call.criteria.all())
    build_scoreboard(scenario.call)
    first = cached_figures(scenario.call.pk)
    assert first.version == cache_key(scenario.call, criteria)
    review = Review.objects.filter(assignment__application=scenario.applications[0]).first()
    review.save()
    build_scoreboard(scenario.call)
    second = cached_figures(scenario.call.pk)
    assert second.version == cache_key(scenario.call, criteria) != first.version
    assert cache.get(f"scoreboard:{SCHEMA}:{scenario.call.pk}:figures") is second or (
        cache.get(f"scoreboard:{SCHEMA}:{scenario.call.pk}:figures").version == second.version
    )
