"""The fitted promise model: what was learned, in plain data that serialises to JSON.

Lead time = processing (order → handover, in warehouse working days counted from the day
the order enters the queue) + transit (handover → delivery, in the carrier's delivery days).
Each part is a day-count distribution per segment, shrunk towards its parent segment
(hierarchical: a segment with little data borrows from the coarser one instead of being
switched off at a hard threshold):

    transit:    lane → postcode area (all carriers) → region → country → everything
    processing: origin (warehouse) → everything
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import numpy.typing as npt

from doorstep.domain.promise.calendar import WorkCalendar
from doorstep.domain.promise.load import Capacity
from doorstep.domain.promise.season import NONE as NO_SLOWDOWN
from doorstep.domain.promise.season import Slowdown
from doorstep.domain.promise.survival import DayDistribution

ALL = "all"
DEFAULT_CARRIER = "*"
GRID = tuple(float(x) for x in np.linspace(0.0, 1.0, 201))
_GRID = np.asarray(GRID, dtype=np.float64)


@dataclass(frozen=True, kw_only=True)
class PromiseConfig:
    """Choices made at fit time; all of them are saved with the model."""

    timezone: str = "Europe/Berlin"
    cutoff: time = time(14, 0)
    level: float = 0.95
    half_life_days: float = 56.0
    min_effective_n: float = 40.0  # shrinkage strength: this much data weighs as much as the parent
    calibration_days: int = 28
    calibration_gap_days: int = 14
    min_calibration_n: int = 200
    season_days: int = 91  # also calibrate on this many days after the same date last year
    load_aware: bool = True  # off: no queue model (processing delays not caused by load)
    # Hand-overs of the last N days whose whole cohort moved later are learned net of that
    # shift (``live.cohort_shifts``): the online correction carries a slow-down, the refit
    # does not learn it a second time.  0: off.  Older rows are learned as they are, so a
    # change that lasts becomes the lanes' normal.
    net_shift_days: int = 56

    def __post_init__(self) -> None:
        if not 0.5 <= self.level < 1.0:
            raise ValueError("level: must be in [0.5, 1)")
        if self.half_life_days < 0:
            raise ValueError("half_life_days: must be >= 0 (0 = no recency weighting)")


class Calendars:
    """Warehouse calendar plus carrier delivery calendars built on demand per destination."""

    def __init__(
        self,
        *,
        warehouse: WorkCalendar,
        carrier_weekdays: dict[str, frozenset[int]],
        country_holidays: dict[str, frozenset[date]],
    ) -> None:
        self.warehouse = warehouse
        self.carrier_weekdays = dict(carrier_weekdays)
        self.carrier_weekdays.setdefault(DEFAULT_CARRIER, frozenset(range(5)))
        self.country_holidays = dict(country_holidays)
        self._cache: dict[tuple[str, str], WorkCalendar] = {}

    @property
    def first(self) -> date:
        return self.warehouse.first

    @property
    def last(self) -> date:
        return self.warehouse.last

    def carrier(self, carrier: str, country: str) -> WorkCalendar:
        """Days ``carrier`` delivers in ``country`` (its weekdays minus that country's holidays)."""
        key = (carrier, country)
        cal = self._cache.get(key)
        if cal is None:
            days = self.carrier_weekdays.get(carrier, self.carrier_weekdays[DEFAULT_CARRIER])
            cal = WorkCalendar(
                name=f"{carrier}/{country or '?'}",
                weekdays=days,
                holidays=self.country_holidays.get(country, frozenset()),
                first=self.first,
                last=self.last,
            )
            self._cache[key] = cal
        return cal


@dataclass(frozen=True)
class LevelMap:
    """Recalibration of one segment: nominal level → level to ask the raw model for.

    ``upper[i]`` is the empirical quantile, at ``GRID[i]``, of ``P(D < actual)`` over recent
    orders (the raw CDF just before the actual delivery day); asking the raw model for that
    level makes the promise hold with the nominal frequency.  ``lower`` is the same for
    ``P(D <= actual)`` and serves the earliest date.
    """

    upper: tuple[float, ...]
    lower: tuple[float, ...]
    n: int
    # The tables as arrays, made once: np.interp on the tuples converted 2 × 201 floats at
    # every call, three calls a promise.
    _upper: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)
    _lower: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_upper", np.asarray(self.upper, dtype=np.float64))
        object.__setattr__(self, "_lower", np.asarray(self.lower, dtype=np.float64))

    def upper_level(self, level: float) -> float:
        raw = float(np.interp(level, _GRID, self._upper))
        return min(max(raw + 1e-9, 1e-6), 1.0 - 1e-9)

    def lower_level(self, level: float) -> float:
        raw = float(np.interp(level, _GRID, self._lower))
        return min(max(raw, 1e-9), 1.0 - 1e-9)


IDENTITY = LevelMap(GRID, GRID, 0)


@dataclass(frozen=True, kw_only=True)
class PromiseModel:
    config: PromiseConfig
    fitted_at: datetime
    calendars: Calendars
    processing: dict[str, DayDistribution]
    transit: dict[str, DayDistribution]
    capacity: Capacity
    calibration: dict[str, LevelMap] = field(default_factory=dict)
    training_rows: int = 0
    slowdown: Slowdown = NO_SLOWDOWN  # carriers' seasonal slow-down in the coming weeks

    def level_map(self, carrier: str, service: str) -> tuple[str, LevelMap]:
        """The most specific calibration segment the model holds (``all`` at worst)."""
        for key in calibration_keys(carrier, service):
            if key in self.calibration:
                return key, self.calibration[key]
        return ALL, self.calibration.get(ALL, IDENTITY)


def carrier_key(carrier: str, service: str) -> str:
    return f"{carrier}:{service}"


def calibration_keys(carrier: str, service: str) -> tuple[str, ...]:
    """Calibration segments, most specific first (then ``all``): the carrier service.

    Not split by load state on purpose: the held-out weeks rarely hold a real surge, and a
    correction learned on mild Monday queues made surge promises too optimistic in the
    benchmark (on time 91.7 % instead of 93.6 % during the surge, seed 11).
    """
    return (carrier_key(carrier, service),)


def transit_keys(
    *,
    carrier: str,
    service: str,
    origin_country: str,
    origin_region: str,
    dest_country: str,
    dest_region: str,
    dest_postcode: str,
) -> tuple[str, ...]:
    """Most specific first; each key's next one is its parent in the shrinkage tree.

    lane (carrier service, origin, destination country + 2-digit postcode) → that postcode
    area for every carrier (the distance part of transit is the same whichever carrier
    drives it, counted in its own delivery days) → destination region → destination
    country → everything.  The carrier service itself is a calibration segment.
    """
    cs = carrier_key(carrier, service)
    origin = f"{origin_country}-{origin_region}"
    area = f"{dest_country}-{dest_postcode[:2]}"
    return (
        f"lane|{cs}|{origin}|{area}",
        f"area|{origin}|{area}",
        f"region|{origin}|{dest_country}-{dest_region}",
        f"country|{origin}|{dest_country}",
        ALL,
    )


def processing_keys(*, origin_country: str, origin_region: str) -> tuple[str, str]:
    return f"origin|{origin_country}-{origin_region}", ALL


def pick(table: dict[str, DayDistribution], keys: tuple[str, ...]) -> tuple[str, DayDistribution]:
    """The first segment in ``keys`` that the model holds (``all`` is always held)."""
    for key in keys:
        dist = table.get(key)
        if dist is not None:
            return key, dist
    raise KeyError(f"model has no segment among {keys}")
