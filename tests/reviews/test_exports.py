"""Exports of a call as CSV and XLSX: content, formula-injection safety, reviewer identities
only when asked (and audited), ended assignments and conflicts left out, streaming,
filenames, a query count that does not grow, and who may download."""

import csv
import io
import zipfile

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aissai.audit.models import AuditEvent
from aissai.security.reauth import reauth_url
from calls.models import Application, ApplicationStatus, CallStatus
from reviews.exports.cells import safe_cell
from reviews.models import Conflict, ConflictSource, ConflictStatus
from reviews.services.exports import EXPORT_VERB
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import (
    CallFactory,
    CriterionFactory,
    DisciplineFactory,
    FundingSourceFactory,
    correspondent_of,
    submitted_application,
)
from tests.factories.reviews import (
    AssignmentFactory,
    ExpertFactory,
    FundingDecisionFactory,
    InvitationFactory,
    place_on_list,
    submitted_review,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


# --- safe_cell ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["=1+1", "+A1", "-2", "@SUM(A1:A2)", "\uff1d1+1", "\uff20SUM", "\uff0bA1", "\uff0d2"]
)
def test_safe_cell_prefixes_formula_like_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("text", "written"),
    [("\t=cmd", "'\t'=cmd"), ("\r=cmd", "'\r'=cmd"), ("\n=1", "'\n'=1")],
)
def test_safe_cell_prefixes_a_leading_break_and_the_sign_after_it(text, written):
    """A tab or a line break is itself a place where a spreadsheet may cut the cell."""
    assert safe_cell(text) == written


@pytest.mark.parametrize(
    "value", ["Neural operators", "1-2", "a=b", "", " =not at the start", "'quoted"]
)
def test_safe_cell_leaves_other_text_alone(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-2, 3.5, None])
def test_safe_cell_leaves_numbers_and_empty_cells_alone(value):
    assert safe_cell(value) == value


# --- A call with reviews, lists and decisions -------------------------------------------


@pytest.fixture
def scenario():
    """a1 FUNDED on the main list, funded by "Industry donation": two reviews that count
    (Expert Alpha: 4 and N/A → 8.00; Expert Beta: 2 and 3 → 4.67) and one by Expert
    Gamma on an ended assignment. a2 NOT_SELECTED, hostile texts: one review by Alpha
    (5, 5 → 10.00), one by Beta who has a confirmed conflict. a3 SUBMITTED, title "-2".
    a4 COMPLEMENTARY_LIST, position 1, no review."""
    call = CallFactory(status=CallStatus.SELECTION, with_rules=False, slug="aissai-2025")
    CriterionFactory(call=call, name_en="Excellence", position=1, weight=2, scale_max=5)
    CriterionFactory(call=call, name_en="Collaboration", position=2, allow_na=True, scale_max=5)
    cs = DisciplineFactory(name_en="Computer science")

    def app(number, status, **fields):
        application = submitted_application(call=call, status=status, documents=False, **fields)
        Application.objects.filter(pk=application.pk).update(reference=f"AISSAI-2025-00{number}")
        application.refresh_from_db()
        return application

    a1 = app(
        1,
        S.FUNDED,
        title="Neural operators for turbulence",
        acronym="NEURO",
        coordinator=UserFactory(full_name="Ada Lovelace", email="ada@example.org"),
    )
    a1.disciplines.add(cs)
    a2 = app(
        2,
        S.NOT_SELECTED,
        title="=1+1",
        acronym="+A1",
        coordinator=UserFactory(full_name="@SUM(A1:A2)"),
    )
    a3 = app(3, S.SUBMITTED, title="-2", acronym="\uff1dHYPERLINK")
    a4 = app(4, S.COMPLEMENTARY_LIST, title="Graph learning for proteins", acronym="GRAPH")

    alpha = InvitationFactory(
        call=call, expert=ExpertFactory(full_name="Expert Alpha", email="alpha@uni.example")
    )
    beta = InvitationFactory(
        call=call, expert=ExpertFactory(full_name="Expert Beta", email="beta@uni.example")
    )
    gamma = InvitationFactory(
        call=call, expert=ExpertFactory(full_name="Expert Gamma", email="gamma@uni.example")
    )

    def review(invitation, application, scores, comments="Clear and ambitious.", **fields):
        assignment = AssignmentFactory(invitation=invitation, application=application, **fields)
        made = submitted_review(assignment=assignment, scores=scores)
        made.comments_for_applicants = comments
        made.save(update_fields=["comments_for_applicants"])
        return made

    review(alpha, a1, [4, None])
    review(beta, a1, [2, 3], comments="Feasible.")
    review(gamma, a1, [0, 0], comments="Ended assignment.", is_active=False)
    review(alpha, a2, [5, 5], comments="\t=cmd|' /C calc'!A0")
    review(beta, a2, [0, 0], comments="Conflicted reviewer.")
    Conflict.objects.create(
        invitation=beta,
        application=a2,
        source=ConflictSource.STAFF,
        status=ConflictStatus.CONFIRMED,
    )

    source = FundingSourceFactory(call=call, name="Industry donation", fellowships=6)
    place_on_list(a1, kind="main", position=1)
    place_on_list(a4, kind="complementary", position=1)
    FundingDecisionFactory(application=a1, funding_source=source, reason="Main list")
    call.apps = (a1, a2, a3, a4)
    return call


