"""Fresh or labelled: the scoreboard's figures carry the version of the data they were
computed from; a page shows either the current figures, or the previous ones marked as
being updated (with their time) while the worker computes the current ones; services
always get current figures; figures are never computed from a half-updated state.

The worker path needs PostgreSQL shared with a real Celery worker and a broker (Redis,
also the cache they share); it skips, saying so, when one is absent. The rest runs in
both modes (tasks in process: the page computes the figures itself)."""

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from reviews.models import Review
from reviews.selectors import scoreboard_cache
from reviews.selectors.lists import build_board
from reviews.selectors.scoreboard import build_scoreboard
from reviews.selectors.scoreboard_cache import cache_key, cached_figures
from tests.factories.accounts import StaffFactory
from tests.factories.reviews import call_in_review, shortlisted_call

MARKER = 'id="figures-being-updated"'


def url(name, call):
    return reverse(f"reviews:{name}", args=[call.slug])


def first_review(application) -> Review:
    return Review.objects.filter(assignment__application=application).order_by("pk").first()


def set_total(application, total: str) -> None:
    review = first_review(application)
    review.total = Decimal(total)
    review.save()


def current_version(call) -> str:
    return cache_key(call, list(call.criteria.all()))


# --- Both modes -------------------------------------------------------------------------


@pytest.mark.django_db
def test_figures_carry_the_version_and_time_of_their_data():
    scenario = call_in_review(applications=2, reviewers=3, scores=[[6, 6, 6], [4, 4, 4]])
    before = datetime.now(UTC)

    board = build_scoreboard(scenario.call)

    assert board.figures.version == current_version(scenario.call)
    assert before <= board.computed_at <= datetime.now(UTC)
    assert board.stale is False
    set_total(scenario.applications[0], "9.000")
    assert board.figures.version != current_version(scenario.call)


@pytest.mark.django_db
def test_after_a_change_a_page_shows_current_figures_when_tasks_run_in_process(client):
    scenario = call_in_review(applications=2, reviewers=3, scores=[[6, 6, 6], [4, 4, 4]])
    first = scenario.applications[0]
    client.force_login(StaffFactory())
    assert client.get(url("scoreboard", scenario.call)).context["board"].row_for(
        first.pk
    ).overall.mean == pytest.approx(6.0)

    set_total(first, "9.000")
    response = client.get(url("scoreboard", scenario.call))

    board = response.context["board"]
    assert board.stale is False
    assert board.row_for(first.pk).overall.mean == pytest.approx(7.0)
    assert MARKER not in response.text


@pytest.mark.django_db
def test_figures_of_a_state_that_changed_while_computing_are_computed_again(monkeypatch):
    scenario = call_in_review(applications=2, reviewers=3, scores=[[6, 6, 6], [4, 4, 4]])
    first = scenario.applications[0]
    compute = scoreboard_cache.compute_figures
    calls = []

    def compute_then_a_change_commits(call, criteria):
        figures = compute(call, criteria)
        calls.append(figures)
        if len(calls) == 1:  # another request changes a review meanwhile
            set_total(first, "9.000")
        return figures

    monkeypatch.setattr(scoreboard_cache, "compute_figures", compute_then_a_change_commits)

    board = build_scoreboard(scenario.call)

    assert len(calls) == 2
    assert calls[0].index_of(first.pk) is not None
    assert board.figures is calls[1]
    assert board.figures.version == current_version(scenario.call)
    assert board.row_for(first.pk).overall.mean == pytest.approx(7.0)


@pytest.mark.django_db
def test_figures_computed_in_a_transaction_that_rolls_back_are_never_kept():
    scenario = call_in_review(applications=2, reviewers=3, scores=[[6, 6, 6], [4, 4, 4]])
    first = scenario.applications[0]
    cache.clear()

    with pytest.raises(RuntimeError), transaction.atomic():
        set_total(first, "9.000")
        assert build_scoreboard(scenario.call).row_for(first.pk).overall.mean == pytest.approx(7.0)
        raise RuntimeError("the service fails after reading the figures")

    assert cached_figures(scenario.call.pk) is None
    assert build_scoreboard(scenario.call).row_for(first.pk).overall.mean == pytest.approx(6.0)


