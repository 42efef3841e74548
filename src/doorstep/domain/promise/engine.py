"""Turn a fitted model into a promise: a date distribution, then calibrated quantiles.

For an order the engine builds the joint distribution of the delivery *date*: every
processing day ``k`` (a warehouse working day) and transit day ``t`` (a carrier delivery
day) maps to one calendar date, weighted ``p(k)·q(t)``.  Weekends, holidays, cut-offs and
which days a carrier delivers are therefore exact, not averaged into a "days" figure.

The window is the central interval holding ``level`` of the mass; the promised date is the
one-sided ``level`` quantile ("delivered by").  Both use the recalibrated levels.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from doorstep.domain.promise.calendar import WorkCalendar, open_index_after, start_day
from doorstep.domain.promise.live import TransitCorrection, shift_pmf
from doorstep.domain.promise.load import (
    MAX_QUEUE_DAYS,
    BacklogReading,
    planned_queue_processing,
    queue_processing,
    under_load,
)
from doorstep.domain.promise.model import (
    PromiseModel,
    pick,
    processing_keys,
    transit_keys,
)
from doorstep.domain.promise.season import slowed_by_day

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, kw_only=True)
class PromiseRequest:
    """What is known about an order at checkout."""

    ordered_at: datetime
    carrier: str
    service: str
    dest_country: str
    dest_region: str = ""
    dest_postcode: str = ""
    origin_country: str = ""
    origin_region: str = ""
    items: int = 1

    def __post_init__(self) -> None:
        if self.ordered_at.tzinfo is None:
            raise ValueError("ordered_at: timestamp has no time zone")
        if self.items < 1:
            raise ValueError("items: must be >= 1")


@dataclass(frozen=True)
class DateDistribution:
    """Distribution of the delivery date: sorted day ordinals and the CDF at each."""

    days: IntArray
    cdf: FloatArray
    queued: bool = False  # a warehouse queue shapes it (the backlog matters)

    def quantile(self, level: float) -> date:
        i = int(np.searchsorted(self.cdf, level - 1e-12, side="left"))
        return date.fromordinal(int(self.days[min(i, len(self.days) - 1)]))

    def prob_on_or_before(self, day: date) -> float:
        i = int(np.searchsorted(self.days, day.toordinal(), side="right")) - 1
        return 0.0 if i < 0 else float(self.cdf[i])

    def prob_before(self, day: date) -> float:
        i = int(np.searchsorted(self.days, day.toordinal(), side="left")) - 1
        return 0.0 if i < 0 else float(self.cdf[i])


@dataclass(frozen=True, kw_only=True)
class DeliveryWindow:
    promised_date: date
    earliest_date: date
    latest_date: date
    level: float


@dataclass(frozen=True, kw_only=True)
class Promise:
    """A window plus the facts it was computed from (kept for the timeline and audits)."""

    request: PromiseRequest
    window: DeliveryWindow
    under_load: bool
    backlog: int
    processing_segment: str
    transit_segment: str
    calibration_segment: str
    transit_shift: int = 0  # carrier days the online correction added (negative: removed)
    asked_level: float | None = None  # the level the model was asked for (None: nominal)


def combine(
    ship_days: IntArray, ship_pmf: FloatArray, transit_pmf: FloatArray, carrier: WorkCalendar
) -> DateDistribution:
    """Delivery-date distribution from ship-day probabilities and transit-day probabilities.

    ``transit_pmf`` is one distribution for every ship day, or one row per ship day.
    """
    keep = ship_pmf > 0
    ship_days, ship_pmf = ship_days[keep], ship_pmf[keep]
    per_day = transit_pmf[keep] if transit_pmf.ndim == 2 else transit_pmf[None, :]
    size = per_day.shape[1]
    carrier.check(int(ship_days[0]))
    carrier.check(int(ship_days[-1]))
    base = np.searchsorted(carrier.open_days, ship_days, side="right")
    idx = base[:, None] + np.arange(size)[None, :] - 1
    if int(idx[-1, -1]) >= len(carrier.open_days):
        carrier.check(carrier.last.toordinal() + 1)
    dates = carrier.open_days[np.maximum(idx, 0)]
    dates[:, 0] = ship_days
    weights = ship_pmf[:, None] * per_day
    first = int(dates.min())
    pmf = np.bincount((dates - first).ravel(), weights=weights.ravel())
    days = np.flatnonzero(pmf > 0)
    cdf: FloatArray = np.cumsum(pmf[days]).astype(np.float64)
    cdf /= cdf[-1]
    return DateDistribution((days + first).astype(np.int64), cdf)


def window_from(
    dist: DateDistribution,
    *,
    level: float,
    upper: float,
    lo: float,
    hi: Callable[[float], float],
) -> DeliveryWindow:
    """Quantiles at the (recalibrated) levels; the window always contains the promise.

    The earliest date comes first; whatever lower tail it cannot cut off (whole days: often
    no parcel arrives before the first possible day) is not spent twice, so the latest date
    is the quantile at ``P(D < earliest) + level`` (mapped by ``hi``), not blindly at
    ``(1 + level) / 2``.  Without that, 95 % windows would cover about 98 %.  When a queue
    shapes the distribution the latest date stays at ``(1 + level) / 2``: the unused tail
    then depends on the backlog, and spending it would let a *longer* queue give an earlier
    latest date.  Never asking for more than ``(1 + level) / 2`` keeps every date
    non-decreasing in the backlog.
    """
    promised = dist.quantile(upper)
    earliest = min(dist.quantile(lo), promised)
    top = (1.0 + level) / 2.0
    if not dist.queued:
        top = min(dist.prob_before(earliest) + level, top)
    latest = dist.quantile(hi(top))
    return DeliveryWindow(
        promised_date=promised,
        earliest_date=earliest,
        latest_date=max(latest, promised),
        level=level,
    )


def transit_pmf(model: PromiseModel, req: PromiseRequest) -> tuple[str, FloatArray]:
    key, dist = pick(
        model.transit,
        transit_keys(
            carrier=req.carrier,
            service=req.service,
            origin_country=req.origin_country,
            origin_region=req.origin_region,
            dest_country=req.dest_country,
            dest_region=req.dest_region,
            dest_postcode=req.dest_postcode,
        ),
    )
    return key, np.asarray(dist.pmf, dtype=np.float64)


def delivery_distribution(
    model: PromiseModel, req: PromiseRequest, reading: BacklogReading, transit_shift: int = 0
) -> tuple[DateDistribution, bool, str, str]:
    """Raw (uncalibrated) delivery-date distribution, whether under load, segments used.

    ``transit_shift`` moves the lane by that many carrier days (``live``: how the carrier's
    parcels move right now)."""
    cfg = model.config
    local = req.ordered_at.astimezone(_zone(cfg.timezone))
    wh = model.calendars.warehouse
    start = start_day(wh, local, cfg.cutoff).toordinal()
    p_key, p_dist = pick(
        model.processing,
        processing_keys(origin_country=req.origin_country, origin_region=req.origin_region),
    )
    capacity = reading.throughput or model.capacity
    first = open_index_after(wh, start) - 1  # start is an open day
    if reading.plan is not None:  # capacity per calendar day: shifts, holidays, closures
        ship_days, cdf, queued = planned_queue_processing(
            p_dist.cdf(), wh.open_days[first : first + 4 * MAX_QUEUE_DAYS], reading.backlog,
            reading.plan)
        if int(ship_days[-1]) > wh.last.toordinal():
            wh.check(int(ship_days[-1]))
        ship_pmf = np.diff(np.concatenate([[0.0], cdf]))
        loaded = reading.backlog + 1 > reading.plan.on(start, True)
    else:
        cdf, queued = queue_processing(p_dist.cdf(), reading.backlog, capacity)
        ship_pmf = np.diff(np.concatenate([[0.0], cdf]))
        if first + len(ship_pmf) > len(wh.open_days):
            wh.check(wh.last.toordinal() + 1)
        ship_days = wh.open_days[first : first + len(ship_pmf)]
        loaded = under_load(reading.backlog, capacity)
    t_key, t_pmf = transit_pmf(model, req)
    if transit_shift:
        t_pmf = shift_pmf(t_pmf, transit_shift)
    shares = [model.slowdown.share(int(d)) for d in ship_days]
    if any(shares):  # by the day each parcel would be handed over
        t_pmf = slowed_by_day(t_pmf, shares)
    carrier = model.calendars.carrier(req.carrier, req.dest_country)
    dist = combine(ship_days, ship_pmf, t_pmf, carrier)
    if queued:
        dist = DateDistribution(dist.days, dist.cdf, queued=True)
    return dist, loaded, p_key, t_key


@functools.lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def make_promise(
    model: PromiseModel,
    req: PromiseRequest,
    *,
    reading: BacklogReading | None = None,
    level: float | None = None,
    correction: TransitCorrection | None = None,
) -> Promise:
    """The calibrated promise for one order (backlog 0 unless a reading says otherwise).

    A ``correction`` (the online correction: ``live`` and ``online``) moves the carrier
    service's lane by its current shift and asks for its running level instead of ``level``;
    the window still reports the nominal level, the promise carries both."""
    level = model.config.level if level is None else level
    if not 0.0 < level < 1.0:
        raise ValueError("level: must be between 0 and 1")
    reading = reading or BacklogReading(backlog=0)
    shift = correction.shift(req.carrier, req.service) if correction is not None else 0
    asked = correction.level(req.carrier, req.service, level) if correction is not None \
        else level
    dist, loaded, p_key, t_key = delivery_distribution(model, req, reading, shift)
    c_key, lmap = model.level_map(req.carrier, req.service)
    window = window_from(
        dist,
        level=level,
        upper=lmap.upper_level(asked),
        lo=lmap.lower_level((1.0 - level) / 2.0),
        hi=lmap.upper_level,
    )
    return Promise(
        request=req,
        window=window,
        under_load=loaded,
        backlog=reading.backlog,
        processing_segment=p_key,
        transit_segment=t_key,
        calibration_segment=c_key,
        transit_shift=shift,
        asked_level=asked,
    )
