"""Synthetic order histories: a realistic one for benchmarks and demos, a plain one for tests.

``realistic_history`` simulates the flow itself rather than drawing lead times from a
formula: orders arrive with weekly and yearly seasonality and a Black-Friday-like surge;
a first-in-first-out warehouse with a cut-off and a noisy daily capacity ships them (so the
surge builds a real backlog that slows processing); carriers deliver on their own weekdays
with lane-dependent transit times and a small peak-season slow-down; the export happens at a
fixed moment, so recent orders are censored (not shipped or not delivered yet).

Two lane models set the carriers' transit days (``SyntheticConfig.lanes``):

* ``published`` (default) follows published German figures.  Domestic: the Bundesnetzagentur's
  study of national B2C parcels of DHL, DPD, GLS, Hermes and UPS (July 2021 – June 2022)
  found 80 % delivered on the first working day after handover and 96.1 % by the second,
  above 95 % in each of the ten postcode zones; a southern German shop reports all of the
  south as E+1 and the north beyond Greven–Hannover–Magdeburg–Dresden as E+2, with about
  5 % late; DHL's TÜV-checked measurement gave 88 % E+1 for DHL alone.  Seen from
  Nuremberg the south (postcodes 6–9) is therefore mostly E+1, the middle (0, 3–5) 80 %,
  the north (1, 2) 60 %, which averages 81 % E+1 and 96 % E+2.  Abroad: GLS gives 24–48
  hours to the neighbouring central European countries and 72–96 hours to farther ones;
  shops' published tables give Belgium 1–2, France 2–3, Switzerland 2–3 (customs), Italy
  and Spain 3–4(–5) working days.  DHL is a little better than the average (its 88 %),
  DPD and UPS a little worse.
* ``pessimistic`` is the first model this generator had: 40 % E+1 and 88 % E+2 at home, a
  quarter of Germany three days away.  Kept so earlier benchmark figures can be reproduced.

``stationary_history`` draws processing and transit days from given distributions, for tests
that need the truth to be known.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.model import Calendars

HOURLY = np.array([1, .5, .3, .2, .2, .3, .6, 1.2, 2, 2.6, 3, 3, 3, 3, 3, 3, 3.2, 3.5, 4, 4.5,
                   5, 4.5, 3, 2])
WEEKLY = np.array([1.15, 1.05, 1.0, 1.0, 0.95, 0.85, 1.0])
CARRIERS = (("dhl", "paket", 0.55), ("dpd", "classic", 0.30), ("ups", "standard", 0.15))
# pessimistic lanes: (country, share, base transit days); German bases from the postcode.
COUNTRIES = (("DE", 0.86, 0), ("AT", 0.06, 2), ("NL", 0.04, 2), ("FR", 0.04, 3))
# published lanes: (country, share, pmf of carrier delivery days 1, 2, 3, …); Germany by zone.
PUBLISHED_COUNTRIES: tuple[tuple[str, float, tuple[float, ...]], ...] = (
    ("DE", 0.86, ()),
    ("AT", 0.04, (0.45, 0.45, 0.10)),
    ("NL", 0.025, (0.45, 0.45, 0.10)),
    ("BE", 0.01, (0.40, 0.48, 0.12)),
    ("CH", 0.015, (0.0, 0.55, 0.33, 0.12)),
    ("FR", 0.02, (0.0, 0.50, 0.38, 0.12)),
    ("PL", 0.005, (0.0, 0.50, 0.38, 0.12)),
    ("IT", 0.015, (0.0, 0.0, 0.50, 0.38, 0.12)),
    ("ES", 0.01, (0.0, 0.0, 0.45, 0.40, 0.15)),
)
# German postcode zone (first digit) → pmf of delivery days 1, 2, 3 seen from Nuremberg.
DE_ZONE_PMF = {
    "south": (0.92, 0.06, 0.02),
    "middle": (0.80, 0.16, 0.04),
    "north": (0.60, 0.34, 0.06),
}
DE_ZONE_BY_DIGIT = ("middle", "north", "north", "middle", "middle", "middle", "south", "south",
                    "south", "south")
# Relative chance of a later-than-usual delivery per carrier (DHL's 88 % vs the 80 % mean).
CARRIER_DELAY = {"dhl": 0.8, "dpd": 1.2, "ups": 1.1}
DEST_COUNTRIES = tuple(c for c, _, _ in PUBLISHED_COUNTRIES)
DE_STATE_BY_DIGIT = ("SN", "BE", "HH", "NI", "NW", "NW", "HE", "BW", "BY", "BY")
ORIGIN = ("DE", "BY", "90402")
LANE_MODELS = ("published", "pessimistic")


@dataclass(frozen=True, kw_only=True)
class Shock:
    """A slow-down that starts suddenly, lasts ``days`` and then ends (issue 13, point 7).

    Carrier side: every parcel of ``carriers`` (all carriers when empty) handed over from
    ``start`` to ``start + days - 1`` takes ``transit_days`` more carrier delivery days.
    Warehouse side: on those days the warehouse ships ``capacity_factor`` of its usual
    capacity.  No random number is drawn for it, so a history with a shock is the same
    history as without one (same orders, same seed) except inside the window.
    """

    start: date
    days: int = 21
    transit_days: int = 3
    carriers: tuple[str, ...] = ("dhl",)
    capacity_factor: float = 1.0

    def __post_init__(self) -> None:
        if self.days < 1 or self.transit_days < 0 or not 0.0 < self.capacity_factor <= 1.0:
            raise ValueError("shock: days >= 1, transit_days >= 0, 0 < capacity_factor <= 1")

    @property
    def end(self) -> date:
        """The first day after the shock."""
        return self.start + timedelta(days=self.days)

    def hits(self, carrier: str, ship_day: date) -> bool:
        return (not self.carriers or carrier in self.carriers) and \
            self.start <= ship_day < self.end


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November (US Thanksgiving)."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 22)


@dataclass(frozen=True, kw_only=True)
class SyntheticConfig:
    start: date = date(2024, 1, 1)
    days: int = 731
    orders_per_day: float = 120.0
    capacity_factor: float = 2.4  # mean orders shipped per working day ÷ orders_per_day
    surge_factor: float = 2.6  # demand multiplier from the Thursday before Black Friday to Monday
    carrier_peak_delay: float = 0.06  # extra chance of one more transit day in peak season
    cutoff: time = time(14, 0)
    timezone: str = "Europe/Berlin"
    seed: int = 7
    lanes: str = "published"  # see the module docstring
    shock: Shock | None = None  # a three-week slow-down, see ``Shock``

    def __post_init__(self) -> None:
        if self.lanes not in LANE_MODELS:
            raise ValueError(f"lanes: {self.lanes!r} is not one of {', '.join(LANE_MODELS)}")


def _demand(cfg: SyntheticConfig, day: date) -> float:
    doy = day.timetuple().tm_yday
    yearly = 1.0 + 0.22 * np.cos(2 * np.pi * (doy - 350) / 365.25)
    bf = black_friday(day.year)
    surge = 1.0
    if bf - timedelta(days=1) <= day <= bf + timedelta(days=3):
        surge = cfg.surge_factor
    elif bf + timedelta(days=4) <= day <= bf + timedelta(days=10):
        surge = 1.25
    return float(cfg.orders_per_day * WEEKLY[day.weekday()] * yearly * surge)


def _peak(day: date) -> bool:
    bf = black_friday(day.year)
    return bf - timedelta(days=1) <= day <= date(day.year, 12, 23)


def _lane_table(rng: np.random.Generator) -> dict[str, int]:
    """Base transit days per German two-digit postcode prefix, seen from Nuremberg."""
    table = {}
    for p in range(1, 100):
        digit = p // 10
        if digit in (8, 9):
            base = 1
        elif digit in (6, 7, 3):
            base = 1 if rng.random() < 0.6 else 2
        else:
            base = 2 if rng.random() < 0.8 else 1
        if p in (18, 25, 26):  # coast and islands
            base = 3
        table[f"{p:02d}"] = base
    return table


def realistic_history(cfg: SyntheticConfig, calendars: Calendars) -> list[HistoryRow]:
    """Simulate orders, the warehouse queue and carriers; export at the end of the period."""
    rng = np.random.default_rng(cfg.seed)
    tz = ZoneInfo(cfg.timezone)
    lanes = _lane_table(rng)
    wh = calendars.warehouse
    export_at = datetime.combine(cfg.start + timedelta(days=cfg.days), time(0), tz)
    # 1. arrivals
    stamps: list[datetime] = []
    for offset in range(cfg.days):
        day = cfg.start + timedelta(days=offset)
        count = rng.poisson(_demand(cfg, day))
        hours = rng.choice(24, size=count, p=HOURLY / HOURLY.sum())
        secs = rng.integers(0, 3600, size=count)
        for h, s in zip(hours, secs, strict=True):
            stamps.append(datetime.combine(day, time(int(h)), tz) + timedelta(seconds=int(s)))
    stamps.sort()
    n = len(stamps)
    days = np.array([s.toordinal() for s in stamps], dtype=np.int64)
    secs_of_day = np.array([s.hour * 3600 + s.minute * 60 + s.second for s in stamps])
    start = wh.start_days(days, secs_of_day, cfg.cutoff)
    hold = np.where(rng.random(n) < 0.03, rng.integers(1, 3, size=n), 0)
    ready = wh.nth_open_after(start, hold)
    # 2. warehouse: FIFO by readiness, noisy daily capacity
    ship_day = np.full(n, -1, dtype=np.int64)
    cap_mean = cfg.capacity_factor * cfg.orders_per_day
    order = np.argsort(start, kind="stable")
    heap: list[tuple[int, int]] = []
    j = 0
    last = export_at.date().toordinal()
    for d in wh.open_days[(wh.open_days >= cfg.start.toordinal()) & (wh.open_days < last)]:
        while j < n and start[order[j]] <= d:
            i = int(order[j])
            heapq.heappush(heap, (int(ready[i]), i))
            j += 1
        cap = max(int(rng.normal(cap_mean, 0.08 * cap_mean)), 1)
        if cfg.shock is not None and cfg.shock.start <= date.fromordinal(int(d)) < cfg.shock.end:
            cap = max(int(cap * cfg.shock.capacity_factor), 1)
        while heap and cap > 0 and heap[0][0] <= d:
            _, i = heapq.heappop(heap)
            ship_day[i] = d
            cap -= 1
    # 3. carriers
    pessimistic = cfg.lanes == "pessimistic"
    countries: Sequence[tuple[str, float, object]] = COUNTRIES if pessimistic \
        else PUBLISHED_COUNTRIES
    carrier_idx = rng.choice(len(CARRIERS), size=n, p=[c[2] for c in CARRIERS])
    country_idx = rng.choice(len(countries), size=n, p=[c[1] for c in countries])
    if pessimistic:  # +1 day for 15 %, +2 for 3 % of parcels
        draw = rng.choice(3, size=n, p=[0.82, 0.15, 0.03]).astype(np.float64)
    else:  # a uniform number per parcel, read through its lane's pmf
        draw = rng.random(n)
    long_delay = np.where(rng.random(n) < 0.01, rng.integers(2, 6, size=n), 0)
    lost = rng.random(n) < 0.002
    rows = []
    for i in range(n):
        carrier, service, _ = CARRIERS[carrier_idx[i]]
        country, _, lane = countries[country_idx[i]]
        if country == "DE":
            prefix = f"{rng.integers(1, 100):02d}"
            postcode = prefix + f"{rng.integers(0, 1000):03d}"
            region = DE_STATE_BY_DIGIT[int(prefix[0])]
            lane = lanes[prefix] if pessimistic else DE_ZONE_PMF[DE_ZONE_BY_DIGIT[int(prefix[0])]]
        else:
            postcode = f"{rng.integers(1000, 9999)}"
            region = f"{country}-{postcode[0]}"
        shipped_at = delivered_at = None
        if ship_day[i] >= 0:
            sday = date.fromordinal(int(ship_day[i]))
            shipped_at = datetime.combine(sday, time(15), tz) + timedelta(
                minutes=int(rng.integers(0, 150))
            )
            if isinstance(lane, int):
                extra = int(draw[i])
                t = lane + extra + (carrier == "dpd" and extra > 0)
            else:
                assert isinstance(lane, tuple)
                t = transit_days(lane, CARRIER_DELAY[carrier], float(draw[i]))
            t += int(long_delay[i])
            if _peak(sday) and rng.random() < cfg.carrier_peak_delay:
                t += 1
            if cfg.shock is not None and cfg.shock.hits(carrier, sday):
                t += cfg.shock.transit_days
            cal = calendars.carrier(carrier, country)
            dday = date.fromordinal(int(cal.nth_open_after(np.array([ship_day[i]]),
                                                           np.array([max(t, 1)]))[0]))
            delivered_at = datetime.combine(dday, time(9), tz) + timedelta(
                minutes=int(rng.integers(0, 600))
            )
            if lost[i] or delivered_at >= export_at:
                delivered_at = None
            if shipped_at >= export_at:
                shipped_at = None
        rows.append(_row(i, stamps[i], shipped_at, delivered_at, carrier, service, country,
                         region, postcode))
    return rows


def transit_days(pmf: Sequence[float], delay_factor: float, u: float) -> int:
    """Carrier delivery days drawn from ``pmf`` (index 0 = one day) by the uniform ``u``.

    ``delay_factor`` scales the chance of anything later than the lane's usual day (its
    first non-zero entry): above 1 a carrier is late more often, below 1 less often.
    """
    probs = np.asarray(pmf, dtype=float)
    first = int(np.flatnonzero(probs)[0])
    late = probs[first + 1:] * delay_factor
    late_total = min(float(late.sum()), 1.0)
    if late.sum() > 0:
        late = late / late.sum() * late_total
    cumulative = np.cumsum(np.concatenate([probs[:first], [1.0 - late_total], late]))
    index = int(np.searchsorted(cumulative, u, side="right"))
    return min(index, len(probs) - 1) + 1


def _row(i: int, ordered: datetime, shipped: datetime | None, delivered: datetime | None,
         carrier: str, service: str, country: str, region: str, postcode: str) -> HistoryRow:
    return HistoryRow(
        order_id=f"SO-{i + 1:07d}",
        ordered_at=ordered.astimezone(UTC),
        shipped_at=shipped.astimezone(UTC) if shipped else None,
        delivered_at=delivered.astimezone(UTC) if delivered else None,
        carrier=carrier, service=service,
        origin_country=ORIGIN[0], origin_region=ORIGIN[1], origin_postcode=ORIGIN[2],
        dest_country=country, dest_region=region, dest_postcode=postcode,
    )


def stationary_history(
    *,
    calendars: Calendars,
    start: date,
    n_orders: int,
    days: int,
    processing_pmf: Sequence[float],
    transit_pmf: Sequence[float],
    cutoff: time = time(14, 0),
    timezone: str = "Europe/Berlin",
    seed: int = 1,
    carrier: tuple[str, str] = ("dhl", "paket"),
) -> list[HistoryRow]:
    """Orders spread evenly over ``days``; processing and transit days drawn from known pmfs.

    Processing counts warehouse working days after the order's start day (cut-off applied),
    transit counts the carrier's delivery days after handover — the engine's own units, so
    a test can compare its promises with the truth.  Nothing is censored.
    """
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(timezone)
    wh = calendars.warehouse
    cal = calendars.carrier(carrier[0], "DE")
    offsets = np.sort(rng.uniform(0, days * 86400, size=n_orders))
    t0 = datetime.combine(start, time(0), tz)
    stamps = [(t0 + timedelta(seconds=float(o))).astimezone(tz) for o in offsets]
    local_days = np.array([s.toordinal() for s in stamps], dtype=np.int64)
    secs = np.array([s.hour * 3600 + s.minute * 60 + s.second for s in stamps])
    s_days = wh.start_days(local_days, secs, cutoff)
    k = rng.choice(len(processing_pmf), size=n_orders, p=np.asarray(processing_pmf))
    t = rng.choice(len(transit_pmf), size=n_orders, p=np.asarray(transit_pmf))
    ship = wh.nth_open_after(s_days, k)
    deliver = cal.nth_open_after(ship, t)
    rows = []
    for i in range(n_orders):
        shipped = datetime.combine(date.fromordinal(int(ship[i])), time(16), tz)
        shipped = max(shipped, stamps[i] + timedelta(minutes=5))
        delivered = max(
            datetime.combine(date.fromordinal(int(deliver[i])), time(12), tz),
            shipped + timedelta(minutes=5),
        )
        rows.append(_row(i, stamps[i], shipped, delivered, carrier[0], carrier[1], "DE", "BY",
                         "90402"))
    return rows
