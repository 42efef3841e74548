"""The watchlist from doorstep's own data: open parcels, their scans, the lanes' usual times.

Usual times come from two places, most specific first:

* the fitted promise model (``doorstep promise fit``): processing days per warehouse and
  transit days per lane, at the model's promise level — the same figures the customer was
  promised against;
* doorstep's own recent scans per carrier (``SCAN_HISTORY_DAYS``): how long after hand-over
  the first carrier scan usually comes and how long carriers usually stay silent between
  scans (the 95th percentile, from at least ``MIN_HISTORY`` parcels).

Where neither knows (a new carrier, no model yet) ``DEFAULT_USUAL`` stands in, and each row
says which source it used.  The history is refreshed in the background every
``HISTORY_TTL_S`` seconds (``services.refreshing``).

Reading the list serves the last computation (``as_of``, at most ``LISTING_MAX_AGE_S`` old,
refreshed in the background) with the handled marks read live; an explicit ``now`` (tests,
back-dated views) computes afresh, as do the actions, which re-check their one order.

Actions: *handled* stores the operator's note against the problem (category, order, parcel,
since) and writes ``watchlist.handled`` on the order's timeline; *notify* hands the order to
the customer-notification service when one is wired (``CustomerNotifier``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, Engine, and_, case, func, insert, select

from doorstep.adapters.db.cockpit_tables import watchlist_marks
from doorstep.adapters.db.durations import hours_between
from doorstep.adapters.db.packing_tables import parcels as packed_parcels
from doorstep.adapters.db.tables import order_events, orders, shipments, tracking_events
from doorstep.domain.carrier_service import DEFAULT_SERVICE, carrier_of, parse_carrier_service
from doorstep.domain.cutoffs import cutoff_for
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.harmonise.tracking import normalise_tracking_number
from doorstep.domain.lead_time_sla import NO_SLA, LeadTimeSla, Sla
from doorstep.domain.promise.model import (
    Calendars,
    PromiseConfig,
    PromiseModel,
    pick,
    processing_keys,
    transit_keys,
)
from doorstep.domain.watchlist import Category, Flag, Parcel, Scan, Schedule, Usual, classify
from doorstep.services.events import record_event, utcnow
from doorstep.services.refreshing import Refreshing

WAREHOUSE_OPEN = ("received", "allocated", "backordered", "released", "picking", "packed")
ON_THE_ROAD = ("shipped", "partially_shipped")
DEFAULT_USUAL = Usual(processing_days=1, transit_days=3, first_scan_hours=24.0,
                      scan_gap_hours=48.0, source="default")
SCAN_HISTORY_DAYS = 14
MIN_HISTORY = 30
HISTORY_TTL_S = 600.0
LISTING_MAX_AGE_S = 15.0
"""The live list is recomputed in the background when this old: its categories are
measured in hours and days, and recomputing ~9,000 open parcels per page view at a million
orders costs seconds on a busy machine.  Handled marks are read live on every view."""


class CustomerNotifier(Protocol):
    """The notification machinery's entry point (customer messages, issue 11)."""

    def notify(self, conn: Connection, *, order_id: str, kind: str, reason: str,
               actor: str) -> dict[str, Any]: ...


class NotificationsUnavailable(RuntimeError):
    """No customer-notification service is wired into this process."""


@dataclass(frozen=True)
class CarrierHistory:
    first_scan_hours: float | None
    scan_gap_hours: float | None


def _p95(values: Sequence[float]) -> float | None:
    return float(np.quantile(np.asarray(values), 0.95)) if len(values) >= MIN_HISTORY else None


