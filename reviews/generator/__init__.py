"""A realistic generated call for performance measurements (``manage.py generate_call``).

Reproducible from a seed: the same options give the same call (texts, partners, statuses,
experts, assignments, scores), apart from the slug-dependent e-mail addresses, the
primary keys and the timestamps (relative to now). Rows are written with ``bulk_create``
in batches inside one transaction, so a failed run leaves nothing behind; the services
are bypassed on purpose (no per-row audit event, no mail), and one audit event records
the generation.

Steps: reference data (sample units imported when absent, disciplines), the call
(:mod:`.setup`), applicants and applications (:mod:`.applications`), experts, conflicts,
assignments and reviews (:mod:`.reviewing`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from aissai.audit.services import record_event
from calls.models import Call
from reviews.services.review_counts import refresh_call_review_counts

from .applications import create_applications, plan_applications
from .context import OPEN, REVIEW, SELECTION, STAGES, Context, GeneratorOptions
from .reviewing import create_experts, create_reviewing, plan_experts
from .setup import create_call, create_staff, ensure_reference_data, store_documents

__all__ = [
    "OPEN",
    "REVIEW",
    "SELECTION",
    "STAGES",
    "GenerationReport",
    "GeneratorOptions",
    "generate_call",
]


@dataclass
class GenerationReport:
    call: Call
    seconds: float
    counts: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    staff_email: str = ""
    password: str = ""

    def lines(self) -> list[str]:
        rows = [f"Call {self.call.slug} (pk {self.call.pk}) in {self.seconds:.1f} s"]
        rows += [f"  {label:<32} {count:>9,}" for label, count in sorted(self.counts.items())]
        rows += [f"  step {name:<27} {value:>8.2f} s" for name, value in self.timings.items()]
        rows.append(f"  staff login: {self.staff_email} / {self.password}")
        return rows


def generate_call(options: GeneratorOptions) -> GenerationReport:
    """Generate one call as described by ``options``; refuses an existing slug."""
    if Call.objects.filter(slug=options.call_slug).exists():
        raise ValueError(f"A call with the slug {options.call_slug!r} already exists.")
    started = time.perf_counter()
    context = Context.start(options, timezone.now())
    with transaction.atomic():
        with context.timed("reference data"):
            ensure_reference_data(context)
        with context.timed("call"):
            call = create_call(context)
            staff = create_staff(context)
            store_documents(context)
        with context.timed("plan"):
            experts = plan_experts(context)
            planned = plan_applications(context, [e.name for e in experts])
        with context.timed("applications"):
            create_applications(context, planned, [e.name for e in experts])
        with context.timed("experts"):
            invitations = create_experts(context, experts)
        with context.timed("reviews"):
            create_reviewing(context, planned, experts, invitations)
            refresh_call_review_counts(call)  # written in bulk, without model signals
        record_event(
            actor=None,
            verb="call.generated",
            target=call,
            data={
                "applications": options.applications,
                "experts": options.experts,
                "reviews_per_application": options.reviews_per_application,
                "seed": options.seed,
                "stage": options.stage,
            },
        )
    with context.timed("analyze"):
        analyze_tables(sorted(context.counts) + [Call._meta.label])
    return GenerationReport(
        call=call,
        seconds=time.perf_counter() - started,
        counts=dict(context.counts),
        timings=context.timings,
        staff_email=staff.email,
        password=options.password,
    )


def analyze_tables(labels: list[str]) -> None:
    """Fresh planner statistics for the tables just filled. After a bulk load PostgreSQL
    guesses row counts badly until autovacuum's next pass, which may be late or off:
    nothing measured on a generated call may depend on it."""
    tables = sorted({apps.get_model(label)._meta.db_table for label in labels})
    if not tables:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(quote(table) for table in tables))
        else:
            for table in tables:
                cursor.execute("ANALYZE " + quote(table))
