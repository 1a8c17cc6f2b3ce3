"""The scoreboard warns when two groups of reviewers are compared through a single link,
naming it, and shows the leniency and noise spreads estimated from the reviews."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from calls.models import ApplicationStatus
from calls.selectors.calls import staff_call_or_404
from reviews.scoring.calibration import ReasonCode
from reviews.scoring.links import LinkKind
from reviews.selectors.scoreboard import build_scoreboard
from tests.factories.accounts import StaffFactory
from tests.factories.calls import submitted_application
from tests.factories.reviews import (
    AssignmentFactory,
    InvitationFactory,
    call_in_review,
    submitted_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def linked_panels():
    """Two panels of three experts reading three applications each; one expert of the
    second panel also reviews the first application of the first panel."""
    first = call_in_review(applications=3, reviewers=3, qualities=[4, 6, 8], leniencies=[1, 0, -1])
    call = first.call
    island = [
        submitted_application(call=call, status=ApplicationStatus.IN_REVIEW, documents=False)
        for _ in range(3)
    ]
    others = [InvitationFactory(call=call) for _ in range(3)]
    for application, scores in zip(island, ([5, 6, 7], [4, 6, 6], [8, 8, 9]), strict=True):
        for reviewer, score in zip(others, scores, strict=True):
            submitted_review(
                assignment=AssignmentFactory(invitation=reviewer, application=application),
                scores=[score],
            )
    link = others[0]
    submitted_review(
        assignment=AssignmentFactory(invitation=link, application=first.applications[0]),
        scores=[6],
    )
    return call, first.applications[0], link


def url(call, query=""):
    return reverse("reviews:scoreboard", args=[call.slug]) + (f"?{query}" if query else "")


def test_the_board_names_the_review_that_alone_joins_two_panels(linked_panels, staff):
    call, application, link = linked_panels

    board = build_scoreboard(staff_call_or_404(staff, call.slug))

    assert board.calibration_supported
    assert ReasonCode.WEAK_LINKS in [note.code for note in board.diagnostics.notes]
    assert [(line.kind, line.text) for line in board.weak_links] == [
        (
            LinkKind.REVIEW,
            f"the review of {application.reference} by {link.expert.full_name} alone joins "
            "a group of 3 reviewers and 3 applications to the others",
        )
    ]


def test_scoreboard_page_warns_of_the_weak_link_in_english(client, linked_panels, staff):
    call, application, link = linked_panels
    client.force_login(staff)

    html = client.get(url(call)).content.decode()

    warning = html[html.index('id="weak-links"') :]
    warning = warning[: warning.index("</div>")]
    assert "Groups of reviewers are compared through 1 single link" in warning
    assert (
        f"The review of {application.reference} by {escape(link.expert.full_name)} alone joins"
        in warning
    )
    assert 'id="calibration-variances"' in html
    assert "Estimated from the reviews by restricted maximum likelihood" in html


def test_scoreboard_page_warns_of_the_weak_link_in_french(client, linked_panels, staff):
    call, application, link = linked_panels
    staff.language = "fr"
    staff.save(update_fields=["language"])
    client.force_login(staff)

    html = client.get(url(call), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    warning = html[html.index('id="weak-links"') :]
    warning = warning[: warning.index("</div>")]
    assert "Des groupes d’experts ne sont comparés que par 1 seul lien" in warning
    assert (
        f"L’évaluation de {application.reference} par {escape(link.expert.full_name)} relie "
        "seule" in warning
    )
    assert "Estimé à partir des évaluations par maximum de vraisemblance restreint" in html


def test_anonymised_scoreboard_names_the_link_by_its_label(client, linked_panels, staff):
    call, _application, link = linked_panels
    client.force_login(staff)

    html = client.get(url(call, "anonymous=1")).content.decode()

    warning = html[html.index('id="weak-links"') :]
    warning = warning[: warning.index("</div>")]
    assert escape(link.expert.full_name) not in html
    assert "by Reviewer 4 alone joins" in warning


def test_a_well_connected_call_shows_no_weak_link_warning(client, staff):
    scenario = call_in_review(applications=6, reviewers=4, per_application=3)
    client.force_login(staff)

    html = client.get(url(scenario.call)).content.decode()

    assert "Calibrated scores correct each reviewer’s leniency or severity." in html
    assert 'id="weak-links"' not in html