def carrier_history(conn: Connection, now: datetime) -> dict[str, CarrierHistory]:
    """95th percentiles of hand-over → first carrier scan and of gaps between scans.

    The database subtracts (a window over each parcel's scans): two weeks of scans are
    about 100,000 rows, and handing over hours as numbers instead of two timestamps per
    row cut the Python side of the read by more than half.
    """
    since = now - timedelta(days=SCAN_HISTORY_DAYS)
    dialect = conn.dialect.name
    previous = func.lag(tracking_events.c.occurred_at).over(
        partition_by=(shipments.c.carrier, shipments.c.tracking_number),
        order_by=tracking_events.c.occurred_at)
    scans = (select(shipments.c.carrier, shipments.c.shipped_at,
                    tracking_events.c.occurred_at, previous.label("previous"))
             .join(tracking_events,
                   tracking_events.c.tracking_number == shipments.c.tracking_number)
             .where(shipments.c.shipped_at >= since,
                    tracking_events.c.status.notin_(("info_received", "unknown")))
             .subquery())
    first: dict[str, list[float]] = {}
    gaps: dict[str, list[float]] = {}
    families: dict[str, str] = {}
    for carrier, is_first, hours in conn.execute(select(
            scans.c.carrier, scans.c.previous.is_(None),
            case((scans.c.previous.is_(None),
                  hours_between(scans.c.occurred_at, scans.c.shipped_at, dialect)),
                 else_=hours_between(scans.c.occurred_at, scans.c.previous, dialect)))):
        family = families.get(carrier)
        if family is None:
            family = families[carrier] = carrier_of(carrier)
        if is_first:
            first.setdefault(family, []).append(max(float(hours), 0.0))
        else:
            gaps.setdefault(family, []).append(float(hours))
    return {c: CarrierHistory(_p95(first.get(c, [])), _p95(gaps.get(c, [])))
            for c in set(first) | set(gaps)}


