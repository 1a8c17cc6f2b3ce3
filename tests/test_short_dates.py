"""Dates in dense staff tables: short and unambiguous in both languages (« 28 déc. 2026 »,
"28 Dec 2026", never 12/28/2026), in a ``<time>`` element with the long date as its title
(``aissai/formats``, ``aissai.formatting.short_date``); the date inputs of forms are
unchanged."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, translation

from awards.forms import EventForm, SuspensionForm
from tests.factories.accounts import StaffFactory
from tests.factories.calls import CallFactory

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
NOON = datetime(2026, 12, 28, 12, 0, tzinfo=PARIS)


def render(template: str, language: str, **context) -> str:
    with translation.override(language):
        return Template(template).render(Context(context))


@pytest.mark.parametrize(
    ("moment", "french", "english"),
    [
        (NOON, f"28 déc. 2026 à 12{NBSP}h{NBSP}00", "28 Dec 2026, 12:00"),
        (
            datetime(2027, 3, 1, 9, 5, tzinfo=PARIS),
            f"1 mars 2027 à 9{NBSP}h{NBSP}05",
            "1 Mar 2027, 09:05",
        ),
    ],
)
def test_the_short_datetime_format_in_each_language(moment, french, english):
    with translation.override("fr"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == french
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == english


def test_the_short_date_format_in_each_language():
    with translation.override("fr"):
        assert formats.date_format(date(2026, 12, 28), "SHORT_DATE_FORMAT") == "28 déc. 2026"
        assert formats.date_format(date(2026, 6, 3), "SHORT_DATE_FORMAT") == "3 juin 2026"
    with translation.override("en"):
        assert formats.date_format(date(2026, 12, 28), "SHORT_DATE_FORMAT") == "28 Dec 2026"


def test_the_long_date_in_english_is_day_month_year_like_the_long_datetime():
    with translation.override("en"):
        assert formats.date_format(date(2027, 5, 27), "DATE_FORMAT") == "27 May 2027"
        assert render('{{ day|date:"DATE_FORMAT" }}', "en", day=date(2025, 10, 1)) == (
            "1 October 2025"
        )


def test_a_table_date_is_a_time_element_titled_with_the_long_date():
    utc = datetime(2026, 12, 28, 11, 0, tzinfo=ZoneInfo("UTC"))  # noon in Paris
    assert render("{{ at|short_datetime }}", "fr", at=utc) == (
        f'<time datetime="2026-12-28T12:00:00+01:00" title="28 décembre 2026 à 12{NBSP}h">'
        f"28 déc. 2026 à 12{NBSP}h{NBSP}00</time>"
    )
    assert render("{{ day|short_date }}", "en", day=date(2026, 12, 28)) == (
        '<time datetime="2026-12-28" title="28 December 2026">28 Dec 2026</time>'
    )
    assert render('{{ day|short_date|default:"—" }}', "en", day=None) == "—"


@pytest.mark.django_db
def test_the_staff_index_shows_the_deadline_short_in_each_language(client):
    CallFactory(closes_at=NOON)
    shown = {}
    for language in ("fr", "en"):
        client.force_login(StaffFactory(language=language))
        html = client.get(reverse("calls:staff_index"))
        cell = html.content.decode().split('<time datetime="2026-12-28T12:00:00+01:00"', 1)[1]
        shown[language] = cell.split(">", 1)[1].split("</time>", 1)[0]
    assert shown == {"fr": f"28 déc. 2026 à 12{NBSP}h{NBSP}00", "en": "28 Dec 2026, 12:00"}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_forms_still_accept_their_date_inputs(language):
    with translation.override(language):
        suspension = SuspensionForm(
            data={"starts_on": "2026-12-28", "ends_on": "2027-01-05", "reason": "Leave"}
        )
        event = EventForm(
            data={
                "title_en": "Kick-off",
                "title_fr": "Lancement",
                "starts_at": "2026-12-28T12:00",
                "answers_until": "2026-12-20T18:00",
            }
        )
        assert suspension.is_valid(), suspension.errors
        assert suspension.cleaned_data["starts_on"] == date(2026, 12, 28)
        assert event.is_valid(), event.errors
        assert event.cleaned_data["starts_at"].replace(tzinfo=None) == datetime(2026, 12, 28, 12)
        assert forms.DateField().clean("2026-12-28") == date(2026, 12, 28)
        assert forms.DateTimeField().clean("2026-12-28T12:00").hour == 12
    with translation.override("fr"):
        assert forms.DateField().clean("28/12/2026") == date(2026, 12, 28)


def test_a_date_and_time_shown_as_such_is_day_month_year_and_24_hours():
    """A datetime drawn bare (``{{ moment }}``, as the tie-break steps of the list board
    do) follows DATETIME_FORMAT: never "Oct. 6, 2026, 11:16 p.m."."""
    evening = datetime(2026, 10, 6, 23, 16, tzinfo=PARIS)
    assert render("{{ at }}", "en", at=evening) == "6 October 2026, 23:16"
    assert render("{{ at }}", "fr", at=evening) == f"6 octobre 2026 à 23{NBSP}h{NBSP}16"
    assert render("{{ at|time }}", "en", at=evening) == "23:16"
    assert render("{{ at|time }}", "fr", at=evening) == f"23{NBSP}h{NBSP}16"
