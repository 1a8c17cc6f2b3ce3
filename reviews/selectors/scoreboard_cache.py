"""The figures of a call's scoreboard, cached per call, recomputed off the request.

Computing the figures of a 10,000-application call takes seconds (reading 140,000 rows,
the calibration and the exact leave-one-review-out analysis, see ``docs/performance.md``,
"Cold reads"); a page must not wait for it. The cache keeps one entry per call: the last
:class:`~reviews.selectors.scoreboard_figures.Figures` computed, which carry their
*version* (the key of the data state they were computed from) and the time that state
was read.

The version of the data as it stands now is one query (:func:`cache_key`): the number of
the call's :class:`~reviews.models.ScoreboardChange` rows and the last one (a row is
inserted in the transaction of every change that can move a figure, see
``reviews.services.scoreboard_stamp``), the number of fellowships and the criteria.

Two ways to read:

- :func:`scoreboard_figures`: **current** figures, always. From the cache when their
  version is the current one, else computed now. Services (the lists, the shortlist, the
  decisions), exports and anything that decides use this.
- :func:`latest_figures`: for pages. The current figures when the cache has them; else the
  previous ones, marked *stale* (pages say "being updated" with their time), while a
  Celery task (:func:`refresh_figures`) computes the current version, once per version.
  Computed now instead when tasks run in process (embedded mode, where this is the worker)
  or the cache is not shared with the worker (no ``CACHE_URL``), when the broker cannot be
  reached, or when the cache holds nothing usable (the first read of a call, or figures of
  other criteria).

Consistency: figures are computed from one snapshot of the database (PostgreSQL:
a ``REPEATABLE READ`` read-only transaction, the version read inside it), or, inside an
outer transaction or on SQLite, between two reads of the version that must agree. So the
funding line and every rank come from one state of the data, never a half-updated one,
and the version they carry is the state they show.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from calls.models import Call, Criterion
from reviews.models import ScoreboardChange
from reviews.selectors.scoreboard_compute import compute_figures
from reviews.selectors.scoreboard_figures import (
    SCOREBOARD_STATUSES,
    Figures,
    counted_reviews,
    funded_places,
)

__all__ = [
    "SCHEMA",
    "SCOREBOARD_STATUSES",
    "Figures",
    "cache_key",
    "compute_figures",
    "counted_reviews",
    "funded_places",
    "latest_figures",
    "refresh_figures",
    "scoreboard_figures",
]

logger = logging.getLogger(__name__)

# Bump when the shape of Figures changes: entries of an older shape are then never read.
SCHEMA = 4
# One entry per call, replaced by each new version: kept long, so that a page always has
# previous figures to show while the worker computes (6 MB for 10,000 applications).
TIMEOUT = 30 * 24 * 3600
QUEUED_TIMEOUT = 120  # seconds before a version queued for the worker may be queued again
ATTEMPTS = 5  # reads of the version around a computation outside a snapshot


def cache_key(call: Call, criteria: list[Criterion]) -> str:
    """The version of the call's figures as the database stands now (one query): the
    number of the call's change rows and the last one (see :mod:`reviews.models.scoreboard`),
    the call's places and its criteria's parameters."""
    stamp = ScoreboardChange.objects.filter(call_id=call.pk).aggregate(
        changes=Count("id"), last=Max("id")
    )
    criteria_part = ",".join(
        f"{c.pk}:{c.weight}:{c.scale_min}:{c.scale_max}:{c.position}" for c in criteria
    )
    state = f"{stamp['changes']}:{stamp['last']}:{call.fellowships}:{criteria_part}"
    return f"scoreboard:{SCHEMA}:{call.pk}:{hashlib.sha256(state.encode()).hexdigest()}"


def _entry(call_id: int) -> str:
    return f"scoreboard:{SCHEMA}:{call_id}:figures"


def _queued(call_id: int, version: str) -> str:
    return f"scoreboard:{SCHEMA}:{call_id}:queued:{version.rsplit(':', 1)[-1]}"


def _token(call_id: int) -> str:
    return f"scoreboard:{SCHEMA}:{call_id}:token"


# The figures this process last read from the cache, per call, with the token stored
# next to them: reading the token (a few bytes) tells whether the cache still holds the
# same entry, which then need not be read again (unpickling 6 MB took 7.6 ms at 10,000
# applications, on every page). A flushed cache or a new entry has another token.
_READ: dict[int, tuple[str, Figures]] = {}
_READ_KEPT = 4  # calls


def cached_figures(call_id: int) -> Figures | None:
    """The last figures computed for the call, whatever their version."""
    token = cache.get(_token(call_id))
    kept = _READ.get(call_id)
    if token is not None and kept is not None and kept[0] == token:
        return kept[1]
    found = cache.get_many([_entry(call_id), _token(call_id)])
    figures, token = found.get(_entry(call_id)), found.get(_token(call_id))
    if figures is not None and token is None:
        # An entry stored without a token (before tokens existed): give it one, unless
        # a new entry (with its own token) was stored meanwhile.
        token = uuid.uuid4().hex
        if not cache.add(_token(call_id), token, TIMEOUT):
            token = None
    if figures is not None and token is not None:
        _READ.pop(call_id, None)
        _READ[call_id] = (token, figures)
        while len(_READ) > _READ_KEPT:
            _READ.pop(next(iter(_READ)), None)
    return figures


def _store(call_id: int, figures: Figures) -> None:
    """Keep ``figures`` once what they read is committed: figures computed inside a
    transaction that rolls back must never be shown, even as previous figures."""

    def store() -> None:
        entries = {_entry(call_id): figures, _token(call_id): uuid.uuid4().hex}
        cache.set_many(entries, TIMEOUT)

    if _in_transaction():
        transaction.on_commit(store)
    else:
        store()


def _in_transaction() -> bool:
    """In a transaction of the code's own (a test case's enclosing ones do not count, as
    for ``atomic(durable=True)``)."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


