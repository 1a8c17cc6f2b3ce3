"""``bench.usage``: each process counts in one group only. The load client of the
scale-out benchmark is the parent of every server it starts; its tree counted whole made
every server's CPU count twice (once under the client)."""

import os
import subprocess
import sys

from bench.usage import _all_processes, group_members


def test_a_child_group_is_not_counted_in_its_parents_group():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])  # noqa: S603
    try:
        table = _all_processes()
        members = group_members({"client": os.getpid(), "server": child.pid}, table)
        assert child.pid in members["server"]
        assert child.pid not in members["client"]
        assert os.getpid() in members["client"]
        alone = group_members({"client": os.getpid()}, table)
        assert child.pid in alone["client"]  # with no group of its own, it is the client's
    finally:
        child.kill()
        child.wait()
