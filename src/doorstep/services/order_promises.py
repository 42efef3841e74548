"""Promises on the order timeline: the promise at acceptance and every revision after it.

When the worker has handled a new order it records revision 0 (``promise`` event) from the
fitted model and the warehouse's current backlog, so a busy warehouse promises later and
says so (``under_load``).  Each hand-over, carrier scan or exception then records a
``promise.revised`` event.  A revision is recomputed from the original request (kept in
revision 0) and every event since, with the domain's ``revise`` — replaying the timeline
gives the same windows, so nothing but the events needs storing.  Without a fitted model
doorstep promises nothing rather than guessing; ``doorstep promise fit`` makes one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, select

from doorstep.adapters.db.tables import order_events, order_lines, orders, shipments
from doorstep.adapters.promise_store import load_model
from doorstep.domain.carrier_service import DEFAULT_SERVICE, parse_carrier_service
from doorstep.domain.promise.engine import Promise, PromiseRequest, make_promise
from doorstep.domain.promise.live import TransitCorrection
from doorstep.domain.promise.load import BacklogReading, Capacity
from doorstep.domain.promise.model import PromiseModel, calibration_keys
from doorstep.domain.promise.repromise import EventKind, PromiseEvent, open_timeline, revise
from doorstep.domain.staffing import StaffPlan, StationRates, capacity_plan
from doorstep.services.events import record_event, utcnow

Staffing = tuple[StaffPlan, StationRates]
T = TypeVar("T")
PLAN_DAYS = 60
OPEN_STATUSES = ("received", "allocated", "backordered", "released", "picking", "packed")
MEASURE_DAYS = 7
MIN_SHIPMENTS_TO_MEASURE = 50


class FileCache(Generic[T]):
    """What ``load`` makes of a file, read once and again only when the file changes
    (its modification time); ``None`` while the file does not exist."""

    def __init__(self, path: str, load: Callable[[Path], T]) -> None:
        self.path = Path(path)
        self._load = load
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._value: T | None = None

    def get(self) -> T | None:
        try:
            stamp = self.path.stat().st_mtime
        except OSError:
            return None
        with self._lock:
            if stamp != self._stamp:
                self._value, self._stamp = self._load(self.path), stamp
            return self._value


class ModelCache(FileCache[PromiseModel]):
    """The fitted promise model (``doorstep promise fit`` writes it)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, load_model)


def backlog_reading(conn: Connection, model: PromiseModel, at: datetime, *,
                    staffing: Staffing | None = None) -> BacklogReading:
    """Orders accepted and not yet handed over, and throughput: shipments per working day
    over the last week when there were at least ``MIN_SHIPMENTS_TO_MEASURE``, otherwise the
    model's fitted capacity.  With a staffing plan the queue reads the planned capacity of
    each of the next ``PLAN_DAYS`` days instead (the measured figure serves beyond them)."""
    backlog = conn.execute(select(func.count()).select_from(orders)
                           .where(orders.c.status.in_(OPEN_STATUSES))).scalar() or 0
    shipped = conn.execute(select(func.count(func.distinct(shipments.c.order_id))).where(
        shipments.c.shipped_at >= at - timedelta(days=MEASURE_DAYS),
        shipments.c.shipped_at <= at)).scalar() or 0
    throughput = model.capacity
    if shipped >= MIN_SHIPMENTS_TO_MEASURE:
        per_day = shipped / (MEASURE_DAYS * 5 / 7)
        throughput = Capacity(per_day=per_day, sd=max(per_day ** 0.5, per_day * 0.1))
    plan = None
    if staffing is not None:
        staff, rates = staffing
        first = at.astimezone(ZoneInfo(model.config.timezone)).date()
        plan = capacity_plan(staff, rates, first, PLAN_DAYS,
                             holidays=model.calendars.warehouse.holidays, after=throughput)
    return BacklogReading(backlog=int(backlog), throughput=throughput, plan=plan)


def _load_staffing(path: Path) -> Staffing:
    from doorstep.simulation.scenario import load_staff_plan

    return load_staff_plan(path)


class PlanCache(FileCache[Staffing]):
    """The staffing plan file, read like the model."""

    def __init__(self, path: str) -> None:
        super().__init__(path, _load_staffing)


def promise_request(conn: Connection, order_id: str, origin_country: str) -> PromiseRequest:
    """What the engine is asked for an order: from its warehouse in ``origin_country``."""
    row = conn.execute(select(orders).where(orders.c.id == order_id)).one()
    named = parse_carrier_service(row.carrier_service) or DEFAULT_SERVICE
    address: dict[str, Any] = row.shipping_address or {}
    units = conn.execute(select(func.sum(order_lines.c.quantity))
                         .where(order_lines.c.order_id == order_id)).scalar()
    return PromiseRequest(
        ordered_at=row.placed_at or row.accepted_at, carrier=named.carrier,
        service=named.service,
        dest_country=str(address.get("country") or "").upper(),
        dest_region=str(address.get("region") or ""),
        dest_postcode=str(address.get("postcode") or ""), origin_country=origin_country,
        origin_region=row.warehouse or "", items=max(1, int(units or 1)))


