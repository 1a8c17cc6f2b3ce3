"""queue_mail: one row in the caller's transaction, rendered in the recipient's language."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from aissai.notifications.models import DevMailboxMessage, OutboxMessage, OutboxStatus
from aissai.notifications.services import queue_mail
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


def queue_test_mail(**kwargs) -> OutboxMessage:
    return queue_mail(
        **{"event": "test", "to_email": "ada@example.org", "to_name": "Ada Lovelace", **kwargs}
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_queue_mail_renders_in_the_recipients_language(
    language, django_capture_on_commit_callbacks
):
    user = UserFactory(email="ada@example.org", full_name="Ada Lovelace", language=language)

    with django_capture_on_commit_callbacks(execute=True):
        row = queue_test_mail(recipient=user, related=user)

    row.refresh_from_db()
    assert (row.status, row.language, row.attempts) == (OutboxStatus.SENT, language, 1)
    assert row.related_type == ContentType.objects.get_for_model(user)
    assert row.related_id == str(user.pk)
    with translation.override(language):  # whatever the translation says, in that language
        subject = gettext("Test message from %(site_name)s") % {"site_name": "AISSAI Calls"}
        greeting = gettext("Dear %(recipient_name)s,") % {"recipient_name": "Ada Lovelace"}
    assert row.subject == subject
    assert row.body_text.startswith(f"{greeting}\n\n")
    assert "\n-- \nAISSAI Calls · " in row.body_text
    assert f'<html lang="{language}">' in row.body_html
    [sent] = mail.outbox
    assert sent.extra_headers["Message-ID"] == row.message_id
    assert sent.extra_headers["Content-Language"] == language
    assert sent.to == ["Ada Lovelace <ada@example.org>"]
    assert sent.alternatives[0].mimetype == "text/html"


def test_explicit_language_wins_and_unknown_language_falls_back():
    user = UserFactory(language="fr")

    assert queue_test_mail(recipient=user, language="en").language == "en"
    assert queue_test_mail(recipient=user).language == "fr"
    assert queue_test_mail(language="de").language == "en"
    assert queue_test_mail().language == "en"


def test_text_part_is_not_html_escaped_and_html_part_is():
    row = queue_test_mail(to_name="Seán O'Brien", context={"note": "R&D <budget>"})

    assert "Dear Seán O'Brien," in row.body_text
    assert "R&D <budget>" in row.body_text
    assert "Seán O&#x27;Brien" in row.body_html
    assert "R&amp;D &lt;budget&gt;" in row.body_html


def test_event_without_html_template_gets_its_text_in_the_shared_layout(settings, tmp_path):
    folder = tmp_path / "notifications" / "plain_only"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("Plain & simple")
    (folder / "body.txt").write_text("See https://example.org/a?b=1&c=2\n\nBye <3")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    from aissai.notifications.rendering import text_engine

    text_engine.cache_clear()
    try:
        row = queue_mail(event="plain_only", to_email="ada@example.org")
    finally:
        text_engine.cache_clear()

    assert row.subject == "Plain & simple"
    assert row.body_text == "See https://example.org/a?b=1&c=2\n\nBye <3\n"
    assert '<a href="https://example.org/a?b=1&amp;c=2"' in row.body_html
    assert "Bye &lt;3" in row.body_html


def test_mail_is_not_sent_when_the_change_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue_test_mail()
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_nothing_is_sent_before_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = queue_test_mail()

    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.PENDING
    assert mail.outbox == []


def test_held_mail_is_not_queued(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        row = queue_test_mail(held=True)

    assert callbacks == []
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.HELD, 0)
    assert mail.outbox == []


def test_replace_key_discards_the_older_held_mail_only():
    older = queue_test_mail(held=True, replace_key="decision:7")
    other_key = queue_test_mail(held=True, replace_key="decision:8")
    already_sent = queue_test_mail(replace_key="decision:7")
    OutboxMessage.objects.filter(pk=already_sent.pk).update(status=OutboxStatus.SENT)

    newer = queue_test_mail(held=True, replace_key="decision:7")

    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert statuses == {
        older.pk: OutboxStatus.DISCARDED,
        other_key.pk: OutboxStatus.HELD,
        already_sent.pk: OutboxStatus.SENT,
        newer.pk: OutboxStatus.HELD,
    }


def test_each_mail_has_its_own_stable_message_id(settings):
    first, second = queue_test_mail(), queue_test_mail()

    assert first.message_id != second.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith(
        f"@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
    )


def test_dev_mailbox_backend_keeps_each_delivered_mail(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "aissai.notifications.backends.DevMailboxBackend"

    with django_capture_on_commit_callbacks(execute=True):
        row = queue_test_mail(to_name="")

    kept = DevMailboxMessage.objects.get()
    assert (kept.message_id, kept.to, kept.subject) == (row.message_id, row.to_email, row.subject)
    assert kept.body_text == row.body_text and kept.body_html == row.body_html


def test_dev_mailbox_shows_accented_names_decoded_and_prints_one_line_per_mail(
    settings, django_capture_on_commit_callbacks, capsys
):
    """The demo prints hundreds of mails: one line each (recipient, subject, where to read
    it), never the whole message, and never an encoded name such as =?utf-8?q?…?=."""
    settings.EMAIL_BACKEND = "aissai.notifications.backends.DevMailboxBackend"
    settings.SITE_URL = "http://127.0.0.1:8101"

    with django_capture_on_commit_callbacks(execute=True):
        row = queue_test_mail(to_name="David André", to_email="david@example.org")

    kept = DevMailboxMessage.objects.get()
    assert kept.to == "David André <david@example.org>"
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        f"mail to David André <david@example.org>: {row.subject}  "
        f"http://127.0.0.1:8101/mail/dev/mailbox/{kept.pk}/"
    ]
