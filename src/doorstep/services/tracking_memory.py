"""What the tracking pipeline needs to know from the database.

``StoredEventsIndex`` is the pipeline's ``DedupIndex`` remembering every event doorstep has
already stored: the first time a shipment is touched, its stored events are loaded, so
"delivered before out for delivery" and duplicates are caught across imports, webhook calls
and processes — not only inside one payload.  Memory stays bounded by the shipments in one
payload, unlike a process-wide index.

``shipment_lookup`` gives the pipeline what doorstep knows of its own parcels: when the
shipment was handed over and what its contents weighed (product weights × units shipped),
which lets the weight check name a carrier's lb-as-kg mix-up.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from doorstep.adapters.db.tables import order_lines, products, shipments, tracking_events
from doorstep.adapters.importers.tracking_index import DedupIndex, ShipmentJourney
from doorstep.adapters.importers.tracking_pipeline import ShipmentFacts, ShipmentLookup
from doorstep.domain.harmonise.tracking import (
    DedupKey,
    ExceptionReason,
    Location,
    TrackingEvent,
    TrackingStatus,
    normalise_tracking_number,
)


class StoredEventsIndex(DedupIndex):
    __slots__ = ("_engine", "_loaded")

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self._engine = engine
        self._loaded: set[tuple[str, str]] = set()

    def _load(self, carrier: str, tracking_number: str) -> None:
        number = normalise_tracking_number(tracking_number)
        if (carrier, number) in self._loaded:
            return
        self._loaded.add((carrier, number))
        with self._engine.connect() as conn:
            rows = conn.execute(select(tracking_events).where(
                tracking_events.c.carrier == carrier,
                tracking_events.c.tracking_number.in_({tracking_number, number}))
                .order_by(tracking_events.c.occurred_at)).all()
        for r in rows:
            loc = r.location or {}
            event = TrackingEvent(
                carrier=r.carrier, source=r.source, tracking_number=r.tracking_number,
                status=TrackingStatus(r.status), occurred_at=r.occurred_at,
                raw_code=r.raw_code, raw_text=r.raw_text, raw_label=r.raw_label,
                utc_offset_minutes=r.utc_offset_minutes, weight_g=r.weight_g,
                exception_reason=ExceptionReason(r.exception_reason) if r.exception_reason
                else None,
                location=Location(city=loc.get("city"), postcode=loc.get("postcode"),
                                  country=loc.get("country"),
                                  description=loc.get("description")))
            super().remember(event, event.key())

    def is_duplicate(self, event: TrackingEvent, key: DedupKey) -> bool:
        self._load(key[0], event.tracking_number)
        return super().is_duplicate(event, key)

    def conflicting_outcome(self, event: TrackingEvent, key: DedupKey) -> TrackingStatus | None:
        self._load(key[0], event.tracking_number)
        return super().conflicting_outcome(event, key)

    def journey(self, carrier: str, tracking_number: str) -> ShipmentJourney | None:
        self._load(carrier, tracking_number)
        return super().journey(carrier, tracking_number)

    def remember(self, event: TrackingEvent, key: DedupKey) -> None:
        self._load(key[0], event.tracking_number)
        super().remember(event, key)


def shipment_lookup(engine: Engine) -> ShipmentLookup:
    def lookup(carrier: str, tracking_number: str) -> ShipmentFacts | None:
        numbers = {tracking_number, normalise_tracking_number(tracking_number)}
        with engine.connect() as conn:
            row = conn.execute(select(shipments.c.order_id, shipments.c.shipped_at,
                                      shipments.c.units)
                               .where(shipments.c.tracking_number.in_(numbers))).first()
            if row is None:
                return None
            weights = dict(conn.execute(
                select(order_lines.c.line_no, products.c.weight_g)
                .join(products, products.c.sku == order_lines.c.sku)
                .where(order_lines.c.order_id == row.order_id)).all())
        units = {int(k): int(v) for k, v in (row.units or {}).items()}
        packed = sum(weights.get(line, 0) * qty for line, qty in units.items())
        return ShipmentFacts(created_at=row.shipped_at, packed_weight_g=packed or None)

    return lookup
