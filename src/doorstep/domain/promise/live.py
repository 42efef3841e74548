"""Live transit: how a carrier service's parcels move *now*, from deliveries and parcels in flight.

A refit learns a slow-down weeks late, and the outcomes of promises arrive only once the
promised day is over.  Parcels already handed over say it sooner: a parcel handed over two
carrier days ago and not delivered is a right-censored observation "transit > 2 days", and
when four out of five parcels of a lane normally arrive the next day, a day's hand-overs of
which none has arrived is strong evidence within one day.

The estimate is a **day shift** of the fitted lanes (the model's transit distribution of
each parcel's own segment, moved by ``d`` carrier delivery days), chosen by censored
likelihood:

* delivered parcel after ``t`` carrier days: ``log p_d(t)``; parcel in flight after ``c``
  fully elapsed carrier days: ``log P_d(T > c)`` (the survival — censoring, not a miss).
  A share ``outlier_share`` of parcels follows no lane (lost, misrouted, a long exception:
  spread evenly over ``outlier_days``) so one odd parcel cannot move the estimate.
  Shifts are never negative: parcels faster than the fitted lanes are the refit's and
  the running level's to answer (a lane whose shape differs from the fitted one can look
  "earlier" to a shift, and a promise must not shorten on that).
* **Cohorts.**  Parcels are grouped by hand-over day.  A slow-down starts on one day, so
  pooling all recent parcels would let last week's normal deliveries outvote the first
  slowed ones.  The newest cohort's profile is pooled with older ones only while their
  plausible shifts (log-likelihood within ``slack_nats`` of their best) overlap; the first
  older cohort that disagrees marks a change and ends the pool.
* **Unknown size.**  While no slowed parcel has arrived the data only bound the shift from
  below (the pooled profile is flat up to ``max_shift``); the estimate is then *twice* the
  smallest shift consistent with the parcels (a parcel late by ``d`` days so far is guessed
  to need as long again) until deliveries pin it down.  It comes back as fast: the first
  cohort handed over after a recovery is delivered on its usual days and disagrees with
  the slowed cohorts before it.

The shift is applied by the engine to the transit distribution (``engine.make_promise``
with a ``TransitCorrection``), so weekends, holidays and carrier delivery days stay exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.model import PromiseModel, calibration_keys, pick, transit_keys

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, kw_only=True)
class LiveConfig:
    """How far back hand-overs count, the shifts considered, and robustness to odd parcels."""

    lookback_days: int = 7
    max_shift: int = 10
    slack_nats: float = 3.0  # profile log-likelihood drop still counted as plausible
    outlier_share: float = 0.02
    outlier_days: int = 60
    # Local time by which the carriers' delivery rounds are over: from then on a parcel not
    # delivered today took more than today, so the evening knows what the day showed
    # (a day-level estimate waited for the next morning).  None: only at the day's start.
    rounds_end: time | None = time(20, 0)

    def __post_init__(self) -> None:
        if self.lookback_days < 2 or self.max_shift < 1 or self.slack_nats <= 0:
            raise ValueError("live: lookback_days >= 2, max_shift >= 1, slack_nats > 0")
        if not 0.0 < self.outlier_share < 1.0 or self.outlier_days < 2:
            raise ValueError("live: 0 < outlier_share < 1 and outlier_days >= 2")

    @property
    def shifts(self) -> IntArray:
        return np.arange(0, self.max_shift + 1, dtype=np.int64)


@dataclass(frozen=True)
class Cohort:
    """Parcels of one carrier service handed over on one day, as known now.

    ``cdf[i]`` is parcel ``i``'s lane CDF over carrier days (index 0 = same day), ``days[i]``
    its transit (``delivered``) or the carrier days fully elapsed since hand-over (in flight).
    """

    handed_over: date
    cdf: FloatArray
    days: IntArray
    delivered: BoolArray
    order_ids: tuple[str, ...] = ()


def shift_profile(cohort: Cohort, cfg: LiveConfig) -> FloatArray:
    """Censored log-likelihood of the cohort for every shift in ``cfg.shifts``."""
    shifts = cfg.shifts
    n, size = cohort.cdf.shape
    if n == 0:
        return np.zeros(len(shifts))

    def shifted_cdf(t: IntArray) -> FloatArray:  # F_d(t) for every shift (rows) and parcel
        x = t[None, :] - shifts[:, None]
        val = cohort.cdf[np.arange(n)[None, :], np.clip(x, 0, size - 1)]
        return np.where(x < 0, 0.0, val)

    eps, h = cfg.outlier_share, float(cfg.outlier_days)
    t = cohort.days
    at = shifted_cdf(t)
    before = shifted_cdf(t - 1)
    lane_p = np.where(cohort.delivered[None, :], at - before, 1.0 - at)
    odd_p = np.where(cohort.delivered, np.where(t < h, 1.0 / h, 0.0),
                     np.clip((h - 1.0 - t) / h, 0.0, 1.0))
    mixed = (1.0 - eps) * np.clip(lane_p, 0.0, 1.0) + eps * odd_p[None, :]
    out: FloatArray = np.log(np.maximum(mixed, 1e-300)).sum(axis=1)
    return out


@dataclass(frozen=True, kw_only=True)
class ShiftEstimate:
    """The current shift of one carrier service, and how it was found."""

    shift: int  # carrier days to add to the fitted lanes
    consistent: int  # the smallest shift the pooled parcels fit best
    identified: bool  # False: only a lower bound is known, ``shift`` is the guess
    cohorts: int  # hand-over days pooled
    parcels: int


NO_SHIFT = ShiftEstimate(shift=0, consistent=0, identified=True, cohorts=0, parcels=0)


def _plausible(profile: FloatArray, shifts: IntArray, slack: float) -> tuple[int, int]:
    ok = shifts[profile >= profile.max() - slack]
    return int(ok.min()), int(ok.max())


def estimate_shift(cohorts: Sequence[Cohort], cfg: LiveConfig) -> ShiftEstimate:
    """Pool cohorts newest first while they agree; the pooled best shift (see module)."""
    shifts = cfg.shifts
    pooled: FloatArray | None = None
    used = parcels = 0
    for cohort in sorted(cohorts, key=lambda c: c.handed_over, reverse=True):
        prof = shift_profile(cohort, cfg)
        if pooled is not None:
            lo, hi = _plausible(pooled, shifts, cfg.slack_nats)
            c_lo, c_hi = _plausible(prof, shifts, cfg.slack_nats)
            if c_hi < lo or c_lo > hi:
                break  # a change between this cohort and the newer ones
        pooled = prof if pooled is None else pooled + prof
        used += 1
        parcels += len(cohort.days)
    if pooled is None:
        return NO_SHIFT
    consistent = int(shifts[pooled >= pooled.max() - 1e-9].min())
    top = _plausible(pooled, shifts, cfg.slack_nats)[1]
    identified = top < int(shifts[-1]) or consistent == 0
    shift = consistent if identified else min(2 * consistent, int(shifts[-1]))
    return ShiftEstimate(shift=shift, consistent=consistent, identified=identified,
                         cohorts=used, parcels=parcels)


@dataclass(frozen=True)
class TransitCorrection:
    """What the live order book says about now, per carrier service: the transit shift
    (``live``) and the level to ask the model for (``online``'s adaptive level)."""

    shifts: Mapping[str, int] = field(default_factory=dict)
    levels: Mapping[str, float] = field(default_factory=dict)

    def shift(self, carrier: str, service: str) -> int:
        return int(self.shifts.get(calibration_keys(carrier, service)[0], 0))

    def level(self, carrier: str, service: str, nominal: float) -> float:
        return float(self.levels.get(calibration_keys(carrier, service)[0], nominal))


def shift_pmf(pmf: FloatArray, shift: int) -> FloatArray:
    """A lane's day distribution ``shift`` carrier days later (as the likelihood moves it)."""
    if shift < 0:
        raise ValueError("shift: the live shift is never negative")
    if shift == 0:
        return pmf
    return np.concatenate([np.zeros(shift), pmf])


def known_from(at: datetime, tz: ZoneInfo, cfg: LiveConfig) -> tuple[date, datetime | None]:
    """The day whose knowledge a promise at ``at`` uses, and the moment within it the
    deliveries are known to: the end of the rounds once they are over, else None (the
    day's start)."""
    local = at.astimezone(tz)
    if cfg.rounds_end is not None and local.time() >= cfg.rounds_end:
        return local.date(), datetime.combine(local.date(), cfg.rounds_end, tz)
    return local.date(), None


def cohorts_from_rows(
    model: PromiseModel, rows: Iterable[HistoryRow], today: date, cfg: LiveConfig,
    *, rounds_over: datetime | None = None,
) -> dict[str, list[Cohort]]:
    """Cohorts per carrier service from rows handed over in the ``lookback_days`` before
    ``today``, as known at its start: a delivery from ``today`` on is not known yet.  With
    ``rounds_over`` (a moment of ``today`` after its delivery rounds), as known then: the
    deliveries before it count, and today is one more carrier day elapsed for the parcels
    still in flight."""
    tz = ZoneInfo(model.config.timezone)
    start = rounds_over or datetime.combine(today, time(0), tz)
    first = today - timedelta(days=cfg.lookback_days)
    yesterday = today.toordinal() - (0 if rounds_over is not None else 1)
    lanes: dict[tuple[str, ...], FloatArray] = {}
    # (carrier, country) → per row: cohort key, hand-over day, end day, delivered, lane, id
    by_calendar: dict[tuple[str, str], list[tuple[str, int, int, bool, FloatArray, str]]] = {}
    for row in rows:
        if row.shipped_at is None or row.shipped_at >= start:
            continue
        ship = row.shipped_at.astimezone(tz).date()
        if ship < first:
            continue
        keys = transit_keys(carrier=row.carrier, service=row.service,
                            origin_country=row.origin_country, origin_region=row.origin_region,
                            dest_country=row.dest_country, dest_region=row.dest_region,
                            dest_postcode=row.dest_postcode)
        cdf = lanes.get(keys)
        if cdf is None:
            cdf = np.cumsum(np.asarray(pick(model.transit, keys)[1].pmf, dtype=np.float64))
            lanes[keys] = cdf
        delivered = row.delivered_at is not None and row.delivered_at < start
        end = row.delivered_at.astimezone(tz).date().toordinal() if delivered and \
            row.delivered_at is not None else yesterday
        by_calendar.setdefault((row.carrier, row.dest_country), []).append(
            (calibration_keys(row.carrier, row.service)[0], ship.toordinal(), end, delivered,
             cdf, row.order_id))
    grouped: dict[tuple[str, int], list[tuple[FloatArray, int, bool, str]]] = {}
    for (carrier, country), members in by_calendar.items():
        counted = model.calendars.carrier(carrier, country).count_open_after(
            np.array([m[1] for m in members], dtype=np.int64),
            np.array([m[2] for m in members], dtype=np.int64))
        for m, days in zip(members, counted.tolist(), strict=True):
            grouped.setdefault((m[0], m[1]), []).append((m[4], int(days), m[3], m[5]))
    out: dict[str, list[Cohort]] = {}
    for (key, ship_day), parcels in grouped.items():
        size = max(len(p[0]) for p in parcels) + cfg.max_shift + 1
        cdf_rows = np.ones((len(parcels), size))
        for i, p in enumerate(parcels):
            cdf_rows[i, : len(p[0])] = p[0]
        out.setdefault(key, []).append(Cohort(
            handed_over=date.fromordinal(ship_day), cdf=cdf_rows,
            days=np.array([p[1] for p in parcels], dtype=np.int64),
            delivered=np.array([p[2] for p in parcels], dtype=bool),
            order_ids=tuple(p[3] for p in parcels)))
    return out


def live_shifts(
    model: PromiseModel, rows: Iterable[HistoryRow], today: date, cfg: LiveConfig | None = None,
    *, rounds_over: datetime | None = None,
) -> dict[str, ShiftEstimate]:
    """The current shift of every carrier service with parcels in the last days (as known
    at ``today``'s start, or once its rounds are over: ``cohorts_from_rows``)."""
    cfg = cfg or LiveConfig()
    return {key: estimate_shift(cohorts, cfg) for key, cohorts in
            cohorts_from_rows(model, rows, today, cfg, rounds_over=rounds_over).items()}


def cohort_shifts(
    model: PromiseModel, rows: Iterable[HistoryRow], today: date, days: int,
    cfg: LiveConfig | None = None,
) -> dict[str, int]:
    """Order id → the shift its own hand-over cohort moved by, for the last ``days`` of
    hand-overs (only cohorts that moved later: the smallest shift they fit best, ≥ 1).

    The refit learns those rows net of it (``HistoryRow.transit_shift``): a slow-down is
    the live correction's to carry, and learning it again in the lanes and in the
    calibration is what made corrections stack.
    """
    base = cfg or LiveConfig()
    wide = LiveConfig(lookback_days=max(days, 2), max_shift=base.max_shift,
                      slack_nats=base.slack_nats, outlier_share=base.outlier_share,
                      outlier_days=base.outlier_days)
    out: dict[str, int] = {}
    for cohorts in cohorts_from_rows(model, rows, today, wide).values():
        for cohort in cohorts:
            moved = estimate_shift([cohort], wide).consistent
            if moved > 0:
                out.update(dict.fromkeys(cohort.order_ids, moved))
    return out
