"""The one tracking-ingest use case, whichever door the data came in by.

::

    payload ─map─► events ─validate─► accepted ─store once─► timeline ─► outbox
       (profile)        (pipeline)       │      (dedup key)   (order)    order.tracking
                                         │                                → promise revision
                                         │            delivered + shipped → order delivered
                                         └► held ─────────────────────────► quarantine

The carrier webhook, ``doorstep import tracking`` and the release of a quarantined tracking
event all call this module; they only translate its :class:`IngestReport` (JSON for the
webhook and ``--json``, a table for the CLI).  Mapping and validation read the database
through their own connections; everything written — stored events, timeline entries,
outbox messages, delivered orders and quarantined events — commits in one write
transaction (``transaction(write=True)``: ``BEGIN IMMEDIATE`` and the writer queue on
SQLite), so an import is stored whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from doorstep.adapters.db.tables import orders, shipments
from doorstep.adapters.db.uow import transaction
from doorstep.adapters.importers.profile_model import Profile, SourceError
from doorstep.adapters.importers.tracking_batch import (
    EventSink,
    RecordWithoutEvents,
    TrackingBatch,
)
from doorstep.adapters.importers.tracking_index import DedupIndex
from doorstep.adapters.importers.tracking_pipeline import TrackingPipeline
from doorstep.adapters.quarantine_store import QuarantineStore
from doorstep.domain.harmonise.reasons import Reason
from doorstep.domain.harmonise.summary import ImportSummary
from doorstep.domain.harmonise.tracking import (
    TrackingEvent,
    TrackingStatus,
    normalise_tracking_number,
)
from doorstep.domain.order_states import OrderStatus
from doorstep.services import order_flow
from doorstep.services.tracking_memory import StoredEventsIndex, shipment_lookup
from doorstep.services.tracking_timeline import record_tracking_event

__all__ = [
    "HeldRecord",
    "IngestReport",
    "event_dict",
    "ingest_tracking",
    "record_batch",
    "release_sink",
    "store_events",
]


@dataclass(frozen=True, slots=True)
class HeldRecord:
    """An event (or a whole payload) held for review, with the quarantine id it got."""

    record_key: str
    reasons: tuple[Reason, ...]
    quarantine_id: int | None = None


@dataclass(slots=True)
class IngestReport:
    """What one payload did; every event the profile produced is in exactly one list."""

    source: str
    stored: list[TrackingEvent] = field(default_factory=list)
    """New events, stored (or, in a dry run, that would be stored)."""
    duplicates: list[TrackingEvent] = field(default_factory=list)
    held: list[HeldRecord] = field(default_factory=list)
    unmatched: int = 0
    """Stored events whose tracking number belongs to no shipment yet."""
    delivered_orders: list[str] = field(default_factory=list)
    source_errors: list[SourceError] = field(default_factory=list)
    skipped_milestones: int = 0
    without_events: list[RecordWithoutEvents] = field(default_factory=list)
    """Shipment records that produced no event, each with a warning saying why."""
    written: bool = True

    @property
    def summary(self) -> ImportSummary:
        return ImportSummary(self.source, len(self.stored), len(self.held), len(self.duplicates),
                             len(self.without_events))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the webhook returns and ``import tracking --json`` prints."""
        return {
            "source": self.source,
            "accepted": len(self.stored),
            "quarantined": len(self.held),
            "duplicates": len(self.duplicates),
            "no_events": len(self.without_events),
            "unmatched": self.unmatched,
            "delivered_orders": self.delivered_orders,
            "skipped_milestones": self.skipped_milestones,
            "written": self.written,
            "quarantine_ids": [h.quarantine_id for h in self.held
                               if h.quarantine_id is not None],
            "held": [{"record": h.record_key, "quarantine_id": h.quarantine_id,
                      "reasons": [r.to_dict() for r in h.reasons]} for h in self.held],
            "source_errors": [{"code": e.code, "message": e.message, "reference": e.reference}
                              for e in self.source_errors],
            "warnings": [{"record": r.record_key, "message": r.message}
                         for r in self.without_events],
            "events": [event_dict(e) for e in self.stored],
        }


