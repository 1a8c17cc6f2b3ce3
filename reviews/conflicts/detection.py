"""Conflict-of-interest detection between experts and applications.

Pure functions over plain dataclasses; the review models build the inputs and store
the findings. An expert is flagged for an application when

* they are one of its partner leads (same e-mail: confirmed; similar name: suspected);
* they belong to a partner unit (same unit id: confirmed);
* their institution is one of a partner unit's parent institutions (same id or
  name, or an e-mail domain of that institution: confirmed; same acronym: suspected);
* their e-mail domain is that of a partner lead or of a partner unit (confirmed);
* the applicants asked to exclude them (same e-mail or ORCID: confirmed; similar
  name: suspected, confirmed when name and institution are both the same).

Umbrella organisations (CNRS under any of its names) and their domains (``cnrs.fr``
and every ``*.cnrs.fr``) never count, nor do public mail providers: otherwise every
French expert would be excluded from every project. Domains are compared on their
registrable part, so ``lab.univ-x.fr`` matches ``univ-x.fr`` but ``ox.ac.uk`` does
not match ``cam.ac.uk``.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache

from django.utils.translation import gettext as _

_COMBINING_MARKS = re.compile(
    r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Écologie' -> 'ecologie'."""
    if text.isascii():
        return text.lower()
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text.casefold()))


class Reason(StrEnum):
    SAME_PERSON = "same_person"
    SAME_UNIT = "same_unit"
    SAME_INSTITUTION = "same_institution"
    SAME_EMAIL_DOMAIN = "same_email_domain"
    EXCLUDED = "excluded_by_applicants"


class Status(StrEnum):
    SUSPECTED = "suspected"
    CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Institution:
    """A parent institution of a unit (university, school...)."""

    id: Hashable | None = None
    name: str = ""
    acronym: str = ""
    email_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class PartnerInfo:
    unit_id: Hashable
    institutions: tuple[Institution, ...] = ()
    unit_email_domains: tuple[str, ...] = ()
    lead_email: str = ""
    lead_name: str = ""
    unit_label: str = ""


@dataclass(frozen=True)
class ExclusionInfo:
    name: str
    institution: str = ""
    email: str = ""
    orcid: str = ""


@dataclass(frozen=True)
class ApplicationInfo:
    id: Hashable
    partners: tuple[PartnerInfo, ...] = ()
    exclusions: tuple[ExclusionInfo, ...] = ()


@dataclass(frozen=True)
class ExpertInfo:
    id: Hashable
    name: str
    email: str = ""
    institution: str = ""
    unit_id: Hashable | None = None
    orcid: str = ""
    institution_id: Hashable | None = None


@dataclass(frozen=True)
class Conflict:
    """One finding; ``detail`` is the evidence (a domain, a name), not translated."""

    expert_id: Hashable
    application_id: Hashable
    reason: Reason
    detail: str
    status: Status

    @property
    def source(self) -> str:
        """'excluded' for the applicants' exclusion list, 'detected' for the rules."""
        return "excluded" if self.reason == Reason.EXCLUDED else "detected"

    def message(self) -> str:
        text = {
            Reason.SAME_PERSON: _("The expert is a partner lead (%(detail)s)."),
            Reason.SAME_UNIT: _("The expert belongs to a partner unit (%(detail)s)."),
            Reason.SAME_INSTITUTION: _(
                "The expert's institution is a parent institution of a partner unit (%(detail)s)."
            ),
            Reason.SAME_EMAIL_DOMAIN: _(
                "The expert's e-mail domain is that of a partner (%(detail)s)."
            ),
            Reason.EXCLUDED: _("The applicants asked to exclude this expert (%(detail)s)."),
        }[self.reason]
        return text % {"detail": self.detail}


UMBRELLA_ORGANISATIONS = frozenset(
    {
        "CNRS",
        "Centre national de la recherche scientifique",
        "Centre national de recherche scientifique",
        "French National Centre for Scientific Research",
        "French National Center for Scientific Research",
        "National Centre for Scientific Research",
        "National Center for Scientific Research",
        "CNRS France",
    }
)
UMBRELLA_DOMAINS = frozenset({"cnrs.fr"})
# fmt: off
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "icloud.com", "me.com", "mac.com", "aol.com", "msn.com",
    "mail.com", "proton.me", "pm.me", "zoho.com", "hey.com", "qq.com", "163.com", "126.com",
    "sina.com", "naver.com", "web.de", "mail.ru", "ya.ru", "orange.fr", "free.fr",
    "laposte.net", "wanadoo.fr", "sfr.fr", "neuf.fr", "club-internet.fr", "bbox.fr",
    "numericable.fr", "aliceadsl.fr",
})
# Providers that exist under many country domains: hotmail.fr, yahoo.co.uk...
PUBLIC_MAIL_BRANDS = frozenset({
    "hotmail", "outlook", "live", "yahoo", "ymail", "protonmail", "gmx", "yandex", "tutanota",
    "tuta", "fastmail",
})
# fmt: on


