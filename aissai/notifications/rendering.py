"""Render a notification from ``templates/notifications/<event>/`` in one language.

Each event folder holds ``subject.txt`` and ``body.txt`` (extending
``notifications/base_email.txt``) and, optionally, ``body.html`` (extending
``notifications/base_email.html``). Without ``body.html`` the HTML part is the text
part in the shared HTML layout. Text parts are rendered without HTML escaping.
"""

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.template import Engine, TemplateDoesNotExist, engines
from django.template.backends.django import DjangoTemplates
from django.utils import translation

TEXT_AS_HTML_TEMPLATE = "notifications/text_as_html.html"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body_text: str
    body_html: str


@cache
def text_engine() -> DjangoTemplates:
    """The project's template folders, with autoescaping off: for subjects and text bodies."""
    html = engines["django"].engine
    return DjangoTemplates(
        {
            "NAME": "notifications_text",
            "DIRS": list(html.dirs),
            "APP_DIRS": html.app_dirs,
            "OPTIONS": {
                "autoescape": False,
                "debug": html.debug,
                "builtins": html.builtins[len(Engine.default_builtins) :],
            },
        }
    )


def tidy_text(text: str) -> str:
    """Strip trailing spaces and runs of blank lines that template tags leave behind.

    The signature separator ``-- `` keeps its space (RFC 3676)."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    lines = ["-- " if line == "--" else line for line in lines]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def base_context(*, event: str, context: dict[str, Any]) -> dict[str, Any]:
    return {
        "site_name": "AISSAI Calls",
        "site_url": settings.SITE_URL,
        "team_email": settings.PROGRAMME_TEAM_EMAIL,
        "event": event,
        "recipient_name": "",
        **context,
    }


def render_mail(*, event: str, language: str, context: dict[str, Any]) -> RenderedMail:
    """Render subject, text and HTML parts of ``event`` inside ``translation.override``."""
    base = f"notifications/{event}"
    ctx = base_context(event=event, context=context)
    with translation.override(language):
        subject = " ".join(text_engine().get_template(f"{base}/subject.txt").render(ctx).split())
        body_text = tidy_text(text_engine().get_template(f"{base}/body.txt").render(ctx))
        try:
            html_template = engines["django"].get_template(f"{base}/body.html")
        except TemplateDoesNotExist:
            html_template = engines["django"].get_template(TEXT_AS_HTML_TEMPLATE)
        body_html = html_template.render({**ctx, "subject": subject, "body_text": body_text})
    return RenderedMail(subject=subject, body_text=body_text, body_html=body_html)


def render_text_as_html(*, subject: str, body_text: str, language: str) -> str:
    """The HTML part for a text written by hand (a held mail that staff edited)."""
    ctx = base_context(event="", context={"subject": subject, "body_text": body_text})
    with translation.override(language):
        return engines["django"].get_template(TEXT_AS_HTML_TEMPLATE).render(ctx)
