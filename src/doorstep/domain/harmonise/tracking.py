"""The canonical tracking event and the rules that decide whether to trust one.

Every carrier feed is mapped onto one vocabulary::

    info_received ─► picked_up ─► in_transit ─► out_for_delivery ─► delivered
                                      │               │
                                      │               ├─► delivery_attempt_failed
                                      │               └─► available_for_pickup ─► delivered
                                      ├─► exception (address, damaged, customs, weather,
                                      │              refused, lost, delayed, other)
                                      └─► returning ─► returned_to_sender
    cancelled  (shipment withdrawn before it moved)     unknown  (no profile knows the code)

A code no profile knows stays ``unknown`` and is reported; it is never guessed as
``in_transit``.  Every event keeps the carrier's raw code and text.

The rules here are pure: the dedup key, plausibility of a timestamp, the carrier's
text contradicting its code, and the order of events within one shipment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from doorstep.domain.harmonise.reasons import Reason, ReasonCode

__all__ = [
    "EARLIEST_PLAUSIBLE",
    "DedupKey",
    "ExceptionReason",
    "Location",
    "TrackingEvent",
    "TrackingStatus",
    "check_text_matches_status",
    "check_timestamp",
    "check_weight",
    "dedup_key",
    "normalise_tracking_number",
    "parse_canonical_status",
    "sequence_contradictions",
    "text_claim",
]

EARLIEST_PLAUSIBLE = datetime(2000, 1, 1, tzinfo=UTC)
"""No parcel event predates this; earlier stamps are defaults such as the Unix epoch."""


class TrackingStatus(StrEnum):
    """The one status vocabulary every carrier code is mapped onto."""

    info_received = "info_received"
    picked_up = "picked_up"
    in_transit = "in_transit"
    out_for_delivery = "out_for_delivery"
    delivery_attempt_failed = "delivery_attempt_failed"
    available_for_pickup = "available_for_pickup"
    delivered = "delivered"
    exception = "exception"
    returning = "returning"
    returned_to_sender = "returned_to_sender"
    cancelled = "cancelled"
    unknown = "unknown"


class ExceptionReason(StrEnum):
    """Why an event is an ``exception`` (or why an attempt failed, where known)."""

    address = "address"
    damaged = "damaged"
    customs = "customs"
    weather = "weather"
    refused = "refused"
    lost = "lost"
    delayed = "delayed"
    recipient_absent = "recipient_absent"
    other = "other"


@dataclass(slots=True)
class Location:
    """Where the carrier scanned the parcel; any part may be unknown."""

    city: str | None = None
    postcode: str | None = None
    country: str | None = None
    """ISO 3166-1 alpha-2."""
    description: str | None = None
    """The carrier's own location text when it is not split into parts."""


@dataclass(slots=True)
class TrackingEvent:
    """One carrier scan, canonical status beside the carrier's raw code and text.

    Treated as a value (replace, never mutate); not frozen because a frozen
    dataclass costs several microseconds per construction at 20,000 events/s.
    """

    carrier: str
    """Carrier family (``dhl`` for both DHL feeds): part of the dedup key."""
    source: str
    """The profile (feed) the event came from, e.g. ``dhl-parcel-de``."""
    tracking_number: str
    status: TrackingStatus
    occurred_at: datetime
    """Timezone-aware UTC."""
    raw_code: str
    raw_text: str | None = None
    raw_label: str | None = None
    """The carrier's short status text, when separate from the description."""
    exception_reason: ExceptionReason | None = None
    location: Location = field(default_factory=Location)
    utc_offset_minutes: int | None = None
    """The offset the carrier wrote (None when the profile supplied the zone)."""
    weight_g: int | None = None
    reference: str | None = None
    """The shipper's reference (often the shop's order number)."""

    def key(self) -> DedupKey:
        """This event's dedup key (see :func:`dedup_key`)."""
        return dedup_key(self)


DedupKey = tuple[str, str, str, str, int]


@lru_cache(maxsize=65536)
def normalise_tracking_number(value: str) -> str:
    """Upper-case, without spaces or dashes: how carriers print the same number differently."""
    return value.replace(" ", "").replace("-", "").upper()


def dedup_key(event: TrackingEvent) -> DedupKey:
    """The documented identity of an event across feeds.

    ``(carrier family, tracking number normalised, status, exception reason, UTC minute)``.
    Minutes, because DHL Parcel DE stamps to the minute where other feeds give
    seconds; raw codes are left out because two feeds of one carrier use different
    codes for the same scan.  Two events that share the key but were scanned in
    different countries are *not* duplicates (checked by the dedup index).
    """
    minute = int(event.occurred_at.timestamp()) // 60
    reason = event.exception_reason._value_ if event.exception_reason else ""
    return (  # ``_value_``: the plain attribute behind ``.value`` (a slow descriptor)
        event.carrier,
        normalise_tracking_number(event.tracking_number),
        event.status._value_,
        reason,
        minute,
    )


