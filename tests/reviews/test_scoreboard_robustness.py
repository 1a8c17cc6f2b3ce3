"""Funding-line robustness on the scoreboard: ranks under each score, fragile places."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from calls.selectors.calls import staff_call_or_404
from reviews.scoring.robustness import CALIBRATED, MEAN, MEDIAN, Fragility
from reviews.selectors.scoreboard import ScoreboardFilters, build_scoreboard, crossing_lines
from tests.factories.accounts import StaffFactory
from tests.factories.calls import FundingSourceFactory
from tests.factories.reviews import call_in_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def fragile_call():
    """Two funded places; every reviewer scores every application (0–10).

    A is clearly funded, D clearly not; B is funded on the mean by a small margin; C has
    one harsh review that keeps it below the line on the mean, not on the median."""
    scenario = call_in_review(
        applications=4,
        reviewers=3,
        scores=[[9, 9, 9], [7, 7, 7], [9, 9, 2], [3, 3, 3]],
        fellowships=6,
    )
    FundingSourceFactory(call=scenario.call, fellowships=2)
    return scenario


def test_a_constructed_fragile_case_is_flagged_with_its_reasons(fragile_call, staff):
    a, b, c, d = (app.pk for app in fragile_call.applications)
    board = build_scoreboard(staff_call_or_404(staff, fragile_call.call.slug))
    rows = {row.application_id: row for row in board.rows}

    assert board.funded_places == 2
    assert board.calibration_supported
    assert rows[c].rank(MEAN) == 3 and rows[c].rank(MEDIAN) == 1
    assert rows[c].funded(MEAN) is False and rows[c].funded(MEDIAN) is True
    assert rows[c].fragile
    assert Fragility.SIDES_DIFFER in rows[c].robustness.reasons
    assert Fragility.LOO_MEAN in rows[c].robustness.reasons
    assert rows[b].fragile  # leaving C's harsh review out pushes B below the line
    assert not rows[a].fragile and not rows[d].fragile
    assert board.fragile_count == sum(row.fragile for row in board.rows)

    harsh = fragile_call.reviewer(2, 2).expert.full_name
    lines = crossing_lines(board, rows[b])
    assert any(
        line.metric == MEAN and line.reference == rows[c].reference and line.reviewer == harsh
        for line in lines
    )
    fragile_only = board.select(ScoreboardFilters(fragile_only=True, sort="rank_mean"))
    assert [row.application_id for row in fragile_only][0] == b
    assert a not in {row.application_id for row in fragile_only}


def test_robustness_page_shows_ranks_sides_and_reason_labels(client, fragile_call, staff):
    a, b, c, d = (app.pk for app in fragile_call.applications)
    client.force_login(staff)
    html = client.get(
        reverse("reviews:scoreboard_robustness", args=[fragile_call.call.slug])
    ).content.decode()

    row_c = re.search(rf'<tr id="robustness-{c}".*?</tr>', html, re.S).group(0)
    assert "table-warning" in row_c and "Fragile" in row_c
    assert "Funded under one score and not under another" in row_c
    assert "Crosses the funding line (mean) when one review is left out" in row_c
    assert escape(fragile_call.reviewer(2, 2).expert.full_name) in row_c
    row_a = re.search(rf'<tr id="robustness-{a}".*?</tr>', html, re.S).group(0)
    assert "Stable" in row_a and "Fragile" not in row_a
    assert "above the line" in row_a
    row_d = re.search(rf'<tr id="robustness-{d}".*?</tr>', html, re.S).group(0)
    assert "below the line" in row_d
    assert "Rank by calibrated score" in html


def test_robustness_page_anonymised_names_no_reviewer(client, fragile_call, staff):
    client.force_login(staff)
    html = client.get(
        reverse("reviews:scoreboard_robustness", args=[fragile_call.call.slug]) + "?anonymous=1"
    ).content.decode()
    assert "Crosses the funding line (mean)" in html
    harsh = fragile_call.invitations.index(fragile_call.reviewer(2, 2)) + 1
    assert f"without the review by Reviewer {harsh}" in html
    for invitation in fragile_call.invitations:
        assert escape(invitation.expert.full_name) not in html


def test_without_calibration_only_mean_and_median_are_ranked(staff):
    scenario = call_in_review(applications=2, reviewers=2, scores=[[8, 6], [5, 5]])
    board = build_scoreboard(staff_call_or_404(staff, scenario.call.slug))
    assert not board.calibration_supported
    assert board.metrics == (MEAN, MEDIAN)
    assert board.robustness.calibration_mode == "unavailable"
    assert CALIBRATED not in board.rows[0].robustness.ranks
