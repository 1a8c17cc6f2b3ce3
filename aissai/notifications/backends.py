"""Embedded-mode mail backend: keep each mail for the dev mailbox page and print one line
per mail (recipient, subject, where to read it), so the demo's logins stay on screen."""

import sys
from email.header import decode_header, make_header

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse


def readable_addresses(addresses) -> str:
    """``=?utf-8?q?David_Andr=C3=A9?= <d@x.org>`` → ``David André <d@x.org>``."""
    return ", ".join(str(make_header(decode_header(address))) for address in addresses)


class DevMailboxBackend(BaseEmailBackend):
    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, email_messages):
        from .models import DevMailboxMessage

        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = content
            kept = DevMailboxMessage.objects.create(
                message_id=message.extra_headers.get("Message-ID", ""),
                from_email=message.from_email,
                to=readable_addresses(message.to),
                subject=message.subject,
                body_text=message.body,
                body_html=html,
            )
            link = settings.SITE_URL + reverse("notifications:dev_mailbox_detail", args=[kept.pk])
            self.stream.write(f"mail to {kept.to}: {kept.subject}  {link}\n")
        self.stream.flush()
        return len(email_messages)
