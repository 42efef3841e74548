"""What earlier imports accepted: dedup keys and each shipment's journey so far.

The same scan arrives twice when a carrier pushes a webhook *and* we poll, or when two
feeds of one carrier (DHL Unified and DHL Parcel DE) both report it.  The index keeps
every accepted event's documented key (``doorstep.domain.harmonise.tracking.dedup_key``)
with the country it was scanned in: a second event with the same key is a duplicate
unless both name *different* countries (two depots, same minute — a real pair of scans).

It also remembers, per shipment, the latest out-for-delivery and pickup and the earliest
delivery, so that contradictions spanning two imports are seen, and the outcome of each
minute, so that "delivered" and "delivery failed" for the same minute are flagged.

In memory, for one process; ``services.tracking_memory.StoredEventsIndex`` is the same index
loaded from the events doorstep has stored, shipment by shipment.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from doorstep.domain.harmonise.tracking import (
    DedupKey,
    TrackingEvent,
    TrackingStatus,
    normalise_tracking_number,
)

__all__ = ["DedupIndex", "ShipmentJourney"]

_OUTCOMES = frozenset({
    TrackingStatus.delivered, TrackingStatus.delivery_attempt_failed,
    TrackingStatus.returned_to_sender, TrackingStatus.cancelled,
})  # fmt: skip
_MILESTONES = frozenset({
    TrackingStatus.out_for_delivery, TrackingStatus.picked_up, TrackingStatus.delivered,
})  # fmt: skip


class ShipmentJourney(NamedTuple):
    """The milestones of one shipment accepted so far.

    A tuple, like every value the index keeps, so that a long-running import holding
    hundreds of thousands of entries gives the garbage collector nothing to traverse.
    """

    last_out_for_delivery: datetime | None = None
    last_picked_up: datetime | None = None
    first_delivered: datetime | None = None


_EMPTY = ShipmentJourney()


class DedupIndex:
    """Accepted event keys and per-shipment journeys (see the module docstring)."""

    __slots__ = ("_journeys", "_keys", "_outcomes")

    def __init__(self) -> None:
        self._keys: dict[DedupKey, tuple[str | None, ...]] = {}
        self._journeys: dict[tuple[str, str], ShipmentJourney] = {}
        self._outcomes: dict[tuple[str, str, int], TrackingStatus] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def is_duplicate(self, event: TrackingEvent, key: DedupKey) -> bool:
        """True when an accepted event has this key and no conflicting country."""
        countries = self._keys.get(key)
        if countries is None:
            return False
        country = event.location.country
        if country is None:
            return True
        return any(c is None or c == country for c in countries)

    def conflicting_outcome(self, event: TrackingEvent, key: DedupKey) -> TrackingStatus | None:
        """Another outcome accepted for the same shipment and minute, if any."""
        if event.status not in _OUTCOMES:
            return None
        other = self._outcomes.get((key[0], key[1], key[4]))
        if other is None or other == event.status:
            return None
        if TrackingStatus.delivered not in (other, event.status):
            return None  # e.g. failed attempt and return in one minute: not contradictory
        return other

    def journey(self, carrier: str, tracking_number: str) -> ShipmentJourney | None:
        """What is known about one shipment (None when nothing was accepted yet)."""
        return self._journeys.get((carrier, normalise_tracking_number(tracking_number)))

    def remember(self, event: TrackingEvent, key: DedupKey) -> None:
        """Record an accepted event."""
        keys = self._keys
        country = event.location.country
        seen = keys.get(key)
        keys[key] = (country,) if seen is None else (*seen, country)
        status = event.status
        if status in _OUTCOMES:
            self._outcomes.setdefault((key[0], key[1], key[4]), status)
        if status not in _MILESTONES:
            return
        ship = (key[0], key[1])
        journey = self._journeys.get(ship)
        at = event.occurred_at
        if journey is None:  # built directly: ``_replace`` costs a microsecond per event
            journey = _EMPTY
        ofd, pickup, delivered = journey
        if status is TrackingStatus.out_for_delivery:
            if ofd is None or at > ofd:
                self._journeys[ship] = ShipmentJourney(at, pickup, delivered)
        elif status is TrackingStatus.picked_up:
            if pickup is None or at > pickup:
                self._journeys[ship] = ShipmentJourney(ofd, at, delivered)
        elif delivered is None or at < delivered:
            self._journeys[ship] = ShipmentJourney(ofd, pickup, at)
