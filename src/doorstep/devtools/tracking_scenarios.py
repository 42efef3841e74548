"""Orders in the states a customer's tracking page must show, built through the services.

Used by the page's integration and browser tests and by ``benchmarks/tracking_page.py``::

    normal      one parcel handed to DHL, scanned in transit
    split       two parcels (one out for delivery) and one line still being prepared
    delayed     an address exception that moved the promised window later (revision 1)
    failed      a failed delivery attempt: the next action is on the page
    pickup      waiting at a pick-up point
    cancelled   cancelled before packing
    delivered   delivered by the carrier
    busy        just received, promised later because the warehouse is busy

Orders go through intake, allocation and the state machine; scans through
``record_tracking_event`` — the same paths as production.  Promise windows are written as
the ``promise`` / ``promise.revised`` events the promise engine records (a fitted model is
not needed to show a page), with dates relative to ``today``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from doorstep.adapters.db.tables import products, shipments, warehouses
from doorstep.adapters.db.uow import transaction
from doorstep.domain.catalogue import Product
from doorstep.domain.harmonise.tracking import (
    ExceptionReason,
    Location,
    TrackingEvent,
    TrackingStatus,
)
from doorstep.schemas.orders import OrderIn
from doorstep.services import catalogue, order_flow, stock_ledger
from doorstep.services.events import record_event
from doorstep.services.intake import accept_order
from doorstep.services.outbox import Handler, process_batch
from doorstep.services.tracking_links import ensure_token
from doorstep.services.tracking_timeline import record_tracking_event

SCENARIOS = ("normal", "split", "delayed", "failed", "pickup", "cancelled", "delivered",
             "busy")
ITEMS = (("SHIRT", "4006381333931", "Organic cotton T-shirt"),
         ("MUG", "4012345000016", "Stoneware mug"),
         ("BOOK", "9783161484100", "Field guide to birds"))


def stock_up(engine: Engine, units: int = 1_000_000) -> None:
    """A warehouse BER with three products and plenty of stock (idempotent)."""
    with transaction(engine, write=True) as conn:
        known = conn.execute(select(warehouses.c.code).where(warehouses.c.code == "BER")).first()
        if known and conn.execute(select(products.c.sku).where(products.c.sku == "SHIRT")).first():
            return
        catalogue.upsert_warehouse(conn, "BER", "Berlin", "Europe/Berlin")
        catalogue.add_locations(conn, "BER", ["P-01-001-1-1"])
        for sku, gtin, name in ITEMS:
            catalogue.upsert_product(conn, Product(sku=sku, gtin=gtin, name=name, weight_g=300,
                                                   length_mm=200, width_mm=150, height_mm=50))
            stock_ledger.receive(conn, sku=sku, location="P-01-001-1-1", quantity=units,
                                 reason="opening", actor="seed")


def _order(number: str, email: str, lines: list[tuple[str, int]]) -> OrderIn:
    names = {sku: name for sku, _g, name in ITEMS}
    return OrderIn.model_validate({
        "external_id": number, "channel": "shop",
        "customer": {"name": "Ada Lovelace", "email": email},
        "shipping_address": {"name": "Ada Lovelace", "line1": "Unter den Linden 1",
                             "postcode": "10117", "city": "Berlin", "country": "DE"},
        "carrier_service": "dhl:paket",
        "lines": [{"sku": s, "quantity": q, "unit_price": "19.90", "name": names[s]}
                  for s, q in lines]})


def _drain(engine: Engine, handlers: Mapping[str, Handler] | None) -> None:
    while process_batch(engine, handlers=handlers).handled:
        pass


def _window(earliest: date, latest: date) -> dict[str, Any]:
    return {"promised_date": latest.isoformat(), "earliest_date": earliest.isoformat(),
            "latest_date": latest.isoformat(), "level": 0.9}


def _scan(conn: Connection, number: str, status: TrackingStatus, at: datetime, code: str,
          text: str, *, city: str = "Berlin", reason: ExceptionReason | None = None) -> None:
    record_tracking_event(conn, TrackingEvent(
        carrier="dhl", source="dhl-parcel-de", tracking_number=number, status=status,
        occurred_at=at, raw_code=code, raw_text=text, exception_reason=reason,
        location=Location(city=city, country="DE")))


def _after_handover() -> tuple[datetime, datetime, datetime]:
    """Scan times just after the hand-over (which the state machine stamps with "now")."""
    now = datetime.now(UTC)
    return (now + timedelta(milliseconds=10), now + timedelta(milliseconds=20),
            now + timedelta(milliseconds=30))


def build(engine: Engine, scenario: str, number: str, *, today: date | None = None,
          email: str = "ada@example.org",
          handlers: Mapping[str, Handler] | None = None) -> tuple[str, str]:
    """Create one order in ``scenario``; returns ``(order_id, token)``.

    The outbox is drained with ``handlers`` (the worker's default ones when None) after
    intake and again at the end, so notifications a test wires in are planned too.
    """
    order_id, token = _build(engine, scenario, number, today=today, email=email,
                             handlers=handlers)
    _drain(engine, handlers)
    return order_id, token


def _build(engine: Engine, scenario: str, number: str, *, today: date | None, email: str,
           handlers: Mapping[str, Handler] | None) -> tuple[str, str]:
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario {scenario!r}: not one of {', '.join(SCENARIOS)}")
    day = today or datetime.now(UTC).date()
    base = datetime.combine(day, datetime.min.time(), UTC) - timedelta(days=2)
    lines = [("SHIRT", 2), ("MUG", 1)] + ([("BOOK", 1)] if scenario == "split" else [])
    order_id = accept_order(engine, _order(number, email, lines), f"seed-{number}",
                            now=base).order_id
    _drain(engine, handlers)
    with transaction(engine, write=True) as conn:
        token = ensure_token(conn, order_id)
        if scenario == "busy":
            record_event(conn, order_id, "promise", actor="promise-engine", at=base, data={
                "revision": 0, "cause": "accepted", "under_load": True,
                **_window(day + timedelta(days=2), day + timedelta(days=4))})
            return order_id, token
        record_event(conn, order_id, "promise", actor="promise-engine", at=base, data={
            "revision": 0, "cause": "accepted", "under_load": False,
            **_window(day, day + timedelta(days=1))})
        if scenario == "cancelled":
            order_flow.cancel(conn, order_id, actor="shop", reason="customer asked")
            return order_id, token
        for step in (order_flow.release, order_flow.start_picking, order_flow.pick_all,
                     order_flow.pack):
            step(conn, order_id, actor="warehouse")
        parcel = f"00340434161{abs(hash(number)) % 10**9:09d}"
        if scenario == "split":
            order_flow.ship(conn, order_id, actor="warehouse", carrier="dhl",
                            tracking_number=parcel, quantities={1: 2})
            order_flow.ship(conn, order_id, actor="warehouse", carrier="dhl",
                            tracking_number=parcel + "2", quantities={2: 1})
            t1, t2, _t3 = _after_handover()
            _scan(conn, parcel, TrackingStatus.in_transit, t1, "PARCEL_CENTER",
                  "Die Sendung wurde im Start-Paketzentrum bearbeitet.")
            _scan(conn, parcel, TrackingStatus.out_for_delivery, t2, "OUT_FOR_DELIVERY",
                  "Die Sendung wurde in das Zustellfahrzeug geladen.")
            _scan(conn, parcel + "2", TrackingStatus.in_transit, t2, "PARCEL_CENTER",
                  "Die Sendung wurde im Start-Paketzentrum bearbeitet.", city="Leipzig")
            return order_id, token
        order_flow.ship(conn, order_id, actor="warehouse", carrier="dhl", tracking_number=parcel)
        t1, t2, t3 = _after_handover()
        _scan(conn, parcel, TrackingStatus.in_transit, t1, "PARCEL_CENTER",
              "Die Sendung wurde im Start-Paketzentrum bearbeitet.")
        if scenario == "delayed":
            _scan(conn, parcel, TrackingStatus.exception, t2, "ADDRESS_ISSUE",
                  "Die Anschrift des Empfängers ist unvollständig.",
                  reason=ExceptionReason.address)
            record_event(conn, order_id, "promise.revised", actor="promise-engine", at=t2,
                         data={"revision": 1, "cause": "exception:address", "final": False,
                               **_window(day + timedelta(days=1), day + timedelta(days=4))})
        elif scenario == "failed":
            _scan(conn, parcel, TrackingStatus.delivery_attempt_failed, t3, "NOT_HOME",
                  "Der Empfänger wurde nicht angetroffen. Die Sendung wird morgen erneut "
                  "zugestellt.", reason=ExceptionReason.recipient_absent)
        elif scenario == "pickup":
            _scan(conn, parcel, TrackingStatus.available_for_pickup, t3, "PICKUP_READY",
                  "Die Sendung liegt in der Packstation 123 zur Abholung bereit.")
        elif scenario == "delivered":
            _scan(conn, parcel, TrackingStatus.out_for_delivery, t2, "OUT_FOR_DELIVERY",
                  "Die Sendung wurde in das Zustellfahrzeug geladen.")
            _scan(conn, parcel, TrackingStatus.delivered, t3, "DELIVERED",
                  "Die Sendung wurde erfolgreich zugestellt.")
    return order_id, token


def add_scan(engine: Engine, order_id: str, status: TrackingStatus, *,
             at: datetime | None = None, text: str = "Neue Meldung des Paketdienstes.",
             reason: ExceptionReason | None = None) -> None:
    """A new carrier scan for the order's first parcel (as if the carrier reported it now)."""
    with transaction(engine, write=True) as conn:
        number = conn.execute(select(shipments.c.tracking_number)
                              .where(shipments.c.order_id == order_id)
                              .order_by(shipments.c.id)).scalars().first()
        if number is None:
            raise ValueError(f"order {order_id} has no parcel")
        _scan(conn, str(number), status, at or datetime.now(UTC), status.value.upper(), text,
              reason=reason)
