"""What one tracking payload yields: accepted, duplicate and held events, and the facts
doorstep itself knows about a shipment (created when, packed how heavy).

Plain containers, kept apart from the pipeline that fills them so that the quarantine
store, the CLI and the webhook can import them without the pipeline's machinery.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from doorstep.adapters.importers.profile_engine import SourceError
from doorstep.domain.harmonise.profile_copy import ProfileCopy
from doorstep.domain.harmonise.reasons import Reason
from doorstep.domain.harmonise.summary import ImportSummary
from doorstep.domain.harmonise.tracking import TrackingEvent

__all__ = [
    "EventSink",
    "HeldEvent",
    "RecordWithoutEvents",
    "ShipmentFacts",
    "ShipmentLookup",
    "TrackingBatch",
]


@dataclass(frozen=True, slots=True)
class ShipmentFacts:
    """What doorstep itself knows about a shipment it created."""

    created_at: datetime | None = None
    packed_weight_g: int | None = None


ShipmentLookup = Callable[[str, str], ShipmentFacts | None]
"""``(carrier, tracking number) -> facts`` or None for a shipment doorstep does not know."""
EventSink = Callable[[Sequence[TrackingEvent]], None]
"""Where accepted events go (``services.tracking_ingest.release_sink``: the order timeline)."""


@dataclass(slots=True)
class HeldEvent:
    """An event (or a whole payload) that failed, with reasons and its original payload."""

    record_key: str
    reasons: list[Reason]
    payload: str
    event: TrackingEvent | None = None
    position: int | None = None
    """Ordinal of the event within its payload (None when the whole payload was held)."""


@dataclass(frozen=True, slots=True)
class RecordWithoutEvents:
    """A shipment record that produced no event: named, with what the profile looked for."""

    record_key: str
    message: str


@dataclass(slots=True)
class TrackingBatch:
    """The outcome of one payload (or several, merged) from one source."""

    source: str
    accepted: list[TrackingEvent] = field(default_factory=list)
    duplicates: list[TrackingEvent] = field(default_factory=list)
    held: list[HeldEvent] = field(default_factory=list)
    source_errors: list[SourceError] = field(default_factory=list)
    skipped_milestones: int = 0
    without_events: list[RecordWithoutEvents] = field(default_factory=list)
    """Records whose collection paths matched nothing (never silently lost)."""
    profile: ProfileCopy | None = None
    """The profile that mapped the payload, kept with held events (by its content hash)."""

    @property
    def summary(self) -> ImportSummary:
        """Accepted / quarantined / duplicates for the import summary."""
        return ImportSummary(self.source, len(self.accepted), len(self.held),
                             len(self.duplicates), len(self.without_events))

    def extend(self, other: TrackingBatch) -> None:
        """Merge another batch of the same source into this one."""
        self.accepted.extend(other.accepted)
        self.duplicates.extend(other.duplicates)
        self.held.extend(other.held)
        self.source_errors.extend(other.source_errors)
        self.skipped_milestones += other.skipped_milestones
        self.without_events.extend(other.without_events)
