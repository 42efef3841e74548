"""The operator's overview: one read of everything that decides whether today goes well.

    orders per status now            intake: orders per hour (24 h), latency (this process)
    backlog against today's and tomorrow's cut-offs, per carrier, from the promise engine's
        queue model (``domain.promise.load``): throughput μ ± σ per working day, the chance
        the last order in the queue leaves by each cut-off, and how many would miss it
    outbox lag                       quarantine held, by source and by reason
    promise health (7 / 28 days) against the objective
    carrier performance per lane: transit days median and 95th percentile, this week
        against the four weeks before

The whole overview is computed in the background at most every ``SNAPSHOT_MAX_AGE_S``
seconds and served to every viewer (``at`` says when); within it everything is read live
except the two weekly statistics — promise health (30 s) and lane
performance (``LANE_TTL_S``) — which move over days and would cost a scan of a month's
deliveries on every refresh: they are refreshed in the background (``services.refreshing``)
and the answer says when the lanes were computed.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, Engine, func, select

from doorstep.adapters.db.durations import hours_between
from doorstep.adapters.db.quarantine_tables import quarantine_records
from doorstep.adapters.db.tables import order_events, orders, outbox, shipments
from doorstep.domain.carrier_service import DEFAULT_SERVICE, carrier_of, parse_carrier_service
from doorstep.domain.cutoffs import cutoff_for
from doorstep.domain.promise.load import Capacity, queue_cdf
from doorstep.domain.promise.model import PromiseModel
from doorstep.services.events import utcnow
from doorstep.services.intake_timing import latency_summary
from doorstep.services.order_promises import OPEN_STATUSES, backlog_reading
from doorstep.services.outbox import outbox_lag_seconds
from doorstep.services.promise_health import PromiseHealthCache
from doorstep.services.refreshing import Refreshing
from doorstep.settings import Settings

LANE_TTL_S = 300.0
SNAPSHOT_MAX_AGE_S = 10.0
"""The page refreshes every 30 s; one computation serves every operator watching it (at a
million orders a full read costs about a second on a busy two-core machine)."""
WORKING_HOURS = 8.0
"""Hours a warehouse day ships in, to turn a daily throughput into a pick rate per hour."""
RATE_WINDOW = timedelta(hours=2)
CAPACITY_FROM_HISTORY_OR_MODEL = "last week's shipments or the fitted model"
CAPACITY_FROM_HISTORY = "last week's shipments"
CAPACITY_FROM_DEFAULT = "default (no shipments, no model)"
"""Where the throughput came from (``backlog.capacity.source``; the pages translate them)."""
DEFAULT_CAPACITY = Capacity(per_day=200.0, sd=20.0)
"""Stand-in when neither the last week's shipments nor a fitted model know the throughput."""


def _status_counts(conn: Connection) -> dict[str, int]:
    return {str(s): int(n) for s, n in conn.execute(
        select(orders.c.status, func.count()).group_by(orders.c.status))}


