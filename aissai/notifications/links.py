"""Links that grant access (a password reset, an address verification, a personal
invitation…): made at delivery, never stored, never shown to anyone but the recipient.

A service puts ``secret_link(kind, ref)`` in a mail's context instead of a URL. The
outbox row then stores, in ``links``, only the kind and a non-secret reference (an id),
and its bodies hold a placeholder where the URL goes. Every page that shows a mail (the
outbox pages, the admin, exports, personal-data exports) shows the placeholder as
"link withheld"; only the delivery path (``render_links``) asks the kind's resolver for
the URL and puts it into the message handed to the mail server. A resend or a retry
makes the link again, so it still works.

Each app that sends such a link registers its kind's resolver at startup (``AppConfig.
ready``): a lower layer never imports the upper ones. A mail whose context holds a link
to a page that takes a token (``TOKEN_KWARGS`` in its route) as a plain string (under a
key ending in ``url``, ``path`` or ``link``) is refused, so a future token kind cannot
be stored by mistake.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from django.utils.html import escape
from django.utils.translation import gettext as _

# Route parameters that carry a secret: a URL resolving to a view that takes one of
# these is a secret link and may only reach a mail through ``secret_link``.
TOKEN_KWARGS = frozenset({"token", "uidb64"})

# Context keys that hold a link (checked for plain token URLs).
LINK_KEY_SUFFIXES = ("url", "path", "link")

PLACEHOLDER = "[[secret-link:{index}]]"
PLACEHOLDER_RE = re.compile(r"\[\[secret-link:(\d{1,3})\]\]")
URL_RE = re.compile(r"https?://[^\s<>\"']+|/[^\s<>\"']*")

Resolver = Callable[[str], str | None]
_resolvers: dict[str, Resolver] = {}


class SecretLinkError(Exception):
    """The link of a mail cannot be made (unknown kind, or its object is gone)."""


@dataclass(frozen=True)
class SecretLink:
    kind: str
    ref: str


def secret_link(kind: str, ref: Any) -> SecretLink:
    """A link of ``kind`` to the object ``ref`` (an id), made only when the mail is sent."""
    if kind not in _resolvers:
        raise SecretLinkError(f"No resolver registered for secret links of kind {kind!r}.")
    return SecretLink(kind=kind, ref=str(ref))


def register_link(kind: str, resolver: Resolver) -> None:
    """``resolver(ref)`` returns the absolute URL, or None when its object is gone."""
    _resolvers[kind] = resolver


def extract_links(context: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The context with each ``SecretLink`` replaced by its placeholder, and the links."""
    links: list[dict[str, str]] = []
    rendered = dict(context)
    for key, value in context.items():
        if isinstance(value, SecretLink):
            rendered[key] = PLACEHOLDER.format(index=len(links))
            links.append({"kind": value.kind, "ref": value.ref})
        elif isinstance(value, str) and key.endswith(LINK_KEY_SUFFIXES):
            refuse_plain_token_url(value)
    return rendered, links


def refuse_plain_token_url(value: str) -> None:
    """Raise when ``value`` holds a URL of a page that takes a token."""
    for candidate in URL_RE.findall(value):
        if is_token_url(candidate):
            raise SecretLinkError(
                f"A link to {urlsplit(candidate).path} grants access: pass it as "
                "secret_link(), never as text."
            )


def is_token_url(candidate: str) -> bool:
    try:
        match = resolve(urlsplit(candidate).path)
    except Resolver404:
        return False
    return bool(set(match.kwargs) & TOKEN_KWARGS)


# Index of no link: the placeholder shows as withheld, to staff and at delivery alike.
NO_LINK = PLACEHOLDER.format(index=999)


def strip_token_urls(text: str) -> str:
    """``text`` with every link to a page that takes a token replaced by a withheld
    placeholder (for rows written before links were made at delivery)."""
    return URL_RE.sub(lambda m: NO_LINK if is_token_url(m.group(0)) else m.group(0), text)


def withheld_text() -> str:
    return _("[link withheld: only the recipient receives it]")


def withhold(text: str) -> str:
    """``text`` as a page may show it: every secret link replaced by a notice."""
    return PLACEHOLDER_RE.sub(withheld_text(), text)


def withhold_html(html: str) -> str:
    return PLACEHOLDER_RE.sub(escape(withheld_text()), html)


def resolve_links(links: list[dict[str, str]]) -> list[str]:
    """The URLs of a mail's links, made now. Raises ``SecretLinkError`` if one cannot be."""
    urls = []
    for link in links or []:
        resolver = _resolvers.get(link.get("kind", ""))
        if resolver is None:
            raise SecretLinkError(f"No resolver for secret links of kind {link.get('kind')!r}.")
        url = resolver(link.get("ref", ""))
        if not url:
            raise SecretLinkError(
                f"The {link['kind']} link cannot be made: its object no longer exists."
            )
        urls.append(url)
    return urls


def render_links(text: str, urls: list[str], *, html: bool = False) -> str:
    """Put the URLs made at delivery in place of the placeholders (delivery path only)."""

    def put(match: re.Match) -> str:
        index = int(match.group(1))
        if index >= len(urls):
            return escape(withheld_text()) if html else withheld_text()
        return escape(urls[index]) if html else urls[index]

    return PLACEHOLDER_RE.sub(put, text)
