"""The staffing plan: who works which station when, and what that lets the warehouse ship.

A plan is a list of shifts (weekdays, start and end in the warehouse's local time, staff
per station) plus closed dates (holidays, stock-takes).  Two readers share it:

* the peak simulation (``doorstep.simulation``) puts that many workers at each station
  in each hour;
* the promise engine's queue model (``domain.promise.load.CapacityPlan``) turns it into
  orders per calendar day, so a day with double staff clears more of the queue and a
  closed day clears none — instead of one throughput figure for every day.

Stations, in the order an order passes them::

    release ──► pick ──► pack ──► handover

``orders_per_day`` is the bottleneck's staff-hours times its orders per staff-hour; the
rates come from :class:`StationRates` (learned from the order book or configured).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from doorstep.domain.promise.load import Capacity, CapacityPlan

STATIONS = ("release", "pick", "pack", "handover")


class StaffingError(ValueError):
    """A shift or a staff change cannot be used; the message names the field."""


@dataclass(frozen=True, slots=True)
class Shift:
    """Staff per station on the given weekdays (Mon = 0) from ``start`` to ``end``.

    ``end`` at or before ``start`` means the shift runs past midnight.
    """

    days: frozenset[int]
    start: time
    end: time
    staff: Mapping[str, int]
    name: str = ""

    def __post_init__(self) -> None:
        label = self.name or f"{self.start:%H:%M}-{self.end:%H:%M}"
        unknown = set(self.staff) - set(STATIONS)
        if unknown:
            raise StaffingError(f"shift {label}: unknown station {sorted(unknown)} "
                                f"(stations: {', '.join(STATIONS)})")
        for station, n in self.staff.items():
            if n < 0:
                raise StaffingError(f"shift {label}: {station} must be >= 0, got {n}")
        if not self.days or not self.days <= set(range(7)):
            raise StaffingError(f"shift {label}: days must be weekdays 0..6 (Mon = 0)")

    @property
    def hours(self) -> float:
        start = self.start.hour + self.start.minute / 60
        end = self.end.hour + self.end.minute / 60
        return end - start if end > start else end + 24 - start

    def covers(self, local: datetime) -> bool:
        """Is ``local`` (naive or aware, wall-clock) inside this shift?"""
        t = local.time().replace(tzinfo=None)
        if self.end > self.start:
            return local.weekday() in self.days and self.start <= t < self.end
        if t >= self.start:
            return local.weekday() in self.days
        return (local.weekday() - 1) % 7 in self.days and t < self.end


@dataclass(frozen=True, slots=True)
class StationRates:
    """How long one unit of work takes at each station, in seconds of one worker's time."""

    pick_s_per_line: float = 15.0
    pick_s_per_batch: float = 90.0  # set-up: fetch a cart, print, drop totes at packing
    walk_m_per_s: float = 1.0
    pick_m_per_order: float = 40.0  # walking per order, for the capacity figure only
    pack_s_per_order: float = 75.0
    handover_s_per_parcel: float = 8.0
    release_s_per_wave: float = 60.0
    orders_per_wave: float = 40.0
    lines_per_order: float = 1.7
    variation: float = 0.25  # coefficient of variation of one job's time

    def seconds_per_order(self, station: str) -> float:
        """Average worker-seconds one order takes at ``station``."""
        if station == "pick":
            walk = self.pick_m_per_order / self.walk_m_per_s
            set_up = self.pick_s_per_batch / 8.0  # a cart of eight totes
            return self.pick_s_per_line * self.lines_per_order + walk + set_up
        if station == "pack":
            return self.pack_s_per_order
        if station == "handover":
            return self.handover_s_per_parcel
        if station == "release":
            return self.release_s_per_wave / max(self.orders_per_wave, 1.0)
        raise StaffingError(f"unknown station {station!r} (stations: {', '.join(STATIONS)})")


@dataclass(frozen=True)
class StaffPlan:
    shifts: tuple[Shift, ...]
    closed: frozenset[date] = frozenset()
    added: Mapping[str, int] = field(default_factory=dict)

    def staff_at(self, local: datetime, station: str) -> int:
        """Workers at ``station`` at wall-clock ``local`` (0 on closed dates)."""
        if local.date() in self.closed:
            return 0
        n = sum(s.staff.get(station, 0) for s in self.shifts if s.covers(local))
        if n == 0:
            return 0
        return max(0, n + self.added.get(station, 0))

    def staff_hours(self, day: date, station: str) -> float:
        """Worker-hours at ``station`` on ``day`` (shifts starting that day; 0 when closed)."""
        if day in self.closed:
            return 0.0
        total = 0.0
        for s in self.shifts:
            n = s.staff.get(station, 0)
            if day.weekday() in s.days and n > 0:
                total += max(0, n + self.added.get(station, 0)) * s.hours
        return total

    def orders_per_day(self, day: date, rates: StationRates) -> float:
        """What the slowest station can finish on ``day`` (release excluded: it is quick)."""
        return min(self.staff_hours(day, st) * 3600.0 / rates.seconds_per_order(st)
                   for st in ("pick", "pack", "handover"))

    def with_added(self, changes: Mapping[str, int]) -> StaffPlan:
        """The same plan with ``changes`` workers more (or fewer) in every shift."""
        for station in changes:
            if station not in STATIONS:
                raise StaffingError(f"staff change: unknown station {station!r} "
                                    f"(stations: {', '.join(STATIONS)})")
        merged = dict(self.added)
        for station, n in changes.items():
            merged[station] = merged.get(station, 0) + n
        return replace(self, added=merged)


def parse_staff_changes(text: str) -> dict[str, int]:
    """Read ``"pick=+2,pack=+1"`` into ``{"pick": 2, "pack": 1}`` (the CLI's ``--staff``)."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        station, sep, value = part.partition("=")
        station = station.strip()
        if not sep or station not in STATIONS:
            raise StaffingError(f"--staff {part!r}: write station=+N with a station among "
                                f"{', '.join(STATIONS)}")
        try:
            out[station] = out.get(station, 0) + int(value)
        except ValueError as exc:
            raise StaffingError(f"--staff {part!r}: {value!r} is not a whole number") from exc
    return out


def capacity_plan(staff: StaffPlan, rates: StationRates, first: date, days: int, *,
                  holidays: Iterable[date] = (), after: Capacity,
                  sd_share: float = 0.1) -> CapacityPlan:
    """The promise engine's view of the plan: orders per calendar day for ``days`` days from
    ``first`` (0 on public holidays and closed dates); ``after`` beyond that."""
    shut = frozenset(holidays) | staff.closed
    per_day = {}
    for i in range(days):
        day = first + timedelta(days=i)
        per_day[day.toordinal()] = 0.0 if day in shut else staff.orders_per_day(day, rates)
    return CapacityPlan(per_day=per_day, after=after, sd_share=sd_share)
