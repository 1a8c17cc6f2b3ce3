"""What every step of the generator shares: the options, the seeded random sources, the
clock, and the counts of rows written."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.db import models

BATCH_SIZE = 2000

OPEN, REVIEW, SELECTION = "open", "review", "selection"
STAGES = (OPEN, REVIEW, SELECTION)
DEFAULT_PASSWORD = "generated-password-2025"  # noqa: S105 - generated test data only


@dataclass(frozen=True)
class GeneratorOptions:
    """What to generate. ``stage`` is where the call is in its life:

    - ``selection`` (default): reviews done, the top of the scoreboard shortlisted;
    - ``review``: reviews under way (some submitted, some drafts, some not started);
    - ``open``: the call takes applications; every application is a complete draft
      but for its PDF documents (what the deadline-rush benchmark starts from).
    """

    applications: int
    experts: int
    reviews_per_application: int = 3
    seed: int = 1
    slug: str = ""
    stage: str = SELECTION
    password: str = DEFAULT_PASSWORD

    def __post_init__(self) -> None:
        if self.applications < 0 or self.experts < 0 or self.reviews_per_application < 1:
            raise ValueError("applications and experts must be >= 0, reviews per application >= 1")
        if self.stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}")

    @property
    def call_slug(self) -> str:
        return self.slug or f"generated-{self.stage}-{self.applications}-s{self.seed}"


@dataclass
class Context:
    options: GeneratorOptions
    now: datetime
    rng: random.Random
    np_rng: np.random.Generator
    counts: Counter = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, options: GeneratorOptions, now: datetime) -> Context:
        return cls(
            options=options,
            now=now,
            rng=random.Random(options.seed),
            np_rng=np.random.default_rng(options.seed),
        )

    @property
    def slug(self) -> str:
        return self.options.call_slug

    @property
    def domain(self) -> str:
        return f"{self.slug}.example.org"

    def insert(self, model: type[models.Model], rows: Iterable[models.Model]) -> list:
        """``bulk_create`` in batches; the rows come back with their primary keys."""
        created = model.objects.bulk_create(list(rows), batch_size=BATCH_SIZE)
        self.counts[model._meta.label] += len(created)
        return created

    def timed(self, name: str):
        return _Timer(self, name)


class _Timer:
    def __init__(self, context: Context, name: str):
        self.context, self.name = context, name

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        elapsed = time.perf_counter() - self.started
        self.context.timings[self.name] = self.context.timings.get(self.name, 0.0) + elapsed
        return False
