"""Celery beat on a fresh server: its schedule folder does not exist yet, beat makes it."""

import os
import subprocess
import time

from tests.plugins.mail import free_port
from tests.plugins.worker import BASE_DIR, CELERY


def test_beat_creates_its_schedule_folder_on_first_start(tmp_path):
    var_dir = tmp_path / "fresh" / "var"  # nothing of this exists yet
    env = {
        **os.environ,
        "AISSAI_VAR_DIR": str(var_dir),
        # Nobody listens there: beat must start (and keep its schedule) all the same.
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_BEAT_SCHEDULE_FILENAME", None)
    beat = subprocess.Popen(
        [str(CELERY), "-A", "aissai", "beat", "--loglevel=INFO"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        schedule = var_dir / "beat"
        while time.monotonic() < deadline and not any(schedule.glob("celerybeat-schedule*")):
            assert beat.poll() is None, beat.communicate()[0]
            time.sleep(0.2)
        assert any(schedule.glob("celerybeat-schedule*"))
        assert beat.poll() is None  # still running
    finally:
        beat.terminate()
        output = beat.communicate(timeout=30)[0]
    assert "beat: Starting..." in output
    assert "No such file or directory" not in output
