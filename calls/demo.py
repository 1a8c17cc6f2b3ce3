"""Demo data for calls and applications: the sample units, the list of disciplines, the
next edition of the AISSAI postdoc call (open, closing in about three weeks) and
applications in several states, each made through the same services the site uses.

Idempotent: what exists is found again and left as it is, so running it twice creates
nothing new. Used by ``manage.py load_demo`` (embedded mode only).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from aissai.accounts.demo import demo_password_hash
from aissai.accounts.models import User
from calls.models import (
    Application,
    Call,
    CallStatus,
    Criterion,
    FundingSource,
    Institute,
    InstituteCorrespondent,
    Partner,
    RequiredDocument,
    Unit,
)
from calls.services.applications import save_draft, start_application
from calls.services.correspondents import grant_correspondent
from calls.services.documents import upload_document
from calls.services.eligibility import rule_eligibility
from calls.services.partners import add_partner, confirm_partner
from calls.services.reference.disciplines import DISCIPLINES, ensure_disciplines  # noqa: F401
from calls.services.submission import submit_application

PARIS = ZoneInfo("Europe/Paris")
UNITS_CSV = settings.BASE_DIR / "calls" / "data" / "units_sample.csv"


EXTRA_APPLICANTS = [
    # (e-mail, full name, language)
    ("bruno.leroy@demo.aissai.localhost", "Bruno Leroy", "fr"),
    ("sofia.russo@demo.aissai.localhost", "Sofia Russo", "en"),
    ("karim.benali@demo.aissai.localhost", "Karim Benali", "fr"),
    ("emma.schmidt@demo.aissai.localhost", "Emma Schmidt", "en"),
    ("lucie.moreau@demo.aissai.localhost", "Lucie Moreau", "fr"),
]


def demo_pdf(text: str) -> bytes:
    """A small, valid one-page PDF showing ``text`` (ASCII), with a correct xref table."""
    safe = text.encode("ascii", "replace").replace(b"\\", b"\\\\")
    safe = safe.replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 16 Tf 72 760 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def ensure_units() -> None:
    """The sample units, imported by ``import_units`` unless they are all there already
    (an import is idempotent, but each run leaves an audit event)."""
    with UNITS_CSV.open(encoding="utf-8", newline="") as handle:
        labels = {Unit.make_label(row["type"], row["number"]) for row in csv.DictReader(handle)}
    if Unit.objects.filter(label__in=labels).count() < len(labels):
        call_command("import_units", str(UNITS_CSV), stdout=io.StringIO())


def _at_noon_paris(moment: datetime) -> datetime:
    return datetime.combine(timezone.localtime(moment, PARIS).date(), time(12), tzinfo=PARIS)


def call_texts(year: int) -> dict:
    """Titles, summary, rules and sizes of the AISSAI postdoc call of ``year``."""
    return {
        "edition_year": year,
        "title_en": f"AISSAI postdoctoral fellowships, {year} edition",
        "title_fr": f"Contrats postdoctoraux AISSAI, édition {year}",
        "summary_en": (
            "Eighteen-month postdoctoral fellowships for projects that join artificial "
            "intelligence and another science, carried by at least two CNRS units from "
            "at least two CNRS institutes."
        ),
        "summary_fr": (
            "Contrats postdoctoraux de dix-huit mois pour des projets qui allient "
            "intelligence artificielle et une autre science, portés par au moins deux "
            "unités CNRS relevant d’au moins deux instituts du CNRS."
        ),
        "rules_en": (
            "The project involves at least 2 research units from at least 2 CNRS "
            "institutes. Each partner unit's lead scientist confirms participation "
            "before submission. Documents are PDF files."
        ),
        "rules_fr": (
            "Le projet associe au moins 2 unités de recherche relevant d’au moins 2 "
            "instituts du CNRS. La ou le responsable scientifique de chaque unité "
            "partenaire confirme sa participation avant le dépôt. Les documents sont des "
            "fichiers PDF."
        ),
        "fellowships": 6,
        "complementary_size": 3,
        "partner_confirmation_required": True,
        "tie_break_order": ["criterion:1", "institutes"],
    }


def ensure_open_call(now: datetime | None = None) -> Call:
    """The next edition of the AISSAI postdoc call, open, closing in about three weeks."""
    now = now or timezone.now()
    closes_at = _at_noon_paris(now + timedelta(days=21))
    year = closes_at.year
    call, created = Call.objects.get_or_create(
        slug=f"aissai-postdoc-{year}",
        defaults={
            **call_texts(year),
            "status": CallStatus.OPEN,
            "opens_at": _at_noon_paris(now - timedelta(days=30)),
            "closes_at": closes_at,
            "review_deadline": closes_at + timedelta(days=75),
        },
    )
    if created:
        add_rules(call)
    return call


def add_rules(call: Call, *, granted_on=None) -> None:
    """The call's criteria, required documents and its first funding source (the donation)."""
    criteria = [
        ("Scientific excellence", "Excellence scientifique", 2, False),
        ("AI × science interdisciplinarity", "Interdisciplinarité IA × science", 1, False),
        ("Feasibility and the postdoc's training", "Faisabilité et formation", 1, False),
        ("Strength of the multi-unit collaboration", "Collaboration multi-unités", 1, True),
    ]
    for position, (name_en, name_fr, weight, allow_na) in enumerate(criteria, start=1):
        Criterion.objects.create(
            call=call,
            name_en=name_en,
            name_fr=name_fr,
            weight=weight,
            allow_na=allow_na,
            position=position,
        )
    documents = [
        ("project", "Project description", "Description du projet", 10, True),
        ("cv", "Coordinator's CV", "CV de la personne qui coordonne le projet", 5, True),
        ("letters", "Letters of support", "Lettres de soutien", 5, False),
    ]
    for position, (kind, name_en, name_fr, megabytes, required) in enumerate(documents, 1):
        RequiredDocument.objects.create(
            call=call,
            kind=kind,
            name_en=name_en,
            name_fr=name_fr,
            max_bytes=megabytes * 1024 * 1024,
            is_required=required,
            position=position,
        )
    FundingSource.objects.create(
        call=call,
        name="Industry donation",
        fellowships=6,
        granted_on=granted_on or timezone.localdate(),
    )