@pytest.mark.parametrize(
    ("language", "said", "time"),
    [
        ("en", "These figures are being updated.", "7 December 2026, 14:05"),
        ("fr", "Ces chiffres sont en cours de mise à jour.", "7 décembre 2026 à 14\u00a0h\u00a005"),
    ],
)
def test_the_marker_says_the_time_of_the_figures_in_the_readers_language(language, said, time):
    board = SimpleNamespace(stale=True, computed_at=datetime(2026, 12, 7, 13, 5, tzinfo=UTC))
    request = SimpleNamespace(get_full_path=lambda: "/reviews/staff/x/scoreboard/?page=2")

    with translation.override(language):
        html = render_to_string(
            "reviews/scoreboard/_freshness.html", {"board": board, "request": request}
        )
        fresh = render_to_string(
            "reviews/scoreboard/_freshness.html",
            {"board": SimpleNamespace(stale=False, computed_at=board.computed_at)},
        )

    assert MARKER in html and said in html and time in html
    assert 'href="/reviews/staff/x/scoreboard/?page=2"' in html
    assert fresh.strip() == ""


# --- With a real worker (PostgreSQL, broker) ---------------------------------------------


def redis_cache(settings) -> str:
    """This process and the worker share a Redis cache (the broker's database)."""
    location = settings.CELERY_BROKER_URL
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}
    }
    return location


def wait_until_current(call, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        figures = cached_figures(call.pk)
        if figures is not None and figures.version == current_version(call):
            return
        time.sleep(0.1)
    figures = cached_figures(call.pk)
    raise AssertionError(
        "the worker did not compute the current figures: cached "
        f"{figures.version if figures else None}, current {current_version(call)}"
    )


def page_means(response, name: str) -> dict[int, float]:
    board = response.context["board"]
    if name == "lists_board":
        return {entry.application_id: entry.row.overall.mean for entry in board.entries}
    rows = response.context["rows"]
    rows = [row[0] if isinstance(row, tuple) else row for row in rows]
    return {row.application_id: row.overall.mean for row in rows}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_pages_show_previous_figures_marked_then_the_workers_current_ones(
    client, start_celery_worker, settings
):
    location = redis_cache(settings)
    scenario = shortlisted_call(means=[8, 6, 4])
    call, first = scenario.call, scenario.applications[0]
    cache.delete(f"scoreboard:{scoreboard_cache.SCHEMA}:{call.pk}:figures")
    start_celery_worker(env={"CACHE_URL": location})
    client.force_login(StaffFactory())
    try:
        for name, total, mean in (
            ("scoreboard", "10.000", 26 / 3),
            ("scoreboard_robustness", "2.000", 6.0),
            ("lists_board", "5.000", 7.0),
        ):
            client.get(url(name, call))  # current figures (computed if there are none)
            with CaptureQueriesContext(connection) as warm:
                before = client.get(url(name, call))
            assert MARKER not in before.text
            old = page_means(before, name)[first.pk]
            set_total(first, total)

            with CaptureQueriesContext(connection) as stale:
                response = client.get(url(name, call))

            assert response.context["board"].stale is True
            assert MARKER in response.text
            assert page_means(response, name)[first.pk] == pytest.approx(old)
            assert len(stale) == len(warm), "a stale read computes nothing"
            wait_until_current(call)
            response = client.get(url(name, call))
            assert response.context["board"].stale is False
            assert MARKER not in response.text
            assert page_means(response, name)[first.pk] == pytest.approx(mean)
    finally:
        cache.delete(f"scoreboard:{scoreboard_cache.SCHEMA}:{call.pk}:figures")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_services_never_use_previous_figures(client, settings):
    """No worker runs: the page shows the previous figures, a service computes the
    current ones itself."""
    redis_cache(settings)
    scenario = shortlisted_call(means=[8, 6, 4])
    call, first = scenario.call, scenario.applications[0]
    cache.delete(f"scoreboard:{scoreboard_cache.SCHEMA}:{call.pk}:figures")
    client.force_login(StaffFactory())
    try:
        client.get(url("lists_board", call))
        set_total(first, "10.000")
        page = client.get(url("lists_board", call))
        assert page.context["board"].stale is True
        client.cookies["django_language"] = "fr"
        assert (
            "Ces chiffres sont en cours de mise à jour."
            in client.get(url("lists_board", call)).text
        )
        client.cookies["django_language"] = "en"

        board = build_board(call)

        assert board.stale is False
        assert board.main[0].row.overall.mean == pytest.approx(26 / 3)
    finally:
        cache.delete(f"scoreboard:{scoreboard_cache.SCHEMA}:{call.pk}:figures")
        from tests.plugins.worker import purge_queue

        purge_queue(settings.CELERY_BROKER_URL)
