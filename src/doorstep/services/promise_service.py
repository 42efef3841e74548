"""Promise use cases: build calendars from the ``holidays`` package, fit, backtest.

The domain works with plain sets of closed dates; this is where they come from.  The
warehouse calendar uses the warehouse's country and optional subdivision (``DE`` + ``BY``
for Bavaria); carrier calendars use each destination country's national holidays and the
carrier's delivery weekdays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, func, select, union_all

from doorstep.adapters.db.tables import order_events, orders, shipments, tracking_events
from doorstep.domain.carrier_service import parse_carrier_service
from doorstep.domain.promise.baselines import FixedRule, GlobalQuantile
from doorstep.domain.promise.calendar import WorkCalendar
from doorstep.domain.promise.engine import (
    DeliveryWindow,
    delivery_distribution,
    window_from,
)
from doorstep.domain.promise.fit import FitResult, fit_model, request_from_row, truncate
from doorstep.domain.promise.history import HistoryRow, row_problems
from doorstep.domain.promise.load import BacklogReading, reconstruct_backlog
from doorstep.domain.promise.metrics import Metrics, Outcome, by_segment
from doorstep.domain.promise.model import DEFAULT_CARRIER, Calendars, PromiseConfig, PromiseModel

DEFAULT_CARRIER_WEEKDAYS: dict[str, frozenset[int]] = {
    "dhl": frozenset(range(6)),  # DHL Paket delivers Monday–Saturday
    DEFAULT_CARRIER: frozenset(range(5)),
}
CHART_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98)


class UnknownHolidayCountry(ValueError):
    """The ``holidays`` package has no calendar for a country or subdivision."""


def holiday_dates(country: str, subdiv: str | None, years: Iterable[int]) -> frozenset[date]:
    try:
        found = holidays.country_holidays(country, subdiv=subdiv or None, years=list(years))
    except (NotImplementedError, KeyError) as exc:
        where = f"{country}-{subdiv}" if subdiv else country
        raise UnknownHolidayCountry(f"holidays: no calendar for {where!r}") from exc
    return frozenset(found.keys())


def build_calendars(
    *,
    country: str,
    subdiv: str | None,
    first_year: int,
    last_year: int,
    dest_countries: Iterable[str] = (),
    carrier_weekdays: dict[str, frozenset[int]] | None = None,
) -> Calendars:
    """Warehouse + carrier calendars covering ``first_year`` .. ``last_year``."""
    years = range(first_year, last_year + 1)
    warehouse = WorkCalendar(
        name=f"warehouse/{country}{'-' + subdiv if subdiv else ''}",
        weekdays=frozenset(range(5)),
        holidays=holiday_dates(country, subdiv, years),
        first=date(first_year, 1, 1),
        last=date(last_year, 12, 31),
    )
    per_country: dict[str, frozenset[date]] = {}
    for c in sorted({c for c in dest_countries if c}):
        try:
            per_country[c] = holiday_dates(c, None, years)
        except UnknownHolidayCountry:
            per_country[c] = frozenset()  # documented: weekdays only for unknown countries
    return Calendars(
        warehouse=warehouse,
        carrier_weekdays={**DEFAULT_CARRIER_WEEKDAYS, **(carrier_weekdays or {})},
        country_holidays=per_country,
    )


def calendars_for(
    rows: Sequence[HistoryRow],
    *,
    country: str,
    subdiv: str | None,
    carrier_weekdays: dict[str, frozenset[int]] | None = None,
    years_ahead: int = 2,
) -> Calendars:
    """Calendars for the years the history spans, one year back and ``years_ahead`` on."""
    years = [r.ordered_at.year for r in rows] or [datetime.now().year]
    return build_calendars(
        country=country,
        subdiv=subdiv,
        first_year=min(years) - 1,
        last_year=max(years) + years_ahead,
        dest_countries={r.dest_country for r in rows},
        carrier_weekdays=carrier_weekdays,
    )


def fit_history(
    rows: Sequence[HistoryRow],
    *,
    country: str,
    subdiv: str | None,
    config: PromiseConfig | None = None,
    as_of: datetime | None = None,
    carrier_weekdays: dict[str, frozenset[int]] | None = None,
) -> FitResult:
    cals = calendars_for(rows, country=country, subdiv=subdiv, carrier_weekdays=carrier_weekdays)
    return fit_model(rows, calendars=cals, config=config, as_of=as_of)


def history_backlog(rows: Sequence[HistoryRow], at: Sequence[datetime]) -> list[int]:
    """Backlog at each time, reconstructed from the history (what was known back then)."""
    epoch = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
    ordered = np.array([(r.ordered_at - epoch).total_seconds() for r in rows])
    shipped = np.array(
        [(r.shipped_at - epoch).total_seconds() for r in rows if r.shipped_at is not None]
    )
    when = np.array([(t - epoch).total_seconds() for t in at])
    return [int(b) for b in reconstruct_backlog(when, ordered, shipped)]


@dataclass(frozen=True, kw_only=True)
class BacktestResult:
    level: float
    split: datetime
    train_rows: int
    test_rows: int
    metrics: dict[str, dict[str, Metrics]]  # method → segment → metrics
    reliability: dict[str, list[tuple[float, float]]]  # series → (nominal, observed)
    fit: FitResult = field(repr=False)
    refits: int = 1


def _outcome(row: HistoryRow, w: DeliveryWindow, tz: ZoneInfo, last_known: int,
             segments: tuple[str, ...]) -> Outcome:
    return Outcome(
        segments=segments,
        order_day=row.ordered_at.astimezone(tz).toordinal(),
        promised=w.promised_date.toordinal(),
        earliest=w.earliest_date.toordinal(),
        latest=w.latest_date.toordinal(),
        actual=row.delivered_at.astimezone(tz).toordinal() if row.delivered_at else None,
        last_known=last_known,
    )


def backtest(
    rows: Sequence[HistoryRow],
    split: datetime,
    *,
    country: str,
    subdiv: str | None,
    config: PromiseConfig | None = None,
    level: float | None = None,
    extra_segments: Callable[[HistoryRow], tuple[str, ...]] | None = None,
    progress: Callable[[int], None] | None = None,
    carrier_weekdays: dict[str, frozenset[int]] | None = None,
    refit_every: timedelta | None = None,
) -> BacktestResult:
    """Fit the engine and both shop rules on history before ``split``; score all on the rest.

    With ``refit_every`` the backtest is rolling-origin: every method is refitted on what
    was known at ``split``, ``split + refit_every``, … and scores the orders placed until its
    next refit — the way a shop runs the engine, and a test period that can span a whole
    year without one stale model.  ``fit`` is then the last model.
    """
    cfg = config or PromiseConfig()
    level = cfg.level if level is None else level
    tz = ZoneInfo(cfg.timezone)
    if refit_every is not None and refit_every <= timedelta(0):
        raise ValueError("refit_every: must be a positive duration")
    cals = calendars_for(rows, country=country, subdiv=subdiv, carrier_weekdays=carrier_weekdays)
    train = truncate(rows, split)
    test = [r for r in rows if r.ordered_at >= split]
    if not train or not test:
        raise ValueError(f"split {split.isoformat()}: needs history on both sides")
    end = max(
        max(t for t in (r.ordered_at, r.shipped_at, r.delivered_at) if t is not None)
        for r in rows
    )
    last_known = end.astimezone(tz).toordinal() - 1
    origins = [split]
    if refit_every is not None:
        while origins[-1] + refit_every <= max(r.ordered_at for r in test):
            origins.append(origins[-1] + refit_every)
    outcomes: dict[str, list[Outcome]] = {"engine": [], "fixed_rule": [], "global_quantile": []}
    hits = _Hits()
    done = fits = 0
    fitted: FitResult | None = None
    for k, origin in enumerate(origins):
        until = origins[k + 1] if k + 1 < len(origins) else None
        period = [r for r in test if r.ordered_at >= origin and (until is None or
                                                                    r.ordered_at < until)]
        if not period:
            continue
        known = truncate(rows, origin)
        fitted = fit_model(known, calendars=cals, config=cfg, as_of=origin)
        fits += 1
        glob = GlobalQuantile.fit(known, cfg.timezone)
        _score_period(period, history_backlog(rows, [r.ordered_at for r in period]),
                      fitted.model, FixedRule(cals.warehouse), glob, level, tz, last_known,
                      extra_segments, outcomes, hits)
        done += len(period)
        if progress is not None:
            progress(done)
    assert fitted is not None
    return BacktestResult(
        level=level, split=split, train_rows=len(train), test_rows=len(test),
        metrics={k: by_segment(v, level) for k, v in outcomes.items()},
        reliability=hits.reliability(), fit=fitted, refits=fits,
    )


def _score_period(
    period: Sequence[HistoryRow],
    backlog: Sequence[int],
    model: PromiseModel,
    fixed: FixedRule,
    glob: GlobalQuantile,
    level: float,
    tz: ZoneInfo,
    last_known: int,
    extra_segments: Callable[[HistoryRow], tuple[str, ...]] | None,
    outcomes: dict[str, list[Outcome]],
    hits: _Hits,
) -> None:
    for row, b in zip(period, backlog, strict=True):
        dist, loaded, *_ = delivery_distribution(
            model, request_from_row(row), BacklogReading(backlog=b)
        )
        c_key, lmap = model.level_map(row.carrier, row.service)
        w = window_from(dist, level=level, upper=lmap.upper_level(level),
                        lo=lmap.lower_level((1 - level) / 2), hi=lmap.upper_level)
        segs: tuple[str, ...] = (f"carrier={row.carrier_service}",
                                 f"dest={row.dest_country or '?'}")
        segs += (("load=under",) if loaded else ("load=normal",))
        segs += extra_segments(row) if extra_segments else ()
        order_day = row.ordered_at.astimezone(tz).date()
        outcomes["engine"].append(_outcome(row, w, tz, last_known, segs))
        outcomes["fixed_rule"].append(_outcome(row, fixed.window(order_day, level), tz,
                                               last_known, segs))
        outcomes["global_quantile"].append(
            _outcome(row, glob.window(order_day, level), tz, last_known, segs)
        )
        actual = row.delivered_at.astimezone(tz).date() if row.delivered_at else None
        v = dist.prob_before(actual) if actual else dist.prob_on_or_before(
            date.fromordinal(last_known))
        lead = ((row.delivered_at.astimezone(tz).toordinal() if row.delivered_at
                 else last_known + 10**4) - order_day.toordinal())
        hits.add(c_key, [v < (lmap.upper_level(lv) if lmap is not None else lv)
                         for lv in CHART_LEVELS],
                 [lead <= glob.days_at(lv) for lv in CHART_LEVELS])


class _Hits:
    """Observed on-time counts at several nominal levels (censored rows count as late)."""

    def __init__(self) -> None:
        self.engine: dict[str, npt.NDArray[np.int64]] = {}
        self.glob = np.zeros(len(CHART_LEVELS), dtype=np.int64)
        self.n: dict[str, int] = {}
        self.total = 0

    def add(self, key: str, engine_hits: list[bool], global_hits: list[bool]) -> None:
        counts = self.engine.setdefault(key, np.zeros(len(CHART_LEVELS), dtype=np.int64))
        counts += np.array(engine_hits, dtype=np.int64)
        self.n[key] = self.n.get(key, 0) + 1
        self.glob += np.array(global_hits, dtype=np.int64)
        self.total += 1

    def reliability(self) -> dict[str, list[tuple[float, float]]]:
        out = {f"engine {key}": [(lv, float(c) / self.n[key])
                                 for lv, c in zip(CHART_LEVELS, self.engine[key], strict=True)]
               for key in sorted(self.engine)}
        out["global quantile"] = [(lv, float(c) / max(self.total, 1))
                                  for lv, c in zip(CHART_LEVELS, self.glob, strict=True)]
        return out


def surge_window(day: date, before: int = 1, after: int = 10) -> tuple[date, date]:
    return day - timedelta(days=before), day + timedelta(days=after)


class BacklogSource(Protocol):
    """Where the checkout promise learns how busy the warehouse is right now.

    ``services.order_promises.LiveBacklog`` reads the real order backlog (orders accepted
    and not yet handed over) and measured throughput; ``app.state.backlog_source``
    overrides it.
    """

    def reading(self, at: datetime) -> BacklogReading: ...


@dataclass(frozen=True)
class FittedThroughput:
    """Default source: an empty backlog and the throughput the model learned."""

    model: PromiseModel

    def reading(self, at: datetime) -> BacklogReading:
        return BacklogReading(backlog=0, throughput=self.model.capacity)


def history_from_database(
    conn: Connection, *, origin_country: str, accepted_since: datetime | None = None
) -> tuple[list[HistoryRow], list[tuple[str, str]]]:
    """History rows from doorstep's own orders, shipments and tracking events.

    ``origin_country`` is the warehouses' country (``settings.country``): the order book
    does not store it, and every transit segment is keyed by origin, so rows fitted
    without it never matched a promise asked for with it (they fell through to ``all``).
    It is required for that reason.

    ``accepted_since``: only orders accepted from then on (the live correction reads the
    last weeks, not the whole order book).

    ``ordered_at`` is the shop's ``placed_at`` (else when doorstep accepted the order),
    ``shipped_at`` the first shipment or the first carrier scan if that came earlier (the
    hand-over was recorded late), ``delivered_at`` the first delivery (scan or recorded); scans
    from before the order (a reused tracking number) are ignored; the
    destination comes from the shipping address and the origin region is the warehouse
    code.  Cancelled orders are not part of the lead-time population.  Orders that cannot
    become a row are returned with the reason (never dropped silently).
    """
    shipped = (select(shipments.c.order_id, func.min(shipments.c.shipped_at).label("at"),
                      func.min(shipments.c.carrier).label("carrier"))
               .group_by(shipments.c.order_id).subquery())
    # Scans of this order's parcels; older ones belong to an earlier use of the number.
    scans = (select(tracking_events.c.order_id, tracking_events.c.occurred_at,
                    tracking_events.c.status)
             .join(orders, orders.c.id == tracking_events.c.order_id)
             .where(tracking_events.c.occurred_at
                    >= func.coalesce(orders.c.placed_at, orders.c.accepted_at))
             .subquery())
    # The carrier had the parcel by its first scan even if the hand-over was recorded later.
    first_scan = (select(scans.c.order_id, func.min(scans.c.occurred_at).label("at"))
                  .group_by(scans.c.order_id).subquery())
    # A carrier's delivery scan, or else the delivery the order book records (reported by
    # the warehouse or a carrier integration without scans): the earliest of them counts.
    delivered_events = union_all(
        select(scans.c.order_id, scans.c.occurred_at.label("at"))
        .where(scans.c.status == "delivered"),
        select(order_events.c.order_id, order_events.c.at.label("at"))
        .where(order_events.c.type == "delivered")).subquery()
    delivered = (select(delivered_events.c.order_id, func.min(delivered_events.c.at).label("at"))
                 .group_by(delivered_events.c.order_id).subquery())
    query = (select(orders.c.id, orders.c.placed_at, orders.c.accepted_at, orders.c.warehouse,
                    orders.c.carrier_service, orders.c.shipping_address,
                    shipped.c.at.label("shipped_at"), shipped.c.carrier.label("ship_carrier"),
                    delivered.c.at.label("delivered_at"), first_scan.c.at.label("first_scan"))
             .select_from(orders.outerjoin(shipped, shipped.c.order_id == orders.c.id)
                          .outerjoin(delivered, delivered.c.order_id == orders.c.id)
                          .outerjoin(first_scan, first_scan.c.order_id == orders.c.id))
             .where(orders.c.status != "cancelled")
             .order_by(orders.c.accepted_at))
    if accepted_since is not None:
        query = query.where(orders.c.accepted_at >= accepted_since)
    rows: list[HistoryRow] = []
    problems: list[tuple[str, str]] = []
    for r in conn.execute(query):
        named = parse_carrier_service(r.carrier_service or r.ship_carrier)
        address: dict[str, Any] = r.shipping_address or {}
        shipped_at = r.shipped_at
        if shipped_at is not None and r.first_scan is not None:
            shipped_at = min(shipped_at, r.first_scan)
        row = HistoryRow(
            order_id=str(r.id), ordered_at=r.placed_at or r.accepted_at,
            shipped_at=shipped_at, delivered_at=r.delivered_at if shipped_at else None,
            carrier=named.carrier if named else "", service=named.service if named else "default",
            origin_country=origin_country, origin_region=r.warehouse or "",
            dest_country=str(address.get("country") or "").upper(),
            dest_region=str(address.get("region") or ""),
            dest_postcode=str(address.get("postcode") or ""),
        )
        reasons = row_problems(row)
        if reasons:
            problems.append((row.order_id, "; ".join(reasons)))
        else:
            rows.append(row)
    return rows, problems
