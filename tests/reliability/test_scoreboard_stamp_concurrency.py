"""Noting scoreboard changes takes no lock another transaction could wait for: two
services that lock a call's applications in opposite orders queue behind each other,
they do not deadlock on the call's stamp (PostgreSQL, two connections)."""

import threading

import pytest
from django.db import connection, transaction

from calls.models import Application
from reviews.models import ScoreboardChange
from tests.factories.reviews import call_in_review

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_opposite_lock_orders_queue_instead_of_deadlocking():
    scenario = call_in_review(applications=2, reviewers=3)
    first, second = scenario.applications
    before = ScoreboardChange.objects.filter(call_id=scenario.call.pk).count()
    a_saved, b_locked = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def service_a():
        # Locks and saves the first application (a change is noted), then needs the second.
        with transaction.atomic():
            Application.objects.select_for_update().get(pk=first.pk).save()
            a_saved.set()
            assert b_locked.wait(10)
            Application.objects.select_for_update().get(pk=second.pk).save()

    def service_b():
        # Holds the second application and saves it once A has noted its change.
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=second.pk)
            b_locked.set()
            assert a_saved.wait(10)
            locked.save()

    def run(name, job):
        try:
            job()
            outcomes[name] = "ok"
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("a", service_a)),
        threading.Thread(target=run, args=("b", service_b)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == {"a": "ok", "b": "ok"}
    assert ScoreboardChange.objects.filter(call_id=scenario.call.pk).count() == before + 3
