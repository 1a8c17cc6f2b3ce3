"""The French catalogue: complete, no fuzzy entry, placeholders intact, pages in French."""

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories.calls import CallFactory

PO_FILE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

# %(name)s, %s, %d, a doubled %% (template strings), {name} (str.format).
PLACEHOLDER = re.compile(r"%%|%\([A-Za-z_0-9]+\)[sdfr]|%[sdfr]|\{[A-Za-z_0-9]*\}")
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A French request leaves French active in this thread: later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader: enough for the files makemessages writes (no obsolete entries)."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"line {number}: continuation without a keyword"
            keyword, index = target
            piece = _unquote(line)
            if keyword == "msgstr":
                current.msgstr[index] += piece
            else:
                setattr(current, keyword, (getattr(current, keyword) or "") + piece)
        else:
            keyword, _, rest = line.partition(" ")
            plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if plural:
                target = ("msgstr", int(plural.group(1)))
                current.msgstr[target[1]] = _unquote(rest)
            elif keyword == "msgstr":
                target = ("msgstr", 0)
                current.msgstr[0] = _unquote(rest)
            elif keyword in {"msgctxt", "msgid", "msgid_plural"}:
                target = (keyword, None)
                setattr(current, keyword, _unquote(rest))
            else:
                raise AssertionError(f"line {number}: unexpected {raw!r}")
    return entries


def messages() -> list[Entry]:
    """Every entry except the header."""
    return [entry for entry in parse_po(PO_FILE) if entry.msgid]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_catalogue_is_read_whole():
    entries = messages()
    assert len(entries) > 1000
    assert all(entry.msgstr for entry in entries)
    header = parse_po(PO_FILE)[0]
    assert header.msgid == ""
    assert "Plural-Forms: nplurals=2; plural=(n > 1);" in header.msgstr[0]
    assert "fuzzy" not in header.flags


