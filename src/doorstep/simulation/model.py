"""The operation as a SimPy model: arrivals, waves, pickers, packers, hand-over, carriers.

::

    arrivals ──► [release pool] ──wave every N min──► [pick lists] ──pickers──►
    [pack queue] ──packers at pack stations──► [hand-over] ──► [staged per carrier]
    ──carrier pick-up at its cut-off──► transit (fitted lanes) ──► delivered

Time is seconds since the scenario's first local midnight.  A wave needs a free tote per
order (totes come back when the order is packed), so a slow pack bench throttles release.
What happens to orders is the :class:`~doorstep.simulation.operation.Operation`'s
business; when, is the model's.  The model samples every station's queue every 15
minutes and books every worker's busy time, and the report reads both.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import simpy

from doorstep.domain.promise.calendar import start_day
from doorstep.domain.staffing import STATIONS, StaffPlan
from doorstep.services.waves import WaveSite
from doorstep.simulation.arrivals import SimOrder, local_origin
from doorstep.simulation.operation import Operation, PickJob
from doorstep.simulation.promises import PromiseDesk
from doorstep.simulation.scenario import Scenario
from doorstep.simulation.stations import StaffTimeline, Station, StationLog, job_factor

SAMPLE_S = 900.0
QUEUES = ("release", "pick", "pack", "handover", "pickup")
Progress = Callable[[float, float], None]


@dataclass
class Pickup:
    carrier: str
    at: datetime  # local
    shipped: int
    due: int
    missed: int
    hour: float = 0.0  # hours since the first local midnight


@dataclass
class RunResult:
    scenario: Scenario
    added: dict[str, int]
    samples: dict[str, np.ndarray]  # queue name (and "backlog") -> count per sample
    busy: dict[str, np.ndarray]  # worker-seconds busy per hour
    staffed: dict[str, np.ndarray]  # worker-seconds on duty per hour
    pickups: list[Pickup]
    orders: int
    shipped: int
    kept: int
    broken: int
    open_promises: int
    tote_use: np.ndarray  # share of totes in use per sample
    promise_source: str = ""
    under_load: int = 0
    accepted_at: dict[str, float] = field(default_factory=dict)
    shipped_at: dict[str, float] = field(default_factory=dict)
    days_promised: int = 0  # summed over promised orders: promised date - order date

    @property
    def mean_days_promised(self) -> float:
        n = self.kept + self.broken + self.open_promises
        return self.days_promised / n if n else 0.0

    @property
    def hours(self) -> int:
        return self.scenario.days * 24

    @property
    def kept_share(self) -> float:
        known = self.kept + self.broken
        return self.kept / known if known else 1.0

    def hourly_backlog(self) -> np.ndarray:
        """Orders accepted and not yet handed to a carrier, at the end of each hour."""
        per = int(3600 / SAMPLE_S)
        return self.samples["backlog"][per - 1::per][: self.hours]


class PeakModel:
    def __init__(self, scenario: Scenario, operation: Operation, site: WaveSite, *,
                 promises: PromiseDesk | None = None, added: dict[str, int] | None = None,
                 progress: Progress | None = None) -> None:
        self.scenario = scenario
        self.op = operation
        self.site = site
        self.promises = promises
        self.added = dict(added or {})
        self.plan: StaffPlan = scenario.staff_plan(self.added)
        self.progress = progress
        self.env = simpy.Environment()
        self.horizon = scenario.days * 86400.0
        self.origin = local_origin(scenario)
        self.origin_utc = self.origin.astimezone(UTC)
        self.timeline = StaffTimeline(self.plan, self.origin, scenario.days)
        self.log = StationLog(scenario.days * 24)
        self.rates = scenario.rates
        env, r = self.env, self.rates
        self.totes = scenario.warehouse.totes  # free totes
        self.picking = Station(env, "pick", self.timeline, self.log, self._pick_time,
                               self._picked)
        self.packing = Station(env, "pack", self.timeline, self.log,
                               lambda o: r.pack_s_per_order * job_factor(o, r.variation),
                               self._packed, benches=scenario.warehouse.pack_stations)
        self.handing = Station(env, "handover", self.timeline, self.log,
                               lambda o: r.handover_s_per_parcel
                               * job_factor(f"h-{o}", r.variation), self._handed_over)
        self.staged: dict[str, list[str]] = {}
        self.count = dict.fromkeys(QUEUES, 0)
        self.orders: dict[str, SimOrder] = {}
        self.accepted_at: dict[str, float] = {}
        self.shipped_at: dict[str, float] = {}
        self.promised: dict[str, date] = {}
        self.due: dict[tuple[str, date], list[str]] = {}
        self.pickups: list[Pickup] = []
        self.kept = self.broken = self.under_load = self.days_promised = 0
        n = int(self.horizon / SAMPLE_S)
        self.samples = {q: np.zeros(n, dtype=np.int64) for q in (*QUEUES, "backlog")}
        self.tote_use = np.zeros(n)

    def now(self) -> datetime:
        return self.origin_utc + timedelta(seconds=self.env.now)

    # ---- processes --------------------------------------------------------------------

    def arrivals(self, orders: Iterable[SimOrder]) -> Generator[simpy.Event, Any, None]:
        wh = self.promises.model.calendars.warehouse if self.promises else None
        calendar = self.site.calendar(self.origin)
        zone = self.origin.tzinfo
        earliest_cut = min(self.scenario.pickups.values())
        for order in orders:
            if order.at >= self.horizon:
                break
            if order.at > self.env.now:
                yield self.env.timeout(order.at - self.env.now)
            now = self.now()
            here = now.astimezone(zone)
            self.orders[order.id] = order
            self.accepted_at[order.id] = self.env.now
            backlog = len(self.accepted_at) - len(self.shipped_at)
            if self.promises is not None and wh is not None:
                outcome = self.promises.promise(order, now, backlog)
                self.promised[order.id] = outcome.promised
                self.days_promised += (outcome.promised - here.date()).days
                self.under_load += outcome.under_load
            cut = self.scenario.pickups.get(order.carrier, earliest_cut)
            local = here.replace(tzinfo=None)
            due_day = start_day(calendar, local, cut)
            self.due.setdefault((order.carrier, due_day), []).append(order.id)
            self.op.accept(order, now)
            self.count["release"] += 1

    def waves(self) -> Generator[simpy.Event, Any, None]:
        every = self.scenario.policy.wave_every_minutes * 60.0
        tick = 0
        while self.env.now < self.horizon:
            if self.timeline.on_duty("release", 0, self.env.now) and self.count["release"]:
                limit = min(self.scenario.policy.max_orders, self.totes)
                jobs = self.op.release(self.now(), limit) if limit > 0 else []
                released = sum(len(j.orders) for j in jobs)
                if released:
                    self.totes -= released
                    start = self.env.now
                    yield self.env.timeout(self.rates.release_s_per_wave
                                           * job_factor(f"wave-{tick}", self.rates.variation))
                    self.log.book("release", start, self.env.now)
                    self.count["release"] -= released
                    self.count["pick"] += released
                    for job in jobs:
                        self.picking.put(job)
            tick += 1
            yield self.env.timeout(max(every * tick - self.env.now, 1e-6))

    def _pick_time(self, job: PickJob) -> float:
        r = self.rates
        work = r.pick_s_per_batch + job.lines * r.pick_s_per_line + job.distance_m / r.walk_m_per_s
        return work * job_factor(",".join(sorted(job.orders)), r.variation)

    def _picked(self, job: PickJob, started: float) -> None:
        ready = self.op.picked(job, self.now(), self.origin_utc + timedelta(seconds=started))
        self.count["pick"] -= len(job.orders)
        self.totes += len(job.orders) - len(ready)  # held orders give their totes back
        self.count["pack"] += len(ready)
        for order_id in ready:
            self.packing.put(order_id)

    def _packed(self, order_id: str, started: float) -> None:
        self.op.packed(order_id, self.now())
        self.totes += 1
        self.count["pack"] -= 1
        self.count["handover"] += 1
        self.handing.put(order_id)

    def _handed_over(self, order_id: str, started: float) -> None:
        self.count["handover"] -= 1
        self.count["pickup"] += 1
        self.staged.setdefault(self.orders[order_id].carrier, []).append(order_id)

    def carrier(self, name: str) -> Generator[simpy.Event, Any, None]:
        cut = self.scenario.pickups.get(name, min(self.scenario.pickups.values()))
        calendar = self.site.calendar(self.origin)
        for d in range(self.scenario.days):
            day = self.scenario.start + timedelta(days=d)
            if not calendar.is_open(day) or day in self.scenario.closed:
                continue
            at = datetime.combine(day, cut, tzinfo=self.origin.tzinfo)
            t = (at.astimezone(UTC) - self.origin_utc).total_seconds()
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            parcels = self.staged.pop(name, [])
            if parcels:
                self.op.shipped(parcels, name, self.now())
            for order_id in parcels:
                self.shipped_at[order_id] = self.env.now
                self._score(order_id, day)
            self.count["pickup"] -= len(parcels)
            due = self.due.pop((name, day), [])
            missed = sum(1 for o in due if o not in self.shipped_at)
            self.pickups.append(Pickup(name, at, len(parcels), len(due), missed,
                                       self.env.now / 3600.0))

    def _score(self, order_id: str, shipped: date) -> None:
        if self.promises is None:
            return
        promised = self.promised.get(order_id)
        if promised is None:
            return
        delivered = self.promises.delivery(self.orders[order_id], shipped)
        if delivered <= promised:
            self.kept += 1
        else:
            self.broken += 1

    def observe(self) -> Generator[simpy.Event, Any, None]:
        i = 0
        total = self.scenario.warehouse.totes
        while i < len(self.tote_use):
            yield self.env.timeout(SAMPLE_S)  # sample i: the end of its quarter hour
            for q in QUEUES:
                self.samples[q][i] = self.count[q]
            self.samples["backlog"][i] = len(self.accepted_at) - len(self.shipped_at)
            self.tote_use[i] = 1.0 - self.totes / total
            if self.progress is not None and i % 8 == 0:
                self.progress(self.env.now, self.horizon)
            i += 1

    # ---- running ----------------------------------------------------------------------

    def run(self, orders: Iterable[SimOrder]) -> RunResult:
        env = self.env
        env.process(self.arrivals(orders))
        env.process(self.waves())
        for name in sorted(set(self.scenario.carriers())):
            env.process(self.carrier(name))
        env.process(self.observe())
        env.run(until=self.horizon + 1e-6)
        if self.progress is not None:
            self.progress(self.horizon, self.horizon)
        open_promises = self._settle_unshipped()
        return RunResult(
            scenario=self.scenario, added=self.added, samples=self.samples,
            busy={s: self.log.busy[s][: self.scenario.days * 24] for s in STATIONS},
            staffed={s: self.timeline.staffed_seconds(s) for s in STATIONS},
            pickups=self.pickups, orders=len(self.accepted_at), shipped=len(self.shipped_at),
            kept=self.kept, broken=self.broken, open_promises=open_promises,
            tote_use=self.tote_use, under_load=self.under_load,
            days_promised=self.days_promised,
            accepted_at=self.accepted_at, shipped_at=self.shipped_at)

    def _settle_unshipped(self) -> int:
        """Unshipped orders whose promised day is already past the horizon's last day are
        broken (a parcel needs at least a day to travel); the others stay open."""
        last = self.scenario.start + timedelta(days=self.scenario.days - 1)
        open_promises = 0
        for order_id, promised in self.promised.items():
            if order_id in self.shipped_at:
                continue
            if promised <= last:
                self.broken += 1
            else:
                open_promises += 1
        return open_promises
