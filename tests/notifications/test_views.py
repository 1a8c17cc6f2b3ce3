"""Staff outbox pages: who may reach them, what they show, what their actions do."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aissai.audit.models import AuditEvent
from aissai.notifications.models import MailEvent, OutboxMessage, OutboxStatus
from aissai.security.reauth import reauth_url
from tests.factories.accounts import PASSWORD, StaffFactory, SuperuserFactory, UserFactory
from tests.factories.notifications import OutboxMessageFactory

pytestmark = pytest.mark.django_db

# (URL name, needs a message id, method)
STAFF_VIEWS = [
    ("notifications:outbox", False, "get"),
    ("notifications:outbox_detail", True, "get"),
    ("notifications:outbox_html", True, "get"),
    ("notifications:outbox_edit", True, "get"),
    ("notifications:outbox_edit", True, "post"),
    ("notifications:outbox_release", True, "post"),
    ("notifications:outbox_discard", True, "post"),
    ("notifications:outbox_retry", True, "post"),
    ("notifications:outbox_release_bulk", False, "get"),
    ("notifications:outbox_release_bulk", False, "post"),
]
POST_DATA = {"subject": "Changed", "body_text": "Changed", "scope": "filter", "up_to": "999999"}


@pytest.fixture
def staff(client):
    user = StaffFactory()
    client.force_login(user)
    return user


def url_of(name: str, with_id: bool, row: OutboxMessage) -> str:
    return reverse(name, args=[row.pk] if with_id else [])


def call(client, method: str, url: str):
    return client.post(url, POST_DATA) if method == "post" else client.get(url)


@pytest.mark.parametrize(("name", "with_id", "method"), STAFF_VIEWS)
def test_anonymous_is_sent_to_log_in(client, name, with_id, method):
    row = OutboxMessageFactory(held=True)
    url = url_of(name, with_id, row)

    response = call(client, method, url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    row.refresh_from_db()
    assert (row.status, row.subject) == (OutboxStatus.HELD, row.subject)


@pytest.mark.parametrize("role", ["applicant", "admin_only", "superuser"])
@pytest.mark.parametrize(("name", "with_id", "method"), STAFF_VIEWS)
def test_anyone_but_programme_staff_gets_404(client, role, name, with_id, method):
    factory = {
        "applicant": UserFactory,
        "admin_only": lambda: UserFactory(is_staff=True),
        "superuser": SuperuserFactory,
    }[role]
    client.force_login(factory())
    row = OutboxMessageFactory(held=True, subject="Original")

    response = call(client, method, url_of(name, with_id, row))

    assert response.status_code == 404
    row.refresh_from_db()
    assert (row.status, row.subject) == (OutboxStatus.HELD, "Original")
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "notifications:outbox_release",
        "notifications:outbox_discard",
        "notifications:outbox_retry",
    ],
)
def test_actions_refuse_get(client, staff, name):
    row = OutboxMessageFactory(held=True)

    assert client.get(reverse(name, args=[row.pk])).status_code == 405


@pytest.mark.parametrize(("name", "with_id", "method"), STAFF_VIEWS)
def test_outbox_asks_staff_for_the_password_again_after_an_old_login(
    client, staff, stale_login, name, with_id, method
):
    row = OutboxMessageFactory(held=True, subject="Original")
    stale_login(client)
    url = url_of(name, with_id, row)

    response = (
        client.post(url, POST_DATA, HTTP_REFERER="http://testserver/mail/outbox/")
        if (method == "post")
        else client.get(url)
    )

    if method == "get":
        assert (response.status_code, response["Location"]) == (302, reauth_url(url))
    else:
        assert response.status_code == 403
        assert "Confirm your password" in response.content.decode()
    assert "Original" not in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.subject) == (OutboxStatus.HELD, "Original")
    assert not AuditEvent.objects.filter(verb__startswith="mail.").exists()


def test_outbox_opens_once_the_password_is_typed_again(client, staff, stale_login):
    OutboxMessageFactory(held=True, subject="Decision for A")
    stale_login(client)
    outbox = reverse("notifications:outbox")

    done = client.post(reverse("accounts:reauth"), {"password": PASSWORD, "next": outbox})
    response = client.get(outbox)

    assert done["Location"] == outbox
    assert response.status_code == 200
    assert "Decision for A" in response.content.decode()


@pytest.mark.parametrize("role", ["applicant", "superuser"])
def test_who_may_not_read_the_outbox_gets_404_even_with_an_old_login(client, stale_login, role):
    client.force_login(UserFactory() if role == "applicant" else SuperuserFactory())
    stale_login(client)

    assert client.get(reverse("notifications:outbox")).status_code == 404


def test_unknown_message_is_404_for_staff(client, staff):
    assert client.get(reverse("notifications:outbox_detail", args=[424242])).status_code == 404


def test_outbox_lists_mails_with_counts_per_status(client, staff):
    held = OutboxMessageFactory(held=True, subject="Decision for A")
    OutboxMessageFactory(failed=True, subject="Receipt for B")
    OutboxMessageFactory(sent=True, subject="Receipt for C")

    response = client.get(reverse("notifications:outbox"))

    assert response.status_code == 200
    assert [row.subject for row in response.context["page"]] == [
        "Receipt for C",
        "Receipt for B",
        "Decision for A",
    ]
    tabs = {value: count for value, _label, count in response.context["status_tabs"]}
    assert tabs == {"held": 1, "pending": 0, "sending": 0, "sent": 1, "failed": 1, "discarded": 0}
    assert response.context["held_in_filter"] == 1
    content = response.content.decode()
    assert f'name="ids" value="{held.pk}"' in content
    assert content.count('name="ids"') == 1  # only held mails can be ticked
    assert "ConnectionRefusedError" in content
    assert f'href="{reverse("notifications:outbox_release_bulk")}' in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "failed"}, ["b@example.org"]),
        ({"event": "call_receipt"}, ["c@example.org"]),
        ({"q": "A@EXAMPLE"}, ["a@example.org"]),
        ({"q": "Curie"}, ["c@example.org"]),
        ({"status": "held", "event": "call_receipt"}, []),
        ({"event": "no_such_event"}, ["c@example.org", "b@example.org", "a@example.org"]),
    ],
)
def test_outbox_filters(client, staff, query, expected):
    OutboxMessageFactory(held=True, to_email="a@example.org")
    OutboxMessageFactory(failed=True, to_email="b@example.org")
    OutboxMessageFactory(event="call_receipt", to_email="c@example.org", to_name="Marie Curie")

    response = client.get(reverse("notifications:outbox"), query)

    assert [row.to_email for row in response.context["page"]] == expected


def test_outbox_paginates_and_keeps_the_filter_in_page_links(client, staff):
    OutboxMessageFactory.create_batch(51, event="call_receipt")

    first = client.get(reverse("notifications:outbox"), {"event": "call_receipt"})
    second = client.get(reverse("notifications:outbox"), {"event": "call_receipt", "page": 2})

    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 1
    assert "?event=call_receipt&amp;page=2" in first.content.decode()


def list_queries(client, url: str, query: dict | None = None) -> tuple[int, int]:
    """(queries, rows shown) for one request of a list page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query or {})
    assert response.status_code == 200
    return len(queries), len(response.context["page"])


