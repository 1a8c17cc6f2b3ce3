"""Factories for calls and applications: minimal valid defaults."""

from datetime import timedelta

import factory
from django.utils import timezone

from calls.models import (
    Application,
    Call,
    CallStatus,
    Criterion,
    Discipline,
    Document,
    FundingSource,
    Institute,
    ParentInstitution,
    Partner,
    RequiredDocument,
    Unit,
)
from calls.services.calls import suggest_reference_prefix

from .accounts import UserFactory

INSTITUTES = [
    ("INSB", "CNRS Biologie", "CNRS Biology"),
    ("INC", "CNRS Chimie", "CNRS Chemistry"),
    ("INEE", "CNRS Écologie & Environnement", "CNRS Ecology & Environment"),
    ("INSIS", "CNRS Ingénierie", "CNRS Engineering"),
    ("INSMI", "CNRS Mathématiques", "CNRS Mathematics"),
    ("IN2P3", "CNRS Nucléaire & Particules", "CNRS Nuclear & Particle Physics"),
    ("INP", "CNRS Physique", "CNRS Physics"),
    ("INSHS", "CNRS Sciences humaines & sociales", "CNRS Humanities & Social Sciences"),
    ("INS2I", "CNRS Sciences informatiques", "CNRS Computer Sciences"),
    ("INSU", "CNRS Terre & Univers", "CNRS Earth & Universe"),
]


def institute(acronym: str) -> Institute:
    """The institute with this acronym (created if a transactional test flushed it)."""
    for code, name_fr, name_en in INSTITUTES:
        if code == acronym:
            return Institute.objects.get_or_create(
                acronym=code, defaults={"name_fr": name_fr, "name_en": name_en}
            )[0]
    raise ValueError(acronym)


class ParentInstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParentInstitution

    name = factory.Sequence(lambda n: f"Université numéro {n}")
    acronym = factory.Sequence(lambda n: f"U{n}")
    email_domains = factory.LazyAttribute(lambda o: [f"{o.acronym.lower()}.example.fr"])


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        skip_postgeneration_save = True

    unit_type = "UMR"
    number = factory.Sequence(lambda n: str(8000 + n))
    name = factory.Sequence(lambda n: f"Laboratoire de recherche {n}")
    acronym = factory.Sequence(lambda n: f"LAB{n}")
    city = "Paris"
    main_institute = factory.LazyFunction(lambda: institute("INS2I"))
    email_domains = factory.LazyAttribute(lambda o: [f"{o.acronym.lower()}.example.fr"])


class CallFactory(factory.django.DjangoModelFactory):
    """An open call (deadline in 30 days) with the AISSAI rules: 2 units, 2 institutes."""

    class Meta:
        model = Call
        skip_postgeneration_save = True

    edition_year = 2025
    # "AISSAI" for the first call of a year, then the first free prefix (AISSAI2...), as
    # staff are offered: two calls of a year never share a prefix.
    reference_prefix = factory.LazyAttribute(
        lambda o: suggest_reference_prefix("AISSAI", o.edition_year)
    )
    slug = factory.Sequence(lambda n: f"aissai-postdoc-{n}")
    title_en = factory.Sequence(lambda n: f"AISSAI postdoctoral call {n}")
    title_fr = factory.Sequence(lambda n: f"Appel postdoctoral AISSAI {n}")
    summary_en = "Eighteen-month postdoctoral fellowships joining AI and another science."
    summary_fr = "Contrats postdoctoraux de dix-huit mois alliant IA et une autre science."
    status = CallStatus.OPEN
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    review_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=90))

    @factory.post_generation
    def with_rules(obj, create, extracted, **kwargs):
        """Criteria and required documents, unless ``with_rules=False``."""
        if not create or extracted is False:
            return
        CriterionFactory(
            call=obj,
            name_en="Scientific excellence",
            name_fr="Excellence scientifique",
            position=1,
            weight=2,
        )
        CriterionFactory(
            call=obj,
            name_en="AI × science interdisciplinarity",
            name_fr="Interdisciplinarité IA × science",
            position=2,
        )
        CriterionFactory(
            call=obj,
            name_en="Feasibility and training",
            name_fr="Faisabilité et formation",
            position=3,
        )
        CriterionFactory(
            call=obj,
            name_en="Multi-unit collaboration",
            name_fr="Collaboration multi-unités",
            position=4,
            allow_na=True,
        )
        RequiredDocumentFactory(
            call=obj,
            kind="project",
            name_en="Project description",
            name_fr="Description du projet",
            position=1,
        )
        RequiredDocumentFactory(
            call=obj,
            kind="cv",
            name_en="Coordinator's CV",
            name_fr="CV de la personne qui coordonne le projet",
            position=2,
        )


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    call = factory.SubFactory(CallFactory, with_rules=False)
    name_en = factory.Sequence(lambda n: f"Criterion {n}")
    name_fr = factory.Sequence(lambda n: f"Critère {n}")
    weight = 1
    scale_min = 0
    scale_max = 5


class RequiredDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequiredDocument

    call = factory.SubFactory(CallFactory, with_rules=False)
    kind = factory.Sequence(lambda n: f"doc{n}")
    name_en = factory.Sequence(lambda n: f"Document {n}")
    name_fr = factory.Sequence(lambda n: f"Document {n}")
    max_bytes = 2 * 1024 * 1024


class FundingSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingSource

    call = factory.SubFactory(CallFactory, with_rules=False)
    name = "Industry donation"
    fellowships = 6


class DisciplineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Discipline
        django_get_or_create = ["name_en"]

    name_en = factory.Sequence(lambda n: f"Discipline {n}")
    name_fr = factory.Sequence(lambda n: f"Discipline {n}")


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft with its text filled in and no partners."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    coordinator = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Learning physics with neural operators {n}")
    acronym = factory.Sequence(lambda n: f"NEURO{n}")
    abstract = "We combine machine learning and fluid dynamics to predict turbulence."
    keywords = factory.LazyFunction(lambda: ["machine learning", "turbulence"])
    ai_side = "Neural operators trained on simulation data."
    science_side = "Turbulent flows in the atmosphere."
    postdoc_profile = "A PhD in applied mathematics or physics."


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    application = factory.SubFactory(ApplicationFactory)
    unit = factory.SubFactory(UnitFactory)
    institute = factory.LazyAttribute(lambda o: o.unit.main_institute)
    lead_name = factory.Faker("name")
    lead_email = factory.Sequence(lambda n: f"lead{n}@lab{n}.example.fr")


def eligible_partners(application: Application, institutes=("INS2I", "INP")) -> list[Partner]:
    """Give ``application`` one partner unit per institute named (eligible by default)."""
    partners = []
    for position, acronym in enumerate(institutes):
        unit = UnitFactory(main_institute=institute(acronym))
        partners.append(
            PartnerFactory(
                application=application,
                unit=unit,
                institute=unit.main_institute,
                is_coordinating=position == 0,
                position=position,
            )
        )
    return partners


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    application = factory.SubFactory(ApplicationFactory)
    kind = "project"
    file = factory.django.FileField(filename="project.pdf", data=MINIMAL_PDF)
    original_name = "project.pdf"
    size = len(MINIMAL_PDF)
    sha256 = factory.LazyFunction(lambda: __import__("hashlib").sha256(MINIMAL_PDF).hexdigest())


_reference_numbers = __import__("itertools").count(1)


def submitted_application(
    *,
    call: Call | None = None,
    coordinator=None,
    institutes=("INS2I", "INP"),
    documents: bool = True,
    status: str = "submitted",
    submitted_at=None,
    **fields,
) -> Application:
    """An application as a submission leaves it: one confirmed partner unit per institute
    named, a current PDF for each required document of the call, a reference and a
    submission time (``status`` may name a later state for tests that start there)."""
    call = call or CallFactory()
    application = ApplicationFactory(
        call=call,
        coordinator=coordinator or UserFactory(),
        status=status,
        reference=f"TEST-{call.edition_year}-{next(_reference_numbers):04d}",
        submitted_at=submitted_at or timezone.now() - timedelta(days=1),
        version=1,
        **fields,
    )
    for partner in eligible_partners(application, institutes):
        partner.confirmed_at = timezone.now() - timedelta(days=2)
        partner.save(update_fields=["confirmed_at"])
    if documents:
        for required in call.required_documents.filter(is_required=True):
            DocumentFactory(application=application, kind=required.kind)
    return application