def parse_canonical_status(value: str) -> tuple[TrackingStatus, ExceptionReason | None]:
    """Read a vocabulary value ``status`` or ``status:reason`` (e.g. ``exception:customs``).

    Raises ValueError for a value outside the vocabulary, so a profile cannot
    introduce a status of its own.
    """
    status_text, _, reason_text = value.partition(":")
    status = TrackingStatus(status_text.strip())
    reason = ExceptionReason(reason_text.strip()) if reason_text.strip() else None
    return status, reason


# --- plausibility ------------------------------------------------------------------------


def check_timestamp(
    occurred_at: datetime,
    *,
    now: datetime,
    created_at: datetime | None = None,
    future_skew: timedelta = timedelta(minutes=15),
    created_skew: timedelta = timedelta(minutes=5),
) -> Reason | None:
    """The first reason ``occurred_at`` cannot be true, or None.

    Before 2000 is an ``impossible_date`` (epoch defaults), later than ``now`` plus
    clock skew is ``future_timestamp``, earlier than the shipment's creation minus
    skew is ``before_shipment_created``.
    """
    if occurred_at < EARLIEST_PLAUSIBLE:
        return Reason(ReasonCode.impossible_date, "timestamp",
                      f"{occurred_at.isoformat()} is before {EARLIEST_PLAUSIBLE.year}")
    if occurred_at > now + future_skew:
        return Reason(ReasonCode.future_timestamp, "timestamp",
                      f"{occurred_at.isoformat()} is after now ({now.isoformat()})")
    if created_at is not None and occurred_at < created_at - created_skew:
        return Reason(ReasonCode.before_shipment_created, "timestamp",
                      f"{occurred_at.isoformat()} is before the shipment was created "
                      f"({created_at.isoformat()})")
    return None


def check_delivery_handover(occurred_at: datetime, *, shipment_known: bool,
                            handed_over: datetime | None) -> Reason | None:
    """A delivery scan completes an order only after doorstep's own hand-over.

    No hand-over yet (the shipment is unknown) or a scan dated before it: the scan is held
    for review — it could be a forgery, a reused tracking number or a mistyped one, and
    must not complete an order by itself.
    """
    if not shipment_known:
        return Reason(ReasonCode.delivery_without_shipment, "tracking_number",
                      "delivered, but doorstep has handed over no parcel with this tracking "
                      "number; held for review")
    if handed_over is not None and occurred_at < handed_over:
        return Reason(ReasonCode.delivered_before_handover, "timestamp",
                      f"delivered at {occurred_at.isoformat()}, before the hand-over at "
                      f"{handed_over.isoformat()}; held for review")
    return None


_UNIT_RATIOS = (
    (1000 / 453.59237, "looks like pounds labelled as kilograms"),
    (453.59237 / 1000, "looks like kilograms labelled as pounds"),
    (1000.0, "looks like grams labelled as kilograms"),
    (1 / 1000, "looks like kilograms labelled as grams"),
    (1000 / 28.349523125, "looks like ounces labelled as kilograms"),
)


def check_weight(
    weight_g: int, *, max_g: int, packed_g: int | None = None, tolerance: float = 0.25
) -> Reason | None:
    """The reason a carrier-reported weight cannot be right, or None.

    Out of ``(0, max_g]`` is ``weight_out_of_range``.  With the packed weight known,
    a ratio outside ``1 ± tolerance`` (and more than 250 g apart) is
    ``weight_mismatch``; a ratio near 2.2046 names the lb/kg mix-up.
    """
    if weight_g <= 0 or weight_g > max_g:
        return Reason(ReasonCode.weight_out_of_range, "weight",
                      f"{weight_g} g is outside (0, {max_g}] g")
    if packed_g is None or packed_g <= 0:
        return None
    ratio = weight_g / packed_g
    if abs(weight_g - packed_g) <= 250 or abs(ratio - 1) <= tolerance:
        return None
    hint = next((text for r, text in _UNIT_RATIOS if abs(ratio / r - 1) < 0.05), "")
    return Reason(ReasonCode.weight_mismatch, "weight",
                  f"carrier reports {weight_g} g, packed {packed_g} g (ratio {ratio:.3f})"
                  + (f": {hint}" if hint else ""))


# --- the carrier's text against its code -------------------------------------------------

