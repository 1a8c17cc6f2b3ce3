"""The staff applications table of a call: search, filters, sort, pagination, row content
and a query count that does not depend on the number of rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import ApplicationStatus
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import (
    ApplicationFactory,
    CallFactory,
    DisciplineFactory,
    PartnerFactory,
    UnitFactory,
    institute,
    submitted_application,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory()


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def table(client, call, **params):
    response = client.get(reverse("calls:staff_applications", args=[call.slug]), params)
    assert response.status_code == 200
    return response


def acronyms(response) -> list[str]:
    return [row.acronym for row in response.context["rows"]]


def test_rows_show_reference_coordinator_units_institutes_status_checks_documents(
    staff_client, call
):
    coordinator = UserFactory(full_name="Ada Lovelace", email="ada@example.org")
    application = submitted_application(
        call=call, coordinator=coordinator, acronym="ADA", institutes=("INS2I", "INP", "INP")
    )
    response = table(staff_client, call)
    (row,) = response.context["rows"]
    assert row == application
    assert (row.units_count, row.institutes_count, row.documents_count) == (3, 2, 2)
    assert row.institute_acronyms == ["INS2I", "INP"]
    assert row.checks.passed
    html = response.content.decode()
    labels = [p.unit.label for p in application.partners.all()]
    for text in [application.reference, "ADA", "Ada Lovelace", "ada@example.org", *labels]:
        assert text in html
    assert "All checks pass" in html
    assert "Submitted" in html


def test_failed_checks_are_named_in_the_row(staff_client, call):
    submitted_application(call=call, institutes=("INS2I",), documents=False)
    response = table(staff_client, call)
    (row,) = response.context["rows"]
    assert [c.key for c in row.checks.failed] == ["consortium", "documents"]
    html = response.content.decode()
    assert "Consortium" in html and "Required documents" in html


@pytest.mark.parametrize(
    "query",
    ["TEST-", "neural operators", "NEURO-X", "Grace Hopper", "grace@hopper.example", "réseaux"],
)
def test_search_finds_by_reference_title_acronym_coordinator_and_keyword(staff_client, call, query):
    match = submitted_application(
        call=call,
        title="Neural operators for turbulence",
        acronym="NEURO-X",
        coordinator=UserFactory(full_name="Grace Hopper", email="grace@hopper.example"),
        keywords=["réseaux de neurones", "turbulence"],
    )
    ApplicationFactory(call=call, title="Something else", acronym="OTHER", keywords=["x"])
    result = acronyms(table(staff_client, call, q=query))
    if query == "TEST-":  # only the submitted one has a reference
        assert result == [match.acronym]
    else:
        assert result == ["NEURO-X"]


def test_search_is_case_insensitive(staff_client, call):
    submitted_application(call=call, acronym="GLACIA", title="Glaciers and learning")
    assert acronyms(table(staff_client, call, q="glacia")) == ["GLACIA"]
    assert acronyms(table(staff_client, call, q="GLACIERS")) == ["GLACIA"]


def test_filter_by_status(staff_client, call):
    submitted_application(call=call, acronym="SUB")
    submitted_application(call=call, acronym="ELI", status=ApplicationStatus.ELIGIBLE)
    ApplicationFactory(call=call, acronym="DRAFT")
    assert acronyms(table(staff_client, call, status="eligible")) == ["ELI"]
    assert acronyms(table(staff_client, call, status="draft")) == ["DRAFT"]


def test_filter_by_institute_matches_any_partner_and_keeps_the_counts(staff_client, call):
    a = submitted_application(call=call, acronym="A", institutes=("INS2I", "INP"))
    submitted_application(call=call, acronym="B", institutes=("INSB", "INC"))
    # C takes part under a secondary institute of its unit: INP counts, not the main one
    c = submitted_application(call=call, acronym="C", institutes=("INSU", "INSB"))
    unit = UnitFactory(main_institute=institute("INSMI"))
    unit.secondary_institutes.add(institute("INP"))
    PartnerFactory(application=c, unit=unit, institute=institute("INP"))

    response = table(staff_client, call, institute=institute("INP").pk, sort="reference")
    assert acronyms(response) == ["A", "C"]
    rows = {row.acronym: row for row in response.context["rows"]}
    assert (rows["A"].units_count, rows["A"].institutes_count) == (2, 2)
    assert (rows["C"].units_count, rows["C"].institutes_count) == (3, 3)
    assert a.reference < c.reference
    assert acronyms(table(staff_client, call, institute=institute("INSMI").pk)) == []


def test_filter_by_unit(staff_client, call):
    a = submitted_application(call=call, acronym="A")
    submitted_application(call=call, acronym="B")
    unit = a.partners.first().unit
    response = table(staff_client, call, unit=unit.pk)
    assert acronyms(response) == ["A"]
    assert unit in response.context["form"].fields["unit"].queryset


def test_the_unit_filter_lists_each_unit_of_the_call_once_and_no_other(call):
    from calls.selectors.staff import units_in_call

    first = submitted_application(call=call, acronym="A")
    second = submitted_application(call=call, acronym="B")
    shared = first.partners.first().unit
    PartnerFactory(application=second, unit=shared)  # a unit in two applications
    elsewhere = submitted_application(call=CallFactory(), acronym="C").partners.first().unit
    idle = UnitFactory()  # in no application at all
    expected = {p.unit_id for p in first.partners.all()} | {
        p.unit_id for p in second.partners.all()
    }
    listed = list(units_in_call(call))
    assert len(listed) == len(set(listed)) == len(expected)
    assert {unit.pk for unit in listed} == expected
    assert elsewhere not in listed
    assert idle not in listed
    assert listed == sorted(listed, key=lambda unit: (unit.unit_type, unit.number))


def test_filter_by_discipline(staff_client, call):
    physics = DisciplineFactory(name_en="Physics", name_fr="Physique")
    a = submitted_application(call=call, acronym="A")
    a.disciplines.add(physics)
    submitted_application(call=call, acronym="B").disciplines.add(DisciplineFactory())
    assert acronyms(table(staff_client, call, discipline=physics.pk)) == ["A"]


def test_filters_combine(staff_client, call):
    submitted_application(call=call, acronym="A", title="Glaciers", institutes=("INSU", "INP"))
    submitted_application(call=call, acronym="B", title="Glaciers", institutes=("INSB", "INC"))
    submitted_application(call=call, acronym="C", title="Proteins", institutes=("INSU", "INP"))
    params = {"q": "glaciers", "institute": institute("INSU").pk, "status": "submitted"}
    assert acronyms(table(staff_client, call, **params)) == ["A"]


def test_invalid_filter_values_are_reported_and_ignored(staff_client, call):
    submitted_application(call=call, acronym="A")
    response = table(staff_client, call, unit="not-a-number", status="bogus", sort="evil")
    assert acronyms(response) == ["A"]
    errors = response.context["form"].errors
    assert set(errors) == {"unit", "status", "sort"}
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("units", ["TWO", "THREE", "FOUR"]),
        ("-units", ["FOUR", "THREE", "TWO"]),
        ("institutes", ["TWO", "FOUR", "THREE"]),
        ("-institutes", ["THREE", "FOUR", "TWO"]),
        ("title", ["FOUR", "THREE", "TWO"]),
        ("-title", ["TWO", "THREE", "FOUR"]),
        ("reference", ["TWO", "THREE", "FOUR"]),
        ("-reference", ["FOUR", "THREE", "TWO"]),
        ("submitted", ["THREE", "FOUR", "TWO"]),
        ("-submitted", ["TWO", "FOUR", "THREE"]),
        ("status", ["THREE", "FOUR", "TWO"]),
    ],
)
def test_sort(staff_client, call, sort, expected):
    now = timezone.now()
    submitted_application(
        call=call,
        acronym="TWO",
        title="c title",
        institutes=("INS2I", "INP"),
        submitted_at=now - timedelta(hours=1),
    )
    submitted_application(
        call=call,
        acronym="THREE",
        title="B title",
        institutes=("INS2I", "INP", "INSU"),
        submitted_at=now - timedelta(hours=5),
        status=ApplicationStatus.ELIGIBLE,
    )
    submitted_application(
        call=call,
        acronym="FOUR",
        title="a title",
        institutes=("INS2I", "INP", "INP", "INS2I"),
        submitted_at=now - timedelta(hours=3),
        status=ApplicationStatus.INELIGIBLE,
    )
    assert acronyms(table(staff_client, call, sort=sort)) == expected


def test_drafts_without_reference_sort_last(staff_client, call):
    ApplicationFactory(call=call, acronym="DRAFT")
    submitted_application(call=call, acronym="SUB")
    assert acronyms(table(staff_client, call)) == ["SUB", "DRAFT"]
    assert acronyms(table(staff_client, call, sort="-reference")) == ["SUB", "DRAFT"]


def test_sort_header_links_toggle_direction_and_keep_filters(staff_client, call):
    submitted_application(call=call)
    html = table(staff_client, call, sort="units", status="submitted").content.decode()
    assert 'href="?sort=-units&amp;status=submitted"' in html
    assert 'aria-sort="ascending"' in html
    assert 'href="?sort=title&amp;status=submitted"' in html


def test_pagination_keeps_filters_and_shows_the_rest_on_page_two(staff_client, call):
    for _ in range(30):
        submitted_application(call=call, institutes=("INS2I", "INP"))
    submitted_application(call=call, status=ApplicationStatus.ELIGIBLE)
    first = table(staff_client, call, status="submitted", per_page=25)
    assert len(first.context["rows"]) == 25
    assert first.context["page"].paginator.count == 30
    assert 'href="?status=submitted&amp;per_page=25&amp;page=2"' in first.content.decode()
    second = table(staff_client, call, status="submitted", per_page=25, page=2)
    assert len(second.context["rows"]) == 5
    seen = {r.pk for r in first.context["rows"]} | {r.pk for r in second.context["rows"]}
    assert len(seen) == 30
    # a page number out of range shows the last page
    assert (
        table(staff_client, call, status="submitted", per_page=25, page=99).context["page"].number
        == 2
    )


def test_default_page_size_is_25(staff_client, call):
    for _ in range(26):
        ApplicationFactory(call=call)
    response = table(staff_client, call)
    assert len(response.context["rows"]) == 25
    assert response.context["page"].paginator.num_pages == 2
    assert '<option value="25" selected>' in response.content.decode()


def test_page_size_can_be_50_but_not_any_number(staff_client, call):
    for _ in range(26):
        ApplicationFactory(call=call)

    fifty = table(staff_client, call, per_page=50)
    bogus = table(staff_client, call, per_page=1000)

    assert len(fifty.context["rows"]) == 26
    assert len(bogus.context["rows"]) == 25
    assert set(bogus.context["form"].errors) == {"per_page"}


def test_other_calls_applications_are_not_listed(staff_client, call):
    submitted_application(call=call, acronym="MINE")
    submitted_application(call=CallFactory(), acronym="OTHER")
    assert acronyms(table(staff_client, call)) == ["MINE"]


def _rich_application(call, **kwargs):
    application = submitted_application(call=call, institutes=("INS2I", "INP", "INSU"), **kwargs)
    application.disciplines.add(DisciplineFactory(), DisciplineFactory())
    return application


def _count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "neural", "status": "submitted", "sort": "-units"},
        {"institute": "INS2I", "discipline": "first", "unit": "first", "sort": "institutes"},
    ],
)
def test_query_count_is_the_same_for_1_and_3_applications(staff_client, call, params):
    first = _rich_application(call, title="Neural fields")
    params = dict(params)
    if params.get("institute"):
        params["institute"] = institute(params["institute"]).pk
    if params.get("discipline"):
        params["discipline"] = first.disciplines.first().pk
    if params.get("unit"):
        params["unit"] = first.partners.first().unit.pk
    url = reverse("calls:staff_applications", args=[call.slug])
    staff_client.get(url)  # warm the session and content-type caches
    one = _count_queries(staff_client, url, params)
    for _ in range(2):
        application = _rich_application(call, title="Neural nets")
        application.disciplines.add(*first.disciplines.all())
        PartnerFactory(application=application, unit=first.partners.first().unit)
    assert len(staff_client.get(url, params).context["rows"]) == 3
    assert _count_queries(staff_client, url, params) == one


def test_query_count_is_the_same_for_3_and_30_applications_over_two_pages(staff_client, call):
    url = reverse("calls:staff_applications", args=[call.slug])
    for _ in range(3):
        _rich_application(call)
    staff_client.get(url)
    three = _count_queries(staff_client, url, {"per_page": 25})
    for _ in range(27):
        _rich_application(call)
    first_page = _count_queries(staff_client, url, {"per_page": 25})
    second_page = _count_queries(staff_client, url, {"per_page": 25, "page": 2})
    assert len(staff_client.get(url, {"per_page": 25, "page": 2}).context["rows"]) == 5
    assert three == first_page == second_page


def test_the_submission_date_column_reads_depot_in_french(client, call):
    client.force_login(StaffFactory(language="fr"))
    html = table(client, call).content.decode()
    assert ">Dépôt" in html and "Dépôt (décroissant)" in html
    assert ">Déposée</a>" not in html and ">Déposée</th>" not in html
