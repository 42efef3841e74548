"""CPU seconds spent by the processes behind a benchmark figure (Linux ``/proc``).

On a shared machine the wall-clock rate of a benchmark moves with whatever else runs; the CPU
time its own processes spend per request does not, and it says what the figure would be on
an idle machine: with ``c`` CPU-seconds per request over all processes involved, ``k`` cores
cannot serve more than ``k / c`` requests a second.  ``cpu_of`` sums user and system time of
a process group (``serve`` and its children) or a list of pids (PostgreSQL backends)::

    before = cpu_of(group=server.pid) + cpu_of(pids=backends)
    …run the load…
    spent = cpu_of(group=server.pid) + cpu_of(pids=backends) - before
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["cpu_of", "group_members"]

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text.rsplit(")", 1)[1].split()  # fields after the command name


def group_members(group: int) -> list[int]:
    """Process ids in process group ``group`` (a ``serve`` supervisor and its processes)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(entry.name)
            if fields is not None and int(fields[2]) == group:
                members.append(int(entry.name))
    return members


def cpu_of(*, group: int | None = None, pids: Iterable[int] = ()) -> float:
    """User + system CPU seconds of the live processes in ``group`` and in ``pids``."""
    total = 0.0
    wanted = set(pids)
    candidates: Iterable[int | str] = (
        (p.name for p in Path("/proc").iterdir() if p.name.isdigit()) if group is not None
        else wanted)
    for pid in candidates:
        fields = _stat(pid)
        if fields is None:
            continue
        # after the name: state(0) ppid(1) pgrp(2) … utime(11) stime(12)
        if int(pid) in wanted or (group is not None and int(fields[2]) == group):
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total