def event_dict(event: TrackingEvent) -> dict[str, Any]:
    """One canonical event as JSON (what ``--show`` and ``--json`` print)."""
    return {
        "carrier": event.carrier, "source": event.source,
        "tracking_number": event.tracking_number, "status": event.status.value,
        "exception_reason": event.exception_reason.value if event.exception_reason else None,
        "occurred_at": event.occurred_at.isoformat(), "utc_offset_minutes":
        event.utc_offset_minutes, "raw_code": event.raw_code, "raw_text": event.raw_text,
        "raw_label": event.raw_label, "weight_g": event.weight_g,
        "location": {k: v for k, v in (("city", event.location.city),
                                       ("postcode", event.location.postcode),
                                       ("country", event.location.country),
                                       ("description", event.location.description)) if v},
    }


def ingest_tracking(
    engine: Engine | None,
    profile: Profile | str,
    payload: str | bytes,
    *,
    context: dict[str, Any] | None = None,
    index: DedupIndex | None = None,
    now: datetime | None = None,
    profiles_dir: str | None = None,
) -> IngestReport:
    """Map, validate, store once and record one carrier payload.

    ``engine=None`` is a dry run: mapped and validated against nothing stored, nothing
    written.  ``index`` replaces the memory of stored events (tests pin one).  A profile
    named by text is looked up in ``profiles_dir`` (the user's folder) first.
    """
    if engine is None:
        pipeline = TrackingPipeline(profile, index=index, now=now, profiles_dir=profiles_dir)
        batch = pipeline.process(payload, context)
        report = _report_of(batch, written=False)
        report.stored = list(batch.accepted)
        report.held = [HeldRecord(h.record_key, tuple(h.reasons)) for h in batch.held]
        return report
    pipeline = TrackingPipeline(profile, index=index or StoredEventsIndex(engine),
                                shipments=shipment_lookup(engine), now=now,
                                profiles_dir=profiles_dir)
    return record_batch(engine, pipeline.process(payload, context))


def record_batch(engine: Engine, batch: TrackingBatch) -> IngestReport:
    """Store a validated batch in one write transaction; hold what the pipeline held."""
    report = _report_of(batch, written=True)
    holder = QuarantineStore(engine)
    with transaction(engine, write=True) as conn:
        store_events(conn, batch.accepted, report)
        for held in batch.held:
            record_id = holder.hold(batch.source, "tracking", held.record_key, held.reasons,
                                    held.payload, conn=conn, profile=batch.profile)
            report.held.append(HeldRecord(held.record_key, tuple(held.reasons), record_id))
    return report


def store_events(conn: Connection, events: Sequence[TrackingEvent],
                 report: IngestReport) -> None:
    """Store each event once, put it on its order's timeline, complete delivered orders.

    Runs in the caller's write transaction (an import, or the release of a held event).
    """
    for event in events:
        stored = record_tracking_event(conn, event)
        if stored.outcome == "duplicate":
            report.duplicates.append(event)
            continue
        report.stored.append(event)
        if stored.outcome == "unmatched":
            report.unmatched += 1
        elif (event.status is TrackingStatus.delivered and stored.order_id is not None
              and _completes(conn, stored.order_id, event)):
            order_flow.deliver(conn, stored.order_id, actor=f"carrier:{event.carrier}")
            report.delivered_orders.append(stored.order_id)


def _completes(conn: Connection, order_id: str, event: TrackingEvent) -> bool:
    """A delivery scan completes a fully shipped order, and only after its hand-over."""
    status = conn.execute(select(orders.c.status).where(orders.c.id == order_id)).scalar()
    if status != OrderStatus.SHIPPED.value:
        return False  # partially shipped, delivered already, …: the scan is on the timeline
    numbers = {event.tracking_number, normalise_tracking_number(event.tracking_number)}
    handed_over = conn.execute(select(shipments.c.shipped_at)
                               .where(shipments.c.order_id == order_id,
                                      shipments.c.tracking_number.in_(numbers))
                               .order_by(shipments.c.shipped_at)).scalar()
    return handed_over is not None and event.occurred_at >= handed_over


def _report_of(batch: TrackingBatch, *, written: bool) -> IngestReport:
    return IngestReport(batch.source, duplicates=list(batch.duplicates),
                        source_errors=list(batch.source_errors),
                        skipped_milestones=batch.skipped_milestones,
                        without_events=list(batch.without_events), written=written)


def release_sink(engine: Engine) -> EventSink:
    """The hand-over for released tracking events: the same store step as an import."""

    def write(events: Sequence[TrackingEvent]) -> None:
        report = IngestReport("quarantine")
        with transaction(engine, write=True) as conn:
            store_events(conn, events, report)

    return write
