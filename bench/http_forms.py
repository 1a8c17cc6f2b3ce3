"""Read an HTML form as a browser would submit it (standard library only): the load
script re-posts the applicant's draft form exactly as the page shows it."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, marker: str):
        super().__init__(convert_charrefs=True)
        self.marker = marker  # a field name the wanted form contains
        self.forms: list[list[tuple[str, str]]] = []
        self._current: list[tuple[str, str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._current = []
        elif self._current is None:
            return
        elif tag == "input" and a.get("name") and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._current.append((a["name"], a.get("value", default) or default))
        elif tag == "textarea" and a.get("name"):
            self._textarea = (a["name"], [])
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._current.append((self._select, a.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._current is not None:
            name, parts = self._textarea
            text = "".join(parts)
            self._current.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None


def form_fields(html: str, marker: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of the first form holding a field named ``marker``."""
    parser = _FormParser(marker)
    parser.feed(html)
    for fields in parser.forms:
        if any(name == marker for name, _value in fields):
            return fields
    raise LookupError(f"no form with a field {marker!r}")


def csrf_token(html: str) -> str:
    """The CSRF token of the first form of the page."""
    for fields in _parse_all(html):
        for name, value in fields:
            if name == "csrfmiddlewaretoken":
                return value
    raise LookupError("no CSRF token on the page")


def _parse_all(html: str) -> list[list[tuple[str, str]]]:
    parser = _FormParser("")
    parser.feed(html)
    return parser.forms
