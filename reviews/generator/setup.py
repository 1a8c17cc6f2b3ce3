"""Reference data and the call itself: sample units, disciplines, the call with its
criteria, required documents, funding source and confidentiality terms, staff users,
and the PDF files every generated document points at."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from aissai.accounts.models import User
from calls.demo import DISCIPLINES, demo_pdf
from calls.models import (
    Call,
    CallStatus,
    Criterion,
    Discipline,
    FundingSource,
    Institute,
    RequiredDocument,
    Unit,
)
from calls.services.reference import import_units_from_path
from reviews.models import ConfidentialityTerms

from .context import OPEN, REVIEW, Context

UNITS_CSV = settings.BASE_DIR / "calls" / "data" / "units_sample.csv"

CRITERIA = (
    # (English, French, weight, allows N/A)
    ("Scientific excellence", "Excellence scientifique", 2, False),
    ("AI × science interdisciplinarity", "Interdisciplinarité IA × science", 1, False),
    ("Feasibility and the postdoc's training", "Faisabilité et formation du postdoc", 1, False),
    ("Strength of the multi-unit collaboration", "Force de la collaboration", 1, True),
)
REQUIRED_DOCUMENTS = (
    ("project", "Project description", "Description du projet"),
    ("cv", "Coordinator's CV", "CV du coordinateur"),
)


@dataclass(frozen=True)
class UnitChoice:
    """A sample unit as the generator uses it (no query per application)."""

    pk: int
    label: str
    name: str
    institutes: tuple[int, ...]  # main first
    institute_acronyms: tuple[str, ...]
    domain: str


def ensure_reference_data(context: Context) -> None:
    """Import the sample units when none is there; make sure the disciplines exist."""
    if not Unit.objects.filter(is_active=True).exists():
        import_units_from_path(UNITS_CSV)
    for name_en, name_fr in DISCIPLINES:
        Discipline.objects.get_or_create(name_en=name_en, defaults={"name_fr": name_fr})
    acronyms = dict(Institute.objects.values_list("pk", "acronym"))
    units = []
    for unit in (
        Unit.objects.filter(is_active=True)
        .prefetch_related("secondary_institutes")
        .order_by("unit_type", "number")
    ):
        secondary = sorted(i.pk for i in unit.secondary_institutes.all())
        institutes = (
            unit.main_institute_id,
            *[i for i in secondary if i != unit.main_institute_id],
        )
        units.append(
            UnitChoice(
                pk=unit.pk,
                label=unit.label,
                name=unit.name,
                institutes=institutes,
                institute_acronyms=tuple(acronyms[i] for i in institutes),
                domain=(unit.email_domains or ["cnrs.fr"])[0],
            )
        )
    if len({u.institutes[0] for u in units}) < 2:
        raise ValueError("The generator needs active units from at least two institutes.")
    context.objects["units"] = units
    context.objects["disciplines"] = {
        d.name_en: d for d in Discipline.objects.filter(name_en__in=[n for n, _ in DISCIPLINES])
    }


def _dates(context: Context) -> dict:
    now, stage = context.now, context.options.stage
    if stage == OPEN:
        return {
            "status": CallStatus.OPEN,
            "opens_at": now - timedelta(days=30),
            "closes_at": now + timedelta(days=2),
            "review_deadline": now + timedelta(days=90),
        }
    if stage == REVIEW:
        return {
            "status": CallStatus.IN_REVIEW,
            "opens_at": now - timedelta(days=90),
            "closes_at": now - timedelta(days=30),
            "review_deadline": now + timedelta(days=14),
        }
    return {
        "status": CallStatus.SELECTION,
        "opens_at": now - timedelta(days=120),
        "closes_at": now - timedelta(days=60),
        "review_deadline": now - timedelta(days=7),
    }


def list_sizes(applications: int) -> tuple[int, int]:
    """Fellowships and complementary-list size, growing slowly with the call (6 + 3 at 55)."""
    fellowships = max(6, applications // 100)
    return fellowships, max(3, fellowships // 2)


def create_call(context: Context) -> Call:
    options = context.options
    fellowships, complementary = list_sizes(options.applications)
    call = Call.objects.create(
        edition_year=context.now.year,
        slug=context.slug,
        reference_prefix=f"GEN-{uuid.uuid4().hex[:12]}",  # GEN<pk> below, once the pk is known
        title_en=f"Generated call {context.slug}",
        title_fr=f"Appel généré {context.slug}",
        summary_en="A generated call for performance measurements.",
        summary_fr="Un appel généré pour les mesures de performance.",
        fellowships=fellowships,
        complementary_size=complementary,
        reviews_per_application=options.reviews_per_application,
        **_dates(context),
    )
    criteria = Criterion.objects.bulk_create(
        Criterion(
            call=call,
            name_en=name_en,
            name_fr=name_fr,
            weight=weight,
            scale_min=0,
            scale_max=5,
            allow_na=allow_na,
            position=position,
        )
        for position, (name_en, name_fr, weight, allow_na) in enumerate(CRITERIA, start=1)
    )
    RequiredDocument.objects.bulk_create(
        RequiredDocument(call=call, kind=kind, name_en=name_en, name_fr=name_fr, position=position)
        for position, (kind, name_en, name_fr) in enumerate(REQUIRED_DOCUMENTS, start=1)
    )
    FundingSource.objects.create(call=call, name="Industry donation", fellowships=fellowships)
    # References (GEN<call pk>-<year>-<n>) never collide with another call's.
    call.reference_prefix = f"GEN{call.pk}"
    call.tie_break_order = [f"criterion:{criteria[0].pk}", "institutes"]
    call.save(update_fields=["reference_prefix", "tie_break_order"])
    ConfidentialityTerms.objects.create(
        call=call,
        version=1,
        text_en="I keep everything I read for this call confidential.",
        text_fr="Je garde confidentiel tout ce que je lis pour cet appel.",
    )
    context.counts["calls.Call"] += 1
    context.objects["call"] = call
    context.objects["criteria"] = sorted(criteria, key=lambda c: c.position)
    context.objects["password_hash"] = make_password(options.password)
    return call


def create_staff(context: Context) -> User:
    """A programme staff member with admin access, for the staff pages and the admin."""
    staff = User.objects.create(
        email=f"staff@{context.domain}",
        full_name="Generated Staff",
        language="en",
        is_programme_staff=True,
        is_staff=True,
        email_verified_at=context.now,
        password=context.objects["password_hash"],
    )
    context.counts["accounts.User"] += 1
    context.objects["staff"] = staff
    return staff


def store_documents(context: Context) -> dict[str, tuple[str, int, str]]:
    """One small valid PDF per required kind, written once to the storage; every generated
    Document row of that kind points at it. Returns kind -> (name, size, sha256)."""
    files = {}
    for kind, name_en, _name_fr in REQUIRED_DOCUMENTS:
        data = demo_pdf(f"{name_en} (generated)")
        name = default_storage.save(f"generated/{context.slug}/{kind}.pdf", ContentFile(data))
        files[kind] = (name, len(data), hashlib.sha256(data).hexdigest())
    context.objects["files"] = files
    return files
