"""Conflict-of-interest detection between experts and applications.

Pure functions over plain dataclasses; the review models build the inputs and store
the findings. An expert is flagged for an application when

* they are one of its partner leads (same e-mail: confirmed; similar name: suspected);
* they belong to a partner unit (same unit id: confirmed);
* the institution they typed names a partner unit (its code such as "UMR 5505", its
  RNSR identifier or its acronym, as in "LAAS-CNRS (UPR 3251)" or "IRIT, UMR 5505,
  Toulouse"): suspected, for staff to rule on;
* their institution is one of a partner unit's parent institutions (same id or
  name, or an e-mail domain of that institution: confirmed; same acronym: suspected);
* their e-mail domain is that of a partner lead or of a partner unit (confirmed);
* the applicants asked to exclude them (same e-mail or ORCID: confirmed; similar
  name: suspected, confirmed when name and institution are both the same);
* they published with a member of the application's team (its coordinator or a
  partner lead) recently, by their imported publication list (a co-author's name similar
  to the member's, initials and accents tolerated: suspected). The caller passes only
  the publications of the call's window of years.

Umbrella organisations (CNRS under any of its names) and their domains (``cnrs.fr``
and every ``*.cnrs.fr``) never count, nor do public mail providers: otherwise every
French expert would be excluded from every project. Domains are compared on their
registrable part, so ``lab.univ-x.fr`` matches ``univ-x.fr`` but ``ox.ac.uk`` does
not match ``cam.ac.uk``.
"""

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _

from reviews.conflicts.matching import (
    acronym,
    affiliation_parts,
    comparable_domain,
    email_host,
    institution_key,
    name_tokens,
    normalise_orcid,
    token_similarity,
)
from reviews.conflicts.names import NameIndex, UnitNames, index_unit_names
from reviews.conflicts.policy import DEFAULT_POLICY, DetectionPolicy


class Reason(StrEnum):
    SAME_PERSON = "same_person"
    SAME_UNIT = "same_unit"
    UNIT_NAMED = "unit_named"
    SAME_INSTITUTION = "same_institution"
    SAME_EMAIL_DOMAIN = "same_email_domain"
    EXCLUDED = "excluded_by_applicants"
    COAUTHOR = "coauthor"


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
    unit_acronym: str = ""
    unit_rnsr: str = ""


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
    coordinator_name: str = ""


@dataclass(frozen=True)
class Coauthorship:
    """A co-author of one of the expert's publications."""

    name: str
    year: int | None = None
    title: str = ""


@dataclass(frozen=True)
class ExpertInfo:
    id: Hashable
    name: str
    email: str = ""
    institution: str = ""
    unit_id: Hashable | None = None
    orcid: str = ""
    institution_id: Hashable | None = None
    coauthors: tuple[Coauthorship, ...] = ()


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
            Reason.UNIT_NAMED: _(
                "The institution the expert typed names a partner unit (%(detail)s)."
            ),
            Reason.SAME_INSTITUTION: _(
                "The expert's institution is a parent institution of a partner unit (%(detail)s)."
            ),
            Reason.SAME_EMAIL_DOMAIN: _(
                "The expert's e-mail domain is that of a partner (%(detail)s)."
            ),
            Reason.EXCLUDED: _("The applicants asked to exclude this expert (%(detail)s)."),
            Reason.COAUTHOR: _(
                "The expert published with a member of the application’s team (%(detail)s)."
            ),
        }[self.reason]
        return text % {"detail": self.detail}


# --------------------------------------------------------------- detection


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


def detect_conflicts(
    *,
    applications: Sequence[ApplicationInfo],
    experts: Sequence[ExpertInfo],
    policy: DetectionPolicy = DEFAULT_POLICY,
) -> list[Conflict]:
    """Every (expert, application, reason) finding, ordered by application then expert.
    A pair may have several reasons; the caller stores one conflict row per pair."""
    partners = _index_partners(applications, policy)
    findings = _Findings(applications, experts)
    _check_affiliations(experts, partners, findings, policy)
    names = NameIndex([expert.name for expert in experts])
    for a, lead_name in partners.lead_names:
        for e, score in names.matches(lead_name, policy.name_threshold):
            detail = f"{lead_name} ~ {experts[e].name} ({score:.2f})"
            findings.add(e, a, Reason.SAME_PERSON, detail, Status.SUSPECTED)
    _check_exclusions(applications, experts, names, findings, policy)
    _check_coauthors(applications, experts, findings, policy)
    return findings.result()


@dataclass
class _PartnerIndex:
    """The partners of every application (by index ``a``) under each key an expert's
    data is looked up by: (a, what to show) pairs."""

    umbrella: set[frozenset]
    units: UnitNames = field(default_factory=UnitNames)
    by_unit: dict = field(default_factory=lambda: defaultdict(list))
    by_institution_id: dict = field(default_factory=lambda: defaultdict(list))
    by_institution_key: dict = field(default_factory=lambda: defaultdict(list))
    by_acronym: dict = field(default_factory=lambda: defaultdict(list))
    by_institution_domain: dict = field(default_factory=lambda: defaultdict(list))
    by_domain: dict = field(default_factory=lambda: defaultdict(list))
    by_lead_email: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    lead_names: list[tuple[int, str]] = field(default_factory=list)


