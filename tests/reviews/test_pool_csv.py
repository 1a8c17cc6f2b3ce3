"""Bulk invitation from a CSV file: every row checked first, errors by line, all or nothing."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import OutboxMessage
from reviews.models import Expert, Invitation, InvitationStatus
from reviews.services.invitations import ExpertData, InvitationError, invite_experts
from tests.factories.accounts import StaffFactory
from tests.factories.calls import CallFactory, UnitFactory
from tests.factories.reviews import ExpertFactory, PendingInvitationFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "Name;E-mail;Institution;Country;Keywords;ORCID;Unit;Max load;Language\n"
    "Ada Lovelace;ada@example.org;University of London;United Kingdom;"
    "machine learning|turbulence;0000-0002-1825-0097;;6;en\n"
    "Marie Curie;Marie.Curie@Example.FR;Sorbonne Université;France;physics;;umr 8223;4;fr\n"
    "\n"
    "Alan Turing;alan@example.org;University of Manchester;;;;;;\n"
)


@pytest.fixture
def call():
    return CallFactory(slug="aissai-2025")


@pytest.fixture
def unit():
    return UnitFactory(unit_type="UMR", number="8223")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def upload(client, call, text, *, encoding="utf-8", check_only=False, name="experts.csv"):
    data = {"file": SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")}
    if check_only:
        data["check_only"] = "on"
    return client.post(reverse("reviews:invite_bulk", args=[call.slug]), data)


def test_a_good_file_invites_every_expert_and_queues_the_mails_on_commit(
    staff_client, call, unit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(staff_client, call, GOOD)

    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:pool", args=[call.slug])
    experts = {e.email: e for e in Expert.objects.all()}
    assert set(experts) == {"ada@example.org", "marie.curie@example.fr", "alan@example.org"}
    assert experts["ada@example.org"].keywords == ["machine learning", "turbulence"]
    assert experts["ada@example.org"].orcid == "0000-0002-1825-0097"
    assert experts["marie.curie@example.fr"].unit == unit
    assert experts["marie.curie@example.fr"].language == "fr"
    assert experts["alan@example.org"].language == "en"  # defaults
    loads = dict(Invitation.objects.values_list("expert__email", "max_load"))
    assert loads == {"ada@example.org": 6, "marie.curie@example.fr": 4, "alan@example.org": 8}
    assert set(Invitation.objects.values_list("status", flat=True)) == {InvitationStatus.PENDING}
    messages = OutboxMessage.objects.filter(event="reviewer_invitation")
    assert dict(messages.values_list("to_email", "language")) == {
        "ada@example.org": "en",
        "marie.curie@example.fr": "fr",
        "alan@example.org": "en",
    }
    assert len(callbacks) >= 1
    assert sorted(m.to[0].split("<")[1].rstrip(">") for m in mail.outbox) == sorted(
        ["ada@example.org", "marie.curie@example.fr", "alan@example.org"]
    )


def test_a_comma_separated_file_with_a_bom_is_read(staff_client, call):
    text = (
        "name,email,institution,keywords\n"
        'Ada Lovelace,ada@example.org,"University of London, UK","machine learning, turbulence"\n'
    )

    response = upload(staff_client, call, "\ufeff" + text)

    assert response.status_code == 302
    expert = Expert.objects.get()
    assert expert.institution == "University of London, UK"
    assert expert.keywords == ["machine learning", "turbulence"]


def test_a_bad_file_reports_each_error_by_line_and_creates_nothing(staff_client, call, unit):
    PendingInvitationFactory(call=call, expert=ExpertFactory(email="known@example.org"))
    text = (
        "name;email;institution;orcid;unit\n"
        "Ada Lovelace;ada@example.org;University of London;;\n"  # line 2: fine
        "Bad Mail;not-an-address;Somewhere;;\n"  # line 3
        ";nobody@example.org;Somewhere;;\n"  # line 4
        "Bad Orcid;orcid@example.org;Somewhere;0000-0002-1825-0098;\n"  # line 5
        "Bad Unit;unit@example.org;Somewhere;;UMR 9999\n"  # line 6
        "Ada Again;ADA@example.org;Elsewhere;;\n"  # line 7
        "Known;known@example.org;Somewhere;;\n"  # line 8
    )

    response = upload(staff_client, call, text)

    assert response.status_code == 200
    errors = {error.line: " ".join(error.messages) for error in response.context["result"].errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8]
    assert "Enter a valid email address" in errors[3]
    assert "Full name: This field is required" in errors[4]
    assert "check digit" in errors[5]
    assert "UMR 9999" in errors[6]
    assert "the same address as line 2" in errors[7]
    assert "already invited to this call" in errors[8]
    html = response.content.decode()
    assert "Line 3" in html and "nobody was invited" in html
    assert Expert.objects.count() == 1  # only the one invited before
    assert Invitation.objects.count() == 1
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name;institution\nAda;London\n", "missing column: email"),
        ("name;email;institution;emial\n", "unknown column: emial"),
        ("name;email;institution\n", "no expert"),
    ],
)
def test_a_file_with_a_bad_header_is_refused(staff_client, call, content, message):
    response = upload(staff_client, call, content)

    assert response.status_code == 200
    assert message in response.context["result"].file_error
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Ligne 1 (en-tête)\u00a0: colonnes inconnues\u00a0: emial, phone."),
        ("en", "Line 1 (header): unknown columns: emial, phone."),
    ],
)
def test_a_bad_header_is_explained_in_the_reader_s_language(staff_client, call, language, message):
    staff_client.cookies["django_language"] = language
    response = upload(staff_client, call, "name;email;institution;emial;phone\n")
    assert response.context["result"].file_error == message


def test_an_empty_file_is_refused(staff_client, call):
    response = upload(staff_client, call, "")

    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()
    assert response.context["result"] is None
    assert not Invitation.objects.exists()


def test_a_file_that_is_not_utf8_is_refused(staff_client, call):
    response = upload(
        staff_client, call, "name;email;institution\nRenée;r@example.org;Lyon\n", encoding="latin-1"
    )

    assert "not UTF-8" in response.context["result"].file_error
    assert not Expert.objects.exists()


def test_check_only_validates_and_invites_nobody(staff_client, call, unit):
    response = upload(staff_client, call, GOOD, check_only=True)

    assert response.status_code == 200
    assert len(response.context["result"].rows) == 3
    assert "3 experts would be invited" in response.content.decode()
    assert not Expert.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_an_error_while_inviting_undoes_the_whole_import(call):
    """An invitation made between the check and the import (by someone else) undoes it all."""
    staff = StaffFactory()
    rows = [
        ExpertData(full_name="Ada Lovelace", email="ada@example.org", institution="London"),
        ExpertData(full_name="Alan Turing", email="alan@example.org", institution="Manchester"),
    ]
    PendingInvitationFactory(call=call, expert=ExpertFactory(email="alan@example.org"))

    with pytest.raises(InvitationError, match="already invited"):
        invite_experts(call=call, by=staff, rows=rows)

    assert set(Invitation.objects.values_list("expert__email", flat=True)) == {"alan@example.org"}
    assert not Expert.objects.filter(email="ada@example.org").exists()
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.exists()
