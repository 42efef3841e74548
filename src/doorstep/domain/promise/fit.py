"""Fit a promise model from history rows (pure: calendars come in, a model comes out).

How each row enters:

* processing = warehouse working days from the day the order entered the queue (cut-off
  and calendar applied) to the handover day.  Not shipped yet → censored at the days
  elapsed by ``as_of``.  Only orders placed while the warehouse was *not* under load teach
  the normal processing time; the queue model covers loaded periods (see ``load``).
* transit = the carrier's delivery days after the handover day up to the delivery day.
  Shipped but not delivered yet → censored (Kaplan–Meier), never dropped.
* weights halve every ``half_life_days`` of age, so a slow-down shows quickly.
* every segment is shrunk towards its parent (lane → postcode area → region → country →
  all), so thin segments borrow strength instead of being switched off at a threshold.

Calibration holds out the most recent weeks (ending ``calibration_gap_days`` before
``as_of`` so their outcomes are mostly known) and the ``season_days`` after the same date
last year, fits on what was known when each began, and learns the level correction from
how those promises fared; the final model is fitted on everything and carries it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from doorstep.domain.promise.calendar import WorkCalendar
from doorstep.domain.promise.calibration import (
    CoverageRow,
    PitSample,
    coverage_report,
    level_maps,
)
from doorstep.domain.promise.engine import PromiseRequest, delivery_distribution
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.live import cohort_shifts
from doorstep.domain.promise.load import (
    UNLIMITED,
    BacklogReading,
    Capacity,
    estimate_capacity,
    reconstruct_backlog,
)
from doorstep.domain.promise.model import (
    Calendars,
    PromiseConfig,
    PromiseModel,
    calibration_keys,
    pick,
    processing_keys,
    transit_keys,
)
from doorstep.domain.promise.season import Slowdown, estimate_slowdown
from doorstep.domain.promise.survival import DayDistribution, kaplan_meier, recency_weights

SEASON_WEEKS = 13  # how far ahead last year's slow-down is read
SEASON_BASE_DAYS = 28

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, kw_only=True)
class FitReport:
    rows: int
    shipped: int
    delivered: int
    censored_processing: int
    censored_transit: int
    capacity: Capacity
    calibration: list[CoverageRow]
    calibration_window: tuple[datetime, datetime] | None


@dataclass(frozen=True, kw_only=True)
class FitResult:
    model: PromiseModel
    report: FitReport


@dataclass(frozen=True)
class _Obs:
    order_s: FloatArray
    ship_s: FloatArray
    shipped: BoolArray
    delivered: BoolArray
    proc_t: IntArray
    proc_ok: BoolArray  # row carries processing information
    transit_t: IntArray
    transit_ok: BoolArray
    ship_day: IntArray
    start_day: IntArray
    weights: FloatArray
    backlog: IntArray


def request_from_row(row: HistoryRow) -> PromiseRequest:
    """Only what is known at order time."""
    return PromiseRequest(
        ordered_at=row.ordered_at,
        carrier=row.carrier,
        service=row.service,
        dest_country=row.dest_country,
        dest_region=row.dest_region,
        dest_postcode=row.dest_postcode,
        origin_country=row.origin_country,
        origin_region=row.origin_region,
    )


def truncate(rows: Sequence[HistoryRow], at: datetime) -> list[HistoryRow]:
    """The history as it looked at ``at``: later orders gone, later events not yet known."""
    out = []
    for r in rows:
        if r.ordered_at >= at:
            continue
        if (r.delivered_at or r.shipped_at or r.ordered_at) < at:
            out.append(r)
            continue
        shipped = r.shipped_at if r.shipped_at is not None and r.shipped_at < at else None
        delivered = (
            r.delivered_at
            if shipped is not None and r.delivered_at is not None and r.delivered_at < at
            else None
        )
        out.append(dataclasses.replace(r, shipped_at=shipped, delivered_at=delivered))
    return out


def _local_days(times: Sequence[datetime], tz: ZoneInfo) -> tuple[IntArray, IntArray]:
    days = np.empty(len(times), dtype=np.int64)
    secs = np.empty(len(times), dtype=np.int64)
    for i, t in enumerate(times):
        loc = t.astimezone(tz)
        days[i] = loc.toordinal()
        secs[i] = loc.hour * 3600 + loc.minute * 60 + loc.second
    return days, secs


def _at(t: datetime | None) -> datetime:
    assert t is not None
    return t


def local_day(t: datetime, tz: ZoneInfo) -> date:
    return t.astimezone(tz).date()


def _observe(
    rows: Sequence[HistoryRow], cals: Calendars, cfg: PromiseConfig, as_of: datetime
) -> _Obs:
    tz = ZoneInfo(cfg.timezone)
    n = len(rows)
    wh: WorkCalendar = cals.warehouse
    as_of_day = np.int64(local_day(as_of, tz).toordinal())
    order_days, order_secs = _local_days([r.ordered_at for r in rows], tz)
    start = wh.start_days(order_days, order_secs, cfg.cutoff)
    shipped = np.array([r.shipped_at is not None for r in rows], dtype=bool)
    delivered = np.array([r.delivered_at is not None for r in rows], dtype=bool)
    epoch = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
    order_s = np.array([(r.ordered_at - epoch).total_seconds() for r in rows])
    ship_s = np.array(
        [(r.shipped_at - epoch).total_seconds() if r.shipped_at else np.nan for r in rows]
    )
    ship_day = np.full(n, as_of_day, dtype=np.int64)
    idx = np.flatnonzero(shipped)
    ship_day[idx] = _local_days([_at(rows[int(i)].shipped_at) for i in idx], tz)[0]
    deliv_day = np.full(n, as_of_day, dtype=np.int64)
    idx_d = np.flatnonzero(delivered)
    deliv_day[idx_d] = _local_days([_at(rows[int(i)].delivered_at) for i in idx_d], tz)[0]

    proc = wh.count_open_after(start, ship_day)
    proc_t = np.where(shipped, proc, proc - 1)
    proc_ok = proc_t >= 0
    transit_t = np.full(n, -1, dtype=np.int64)
    groups: dict[tuple[str, str], list[int]] = {}
    for i in idx:
        row = rows[int(i)]
        groups.setdefault((row.carrier, row.dest_country), []).append(int(i))
    for (carrier, country), members in groups.items():
        m = np.array(members, dtype=np.int64)
        counted = cals.carrier(carrier, country).count_open_after(ship_day[m], deliv_day[m])
        transit_t[m] = np.where(delivered[m], counted, counted - 1)
    carried = np.array([max(r.transit_shift, 0) for r in rows], dtype=np.int64)
    if carried.any():  # net of what the online correction carried (see HistoryRow)
        net = transit_t - carried
        transit_t = np.where(delivered, np.maximum(net, np.minimum(transit_t, 1)), net)
    transit_ok = shipped & (transit_t >= 0)
    age = (as_of - epoch).total_seconds() / 86400.0 - order_s / 86400.0
    weights = recency_weights(age, cfg.half_life_days)
    backlog = reconstruct_backlog(order_s, order_s, ship_s[shipped])
    return _Obs(
        order_s, ship_s, shipped, delivered, proc_t, proc_ok, transit_t, transit_ok,
        ship_day, start, weights, backlog,
    )


def _left_over(obs: _Obs, open_days: IntArray) -> IntArray:
    """Per open day: orders due by that day (start day reached) still unshipped at its end."""
    due = np.searchsorted(np.sort(obs.start_day), open_days, side="right")
    gone = np.searchsorted(np.sort(obs.ship_day[obs.shipped]), open_days, side="right")
    return (due - gone).astype(np.int64)


def _fit_segments(
    keys: Sequence[tuple[str, ...]],
    times: IntArray,
    events: BoolArray,
    weights: FloatArray,
    mask: BoolArray,
    strength: float,
) -> dict[str, DayDistribution]:
    """Kaplan–Meier per segment, each shrunk towards its parent (the next key of a row).

    ``pmf = (ess · own + strength · parent) / (ess + strength)`` with ``ess`` the segment's
    recency-weighted effective sample size: a lane with little data borrows its shape from
    the postcode area, an area from the region and so on, and no hard threshold switches a
    segment on or off.  Parents are shrunk first, so ``all`` is the plain estimate.
    """
    groups: dict[str, list[int]] = {}
    parent: dict[str, str] = {}
    depth: dict[str, int] = {}
    for i in np.flatnonzero(mask).tolist():
        row_keys = keys[i]
        for j, key in enumerate(row_keys):
            groups.setdefault(key, []).append(int(i))
            if j + 1 < len(row_keys):
                parent.setdefault(key, row_keys[j + 1])
            depth.setdefault(key, len(row_keys) - 1 - j)
    out: dict[str, DayDistribution] = {}
    for key in sorted(groups, key=lambda k: depth[k]):
        m = np.array(groups[key], dtype=np.int64)
        own = kaplan_meier(times[m], events[m], weights[m])
        up = out.get(parent.get(key, ""))
        if up is None or strength <= 0:
            out[key] = own
            continue
        size = max(len(own.pmf), len(up.pmf))
        a = np.zeros(size)
        a[: len(own.pmf)] = own.pmf
        b = np.zeros(size)
        b[: len(up.pmf)] = up.pmf
        share = own.effective_n / (own.effective_n + strength)
        pmf = share * a + (1.0 - share) * b
        out[key] = DayDistribution(tuple(float(x) for x in pmf), own.n, own.effective_n)
    return out


def _transit_keys(rows: Sequence[HistoryRow]) -> list[tuple[str, ...]]:
    """Each row's transit segments, most specific first (the distributions and the seasonal
    slow-down both need them)."""
    return [
        transit_keys(
            carrier=r.carrier, service=r.service, origin_country=r.origin_country,
            origin_region=r.origin_region, dest_country=r.dest_country,
            dest_region=r.dest_region, dest_postcode=r.dest_postcode,
        )
        for r in rows
    ]


def _distributions(
    rows: Sequence[HistoryRow],
    t_keys: Sequence[tuple[str, ...]],
    obs: _Obs,
    cals: Calendars,
    cfg: PromiseConfig,
    known_capacity: Capacity | None = None,
) -> tuple[dict[str, DayDistribution], dict[str, DayDistribution], Capacity]:
    open_days = cals.warehouse.open_days
    if known_capacity is not None:
        capacity = known_capacity
    elif cfg.load_aware:
        capacity = estimate_capacity(
            obs.ship_day[obs.shipped], open_days, _left_over(obs, open_days)
        )
    else:
        capacity = UNLIMITED
    calm = obs.backlog + 1 <= capacity.per_day
    proc_mask = obs.proc_ok & calm
    if proc_mask.sum() < max(cfg.min_effective_n, 1):
        proc_mask = obs.proc_ok
    if not proc_mask.any() or not obs.transit_ok.any():
        raise ValueError("history: need shipped and delivered orders to fit a model")
    p_keys = [processing_keys(origin_country=r.origin_country, origin_region=r.origin_region)
              for r in rows]
    processing = _fit_segments(
        p_keys, obs.proc_t, obs.shipped, obs.weights, proc_mask, cfg.min_effective_n
    )
    transit = _fit_segments(
        t_keys, obs.transit_t, obs.delivered, obs.weights, obs.transit_ok, cfg.min_effective_n
    )
    return processing, transit, capacity


def _slowdown(
    t_keys: Sequence[tuple[str, ...]],
    obs: _Obs,
    transit: dict[str, DayDistribution],
    cfg: PromiseConfig,
    as_of: datetime,
) -> Slowdown:
    """Last year's weeks ahead against the weeks before: see ``season``."""
    as_of_day = local_day(as_of, ZoneInfo(cfg.timezone)).toordinal()
    last_year = as_of_day - 364
    window = (obs.transit_ok & obs.delivered & (obs.ship_day >= last_year - SEASON_BASE_DAYS)
              & (obs.ship_day < last_year + 7 * SEASON_WEEKS))
    idx = np.flatnonzero(window)
    late = np.zeros(len(idx), dtype=bool)
    on_usual = np.zeros(len(idx))
    usual: dict[tuple[str, ...], tuple[int, float]] = {}
    for j, i in enumerate(idx.tolist()):
        keys = t_keys[i]
        if keys not in usual:
            dist = pick(transit, keys)[1]
            day = dist.quantile(0.5)
            usual[keys] = (day, float(dist.pmf[day]))
        late[j] = obs.transit_t[i] > usual[keys][0]
        on_usual[j] = usual[keys][1]
    return estimate_slowdown(obs.ship_day[idx], late, as_of_day,
                             on_usual_day=float(on_usual.mean()) if len(idx) else None,
                             horizon_weeks=SEASON_WEEKS, base_days=SEASON_BASE_DAYS)