@dataclass(frozen=True)
class DetectionPolicy:
    umbrella_organisations: frozenset[str] = UMBRELLA_ORGANISATIONS
    umbrella_domains: frozenset[str] = UMBRELLA_DOMAINS
    public_mail_domains: frozenset[str] = PUBLIC_MAIL_DOMAINS
    public_mail_brands: frozenset[str] = PUBLIC_MAIL_BRANDS
    name_threshold: float = 0.85


DEFAULT_POLICY = DetectionPolicy()

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


def _affiliation_parts(text: str) -> list[str]:
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
def _ratio(a: str, b: str) -> float:
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
        ((_ratio(x, y), i, j) for i, x in enumerate(full_a) for j, y in enumerate(full_b)),
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


# --------------------------------------------------------------- detection


def _block_keys(token: str) -> tuple[str, str]:
    """The keys under which ``_ratio`` can find a match for this word."""
    return f"<{token[:2]}", f"{token[-2:]}>"


class _NameIndex:
    """Experts' names by word. A name is scored only against the experts having a word
    that matches one of its words (``_ratio`` >= 0.8), found through the blocks of
    words sharing their first or last two letters."""

    def __init__(self, experts: Sequence[ExpertInfo]):
        self.tokens = [name_tokens(e.name) for e in experts]
        self.experts_with: dict[str, set[int]] = defaultdict(set)
        self.blocks: dict[str, set[str]] = defaultdict(set)
        for ix, tokens in enumerate(self.tokens):
            for token in tokens:
                if len(token) > 1:
                    self.experts_with[token].add(ix)
                    for key in _block_keys(token):
                        self.blocks[key].add(token)
        self.cache: dict[tuple[str, ...], list[tuple[int, float]]] = {}

    def matches(self, name: str, threshold: float) -> list[tuple[int, float]]:
        tokens = name_tokens(name)
        if tokens not in self.cache:
            candidates: set[int] = set()
            for token in (t for t in tokens if len(t) > 1):
                words = set().union(*(self.blocks.get(key, ()) for key in _block_keys(token)))
                for word in words:
                    if _ratio(token, word) >= 0.8:
                        candidates |= self.experts_with[word]
            scored = ((ix, token_similarity(tokens, self.tokens[ix])) for ix in sorted(candidates))
            self.cache[tokens] = [(ix, score) for ix, score in scored if score >= threshold]
        return self.cache[tokens]


class _Findings:
    def __init__(self, applications: Sequence[ApplicationInfo], experts: Sequence[ExpertInfo]):
        self.applications, self.experts = applications, experts
        self.found: dict[tuple[int, int, Reason], tuple[str, Status]] = {}

    def add(self, e: int, a: int, reason: Reason, detail: str, status: Status) -> None:
        key = (a, e, reason)
        if key not in self.found or (
            status == Status.CONFIRMED and self.found[key][1] == Status.SUSPECTED
        ):
            self.found[key] = (detail, status)

    def result(self) -> list[Conflict]:
        order = list(Reason)
        return [
            Conflict(self.experts[e].id, self.applications[a].id, reason, detail, status)
            for (a, e, reason), (detail, status) in sorted(
                self.found.items(), key=lambda item: (*item[0][:2], order.index(item[0][2]))
            )
        ]


def _acronym(text: str) -> str:
    return "".join(_WORD.findall(fold(text)))


