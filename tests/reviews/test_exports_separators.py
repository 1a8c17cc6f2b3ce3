"""CSV exports opened by a spreadsheet that splits on another separator than the comma
(French settings split on ``;``), and the format offered first by language."""

import re

import pytest
from django.urls import reverse

from calls.models import Application, ApplicationStatus, CallStatus
from reviews.exports.cells import csv_cell, safe_cell
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory, submitted_application

pytestmark = pytest.mark.django_db

SIGNS = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (";=1+1;", ";'=1+1;"),
        ("Lab A;=1+1;B", "Lab A;'=1+1;B"),
        ("a,+A1", "a,'+A1"),
        ("a, -2", "a, '-2"),
        ("x;\t=cmd", "x;\t'=cmd"),
        ("x\t@SUM(A1)", "x\t'@SUM(A1)"),
        ("first line\n=HYPERLINK(1)", "first line\n'=HYPERLINK(1)"),
        ("x\r\n+1", "x\r\n'+1"),
        ("x\uff1b\uff1d1", "x\uff1b'\uff1d1"),
        ("x\uff0c\uff20SUM", "x\uff0c'\uff20SUM"),
        ("x; \u00a0=1", "x; \u00a0'=1"),
        ("=1;=2,=3", "'=1;'=2,'=3"),
    ],
)
def test_formula_signs_after_every_separator_are_neutralised(text, written):
    assert safe_cell(text) == written


@pytest.mark.parametrize(
    "text", ["UMR 8223; UPR 3251", "INS2I; INP", "1-2", "a=b", "Paris, France", "x;y"]
)
def test_ordinary_text_with_separators_is_unchanged(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [-2, -0.5, 3])
def test_numbers_stay_numbers_in_csv(value):
    assert csv_cell(value) == str(value)


def pieces_a_spreadsheet_may_make(line: str) -> list[str]:
    """A line cut on every separator, whatever the quotes say, with quotes and spaces
    taken off each piece: what a careless import shows as cells."""
    return [piece.strip(' "\u00a0') for piece in re.split(r"[;,\t\uff1b\uff0c]", line)]


@pytest.fixture
def staff(client):
    user = StaffFactory(language="en")
    client.force_login(user)
    return user


@pytest.fixture
def hostile_call():
    call = CallFactory(status=CallStatus.SELECTION, with_rules=False, slug="aissai-2026")
    application = submitted_application(
        call=call,
        status=ApplicationStatus.SUBMITTED,
        documents=False,
        title=";=1+1;",
        acronym="A;-2,@SUM(A1)\t+1",
        coordinator=UserFactory(full_name='Eve ;=HYPERLINK("http://evil.example")'),
    )
    Application.objects.filter(pk=application.pk).update(reference="AISSAI-2026-001")
    return call


def export_text(client, call) -> str:
    response = client.get(reverse("reviews:export", args=[call.slug, "applications", "csv"]))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")


def test_csv_quotes_every_field(client, staff, hostile_call):
    lines = export_text(client, hostile_call).splitlines()

    assert lines[0].startswith('"Reference","Title","Acronym",')
    assert lines[1].startswith('"AISSAI-2026-001",";\'=1+1;","A;\'-2,\'@SUM(A1)\t\'+1",')
    assert all(line.startswith('"') and line.endswith('"') for line in lines)


def test_no_piece_of_a_cell_starts_a_formula_whatever_the_separator(client, staff, hostile_call):
    text = export_text(client, hostile_call)

    pieces = [piece for line in text.splitlines() for piece in pieces_a_spreadsheet_may_make(line)]

    assert "=1+1" in text and "HYPERLINK" in text  # the texts are there, neutralised
    assert [piece for piece in pieces if piece.startswith(tuple(SIGNS))] == []


def test_exports_page_offers_xlsx_first_to_a_french_reader(client, hostile_call):
    client.force_login(StaffFactory(language="fr"))
    client.cookies["django_language"] = "fr"

    html = client.get(
        reverse("reviews:exports", args=[hostile_call.slug]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()

    buttons = re.findall(r'<button class="btn ([\w-]+) btn-sm" formaction="[^"]+\.(\w+)"', html)
    assert buttons[:2] == [("btn-primary", "xlsx"), ("btn-outline-primary", "csv")]
    assert len(buttons) == 8
    assert [fmt for _cls, fmt in buttons[::2]] == ["xlsx"] * 4


def test_exports_page_offers_csv_first_in_english(client, staff, hostile_call):
    html = client.get(reverse("reviews:exports", args=[hostile_call.slug])).content.decode()

    buttons = re.findall(r'<button class="btn ([\w-]+) btn-sm" formaction="[^"]+\.(\w+)"', html)
    assert buttons[:2] == [("btn-primary", "csv"), ("btn-outline-primary", "xlsx")]
    assert [fmt for _cls, fmt in buttons[::2]] == ["csv"] * 4
