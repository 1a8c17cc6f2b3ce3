"""Small helpers for the account tests: links in outbox mails, messages, HTML structure."""

import re
from html.parser import HTMLParser

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from aissai.notifications.models import OutboxMessage
from aissai.notifications.services import build_email


def delivered(message: OutboxMessage) -> EmailMultiAlternatives:
    """The mail as its recipient gets it: the one sent, else the one delivery would send
    now (a link that grants access is only ever made there, never stored)."""
    for sent in mail.outbox:
        if sent.extra_headers.get("Message-ID") == message.message_id:
            return sent
    return build_email(message)


def link_in(message: OutboxMessage, path_prefix: str) -> str:
    """The path of the first link starting with ``path_prefix`` in the text of the mail
    its recipient gets; the stored row holds no such link."""
    sent = delivered(message)
    pattern = re.escape(settings.SITE_URL) + r"(" + re.escape(path_prefix) + r"\S+)"
    match = re.search(pattern, sent.body)
    assert match, f"no {path_prefix} link in:\n{sent.body}"
    html = next(content for content, mimetype in sent.alternatives if mimetype == "text/html")
    assert match.group(0) in html
    assert match.group(1) not in message.body_text + message.body_html
    return match.group(1)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def without_csrf(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html.decode())


class ElementCollector(HTMLParser):
    """Every start tag with its attributes, and the ids of elements by class."""

    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: bytes) -> list[tuple[str, dict[str, str]]]:
    parser = ElementCollector()
    parser.feed(html.decode())
    return parser.elements


def html_lang(response) -> str:
    match = re.search(rb'<html lang="([a-z-]+)"', response.content)
    assert match, "no <html lang> attribute"
    return match.group(1).decode()
