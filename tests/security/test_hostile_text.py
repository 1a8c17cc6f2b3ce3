"""Hostile text typed by applicants and reviewers stays inert on every page that shows it.

The text goes in through the real forms (the pages' POSTs), then the pages of every role
that read it are rendered: the raw markup must never come back unescaped and template
syntax must never be evaluated. Overlong text and NUL bytes are refused with a message
and nothing of the refused field is saved.

Formula injection in the exports (``=HYPERLINK(...)``) in titles, names and comments is
covered by ``tests/reviews/test_exports.py``; here, reviewer identities typed by staff.
Partner lead names and expert names and statements (invite form and CSV import) are
checked in the pages, the mails and the admin.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from email.utils import getaddresses

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.message import sanitize_address
from django.urls import reverse

from aissai.notifications.models import OutboxMessage
from aissai.notifications.services import build_email
from calls.models import Application, ApplicationStatus, CallStatus, Partner
from reviews.exports.cells import is_formula_like
from reviews.models import Expert, Invitation, InvitationStatus, Review
from tests.factories.accounts import StaffFactory, SuperuserFactory
from tests.factories.calls import CallFactory, UnitFactory, complete_draft, submitted_application
from tests.factories.reviews import PendingInvitationFactory, assigned_reviewer
from tests.reviews.test_exports import csv_rows, export_url, scenario, xlsx_rows  # noqa: F401

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{7*7}}"
FORMULA = '=HYPERLINK("http://x")'
ODD = "\u202eevil\u200b"  # right-to-left override, zero-width space
PAYLOAD = f"{SCRIPT} {IMG} {TEMPLATE} {FORMULA} {ODD}"

pytestmark = pytest.mark.django_db


def assert_inert(html: str, *, where: str) -> None:
    """No live markup from the payload; template syntax shown as typed, never evaluated."""
    assert "<script>alert(1)" not in html, where
    assert "<img src=x onerror" not in html, where
    assert not re.search(r"<img[^>]*onerror", html), where
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, f"{where}: payload not shown"
    assert TEMPLATE in html, f"{where}: template syntax evaluated or dropped"


def edit_data(application, **fields) -> dict:
    data = {
        "title": application.title,
        "acronym": application.acronym,
        "abstract": application.abstract,
        "keywords": ", ".join(application.keywords),
        "ai_side": application.ai_side,
        "science_side": application.science_side,
        "postdoc_profile": application.postdoc_profile,
        "planned_start": application.planned_start.isoformat(),
        "disciplines": [d.pk for d in application.disciplines.all()],
        "excluded-TOTAL_FORMS": "3",
        "excluded-INITIAL_FORMS": "0",
        "excluded-MIN_NUM_FORMS": "0",
        "excluded-MAX_NUM_FORMS": "3",
    }
    data.update(fields)
    return data


@pytest.fixture
def hostile_application(client, django_capture_on_commit_callbacks):
    """A draft filled with the payload through the edit page, then submitted."""
    call = CallFactory()
    application = complete_draft(call=call)
    client.force_login(application.coordinator)
    data = edit_data(
        application,
        title=PAYLOAD,
        acronym=SCRIPT,
        abstract=PAYLOAD,
        keywords=f"{SCRIPT}, {TEMPLATE}, {ODD}",
        ai_side=PAYLOAD,
        science_side=PAYLOAD,
        postdoc_profile=PAYLOAD,
        **{
            "excluded-0-name": IMG[:200],
            "excluded-0-institution": PAYLOAD,
            "excluded-0-reason": PAYLOAD,
        },
    )
    response = client.post(reverse("calls:application_edit", args=[application.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    application.refresh_from_db()
    assert application.title == PAYLOAD  # stored as typed: escaping is the pages' job
    assert application.excluded_reviewers.get().reason == PAYLOAD
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("calls:application_submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    return application


def test_applicant_text_is_inert_on_every_page(client, hostile_application):
    application = hostile_application
    own = client.get(reverse("calls:application_detail", args=[application.pk]))
    assert own.status_code == 200
    assert_inert(own.content.decode(), where="application detail (applicant)")

    partner = application.partners.get(is_coordinating=False)
    # A link not answered yet shows the application (an answered one shows none of it).
    Partner.objects.filter(pk=partner.pk).update(confirmed_at=None)
    client.logout()
    link = client.get(reverse("calls:partner_confirm", args=[partner.confirmation_token]))
    assert link.status_code == 200
    assert_inert(link.content.decode(), where="partner lead's page")

    staff = StaffFactory()
    client.force_login(staff)
    call = application.call
    pages = {
        "staff application detail": reverse("calls:application_detail", args=[application.pk]),
        "staff table": reverse("calls:staff_applications", args=[call.slug]),
        "screening list": reverse("calls:staff_screening_list", args=[call.slug]),
        "screening": reverse("calls:staff_screening", args=[call.slug, application.pk]),
        "dossier": reverse("reviews:dossier", args=[call.slug, application.pk]),
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_inert(response.content.decode(), where=where)


def test_mail_about_hostile_application_is_inert(client, hostile_application):
    """The receipt (and any mail naming the application) escapes the payload in its HTML
    body, and the outbox preview pages show it inert."""
    messages = list(OutboxMessage.objects.all())
    assert messages, "the submission queued no mail"
    for message in messages:
        assert "<script>alert(1)" not in message.body_html
        assert "<img src=x onerror" not in message.body_html
        assert "49" not in message.subject
    staff = StaffFactory()
    client.force_login(staff)
    for message in messages:
        for name in ("notifications:outbox_detail", "notifications:outbox_html"):
            response = client.get(reverse(name, args=[message.pk]))
            assert response.status_code == 200, name
            html = response.content.decode()
            assert "<script>alert(1)" not in html, name
            assert "<img src=x onerror" not in html, name


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("abstract", "x" * 10_000, "characters"),
        ("ai_side", "y" * 10_000, "characters"),
        ("title", "t" * 10_000, "at most 250 characters"),
        ("title", "Before\x00after", "Null characters are not allowed"),
        ("abstract", "Before\x00after", "Null characters are not allowed"),
        ("keywords", "good, bad\x00word", "Null characters are not allowed"),
    ],
)
def test_overlong_and_nul_input_is_refused_and_not_saved(client, field, value, message):
    application = complete_draft(call=CallFactory())
    before = Application.objects.values().get(pk=application.pk)
    client.force_login(application.coordinator)
    response = client.post(
        reverse("calls:application_edit", args=[application.pk]),
        edit_data(application, **{field: value}),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    after = Application.objects.values().get(pk=application.pk)
    assert after[field] == before[field]


@pytest.fixture
def reviewed(client):
    """A reviewer's draft review with the payload in every comment, through the form."""
    call = CallFactory(status=CallStatus.IN_REVIEW)
    application = submitted_application(
        call=call, status=ApplicationStatus.IN_REVIEW, title=PAYLOAD
    )
    assignment = assigned_reviewer(application)
    client.force_login(assignment.invitation.expert.user)
    data = {"comments_for_applicants": PAYLOAD, "comments_for_staff": PAYLOAD, "action": "save"}
    for criterion in call.criteria.all():
        data[f"score_{criterion.pk}"] = criterion.scale_max
        data[f"comment_{criterion.pk}"] = PAYLOAD
    data["recommendation"] = "yes"
    data["confidence"] = "3"
    response = client.post(reverse("reviews:review_edit", args=[application.pk]), data)
    assert response.status_code in (200, 302)
    review = Review.objects.get(assignment=assignment)
    assert review.comments_for_applicants == PAYLOAD
    return assignment


