"""Text matching for conflict detection: accent folding, registrable e-mail domains,
institution names and acronyms, person names and ORCID iDs, research units named in
free text (codes such as 'UMR 5505', RNSR identifiers, acronyms). Pure functions."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from reviews.conflicts.policy import DEFAULT_POLICY, DetectionPolicy

_COMBINING_MARKS = re.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Écologie' -> 'ecologie'."""
    if text.isascii():
        return text.lower()
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))


# ---------------------------------------------------------------- domains

# Second-level labels that make "x.<label>.<country>" the registrable domain
# (ox.ac.uk, unimelb.edu.au, u-tokyo.ac.jp, tsinghua.edu.cn, ...).
# fmt: off
_SECOND_LEVEL = frozenset({
    "ac", "co", "com", "edu", "gov", "gouv", "gob", "gv", "go", "govt", "net", "org", "or",
    "ne", "re", "res", "sch", "nhs", "ltd", "plc", "mil", "nom", "asso", "int", "ernet", "nic",
})
# fmt: on


def email_host(email: str) -> str:
    _local, at, host = (email or "").strip().rpartition("@")
    return host.strip().strip(".").lower() if at else ""


def _clean_domain(domain: str) -> str:
    domain = (domain or "").strip().lower().lstrip("@").removeprefix("*.").strip(".")
    return email_host(domain) if "@" in domain else domain


def registrable_domain(host: str) -> str | None:
    """The part of a host name an organisation registers: 'lab.univ-x.fr' -> 'univ-x.fr',
    'cs.ox.ac.uk' -> 'ox.ac.uk'. None for a bare public suffix or an empty host."""
    labels = [label for label in _clean_domain(host).split(".") if label]
    if len(labels) < 2:
        return None
    multi = len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL
    if multi:
        return ".".join(labels[-3:]) if len(labels) >= 3 else None
    return ".".join(labels[-2:])


def comparable_domain(host: str, policy: DetectionPolicy = DEFAULT_POLICY) -> str | None:
    """The registrable domain if it may signal a conflict; None for public mail
    providers and umbrella domains (and their subdomains)."""
    host = _clean_domain(host)
    registrable = registrable_domain(host)
    if registrable is None:
        return None
    if any(host == d or host.endswith("." + d) for d in policy.umbrella_domains):
        return None
    if registrable in policy.public_mail_domains:
        return None
    if registrable.split(".")[0] in policy.public_mail_brands:
        return None
    return registrable


# ------------------------------------------------------------ institutions

# fmt: off
_SYNONYM_GROUPS = {
    "univ": ("universite", "university", "universitat", "universitaet", "universidad",
             "universidade", "universita", "universiteit", "uniwersytet", "univ"),
    "institut": ("institut", "institute", "instituto", "istituto"),
    "school": ("ecole", "school"),
    "centre": ("centre", "center", "centro", "zentrum"),
    "national": ("nationale", "national", "nacional", "nazionale"),
    "research": ("recherche", "research", "ricerca"),
    "scientific": ("scientifique", "scientific"),
}
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5",
          "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10"}
_INSTITUTION_FILLERS = frozenset({
    "de", "du", "des", "la", "le", "les", "l", "d", "of", "the", "and", "et", "for", "pour",
    "at", "a", "en", "in", "y", "di", "der", "fur", "zu",
})
# fmt: on
_INSTITUTION_SYNONYMS = {word: key for key, words in _SYNONYM_GROUPS.items() for word in words}
_GENERIC_INSTITUTION_WORDS = frozenset(_SYNONYM_GROUPS)


def institution_key(name: str) -> frozenset[str]:
    """Word set of an institution name, language- and order-insensitive:
    'Université Toulouse III' and 'University of Toulouse 3' give the same key.
    Empty when nothing specific is left ('University', 'National Institute')."""
    words = set()
    for word in _WORD.findall(fold(name)):
        if word in _INSTITUTION_FILLERS:
            continue
        words.add(_ROMAN.get(word) or _INSTITUTION_SYNONYMS.get(word) or word)
    if words <= _GENERIC_INSTITUTION_WORDS and len(words) < 3:
        return frozenset()
    return frozenset(words)


def affiliation_parts(text: str) -> list[str]:
    """'CNRS / Univ. Toulouse III - Paul Sabatier (UT3)': the whole text, each part
    between separators, and each piece of a part around a dash."""
    parts = [text] if text else []
    for part in re.split(r"[,;/|()\[\]]+", text or ""):
        pieces = [part, *re.split(r" [-–] ", part)]
        parts += [p.strip() for p in pieces if p.strip() and p.strip() not in parts]
    return parts


# ------------------------------------------------------------------- names

# fmt: off
_NAME_TITLES = frozenset({
    "prof", "professor", "professeur", "pr", "dr", "doctor", "docteur", "mr", "mrs", "ms",
    "mme", "mlle", "dott", "sir", "phd",
})
_NAME_PARTICLES = frozenset({
    "de", "del", "della", "der", "den", "van", "von", "da", "di", "du", "des", "le", "la",
    "dos", "das", "ten", "ter",
})
# fmt: on


def name_tokens(name: str) -> tuple[str, ...]:
    """'Pr. Jean-Pierre de la Fontaine' -> ('jean', 'pierre', 'fontaine')."""
    words = [w for w in _WORD.findall(fold(name)) if w not in _NAME_TITLES]
    kept = [w for w in words if w not in _NAME_PARTICLES]
    return tuple(kept if any(len(w) > 1 for w in kept) else words)