def _intake(conn: Connection, now: datetime, tz: ZoneInfo, latency_s: float) -> dict[str, Any]:
    since = now - timedelta(hours=24)
    stamps = conn.execute(select(orders.c.accepted_at)
                          .where(orders.c.accepted_at >= since)).scalars().all()
    per_hour = [0] * 24
    for at in stamps:
        per_hour[min(23, int((at - since).total_seconds() // 3600))] += 1
    starts = [(since + timedelta(hours=i)).astimezone(tz).strftime("%H:00") for i in range(24)]
    return {"last_hour": per_hour[-1], "last_24h": len(stamps),
            "per_hour": [{"hour": h, "orders": n} for h, n in zip(starts, per_hour, strict=True)],
            "latency": latency_summary(latency_s)}


def _backlog(conn: Connection, now: datetime, tz: ZoneInfo, model: PromiseModel | None,
             order_cutoff: time) -> dict[str, Any]:
    """Open orders against the carriers' cut-offs today and tomorrow (queue model)."""
    by_carrier: Counter[str] = Counter()
    for service, n in conn.execute(select(orders.c.carrier_service, func.count())
                                   .where(orders.c.status.in_(OPEN_STATUSES))
                                   .group_by(orders.c.carrier_service)):
        by_carrier[carrier_of(service)] += int(n)
    backlog = sum(by_carrier.values())
    if model is not None:
        capacity = backlog_reading(conn, model, now).throughput or model.capacity
        source = CAPACITY_FROM_HISTORY_OR_MODEL
    else:
        shipped = int(conn.execute(select(func.count(func.distinct(shipments.c.order_id))).where(
            shipments.c.shipped_at >= now - timedelta(days=7))).scalar() or 0)
        if shipped >= 50:
            per_day = shipped / 5.0
            capacity = Capacity(per_day=per_day, sd=max(per_day ** 0.5, per_day * 0.1))
            source = CAPACITY_FROM_HISTORY
        else:
            capacity, source = DEFAULT_CAPACITY, CAPACITY_FROM_DEFAULT
    recent = int(conn.execute(select(func.count(func.distinct(shipments.c.order_id))).where(
        shipments.c.shipped_at >= now - RATE_WINDOW)).scalar() or 0)
    rate = recent / (RATE_WINDOW.total_seconds() / 3600)
    if rate <= 0:
        rate = capacity.per_day / WORKING_HOURS
    local = now.astimezone(tz)
    cdf = queue_cdf(backlog, capacity, 2)
    rows = []
    for carrier, n in sorted(by_carrier.items(), key=lambda kv: -kv[1]):
        cut = cutoff_for(carrier)
        cut_at = datetime.combine(local.date(), cut, tzinfo=tz)
        hours_left = max(0.0, (cut_at - local).total_seconds() / 3600)
        share = n / backlog if backlog else 0.0
        can_today = int(rate * share * hours_left)
        can_tomorrow = can_today + int(capacity.per_day * share)
        rows.append({"carrier": carrier, "open": n, "cutoff": cut.strftime("%H:%M"),
                     "hours_left": round(hours_left, 2),
                     "miss_today": max(0, n - can_today),
                     "miss_tomorrow": max(0, n - can_tomorrow)})
    return {"open": backlog, "order_cutoff": order_cutoff.strftime("%H:%M"),
            "capacity": {"per_day": round(capacity.per_day, 1), "sd": round(capacity.sd, 1),
                         "source": source},
            "pick_rate_per_hour": round(rate, 1),
            "queue_clears": {"today": round(float(cdf[0]), 3),
                             "by_tomorrow": round(float(cdf[1]), 3)},
            "carriers": rows}


def _quarantine(conn: Connection) -> dict[str, Any]:
    by_source: Counter[str] = Counter()
    by_reason: Counter[str] = Counter()
    for source, reasons in conn.execute(select(quarantine_records.c.source,
                                               quarantine_records.c.reasons)
                                        .where(quarantine_records.c.status == "held")):
        by_source[str(source)] += 1
        for reason in reasons or []:
            by_reason[str(reason.get("code", "unknown"))] += 1
    return {"held": sum(by_source.values()), "by_source": dict(by_source.most_common()),
            "by_reason": dict(by_reason.most_common())}


def lane_performance(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Transit days (hand-over → delivery) per lane: this week against the 4 weeks before.

    One read from the delivery events of five weeks (``ix_order_events_type_at``) to their
    parcels and orders by index; an order with both a carrier scan and a recorded delivery
    counts once, at the earlier.  The database groups per order and subtracts, so one row
    of numbers per delivered order crosses over instead of one row of timestamps per
    delivery event and parcel (~95,000 of them in five weeks of a busy shop).
    """
    week = now - timedelta(days=7)
    since = now - timedelta(days=35)
    delivered_at = func.min(order_events.c.at)
    shipped_at = func.min(shipments.c.shipped_at)
    lanes: dict[str, tuple[list[float], list[float]]] = {}
    names: dict[tuple[str | None, str | None, str | None], str] = {}
    for service, carrier, country, hours, recent in conn.execute(
            select(orders.c.carrier_service, func.min(shipments.c.carrier),
                   func.min(orders.c.shipping_address["country"].as_string()),
                   hours_between(delivered_at, shipped_at, conn.dialect.name),
                   delivered_at >= week)
            .join(shipments, shipments.c.order_id == order_events.c.order_id)
            .join(orders, orders.c.id == order_events.c.order_id)
            .where(order_events.c.type.in_(("delivered", "tracking.delivered")),
                   order_events.c.at >= since, order_events.c.at <= now)
            .group_by(order_events.c.order_id, orders.c.carrier_service)):
        key = (service, carrier, country)
        lane = names.get(key)
        if lane is None:
            lane = names[key] = (f"{parse_carrier_service(service or carrier) or DEFAULT_SERVICE}"
                                 f" → {country or '?'}")
        now_list, before = lanes.setdefault(lane, ([], []))
        (now_list if recent else before).append(max(float(hours) / 24, 0.0))

    def stats(values: list[float]) -> dict[str, Any]:
        if not values:
            return {"n": 0, "median": None, "p95": None}
        arr = np.asarray(values)
        return {"n": len(values), "median": round(float(np.median(arr)), 2),
                "p95": round(float(np.quantile(arr, 0.95)), 2)}

    ordered = sorted(lanes.items(), key=lambda kv: -(len(kv[1][0]) + len(kv[1][1])))
    return [{"lane": lane, "this_week": stats(a), "before": stats(b)}
            for lane, (a, b) in ordered]


class OverviewService:
    """Builds the overview; caches the weekly statistics per process."""

    def __init__(self, engine: Engine, settings: Settings,
                 health: PromiseHealthCache | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)
        self.health = health or PromiseHealthCache(engine, settings.timezone)
        self._lanes = Refreshing(self._compute_lanes, max_age_s=LANE_TTL_S, name="lanes")
        self._model: PromiseModel | None = None
        self._snapshot = Refreshing(lambda: self.compute(self._model), name="overview",
                                    max_age_s=SNAPSHOT_MAX_AGE_S)

    def _compute_lanes(self, now: datetime | None = None) -> tuple[str, list[dict[str, Any]]]:
        moment = now or utcnow()
        with self.engine.connect() as conn:
            return moment.isoformat(), lane_performance(conn, moment)

    def lanes(self, now: datetime | None = None) -> tuple[str, list[dict[str, Any]]]:
        """Lane transit as of its last computation (an explicit ``now`` computes afresh)."""
        return self._compute_lanes(now) if now is not None else self._lanes.get()

    def overview(self, model: PromiseModel | None, now: datetime | None = None
                 ) -> dict[str, Any]:
        """The figures as of at most ``SNAPSHOT_MAX_AGE_S`` ago (``at`` says when), computed
        in the background for every viewer at once; an explicit ``now`` (tests, back-dated
        views) computes everything for that moment instead."""
        if now is None:
            self._model = model
            return self._snapshot.get()
        return self.compute(model, now)

    def compute(self, model: PromiseModel | None, now: datetime | None = None
                ) -> dict[str, Any]:
        """Every figure, read now (the weekly ones from their own caches unless ``now``)."""
        fixed = now
        now = now or utcnow()
        cutoff = model.config.cutoff if model else time(14, 0)
        health = self.health.get(fixed)
        lanes_at, lanes = self.lanes(fixed)
        with self.engine.connect() as conn:
            statuses = _status_counts(conn)
            intake = _intake(conn, now, self.tz, self.settings.slo_intake_latency_s)
            backlog = _backlog(conn, now, self.tz, model, cutoff)
            pending = int(conn.execute(select(func.count()).select_from(outbox).where(
                outbox.c.processed_at.is_(None))).scalar() or 0)
            quarantine = _quarantine(conn)
        lag = outbox_lag_seconds(self.engine)
        return {
            "at": now.isoformat(),
            "orders_by_status": statuses,
            "intake": intake,
            "backlog": backlog,
            "outbox": {"pending": pending, "lag_s": round(lag, 1),
                       "objective_s": self.settings.slo_outbox_lag_s},
            "quarantine": quarantine,
            "promise_health": {
                "objective": self.settings.slo_promise_kept,
                "windows": {f"{d}d": {"delivered": h.delivered, "kept": h.kept,
                                      "ratio": None if h.ratio is None else round(h.ratio, 4)}
                            for d, h in health.items()}},
            "lanes": {"computed_at": lanes_at, "items": lanes},
        }
