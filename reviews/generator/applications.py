"""Applicants and their applications: text, partners over the sample units, disciplines,
documents, submitted versions and the reviewers the applicants ask to exclude.

The statuses follow the stage of the call: in review or selection a few applications
stayed drafts, a few were withdrawn or ruled ineligible, the rest went to review (the
selection stage then shortlists the best ones, see :mod:`.reviewing`). In the open stage
every application is a complete draft without its PDFs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from aissai.accounts.models import User
from calls.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Document,
    ExcludedReviewer,
    Partner,
)

from . import vocabulary as words
from .context import OPEN, Context
from .setup import UnitChoice

S = ApplicationStatus
# Shares of the applications that never reach review (review and selection stages).
DRAFT_SHARE, WITHDRAWN_SHARE, INELIGIBLE_SHARE = 0.04, 0.01, 0.03
EXCLUSION_SHARE = 0.08  # applications naming a reviewer to exclude


@dataclass
class PlannedApplication:
    index: int
    status: str
    discipline: str
    fields: dict
    partners: list[tuple[UnitChoice, int]]  # (unit, institute the partner takes part under)
    excluded_expert: int | None = None  # index of an expert the applicants exclude
    excluded_other: str = ""
    submitted_offset: float = 0.0  # days before the deadline
    obj: Application | None = field(default=None, repr=False)


def person_name(context: Context) -> str:
    return f"{context.rng.choice(words.FIRST_NAMES)} {context.rng.choice(words.LAST_NAMES)}"


def _status(context: Context) -> str:
    if context.options.stage == OPEN:
        return S.DRAFT
    draw = context.rng.random()
    if draw < DRAFT_SHARE:
        return S.DRAFT
    if draw < DRAFT_SHARE + WITHDRAWN_SHARE:
        return S.WITHDRAWN
    if draw < DRAFT_SHARE + WITHDRAWN_SHARE + INELIGIBLE_SHARE:
        return S.INELIGIBLE
    return S.IN_REVIEW


def _partners(context: Context, eligible: bool) -> list[tuple[UnitChoice, int]]:
    """2–4 distinct units; eligible ones take part under at least two institutes."""
    rng, units = context.rng, context.objects["units"]
    if not eligible:  # two units under the same institute: the consortium rule fails
        first = rng.choice(units)
        same = [u for u in units if u.pk != first.pk and first.institutes[0] in u.institutes]
        chosen = [first, rng.choice(same)] if same else [first]
        return [(unit, first.institutes[0]) for unit in chosen]
    chosen = rng.sample(units, rng.choice((2, 2, 3, 3, 4)))
    partners = []
    for unit in chosen:
        secondary = unit.institutes[1:]
        institute = (
            rng.choice(secondary) if secondary and rng.random() < 0.2 else unit.institutes[0]
        )
        partners.append((unit, institute))
    if len({institute for _unit, institute in partners}) < 2:
        taken = {unit.pk for unit, _i in partners}
        first_institute = partners[0][1]
        others = [u for u in units if u.pk not in taken and u.institutes[0] != first_institute]
        replacement = rng.choice(others)
        partners[-1] = (replacement, replacement.institutes[0])
    return partners


def _text(context: Context, discipline: str) -> dict:
    rng = context.rng
    ai = rng.sample(words.AI_KEYWORDS, 2)
    science = rng.sample(words.SCIENCE_KEYWORDS[discipline], 3)
    title = rng.choice(words.TITLE_TEMPLATES).format(ai=ai[0], science=science[0])
    title = title[0].upper() + title[1:]
    sentences = rng.sample(words.ABSTRACT_SENTENCES, rng.randint(4, 6))
    abstract = " ".join(s.format(ai=rng.choice(ai), science=rng.choice(science)) for s in sentences)
    acronym = "".join(word[0] for word in title.split() if word[0].isalpha()).upper()[:8]
    return {
        "title": title[:250],
        "acronym": f"{acronym}{rng.randint(1, 99)}",
        "abstract": abstract,
        "keywords": [*ai, *science[: rng.randint(1, 3)]],
        "ai_side": f"We use {ai[0]} and {ai[1]}. " + abstract[:400],
        "science_side": f"The scientific questions concern {', '.join(science)}.",
        "postdoc_profile": f"A PhD in a field close to {science[0]}, with skills in {ai[0]}.",
        "planned_start": (context.now + timedelta(days=rng.randint(150, 300))).date(),
        "industry_interest": rng.random() < 0.4,
    }


def plan_applications(context: Context, expert_names: list[str]) -> list[PlannedApplication]:
    rng = context.rng
    disciplines = sorted(context.objects["disciplines"])
    planned = []
    for index in range(context.options.applications):
        status = _status(context)
        discipline = rng.choice(disciplines)
        plan = PlannedApplication(
            index=index,
            status=status,
            discipline=discipline,
            fields=_text(context, discipline),
            partners=_partners(context, eligible=status != S.INELIGIBLE),
            # Most submit in the last days: a deadline rush.
            submitted_offset=min(rng.expovariate(1.5), 20.0),
        )
        if rng.random() < EXCLUSION_SHARE:
            if expert_names and rng.random() < 0.5:
                plan.excluded_expert = rng.randrange(len(expert_names))
            else:
                plan.excluded_other = person_name(context)
        planned.append(plan)
    return planned


def create_applications(
    context: Context, planned: list[PlannedApplication], expert_names: list[str]
) -> list[PlannedApplication]:
    """Write coordinators, applications and everything attached to them."""
    call, now, rng = context.objects["call"], context.now, context.rng
    password = context.objects["password_hash"]
    names = [person_name(context) for _plan in planned]
    users = context.insert(
        User,
        (
            User(
                email=f"applicant-{plan.index:05d}@{context.domain}",
                full_name=name,
                language="fr" if rng.random() < 0.7 else "en",
                password=password,
                email_verified_at=now,
            )
            for plan, name in zip(planned, names, strict=True)
        ),
    )
    # References in submission order, as the site gives them.
    submitted = sorted(
        (p for p in planned if p.status != S.DRAFT), key=lambda p: (-p.submitted_offset, p.index)
    )
    references = {
        plan.index: f"{call.reference_prefix}-{call.edition_year}-{number:03d}"
        for number, plan in enumerate(submitted, start=1)
    }
    for plan, user in zip(planned, users, strict=True):
        is_submitted = plan.status != S.DRAFT
        plan.obj = Application(
            call=call,
            coordinator=user,
            status=plan.status,
            reference=references.get(plan.index),
            submitted_at=call.closes_at - timedelta(days=plan.submitted_offset)
            if is_submitted
            else None,
            version=1 if is_submitted else 0,
            eligibility_reason="Fewer than two CNRS institutes take part."
            if plan.status == S.INELIGIBLE
            else "",
            withdrawal_reason="The postdoc found another position."
            if plan.status == S.WITHDRAWN
            else "",
            **plan.fields,
        )
    context.insert(Application, (plan.obj for plan in planned))
    call.next_reference_number = len(submitted) + 1
    call.save(update_fields=["next_reference_number"])
    _create_partners(context, planned, users)
    _create_disciplines(context, planned)
    _create_documents_and_versions(context, planned)
    _create_exclusions(context, planned, expert_names)
    return planned


def _create_partners(context: Context, planned: list[PlannedApplication], users) -> None:
    rng, now = context.rng, context.now
    rows = []
    for plan, user in zip(planned, users, strict=True):
        for position, (unit, institute) in enumerate(plan.partners):
            coordinating = position == 0
            name = user.full_name if coordinating else person_name(context)
            login = "".join(c for c in name.lower() if c.isalpha() or c == " ").replace(" ", ".")
            rows.append(
                Partner(
                    application=plan.obj,
                    unit_id=unit.pk,
                    institute_id=institute,
                    lead_name=name,
                    lead_email=f"{login or 'lead'}.{plan.index}@{unit.domain}",
                    is_coordinating=coordinating,
                    position=position,
                    confirmation_sent_at=now - timedelta(days=30),
                    confirmed_at=now - timedelta(days=rng.randint(20, 29)),
                )
            )
    context.insert(Partner, rows)


def _create_disciplines(context: Context, planned: list[PlannedApplication]) -> None:
    disciplines = context.objects["disciplines"]
    names = sorted(disciplines)
    through = Application.disciplines.through
    rows = []
    for plan in planned:
        chosen = {plan.discipline, "Computer science"}
        if context.rng.random() < 0.3:
            chosen.add(context.rng.choice(names))
        rows += [
            through(application_id=plan.obj.pk, discipline_id=disciplines[name].pk)
            for name in sorted(chosen)
        ]
    context.insert(through, rows)


def _create_documents_and_versions(context: Context, planned: list[PlannedApplication]) -> None:
    """Submitted applications get their two PDFs (shared stored files) and version 1."""
    files, call = context.objects["files"], context.objects["call"]
    documents, versions = [], []
    for plan in planned:
        if plan.status == S.DRAFT:
            continue
        for kind, (name, size, sha256) in files.items():
            documents.append(
                Document(
                    application=plan.obj,
                    kind=kind,
                    file=name,
                    original_name=f"{plan.obj.acronym.lower()}-{kind}.pdf",
                    size=size,
                    sha256=sha256,
                    is_current=True,
                    uploaded_by=plan.obj.coordinator,
                )
            )
    context.insert(Document, documents)
    by_application: dict[int, list[Document]] = {}
    for document in documents:
        by_application.setdefault(document.application_id, []).append(document)
    for plan in planned:
        if plan.status == S.DRAFT:
            continue
        application = plan.obj
        versions.append(
            ApplicationVersion(
                application=application,
                number=1,
                submitted_at=application.submitted_at,
                submitted_by=application.coordinator,
                snapshot={
                    "title": application.title,
                    "acronym": application.acronym,
                    "abstract": application.abstract,
                    "keywords": application.keywords,
                    "call": call.slug,
                    "partners": [
                        {"unit": unit.label, "institute": institute}
                        for unit, institute in plan.partners
                    ],
                    "documents": [
                        {"kind": d.kind, "sha256": d.sha256, "size": d.size, "file": d.file.name}
                        for d in by_application.get(application.pk, [])
                    ],
                },
            )
        )
    context.insert(ApplicationVersion, versions)


def _create_exclusions(
    context: Context, planned: list[PlannedApplication], expert_names: list[str]
) -> None:
    rows = []
    for plan in planned:
        if plan.excluded_expert is not None:
            name = expert_names[plan.excluded_expert]
        elif plan.excluded_other:
            name = plan.excluded_other
        else:
            continue
        rows.append(
            ExcludedReviewer(
                application=plan.obj,
                name=name,
                institution="",
                reason="Competing project on the same question.",
            )
        )
    context.insert(ExcludedReviewer, rows)