@dataclass
class WatchlistService:
    """Computes the list; holds the history cache and the optional notifier."""

    engine: Engine
    timezone: str = "Europe/Berlin"
    country: str = "DE"
    notifier: CustomerNotifier | None = None
    sla: LeadTimeSla = NO_SLA
    """The merchant's lead-time SLA per carrier and country (setting ``lead_time_sla_path``)."""
    _calendars: dict[int, Calendars] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _history: Refreshing[dict[str, CarrierHistory]] = field(init=False, repr=False)

    _listing: Refreshing[tuple[datetime, list[tuple[Flag, Usual]]]] = field(init=False,
                                                                            repr=False)
    _model: PromiseModel | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._history = Refreshing(self._recent_history, max_age_s=HISTORY_TTL_S,
                                   name="carrier-history")
        self._listing = Refreshing(self._current_listing, max_age_s=LISTING_MAX_AGE_S,
                                   name="watchlist")

    def _current_listing(self) -> tuple[datetime, list[tuple[Flag, Usual]]]:
        now = utcnow()
        with self.engine.connect() as conn:
            return now, self.flags(conn, model=self._model, now=None)

    def _recent_history(self) -> dict[str, CarrierHistory]:
        with self.engine.connect() as conn:
            return carrier_history(conn, utcnow())

    def history(self, conn: Connection, now: datetime | None) -> dict[str, CarrierHistory]:
        """The carriers' usual scan times: refreshed in the background, or — for an explicit
        ``now`` (a scripted or back-dated view) — read for that moment."""
        return carrier_history(conn, now) if now is not None else self._history.get()

    def calendars(self, year: int) -> Calendars:
        with self._lock:
            cal = self._calendars.get(year)
        if cal is None:
            from doorstep.services.promise_service import build_calendars

            cal = build_calendars(country=self.country, subdiv=None, first_year=year - 1,
                                  last_year=year + 1, dest_countries=("DE", "AT", "NL", "FR",
                                                                      "BE", "PL", "CH", "DK"))
            with self._lock:
                self._calendars[year] = cal
        return cal

    def flags(self, conn: Connection, *, model: PromiseModel | None, now: datetime | None = None,
              order_ids: Iterable[str] | None = None) -> list[tuple[Flag, Usual]]:
        """Every flag of every open parcel (or of ``order_ids`` only), oldest problem first."""
        history = self.history(conn, now)
        now = now or utcnow()
        parcels = open_parcels(conn, order_ids)
        tz = ZoneInfo(self.timezone)
        calendars = self.calendars(now.astimezone(tz).year)
        config = model.config if model else PromiseConfig(timezone=self.timezone)
        out: list[tuple[Flag, Usual]] = []
        schedules: dict[tuple[str, str], Schedule] = {}
        slas: dict[tuple[str, str], Sla | None] = {}
        usuals: dict[tuple[str, ...], Usual] = {}
        for parcel, lane in parcels:
            lane_key = (lane["carrier"], lane["service"], lane["country"], lane["region"],
                        lane["postcode"][:2], lane["warehouse"])
            usual = usuals.get(lane_key)
            if usual is None:
                usual = usuals[lane_key] = usual_times(model, history, lane)
            key = (parcel.carrier, lane.get("country", ""))
            schedule = schedules.get(key)
            if schedule is None:
                schedule = schedules[key] = Schedule(
                    warehouse=calendars.warehouse,
                    carrier_days=calendars.carrier(parcel.carrier, key[1]), tz=tz,
                    cutoff=config.cutoff)
            if key not in slas:
                slas[key] = self.sla.for_lane(*key)
            out.extend((f, usual) for f in classify(parcel, usual, schedule, now, slas[key]))
        out.sort(key=lambda pair: (pair[0].since, pair[0].key))
        return out

    def rows(self, conn: Connection, *, model: PromiseModel | None, now: datetime | None = None,
             category: str | None = None, include_handled: bool = False,
             limit: int = 500) -> dict[str, Any]:
        """The list as the API and the page show it, with counts per category."""
        if category is not None and category not in Category.__members__.values():
            allowed = ", ".join(c.value for c in Category)
            raise InvalidValue("category", f"{category!r} is not a category (allowed: {allowed})")
        if now is None:  # the live list: background-refreshed, at most LISTING_MAX_AGE_S old
            self._model = model
            as_of, flagged = self._listing.get()
        else:
            as_of, flagged = now, self.flags(conn, model=model, now=now)
        marks = _marks(conn, {f.order_id for f, _ in flagged})  # marks are always read live
        counts = {c.value: 0 for c in Category}
        items: list[dict[str, Any]] = []
        for flag, usual in flagged:
            mark = marks.get((flag.key, flag.since))
            if mark is not None and not include_handled:
                continue
            counts[flag.category.value] += 1
            if category is not None and flag.category.value != category:
                continue
            if len(items) < limit:
                items.append(_row(flag, usual, mark))
        return {"counts": counts, "total": sum(counts.values()), "items": items,
                "as_of": as_of.isoformat()}

    def mark_handled(self, conn: Connection, flag_id: str, *, model: PromiseModel | None,
                     actor: str, note: str, now: datetime | None = None) -> dict[str, Any]:
        flag = self._find(conn, flag_id, model=model, now=now)
        at = now or utcnow()
        conn.execute(insert(watchlist_marks).values(
            order_id=flag.order_id, category=flag.category.value,
            tracking_number=flag.tracking_number or "", since=flag.since, handled_at=at,
            handled_by=actor, note=note))
        record_event(conn, flag.order_id, "watchlist.handled", actor=actor, at=at, data={
            "category": flag.category.value, "tracking_number": flag.tracking_number,
            "since": flag.since.isoformat(), "note": note})
        return {"id": flag.key, "handled_at": at.isoformat(), "handled_by": actor, "note": note}

    def notify(self, conn: Connection, flag_id: str, *, model: PromiseModel | None,
               actor: str, now: datetime | None = None) -> dict[str, Any]:
        flag = self._find(conn, flag_id, model=model, now=now)
        if self.notifier is None:
            raise NotificationsUnavailable(
                "no customer-notification service is wired into this process")
        return self.notifier.notify(conn, order_id=flag.order_id, kind=flag.category.value,
                                    reason=flag.why, actor=actor)

    def _find(self, conn: Connection, flag_id: str, *, model: PromiseModel | None,
              now: datetime | None) -> Flag:
        parts = flag_id.split("~")
        if len(parts) != 3 or parts[0] not in Category.__members__.values():
            raise NotFound("watchlist entry", flag_id)
        for flag, _ in self.flags(conn, model=model, now=now, order_ids=[parts[1]]):
            if flag.key == flag_id:
                return flag
        raise NotFound("watchlist entry", flag_id)


