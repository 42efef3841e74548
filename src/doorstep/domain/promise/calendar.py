"""Working calendars as sorted arrays of open days, so date arithmetic is a ``searchsorted``.

A calendar is "which weekdays are open" plus "which dates are closed anyway" (public
holidays).  The warehouse calendar decides when an order can ship; a carrier calendar decides
on which days a parcel can be delivered (DHL delivers Monday–Saturday, most others
Monday–Friday).  Holiday dates come from outside (the ``holidays`` package, read in the
service layer) so this module stays pure.

Days are proleptic ordinals (``date.toordinal()``) inside a fixed covered range; asking about
a day outside the range is an error rather than a silent guess.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LONG = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CalendarRangeError(ValueError):
    """A date lies outside the years a calendar was built for."""


@dataclass(frozen=True)
class WorkCalendar:
    """Open days between ``first`` and ``last`` (inclusive): open weekdays minus holidays."""

    name: str
    weekdays: frozenset[int]
    holidays: frozenset[date]
    first: date
    last: date
    _open: IntArray = field(init=False, repr=False, compare=False)
    _open_list: list[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError(f"calendar {self.name!r}: weekdays must be a non-empty subset of 0..6")
        if self.last < self.first:
            raise ValueError(f"calendar {self.name!r}: last day before first day")
        start, stop = self.first.toordinal(), self.last.toordinal()
        days = np.arange(start, stop + 1, dtype=np.int64)
        weekday = (days - 1) % 7  # date.fromordinal(1) is a Monday
        is_open = np.isin(weekday, sorted(self.weekdays))
        closed = [d.toordinal() for d in self.holidays if self.first <= d <= self.last]
        if closed:
            is_open &= ~np.isin(days, np.array(closed, dtype=np.int64))
        object.__setattr__(self, "_open", days[is_open])
        object.__setattr__(self, "_open_list", [int(d) for d in days[is_open]])

    @property
    def open_days(self) -> IntArray:
        """Sorted ordinals of every open day in the covered range."""
        return self._open

    def check(self, ordinals: IntArray | int) -> None:
        if isinstance(ordinals, int):
            lo = hi = ordinals
        else:
            lo, hi = int(np.min(ordinals)), int(np.max(ordinals))
        if lo < self.first.toordinal() or hi > self.last.toordinal():
            raise CalendarRangeError(
                f"calendar {self.name!r} covers {self.first}..{self.last}; "
                f"asked about {date.fromordinal(lo)}..{date.fromordinal(hi)}"
            )

    def is_open(self, day: date) -> bool:
        self.check(day.toordinal())
        i = int(np.searchsorted(self._open, day.toordinal()))
        return i < len(self._open) and int(self._open[i]) == day.toordinal()

    def count_open_after(self, start: IntArray, end: IntArray) -> IntArray:
        """Number of open days in the half-open interval ``(start, end]`` (0 when end <= start)."""
        self.check(np.concatenate([np.atleast_1d(start), np.atleast_1d(end)]))
        hi = np.searchsorted(self._open, end, side="right")
        lo = np.searchsorted(self._open, start, side="right")
        out: IntArray = np.maximum(hi - lo, 0).astype(np.int64)
        return out

    def nth_open_after(self, start: IntArray, n: IntArray) -> IntArray:
        """The ``n``-th open day strictly after ``start``; ``n == 0`` gives ``start`` itself."""
        start = np.asarray(start, dtype=np.int64)
        n = np.asarray(n, dtype=np.int64)
        self.check(start)
        base = np.searchsorted(self._open, start, side="right")
        idx = base + n - 1
        if np.any(idx >= len(self._open)):
            raise CalendarRangeError(f"calendar {self.name!r} ends {self.last}: too far ahead")
        picked = self._open[np.clip(idx, 0, len(self._open) - 1)]
        return np.where(n == 0, start, picked).astype(np.int64)

    def start_days(self, local_days: IntArray, local_times_s: IntArray, cutoff: time) -> IntArray:
        """Day an order enters the queue: today if open and before cut-off, else next open day."""
        local_days = np.asarray(local_days, dtype=np.int64)
        self.check(local_days)
        cut = cutoff.hour * 3600 + cutoff.minute * 60 + cutoff.second
        i = np.searchsorted(self._open, local_days, side="left")
        if np.any(i + 1 >= len(self._open)):
            raise CalendarRangeError(f"calendar {self.name!r} ends {self.last}: too far ahead")
        here = self._open[i] == local_days
        before = np.asarray(local_times_s) < cut
        same_day = here & before
        return np.where(same_day, local_days, np.where(here, self._open[i + 1], self._open[i]))


def start_day(calendar: WorkCalendar, local: datetime, cutoff: time) -> date:
    """Scalar form of :meth:`WorkCalendar.start_days` for one local (wall-clock) time."""
    day = local.toordinal()
    calendar.check(day)
    days = calendar._open_list
    i = bisect.bisect_left(days, day)
    if i + 1 >= len(days):
        raise CalendarRangeError(
            f"calendar {calendar.name!r} ends {calendar.last}: too far ahead"
        )
    if days[i] == day:
        return date.fromordinal(day if local.time() < cutoff else days[i + 1])
    return date.fromordinal(days[i])


def open_index_after(calendar: WorkCalendar, day: int) -> int:
    """Index into ``open_days`` of the first open day strictly after ``day``."""
    calendar.check(day)
    return bisect.bisect_right(calendar._open_list, day)


def parse_weekdays(text: str) -> frozenset[int]:
    """Read ``"Mon-Sat"`` or ``"Mon,Wed,Fri"`` (or full names) into weekday numbers (Mon = 0)."""
    names = {n.lower(): i for i, n in enumerate(WEEKDAY_NAMES)}
    names.update({n: i for i, n in enumerate(_LONG)})
    out: set[int] = set()
    for raw in text.split(","):
        ends = [p.strip().lower() for p in raw.split("-", 1)]
        if any(e not in names for e in ends):
            raise ValueError(f"weekday {raw.strip()!r}: use names like Mon, Tue … Sun or Mon-Fri")
        out.update(range(names[ends[0]], names[ends[-1]] + 1))
    if not out:
        raise ValueError(f"weekdays {text!r}: no day given")
    return frozenset(out)


def format_weekdays(days: Iterable[int]) -> str:
    return ",".join(WEEKDAY_NAMES[d] for d in sorted(days))