def test_outbox_list_query_count_is_the_same_for_1_and_3_mails(client, staff):
    url = reverse("notifications:outbox")
    OutboxMessageFactory(held=True)
    OutboxMessageFactory(failed=True)
    one = list_queries(client, url, {"q": "example"})
    OutboxMessageFactory.create_batch(2, held=True)
    OutboxMessageFactory.create_batch(2, failed=True)
    three = list_queries(client, url, {"q": "example"})

    assert (one[1], three[1]) == (2, 6)
    assert one[0] == three[0]


def test_detail_shows_the_text_and_frames_the_html(client, staff):
    row = OutboxMessageFactory(held=True, body_text="Dear <Ada>,\n\nYour result.\n")

    response = client.get(reverse("notifications:outbox_detail", args=[row.pk]))

    content = response.content.decode()
    assert "Dear &lt;Ada&gt;," in content
    html_url = reverse("notifications:outbox_html", args=[row.pk])
    assert f'<iframe sandbox src="{html_url}"' in content
    assert reverse("notifications:outbox_release", args=[row.pk]) in content
    assert reverse("notifications:outbox_edit", args=[row.pk]) in content
    assert reverse("notifications:outbox_retry", args=[row.pk]) not in content


def test_html_part_is_served_sandboxed(client, staff):
    row = OutboxMessageFactory(body_html="<p>Hi</p><script>alert(1)</script>")

    response = client.get(reverse("notifications:outbox_html", args=[row.pk]))

    assert response.status_code == 200
    assert response.content == b"<p>Hi</p><script>alert(1)</script>"
    csp = response["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp
    assert "script-src" not in csp and "frame-ancestors 'self'" in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "no-store" in response["Cache-Control"]


def test_html_view_of_a_text_only_mail_shows_escaped_text(client, staff):
    row = OutboxMessageFactory(body_html="", body_text="<b>not bold</b>")

    response = client.get(reverse("notifications:outbox_html", args=[row.pk]))

    assert response.content == b"<pre>&lt;b&gt;not bold&lt;/b&gt;</pre>"


def test_edit_form_saves_a_held_mail(client, staff):
    row = OutboxMessageFactory(held=True, subject="Old")
    url = reverse("notifications:outbox_edit", args=[row.pk])

    form_page = client.get(url)
    response = client.post(url, {"subject": "New subject", "body_text": "New body"})

    assert form_page.status_code == 200
    assert form_page.context["form"].initial["subject"] == "Old"
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:outbox_detail", args=[row.pk])
    row.refresh_from_db()
    assert (row.status, row.subject, row.body_text) == (
        OutboxStatus.HELD,
        "New subject",
        "New body\n",
    )
    assert AuditEvent.objects.for_object(row).get().actor == staff


def test_edit_form_shows_errors_and_changes_nothing(client, staff):
    row = OutboxMessageFactory(held=True, subject="Old")

    response = client.post(
        reverse("notifications:outbox_edit", args=[row.pk]), {"subject": "", "body_text": "x"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"subject": ["This field is required."]}
    row.refresh_from_db()
    assert row.subject == "Old"


def test_edit_of_a_sent_mail_redirects_without_change(client, staff):
    row = OutboxMessageFactory(sent=True, subject="Old")

    response = client.post(
        reverse("notifications:outbox_edit", args=[row.pk]), {"subject": "New", "body_text": "x"}
    )

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.subject == "Old"


def test_release_button_sends_the_mail(client, staff, django_capture_on_commit_callbacks):
    row = OutboxMessageFactory(held=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:outbox_release", args=[row.pk]))

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [row.message_id]
    assert AuditEvent.objects.for_object(row).get().verb == "mail.released"


def test_release_of_a_mail_already_released_changes_nothing(client, staff):
    row = OutboxMessageFactory(sent=True)

    response = client.post(reverse("notifications:outbox_release", args=[row.pk]), follow=True)

    assert "not held any more" in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_discard_button(client, staff):
    row = OutboxMessageFactory(held=True)

    client.post(reverse("notifications:outbox_discard", args=[row.pk]))

    row.refresh_from_db()
    assert row.status == OutboxStatus.DISCARDED
    assert AuditEvent.objects.for_object(row).get().verb == "mail.discarded"


def test_retry_button_sends_a_failed_mail(client, staff, django_capture_on_commit_callbacks):
    row = OutboxMessageFactory(failed=True)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("notifications:outbox_retry", args=[row.pk]))

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert len(mail.outbox) == 1


def test_bulk_release_of_selected_mails(client, staff, django_capture_on_commit_callbacks):
    chosen = OutboxMessageFactory.create_batch(2, held=True)
    not_chosen = OutboxMessageFactory(held=True)
    sent = OutboxMessageFactory(sent=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("notifications:outbox_release_bulk"),
            {"scope": "selected", "ids": [chosen[0].pk, chosen[1].pk, sent.pk], "event": "test"},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:outbox") + "?event=test"
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert statuses == {
        chosen[0].pk: OutboxStatus.SENT,
        chosen[1].pk: OutboxStatus.SENT,
        not_chosen.pk: OutboxStatus.HELD,
        sent.pk: OutboxStatus.SENT,
    }
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(verb="mail.released").count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {"scope": "selected"},
        {"scope": "selected", "ids": [999999]},
        {"scope": "filter"},
        {"scope": "all", "up_to": 999999},
    ],
)
def test_bulk_release_with_a_bad_selection_releases_nothing(client, staff, data):
    row = OutboxMessageFactory(held=True)

    response = client.post(reverse("notifications:outbox_release_bulk"), data)

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == OutboxStatus.HELD


def test_bulk_release_of_a_filter_confirms_then_releases_what_was_shown(
    client, staff, django_capture_on_commit_callbacks
):
    shown = OutboxMessageFactory.create_batch(2, held=True, event="decision")
    other_event = OutboxMessageFactory(held=True, event="receipt")
    url = reverse("notifications:outbox_release_bulk")

    confirm = client.get(url, {"event": "decision"})
    late = OutboxMessageFactory(held=True, event="decision")  # queued after staff looked
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url, {"scope": "filter", "event": "decision", "up_to": confirm.context["up_to"]}
        )

    assert confirm.status_code == 200
    assert confirm.context["total"] == 2
    assert {row.pk for row in confirm.context["rows"]} == {m.pk for m in shown}
    assert done.status_code == 302
    assert done["Location"] == reverse("notifications:outbox") + "?event=decision"
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert statuses == {
        shown[0].pk: OutboxStatus.SENT,
        shown[1].pk: OutboxStatus.SENT,
        other_event.pk: OutboxStatus.HELD,
        late.pk: OutboxStatus.HELD,
    }