def pit_samples(
    model: PromiseModel,
    rows: Sequence[HistoryRow],
    backlog: Sequence[int],
    as_of: datetime,
) -> list[PitSample]:
    """Raw-model probabilities at each row's actual delivery day (censored: as of ``as_of``)."""
    tz = ZoneInfo(model.config.timezone)
    last_known = local_day(as_of, tz) - timedelta(days=1)
    out = []
    for row, b in zip(rows, backlog, strict=True):
        dist, *_ = delivery_distribution(
            model, request_from_row(row), BacklogReading(backlog=b), max(row.transit_shift, 0)
        )
        if row.delivered_at is not None:
            day = local_day(row.delivered_at, tz)
            before, upto = dist.prob_before(day), dist.prob_on_or_before(day)
        else:
            before = upto = dist.prob_on_or_before(last_known)
        out.append(PitSample(keys=calibration_keys(row.carrier, row.service),
                             before=before, on_or_before=upto))
    return out


def _held_out(
    rows: Sequence[HistoryRow],
    backlog: IntArray,
    calendars: Calendars,
    cfg: PromiseConfig,
    as_of: datetime,
    start: datetime,
    end: datetime,
    capacity: Capacity,
) -> list[PitSample]:
    """PIT samples of orders placed in ``[start, end)`` under a model fitted as of ``start``.

    The held-out model uses the final model's throughput: capacity is a property of the
    warehouse, and one learned from a surge the held-out model has not seen yet is what the
    final model will use in the next surge — the correction must be learned for that.
    """
    inside = [i for i, r in enumerate(rows) if start <= r.ordered_at < end]
    earlier = truncate(rows, start)
    delivered_earlier = sum(1 for r in earlier if r.delivered_at is not None)
    if len(inside) < cfg.min_calibration_n or delivered_earlier < cfg.min_calibration_n:
        return []  # a model fitted on (almost) no outcomes would teach a nonsense correction
    sub = fit_model(earlier, calendars=calendars, config=cfg, as_of=start, calibrate=False,
                    capacity=capacity)
    return pit_samples(sub.model, [rows[i] for i in inside], [int(backlog[i]) for i in inside],
                       as_of)


