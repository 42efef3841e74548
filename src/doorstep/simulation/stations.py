"""Stations in the SimPy model: a queue, and a crew that comes and goes with the shifts.

A station's crew in a minute is what the plan puts there then (a pack bench limits how
many can pack at once).  Whenever someone is free the next job starts; a job started is
finished — even past the shift's end — and its time is booked as busy.  Utilisation is busy
time over staffed time, per station and hour.

Service times are the rates' means times a log-normal factor with mean 1 and the
configured variation, drawn from a generator seeded by the job (an order or batch id), so
the same job takes the same time in every run and in both operations (the in-memory model
and the real services) — the validation compares the operations, not two dice.
"""

from __future__ import annotations

import functools
import math
import zlib
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import simpy

from doorstep.domain.staffing import STATIONS, StaffPlan

MINUTES_PER_DAY = 1440


class StaffTimeline:
    """Staff per station and minute over the scenario (wall-clock minutes from midnight)."""

    def __init__(self, plan: StaffPlan, first_midnight: datetime, days: int) -> None:
        self.minutes = days * MINUTES_PER_DAY
        naive = first_midnight.replace(tzinfo=None)
        self.staff: dict[str, np.ndarray] = {}
        for station in STATIONS:
            counts = np.zeros(self.minutes + 1, dtype=np.int64)
            for m in range(self.minutes):
                counts[m] = plan.staff_at(naive + timedelta(minutes=m), station)
            self.staff[station] = counts
        # The same counts as Python lists: a station asks for its crew at every job (a
        # million times a peak week), and a list index is far cheaper than a NumPy one.
        self._crew: dict[str, list[int]] = {s: c.tolist() for s, c in self.staff.items()}

    def staff_now(self, station: str, t: float) -> int:
        m = int(t // 60)
        return self._crew[station][m] if m < self.minutes else 0

    def changes(self, station: str) -> list[float]:
        """Times (s) at which the crew of ``station`` changes, the start included."""
        counts = self.staff[station][: self.minutes]
        steps = np.flatnonzero(np.diff(counts)) + 1
        return [0.0, *(float(m) * 60.0 for m in steps)]

    def on_duty(self, station: str, worker: int, t: float) -> bool:
        m = int(t // 60)
        return m < self.minutes and self._crew[station][m] > worker

    def staffed_seconds(self, station: str) -> np.ndarray:
        """Worker-seconds on duty in each hour."""
        per_min = self.staff[station][:self.minutes]
        out: np.ndarray = per_min.reshape(-1, 60).sum(axis=1).astype(float) * 60.0
        return out


def job_factor(job: str, variation: float) -> float:
    """A log-normal factor with mean 1 and coefficient of variation ``variation``, seeded by
    the job's id (the same job takes the same time wherever it is simulated): two CRC-32
    hashes of the id are the uniforms of a Box-Muller draw."""
    if variation <= 0:
        return 1.0
    sigma2 = math.log(1.0 + variation * variation)
    raw = job.encode()
    u1 = (zlib.crc32(raw) + 0.5) / 2**32
    u2 = (zlib.crc32(raw, 0x9E3779B9) + 0.5) / 2**32
    z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
    return math.exp(-sigma2 / 2.0 + math.sqrt(sigma2) * z)


@dataclass
class StationLog:
    """Busy seconds per hour and every job done (for utilisation and the report)."""

    hours: int
    busy: dict[str, np.ndarray] = field(default_factory=dict)
    jobs: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for station in STATIONS:
            self.busy[station] = np.zeros(self.hours + 1)
            self.jobs[station] = 0

    def book(self, station: str, start: float, end: float) -> None:
        self.jobs[station] += 1
        busy = self.busy[station]
        t = start
        while t < end:
            h = int(t // 3600)
            nxt = min(end, (h + 1) * 3600.0)
            busy[min(h, self.hours)] += nxt - t
            t = nxt


class Station:
    """A queue and a crew: a job starts when someone on duty (and, if limited, a bench) is
    free; a job started is finished, even past the end of the shift.

    Event-light on purpose: one timeout per job, whose callback books the time, hands the
    job on (``finish(job, started)``) and starts the next — no process per worker, no waiting events
    left behind (the first version had both and spent most of a peak week on them).
    """

    def __init__(self, env: simpy.Environment, name: str, timeline: StaffTimeline,
                 log: StationLog, service: Callable[[Any], float],
                 finish: Callable[[Any, float], None], *, benches: int | None = None
                 ) -> None:
        self.env = env
        self.name = name
        self.timeline = timeline
        self.log = log
        self.service = service
        self.finish = finish
        self.benches = benches
        self.queue: deque[Any] = deque()
        self.busy = 0
        env.process(self._shift_changes())

    def crew(self) -> int:
        n = self.timeline.staff_now(self.name, self.env.now)
        return n if self.benches is None else min(n, self.benches)

    def put(self, job: Any) -> None:
        self.queue.append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        free = self.crew() - self.busy
        while free > 0 and self.queue:
            job = self.queue.popleft()
            self.busy += 1
            free -= 1
            done = self.env.timeout(self.service(job))
            done.callbacks.append(functools.partial(self._done, job, self.env.now))

    def _done(self, job: Any, start: float, _event: simpy.Event) -> None:
        self.busy -= 1
        self.log.book(self.name, start, self.env.now)
        self.finish(job, start)
        self._dispatch()

    def _shift_changes(self) -> Generator[simpy.Event, Any, None]:
        for t in self.timeline.changes(self.name):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self._dispatch()
