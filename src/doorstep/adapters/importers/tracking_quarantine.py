"""Held tracking events in and out of the quarantine store.

``hold_batch`` stores every held event of a batch with its reasons and original
payload; ``tracking_release_hooks`` gives the store what it needs to release one:
a validator that re-checks the (possibly corrected) envelope and a hand-over that
passes the event to the timeline sink.  The store is duck-typed (``hold`` and
``effective_payload``) so this module does not depend on its implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from doorstep.adapters.importers.tracking_pipeline import (
    EventSink,
    ShipmentLookup,
    TrackingBatch,
    revalidate,
)
from doorstep.domain.harmonise.profile_copy import ProfileCopy
from doorstep.domain.harmonise.reasons import Reason, ReasonCode
from doorstep.domain.harmonise.tracking import TrackingEvent

__all__ = ["QuarantineHolder", "hold_batch", "tracking_release_hooks"]


class QuarantineHolder(Protocol):
    """The part of ``QuarantineStore`` that holds records."""

    def hold(self, source: str, kind: str, record_key: str, reasons: Sequence[Reason],
             payload: str, *, profile: ProfileCopy | None = None) -> int: ...


class _HeldRecord(Protocol):
    @property
    def effective_payload(self) -> str: ...

    @property
    def release_profile(self) -> ProfileCopy | None: ...


def hold_batch(store: QuarantineHolder, batch: TrackingBatch) -> list[int]:
    """Hold every quarantined event of ``batch``; returns the quarantine ids."""
    return [store.hold(batch.source, "tracking", held.record_key, held.reasons, held.payload,
                       profile=batch.profile)
            for held in batch.held]


def tracking_release_hooks(
    sink: EventSink,
    *,
    shipments: ShipmentLookup | None = None,
    clock: Callable[[], datetime] | None = None,
    profiles_dir: str | None = None,
) -> tuple[Callable[[_HeldRecord], list[Reason]], Callable[[_HeldRecord], None]]:
    """``(validator, handover)`` for ``QuarantineStore.register("tracking", ...)``; the
    envelope's profile is the kept copy the release chose, else it is found by name in
    ``profiles_dir`` first, then built in."""

    def check(record: _HeldRecord) -> tuple[TrackingEvent | None, list[Reason]]:
        return revalidate(record.effective_payload, shipments=shipments,
                          now=clock() if clock else None, profiles_dir=profiles_dir,
                          profile=record.release_profile)

    def validate(record: _HeldRecord) -> list[Reason]:
        return check(record)[1]

    def handover(record: _HeldRecord) -> None:
        event, reasons = check(record)
        if event is None or reasons:
            codes = ", ".join(r.code.value for r in reasons) or ReasonCode.missing_field.value
            raise ValueError(f"tracking record no longer valid: {codes}")
        sink([event])

    return validate, handover
