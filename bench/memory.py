"""Resident memory and CPU time of the processes a benchmark started (Linux ``/proc``).

``VmHWM`` is the kernel's high-water mark of a process's resident set: its peak RSS
since it started, numpy and C buffers included (what ``tracemalloc`` cannot see).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Memory:
    pid: int
    rss_kib: int  # now
    peak_kib: int  # VmHWM: the peak since the process started

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / 1024

    @property
    def rss_mib(self) -> float:
        return self.rss_kib / 1024


def memory_of(pid: int) -> Memory | None:
    """Current and peak RSS of ``pid``; None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return Memory(pid=pid, rss_kib=values.get("VmRSS", 0), peak_kib=values.get("VmHWM", 0))


def children_of(pid: int) -> list[int]:
    """Direct children of ``pid`` (gunicorn's workers, a Celery worker's pool)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    found: list[int] = []
    for task in tasks:
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return sorted(set(found))


def memory_of_children(pid: int) -> list[Memory]:
    return [m for m in map(memory_of, children_of(pid)) if m is not None]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (0 when the process is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15)