def _index_partners(
    applications: Sequence[ApplicationInfo], policy: DetectionPolicy
) -> _PartnerIndex:
    umbrella = {institution_key(n) for n in policy.umbrella_organisations} - {frozenset()}
    umbrella_acronyms = {acronym(n) for n in policy.umbrella_organisations}
    index = _PartnerIndex(umbrella=umbrella)
    for a, application in enumerate(applications):
        for partner in application.partners:
            if partner.unit_id is not None:
                index.by_unit[partner.unit_id].append(
                    (a, partner.unit_label or str(partner.unit_id))
                )
            index_unit_names(index.units, a, partner, policy)
            for institution in partner.institutions:
                key = institution_key(institution.name)
                short = acronym(institution.acronym)
                if key in umbrella or short in umbrella_acronyms:
                    continue
                if institution.id is not None:
                    index.by_institution_id[institution.id].append((a, institution.name))
                if key:
                    index.by_institution_key[key].append((a, institution.name))
                if len(short) >= 2:
                    index.by_acronym[short].append((a, institution.name))
                for domain in institution.email_domains:
                    if comparable := comparable_domain(domain, policy):
                        index.by_institution_domain[comparable].append(
                            (a, f"{institution.name}, {comparable}")
                        )
            for domain in partner.unit_email_domains:
                if comparable := comparable_domain(domain, policy):
                    index.by_domain[comparable].append((a, comparable))
            if partner.lead_email:
                index.by_lead_email[partner.lead_email.strip().casefold()].append(a)
                if comparable := comparable_domain(email_host(partner.lead_email), policy):
                    index.by_domain[comparable].append((a, comparable))
            if partner.lead_name:
                index.lead_names.append((a, partner.lead_name))
    return index


def _check_affiliations(experts, partners: _PartnerIndex, findings, policy) -> None:
    """Each expert's e-mail, unit, typed institution and domain against the partners."""
    confirmed, suspected = Status.CONFIRMED, Status.SUSPECTED
    for e, expert in enumerate(experts):
        email = expert.email.strip().casefold()
        for a in partners.by_lead_email.get(email, ()) if email else ():
            findings.add(e, a, Reason.SAME_PERSON, expert.email, confirmed)
        if expert.unit_id is not None:
            for a, label in partners.by_unit.get(expert.unit_id, ()):
                findings.add(e, a, Reason.SAME_UNIT, label, confirmed)
        for a, label in partners.units.named_in(expert.institution):
            findings.add(e, a, Reason.UNIT_NAMED, f"{label} ← {expert.institution}", suspected)
        for a, name in partners.by_institution_id.get(expert.institution_id, ()):
            findings.add(e, a, Reason.SAME_INSTITUTION, name, confirmed)
        for part in affiliation_parts(expert.institution):
            key = institution_key(part)
            if key and key not in partners.umbrella:
                for a, name in partners.by_institution_key.get(key, ()):
                    findings.add(e, a, Reason.SAME_INSTITUTION, name, confirmed)
            for a, name in partners.by_acronym.get(acronym(part), ()):
                findings.add(e, a, Reason.SAME_INSTITUTION, name, suspected)
        if domain := comparable_domain(email_host(expert.email), policy):
            for a, detail in partners.by_institution_domain.get(domain, ()):
                findings.add(e, a, Reason.SAME_INSTITUTION, detail, confirmed)
            for a, detail in partners.by_domain.get(domain, ()):
                findings.add(e, a, Reason.SAME_EMAIL_DOMAIN, detail, confirmed)


def _check_coauthors(applications, experts, findings, policy) -> None:
    """Each team member's name against every co-author of every expert (indexed once)."""
    owners = [
        (e, coauthor)
        for e, expert in enumerate(experts)
        for coauthor in expert.coauthors
        if token_similarity(name_tokens(coauthor.name), name_tokens(expert.name))
        < policy.name_threshold  # the expert themself
    ]
    if not owners:
        return
    index = NameIndex([coauthor.name for _e, coauthor in owners])
    for a, application in enumerate(applications):
        team = [application.coordinator_name, *(p.lead_name for p in application.partners)]
        for member in dict.fromkeys(name for name in team if name):
            best: dict[int, tuple[float, Coauthorship]] = {}
            for ix, score in index.matches(member, policy.name_threshold):
                e, coauthor = owners[ix]
                if e not in best or (score, coauthor.year or 0) > (
                    best[e][0],
                    best[e][1].year or 0,
                ):
                    best[e] = (score, coauthor)
            for e, (_score, coauthor) in best.items():
                year = coauthor.year or "?"
                detail = f"{member} ~ {coauthor.name} ({year}, {coauthor.title[:120]})"
                findings.add(e, a, Reason.COAUTHOR, detail, Status.SUSPECTED)


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
                    for part in affiliation_parts(experts[e].institution)
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
