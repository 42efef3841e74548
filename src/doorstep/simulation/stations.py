"""Stations as SimPy processes: workers who come and go with their shifts.

Each station has as many worker processes as its largest crew; worker ``i`` is on duty in
a minute when the plan puts more than ``i`` people at that station then.  A worker on duty
takes the next job from the station's queue (waiting at most until the end of the shift),
does it — a job started is finished, even past the shift's end — and books the time as
busy.  Utilisation is busy time over staffed time, per station and hour.

Service times are the rates' means times a log-normal factor with mean 1 and the
configured variation, drawn from a generator seeded by the job (an order or batch id), so
the same job takes the same time in every run and in both operations (the in-memory model
and the real services) — the validation compares the operations, not two dice.
"""

from __future__ import annotations

import math
import zlib
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

    def crew(self, station: str) -> int:
        return int(self.staff[station].max(initial=0))

    def on_duty(self, station: str, worker: int, t: float) -> bool:
        m = int(t // 60)
        return m < self.minutes and int(self.staff[station][m]) > worker

    def next_on_duty(self, station: str, worker: int, t: float) -> float | None:
        m = int(t // 60)
        later = np.flatnonzero(self.staff[station][m:self.minutes] > worker)
        return None if len(later) == 0 else float((m + int(later[0])) * 60)

    def duty_end(self, station: str, worker: int, t: float) -> float:
        m = int(t // 60)
        off = np.flatnonzero(self.staff[station][m:] <= worker)
        return float((m + int(off[0])) * 60) if len(off) else float(self.minutes * 60)

    def staffed_seconds(self, station: str) -> np.ndarray:
        """Worker-seconds on duty in each hour."""
        per_min = self.staff[station][:self.minutes]
        out: np.ndarray = per_min.reshape(-1, 60).sum(axis=1).astype(float) * 60.0
        return out


def job_factor(job: str, variation: float) -> float:
    """A log-normal factor with mean 1 and coefficient of variation ``variation``, seeded by
    the job's id (the same job takes the same time wherever it is simulated)."""
    if variation <= 0:
        return 1.0
    sigma2 = math.log(1.0 + variation * variation)
    rng = np.random.default_rng(zlib.crc32(job.encode()))
    return float(math.exp(rng.normal(-sigma2 / 2.0, math.sqrt(sigma2))))


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


Work = Callable[[Any], Generator[simpy.Event, Any, None]]


def worker(env: simpy.Environment, timeline: StaffTimeline, station: str, index: int,
           queue: simpy.Store, work: Work) -> Generator[simpy.Event, Any, None]:
    """One worker of ``station``: on duty, take jobs from ``queue`` and ``work`` them."""
    while True:
        now = env.now
        if not timeline.on_duty(station, index, now):
            nxt = timeline.next_on_duty(station, index, now)
            if nxt is None:
                return
            yield env.timeout(max(nxt - now, 1e-6))
            continue
        end = timeline.duty_end(station, index, now)
        take = queue.get()
        got = yield take | env.timeout(max(end - now, 1e-6))
        if take not in got:
            take.cancel()
            if not take.triggered:
                continue
        yield from work(take.value)
