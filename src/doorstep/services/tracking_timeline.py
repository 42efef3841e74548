"""Carrier tracking events: stored once, and written onto their order's timeline.

The tracking pipeline (``adapters.importers.tracking_pipeline``) has already mapped,
validated and de-duplicated within a feed; here the documented dedup key is checked again
across feeds, retries and processes.  As in the pipeline's index, two events with the same key
scanned in two different known countries are two scans (DPD reports attempts in two depots in
the same second); the same key with the same or an unknown country is one scan.  The stored
``dedup_key`` (base key plus country) is UNIQUE, so concurrent writers cannot both insert it.
An event whose tracking number belongs to no shipment is still stored (``order_id`` empty)
and counted as unmatched — never dropped — so it can be matched when the shipment appears.
Attaching it later puts it on the timeline but never completes the order: a delivery scan
for a parcel doorstep has not handed over is held for review by the tracking pipeline.

Whether a stored scan completes its order is the tracking-ingest use case's decision
(``services.tracking_ingest``); this module only stores and records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from sqlalchemy import Connection, RowMapping, insert, select, update

from doorstep.adapters.db.tables import shipments, tracking_events
from doorstep.domain.harmonise.tracking import TrackingEvent, normalise_tracking_number
from doorstep.services.events import Topic, enqueue, record_event, utcnow

Outcome = Literal["added", "duplicate", "unmatched"]


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing one event did, and the order it belongs to (if any)."""

    outcome: Outcome
    order_id: str | None = None


def _key_text(event: TrackingEvent) -> str:
    return "|".join(str(part) for part in event.key())


def _is_duplicate(conn: Connection, base: str, country: str) -> bool:
    seen = {str(c or "") for c in conn.execute(
        select(tracking_events.c.location["country"].as_string())
        .where(tracking_events.c.dedup_base == base)).scalars()}
    if not seen:
        return False
    return not country or country in seen or "" in seen


def order_for_tracking_number(conn: Connection, tracking_number: str) -> str | None:
    wanted = normalise_tracking_number(tracking_number)
    row = conn.execute(select(shipments.c.order_id).where(
        shipments.c.tracking_number.in_({tracking_number, wanted}))).first()
    return None if row is None else str(row.order_id)


def record_tracking_event(conn: Connection, event: TrackingEvent) -> Stored:
    """Store ``event`` unless its dedup key is known; put it on the order's timeline."""
    base = _key_text(event)
    country = (event.location.country or "").upper()
    if _is_duplicate(conn, base, country):
        return Stored("duplicate")
    order_id = order_for_tracking_number(conn, event.tracking_number)
    row: dict[str, Any] = {
        "dedup_key": f"{base}|{country}", "dedup_base": base, "carrier": event.carrier,
        "source": event.source, "tracking_number": event.tracking_number,
        "status": event.status.value,
        "exception_reason": event.exception_reason.value if event.exception_reason else None,
        "occurred_at": event.occurred_at, "raw_code": event.raw_code,
        "raw_text": event.raw_text, "raw_label": event.raw_label,
        "location": {k: v for k, v in asdict(event.location).items() if v is not None},
        "utc_offset_minutes": event.utc_offset_minutes, "weight_g": event.weight_g,
        "order_id": order_id, "received_at": utcnow()}
    conn.execute(insert(tracking_events).values(**row))
    if order_id is None:
        return Stored("unmatched")
    _on_timeline(conn, order_id, row)
    enqueue(conn, Topic.ORDER_TRACKING, order_id,
            {"order_id": order_id, "status": event.status.value})
    return Stored("added", order_id)


TIMELINE_FIELDS = ("tracking_number", "raw_code", "raw_text", "raw_label", "source",
                   "exception_reason", "location", "utc_offset_minutes", "weight_g")
"""What a scan's timeline entry carries, whether it is recorded at once or attached later."""


def _on_timeline(conn: Connection, order_id: str, scan: Mapping[str, Any] | RowMapping
                 ) -> None:
    """The order-timeline entry of a stored scan (a stored row or the values stored)."""
    record_event(conn, order_id, f"tracking.{scan['status']}", actor=f"carrier:{scan['carrier']}",
                 at=scan["occurred_at"], data={k: scan[k] for k in TIMELINE_FIELDS})


def attach_waiting_events(conn: Connection, order_id: str, tracking_number: str) -> int:
    """Attach events that arrived before their shipment was known; returns how many.

    They join the order's timeline and complete nothing: a delivery scan from before the
    hand-over is held for review, never taken as the order's delivery by itself.
    """
    rows = conn.execute(select(tracking_events).where(
        tracking_events.c.tracking_number == tracking_number,
        tracking_events.c.order_id.is_(None)).order_by(tracking_events.c.occurred_at)).all()
    for r in rows:
        conn.execute(update(tracking_events).where(tracking_events.c.id == r.id)
                     .values(order_id=order_id))
        _on_timeline(conn, order_id, r._mapping)
    return len(rows)