_NEGATION = r"(?:not|unable|could ?n[o']t|failed|unsuccessful|attempt|nicht|kein)"
_CLAIMS: tuple[tuple[TrackingStatus, re.Pattern[str], re.Pattern[str] | None], ...] = (
    (
        TrackingStatus.delivery_attempt_failed,
        re.compile(r"not (?:been )?able to deliver|could ?n[o']t (?:be )?deliver|unsuccessful "
                   r"delivery|delivery attempt|nicht zugestellt|zustellversuch", re.I),
        None,
    ),
    (
        TrackingStatus.delivered,
        re.compile(r"\b(?:delivered|zugestellt|delivery successful)\b", re.I),
        re.compile(_NEGATION + r"|parcel ?shop|paketshop|pick-?up|packstation|filiale|"
                   r"retail|access point|locker|neighbou?r|expected|will be|to be|sender|"
                   r"absender|return|depot|hub|centre|center|customs|zoll|\bby end\b", re.I),
    ),
    (
        TrackingStatus.out_for_delivery,
        re.compile(r"out for delivery|delivery route|loaded onto the delivery vehicle|"
                   r"in zustellung|zustellfahrzeug|on (?:its|the) way to the (?:consignee|"
                   r"recipient)|with (?:the )?(?:courier|driver) for delivery", re.I),
        re.compile(_NEGATION + r"|tomorrow|morgen|next (?:day|working)", re.I),
    ),
)
_COMPATIBLE: dict[TrackingStatus, frozenset[TrackingStatus]] = {
    TrackingStatus.delivered: frozenset({TrackingStatus.delivered}),
    TrackingStatus.out_for_delivery: frozenset({TrackingStatus.out_for_delivery}),
    TrackingStatus.delivery_attempt_failed: frozenset({
        TrackingStatus.delivery_attempt_failed, TrackingStatus.available_for_pickup,
        TrackingStatus.exception, TrackingStatus.returning, TrackingStatus.returned_to_sender,
    }),
}  # fmt: skip


@lru_cache(maxsize=16384)
def text_claim(text: str) -> TrackingStatus | None:
    """The status a carrier's text unambiguously states, or None when it states none.

    Deliberately narrow: only delivered, out-for-delivery and a failed attempt are
    recognised, with negations and pickup-point wording excluded, so that a
    false "mislabelled" finding on a clean event stays rare.  Cached: carriers
    repeat a small set of texts.
    """
    for status, claim, negation in _CLAIMS:
        if claim.search(text) and (negation is None or not negation.search(text)):
            return status
    return None


def check_text_matches_status(status: TrackingStatus, *texts: str | None) -> Reason | None:
    """``mislabelled_status`` when a text claims a status the code contradicts."""
    if status is TrackingStatus.unknown:
        return None
    for text in texts:
        if not text:
            continue
        claimed = text_claim(text)
        if claimed is not None and status not in _COMPATIBLE[claimed]:
            return Reason(ReasonCode.mislabelled_status, "status",
                          f"code maps to {status.value} but the text {text!r} says "
                          f"{claimed.value}")
    return None


# --- order of events within one shipment -------------------------------------------------


def sequence_contradictions(
    events: Sequence[TrackingEvent],
    *,
    last_out_for_delivery: datetime | None = None,
    last_picked_up: datetime | None = None,
) -> dict[int, Reason]:
    """Indexes of delivered events stamped before an out-for-delivery or pickup scan.

    ``events`` belong to one shipment; ``last_*`` carry what earlier imports already
    accepted for it.  The delivered event is the one flagged: it claims the end of a
    journey whose later steps are on record.
    """
    latest_ofd = last_out_for_delivery
    latest_pickup = last_picked_up
    for event in events:
        if event.status is TrackingStatus.out_for_delivery and (
            latest_ofd is None or event.occurred_at > latest_ofd
        ):
            latest_ofd = event.occurred_at
        elif event.status is TrackingStatus.picked_up and (
            latest_pickup is None or event.occurred_at > latest_pickup
        ):
            latest_pickup = event.occurred_at
    found: dict[int, Reason] = {}
    for index, event in enumerate(events):
        if event.status is not TrackingStatus.delivered:
            continue
        if latest_ofd is not None and event.occurred_at < latest_ofd:
            found[index] = Reason(ReasonCode.delivered_before_out_for_delivery, "timestamp",
                                  f"delivered at {event.occurred_at.isoformat()} but out for "
                                  f"delivery at {latest_ofd.isoformat()}")
        elif latest_pickup is not None and event.occurred_at < latest_pickup:
            found[index] = Reason(ReasonCode.delivered_before_picked_up, "timestamp",
                                  f"delivered at {event.occurred_at.isoformat()} but picked up "
                                  f"at {latest_pickup.isoformat()}")
    return found
