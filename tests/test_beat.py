"""Celery beat: on a fresh server it makes its schedule folder; with two beats running,
only the one holding the lock sends the periodic tasks."""

import os
import signal
import subprocess
import time

import pytest

from tests.plugins.mail import free_port
from tests.plugins.worker import BASE_DIR, CELERY, purge_queue


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


def start_beat(tmp_path, name: str, cache_url: str, broker_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "AISSAI_VAR_DIR": str(tmp_path / name),
        "CACHE_URL": cache_url,
        "CELERY_BROKER_URL": broker_url,
        "OUTBOX_RELAY_SECONDS": "1",
        "BEAT_LOCK_SECONDS": "3",
        "PYTHONUNBUFFERED": "1",
    }
    log = (tmp_path / f"{name}.log").open("wb")
    return subprocess.Popen(
        [str(CELERY), "-A", "aissai", "beat", "--loglevel=INFO"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def sends(tmp_path, name: str) -> int:
    return (tmp_path / f"{name}.log").read_text().count("Sending due task relay-outbox")


@pytest.mark.celery_worker
def test_a_second_beat_sends_nothing_until_the_first_one_dies(tmp_path, settings):
    broker_url = settings.CELERY_BROKER_URL
    cache_url = broker_url  # the test's own Redis database: the lock key lives there
    purge_queue(broker_url)
    first = start_beat(tmp_path, "first", cache_url, broker_url)
    try:
        deadline = time.monotonic() + 30
        while sends(tmp_path, "first") < 2:
            assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
            time.sleep(0.2)
        second = start_beat(tmp_path, "second", cache_url, broker_url)
        try:
            deadline = time.monotonic() + 60
            while "standing by" not in (tmp_path / "second.log").read_text():
                assert time.monotonic() < deadline, (tmp_path / "second.log").read_text()
                time.sleep(0.2)
            # The second beat stands by while the first one sends three more times: waited
            # for on the first beat's own sends (an event), not on a sleep.
            before = sends(tmp_path, "first")
            deadline = time.monotonic() + 30
            while sends(tmp_path, "first") < before + 3:
                assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
                time.sleep(0.2)
            assert sends(tmp_path, "second") == 0

            os.killpg(first.pid, signal.SIGKILL)  # no clean exit: the lock must expire
            first.wait(timeout=10)
            deadline = time.monotonic() + 20
            while sends(tmp_path, "second") < 2:
                assert time.monotonic() < deadline, (tmp_path / "second.log").read_text()
                time.sleep(0.2)
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        purge_queue(broker_url)