def test_outbox_shows_events_by_their_label_in_the_reader_s_language(client, staff):
    OutboxMessageFactory(event="eligibility_outcome", to_email="a@example.org")
    OutboxMessageFactory(event="review_assignment", to_email="b@example.org")

    english = client.get(reverse("notifications:outbox")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    staff.language = "fr"
    staff.save(update_fields=["language"])
    french = client.get(reverse("notifications:outbox")).content.decode()

    assert '<option value="eligibility_outcome">Eligibility outcome</option>' in english
    assert "<td>Review assignment</td>" in english
    eligibility_fr = "Résultat de l’examen d’éligibilité"
    assert f'<option value="eligibility_outcome">{eligibility_fr}</option>' in french
    assert "<td>Affectation d’une évaluation</td>" in french
    for page in (english, french):
        assert ">eligibility_outcome<" not in page and ">review_assignment<" not in page


def test_every_mail_event_has_a_label():
    folders = {
        path.name
        for path in (Path(settings.BASE_DIR) / "templates" / "notifications").iterdir()
        if path.is_dir()
    }
    assert folders == set(MailEvent.values)
    assert MailEvent.label_of("no_such_event") == "no_such_event"


def test_bulk_release_confirmation_names_the_event_by_its_label(client, staff):
    OutboxMessageFactory(held=True, event="funding_decision")

    page = client.get(reverse("notifications:outbox_release_bulk"), {"event": "funding_decision"})

    assert "Event: Funding decision" in page.content.decode()