def detect_conflicts(
    *,
    applications: Sequence[ApplicationInfo],
    experts: Sequence[ExpertInfo],
    policy: DetectionPolicy = DEFAULT_POLICY,
) -> list[Conflict]:
    """Every (expert, application, reason) finding, ordered by application then expert.
    A pair may have several reasons; the caller stores one conflict row per pair."""
    umbrella = {institution_key(n) for n in policy.umbrella_organisations} - {frozenset()}
    umbrella_acronyms = {_acronym(n) for n in policy.umbrella_organisations}
    by_unit, by_institution_id, by_institution_key = (
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
    )
    by_acronym, by_institution_domain, by_domain = (
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
    )
    by_lead_email: dict[str, list[int]] = defaultdict(list)
    lead_names: list[tuple[int, str]] = []
    for a, application in enumerate(applications):
        for partner in application.partners:
            if partner.unit_id is not None:
                by_unit[partner.unit_id].append((a, partner.unit_label or str(partner.unit_id)))
            for institution in partner.institutions:
                key = institution_key(institution.name)
                acronym = _acronym(institution.acronym)
                if key in umbrella or acronym in umbrella_acronyms:
                    continue
                if institution.id is not None:
                    by_institution_id[institution.id].append((a, institution.name))
                if key:
                    by_institution_key[key].append((a, institution.name))
                if len(acronym) >= 2:
                    by_acronym[acronym].append((a, institution.name))
                for domain in institution.email_domains:
                    if comparable := comparable_domain(domain, policy):
                        by_institution_domain[comparable].append(
                            (a, f"{institution.name}, {comparable}")
                        )
            for domain in partner.unit_email_domains:
                if comparable := comparable_domain(domain, policy):
                    by_domain[comparable].append((a, comparable))
            if partner.lead_email:
                by_lead_email[partner.lead_email.strip().casefold()].append(a)
                if comparable := comparable_domain(email_host(partner.lead_email), policy):
                    by_domain[comparable].append((a, comparable))
            if partner.lead_name:
                lead_names.append((a, partner.lead_name))

    findings = _Findings(applications, experts)
    confirmed, suspected = Status.CONFIRMED, Status.SUSPECTED
    for e, expert in enumerate(experts):
        email = expert.email.strip().casefold()
        for a in by_lead_email.get(email, ()) if email else ():
            findings.add(e, a, Reason.SAME_PERSON, expert.email, confirmed)
        for a, label in by_unit.get(expert.unit_id, ()) if expert.unit_id is not None else ():
            findings.add(e, a, Reason.SAME_UNIT, label, confirmed)
        for a, name in by_institution_id.get(expert.institution_id, ()):
            findings.add(e, a, Reason.SAME_INSTITUTION, name, confirmed)
        for part in _affiliation_parts(expert.institution):
            key = institution_key(part)
            if key and key not in umbrella:
                for a, name in by_institution_key.get(key, ()):
                    findings.add(e, a, Reason.SAME_INSTITUTION, name, confirmed)
            for a, name in by_acronym.get(_acronym(part), ()):
                findings.add(e, a, Reason.SAME_INSTITUTION, name, suspected)
        if domain := comparable_domain(email_host(expert.email), policy):
            for a, detail in by_institution_domain.get(domain, ()):
                findings.add(e, a, Reason.SAME_INSTITUTION, detail, confirmed)
            for a, detail in by_domain.get(domain, ()):
                findings.add(e, a, Reason.SAME_EMAIL_DOMAIN, detail, confirmed)

    names = _NameIndex(experts)
    for a, lead_name in lead_names:
        for e, score in names.matches(lead_name, policy.name_threshold):
            detail = f"{lead_name} ~ {experts[e].name} ({score:.2f})"
            findings.add(e, a, Reason.SAME_PERSON, detail, suspected)
    _check_exclusions(applications, experts, names, findings, policy)
    return findings.result()


def _check_exclusions(applications, experts, names, findings, policy) -> None:
    by_email = defaultdict(list)
    by_orcid = defaultdict(list)
    for e, expert in enumerate(experts):
        if expert.email.strip():
            by_email[expert.email.strip().casefold()].append(e)
        if orcid := normalise_orcid(expert.orcid):
            by_orcid[orcid].append(e)
    for a, application in enumerate(applications):
        for exclusion in application.exclusions:
            for e in by_email.get(exclusion.email.strip().casefold(), ()):
                findings.add(e, a, Reason.EXCLUDED, exclusion.email.strip(), Status.CONFIRMED)
            orcid = normalise_orcid(exclusion.orcid)
            for e in by_orcid.get(orcid, ()) if orcid else ():
                findings.add(e, a, Reason.EXCLUDED, orcid, Status.CONFIRMED)
            excluded_institution = institution_key(exclusion.institution)
            for e, score in names.matches(exclusion.name, policy.name_threshold):
                same_institution = excluded_institution and any(
                    institution_key(part) == excluded_institution
                    for part in _affiliation_parts(experts[e].institution)
                )
                status = Status.CONFIRMED if score == 1.0 and same_institution else Status.SUSPECTED
                detail = f"{exclusion.name} ~ {experts[e].name} ({score:.2f})"
                findings.add(e, a, Reason.EXCLUDED, detail, status)


def strongest_by_pair(conflicts: Sequence[Conflict]) -> dict[tuple[Hashable, Hashable], Conflict]:
    """One finding per (expert, application): a confirmed one before a suspected one,
    then the first reason in rule order. What a one-row-per-pair store keeps."""
    best: dict[tuple[Hashable, Hashable], Conflict] = {}
    for conflict in conflicts:
        key = (conflict.expert_id, conflict.application_id)
        current = best.get(key)
        if current is None or (
            conflict.status == Status.CONFIRMED and current.status == Status.SUSPECTED
        ):
            best[key] = conflict
    return best