@pytest.fixture
def staff(client):
    user = StaffFactory(full_name="Programme Manager")
    client.force_login(user)
    return user


def export_url(call, kind, file_format, **params):
    url = reverse("reviews:export", args=[call.slug, kind, file_format])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response):
    """(rows of cells, raw bytes) of the first sheet."""
    assert isinstance(response, FileResponse)
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows()], data


def today():
    return timezone.localdate().isoformat()


# --- Applications ---------------------------------------------------------------------


def test_applications_csv(client, staff, scenario):
    response = client.get(export_url(scenario, "applications", "csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="aissai-2025-applications-{today()}.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == [
        "Reference",
        "Title",
        "Acronym",
        "Status",
        "Coordinator",
        "Coordinator's e-mail",
        "Units",
        "Institutes",
        "Disciplines",
        "Submitted at (Europe/Paris time)",
    ]
    a1 = scenario.apps[0]
    units = "; ".join(p.unit.label for p in a1.partners.order_by("position"))
    submitted = timezone.localtime(a1.submitted_at).strftime("%Y-%m-%d %H:%M")
    assert rows[1] == [
        "AISSAI-2025-001",
        "Neural operators for turbulence",
        "NEURO",
        "Funded",
        "Ada Lovelace",
        "ada@example.org",
        units,
        "INS2I; INP",
        "Computer science",
        submitted,
    ]
    assert [row[0] for row in rows[1:]] == [f"AISSAI-2025-00{n}" for n in (1, 2, 3, 4)]


def test_applications_export_uses_the_table_filters(client, staff, scenario):
    rows = csv_rows(client.get(export_url(scenario, "applications", "csv", status="funded")))
    assert [row[0] for row in rows[1:]] == ["AISSAI-2025-001"]
    event = AuditEvent.objects.get(verb=EXPORT_VERB)
    assert event.data["filters"]["status"] == "funded"


def test_applications_xlsx(client, staff, scenario):
    response = client.get(export_url(scenario, "applications", "xlsx"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="aissai-2025-applications-{today()}.xlsx"'
    )
    rows, _ = xlsx_rows(response)
    assert rows[0][0].value == "Reference"
    assert rows[0][0].font.b
    first = [cell.value for cell in rows[1]]
    assert first[:6] == [
        "AISSAI-2025-001",
        "Neural operators for turbulence",
        "NEURO",
        "Funded",
        "Ada Lovelace",
        "ada@example.org",
    ]
    assert first[9] == timezone.localtime(scenario.apps[0].submitted_at).replace(
        tzinfo=None, microsecond=0
    )
    assert len(rows) == 5


# --- Formula injection ----------------------------------------------------------------


def test_csv_neutralises_formula_injection(client, staff, scenario):
    rows = csv_rows(client.get(export_url(scenario, "applications", "csv")))
    a2, a3 = rows[2], rows[3]
    assert (a2[1], a2[2], a2[4]) == ("'=1+1", "'+A1", "'@SUM(A1:A2)")
    assert (a3[1], a3[2]) == ("'-2", "'\uff1dHYPERLINK")

    reviews = csv_rows(client.get(export_url(scenario, "reviews", "csv")))
    comments = {row[0]: row[-2] for row in reviews[1:] if row[0] == "AISSAI-2025-002"}
    assert comments == {"AISSAI-2025-002": "'\t'=cmd|' /C calc'!A0"}


def test_xlsx_writes_formula_like_text_as_text(client, staff, scenario):
    rows, data = xlsx_rows(client.get(export_url(scenario, "applications", "xlsx")))
    cells = {(r, c): rows[r][c] for r, c in [(2, 1), (2, 2), (2, 4), (3, 1), (3, 2)]}
    assert {key: cell.value for key, cell in cells.items()} == {
        (2, 1): "=1+1",
        (2, 2): "+A1",
        (2, 4): "@SUM(A1:A2)",
        (3, 1): "-2",
        (3, 2): "\uff1dHYPERLINK",
    }
    assert all(cell.data_type == "s" for cell in cells.values())
    assert all(cell.quotePrefix for cell in cells.values())
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml

    reviews, data = xlsx_rows(client.get(export_url(scenario, "reviews", "xlsx")))
    comment = next(row[-2] for row in reviews[1:] if row[0].value == "AISSAI-2025-002")
    assert (comment.value, comment.data_type) == ("\t=cmd|' /C calc'!A0", "s")
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


# --- Reviews --------------------------------------------------------------------------


def test_reviews_csv_without_identities(client, staff, scenario):
    response = client.get(export_url(scenario, "reviews", "csv"))

    assert response["Content-Disposition"] == (
        f'attachment; filename="aissai-2025-reviews-{today()}.csv"'
    )
    rows = csv_rows(response)
    assert rows[0] == [
        "Reference",
        "Acronym",
        "Title",
        "Reviewer",
        "Excellence (0\u20135)",
        "Collaboration (0\u20135)",
        "Weighted total (0\u201310)",
        "Recommendation",
        "Confidence (1\u20135)",
        "Comments for the applicants",
        "Submitted at (Europe/Paris time)",
    ]
    body = [row[:10] for row in rows[1:]]
    assert body == [
        ["AISSAI-2025-001", "NEURO", "Neural operators for turbulence", "Reviewer 1"]
        + ["4", "N/A", "8.000", "Fund", "3", "Clear and ambitious."],
        ["AISSAI-2025-001", "NEURO", "Neural operators for turbulence", "Reviewer 2"]
        + ["2", "3", "4.670", "Fund", "3", "Feasible."],
        ["AISSAI-2025-002", "'+A1", "'=1+1", "Reviewer 1"]
        + ["5", "5", "10.000", "Fund", "3", "'\t'=cmd|' /C calc'!A0"],
    ]
    # Ended assignments and confirmed conflicts are never exported as valid pairings.
    text = "\n".join(",".join(row) for row in rows)
    for hidden in ("Expert", "alpha@", "beta@", "gamma@", "Ended assignment", "Conflicted"):
        assert hidden not in text
    event = AuditEvent.objects.get(verb=EXPORT_VERB)
    assert event.actor == staff
    assert event.target_id == str(scenario.pk)
    assert event.data == {
        "export": "reviews",
        "format": "csv",
        "identities": False,
        "anonymous": False,
        "filters": {},
    }


def test_reviews_xlsx_without_identities(client, staff, scenario):
    rows, data = xlsx_rows(client.get(export_url(scenario, "reviews", "xlsx")))
    assert [cell.value for cell in rows[0]][3:5] == ["Reviewer", "Excellence (0\u20135)"]
    values = [[cell.value for cell in row] for row in rows[1:]]
    assert [row[3:7] for row in values] == [
        ["Reviewer 1", 4, "N/A", 8],
        ["Reviewer 2", 2, 3, 4.67],
        ["Reviewer 1", 5, 5, 10],
    ]
    flat = " ".join(str(v) for row in values for v in row)
    assert "Expert" not in flat and "@uni.example" not in flat
    assert b"Expert" not in data  # not hidden in another part of the file either


def test_reviews_with_identities_only_when_asked_and_audited(client, staff, scenario):
    response = client.get(export_url(scenario, "reviews", "csv", identities=1))

    assert response["Content-Disposition"] == (
        f'attachment; filename="aissai-2025-reviews-with-identities-{today()}.csv"'
    )
    rows = csv_rows(response)
    assert rows[0][3:7] == [
        "Reviewer",
        "Reviewer's name",
        "Reviewer's e-mail",
        "Reviewer's institution",
    ]
    assert [row[3:6] for row in rows[1:]] == [
        ["Reviewer 1", "Expert Alpha", "alpha@uni.example"],
        ["Reviewer 2", "Expert Beta", "beta@uni.example"],
        ["Reviewer 1", "Expert Alpha", "alpha@uni.example"],
    ]
    assert "Expert Gamma" not in str(rows)  # ended assignment, even with identities
    event = AuditEvent.objects.get(verb=EXPORT_VERB)
    assert (event.actor, event.data["export"], event.data["identities"]) == (
        staff,
        "reviews",
        True,
    )

    rows, _ = xlsx_rows(client.get(export_url(scenario, "reviews", "xlsx", identities=1)))
    assert rows[1][4].value == "Expert Alpha"
    assert AuditEvent.objects.filter(verb=EXPORT_VERB, data__identities=True).count() == 2


def test_staff_never_export_reviews_of_their_own_application(client, scenario):
    coordinator = scenario.apps[0].coordinator
    coordinator.is_programme_staff = True
    coordinator.save()
    client.force_login(coordinator)

    withheld = (
        "1 application is withheld from this export because of a conflict of interest: "
        "you take part in it."
    )
    rows = csv_rows(client.get(export_url(scenario, "reviews", "csv")))
    assert [row[0] for row in rows[1:]] == ["AISSAI-2025-002", withheld]
    rows = csv_rows(client.get(export_url(scenario, "scoreboard", "csv")))
    assert "AISSAI-2025-001" not in [row[0] for row in rows]
    assert rows[-1] == [withheld]


# --- Scoreboard and decisions ---------------------------------------------------------


def test_scoreboard_csv(client, staff, scenario):
    rows = csv_rows(client.get(export_url(scenario, "scoreboard", "csv")))

    header = rows[0]
    assert header[:8] == [
        "Reference",
        "Acronym",
        "Title",
        "Status",
        "Coordinator",
        "Institutes",
        "Units",
        "Reviews",
    ]
    column = {name: index for index, name in enumerate(header)}
    by_reference = {row[0]: row for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == ["AISSAI-2025-002", "AISSAI-2025-001", "AISSAI-2025-004"]
    a1 = by_reference["AISSAI-2025-001"]
    assert (a1[column["Reviews"]], a1[column["Mean"]], a1[column["Median"]]) == (
        "2",
        "6.335",
        "6.335",
    )
    assert (a1[column["Lowest total"]], a1[column["Highest total"]]) == ("4.67", "8")
    assert a1[column["Mean: Excellence"]] == "3"
    assert a1[column["Rank by mean"]] == "2"
    assert by_reference["AISSAI-2025-002"][column["Mean"]] == "10"
    assert by_reference["AISSAI-2025-002"][column["Coordinator"]] == "'@SUM(A1:A2)"
    assert by_reference["AISSAI-2025-004"][column["Reviews"]] == "0"
    assert by_reference["AISSAI-2025-004"][column["Mean"]] == ""


def test_scoreboard_anonymised_on_demand(client, staff, scenario):
    rows = csv_rows(client.get(export_url(scenario, "scoreboard", "csv", anonymous=1)))
    assert "Coordinator" not in rows[0] and "Units" not in rows[0]
    assert "Ada Lovelace" not in str(rows)
    assert AuditEvent.objects.get(verb=EXPORT_VERB).data["anonymous"] is True

    rows, _ = xlsx_rows(client.get(export_url(scenario, "scoreboard", "xlsx")))
    assert [cell.value for cell in rows[0]][4] == "Coordinator"
    assert rows[2][0].value == "AISSAI-2025-001" and rows[2][4].value == "Ada Lovelace"


def test_decisions_csv(client, staff, scenario):
    response = client.get(export_url(scenario, "decisions", "csv"))
    rows = csv_rows(response)

    assert rows[0][:10] == [
        "Reference",
        "Acronym",
        "Title",
        "Coordinator",
        "Status",
        "List",
        "Position",
        "Funding decision",
        "Funding source",
        "Promoted from the complementary list",
    ]
    assert [row[:10] for row in rows[1:]] == [
        ["AISSAI-2025-001", "NEURO", "Neural operators for turbulence", "Ada Lovelace"]
        + ["Funded", "Main list", "1", "Funded", "Industry donation", "No"],
        ["AISSAI-2025-004", "GRAPH", "Graph learning for proteins", rows[2][3]]
        + ["Complementary list", "Complementary list", "1", "", "", ""],
        ["AISSAI-2025-002", "'+A1", "'=1+1", "'@SUM(A1:A2)"] + ["Not selected", "", "", "", "", ""],
        ["AISSAI-2025-003", "'\uff1dHYPERLINK", "'-2", rows[4][3]]
        + ["Submitted", "", "", "", "", ""],
    ]
    assert rows[1][10] == timezone.localdate().isoformat()
    assert rows[1][12] == "Main list"


def test_decisions_xlsx(client, staff, scenario):
    rows, _ = xlsx_rows(client.get(export_url(scenario, "decisions", "xlsx")))
    assert [cell.value for cell in rows[1]][5:9] == ["Main list", 1, "Funded", "Industry donation"]
    assert len(rows) == 5


@pytest.mark.parametrize("kind", ["applications", "reviews", "scoreboard", "decisions"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_every_export_is_audited(client, staff, scenario, kind, file_format):
    response = client.get(export_url(scenario, kind, file_format))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="aissai-2025-{kind}')
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(verb=EXPORT_VERB)
    assert (event.actor, event.target_repr, event.data["export"], event.data["format"]) == (
        staff,
        str(scenario),
        kind,
        file_format,
    )


# --- Queries --------------------------------------------------------------------------


def export_queries(client, call, kind) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(export_url(call, kind, "csv"))
        b"".join(response.streaming_content)
    return len(queries)


@pytest.mark.parametrize("kind", ["applications", "reviews", "scoreboard", "decisions"])
def test_export_query_count_does_not_grow(client, staff, kind):
    call = CallFactory(status=CallStatus.SELECTION)

    def add(count):
        for _ in range(count):
            application = submitted_application(call=call, status=S.FUNDED, documents=False)
            application.disciplines.add(DisciplineFactory(name_en="Physics"))
            assignment = AssignmentFactory(
                invitation=InvitationFactory(call=call), application=application
            )
            submitted_review(assignment=assignment, scores=[3, 4, 5, 2])
            FundingDecisionFactory(application=application)

    add(1)
    one = export_queries(client, call, kind)
    add(2)
    assert export_queries(client, call, kind) == one


# --- Who may download -----------------------------------------------------------------


def every_url(call):
    return [reverse("reviews:exports", args=[call.slug])] + [
        export_url(call, kind, file_format)
        for kind in ("applications", "reviews", "scoreboard", "decisions")
        for file_format in ("csv", "xlsx")
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, scenario):
    for url in every_url(scenario) + [export_url(scenario, "reviews", "csv", identities=1)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
    assert not AuditEvent.objects.filter(verb=EXPORT_VERB).exists()


@pytest.mark.parametrize("who", ["applicant", "reviewer", "partner_lead", "correspondent"])
def test_everyone_but_programme_staff_gets_404(client, scenario, who):
    a1 = scenario.apps[0]
    if who == "applicant":
        user = a1.coordinator
    elif who == "reviewer":  # Expert Alpha, who reviewed a1 and a2
        user = UserFactory()
        expert = a1.assignments.filter(is_active=True).first().invitation.expert
        expert.user = user
        expert.save()
    elif who == "partner_lead":
        user = UserFactory(email=a1.partners.first().lead_email)
    else:
        user = correspondent_of("INP")  # an institute the application involves
    client.force_login(user)
    for url in every_url(scenario) + [export_url(scenario, "reviews", "csv", identities=1)]:
        assert client.get(url).status_code == 404, url
    assert not AuditEvent.objects.filter(verb=EXPORT_VERB).exists()


def test_unknown_export_or_format_is_404(client, staff, scenario):
    for kind, file_format in [("reviewers", "csv"), ("reviews", "pdf"), ("reviews", "CSV")]:
        assert client.get(export_url(scenario, kind, file_format)).status_code == 404
    assert client.get(export_url(scenario, "reviews", "csv").replace(".csv", "")).status_code == 404
    assert client.post(export_url(scenario, "reviews", "csv")).status_code == 405
    assert not AuditEvent.objects.filter(verb=EXPORT_VERB).exists()


def test_exports_page_links_every_export(client, staff, scenario):
    response = client.get(reverse("reviews:exports", args=[scenario.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    for kind in ("applications", "reviews", "scoreboard", "decisions"):
        for file_format in ("csv", "xlsx"):
            assert f'formaction="{export_url(scenario, kind, file_format)}"' in html
    assert 'name="identities" value="1"' in html
    assert 'style="' not in html


def test_exports_need_a_recent_login(client, scenario, stale_login):
    client.force_login(StaffFactory())
    stale_login(client)
    url = export_url(scenario, "reviews", "csv", identities=1)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == reauth_url(url)
    assert not AuditEvent.objects.filter(verb=EXPORT_VERB).exists()
    assert client.get(reverse("reviews:exports", args=[scenario.slug])).status_code == 200
