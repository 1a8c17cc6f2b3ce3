"""The past edition of the demo: the AISSAI postdoc call of last year, decided.

It tells the story of the first edition: 55 applications from units of the ten CNRS
institutes, 11 international experts (3 reviews per application, each expert with their
own leniency), 25 shortlisted, 6 on the main list and 3 on the complementary list, results
published (held mails, then released), and an additional grant for 2 fellowships that
promotes the first two of the complementary list: 8 funded.

Rows that no service makes one at a time fast enough (applicants, applications, partners,
assignments, reviews) are written with ``bulk_create``; every status change goes through
the transitions and the selection services, so the audit trail, the list history and the
mails are those of a real call. Idempotent: once the call exists it is left as it is.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.db.models.signals import post_save

from aissai.accounts.demo import demo_password_hash
from aissai.accounts.models import User
from aissai.audit.services import record_event
from aissai.notifications.models import OutboxMessage, OutboxStatus
from aissai.notifications.services import release_mails
from calls.demo import add_rules, call_texts, demo_pdf, ensure_disciplines, lead_email
from calls.models import (
    Application,
    ApplicationStatus,
    ApplicationVersion,
    Call,
    CallStatus,
    Partner,
    Unit,
)
from calls.selectors.applications import with_content
from calls.services.calls import change_call_status
from calls.services.documents import upload_document
from calls.services.submission import _snapshot
from calls.transitions import APPLICANT, STAFF, transition
from reviews.generator import vocabulary as words
from reviews.models import Assignment, Invitation
from reviews.selectors.lists import TO_MAIN, build_board
from reviews.selectors.scoreboard import MEAN, build_scoreboard
from reviews.selectors.shortlist import suggest_shortlist
from reviews.services.assignment.manual import add_reviewer
from reviews.services.conflicts import _application_saved, detect_and_store
from reviews.services.decisions import add_funding_source, fix_lists
from reviews.services.list_edits import move_application
from reviews.services.lists import Seen
from reviews.services.results import publish_results
from reviews.services.shortlist import confirm_shortlist

from .experts import (
    REVIEWER_KEYWORDS,
    ensure_reviewer,
    invite_experts,
    reviewer_data,
    slug,
    write_reviews,
)

PARIS = ZoneInfo("Europe/Paris")
APPLICATIONS, SHORTLISTED = 55, 25
SEED = 2025
APPLICATION_HOOK = "reviews.conflicts.application"  # see reviews.services.conflicts

INSTITUTE_DISCIPLINES = {
    "INSB": "Biology and health",
    "INC": "Chemistry",
    "INEE": "Ecology and environment",
    "INSIS": "Engineering",
    "INSMI": "Mathematics",
    "IN2P3": "Nuclear and particle physics",
    "INP": "Physics",
    "INSHS": "Humanities and social sciences",
    "INS2I": "Computer science",
    "INSU": "Earth and universe sciences",
}


@dataclass
class PastEdition:
    call: Call
    created: bool


def _paris(year: int, month: int, day: int) -> datetime:
    return datetime.combine(datetime(year, month, day).date(), time(12), tzinfo=PARIS)


def ensure_past_edition(*, year: int, staff: User, reviewer: User) -> PastEdition:
    """The decided edition of ``year``; found again (and left alone) if it exists."""
    slug = f"aissai-postdoc-{year}"
    existing = Call.objects.filter(slug=slug).first()
    if existing is not None:
        return PastEdition(call=existing, created=False)
    with _one_detection():
        call = _build(slug, year=year, staff=staff, reviewer=reviewer)
    return PastEdition(call=call, created=True)


@contextmanager
def _one_detection():
    """Each status change of an application schedules a conflict detection for it; the
    builder runs one detection for the whole call instead (hundreds of saves otherwise)."""
    post_save.disconnect(sender=Application, dispatch_uid=APPLICATION_HOOK)
    try:
        yield
    finally:
        post_save.connect(_application_saved, sender=Application, dispatch_uid=APPLICATION_HOOK)


def _build(slug: str, *, year: int, staff: User, reviewer: User) -> Call:
    rng = random.Random(SEED)
    call = Call.objects.create(
        slug=slug,
        **call_texts(year),
        status=CallStatus.IN_REVIEW,
        opens_at=_paris(year, 1, 15),
        closes_at=_paris(year, 3, 31),
        review_deadline=_paris(year, 6, 15),
    )
    add_rules(call, granted_on=_paris(year, 1, 10).date())
    record_event(actor=staff, verb="call.created", target=call, data={"demo": True})
    applications = _submitted_applications(call, staff=staff, rng=rng)
    invitations = invite_experts(call, staff=staff, reviewer=reviewer)
    detect_and_store(call=call, by=staff)
    write_reviews(call, applications, invitations, staff=staff, rng=rng)
    _select(call, staff=staff)
    return call


# ---------------------------------------------------------------- applications


def _consortium(index: int, by_institute: dict[str, list[Unit]], rng: random.Random):
    """2 or 3 units from at least 2 institutes; the coordinator's institute cycles through
    the ten so that every institute carries applications."""
    institutes = sorted(by_institute)
    first = institutes[index % len(institutes)]
    others = rng.sample([i for i in institutes if i != first], 2)
    chosen = [first, others[0]] + ([others[1]] if rng.random() < 0.4 else [])
    return [rng.choice(by_institute[acronym]) for acronym in chosen]


def _text(rng: random.Random, units: list[Unit]) -> dict:
    science_field = INSTITUTE_DISCIPLINES[units[0].main_institute.acronym]
    if science_field == "Computer science":
        science_field = INSTITUTE_DISCIPLINES[units[1].main_institute.acronym]
    ai = rng.sample(words.AI_KEYWORDS, 2)
    science = rng.sample(words.SCIENCE_KEYWORDS[science_field], 3)
    title = rng.choice(words.TITLE_TEMPLATES).format(ai=ai[0], science=science[0])
    sentences = rng.sample(words.ABSTRACT_SENTENCES, 4)
    abstract = " ".join(s.format(ai=rng.choice(ai), science=rng.choice(science)) for s in sentences)
    initials = "".join(w[0] for w in title.split() if w[0].isalpha()).upper()[:6]
    return {
        "title": (title[0].upper() + title[1:])[:250],
        "acronym": initials,
        "abstract": abstract,
        "keywords": [*ai, *science[:2]],
        "ai_side": f"We use {ai[0]} and {ai[1]}.",
        "science_side": f"The scientific questions concern {', '.join(science)}.",
        "postdoc_profile": f"A PhD in a field close to {science[0]}, with skills in {ai[0]}.",
        "industry_interest": rng.random() < 0.4,
        "_discipline": science_field,
    }


def _submitted_applications(call: Call, *, staff: User, rng: random.Random) -> list[Application]:
    """55 complete applications, submitted (by their coordinator) and ruled eligible."""
    by_institute: dict[str, list[Unit]] = {}
    for unit in Unit.objects.active().select_related("main_institute").order_by("label"):
        by_institute.setdefault(unit.main_institute.acronym, []).append(unit)
    disciplines = ensure_disciplines()
    password = demo_password_hash()
    plans, users = [], []
    for index in range(APPLICATIONS):
        units = _consortium(index, by_institute, rng)
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        email = lead_email(f"{slug(first)}.{slug(last)}{index + 1}", units[0])
        users.append(
            User(
                email=email,
                full_name=f"{first} {last}",
                language=rng.choice(["fr", "fr", "en"]),
                password=password,
                email_verified_at=call.opens_at,
            )
        )
        plans.append((units, _text(rng, units), email))
    User.objects.bulk_create(users)
    by_email = {u.email: u for u in User.objects.filter(email__in=[u.email for u in users])}
    applications = []
    for index, (units, text, email) in enumerate(plans):
        text = dict(text)
        discipline = text.pop("_discipline")
        text["acronym"] = f"{text['acronym']}-{index + 1}"
        text["planned_start"] = _paris(call.edition_year, 10, 1).date()
        application = Application(call=call, coordinator=by_email[email])
        for key, value in text.items():
            setattr(application, key, value)
        applications.append((application, units, discipline))
    Application.objects.bulk_create([a for a, _u, _d in applications])
    _add_partners_and_disciplines(call, applications, disciplines)
    result = []
    for number, (application, _units, _discipline) in enumerate(applications, start=1):
        result.append(_submit(call, application, number, staff=staff, rng=rng))
    Call.objects.filter(pk=call.pk).update(next_reference_number=APPLICATIONS + 1)
    return result


def _add_partners_and_disciplines(call: Call, applications: list, disciplines: dict) -> None:
    """Each application's consortium, its coordinator leading the first unit, all
    confirmed; and its discipline."""
    partners, links = [], []
    for application, units, discipline in applications:
        links.append(
            Application.disciplines.through(
                application_id=application.pk, discipline_id=disciplines[discipline].pk
            )
        )
        for position, unit in enumerate(units):
            coordinator = application.coordinator
            partners.append(
                Partner(
                    application=application,
                    unit=unit,
                    institute=unit.main_institute,
                    lead_name=coordinator.full_name if position == 0 else f"Lead of {unit.acronym}",
                    lead_email=coordinator.email if position == 0 else lead_email("lead", unit),
                    is_coordinating=position == 0,
                    confirmation_sent_at=call.opens_at + timedelta(days=20),
                    confirmed_at=call.opens_at + timedelta(days=21),
                    position=position,
                )
            )
    Partner.objects.bulk_create(partners)
    Application.disciplines.through.objects.bulk_create(links)


def _submit(call: Call, application: Application, number: int, *, staff, rng) -> Application:
    submitted_at = call.closes_at - timedelta(days=rng.randint(0, 20), hours=rng.randint(1, 9))
    reference = f"{call.reference_prefix}-{call.edition_year}-{number:03d}"
    documents = []
    for required in call.required_documents.all():
        data = demo_pdf(f"{application.acronym}: {required.name_en} (demo document)")
        upload = SimpleUploadedFile(
            f"{application.acronym.lower()}-{required.kind}.pdf", data, "application/pdf"
        )
        documents.append(
            upload_document(
                application=application,
                by=application.coordinator,
                kind=required.kind,
                upload=upload,
            )
        )
    loaded = with_content(Application.objects.all()).get(pk=application.pk)
    ApplicationVersion.objects.create(
        application=loaded,
        number=1,
        submitted_at=submitted_at,
        submitted_by=loaded.coordinator,
        snapshot=_snapshot(loaded, documents),
    )
    transition(
        application=loaded,
        to=ApplicationStatus.SUBMITTED,
        by=loaded.coordinator,
        as_role=APPLICANT,
        data={"reference": reference, "version": 1},
        update_fields={"submitted_at": submitted_at, "version": 1, "reference": reference},
    )
    transition(
        application=loaded,
        to=ApplicationStatus.ELIGIBLE,
        by=staff,
        as_role=STAFF,
        reason="Consortium rule met: at least 2 units from at least 2 institutes.",
    )
    return loaded


# ---------------------------------------------------------------- reviewers and reviews


# ---------------------------------------------------------------- selection


def _seen(board) -> Seen:
    return Seen(board.main_version, board.complementary_version)


def _select(call: Call, *, staff: User) -> None:
    """Shortlist 25 by mean score, lists of 6 + 3 (the panel swaps the last of the main
    list with the first of the complementary list), fix them, publish the results, add a
    grant for 2 fellowships (the first 2 waiting are promoted) and release the mails."""
    change_call_status(call=call, to=CallStatus.SELECTION, by=staff)
    call.refresh_from_db()
    suggestion = suggest_shortlist(build_scoreboard(call), score=MEAN, target=SHORTLISTED)
    confirm_shortlist(
        call=call,
        by=staff,
        shortlisted_ids=suggestion.candidate_ids[:SHORTLISTED],
        candidate_ids=suggestion.candidate_ids,
        suggested_ids=suggestion.suggested_ids,
        score=MEAN,
        target=SHORTLISTED,
    )
    board = build_board(call)
    move_application(
        call=call,
        by=staff,
        application_id=board.complementary_ids[0],
        action=TO_MAIN,
        reason="Panel: a stronger collaboration between institutes than its neighbour.",
        seen=_seen(board),
    )
    board = build_board(call)
    fix_lists(
        call=call,
        by=staff,
        seen=_seen(board),
        main_ids=board.main_ids,
        complementary_ids=board.complementary_ids,
    )
    call.refresh_from_db()
    publish_results(call=call, by=staff)
    call.refresh_from_db()
    add_funding_source(
        call=call,
        by=staff,
        name="Additional grant",
        fellowships=2,
        reason="A second donation pays for two more fellowships.",
    )
    held = OutboxMessage.objects.filter(status=OutboxStatus.HELD).filter(
        Q(replace_key__startswith="results:") | Q(event="promotion")
    )
    release_mails(actor=staff, messages=held)


# ---------------------------------------------------------------- the open edition


def ensure_open_call_reviewer(call: Call, *, staff: User, reviewer: User) -> Assignment | None:
    """The demo reviewer also reviews for the open call: one eligible application is
    assigned to them, its review still to write."""
    if Invitation.objects.filter(call=call, expert__user=reviewer).exists():
        return None
    data = reviewer_data(reviewer, keywords=REVIEWER_KEYWORDS)
    invitation = ensure_reviewer(call, user=reviewer, staff=staff, data=data)
    application = call.applications.filter(status=ApplicationStatus.ELIGIBLE).order_by("pk").first()
    if application is None:
        return None
    return add_reviewer(application=application, invitation=invitation, by=staff)