def _calibration_samples(
    rows: Sequence[HistoryRow],
    backlog: IntArray,
    calendars: Calendars,
    cfg: PromiseConfig,
    as_of: datetime,
    capacity: Capacity,
) -> tuple[list[PitSample], tuple[datetime, datetime] | None]:
    """Held-out orders the level correction is learned from.

    The recent weeks (ending ``calibration_gap_days`` before ``as_of``) say how the model
    does now; the ``season_days`` after the same date one year earlier (52 weeks, so
    weekdays line up) say how a model fitted at this time of year fared in the weeks that
    followed — the yearly peak, a surge — which recent weeks cannot show.
    """
    cal_end = as_of - timedelta(days=cfg.calibration_gap_days)
    cal_start = cal_end - timedelta(days=cfg.calibration_days)
    samples = _held_out(rows, backlog, calendars, cfg, as_of, cal_start, cal_end, capacity)
    window = (cal_start, cal_end) if samples else None
    if cfg.season_days > 0:
        season_start = as_of - timedelta(days=364)
        season_end = min(season_start + timedelta(days=cfg.season_days), cal_start)
        if season_end > season_start:
            samples += _held_out(rows, backlog, calendars, cfg, as_of, season_start, season_end,
                                 capacity)
    return samples, window


def net_of_cohort_shifts(
    rows: Sequence[HistoryRow],
    *,
    calendars: Calendars,
    config: PromiseConfig,
    as_of: datetime,
    capacity: Capacity | None = None,
) -> list[HistoryRow]:
    """The rows with ``transit_shift`` set where their hand-over cohort moved later.

    The cohorts are measured against a model fitted on the rows themselves, then again
    against one fitted net of the first answer (a slow-down inside the history makes the
    first reference slow and the shifts too small).
    """
    plain = dataclasses.replace(config, net_shift_days=0)
    today = local_day(as_of, ZoneInfo(config.timezone))
    out = [dataclasses.replace(r, transit_shift=0) if r.transit_shift else r for r in rows]
    for _ in range(2):
        ref = fit_model(out, calendars=calendars, config=plain, as_of=as_of, calibrate=False,
                        capacity=capacity).model
        moved = cohort_shifts(ref, rows, today, config.net_shift_days)
        out = [dataclasses.replace(r, transit_shift=moved.get(r.order_id, 0)) for r in rows]
        if not moved:
            break
    return out


