"""French puts a non-breaking space before a colon ("Référence :"): a colon written in the
template after a translated label or a variable is the English colon in every language.
The colon belongs in the msgid ("Reference:", "%(acronym)s: %(title)s"), so the French
catalogue can space it."""

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings

from aissai.notifications.rendering import render_mail

TEMPLATES = Path(settings.BASE_DIR) / "templates"
LOCAL_TIME_JS = Path(settings.BASE_DIR) / "static" / "js" / "local_time.js"
NBSP = "\u00a0"

# TODO(lead): empty this list once the owners of these pages have moved the colons into
# their msgids. Each entry is a path relative to templates/ and the number of hits left.
ALLOWED: dict[str, int] = {}

# The body of a {% blocktranslate %} is the msgid itself: a colon in there is translated.
BLOCKTRANSLATE = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.DOTALL
)
# The end of a tag or a variable (or a translated block), maybe closing inline elements,
# then a colon that ends a label: followed by a space, a tag or the end of the line.
COLON_AFTER_LABEL = re.compile(r"(?:\}\}|%\}|\x00)(?:\s*</[a-z]+>)*[ \t]*:(?=[ \t<]|$)", re.M)


def colons_after_labels(source: str) -> list[str]:
    text = BLOCKTRANSLATE.sub("\x00", source)
    return [text[max(0, m.start() - 60) : m.end()] for m in COLON_AFTER_LABEL.finditer(text)]


def test_the_check_finds_a_colon_after_a_translated_label():
    assert colons_after_labels('<li>{% translate "Reference" %}: {{ reference }}</li>')
    assert colons_after_labels('<dt>{% translate "Status" %}:</dt>')
    assert colons_after_labels('{% translate "Version" %}:\n')
    assert colons_after_labels("<b>{% translate 'Event' %}</b>: x")
    assert colons_after_labels("{% blocktranslate %}Line {{ n }}{% endblocktranslate %}: x")
    assert colons_after_labels("{{ document.kind }}: {{ document.name }}")


def test_the_check_accepts_colons_inside_msgids_and_values():
    assert not colons_after_labels('{% translate "Reference:" %} {{ reference }}')
    assert not colons_after_labels(
        "{% blocktranslate with a=x b=y %}{{ a }}: {{ b }}{% endblocktranslate %}"
    )
    assert not colons_after_labels(
        "{% blocktranslate trimmed with a=x %}\n  {{ a }}: done\n{% endblocktranslate %}"
    )
    assert not colons_after_labels("{{ moment|date:'O'|slice:':3' }}:{{ moment|date:'O' }}")


def test_no_template_writes_a_colon_after_a_translated_label():
    found = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        hits = colons_after_labels(path.read_text(encoding="utf-8"))
        if hits:
            found[path.relative_to(TEMPLATES).as_posix()] = hits
    unexpected = {name: hits for name, hits in found.items() if len(hits) > ALLOWED.get(name, 0)}
    assert unexpected == {}
    fixed = sorted(name for name in ALLOWED if len(found.get(name, [])) < ALLOWED[name])
    assert fixed == [], "fixed: lower or remove these entries of ALLOWED"


def test_local_time_script_takes_its_colon_from_the_translated_label():
    script = LOCAL_TIME_JS.read_text(encoding="utf-8")
    assert '"): "' not in script
    assert "{zone}" in script


def _declined_invitation() -> dict:
    return {
        "expert": SimpleNamespace(
            full_name="Ada Lovelace", email="ada@example.org", institution="Analytical Engines"
        ),
        "call": SimpleNamespace(title="AISSAI"),
        "reason": "Too busy",
        "suggested_colleague": "Charles Babbage",
        "pool_url": "https://calls.example.org/pool/",
    }


def test_mail_labels_take_a_non_breaking_space_before_the_colon_in_french():
    mail = render_mail(event="invitation_declined", language="fr", context=_declined_invitation())
    for body in (mail.body_text, mail.body_html):
        assert f"Motif{NBSP}: Too busy" in body
        assert f"Collègue suggéré{NBSP}: Charles Babbage" in body
    without_urls = re.sub(r"\S+://\S+", "", mail.body_text)
    assert not re.search(r"[\w)»] ?:", without_urls)


def test_mail_labels_keep_the_english_colon_in_english():
    mail = render_mail(event="invitation_declined", language="en", context=_declined_invitation())
    assert "Reason: Too busy" in mail.body_text
    assert "Suggested colleague: Charles Babbage" in mail.body_text


def _receipt() -> dict:
    return {
        "application": SimpleNamespace(pk=7, title="Deep soils", call=SimpleNamespace(title="C")),
        "reference": "AISSAI-2026-007",
        "submitted_at": datetime(2026, 3, 2, 11, 30, tzinfo=UTC),
        "version": 2,
        "documents": [
            SimpleNamespace(
                required=SimpleNamespace(name="Projet"),
                kind="project",
                name="project.pdf",
                size=2048,
                sha256="ab" * 32,
            )
        ],
    }


def test_submission_receipt_spaces_every_label_colon_in_french():
    mail = render_mail(event="submission_receipt", language="fr", context=_receipt())
    for body in (mail.body_text, mail.body_html):
        assert f"Référence{NBSP}: " in body
        at = f"2 mars 2026 à 12{NBSP}h{NBSP}30{NBSP}min{NBSP}00{NBSP}s"
        assert f"Date de dépôt{NBSP}: {at} (heure de Paris)" in body
        assert f"Version{NBSP}: 2" in body
        assert f"Projet{NBSP}: project.pdf (2{NBSP}Ko)" in body
    assert f"SHA-256{NBSP}: {'ab' * 32}" in mail.body_text
    without_urls = re.sub(r"\S+://\S+", "", mail.body_text)
    assert not re.search(r"[\w)»] ?:(?! ?\d\d)", without_urls)  # a time "12:30" is fine


def test_submission_receipt_in_english_keeps_the_english_colon():
    mail = render_mail(event="submission_receipt", language="en", context=_receipt())
    assert "Reference: AISSAI-2026-007" in mail.body_text
    assert "Version: 2" in mail.body_text
    assert "Submitted on: 2 March 2026, 12:30:00 (Paris time)" in mail.body_text
    assert "Projet: project.pdf (2\xa0KB)" in mail.body_text
