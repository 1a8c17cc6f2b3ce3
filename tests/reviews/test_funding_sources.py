"""The call's funding page changes sources only through the decisions service: places added
after the lists are fixed promote the complementary list in order; places already given
cannot be cut or deleted (a clear message, never a 500); the admin shows sources read-only."""

import pytest
from django.urls import reverse
from django.utils import translation

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from calls.models import ApplicationStatus, FundingSource
from reviews.models import FundingDecision, ListMove, MoveKind
from tests.factories.accounts import StaffFactory, SuperuserFactory
from tests.factories.reviews import fix_as_shown, shortlisted_call

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def fixed(staff):
    """A…G with means 9…3: A, B, C funded by the donation (3), D, E on the complementary
    list, F, G not selected."""
    scenario = shortlisted_call(means=[9, 8, 7, 6, 5, 4, 3], sources=(3,), complementary_size=2)
    fix_as_shown(scenario.call, by=staff)
    return scenario


def app(scenario, letter):
    application = scenario.applications["ABCDEFG".index(letter)]
    application.refresh_from_db()
    return application


def funding_data(sources, new=None, delete=()):
    """The funding formset as the page posts it: each stored source, then ``new``."""
    rows = [
        {"id": s.pk, "name": s.name, "fellowships": s.fellowships, "amount": "", "granted_on": ""}
        for s in sources
    ]
    if new:
        rows.append({"id": "", "amount": "", "granted_on": "", **new})
    data = {"funding-TOTAL_FORMS": len(rows), "funding-INITIAL_FORMS": len(sources)}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"funding-{index}-{name}"] = value
        if row["id"] in delete:
            data[f"funding-{index}-DELETE"] = "on"
    return data


def post_funding(client, staff, call, data):
    client.force_login(staff)
    return client.post(reverse("calls:manage_call_funding", args=[call.slug]), data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_source_added_on_the_funding_page_after_the_lists_are_fixed_promotes_in_order(
    client, staff, fixed
):
    donation = fixed.call.funding_sources.get()

    response = post_funding(
        client,
        staff,
        fixed.call,
        funding_data([donation], new={"name": "Regional grant", "fellowships": "1"}),
    )

    grant = FundingSource.objects.get(name="Regional grant")
    assert (app(fixed, "D").status, app(fixed, "E").status) == (S.FUNDED, S.COMPLEMENTARY_LIST)
    decision = FundingDecision.objects.get(application=app(fixed, "D"), is_current=True)
    assert (decision.funding_source, decision.promoted) == (grant, True)
    move = ListMove.objects.get(kind=MoveKind.PROMOTED)
    assert (move.application, move.from_position, move.to_position) == (app(fixed, "D"), 1, 4)
    assert f"Promoted from the complementary list: {app(fixed, 'D').reference}." in messages_of(
        response
    )
    event = AuditEvent.objects.get(verb="call.funding.saved")
    assert (event.actor, event.data["added"], event.data["promoted"]) == (
        staff,
        [grant.pk],
        [{"application": app(fixed, "D").pk, "source": grant.pk, "from_position": 1}],
    )
    assert not OutboxMessage.objects.exists()  # results not published: nobody is mailed yet


def test_more_places_on_an_existing_source_promote_the_next_in_line(client, staff, fixed):
    donation = fixed.call.funding_sources.get()
    donation.fellowships = 5

    post_funding(client, staff, fixed.call, funding_data([donation]))

    assert (app(fixed, "D").status, app(fixed, "E").status) == (S.FUNDED, S.FUNDED)
    assert FundingSource.objects.get(pk=donation.pk).fellowships == 5


def test_cutting_a_source_below_the_places_it_funds_is_refused(client, staff, fixed):
    donation = fixed.call.funding_sources.get()
    donation.fellowships = 2

    response = post_funding(client, staff, fixed.call, funding_data([donation]))

    assert response.status_code == 200
    assert messages_of(response) == [
        "“Industry donation” already pays for 3 funded places: it cannot pay for fewer than 3."
    ]
    assert FundingSource.objects.get(pk=donation.pk).fellowships == 3
    assert not AuditEvent.objects.filter(verb="call.funding.saved").exists()


def test_deleting_a_source_that_paid_for_decisions_is_refused_without_an_error_page(
    client, staff, fixed
):
    donation = fixed.call.funding_sources.get()

    response = post_funding(
        client, staff, fixed.call, funding_data([donation], delete={donation.pk})
    )

    assert response.status_code == 200
    assert messages_of(response) == [
        "“Industry donation” has paid for funding decisions: it cannot be deleted. Keep it in "
        "the call's history."
    ]
    assert FundingSource.objects.filter(pk=donation.pk).exists()


def test_an_unused_source_may_be_deleted_and_the_deletion_is_audited(client, staff):
    scenario = shortlisted_call(means=[9, 8, 7], sources=(2, 1))
    donation, grant = scenario.call.funding_sources.order_by("pk")

    response = post_funding(
        client, staff, scenario.call, funding_data([donation, grant], delete={grant.pk})
    )

    assert response.redirect_chain[-1][0] == reverse("calls:manage_call", args=[scenario.call.slug])
    assert list(scenario.call.funding_sources.values_list("name", flat=True)) == [
        "Industry donation"
    ]
    event = AuditEvent.objects.get(verb="call.funding.saved")
    assert event.data["deleted"] == [{"id": grant.pk, "name": "Additional grant 2"}]


def test_the_admin_shows_funding_sources_read_only_and_links_to_the_page(client, fixed):
    client.force_login(SuperuserFactory())
    donation = fixed.call.funding_sources.get()
    url = reverse("admin:calls_call_change", args=[fixed.call.pk])

    content = client.get(url).content.decode()

    assert 'name="funding_sources-0-fellowships"' not in content
    assert "Industry donation" in content
    assert reverse("calls:manage_call_funding", args=[fixed.call.slug]) in content
    assert FundingSource.objects.get(pk=donation.pk).fellowships == 3
