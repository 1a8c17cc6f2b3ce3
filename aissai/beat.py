"""The scheduler Celery beat runs (``CELERY_BEAT_SCHEDULER``).

Celery's own persistent scheduler, plus what a first start needs: the folder of the
schedule file is created when missing (by default ``$AISSAI_VAR_DIR/celerybeat-schedule``,
``CELERY_BEAT_SCHEDULE_FILENAME``), so beat never dies on a fresh server because
``/var/lib/...`` does not exist yet.
"""

from pathlib import Path

from celery.beat import PersistentScheduler


class Scheduler(PersistentScheduler):
    def setup_schedule(self):
        if self.schedule_filename:
            Path(self.schedule_filename).parent.mkdir(parents=True, exist_ok=True)
        super().setup_schedule()