def _row(flag: Flag, usual: Usual, mark: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": flag.key, "category": flag.category.value, "order_id": flag.order_id,
            "carrier": flag.carrier, "tracking_number": flag.tracking_number,
            "since": flag.since.isoformat(), "due": flag.due.isoformat(), "why": flag.why,
            "reason": flag.reason.as_json(), "usual_source": usual.source, "handled": mark}


def _marks(conn: Connection, order_ids: set[str]) -> dict[tuple[str, datetime], dict[str, Any]]:
    """Handled marks of the listed orders: one read of the marks of open orders (a mark of
    a finished order can match no row), filtered here — not thousands of ``IN`` lists."""
    found: dict[tuple[str, datetime], dict[str, Any]] = {}
    if not order_ids:
        return found
    for m in conn.execute(select(watchlist_marks)
                          .join(orders, orders.c.id == watchlist_marks.c.order_id)
                          .where(orders.c.status.in_(WAREHOUSE_OPEN + ON_THE_ROAD))):
        if m.order_id in order_ids:
            key = f"{m.category}~{m.order_id}~{m.tracking_number}"
            found[(key, m.since)] = {"handled_at": m.handled_at.isoformat(),
                                     "handled_by": m.handled_by, "note": m.note}
    return found


def usual_times(model: PromiseModel | None, history: dict[str, CarrierHistory],
                lane: dict[str, str]) -> Usual:
    """The lane's usual times: model where it knows, own scans next, defaults last."""
    usual = DEFAULT_USUAL
    sources: list[str] = []
    if model is not None:
        level = model.config.level
        _, processing = pick(model.processing, processing_keys(
            origin_country=lane["origin_country"], origin_region=lane["warehouse"]))
        _, transit = pick(model.transit, transit_keys(
            carrier=lane["carrier"], service=lane["service"],
            origin_country=lane["origin_country"], origin_region=lane["warehouse"],
            dest_country=lane["country"], dest_region=lane["region"],
            dest_postcode=lane["postcode"]))
        usual = replace(usual, processing_days=processing.quantile(level),
                        transit_days=transit.quantile(level))
        sources.append("model")
    seen = history.get(lane["carrier"])
    if seen is not None and (seen.first_scan_hours or seen.scan_gap_hours):
        usual = replace(usual, first_scan_hours=seen.first_scan_hours or usual.first_scan_hours,
                        scan_gap_hours=seen.scan_gap_hours or usual.scan_gap_hours)
        sources.append("history")
    return replace(usual, source="+".join(sources) or "default")


def _lane(row: Any, origin_country: str = "DE") -> dict[str, str]:
    named = parse_carrier_service(row.carrier_service) or DEFAULT_SERVICE
    return {"carrier": named.carrier, "service": named.service,
            "country": str(row.country or "").upper(), "region": str(row.region or ""),
            "postcode": str(row.postcode or ""), "warehouse": row.warehouse or "",
            "origin_country": origin_country}


def _scope(order_ids: list[str] | None, statuses: tuple[str, ...]) -> Any:
    if order_ids is None:
        return orders.c.status.in_(statuses)
    return and_(orders.c.id.in_(order_ids), orders.c.status.in_(statuses))