def make_pdf(
    *, catalog_extra: bytes = b"", extra_objects: tuple[bytes, ...] = (), trailer_extra: bytes = b""
) -> bytes:
    """A well-formed one-page PDF (header, objects, cross-reference table, trailer, %%EOF)
    that the upload check accepts; the arguments add entries to build hostile variants."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R" + catalog_extra + b">>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
        *extra_objects,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R%s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer_extra,
        xref,
    )
    return bytes(out)


VALID_PDF = make_pdf()


def complete_draft(*, call: Call | None = None, coordinator=None, **fields) -> Application:
    """A draft that passes every submission check: all fields, a discipline, two confirmed
    partner units from two institutes and a valid PDF for each required document."""
    call = call or CallFactory()
    application = ApplicationFactory(
        call=call,
        coordinator=coordinator or UserFactory(),
        planned_start=fields.pop("planned_start", (timezone.now() + timedelta(days=200)).date()),
        **fields,
    )
    application.disciplines.add(DisciplineFactory(name_en="Computer science"))
    for partner in eligible_partners(application):
        partner.confirmed_at = timezone.now()
        partner.save(update_fields=["confirmed_at"])
    for required in call.required_documents.filter(is_required=True):
        DocumentFactory(
            application=application,
            kind=required.kind,
            file=factory.django.FileField(filename=f"{required.kind}.pdf", data=VALID_PDF),
            original_name=f"{required.kind}.pdf",
            size=len(VALID_PDF),
            sha256=__import__("hashlib").sha256(VALID_PDF).hexdigest(),
        )
    return application


# Institute correspondents: a role given by staff for one institute.


class InstituteCorrespondentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "calls.InstituteCorrespondent"

    user = factory.SubFactory(UserFactory)
    institute = factory.LazyFunction(lambda: institute("INP"))
    active = True


def correspondent_of(*acronyms: str, user=None):
    """A person (``user`` or a new one) holding the active correspondent role for each
    institute named (``correspondent_of("INP")``); returns the person."""
    user = user or UserFactory()
    for acronym in acronyms:
        InstituteCorrespondentFactory(user=user, institute=institute(acronym))
    return user


def local(moment) -> str:
    """A moment as the call forms' datetime-local inputs send it."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def call_form_data(call=None, **overrides) -> dict:
    """A valid POST of the staff's call form: a new 2026 call, or ``call`` as saved."""
    now = timezone.now()
    data = {
        "edition_year": 2026,
        "slug": "aissai-2026",
        "reference_prefix": "AISSAI",
        "title_en": "AISSAI postdoctoral call 2026",
        "title_fr": "Appel postdoctoral AISSAI 2026",
        "summary_en": "",
        "summary_fr": "",
        "rules_en": "",
        "rules_fr": "",
        "opens_at": local(now + timedelta(days=10)),
        "closes_at": local(now + timedelta(days=60)),
        "review_deadline": local(now + timedelta(days=120)),
        "fellowships": 6,
        "complementary_size": 3,
        "fellowship_months": 18,
        "min_institutes": 2,
        "min_units": 2,
        "reviews_per_application": 3,
        "abstract_max_chars": 3000,
        "tie_break_order_0": "criterion:1",
        "tie_break_order_1": "institutes",
    }
    if call is not None:
        data.update(
            {
                name: getattr(call, name)
                for name in (
                    "edition_year",
                    "slug",
                    "title_en",
                    "title_fr",
                    "summary_en",
                    "summary_fr",
                )
            }
            | {
                "opens_at": local(call.opens_at),
                "closes_at": local(call.closes_at),
                "review_deadline": local(call.review_deadline),
                "tie_break_order_0": "",
                "tie_break_order_1": "",
            }
        )
    data.update(overrides)
    return data
