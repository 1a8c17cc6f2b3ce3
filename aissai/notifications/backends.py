"""Embedded-mode mail backend: keep each mail for the dev mailbox page and print it."""

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend


class DevMailboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from .models import DevMailboxMessage

        ConsoleBackend(fail_silently=True).send_messages(email_messages)
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []):
                if mimetype == "text/html":
                    html = content
            DevMailboxMessage.objects.create(
                message_id=message.extra_headers.get("Message-ID", ""),
                from_email=message.from_email,
                to=", ".join(message.to),
                subject=message.subject,
                body_text=message.body,
                body_html=html,
            )
        return len(email_messages)
