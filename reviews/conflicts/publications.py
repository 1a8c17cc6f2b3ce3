"""Reading an expert's publication list: BibTeX, the format HAL, ORCID, Google Scholar,
Zotero and most reference managers export. Parsed with bibtexparser (LaTeX accents
decoded, "Last, First" and "First Last" names both understood); pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

import bibtexparser
from bibtexparser import middlewares

MAX_ENTRIES = 2000
MAX_AUTHORS = 100  # per entry: beyond, a consortium paper says little about who knows whom
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


@dataclass(frozen=True)
class ParsedPublication:
    title: str
    year: int | None
    authors: tuple[str, ...]


@dataclass(frozen=True)
class ParsedList:
    publications: tuple[ParsedPublication, ...]
    skipped: int  # entries that could not be read, or had no author


def parse_bibtex(text: str) -> ParsedList:
    """Every entry with at least one author (``others`` left out), in file order."""
    library = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
        ],
    )
    publications, skipped = [], len(library.failed_blocks)
    for entry in library.entries[:MAX_ENTRIES]:
        fields = entry.fields_dict
        names = fields["author"].value if "author" in fields else []
        authors = tuple(
            name
            for name in (_full_name(parts) for parts in names[:MAX_AUTHORS])
            if name and name.casefold() not in {"others", "et al", "et al."}
        )
        if not authors:
            skipped += 1
            continue
        publications.append(
            ParsedPublication(
                title=" ".join(_text(fields, "title").split())[:500],
                year=_year(_text(fields, "year") or _text(fields, "date")),
                authors=authors,
            )
        )
    skipped += max(0, len(library.entries) - MAX_ENTRIES)
    return ParsedList(publications=tuple(publications), skipped=skipped)


def _full_name(parts) -> str:
    if isinstance(parts, str):
        return " ".join(parts.split())
    words = [*parts.first, *parts.von, *parts.last, *parts.jr]
    return " ".join(" ".join(words).replace("{", "").replace("}", "").split())


def _text(fields, name: str) -> str:
    field = fields.get(name)
    return str(field.value) if field is not None else ""


def _year(text: str) -> int | None:
    found = _YEAR.search(text or "")
    return int(found.group(0)) if found else None