def open_parcels(conn: Connection, order_ids: Iterable[str] | None = None
                 ) -> list[tuple[Parcel, dict[str, str]]]:
    """Open orders not yet handed over, and every parcel of orders on the road.

    Four reads (the promised date comes with the order), each joined to the orders in scope
    (the status index, then one index probe per order) rather than long ``IN`` lists;
    address parts and the promised date are taken out of their JSON by the database, so no
    JSON document is parsed here.
    """
    ids = None if order_ids is None else list(order_ids)
    address = orders.c.shipping_address
    latest = order_events.c.data["latest_date"].as_string()
    # The current promise's date, read with the order: one backward probe of
    # ix_order_events_order_id_id per open order.  (A separate read of promise events
    # joined to the open orders made PostgreSQL scan every event ever written — 3.2 s at
    # 200,000 orders, growing with the book.)
    promised = (select(latest).where(order_events.c.order_id == orders.c.id,
                                     order_events.c.type == "promise", latest.is_not(None))
                .order_by(order_events.c.id.desc()).limit(1)
                .correlate(orders).scalar_subquery())
    rows = conn.execute(select(
        orders.c.id, orders.c.status, orders.c.carrier_service, orders.c.accepted_at,
        orders.c.warehouse, address["country"].as_string().label("country"),
        address["region"].as_string().label("region"),
        address["postcode"].as_string().label("postcode"),
        case((orders.c.status.in_(ON_THE_ROAD), promised), else_=None).label("promised"))
        .where(_scope(ids, WAREHOUSE_OPEN + ON_THE_ROAD))).all()
    road = _scope(ids, ON_THE_ROAD)
    parcels: dict[str, list[Any]] = {}
    for s in conn.execute(select(shipments.c.order_id, shipments.c.carrier,
                                 shipments.c.tracking_number, shipments.c.shipped_at)
                          .join(orders, orders.c.id == shipments.c.order_id).where(road)):
        parcels.setdefault(s.order_id, []).append(s)
    scans: dict[str, list[Scan]] = {}
    for number, status, at, reason, code in conn.execute(
            select(tracking_events.c.tracking_number, tracking_events.c.status,
                   tracking_events.c.occurred_at, tracking_events.c.exception_reason,
                   tracking_events.c.raw_code)
            .join(orders, orders.c.id == tracking_events.c.order_id).where(road)):
        scans.setdefault(normalise_tracking_number(number), []).append(
            Scan(status, at, reason, code))
    labelled: dict[str, tuple[datetime, str | None]] = {}
    for order_id, at, number in conn.execute(
            select(packed_parcels.c.order_id, packed_parcels.c.labelled_at,
                   packed_parcels.c.tracking_number)
            .join(orders, orders.c.id == packed_parcels.c.order_id)
            .where(_scope(ids, ("packed",)), packed_parcels.c.status == "labelled")):
        if at is not None and (order_id not in labelled or at < labelled[order_id][0]):
            labelled[order_id] = (at, number)
    out: list[tuple[Parcel, dict[str, str]]] = []
    for r in rows:
        lane = _lane(r)
        if r.status in WAREHOUSE_OPEN:
            label = labelled.get(r.id)
            out.append((Parcel(order_id=r.id, carrier=lane["carrier"], accepted_at=r.accepted_at,
                               order_status=r.status, pickup=cutoff_for(lane["carrier"]),
                               labelled_at=label[0] if label else None,
                               tracking_number=label[1] if label else None), lane))
            continue
        for s in parcels.get(r.id, []):
            carrier = carrier_of(s.carrier)
            out.append((Parcel(order_id=r.id, carrier=carrier, accepted_at=r.accepted_at,
                               tracking_number=s.tracking_number, shipped_at=s.shipped_at,
                               scans=tuple(scans.get(
                                   normalise_tracking_number(s.tracking_number), ())),
                               order_status=r.status,
                               promised_latest=date.fromisoformat(r.promised)
                               if r.promised else None,
                               pickup=cutoff_for(carrier)),
                        {**lane, "carrier": carrier}))
    return out


def count_open(conn: Connection) -> int:
    """Open orders (in the warehouse or on the road): the watchlist's population."""
    return int(conn.execute(select(func.count()).select_from(orders).where(
        orders.c.status.in_(WAREHOUSE_OPEN + ON_THE_ROAD))).scalar() or 0)