def test_no_untranslated_or_fuzzy_entry():
    untranslated = [e.label for e in messages() if not all(e.msgstr.values())]
    fuzzy = [e.label for e in messages() if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_msgfmt_counts_everything_translated():
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is needed to compile the translations"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"\d+ translated messages?\.\n", result.stderr), result.stderr


def test_plural_entries_have_both_french_forms():
    plurals = [e for e in messages() if e.msgid_plural is not None]
    assert plurals
    assert [e.label for e in plurals if sorted(e.msgstr) != [0, 1]] == []


def test_placeholders_match_the_english_text():
    wrong = []
    for entry in messages():
        if entry.msgid_plural is None:
            if placeholders(entry.msgstr[0]) != placeholders(entry.msgid):
                wrong.append(entry.label)
            continue
        # The plural form carries exactly the English plural's placeholders. French uses
        # the singular form for 0 and 1, which may leave out a count that the English
        # singular form has no use for, but it never adds an unknown one.
        known = set(placeholders(entry.msgid)) | set(placeholders(entry.msgid_plural))
        plural_ok = placeholders(entry.msgstr[1]) == placeholders(entry.msgid_plural)
        singular_ok = set(placeholders(entry.msgstr[0])) <= known
        if not (plural_ok and singular_ok):
            wrong.append(entry.label)
    assert wrong == []


def test_html_tags_are_kept():
    tag = re.compile(r"</?[a-z]+\b[^>]*>")
    wrong = [
        e.label
        for e in messages()
        if any(sorted(tag.findall(s)) != sorted(tag.findall(e.msgid)) for s in e.msgstr.values())
    ]
    assert wrong == []


def test_french_typography_uses_non_breaking_spaces():
    """A plain space before : ; ! ? » or after « would let the sign wrap to the next line."""
    wrong = [
        e.label for e in messages() for text in e.msgstr.values() if re.search(r" [:;!?»]|« ", text)
    ]
    assert wrong == []
    assert any(NBSP + ":" in text for e in messages() for text in e.msgstr.values())


def _catalogue_is_compiled():
    assert MO_FILE.exists(), "run `make messages` to compile the French catalogue"
    assert MO_FILE.stat().st_mtime >= PO_FILE.stat().st_mtime, (
        "the compiled catalogue is older than django.po: run `make messages`"
    )


def test_gettext_returns_french_with_plurals():
    _catalogue_is_compiled()
    with translation.override("fr"):
        assert translation.gettext("Log in") == "Se connecter"
        assert translation.gettext("Declined by the applicants") == "Désistement des porteurs"
        one = translation.ngettext("%(n)d unit", "%(n)d units", 1) % {"n": 1}
        three = translation.ngettext("%(n)d unit", "%(n)d units", 3) % {"n": 3}
    assert (one, three) == ("1 unité", "3 unités")


@pytest.fixture
def french_client(client):
    _catalogue_is_compiled()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    return client


@pytest.mark.django_db
def test_home_page_in_french(french_client):
    response = french_client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert "Appels à projets de recherche AISSAI" in page
    assert "AISSAI research funding calls" not in page
    assert "Se connecter" in page
    assert "Log in" not in page


@pytest.mark.django_db
def test_login_page_in_french(french_client):
    response = french_client.get(reverse("accounts:login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mot de passe oublié" in page
    assert "Forgotten your password?" not in page
    assert "Adresse électronique" in page
    assert "E-mail address" not in page


@pytest.mark.django_db
def test_call_list_in_french(french_client):
    CallFactory(title_en="Open call", title_fr="Appel ouvert")
    response = french_client.get(reverse("calls:call_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Appels à projets" in page
    assert "Calls for projects" not in page
    assert "Appel ouvert" in page
    assert "Open call" not in page
    assert "Date limite de dépôt" in page
    assert "Submission deadline" not in page


@pytest.mark.django_db
def test_call_list_stays_in_english_by_default(client):
    CallFactory(title_en="Open call", title_fr="Appel ouvert")
    page = client.get(reverse("calls:call_list")).content.decode()
    assert "Calls for projects" in page
    assert "Appels à projets" not in page


# --- The catalogue read with the glossary's rules (docs/glossary-fr.md) ------------------

TAG = re.compile(r"<[^>]*>")
# What the glossary says never to write, and the entries where the word means something
# else (msgids matched by the allow-list pattern).
FORBIDDEN: dict[str, tuple[str, str | None]] = {
    "dossier for the application": (
        r"\bdossiers?\b",
        r"^(Decision dossier|%\(count\)d upload\(s\) left in the temporary folder)",
    ),
    "soumettre, soumission": (r"\bsoum(?:ettre|ets|et|is|ise|ises|ission|issions)\b", None),
    "unité porteuse": (r"\bunités? porteuses?\b", None),
    "revue, review": (r"\brevues?\b|\breviews?\b", None),
    "relecteur": (r"\brelect(?:eur|rice)s?\b", None),
    "liste d’attente": (r"\blistes? d’attente\b", None),
    "barre (for the funding line)": (r"\bbarre\b", None),
    "financeur (for the donor)": (r"\bfinanceurs?\b", None),
    "niveau de confiance": (r"\bniveau de confiance\b", None),
    "QR code (French: code QR)": (r"\bQR code\b", None),
    "bourse": (r"\bbourses?\b", None),
    "staff": (r"\bstaff\b", None),
    "exports": (r"\bexports?\b", None),
    "deadline": (r"\bdeadlines?\b", None),
    "coordinateur (alone)": (r"\bcoordinateurs?\b", None),
    "candidat (for the applicants)": (r"\bcandidat(?:e|s|es)?\b", None),
    "Mio, Kio (sizes)": (r"\b\d*(?:Kio|Mio|Gio)\b", None),
    "zone names in dates": (r"Europe/Paris|(?-i:\bCET\b)", None),
}


def french_texts(entry: Entry) -> list[str]:
    """The msgstr texts as a reader sees them: without HTML tags nor placeholders."""
    return [PLACEHOLDER.sub("", TAG.sub("", text)) for text in entry.msgstr.values()]


def catalogue_breaks_the_glossary(entries: list[Entry]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, (pattern, allowed) in FORBIDDEN.items():
        word = re.compile(pattern, re.IGNORECASE)
        hits = [
            e.label
            for e in entries
            if not (allowed and re.search(allowed, e.msgid))
            and any(word.search(text) for text in french_texts(e))
        ]
        if hits:
            found[name] = hits
    return found


def typography_faults(entries: list[Entry]) -> list[str]:
    """A straight apostrophe, or a missing no-break space before ; : ! ? » or after «."""
    no_space_before = re.compile(r"(?<![\u00a0\u202f])[;:!?](?=\s|$|\))|(?<!\u00a0)»")
    faults = []
    for entry in entries:
        for text in french_texts(entry):
            if "'" in text or no_space_before.search(text) or re.search("«(?!\u00a0)", text):
                faults.append(entry.label)
                break
    return faults


def test_the_glossary_checks_find_what_they_look_for():
    def entry(msgid: str, msgstr: str) -> Entry:
        return Entry(line=1, msgid=msgid, msgstr={0: msgstr})

    wrong = [
        entry("Application", "Dossier"),
        entry("Submit", "Soumettre"),
        entry("The funding line", "La barre de financement"),
        entry("Confidence level", "Niveau de confiance"),
        entry("Coordinator", "Coordinateur"),
        entry("Exports", "Exports"),
        entry("Up to 10 MB", "Jusqu’à 10,0 Mio"),
        entry("When", "28 décembre 2026 (Europe/Paris)"),
    ]
    assert set(catalogue_breaks_the_glossary(wrong)) == {
        "dossier for the application",
        "soumettre, soumission",
        "barre (for the funding line)",
        "niveau de confiance",
        "coordinateur (alone)",
        "exports",
        "Mio, Kio (sizes)",
        "zone names in dates",
    }
    assert catalogue_breaks_the_glossary([entry("Decision dossier", "Dossier de décision")]) == {}
    faults = typography_faults(
        [
            entry("It's", "C'est"),
            entry("Status:", "Statut:"),
            entry("Status:", "Statut :"),
            entry("Really?", "Vraiment ?"),
            entry("“x”", "« x»"),
            entry(
                "Fine:",
                f"Bien{NBSP}: <a href='x'>lien</a> « ok »".replace("« ok »", f"«{NBSP}ok{NBSP}»"),
            ),
        ]
    )
    assert len(faults) == 5


def test_the_catalogue_follows_the_glossary():
    assert catalogue_breaks_the_glossary(messages()) == {}


def test_french_typography_apostrophes_and_no_break_spaces():
    assert typography_faults(messages()) == []
