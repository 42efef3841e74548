"""Re-promise: recompute the window after each handover, carrier scan or exception.

The original promise and every revision are kept (``PromiseTimeline``); each revision is
computed from scratch from *all* events seen so far, so replaying a timeline gives the
same windows.  Rules::

    handover at T            ship day known → window = that day + transit distribution
    scan picked_up at T      same as a handover
    scan (other) at T        shipped by T (ship day = T's day if no handover seen)
    scan out_for_delivery /
         available_for_pickup window collapses to T's day
    scan delivered           window = T's day, final
    exception (reason)       remaining dates move by EXCEPTION_DELAY[reason] carrier days,
                             spread over that and the next two days (0.6 / 0.3 / 0.1)
    every event at T         the parcel was not delivered before T's day: condition on it

Exceptions have no history to learn from yet, so their delays are a documented table, not a
fit.  Revisions use raw model levels (the calibration correction belongs to the whole lead
time, not to what remains of it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import numpy as np

from doorstep.domain.promise.engine import (
    DateDistribution,
    DeliveryWindow,
    Promise,
    combine,
    delivery_distribution,
    transit_pmf,
    window_from,
)
from doorstep.domain.promise.load import BacklogReading
from doorstep.domain.promise.model import PromiseModel
from doorstep.domain.promise.season import slowed

# Keys follow doorstep.domain.harmonise.tracking.ExceptionReason.
EXCEPTION_DELAY: dict[str, int] = {
    "address": 2,
    "recipient_absent": 1,
    "damaged": 3,
    "customs": 3,
    "weather": 1,
    "delayed": 1,
    "lost": 5,
}
DEFAULT_EXCEPTION_DELAY = 2
DELAY_SPREAD = (0.6, 0.3, 0.1)


class EventKind(StrEnum):
    HANDOVER = "handover"
    SCAN = "scan"
    EXCEPTION = "exception"


class ScanStatus(StrEnum):
    """The tracking statuses that change a window (doorstep's TrackingStatus values)."""

    PICKED_UP = "picked_up"  # the carrier has it: counts as the handover
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    DELIVERED = "delivered"


ARRIVING_TODAY = (ScanStatus.OUT_FOR_DELIVERY, ScanStatus.AVAILABLE_FOR_PICKUP,
                  ScanStatus.DELIVERED)


@dataclass(frozen=True, kw_only=True)
class PromiseEvent:
    kind: EventKind
    at: datetime
    status: str = ""  # scans: a ScanStatus value (unknown statuses count as in transit)
    reason: str = ""  # exceptions: a key of EXCEPTION_DELAY, anything else → default delay

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("event at: timestamp has no time zone")

    @property
    def cause(self) -> str:
        detail = self.status or self.reason
        return f"{self.kind.value}:{detail}" if detail else self.kind.value


@dataclass(frozen=True, kw_only=True)
class PromiseRevision:
    """One entry on the order's timeline: revision 0 is the original promise."""

    promise_id: str
    revision_no: int
    computed_at: datetime
    cause: str
    window: DeliveryWindow
    final: bool = False


@dataclass(frozen=True, kw_only=True)
class PromiseTimeline:
    promise_id: str
    promise: Promise
    events: tuple[PromiseEvent, ...] = ()
    revisions: tuple[PromiseRevision, ...] = ()

    @property
    def original(self) -> PromiseRevision:
        return self.revisions[0]

    @property
    def current(self) -> PromiseRevision:
        return self.revisions[-1]


def open_timeline(promise_id: str, promise: Promise, computed_at: datetime) -> PromiseTimeline:
    """Start a timeline with the checkout promise as revision 0."""
    first = PromiseRevision(promise_id=promise_id, revision_no=0, computed_at=computed_at,
                            cause="checkout", window=promise.window)
    return PromiseTimeline(promise_id=promise_id, promise=promise, revisions=(first,))


def _point(day: date) -> DateDistribution:
    return DateDistribution(np.array([day.toordinal()], dtype=np.int64), np.array([1.0]))


def _not_before(dist: DateDistribution, day: date) -> DateDistribution:
    keep = dist.days >= day.toordinal()
    if not keep.any():
        return _point(day)
    pmf = np.diff(np.concatenate([[0.0], dist.cdf]))[keep]
    if pmf.sum() <= 1e-12:
        return _point(day)
    return DateDistribution(dist.days[keep], np.cumsum(pmf) / pmf.sum())


def revise(
    model: PromiseModel, timeline: PromiseTimeline, event: PromiseEvent
) -> PromiseTimeline:
    """Append ``event`` and a revision computed from every event so far."""
    if timeline.current.final:
        raise ValueError(f"promise {timeline.promise_id}: already delivered, no more revisions")
    events = (*timeline.events, event)
    tz = ZoneInfo(model.config.timezone)
    req = timeline.promise.request
    carrier = model.calendars.carrier(req.carrier, req.dest_country)
    level = timeline.promise.window.level
    final = False
    ship: date | None = None
    dist: DateDistribution | None = None
    for e in sorted(events, key=lambda ev: ev.at):
        day = e.at.astimezone(tz).date()
        handover = e.kind is EventKind.HANDOVER or (
            e.kind is EventKind.SCAN and e.status == ScanStatus.PICKED_UP
        )
        if handover or (e.kind is EventKind.SCAN and ship is None):
            ship = day
            _, t_pmf = transit_pmf(model, req)
            t_pmf = slowed(t_pmf, model.slowdown.share(ship.toordinal()))
            dist = combine(np.array([ship.toordinal()]), np.array([1.0]), t_pmf, carrier)
        if dist is None:
            dist, *_ = delivery_distribution(
                model, req, BacklogReading(backlog=timeline.promise.backlog)
            )
        if e.kind is EventKind.SCAN and e.status in ARRIVING_TODAY:
            dist = _point(day)
            final = e.status == ScanStatus.DELIVERED
        elif e.kind is EventKind.EXCEPTION:
            delay = EXCEPTION_DELAY.get(e.reason, DEFAULT_EXCEPTION_DELAY)
            spread = np.zeros(delay + len(DELAY_SPREAD))
            spread[delay:] = DELAY_SPREAD
            pmf = np.diff(np.concatenate([[0.0], dist.cdf]))
            dist = combine(dist.days, pmf, spread, carrier)
        dist = _not_before(dist, day)
    assert dist is not None
    window = window_from(dist, level=level, upper=level, lo=(1 - level) / 2, hi=lambda x: x)
    revision = PromiseRevision(
        promise_id=timeline.promise_id,
        revision_no=len(timeline.revisions),
        computed_at=event.at,
        cause=event.cause,
        window=window,
        final=final,
    )
    return replace(timeline, events=events, revisions=(*timeline.revisions, revision))
