"""What the customer sees of an order: built from the one timeline, nothing internal.

The page (``/track/{token}``) and the notifications read this view; it is made from the
order row, its lines, its shipments and its timeline (``order_events``, which already holds
the carrier scans and every promise revision)::

    order header      shop order number, placed, cancelled/delivered
    parcels           grouped by status; units not yet shipped form their own group
    promise           original window beside the current one, and why it moved (a code)
    checkpoints       latest first: received, packed, handed to <carrier>, carrier scans
                      (doorstep's status + the carrier's own text, kept for a <details>)
    next action       collect at a pick-up point, after a failed attempt, an address problem

Left out on purpose: stock locations, pick data, backlog figures, staff or system actors,
idempotency keys, internal order ids.  Texts are codes here; the templates translate them.
The rows are read by ``customer_view_reads`` (one statement per view).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from doorstep.domain.carriers_public import carrier_name, carrier_tracking_url
from doorstep.domain.order_numbers import shown_order_number

# Timeline entries a customer sees, by event type (tracking.* are all shown).
WAREHOUSE_STEPS = {"received": "received", "picking": "picking", "packed": "packed",
                   "shipped": "handed_over", "partially_shipped": "handed_over",
                   "delivered": "delivered", "cancelled": "cancelled"}
# The parcel statuses, in the order the page lists their groups.
PARCEL_ORDER = ("available_for_pickup", "delivery_attempt_failed", "exception",
                "out_for_delivery", "in_transit", "handed_over", "preparing", "returning",
                "returned_to_sender", "delivered", "cancelled")
SCAN_STATUS = {"info_received": "handed_over", "picked_up": "in_transit", "unknown": None}
ACTION_STATUSES = ("available_for_pickup", "delivery_attempt_failed", "exception")


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int


@dataclass(frozen=True)
class Parcel:
    carrier: str
    tracking_number: str
    carrier_url: str | None
    status: str
    since: datetime
    items: tuple[Item, ...]


@dataclass(frozen=True)
class ParcelGroup:
    status: str
    parcels: tuple[Parcel, ...] = ()
    items: tuple[Item, ...] = ()  # for the "preparing" group: units not yet in a parcel


@dataclass(frozen=True)
class Window:
    earliest: date
    latest: date


@dataclass(frozen=True)
class PromiseView:
    original: Window
    current: Window
    final: bool
    reason: str | None  # a code such as "busy_week", "exception:address", "handed_over_late"
    revision: int

    @property
    def moved(self) -> bool:
        return self.original != self.current

    @property
    def later(self) -> bool:
        return self.current.latest > self.original.latest


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    code: str
    carrier: str | None = None
    place: str | None = None
    carrier_text: str | None = None
    carrier_code: str | None = None
    tracking_number: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class NextAction:
    code: str  # "collect", "failed_attempt", "address", "contact_carrier"
    carrier: str
    carrier_url: str | None
    place: str | None
    carrier_text: str | None


@dataclass(frozen=True)
class CustomerView:
    order_number: str
    channel: str
    status: str
    placed_at: datetime
    cancelled_at: datetime | None
    delivered_at: datetime | None
    groups: tuple[ParcelGroup, ...]
    promise: PromiseView | None
    checkpoints: tuple[Checkpoint, ...]
    actions: tuple[NextAction, ...]
    version: int  # the id of the newest timeline entry: the page polls for a larger one
    parcels: tuple[Parcel, ...] = ()


def _place(location: Any) -> str | None:
    if not isinstance(location, dict):
        return None
    city = location.get("city") or location.get("description")
    country = location.get("country")
    if city and country:
        return f"{city} ({country})"
    return str(city or country) if (city or country) else None


def window_of(data: dict[str, Any]) -> Window:
    return Window(date.fromisoformat(str(data["earliest_date"])),
                  date.fromisoformat(str(data["latest_date"])))


def delay_reason(original: dict[str, Any], revised: list[dict[str, Any]],
                 status: str) -> str | None:
    """Why the window is where it is, as a code the page turns into plain words."""
    first = window_of(original)
    for data in reversed(revised):
        if window_of(data).latest > first.latest:
            cause = str(data.get("cause") or "")
            if cause.startswith("exception:"):
                return cause
            if cause == "handover":
                return "handed_over_late"
            return "carrier_slower"
    if status == "backordered":
        return "waiting_for_stock"
    if original.get("under_load"):
        return "busy_week"
    return None


def build_view(order: Any, lines: list[Any], parcels_rows: list[Any],
               events: list[Any]) -> CustomerView:
    """The customer's view from the rows (pure: no database access)."""
    names = {int(ln.line_no): str(ln.name or ln.sku) for ln in lines}
    checkpoints: list[Checkpoint] = []
    latest_scan: dict[str, tuple[str, datetime, Any]] = {}
    original: dict[str, Any] | None = None
    revised: list[dict[str, Any]] = []
    cancelled_at = delivered_at = None
    for e in events:
        data = dict(e.data or {})
        if e.type == "promise":
            original = data
        elif e.type == "promise.revised":
            revised.append(data)
        elif e.type.startswith("tracking."):
            status = e.type.removeprefix("tracking.")
            number = str(data.get("tracking_number") or "")
            shown = SCAN_STATUS.get(status, status)
            checkpoints.append(Checkpoint(
                at=e.at, code=status, carrier=carrier_name(str(data.get("carrier") or
                                                                e.actor.split(":")[-1])),
                place=_place(data.get("location")), carrier_text=data.get("raw_text"),
                carrier_code=data.get("raw_code"), tracking_number=number or None,
                reason=data.get("exception_reason")))
            if shown is not None and number:
                previous = latest_scan.get(number)
                if previous is None or e.at >= previous[1]:
                    latest_scan[number] = (shown, e.at, data)
            if status == "delivered" and delivered_at is None:
                delivered_at = e.at
        elif e.type in WAREHOUSE_STEPS:
            code = WAREHOUSE_STEPS[e.type]
            if code == "picking" and any(c.code == "picking" for c in checkpoints):
                continue
            checkpoints.append(Checkpoint(
                at=e.at, code=code,
                carrier=carrier_name(str(data["carrier"])) if data.get("carrier") else None,
                tracking_number=data.get("tracking_number")))
            if e.type == "cancelled":
                cancelled_at = e.at
            if e.type == "delivered":
                delivered_at = delivered_at or e.at

    parcels: list[Parcel] = []
    shipped_units: dict[int, int] = {}
    for s in parcels_rows:
        units = {int(k): int(v) for k, v in (s.units or {}).items() if int(v) > 0}
        for line_no, qty in units.items():
            shipped_units[line_no] = shipped_units.get(line_no, 0) + qty
        scan = latest_scan.get(str(s.tracking_number))
        status, since = (scan[0], scan[1]) if scan else ("handed_over", s.shipped_at)
        parcels.append(Parcel(
            carrier=carrier_name(s.carrier), tracking_number=str(s.tracking_number),
            carrier_url=carrier_tracking_url(s.carrier, str(s.tracking_number)),
            status=status, since=since,
            items=tuple(Item(names.get(n, "?"), q) for n, q in sorted(units.items()))))
    waiting = tuple(Item(names[int(ln.line_no)], int(ln.quantity) - shipped_units.get(
        int(ln.line_no), 0)) for ln in lines
        if int(ln.quantity) > shipped_units.get(int(ln.line_no), 0))

    groups: list[ParcelGroup] = []
    for status in PARCEL_ORDER:
        if status == "preparing":
            if waiting and order.status != "cancelled":
                groups.append(ParcelGroup(status="preparing", items=waiting))
            continue
        members = tuple(p for p in parcels if p.status == status)
        if members:
            groups.append(ParcelGroup(status=status, parcels=members))
    others = tuple(p for p in parcels if p.status not in PARCEL_ORDER)
    if others:
        groups.append(ParcelGroup(status="in_transit", parcels=others))
    if order.status == "cancelled" and not parcels:
        groups = [ParcelGroup(status="cancelled", items=tuple(
            Item(names[int(ln.line_no)], int(ln.quantity)) for ln in lines))]

    actions: list[NextAction] = []
    for p in parcels:
        if p.status in ACTION_STATUSES:
            data = latest_scan[p.tracking_number][2]
            action: str | None = {"available_for_pickup": "collect",
                                  "delivery_attempt_failed": "failed_attempt"}.get(p.status)
            if action is None:
                action = "address" if data.get("exception_reason") == "address" else (
                    "contact_carrier" if data.get("exception_reason") in ("lost", "damaged",
                                                                          "refused") else "")
            if action:
                city = (data.get("location") or {}).get("city")
                actions.append(NextAction(code=action, carrier=p.carrier,
                                          carrier_url=p.carrier_url,
                                          place=str(city) if city else None,
                                          carrier_text=data.get("raw_text")))

    promise = None
    if original is not None and order.status != "cancelled":
        current = revised[-1] if revised else original
        promise = PromiseView(original=window_of(original), current=window_of(current),
                              final=bool(current.get("final")),
                              reason=delay_reason(original, revised, order.status),
                              revision=len(revised))
    checkpoints.sort(key=lambda c: c.at, reverse=True)
    return CustomerView(
        order_number=shown_order_number(order.order_number, str(order.external_id)),
        channel=str(order.channel),
        status=str(order.status),
        placed_at=order.placed_at or order.accepted_at, cancelled_at=cancelled_at,
        delivered_at=delivered_at if order.status == "delivered" or delivered_at else None,
        groups=tuple(groups), promise=promise, checkpoints=tuple(checkpoints),
        actions=tuple(actions), version=max((int(e.id) for e in events), default=0),
        parcels=tuple(parcels))
