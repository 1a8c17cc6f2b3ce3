"""Where the machine saturates: CPU of each process tree, of the PostgreSQL backends serving
one database, of the whole machine, and the disk, sampled from /proc every few seconds
while a benchmark runs (Linux only)."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(parent pid, CPU ticks used, resident bytes) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            text = handle.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]) * PAGE


def _all_processes() -> dict[int, tuple[int, int, int]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            found[int(entry)] = stat
    return found


def _tree(root: int, table: dict[int, tuple[int, int, int]]) -> set[int]:
    children = defaultdict(list)
    for pid, (parent, _cpu, _rss) in table.items():
        children[parent].append(pid)
    members, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in table and pid not in members:
            members.add(pid)
            todo.extend(children[pid])
    return members


def group_members(
    groups: dict[str, int], table: dict[int, tuple[int, int, int]]
) -> dict[str, set[int]]:
    """The processes of each group: the tree under its root, less the trees of the other
    groups inside it (the load client is the parent of the whole cluster; counting its
    tree whole counted every server twice)."""
    trees = {name: _tree(root, table) for name, root in groups.items()}
    members = {}
    for name, tree in trees.items():
        inside = [trees[other] for other, root in groups.items() if other != name and root in tree]
        members[name] = tree.difference(*inside)
    return members


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _disk() -> tuple[int, int, int]:
    """(sectors read, sectors written, milliseconds busy) of the whole disks."""
    read = written = busy = 0
    with open("/proc/diskstats") as handle:
        for line in handle:
            parts = line.split()
            name = parts[2]
            if name.startswith(("loop", "ram", "sr")) or name[-1].isdigit() and "nvme" not in name:
                continue
            read, written, busy = (
                read + int(parts[5]),
                written + int(parts[9]),
                busy + int(parts[12]),
            )
    return read, written, busy


@dataclass
class Sampler:
    """``groups``: {name: root pid}; ``backends``: a function giving the pids of the
    PostgreSQL backends to count (those of the benchmark's database)."""

    groups: dict[str, int]
    backends: object = None
    every: float = 2.0
    samples: list[dict] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> bool:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        return False

    def _snapshot(self) -> dict:
        table = _all_processes()
        cpu, rss = {}, {}
        for name, members in group_members(self.groups, table).items():
            cpu[name] = sum(table[p][1] for p in members)
            rss[name] = sum(table[p][2] for p in members)
        pids = set(self.backends() if self.backends else [])
        cpu["PostgreSQL backends"] = sum(table[p][1] for p in pids if p in table)
        rss["PostgreSQL backends"] = sum(table[p][2] for p in pids if p in table)
        busy, total = _machine_ticks()
        return {
            "t": time.monotonic(),
            "cpu": cpu,
            "rss": rss,
            "machine": (busy, total),
            "disk": _disk(),
            "load": os.getloadavg()[0],
        }

    def _run(self) -> None:
        while not self._stop.is_set():
            # A missed sample (a process that ended while read) is no reason to stop.
            with suppress(Exception):
                self.samples.append(self._snapshot())
            self._stop.wait(self.every)

    def report(self) -> list[list[str]]:
        """Rows: what, mean, peak (over one sampling interval)."""
        pairs = list(zip(self.samples, self.samples[1:], strict=False))
        if not pairs:
            return []
        cores = os.cpu_count() or 1

        def rate(values):
            return f"{sum(values) / len(values):.0f}", f"{max(values):.0f}"

        rows = []
        for name in self.samples[0]["cpu"]:
            percents = [
                100 * (b["cpu"].get(name, 0) - a["cpu"].get(name, 0)) / TICKS / (b["t"] - a["t"])
                for a, b in pairs
            ]
            peak_rss = max(s["rss"].get(name, 0) for s in self.samples) / 2**20
            used = (
                sum(max(0, b["cpu"].get(name, 0) - a["cpu"].get(name, 0)) for a, b in pairs) / TICKS
            )
            rows.append(
                [
                    f"CPU {name} (% of one core)",
                    *rate(percents),
                    f"{used:.0f} CPU-s in all; RSS peak {peak_rss:.0f} MiB",
                ]
            )
        machine = [
            100 * (b["machine"][0] - a["machine"][0]) / max(1, b["machine"][1] - a["machine"][1])
            for a, b in pairs
        ]
        rows.append([f"CPU whole machine (% of {cores} cores, all users)", *rate(machine), ""])
        written = [
            (b["disk"][1] - a["disk"][1]) * 512 / 2**20 / (b["t"] - a["t"]) for a, b in pairs
        ]
        read = [(b["disk"][0] - a["disk"][0]) * 512 / 2**20 / (b["t"] - a["t"]) for a, b in pairs]
        busy = [100 * (b["disk"][2] - a["disk"][2]) / 1000 / (b["t"] - a["t"]) for a, b in pairs]
        rows.append(["Disk written (MiB/s)", *rate(written), ""])
        rows.append(["Disk read (MiB/s)", *rate(read), ""])
        rows.append(["Disk busy (% of time)", *rate([min(100.0, b) for b in busy]), ""])
        loads = [s["load"] for s in self.samples]
        rows.append(
            ["Load average (1 min)", f"{sum(loads) / len(loads):.1f}", f"{max(loads):.1f}", ""]
        )
        return rows