def _window(promise_window: Any) -> dict[str, Any]:
    return {"promised_date": promise_window.promised_date.isoformat(),
            "earliest_date": promise_window.earliest_date.isoformat(),
            "latest_date": promise_window.latest_date.isoformat(),
            "level": promise_window.level}


def promise_order(conn: Connection, model: PromiseModel, order_id: str, *,
                  reading: BacklogReading, origin_country: str = "DE",
                  correction: TransitCorrection | None = None) -> Promise:
    """Record revision 0 for ``order_id`` (idempotent: an existing promise is kept).

    ``correction`` is the online correction (``services.live_transit``); the shift and level
    it gave are stored with the promise so every revision is rebuilt from the same ones."""
    existing = _original(conn, order_id)
    if existing is not None:
        return _rebuild(conn, model, order_id, existing, origin_country)
    req = promise_request(conn, order_id, origin_country)
    promise = make_promise(model, req, reading=reading, correction=correction)
    record_event(conn, order_id, "promise", actor="promise-engine", data={
        "revision": 0, "cause": "accepted", **_window(promise.window),
        "under_load": promise.under_load, "backlog": promise.backlog,
        "throughput": ({"per_day": reading.throughput.per_day, "sd": reading.throughput.sd}
                       if reading.throughput else None),
        "correction": ({"transit_shift": promise.transit_shift,
                        "asked_level": promise.asked_level} if correction is not None else None),
        "segments": {"processing": promise.processing_segment,
                     "transit": promise.transit_segment}})
    return promise


def _original(conn: Connection, order_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(order_events.c.data).where(
        order_events.c.order_id == order_id, order_events.c.type == "promise")).first()
    return None if row is None else dict(row.data)


def _rebuild(conn: Connection, model: PromiseModel, order_id: str, original: dict[str, Any],
             origin_country: str) -> Promise:
    req = promise_request(conn, order_id, origin_country)
    stored = original.get("throughput")
    throughput = Capacity(**stored) if stored else None
    used = original.get("correction")
    correction = None
    if used:  # the shift and level the original promise was made with
        key = calibration_keys(req.carrier, req.service)[0]
        asked = used.get("asked_level")
        correction = TransitCorrection(shifts={key: int(used.get("transit_shift") or 0)},
                                       levels={key: float(asked)} if asked else {})
    return make_promise(model, req, reading=BacklogReading(backlog=int(original["backlog"]),
                                                           throughput=throughput),
                        correction=correction)


def promise_events(conn: Connection, order_id: str) -> list[PromiseEvent]:
    """The timeline's hand-overs, scans and exceptions as the promise engine reads them."""
    rows = conn.execute(select(order_events.c.type, order_events.c.at, order_events.c.data)
                        .where(order_events.c.order_id == order_id)
                        .order_by(order_events.c.at, order_events.c.id)).all()
    events: list[PromiseEvent] = []
    for r in rows:
        if r.type in ("shipped", "partially_shipped"):
            if not any(e.kind is EventKind.HANDOVER for e in events):
                events.append(PromiseEvent(kind=EventKind.HANDOVER, at=r.at))
        elif r.type.startswith("tracking."):
            status = r.type.removeprefix("tracking.")
            if status in ("exception", "delivery_attempt_failed"):
                reason = str((r.data or {}).get("exception_reason") or "")
                events.append(PromiseEvent(kind=EventKind.EXCEPTION, at=r.at, reason=reason))
            elif status not in ("unknown", "info_received", "cancelled"):
                events.append(PromiseEvent(kind=EventKind.SCAN, at=r.at, status=status))
    return events


def revise_order_promise(conn: Connection, model: PromiseModel, order_id: str, *,
                         origin_country: str = "DE") -> dict[str, Any] | None:
    """Record a ``promise.revised`` event reflecting every event so far; None if no change."""
    original = _original(conn, order_id)
    if original is None:
        return None
    timeline = open_timeline(order_id, _rebuild(conn, model, order_id, original,
                                                origin_country), utcnow())
    events = promise_events(conn, order_id)
    for event in events:
        if timeline.current.final:
            break
        timeline = revise(model, timeline, event)
    done = conn.execute(select(func.count()).select_from(order_events).where(
        order_events.c.order_id == order_id, order_events.c.type == "promise.revised")).scalar()
    if timeline.current.revision_no <= (done or 0):
        return None  # nothing new since the last recorded revision
    current = timeline.current
    data = {"revision": current.revision_no, "cause": current.cause, "final": current.final,
            **_window(current.window)}
    record_event(conn, order_id, "promise.revised", actor="promise-engine", data=data)
    return data


@dataclass(frozen=True)
class LiveBacklog:
    """``BacklogSource`` for the checkout promise: the database's backlog right now (and
    the staffing plan, when one is configured)."""

    engine: Engine
    models: ModelCache
    plans: PlanCache | None = None

    def reading(self, at: datetime) -> BacklogReading:
        model = self.models.get()
        if model is None:
            return BacklogReading(backlog=0)
        staffing = self.plans.get() if self.plans is not None else None
        with self.engine.connect() as conn:
            return backlog_reading(conn, model, at, staffing=staffing)
