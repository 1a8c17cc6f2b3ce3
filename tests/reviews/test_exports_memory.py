"""Exports are streamed: the peak memory of a CSV export of 10,000 applications stays
under a fixed bound and is about the same as for 1,000 (flat in N); likewise for XLSX
from 1,000 to 3,000 rows (writing XLSX is slower, the test stays short).

The data are written with ``bulk_create`` so that the test stays short; it runs in the
normal suite, bounded in time."""

import time
import tracemalloc

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from calls.models import Application, ApplicationStatus, CallStatus, Partner, Unit
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.calls import CallFactory, DisciplineFactory, UnitFactory, institute

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
BOUND = 50 * MB
ABSTRACT = "We combine machine learning and fluid dynamics to predict turbulence. " * 20


def bulk_applications(call, coordinator, units: list[Unit], discipline, start: int, count: int):
    """``count`` submitted applications, each with two partner units and a discipline."""
    now = timezone.now()
    applications = Application.objects.bulk_create(
        [
            Application(
                call=call,
                coordinator=coordinator,
                status=ApplicationStatus.SUBMITTED,
                reference=f"BULK-{number:05d}",
                title=f"Learning physics with neural operators, project {number}",
                acronym=f"P{number}",
                abstract=ABSTRACT,
                keywords=["machine learning", "turbulence"],
                submitted_at=now,
                version=1,
            )
            for number in range(start, start + count)
        ],
        batch_size=1000,
    )
    Partner.objects.bulk_create(
        [
            Partner(
                application=application,
                unit=unit,
                institute_id=unit.main_institute_id,
                lead_name=f"Lead {position}",
                lead_email=f"lead{position}@{unit.acronym.lower()}.example.fr",
                is_coordinating=position == 0,
                position=position,
            )
            for application in applications
            for position, unit in enumerate(units)
        ],
        batch_size=2000,
    )
    through = Application.disciplines.through
    through.objects.bulk_create(
        [through(application_id=a.pk, discipline_id=discipline.pk) for a in applications],
        batch_size=2000,
    )


def peak_memory(client, url: str, response_type) -> tuple[int, int]:
    """(peak traced bytes, bytes sent) while requesting ``url`` and reading the body."""
    tracemalloc.start()
    try:
        response = client.get(url)
        assert response.status_code == 200
        assert isinstance(response, response_type)
        sent = 0
        for chunk in response.streaming_content:
            sent += len(chunk)
        return tracemalloc.get_traced_memory()[1], sent
    finally:
        tracemalloc.stop()


@pytest.mark.timeout(600)
def test_export_memory_is_flat_in_the_number_of_rows(client):
    """CSV: 1,000 then 10,000 rows. XLSX (slower to write): 1,000 then 3,000 rows."""
    started = time.monotonic()
    call = CallFactory(status=CallStatus.IN_REVIEW, with_rules=False)
    units = [
        UnitFactory(main_institute=institute("INS2I")),
        UnitFactory(main_institute=institute("INP")),
    ]
    coordinator = UserFactory()
    discipline = DisciplineFactory(name_en="Physics")
    client.force_login(StaffFactory())
    csv_url = reverse("reviews:export", args=[call.slug, "applications", "csv"])
    xlsx_url = reverse("reviews:export", args=[call.slug, "applications", "xlsx"])

    bulk_applications(call, coordinator, units, discipline, 0, 1_000)
    csv_small, csv_small_bytes = peak_memory(client, csv_url, StreamingHttpResponse)
    xlsx_small, xlsx_small_bytes = peak_memory(client, xlsx_url, FileResponse)
    bulk_applications(call, coordinator, units, discipline, 1_000, 2_000)
    xlsx_large, xlsx_large_bytes = peak_memory(client, xlsx_url, FileResponse)
    bulk_applications(call, coordinator, units, discipline, 3_000, 7_000)
    csv_large, csv_large_bytes = peak_memory(client, csv_url, StreamingHttpResponse)

    # Every row was really sent.
    assert csv_large_bytes > 9 * csv_small_bytes
    assert xlsx_large_bytes > 2 * xlsx_small_bytes
    report = (
        f"CSV peak {csv_small / MB:.1f} MB at 1,000 rows, {csv_large / MB:.1f} MB at 10,000; "
        f"XLSX peak {xlsx_small / MB:.1f} MB at 1,000 rows, {xlsx_large / MB:.1f} MB at 3,000; "
        f"{time.monotonic() - started:.0f} s"
    )
    print(report)
    assert csv_large < BOUND, report
    assert xlsx_large < BOUND, report
    # Flat: more rows, about the same peak (one chunk of rows, never the whole call).
    assert csv_large < 1.5 * csv_small + 2 * MB, report
    assert xlsx_large < 1.5 * xlsx_small + 2 * MB, report