def ensure_extra_applicants() -> dict[str, User]:
    users = {}
    for email, name, language in EXTRA_APPLICANTS:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": name,
                "language": language,
                "email_verified_at": timezone.now(),
            },
        )
        if created:
            user.password = demo_password_hash()
            user.save(update_fields=["password"])
        users[email] = user
    return users


@dataclass
class DemoApplication:
    owner: str  # "applicant" (the demo login) or an extra applicant's e-mail
    acronym: str
    title: str
    keywords: list[str]
    disciplines: list[str]
    # (institute acronym, n-th unit of that institute in the sample) per partner; the
    # first is the coordinator's own unit
    units: list[tuple[str, int]]
    documents: list[str] = field(default_factory=list)
    confirm: bool = False
    submit: bool = False
    ruling: str = ""  # "eligible" or "ineligible"
    reason: str = ""


APPLICATIONS = [
    DemoApplication(
        owner="applicant",
        acronym="TURBO-ML",
        title="Learning atmospheric turbulence with neural operators",
        keywords=["neural operators", "turbulence", "climate"],
        disciplines=["Computer science", "Earth and universe sciences"],
        units=[("INS2I", 0)],  # one unit only: the panel asks for another institute
    ),
    DemoApplication(
        owner="bruno.leroy@demo.aissai.localhost",
        acronym="CATALYST-AI",
        title="Generative models for the design of molecular catalysts",
        keywords=["generative models", "catalysis", "chemistry"],
        disciplines=["Chemistry", "Computer science"],
        units=[("INC", 0), ("INS2I", 1)],
        documents=["project"],  # the CV is still missing
    ),
    DemoApplication(
        owner="sofia.russo@demo.aissai.localhost",
        acronym="GLACIA",
        title="Forecasting glacier retreat with physics-informed machine learning",
        keywords=["glaciology", "physics-informed learning"],
        disciplines=["Earth and universe sciences", "Computer science"],
        units=[("INSU", 0), ("INS2I", 0)],
        documents=["project", "cv"],
        confirm=True,
        submit=True,
    ),
    DemoApplication(
        owner="karim.benali@demo.aissai.localhost",
        acronym="LINGUA-NET",
        title="Language models for endangered languages documentation",
        keywords=["language models", "linguistics", "low-resource languages"],
        disciplines=["Humanities and social sciences", "Computer science"],
        units=[("INSHS", 1), ("INS2I", 2), ("INSMI", 0)],
        documents=["project", "cv", "letters"],
        confirm=True,
        submit=True,
    ),
    DemoApplication(
        owner="emma.schmidt@demo.aissai.localhost",
        acronym="QUANTUM-LEAF",
        title="Machine learning for quantum photonic sensors of plant physiology",
        keywords=["quantum sensing", "photonics", "plant biology"],
        disciplines=["Physics", "Biology and health"],
        units=[("INP", 1), ("INSB", 0)],
        documents=["project", "cv"],
        confirm=True,
        submit=True,
        ruling="eligible",
    ),
    DemoApplication(
        owner="lucie.moreau@demo.aissai.localhost",
        acronym="SOCIO-GRAPH",
        title="A survey of social networks in eighteenth-century Lyon",
        keywords=["history", "social networks"],
        disciplines=["Humanities and social sciences"],
        units=[("INSHS", 0), ("INSMI", 1)],
        documents=["project", "cv"],
        confirm=True,
        submit=True,
        ruling="ineligible",
        reason=(
            "The project does not develop or use artificial intelligence methods: the call "
            "funds projects joining AI and another science."
        ),
    ),
]


