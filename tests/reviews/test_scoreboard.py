"""The scoreboard of a call: figures per application, calibration shown or refused,
anonymised view, sorting and filtering, and a query count that does not grow."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from calls.models import ApplicationStatus
from calls.selectors.calls import staff_call_or_404
from reviews.models import Conflict, ConflictSource, ConflictStatus
from reviews.scoring.calibration import ReasonCode
from reviews.selectors.scoreboard import ScoreboardFilters, build_scoreboard, funded_places
from tests.factories.accounts import StaffFactory
from tests.factories.calls import (
    CallFactory,
    DisciplineFactory,
    FundingSourceFactory,
    PartnerFactory,
    UnitFactory,
    institute,
    submitted_application,
)
from tests.factories.reviews import (
    AssignmentFactory,
    InvitationFactory,
    call_in_review,
    criteria_of,
    submitted_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


def board_for(call, staff):
    return build_scoreboard(staff_call_or_404(staff, call.slug))


def url(name, call, query=""):
    return reverse(f"reviews:{name}", args=[call.slug]) + (f"?{query}" if query else "")


@pytest.fixture
def four_criteria_call():
    """Two applications, three reviewers, the call's four criteria (weights 2, 1, 1, 1 on
    0–5; the last allows N/A). Totals are on 0–10."""
    call = CallFactory(status="in_review")
    excellence, inter, feasibility, collaboration = criteria_of(call)
    first = submitted_application(call=call, status=ApplicationStatus.IN_REVIEW, documents=False)
    second = submitted_application(call=call, status=ApplicationStatus.IN_REVIEW, documents=False)
    reviewers = [InvitationFactory(call=call) for _ in range(3)]
    given = {
        # 10 × (2·1 + 0.8 + 0.8) / 4 = 9.0 (N/A left out, not zero); 8.0; 4.0
        first: [([5, 4, 4, None], 5), ([4, 4, 4, 4], 1), ([2, 2, 2, 2], 3)],
        # 6.0; 10 × (2·0.6 + 0.6 + 0.6 + 0.8) / 5 = 6.4; 6.0
        second: [([3, 3, 3, 3], 3), ([3, 3, 3, 4], 3), ([3, 3, 3, 3], 3)],
    }
    for application, reviews in given.items():
        for reviewer, (scores, confidence) in zip(reviewers, reviews, strict=True):
            submitted_review(
                assignment=AssignmentFactory(invitation=reviewer, application=application),
                scores=scores,
                confidence=confidence,
            )
    return call, first, second, reviewers, [excellence, inter, feasibility, collaboration]


def test_figures_per_application_with_na_left_out(four_criteria_call, staff):
    call, first, second, _reviewers, criteria = four_criteria_call
    board = board_for(call, staff)
    rows = {row.application_id: row for row in board.rows}

    a = rows[first.pk]
    assert a.overall.count == 3
    assert a.overall.mean == pytest.approx(7.0)
    assert a.overall.median == pytest.approx(8.0)
    assert a.overall.spread == pytest.approx(5.0)
    assert (a.overall.minimum, a.overall.maximum) == (4.0, 9.0)
    # confidence 5 → 1.5, 1 → 0.5, 3 → 1.0
    assert a.overall.weighted_mean == pytest.approx((9 * 1.5 + 8 * 0.5 + 4 * 1.0) / 3)
    assert a.overall.disagreement is True
    excellence, _inter, _feasibility, collaboration = a.criteria
    assert excellence.mean == pytest.approx(11 / 3)
    assert (collaboration.count, collaboration.mean) == (2, pytest.approx(3.0))

    b = rows[second.pk]
    assert b.overall.mean == pytest.approx((6.0 + 6.4 + 6.0) / 3)
    assert b.overall.median == pytest.approx(6.0)
    assert b.overall.spread == pytest.approx(0.4)
    assert b.overall.disagreement is False
    assert [f.mean for f in b.criteria] == [3.0, 3.0, 3.0, pytest.approx(10 / 3)]


def test_scoreboard_page_shows_the_figures(client, four_criteria_call, staff):
    call, first, *_ = four_criteria_call
    client.force_login(staff)
    response = client.get(url("scoreboard", call))
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(rf'<tr data-application="{first.pk}">(.*?)</tr>', html, re.S).group(1)
    for figure in ("7.00", "8.00", "5.00", "4.00–9.00", "3.67", "Reviewers disagree"):
        assert figure in row
    assert "2 scores" in row  # the N/A criterion: two scores, not three


def test_draft_reviews_ended_assignments_and_confirmed_conflicts_do_not_count(staff):
    scenario = call_in_review(applications=1, reviewers=3, scores=[[8, 6, 4]])
    review = scenario.review(0, 2)
    review.assignment.is_active = False
    review.assignment.save()
    conflicted = scenario.review(0, 1).assignment
    Conflict.objects.create(
        invitation=conflicted.invitation,
        application=conflicted.application,
        source=ConflictSource.STAFF,
        status=ConflictStatus.CONFIRMED,
    )
    extra = AssignmentFactory(
        invitation=InvitationFactory(call=scenario.call), application=scenario.applications[0]
    )
    draft = submitted_review(assignment=extra, scores=[0])
    draft.status = "draft"
    draft.save()

    (row,) = board_for(scenario.call, staff).rows
    assert (row.overall.count, row.overall.mean) == (1, 8.0)


def test_a_review_with_every_criterion_na_has_no_total_and_is_not_counted(staff):
    scenario = call_in_review(applications=1, reviewers=3, scores=[[8, None, 6]])
    (row,) = board_for(scenario.call, staff).rows
    assert row.overall.count == 2
    assert row.overall.mean == pytest.approx(7.0)


def test_calibration_refused_on_thin_data_says_why_and_shows_raw_figures(
    client, four_criteria_call, staff
):
    call, *_ = four_criteria_call
    board = board_for(call, staff)
    assert not board.calibration_supported
    assert ReasonCode.THIN_REVIEWERS in board.diagnostics.reason_codes
    assert all(row.calibrated is None for row in board.rows)
    assert all(r.leniency is None for r in board.reviewers)

    client.force_login(staff)
    html = client.get(url("scoreboard", call)).content.decode()
    assert "The data are too thin to calibrate: raw figures only." in html
    assert 'data-reason="thin_reviewers"' in html
    assert "3 of 3 reviewers wrote fewer than 3 reviews" in html
    assert "Calibrated score" not in html
    assert "Leniencies cannot be estimated from these data" in html


def test_disconnected_reviewers_are_reported(staff):
    # Applications 0–2 reviewed by reviewers 0–2 only, 3–5 by 3–5 only: two islands.
    call = call_in_review(applications=3, reviewers=3, qualities=[4, 5, 6]).call
    island = [
        submitted_application(call=call, status=ApplicationStatus.IN_REVIEW, documents=False)
        for _ in range(3)
    ]
    others = [InvitationFactory(call=call) for _ in range(3)]
    for application in island:
        for reviewer in others:
            submitted_review(
                assignment=AssignmentFactory(invitation=reviewer, application=application),
                scores=[5],
            )
    board = board_for(call, staff)
    assert ReasonCode.DISCONNECTED in board.diagnostics.reason_codes
    assert not board.calibration_supported
    assert {a.pk for a in island} <= {row.application_id for row in board.rows}


def test_calibration_shown_with_leniencies_when_the_data_support_it(client, staff):
    scenario = call_in_review(
        applications=6, reviewers=3, qualities=[3, 4, 5, 6, 7, 8], leniencies=[1, 0, -1]
    )
    board = board_for(scenario.call, staff)
    assert board.calibration_supported
    calibrated = [board.rows[i].calibrated for i in range(6)]
    assert calibrated == [pytest.approx(q, abs=0.01) for q in (3, 4, 5, 6, 7, 8)]
    leniency = {r.invitation_id: r.leniency for r in board.reviewers}
    assert [leniency[i.pk] for i in scenario.invitations] == [
        pytest.approx(1, abs=0.01),
        pytest.approx(0, abs=0.01),
        pytest.approx(-1, abs=0.01),
    ]

    client.force_login(staff)
    html = client.get(url("scoreboard", scenario.call)).content.decode()
    assert "Calibrated scores correct each reviewer’s leniency or severity." in html
    table = html[html.index('id="leniency-table"') :]
    lenient = scenario.invitations[0].expert.full_name
    assert re.search(rf"{lenient}</td>\s*<td[^>]*>6</td>\s*<td[^>]*>\+1\.00", table)
    severe = scenario.invitations[2].expert.full_name
    assert re.search(rf"{severe}</td>\s*<td[^>]*>6</td>\s*<td[^>]*>\u22121\.00", table)
    client.cookies["django_language"] = "fr"
    html = client.get(url("scoreboard", scenario.call)).content.decode()
    table = html[html.index('id="leniency-table"') :]
    assert re.search(rf"{severe}</td>\s*<td[^>]*>6</td>\s*<td[^>]*>\u22121,00", table)
    assert "-1,00" not in table and "-1.00" not in table


def test_anonymised_view_hides_every_name(client, staff):
    scenario = call_in_review(applications=3, reviewers=3, qualities=[4, 6, 8])
    shown = [a.coordinator.full_name for a in scenario.applications]
    shown += [i.expert.full_name for i in scenario.invitations]
    hidden = []
    for application in scenario.applications:
        for partner in application.partners.select_related("unit"):
            shown.append(partner.unit.label)
            hidden += [partner.unit.name, partner.lead_name, partner.lead_email]
    client.force_login(staff)

    plain = client.get(url("scoreboard", scenario.call)).content.decode()
    assert all(escape(name) in plain for name in shown)
    for page in ("scoreboard", "scoreboard_robustness"):
        anonymous = client.get(url(page, scenario.call, "anonymous=1")).content.decode()
        for application in scenario.applications:
            assert application.reference in anonymous
            assert escape(application.title) in anonymous
        for name in shown + hidden:
            assert escape(name) not in anonymous, (page, name)
    anonymous = client.get(url("scoreboard", scenario.call, "anonymous=1")).content.decode()
    assert "Reviewer 1" in anonymous and "Anonymised view" in anonymous


def test_sort_by_any_column_with_missing_values_last(client, staff):
    scenario = call_in_review(applications=3, reviewers=3, qualities=[5, 8, 3])
    unscored = submitted_application(
        call=scenario.call, status=ApplicationStatus.IN_REVIEW, documents=False
    )
    board = board_for(scenario.call, staff)
    pks = [a.pk for a in scenario.applications]

    def order(sort):
        return [row.application_id for row in board.select(ScoreboardFilters(sort=sort))]

    assert order("-mean") == [pks[1], pks[0], pks[2], unscored.pk]
    assert order("mean") == [pks[2], pks[0], pks[1], unscored.pk]
    assert order("-median") == order("-mean")
    criterion = scenario.criteria[0].pk
    assert order(f"-criterion_{criterion}") == order("-mean")
    assert order("reference") == sorted([*pks, unscored.pk], key=lambda pk: board.references()[pk])
    assert order("-reviews")[-1] == unscored.pk

    client.force_login(staff)
    html = client.get(url("scoreboard", scenario.call, "sort=mean")).content.decode()
    positions = [html.index(f'data-application="{pk}"') for pk in (pks[2], pks[0], pks[1])]
    assert positions == sorted(positions)
    assert 'aria-sort="ascending"' in html


def test_unknown_sort_key_falls_back_and_says_so(client, staff):
    scenario = call_in_review(applications=2, reviewers=3, qualities=[4, 6])
    client.force_login(staff)
    response = client.get(url("scoreboard", scenario.call, "sort=coordinator__password"))
    assert response.status_code == 200
    assert "Unknown column to sort by." in response.content.decode()


def test_filter_by_institute_discipline_and_status(client, staff):
    scenario = call_in_review(applications=3, reviewers=3, qualities=[4, 6, 8])
    first, second, third = scenario.applications
    PartnerFactory(
        application=first,
        unit=UnitFactory(main_institute=institute("INSB")),
        institute=institute("INSB"),
    )
    # A unit whose main institute is INSB, taking part under INSU: filtered as INSU.
    PartnerFactory(
        application=second,
        unit=UnitFactory(main_institute=institute("INSB")),
        institute=institute("INSU"),
    )
    discipline = DisciplineFactory(name_en="Astrophysics")
    third.disciplines.add(discipline)
    type(third).objects.filter(pk=third.pk).update(status=ApplicationStatus.SHORTLISTED)
    board = board_for(scenario.call, staff)

    def shown(**filters):
        return {row.application_id for row in board.select(ScoreboardFilters(**filters))}

    assert shown(institute_id=institute("INSB").pk) == {first.pk}
    assert shown(institute_id=institute("INSU").pk) == {second.pk}
    assert shown(discipline_id=discipline.pk) == {third.pk}
    assert shown(status=ApplicationStatus.SHORTLISTED) == {third.pk}
    assert shown(status=ApplicationStatus.IN_REVIEW) == {first.pk, second.pk}
    # filters choose rows; the ranks stay those of the whole call
    (row,) = board.select(ScoreboardFilters(status=ApplicationStatus.SHORTLISTED))
    assert row.rank("mean") == 1

    client.force_login(staff)
    html = client.get(
        url("scoreboard", scenario.call, f"institute={institute('INSB').pk}")
    ).content.decode()
    assert f'data-application="{first.pk}"' in html
    assert f'data-application="{second.pk}"' not in html
    assert "1 application shown" in html


def test_withdrawn_and_unreviewed_stages_are_not_on_the_scoreboard(staff):
    scenario = call_in_review(applications=2, reviewers=3, qualities=[4, 6])
    submitted_application(call=scenario.call, status=ApplicationStatus.ELIGIBLE)
    submitted_application(call=scenario.call, status=ApplicationStatus.WITHDRAWN)
    board = board_for(scenario.call, staff)
    assert {row.application_id for row in board.rows} == {a.pk for a in scenario.applications}


def test_funding_line_is_the_sum_of_the_funding_sources_or_the_call_setting(staff):
    call = CallFactory(fellowships=6)
    assert funded_places(call) == 6
    FundingSourceFactory(call=call, fellowships=6)
    FundingSourceFactory(call=call, fellowships=2, name="Additional grant")
    assert funded_places(staff_call_or_404(staff, call.slug)) == 8


@pytest.mark.parametrize("page", ["scoreboard", "scoreboard_robustness", "shortlist"])
def test_query_count_does_not_grow_with_the_call(client, staff, page):
    client.force_login(staff)
    counts = []
    for size in (1, 3, 30):
        scenario = call_in_review(applications=size, reviewers=4, per_application=3)
        client.get(url(page, scenario.call))  # warm caches (content types, session)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(page, scenario.call, "sort=-calibrated"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
