"""gunicorn settings of the load benchmarks: the deployment's own ``deploy/gunicorn.conf.py``
plus, when ``BENCH_PROFILE_DIR`` is set, a cProfile of every worker written to that
folder as the worker exits (``worker-<pid>.prof``; read it with ``python -m pstats``).

Profiling slows a worker down by about a third: runs with it give the shape of the time,
runs without it give the figures.
"""

import cProfile
import os
from pathlib import Path

_DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
exec(compile(_DEPLOY.read_text(), str(_DEPLOY), "exec"))  # noqa: S102 - our own settings

_PROFILE_DIR = os.environ.get("BENCH_PROFILE_DIR", "")
_profile: cProfile.Profile | None = None


def post_fork(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    global _profile  # noqa: PLW0603 - one profile per worker process
    if _PROFILE_DIR:
        _profile = cProfile.Profile()
        _profile.enable()


def worker_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    if _profile is not None:
        _profile.disable()
        _profile.dump_stats(str(Path(_PROFILE_DIR) / f"worker-{os.getpid()}.prof"))
