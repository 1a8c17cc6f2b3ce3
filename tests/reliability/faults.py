"""Fault injection for the drills: lose the database connection at a chosen statement.

``connection_lost_before(prefix)`` wraps this thread's database connection (Django's
``execute_wrapper``, nothing of ours is replaced). Just before the first statement that
starts with ``prefix`` runs, the connection is lost:

- on PostgreSQL for real: another connection calls ``pg_terminate_backend`` on this
  session's server process and waits until it is gone, so the statement fails with the
  server's own error, inside the open transaction;
- on SQLite, which has no server to lose, the statement raises ``OperationalError``
  ("disk I/O error"), as a failing disk would.

``commit_fails(after_commit=...)`` does the same at the transaction's COMMIT, either
before the database commits or after (the answer lost on its way back).
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections

from tests.plugins.worker import worker_database_url


@dataclass
class Injector:
    prefix: str
    injected: int = 0
    seen: list[str] = field(default_factory=list)


def _terminate(pid: int) -> None:
    with psycopg.connect(worker_database_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            alive = other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if alive.fetchone() is None:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} still alive after pg_terminate_backend")


@contextmanager
def connection_lost_before(prefix: str, *, times: int = 1):
    injector = Injector(prefix=prefix)

    def wrapper(execute, sql, params, many, context):
        injector.seen.append(sql.split(" (", 1)[0][:80])
        if injector.injected < times and sql.lstrip().startswith(prefix):
            injector.injected += 1
            if connection.vendor == "postgresql":
                _terminate(context["connection"].connection.info.backend_pid)
            else:
                raise OperationalError("disk I/O error (injected)")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield injector


@contextmanager
def commit_fails(*, after_commit: bool):
    """The next COMMIT of this thread's connection fails with a lost connection.

    ``after_commit=False``: the connection is lost just before COMMIT (terminated on
    PostgreSQL, a disk error on SQLite), so nothing is committed. ``after_commit=True``:
    the database commits, then the answer is lost (the client sees OperationalError
    although the rows are there): the ambiguous case a client can never rule out.
    """
    wrapper = connections[DEFAULT_DB_ALIAS]
    original = wrapper._commit
    injector = Injector(prefix="COMMIT")

    def failing_commit():
        if injector.injected:
            return original()
        injector.injected += 1
        if after_commit:
            original()
            raise OperationalError("server closed the connection unexpectedly (injected)")
        if wrapper.vendor == "postgresql":
            _terminate(wrapper.connection.info.backend_pid)
            return original()
        raise OperationalError("disk I/O error (injected)")

    wrapper._commit = failing_commit
    try:
        yield injector
    finally:
        del wrapper._commit