def test_reviewer_text_is_inert_on_every_page(client, reviewed):
    application = reviewed.application
    call = application.call
    for name in ("reviews:assignment_detail", "reviews:review_edit"):
        response = client.get(reverse(name, args=[application.pk]))
        assert response.status_code == 200, name
        assert_inert(response.content.decode(), where=name)
    client.force_login(StaffFactory())
    pages = {
        "dossier": reverse("reviews:dossier", args=[call.slug, application.pk]),
        "progress": reverse("reviews:progress", args=[call.slug]),
        "scoreboard": reverse("reviews:scoreboard", args=[call.slug]),
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        html = response.content.decode()
        assert "<script>alert(1)" not in html, where
        assert "<img src=x onerror" not in html, where
    dossier = client.get(pages["dossier"]).content.decode()
    assert_inert(dossier, where="dossier with review comments")


def test_decline_reason_is_inert_on_the_pool_page(client):
    invitation = PendingInvitationFactory(call=CallFactory(status=CallStatus.IN_REVIEW))
    response = client.post(
        reverse("reviews:invitation_decline", args=[invitation.token]),
        {"reason": PAYLOAD, "suggested_colleague": PAYLOAD[:300]},
    )
    assert response.status_code == 200
    invitation = Invitation.objects.get(pk=invitation.pk)
    assert invitation.status == InvitationStatus.DECLINED
    client.force_login(StaffFactory())
    response = client.get(reverse("reviews:pool", args=[invitation.call.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x onerror" not in html


def test_nul_in_decline_reason_is_refused(client):
    invitation = PendingInvitationFactory(call=CallFactory(status=CallStatus.IN_REVIEW))
    response = client.post(
        reverse("reviews:invitation_decline", args=[invitation.token]),
        {"reason": "No\x00thanks"},
    )
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).status == InvitationStatus.PENDING


# --- Partner lead names and expert statements -------------------------------------------

SHORT = f"{SCRIPT} {IMG[:40]} {TEMPLATE}"  # fits the 200-character name fields


def assert_mail_inert(message, *, where: str) -> None:
    """HTML part escaped; text part shows the typed text, template syntax not evaluated."""
    assert "<script>alert(1)" not in message.body_html, where
    assert not re.search(r"<img[^>]*onerror", message.body_html), where
    assert "49" not in message.subject, where


def assert_admin_inert(client, urls: dict[str, str]) -> None:
    for where, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, where
        html = response.content.decode()
        assert "<script>alert(1)" not in html, where
        assert not re.search(r"<img[^>]*onerror", html), where
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, f"{where}: payload not shown"


def test_partner_lead_name_is_inert_in_pages_mails_and_admin(
    client, django_capture_on_commit_callbacks
):
    application = complete_draft(call=CallFactory())
    unit = UnitFactory()
    client.force_login(application.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("calls:partner_add", args=[application.pk]),
            {
                "unit": unit.pk,
                "institute": unit.main_institute_id,
                "lead_name": SHORT,
                "lead_email": "lead@example.org",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    partner = application.partners.get(unit=unit)
    assert partner.lead_name == SHORT  # stored as typed

    edit = client.get(reverse("calls:application_edit", args=[application.pk]))
    assert_inert(edit.content.decode(), where="edit page (partners)")
    client.logout()
    link = client.get(reverse("calls:partner_confirm", args=[partner.confirmation_token]))
    assert_inert(link.content.decode(), where="partner lead's page")

    mails = OutboxMessage.objects.filter(to_email="lead@example.org")
    assert mails.exists(), "no confirmation request was queued"
    for message in mails:
        assert_mail_inert(message, where=f"mail {message.event}")

    client.force_login(application.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("calls:application_submit", args=[application.pk]))
    application.refresh_from_db()
    client.force_login(StaffFactory())
    for where, url in {
        "screening": reverse("calls:staff_screening", args=[application.call.slug, application.pk]),
        "dossier": reverse("reviews:dossier", args=[application.call.slug, application.pk]),
    }.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_inert(response.content.decode(), where=where)

    client.force_login(SuperuserFactory())
    assert_admin_inert(
        client,
        {
            "application change page": reverse(
                "admin:calls_application_change", args=[application.pk]
            )
        },
    )


@pytest.mark.parametrize("how", ["form", "csv"])
def test_expert_name_and_statement_are_inert_in_pages_mails_and_admin(
    client, django_capture_on_commit_callbacks, how
):
    call = CallFactory(status=CallStatus.IN_REVIEW)
    client.force_login(StaffFactory())
    with django_capture_on_commit_callbacks(execute=True):
        if how == "form":
            response = client.post(
                reverse("reviews:invite", args=[call.slug]),
                {
                    "full_name": SHORT,
                    "email": "expert@example.org",
                    "institution": SHORT,
                    "statement": PAYLOAD,
                    "keywords": f"{SCRIPT}, {FORMULA}",
                    "max_load": "6",
                    "language": "en",
                },
            )
        else:
            out = io.StringIO()
            writer = csv.writer(out, delimiter=";")
            writer.writerow(["Name", "E-mail", "Institution", "Statement", "Keywords"])
            writer.writerow([SHORT, "expert@example.org", SHORT, PAYLOAD, FORMULA])
            text = out.getvalue()
            response = client.post(
                reverse("reviews:invite_bulk", args=[call.slug]),
                {"file": SimpleUploadedFile("experts.csv", text.encode(), "text/csv")},
            )
    assert response.status_code == 302, response.content.decode()[:3000]
    expert = Expert.objects.get(email="expert@example.org")
    assert expert.statement == PAYLOAD
    assert expert.full_name == " ".join(SHORT.split())

    pool = client.get(reverse("reviews:pool", args=[call.slug]))
    assert pool.status_code == 200
    html = pool.content.decode()
    assert "<script>alert(1)" not in html
    assert not re.search(r"<img[^>]*onerror", html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    message = OutboxMessage.objects.get(to_email="expert@example.org")
    assert_mail_inert(message, where="reviewer invitation")

    client.force_login(SuperuserFactory())
    assert_admin_inert(
        client,
        {
            "expert list": reverse("admin:reviews_expert_changelist"),
            "expert page": reverse("admin:reviews_expert_change", args=[expert.pk]),
            "invitation list": reverse("admin:reviews_invitation_changelist"),
        },
    )


@pytest.mark.parametrize(
    "name",
    ["Lovelace, Ada", "a@evil.example, Eve", "Eve\r\nBcc: victim@example.org", SHORT],
    ids=["comma", "second-address", "header-injection", "markup"],
)
def test_mail_to_a_person_with_an_odd_name_goes_to_that_address_only(name):
    message = OutboxMessage(
        to_email="lead@example.org",
        to_name=name,
        subject="Subject",
        body_text="Body",
        body_html="",
        language="en",
        event="partner_confirmation",
        message_id="<x@example.org>",
    )
    email = build_email(message)
    envelope = [sanitize_address(r, "utf-8") for r in email.recipients()]
    assert [a for _n, a in getaddresses(envelope)] == ["lead@example.org"]
    header = email.message()["To"]
    assert [a for _n, a in getaddresses([header])] == ["lead@example.org"]
    assert email.message()["Bcc"] is None


# --- Exports: names typed by staff or experts ------------------------------------------

EXPERT_TRICKS = {
    "full_name": '=HYPERLINK("http://x","Expert")',
    "institution": "\r+cmd|' /C calc'!A0",
}


def test_reviewer_identities_in_exports_are_never_formulas(client, scenario):  # noqa: F811
    """``scenario``: the call of ``tests/reviews/test_exports.py``, its Expert Alpha renamed."""
    Expert.objects.filter(email="alpha@uni.example").update(**EXPERT_TRICKS)
    client.force_login(StaffFactory())

    rows = csv_rows(client.get(export_url(scenario, "reviews", "csv", identities=1)))
    names = {row[4] for row in rows[1:]}
    institutions = {row[6] for row in rows[1:]}
    assert "'" + EXPERT_TRICKS["full_name"] in names
    assert "'\r'+cmd|' /C calc'!A0" in institutions  # the line break may split the cell
    assert not any(is_formula_like(cell) for row in rows for cell in row)

    rows, data = xlsx_rows(client.get(export_url(scenario, "reviews", "xlsx", identities=1)))
    cells = [cell for row in rows[1:] for cell in row[4:7]]
    hostile = [cell for cell in cells if cell.value in EXPERT_TRICKS.values()]
    assert len(hostile) >= 2
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in hostile)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