def _unit(institute: str, index: int) -> Unit:
    units = list(
        Unit.objects.active().filter(main_institute__acronym=institute).order_by("label", "pk")
    )
    return units[index % len(units)]


def _lead(unit: Unit, coordinator: User, position: int) -> tuple[str, str]:
    if position == 0:
        return coordinator.full_name, coordinator.email
    return f"Lead scientist of {unit.acronym or unit.label}", lead_email("lead", unit)


def lead_email(local_part: str, unit: Unit) -> str:
    """A partner lead's address on their unit's own (fictitious) domain: never the demo
    logins' domain, so the demo reviewer has no conflict with the demo applications."""
    slug = "".join(c for c in (unit.acronym or unit.number).lower() if c.isalnum())
    return f"{local_part}@{slug}.labs.example"


def _build(spec: DemoApplication, *, call: Call, owner: User, staff: User, disciplines) -> None:
    application = start_application(call=call, by=owner)
    save_draft(
        application=application,
        by=owner,
        fields={
            "title": spec.title,
            "acronym": spec.acronym,
            "abstract": (
                f"{spec.title}. The project brings a postdoctoral researcher into "
                "partner units to join recent AI methods with a scientific question "
                "that needs them."
            ),
            "keywords": spec.keywords,
            "ai_side": "Deep learning models trained and validated on the partners' data.",
            "science_side": "An open question of the partners' field, tested on real data.",
            "postdoc_profile": "A PhD in machine learning or in the application field.",
            "planned_start": (call.closes_at + timedelta(days=150)).date(),
            "industry_interest": spec.submit,
        },
        disciplines=[disciplines[name] for name in spec.disciplines],
    )
    for position, (institute, index) in enumerate(spec.units):
        unit = _unit(institute, index)
        lead_name, lead_email = _lead(unit, owner, position)
        add_partner(
            application=application,
            by=owner,
            unit_id=unit.pk,
            institute_id=unit.main_institute_id,
            lead_name=lead_name,
            lead_email=lead_email,
        )
    for kind in spec.documents:
        data = demo_pdf(f"{spec.acronym}: {kind} (demo document)")
        upload = SimpleUploadedFile(f"{spec.acronym.lower()}-{kind}.pdf", data, "application/pdf")
        upload_document(application=application, by=owner, kind=kind, upload=upload)
    if spec.confirm:
        for partner in Partner.objects.filter(application=application, confirmed_at__isnull=True):
            confirm_partner(token=partner.confirmation_token)
    if spec.submit:
        submit_application(application=application, by=owner)
    if spec.ruling:
        rule_eligibility(
            application=application,
            by=staff,
            eligible=spec.ruling == "eligible",
            reason=spec.reason,
        )


def ensure_demo_calls(users: dict[str, User]) -> Call:
    """Everything above; ``users`` are the demo logins (``applicant`` and ``staff`` used)."""
    ensure_units()
    disciplines = ensure_disciplines()
    call = ensure_open_call()
    owners = {"applicant": users["applicant"], **ensure_extra_applicants()}
    for spec in APPLICATIONS:
        owner = owners[spec.owner]
        if Application.objects.filter(call=call, coordinator=owner).exists():
            continue
        _build(spec, call=call, owner=owner, staff=users["staff"], disciplines=disciplines)
    return call


def ensure_correspondent(user: User, *, staff: User, institute: str = "INS2I") -> None:
    """``user`` is the correspondent of ``institute`` (CNRS Sciences informatiques takes
    part in most demo applications)."""
    target = Institute.objects.get(acronym=institute)
    if not InstituteCorrespondent.objects.filter(user=user, institute=target).exists():
        grant_correspondent(user=user, institute=target, by=staff)