# --- Computing from one state of the data ----------------------------------------------


@contextmanager
def _snapshot():
    """A read-only ``REPEATABLE READ`` transaction on PostgreSQL when none is open yet
    (yields True: every query inside reads the same state); else nothing (yields False)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield False
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield True


def compute_current(call: Call, criteria: list[Criterion], version: str = "") -> Figures:
    """The figures of one state of the data, carrying that state's version and time.

    ``version``: the version the caller read just before (saves a query outside a
    snapshot; inside one the version is read again, in the snapshot)."""
    with _snapshot() as consistent:
        for _attempt in range(ATTEMPTS):
            read_at = timezone.now()
            if consistent or not version:
                version = cache_key(call, criteria)
            figures = compute_figures(call, criteria)
            after = version if consistent else cache_key(call, criteria)
            if after == version:
                figures.version, figures.computed_at = version, read_at
                return figures
            version = after
    raise RuntimeError(f"The scoreboard of call {call.pk} kept changing while computed.")


# --- Reading ---------------------------------------------------------------------------


def scoreboard_figures(call: Call, criteria: list[Criterion]) -> Figures:
    """The call's current figures: from the cache when nothing changed since they were
    computed, else computed now (and cached)."""
    version = cache_key(call, criteria)
    figures = cached_figures(call.pk)
    if figures is not None and figures.version == version:
        return figures
    figures = compute_current(call, criteria, version)
    _store(call.pk, figures)
    return figures


def latest_figures(call: Call, criteria: list[Criterion]) -> tuple[Figures, bool]:
    """Figures for a page and whether they are stale (of an earlier version, being
    recomputed by the worker). See the module docstring."""
    version = cache_key(call, criteria)
    figures = cached_figures(call.pk)
    if figures is not None and figures.version == version:
        return figures, False
    usable = figures is not None and figures.criterion_ids == [c.pk for c in criteria]
    if usable and _worker_shares_the_cache() and _queue_refresh(call.pk, version):
        return figures, True
    figures = compute_current(call, criteria, version)
    _store(call.pk, figures)
    return figures, False


def _worker_shares_the_cache() -> bool:
    """Tasks go to a worker (not run in process) and what it caches, this process reads
    (a per-process memory cache would keep the worker's figures to itself)."""
    from aissai.celery import app

    if app.conf.task_always_eager:
        return False
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith((".LocMemCache", ".DummyCache"))


def _queue_refresh(call_id: int, version: str) -> bool:
    """Ask the worker for the figures of ``version`` (once per version); False when the
    broker cannot be reached (the caller then computes them itself)."""
    from reviews.tasks import recompute_scoreboard

    flag = _queued(call_id, version)
    if not cache.add(flag, True, QUEUED_TIMEOUT):
        return True  # already asked
    try:
        recompute_scoreboard.delay(call_id)
    except Exception:  # the broker is down: the reader computes, nothing waits forever
        logger.warning("scoreboard refresh of call %s not queued", call_id, exc_info=True)
        cache.delete(flag)
        return False
    return True


def refresh_figures(*, call_id: int) -> str:
    """The worker's side: compute and cache the call's current figures, unless they are
    cached already (a second run, or a reader computed them). Returns what it did."""
    with _snapshot():
        call = Call.objects.prefetch_related("funding_sources").filter(pk=call_id).first()
        if call is None:
            return "no such call"
        criteria = list(call.criteria.all())
        version = cache_key(call, criteria)
        figures = cached_figures(call_id)
        if figures is not None and figures.version == version:
            return "already current"
        figures = compute_current(call, criteria, version)
    _store(call_id, figures)
    return "computed"