def fit_model(
    rows: Sequence[HistoryRow],
    *,
    calendars: Calendars,
    config: PromiseConfig | None = None,
    as_of: datetime | None = None,
    calibrate: bool = True,
    capacity: Capacity | None = None,
) -> FitResult:
    """Fit distributions, capacity (unless given) and (optionally) the calibration correction."""
    cfg = config or PromiseConfig()
    if not rows:
        raise ValueError("history: no rows to fit on")
    if as_of is None:
        as_of = max(
            max(t for t in (r.ordered_at, r.shipped_at, r.delivered_at) if t is not None)
            for r in rows
        )
    if calibrate and cfg.net_shift_days > 0:
        rows = net_of_cohort_shifts(rows, calendars=calendars, config=cfg, as_of=as_of,
                                    capacity=capacity)
    obs = _observe(rows, calendars, cfg, as_of)
    t_keys = _transit_keys(rows)
    processing, transit, capacity = _distributions(rows, t_keys, obs, calendars, cfg, capacity)
    model = PromiseModel(
        config=cfg, fitted_at=as_of, calendars=calendars, processing=processing,
        transit=transit, capacity=capacity, training_rows=len(rows),
        slowdown=_slowdown(t_keys, obs, transit, cfg, as_of),
    )
    coverage: list[CoverageRow] = []
    window = None
    if calibrate:
        samples, window = _calibration_samples(rows, obs.backlog, calendars, cfg, as_of,
                                               capacity)
        if samples:
            maps = level_maps(samples, min_n=cfg.min_calibration_n)
            model = dataclasses.replace(model, calibration=maps)
            coverage = coverage_report(samples, maps, cfg.level)
    report = FitReport(
        rows=len(rows),
        shipped=int(obs.shipped.sum()),
        delivered=int(obs.delivered.sum()),
        censored_processing=int((~obs.shipped & obs.proc_ok).sum()),
        censored_transit=int((obs.shipped & ~obs.delivered & obs.transit_ok).sum()),
        capacity=capacity,
        calibration=coverage,
        calibration_window=window,
    )
    return FitResult(model=model, report=report)
