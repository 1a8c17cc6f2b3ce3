"""The scheduler Celery beat runs (``CELERY_BEAT_SCHEDULER``).

Celery's own persistent scheduler, plus two things a deployment needs:

- the folder of the schedule file is created when missing (by default
  ``$AISSAI_VAR_DIR/beat/celerybeat-schedule``, ``CELERY_BEAT_SCHEDULE_FILENAME``), so
  beat never dies on a fresh server because the folder does not exist yet;
- exactly one beat sends the periodic tasks, whatever runs: each beat must hold a lock
  in the shared cache (``CACHE_URL``, Redis) to send anything. The holder renews it at
  every tick; a second beat stands by, sending nothing, and takes over once the lock
  expires (``BEAT_LOCK_SECONDS`` after the holder died). Without a shared cache the
  lock is per process: the beat says so in its log.
"""

import logging
import uuid
from pathlib import Path

from celery.beat import PersistentScheduler
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

LOCK_KEY = "aissai:beat:lock"


class Scheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.lock_token = uuid.uuid4().hex
        self.holds_lock = False
        self.standing_by = False
        self.lock_seconds = settings.BEAT_LOCK_SECONDS
        super().__init__(*args, **kwargs)

    def setup_schedule(self):
        if self.schedule_filename:
            Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        if not settings.CACHE_URL:
            logger.warning("No CACHE_URL: the single-beat lock holds for this process only.")
        super().setup_schedule()

    def tick(self, *args, **kwargs):
        # Renew well within the lock's lifetime, whatever the next task's due time.
        renew_every = max(self.lock_seconds / 3, 0.5)
        if not self.hold_lock():
            return renew_every
        return min(super().tick(*args, **kwargs), renew_every)

    def hold_lock(self) -> bool:
        """Take or renew the lock; False while another beat holds it."""
        if self.holds_lock:
            if cache.get(LOCK_KEY) == self.lock_token:
                cache.touch(LOCK_KEY, self.lock_seconds)
                return True
            self.holds_lock = False
            logger.warning("Beat lost its lock (expired): standing by.")
        if cache.add(LOCK_KEY, self.lock_token, self.lock_seconds):
            self.holds_lock, self.standing_by = True, False
            logger.info("Beat holds the single-beat lock: sending the periodic tasks.")
        elif not self.standing_by:
            self.standing_by = True
            logger.info("Another beat holds the single-beat lock: standing by.")
        return self.holds_lock

    def close(self):
        super().close()
        try:
            if self.holds_lock and cache.get(LOCK_KEY) == self.lock_token:
                cache.delete(LOCK_KEY)  # the next beat need not wait for the expiry
        except Exception:  # noqa: BLE001 - the lock expires by itself anyway
            logger.warning("Beat could not release its lock; it expires by itself.")
        self.holds_lock = False