@lru_cache(maxsize=100_000)
def word_ratio(a: str, b: str) -> float:
    """difflib's ratio of two words, 0 for words that cannot reach the 0.8 that counts
    as a match: too different in length, or sharing neither their first nor their
    last two letters (two similar words differing at both ends are not matched)."""
    if 2 * min(len(a), len(b)) < 0.8 * (len(a) + len(b)):
        return 0.0
    if a[:2] != b[:2] and a[-2:] != b[-2:]:
        return 0.0
    pool, common = list(b), 0
    for letter in a:  # letters in common bound the ratio from above, cheaply
        if letter in pool:
            pool.remove(letter)
            common += 1
    if 2 * common < 0.8 * (len(a) + len(b)):
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def token_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Similarity of two tokenised names in [0, 1]: word order, initials ('J. Dupont'),
    a dropped middle name and one typo are tolerated; a different given name is not."""
    full_a, full_b = [t for t in a if len(t) > 1], [t for t in b if len(t) > 1]
    if not full_a or not full_b:
        return 0.0
    scored = sorted(
        ((word_ratio(x, y), i, j) for i, x in enumerate(full_a) for j, y in enumerate(full_b)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    weighted = weight = 0.0
    for ratio, i, j in scored:
        if ratio < 0.8:
            break
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        size = len(full_a[i]) + len(full_b[j])
        weighted, weight = weighted + ratio * size, weight + size
    if not weight:
        return 0.0
    score = weighted / weight
    rest_a = [t for i, t in enumerate(full_a) if i not in used_a] + [t for t in a if len(t) == 1]
    rest_b = [t for j, t in enumerate(full_b) if j not in used_b] + [t for t in b if len(t) == 1]
    for initial in [t for t in rest_a if len(t) == 1]:  # an initial explains a word
        match = next((t for t in rest_b if t[0] == initial), None)
        if match is not None:
            rest_a.remove(initial)
            rest_b.remove(match)
            score *= 0.95
    for initial in [t for t in rest_b if len(t) == 1]:
        match = next((t for t in rest_a if t[0] == initial), None)
        if match is not None:
            rest_b.remove(initial)
            rest_a.remove(match)
            score *= 0.95
    if rest_a and rest_b:
        return score * 0.5  # each has a word the other lacks: different people
    if len(used_a) == 1 and (rest_a or rest_b):
        return score * 0.8  # only one word in common ('Dupont' vs 'Jean Dupont')
    return score * 0.97 ** len(rest_a or rest_b)


def name_similarity(a: str, b: str) -> float:
    return token_similarity(name_tokens(a), name_tokens(b))


def normalise_orcid(orcid: str) -> str:
    found = re.search(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])", orcid or "")
    return "-".join(found.groups()).upper() if found else ""


def acronym(text: str) -> str:
    """Letters and digits only, folded: 'U.T. 3' -> 'ut3'."""
    return "".join(_WORD.findall(fold(text)))


# ------------------------------------------------------------------- units

# Unit types written with a number in free text ("FR" is left out: "FR 75005" is a
# postcode far more often than a federation).
UNIT_CODE_TYPES = ("umr", "upr", "uar", "irl", "fre", "usr", "umi", "emr")
_UNIT_CODE = re.compile(
    r"(?<![a-z0-9])(" + "|".join(UNIT_CODE_TYPES) + r")"
    r"[^a-z0-9]{0,3}(?:(?:cnrs|n|no|nr)[^a-z0-9]{0,3}){0,2}(\d{3,5})(?!\d)"
)
_RNSR = re.compile(r"(?<![a-z0-9])(\d{9}[a-z])(?![a-z0-9])")
_TOKEN = re.compile(r"[a-z0-9]+")
MIN_UNIT_ACRONYM = 3
MAX_ACRONYM_WORDS = 3


def unit_code(unit_type: str, number: str) -> tuple[str, str] | None:
    """('umr', '5505') for UMR 5505, the key under which free text finds it; None when
    the number is not made of digits."""
    number = (number or "").strip()
    if not number.isdigit():
        return None
    return (unit_type or "").strip().lower(), str(int(number))


def unit_label_code(label: str) -> tuple[str, str] | None:
    """The key of a label such as 'UMR 5505' (or 'umr5505')."""
    found = re.fullmatch(r"\s*([A-Za-z]{2,4})\s*[-\u2013]?\s*(\d{1,6})\s*", label or "")
    return unit_code(found.group(1), found.group(2)) if found else None


@dataclass(frozen=True)
class UnitMentions:
    """What free text such as 'LAAS-CNRS (UPR 3251)' says about research units: unit
    codes, RNSR identifiers, and the word sequences that could be unit acronyms."""

    codes: frozenset[tuple[str, str]]
    rnsr: frozenset[str]
    words: frozenset[str]


def unit_mentions(text: str) -> UnitMentions:
    folded = fold(text or "").replace(".", "")
    codes = frozenset(unit_code(t, n) for t, n in _UNIT_CODE.findall(folded))
    rnsr = frozenset(found.upper() for found in _RNSR.findall(folded))
    tokens = _TOKEN.findall(folded)
    words = {
        "".join(tokens[i : i + size])
        for size in range(1, MAX_ACRONYM_WORDS + 1)
        for i in range(len(tokens) - size + 1)
    }
    return UnitMentions(codes=codes - {None}, rnsr=rnsr, words=frozenset(words))


def unit_acronym_key(text: str, policy: DetectionPolicy = DEFAULT_POLICY) -> str:
    """The key of a unit acronym, '' when it cannot name a unit on its own: too short,
    only digits, or an umbrella organisation ('CNRS')."""
    key = acronym(text)
    umbrella = {acronym(name) for name in policy.umbrella_organisations}
    if len(key) < MIN_UNIT_ACRONYM or key.isdigit() or key in umbrella:
        return ""
    return key
