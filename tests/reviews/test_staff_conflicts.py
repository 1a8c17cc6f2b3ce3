"""A member of staff who takes part in an application never sees its evaluation: not on a
list page, not in an export, not from the cached scoreboard, not in the admin. Being
named by the applicants is not enough: the conflict takes effect once the person
confirms, or declares it, or the other managers confirm it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aissai.audit.models import AuditEvent
from calls.models import ApplicationStatus, StaffConflict, StaffConflictSource
from calls.selectors.staff_conflicts import evaluation_visible_to, withheld_ids
from reviews.models import AssignmentProposal, ListMove, ProposalStatus
from reviews.selectors.scoreboard import build_scoreboard
from reviews.selectors.scoreboard_cache import cache_key, cached_figures
from tests.factories.accounts import StaffFactory
from tests.factories.calls import PartnerFactory, submitted_application
from tests.factories.reviews import ConflictFactory, call_in_review

pytestmark = pytest.mark.django_db

WITHHELD_PAGE = "One application is withheld from you because of a conflict of interest"
WITHHELD_EXPORT = (
    "1 application is withheld from this export because of a conflict of interest: "
    "you take part in it."
)
LIST_PAGES = ("scoreboard", "scoreboard_robustness", "shortlist", "progress", "assignment")


def name_as_lead(application, person, *, confirmed: bool):
    return PartnerFactory(
        application=application,
        lead_email=person.email.upper(),
        confirmed_at=timezone.now() - timedelta(days=1) if confirmed else None,
        position=9,
    )


@pytest.fixture
def scenario():
    scenario = call_in_review(applications=3, reviewers=3, qualities=[5, 6, 7])
    for index, application in enumerate(scenario.applications):
        ConflictFactory(invitation=scenario.invitations[index], application=application)
    return scenario


@pytest.fixture
def conflicted(scenario):
    """Staff who confirmed they lead a partner unit of the first application."""
    person = StaffFactory(email="conflicted@lab.example.fr")
    name_as_lead(scenario.applications[0], person, confirmed=True)
    return person


@pytest.fixture
def named(scenario):
    """Staff named as a partner lead of the first application, who did not confirm."""
    person = StaffFactory(email="named@lab.example.fr")
    name_as_lead(scenario.applications[0], person, confirmed=False)
    return person


def page(client, user, name, call, **query):
    client.force_login(user)
    response = client.get(reverse(f"reviews:{name}", args=[call.slug]), query)
    assert response.status_code == 200, name
    return response.content.decode()


def export_rows(client, user, call, kind, **query):
    client.force_login(user)
    url = reverse("reviews:export", args=[call.slug, kind, "csv"])
    response = client.get(url, query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def references(scenario):
    return [a.reference for a in scenario.applications]


@pytest.mark.parametrize("name", LIST_PAGES)
def test_confirmed_partner_lead_staff_do_not_see_its_rows_on_list_pages(
    client, scenario, conflicted, name
):
    own, *others = references(scenario)

    html = page(client, conflicted, name, scenario.call)

    assert own not in html
    assert all(reference in html for reference in others)
    assert WITHHELD_PAGE in html


def test_confirmed_partner_lead_staff_do_not_see_its_reviewer_conflicts(
    client, scenario, conflicted
):
    own, *others = references(scenario)
    own_reviewer = scenario.invitations[0].expert.full_name

    html = page(client, conflicted, "conflicts", scenario.call)

    assert own not in html and own_reviewer not in html
    assert all(reference in html for reference in others)
    assert WITHHELD_PAGE in html


@pytest.mark.parametrize("name", (*LIST_PAGES, "conflicts"))
def test_staff_named_but_not_confirmed_see_every_row(client, scenario, named, name):
    html = page(client, named, name, scenario.call)

    assert all(reference in html for reference in references(scenario))
    assert "withheld" not in html


def test_an_applicant_cannot_hide_an_application_from_a_staff_member_by_naming_them(
    scenario, named
):
    application = scenario.applications[0]

    assert withheld_ids(named, call=scenario.call) == frozenset()
    assert evaluation_visible_to(named).filter(pk=application.pk).exists()


def test_the_coordinator_declared_and_ruled_conflicts_take_effect(scenario):
    coordinator = scenario.applications[0].coordinator
    coordinator.is_programme_staff = True
    coordinator.save(update_fields=["is_programme_staff"])

    assert withheld_ids(coordinator, call=scenario.call) == {scenario.applications[0].pk}


def test_reviews_export_with_identities_leaves_out_the_application_and_says_so(
    client, scenario, conflicted
):
    own, *others = references(scenario)
    own_only_reviewer = scenario.invitations[0]  # reviews 0, 1, 2: all of them

    rows = export_rows(client, conflicted, scenario.call, "reviews", identities=1)

    assert sorted({row[0] for row in rows[1:-1]}) == sorted(others)
    assert rows[-1] == [WITHHELD_EXPORT]
    assert own not in {cell for row in rows for cell in row}
    assert own_only_reviewer.expert.full_name in {row[4] for row in rows[1:-1]}


@pytest.mark.parametrize("kind", ["scoreboard", "decisions"])
def test_scoreboard_and_decisions_exports_leave_out_the_application(
    client, scenario, conflicted, kind
):
    own, *others = references(scenario)

    rows = export_rows(client, conflicted, scenario.call, kind)

    assert sorted(row[0] for row in rows[1:-1]) == sorted(others)
    assert rows[-1] == [WITHHELD_EXPORT]


def test_other_staff_export_every_row_without_a_withheld_line(client, scenario, conflicted):
    rows = export_rows(client, StaffFactory(), scenario.call, "reviews", identities=1)

    assert sorted({row[0] for row in rows[1:]}) == sorted(references(scenario))


def test_cached_figures_are_filtered_for_each_reader(client, scenario, conflicted):
    own = scenario.applications[0].reference
    other = StaffFactory()
    cache.clear()
    criteria = list(scenario.call.criteria.all())

    assert own in page(client, other, "scoreboard", scenario.call)  # computes and caches
    key = cache_key(scenario.call, criteria)
    assert cached_figures(scenario.call.pk).version == key
    assert own not in page(client, conflicted, "scoreboard", scenario.call)  # same entry
    assert own in page(client, other, "scoreboard", scenario.call)
    assert cache_key(scenario.call, criteria) == key
    assert scenario.applications[0].pk in cached_figures(scenario.call.pk).application_ids.tolist()


def test_robustness_crossings_never_name_a_withheld_application(client, scenario, conflicted):
    own = scenario.applications[0].reference

    html = page(client, conflicted, "scoreboard_robustness", scenario.call)

    assert own not in html


def test_staff_in_conflict_cannot_confirm_the_shortlist(client, scenario, conflicted):
    client.force_login(conflicted)
    every = [a.pk for a in scenario.applications]

    response = client.post(
        reverse("reviews:shortlist", args=[scenario.call.slug]),
        {"score": "mean", "target": 1, "candidates": every, "shortlisted": every[1:2]},
    )

    assert response.status_code == 403
    assert "Another programme manager must do this" in response.content.decode()
    assert set(scenario.call.applications.values_list("status", flat=True)) == {
        ApplicationStatus.IN_REVIEW
    }


def test_staff_may_declare_a_conflict_which_takes_effect_at_once(client, scenario):
    staff = StaffFactory()
    application = scenario.applications[1]
    client.force_login(staff)

    response = client.post(
        reverse("calls:staff_conflict_declare", args=[scenario.call.slug]),
        {"application": application.reference, "reason": "My former PhD student leads it."},
        follow=True,
    )

    assert response.redirect_chain[-1][0].endswith(f"/{scenario.call.slug}/applications/")
    row = StaffConflict.objects.get(application=application, user=staff)
    assert (row.source, row.status) == ("declared", "confirmed")
    assert AuditEvent.objects.filter(verb="application.staff_conflict_declared").count() == 1
    assert application.reference not in page(client, staff, "scoreboard", scenario.call)


def test_staff_declare_by_reference_refuses_an_application_of_another_call(client, scenario):
    staff = StaffFactory()
    other = call_in_review(applications=1, reviewers=1).applications[0]
    client.force_login(staff)

    response = client.post(
        reverse("calls:staff_conflict_declare", args=[scenario.call.slug]),
        {"application": other.reference, "reason": "I lead one of its units."},
        follow=True,
    )

    assert not StaffConflict.objects.filter(user=staff).exists()
    assert "No submitted application of this call" in response.content.decode()


def test_staff_applications_table_offers_no_list_of_every_application(client, scenario):
    page = applications_page(client, StaffFactory(), scenario.call)

    assert 'name="application"' in page
    assert "<option" not in page.split('name="application"', 1)[1].split("</div>", 1)[0]


def applications_page(client, user, call):
    client.force_login(user)
    response = client.get(reverse("calls:staff_applications", args=[call.slug]))
    assert response.status_code == 200
    return response.content.decode()


def rule_url(scenario, person):
    return reverse(
        "calls:staff_conflict_rule",
        args=[scenario.call.slug, scenario.applications[0].pk, person.pk],
    )


def test_managers_see_a_naming_to_rule_on(client, scenario, named, conflicted):
    html = applications_page(client, StaffFactory(), scenario.call)

    assert "Conflicts of staff members to rule on" in html
    assert "named@lab.example.fr" in html
    assert "conflicted@lab.example.fr" not in html  # confirmed: nothing to rule on


def test_the_named_person_does_not_rule_on_their_own_naming(client, scenario, named):
    assert "Conflicts of staff members to rule on" not in applications_page(
        client, named, scenario.call
    )

    response = client.post(rule_url(scenario, named), {"decision": "clear", "reason": "No."})

    assert response.status_code == 404
    assert not StaffConflict.objects.exists()


def test_a_confirmed_naming_withholds_the_application(client, scenario, named):
    manager = StaffFactory()
    client.force_login(manager)

    response = client.post(
        rule_url(scenario, named),
        {"decision": "confirm", "reason": "She co-wrote it."},
        follow=True,
    )

    assert "is confirmed" in response.content.decode()
    event = AuditEvent.objects.get(verb="application.staff_conflict_ruled")
    assert (event.actor, event.data["status"]) == (manager, "confirmed")
    row = StaffConflict.objects.get(user=named)
    assert (row.source, row.status, row.ruled_by) == (
        StaffConflictSource.NAMED,
        "confirmed",
        manager,
    )
    assert scenario.applications[0].reference not in page(
        client, named, "scoreboard", scenario.call
    )
    assert "Conflicts of staff members to rule on" not in applications_page(
        client, manager, scenario.call
    )


def test_a_cleared_naming_withholds_nothing(client, scenario, named):
    client.force_login(StaffFactory())

    client.post(rule_url(scenario, named), {"decision": "clear", "reason": "A namesake."})

    assert StaffConflict.objects.get(user=named).status == "cleared"
    assert withheld_ids(named, call=scenario.call) == frozenset()


def test_named_staff_query_count_is_the_same_for_1_and_3_namings(client, scenario):
    manager = StaffFactory()
    url = reverse("calls:staff_applications", args=[scenario.call.slug])
    client.force_login(manager)
    name_as_lead(scenario.applications[0], StaffFactory(), confirmed=False)
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    one = count()
    for application in scenario.applications[1:]:
        name_as_lead(application, StaffFactory(), confirmed=False)
    assert count() == one


def test_screening_leaves_out_and_hides_the_application(client, conflicted):
    own = submitted_application()
    other = submitted_application(call=own.call)
    name_as_lead(own, conflicted, confirmed=True)
    client.force_login(conflicted)

    listing = client.get(reverse("calls:staff_screening_list", args=[own.call.slug]))
    detail = client.get(reverse("calls:staff_screening", args=[own.call.slug, own.pk]))
    bulk = client.post(
        reverse("calls:staff_screening_list", args=[own.call.slug]), {"applications": [own.pk]}
    )

    html = listing.content.decode()
    assert own.reference not in html and other.reference in html
    assert WITHHELD_PAGE in html
    assert detail.status_code == 404
    assert bulk.status_code == 302
    own.refresh_from_db()
    assert own.status == ApplicationStatus.SUBMITTED


def test_admin_list_moves_leave_out_the_application(client, scenario, conflicted):
    conflicted.is_staff = conflicted.is_superuser = True
    conflicted.save(update_fields=["is_staff", "is_superuser"])
    own, other = scenario.applications[:2]
    for application in (own, other):
        ListMove.objects.create(
            call=scenario.call, application=application, by=conflicted, kind="moved"
        )
    client.force_login(conflicted)

    response = client.get(reverse("admin:reviews_listmove_changelist"))

    html = response.content.decode()
    assert other.reference in html
    assert own.reference not in html


def test_applications_table_and_its_export_leave_out_the_application(client, scenario, conflicted):
    own, *others = references(scenario)

    html = applications_page(client, conflicted, scenario.call)
    rows = export_rows(client, conflicted, scenario.call, "applications")

    assert own not in html
    assert all(reference in html for reference in others)
    assert WITHHELD_PAGE in html
    assert sorted(row[0] for row in rows[1:-1]) == sorted(others)
    assert rows[-1] == [WITHHELD_EXPORT]


def test_staff_in_conflict_cannot_confirm_a_proposal_that_covers_the_application(
    client, scenario, conflicted
):
    own, other = scenario.applications[:2]
    covering = AssignmentProposal.objects.create(
        call=scenario.call,
        status=ProposalStatus.READY,
        progress=100,
        result={"applications": [own.pk, other.pk], "pairs": []},
    )
    elsewhere = AssignmentProposal.objects.create(
        call=scenario.call,
        status=ProposalStatus.READY,
        progress=100,
        result={"applications": [other.pk], "pairs": []},
    )
    client.force_login(conflicted)

    def confirm(proposal):
        url = reverse("reviews:proposal_confirm", args=[scenario.call.slug, proposal.pk])
        return client.post(url)

    assert confirm(covering).status_code == 403
    covering.refresh_from_db()
    assert covering.status == ProposalStatus.READY
    assert confirm(elsewhere).status_code == 302


def test_reviewers_of_a_withheld_application_leave_the_leniency_table():
    # Application i is reviewed by reviewers i and i + 1.
    scenario = call_in_review(applications=3, reviewers=4, per_application=2)
    person = StaffFactory()
    name_as_lead(scenario.applications[0], person, confirmed=True)
    ids = [invitation.pk for invitation in scenario.invitations]

    board = build_scoreboard(scenario.call, reader=person)
    everyone = build_scoreboard(scenario.call, reader=StaffFactory())

    assert [row.invitation_id for row in board.reviewer_rows()] == ids[2:]
    assert [row.invitation_id for row in everyone.reviewer_rows()] == ids
    assert board.reviewer_names()[ids[0]] == "Reviewer 1"
    assert everyone.reviewer_names()[ids[0]] == scenario.invitations[0].expert.full_name


def test_admin_applications_leave_out_the_application(client, scenario, conflicted):
    conflicted.is_staff = True
    conflicted.save(update_fields=["is_staff"])
    own, other = scenario.applications[:2]
    client.force_login(conflicted)

    listing = client.get(reverse("admin:calls_application_changelist"))
    change = client.get(reverse("admin:calls_application_change", args=[own.pk]))

    assert other.reference in listing.content.decode()
    assert own.reference not in listing.content.decode()
    assert change.status_code == 302  # the admin's "does not exist" redirect
