"""Figures people read, as a French programme team writes them and as English readers
expect: dates, sizes and scores (``aissai/formatting.py``, template builtins)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from aissai.formatting import file_size, long_datetime, score_out_of, signed

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("moment", "french", "english"),
    [
        (
            datetime(2026, 12, 28, 12, 0, tzinfo=PARIS),
            f"28 décembre 2026 à 12{NBSP}h",
            "28 December 2026, 12:00",
        ),
        (
            datetime(2026, 12, 28, 12, 30, tzinfo=PARIS),
            f"28 décembre 2026 à 12{NBSP}h{NBSP}30",
            "28 December 2026, 12:30",
        ),
        (
            datetime(2027, 3, 1, 9, 5, tzinfo=PARIS),
            f"1 mars 2027 à 9{NBSP}h{NBSP}05",
            "1 March 2027, 09:05",
        ),
    ],
)
def test_long_datetime_reads_as_each_language_writes_it(moment, french, english):
    with translation.override("fr"):
        assert long_datetime(moment) == french
    with translation.override("en"):
        assert long_datetime(moment) == english
    assert ":00" not in french and "CET" not in french and "Europe" not in french


def test_long_datetime_in_a_template_is_in_the_current_time_zone():
    moment = datetime(2026, 12, 28, 11, 0, tzinfo=ZoneInfo("UTC"))
    with translation.override("fr"):
        text = Template("{{ moment|long_datetime }}").render(Context({"moment": moment}))
    assert text == f"28 décembre 2026 à 12{NBSP}h"  # TIME_ZONE is Europe/Paris


@pytest.mark.parametrize(
    ("size", "french", "english"),
    [
        (10 * 1024 * 1024, f"10{NBSP}Mo", f"10{NBSP}MB"),
        (int(2.5 * 1024 * 1024), f"2,5{NBSP}Mo", f"2.5{NBSP}MB"),
        (512, f"512{NBSP}o", f"512{NBSP}B"),
        (300 * 1024, f"300{NBSP}Ko", f"300{NBSP}KB"),
    ],
)
def test_file_size_in_each_language(size, french, english):
    with translation.override("fr"):
        assert file_size(size) == french
    with translation.override("en"):
        assert file_size(size) == english


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (Decimal("5.200"), "5,2/10", "5.2/10"),
        (Decimal("7.000"), "7/10", "7/10"),
        (Decimal("8.750"), "8,8/10", "8.8/10"),
        (9.25, "9,3/10", "9.3/10"),
    ],
)
def test_score_out_of_in_each_language(value, french, english):
    with translation.override("fr"):
        assert score_out_of(value, 10) == french
    with translation.override("en"):
        assert score_out_of(value, 10) == english
    assert score_out_of(None) == ""


def test_a_receipt_time_keeps_its_seconds_in_each_language():
    moment = datetime(2026, 12, 7, 18, 39, 7)
    with translation.override("fr"):
        assert (
            long_datetime(moment, "seconds") == "7 décembre 2026 à 18\xa0h\xa039\xa0min\xa007\xa0s"
        )
    with translation.override("en"):
        assert long_datetime(moment, "seconds") == "7 December 2026, 18:39:07"


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        (-0.97, "\u22120,97", "\u22120.97"),
        (Decimal("1.5"), "+1,50", "+1.50"),
        (-0.001, "0,00", "0.00"),
        (0, "0,00", "0.00"),
    ],
)
def test_signed_numbers_use_the_minus_sign_in_each_language(value, french, english):
    with translation.override("fr"):
        assert signed(value) == french
    with translation.override("en"):
        assert signed(value) == english
    assert signed(None) == ""
