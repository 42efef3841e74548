"""Which messages an order event calls for: planned in the outbox transaction, sent later.

The outbox worker calls ``plan_notifications`` after its own handler for a topic (the
promise revision is recorded first, so a delay sees the new window)::

    order.accepted   confirmed (with the promise window, if any)
    order.shipped    shipped (per parcel: carrier, tracking number, link) + the shop's
                     fulfilment call; a delay if the hand-over moved the window later
    order.tracking   out_for_delivery / ready_for_pickup / delivered (per parcel);
                     delay when the newest promise revision ends later than every window
                     before it, or — without a promise model — when an exception or a
                     failed attempt arrives
    order.cancelled  cancelled
    operator.notice  a delay notice an operator sends from the watchlist (OperatorNotices)

Each message is one ``notifications`` row per channel (e-mail, webhook, shopify,
woocommerce), inserted with ON CONFLICT DO NOTHING on (order, parcel, kind, revision,
channel): at most one per order, parcel, kind and promise revision, however often the outbox
message is handled.  The row carries everything the message says, and its Message-ID /
delivery id, so a retry after a crash sends the same message again.  Non-urgent kinds wait
for the end of the shop's quiet hours; delays, out-for-delivery and pick-up never wait.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from doorstep.adapters.db.notify_tables import notifications
from doorstep.adapters.db.tables import order_events, order_lines, orders, shipments
from doorstep.domain.carrier_service import carrier_of
from doorstep.domain.carriers_public import carrier_name, carrier_tracking_url
from doorstep.domain.order_numbers import shown_order_number
from doorstep.services.customer_view import delay_reason, window_of
from doorstep.services.events import Topic, record_event, utcnow
from doorstep.services.notify_settings import URGENT, NotifySettings, ShopNotify
from doorstep.services.tracking_links import ensure_token

SCAN_KINDS = {"out_for_delivery": "out_for_delivery", "available_for_pickup": "ready_for_pickup",
              "delivered": "delivered"}
TROUBLE = ("exception", "delivery_attempt_failed")


@dataclass(frozen=True)
class Planned:
    kind: str
    parcel: str
    revision: str
    data: dict[str, Any]


def _windows(conn: Connection, order_id: str) -> list[tuple[int, dict[str, Any]]]:
    rows = conn.execute(select(order_events.c.id, order_events.c.type, order_events.c.data)
                        .where(order_events.c.order_id == order_id,
                               order_events.c.type.in_(("promise", "promise.revised")))
                        .order_by(order_events.c.id)).all()
    return [(int(r.id), dict(r.data or {})) for r in rows]


def _window_data(data: dict[str, Any]) -> dict[str, str]:
    w = window_of(data)
    return {"earliest": w.earliest.isoformat(), "latest": w.latest.isoformat()}


def _delay(windows: list[tuple[int, dict[str, Any]]], status: str) -> Planned | None:
    """A delay for the newest revision if it ends later than every window before it."""
    if len(windows) < 2:
        return None
    *before, (_id, newest) = windows
    if window_of(newest).latest <= max(window_of(d).latest for _i, d in before):
        return None
    original = windows[0][1]
    revised = [d for _i, d in windows[1:]]
    return Planned("delay", "", f"r{len(windows) - 1}", {
        "window": _window_data(newest), "original": _window_data(original),
        "reason": delay_reason(original, revised, status) or "carrier_slower"})


def _latest_scan(conn: Connection, order_id: str, status: str) -> tuple[int, dict[str, Any]]:
    row = conn.execute(select(order_events.c.id, order_events.c.data).where(
        order_events.c.order_id == order_id, order_events.c.type == f"tracking.{status}")
        .order_by(order_events.c.id.desc()).limit(1)).first()
    return (0, {}) if row is None else (int(row.id), dict(row.data or {}))


def _parcel_data(carrier: str, number: str) -> dict[str, Any]:
    return {"carrier": carrier_name(carrier), "carrier_key": carrier_of(carrier),
            "tracking_number": number, "carrier_url": carrier_tracking_url(carrier, number)}


def _parcel_items(conn: Connection, order_id: str, number: str) -> dict[str, Any]:
    """The parcel's units by SKU and its hand-over day (for the shop's fulfilment)."""
    parcel = conn.execute(select(shipments.c.units, shipments.c.shipped_at).where(
        shipments.c.order_id == order_id, shipments.c.tracking_number == number)
        .order_by(shipments.c.id.desc()).limit(1)).first()
    if parcel is None:
        return {"items": []}
    skus = {int(r.line_no): str(r.sku) for r in conn.execute(
        select(order_lines.c.line_no, order_lines.c.sku)
        .where(order_lines.c.order_id == order_id))}
    items = [{"sku": skus.get(int(n), str(n)), "quantity": int(q)}
             for n, q in sorted((parcel.units or {}).items()) if int(q) > 0]
    return {"items": items, "shipped_on": parcel.shipped_at.date().isoformat()}


def due(conn: Connection, topic: str, payload: dict[str, Any], order: Any) -> list[Planned]:
    """The messages ``topic`` calls for (before channels and settings are applied)."""
    order_id = str(order.id)
    windows = _windows(conn, order_id)
    current = _window_data(windows[-1][1]) if windows else None
    wanted: list[Planned] = []
    if topic == Topic.ORDER_ACCEPTED:
        wanted.append(Planned("confirmed", "", "", {"window": current}))
    elif topic == Topic.ORDER_CANCELLED:
        wanted.append(Planned("cancelled", "", "", {}))
    elif topic == Topic.ORDER_SHIPPED:
        number = str(payload.get("tracking_number") or "")
        wanted.append(Planned("shipped", number, "", {
            **_parcel_data(str(payload.get("carrier") or ""), number), "window": current,
            **_parcel_items(conn, order_id, number),
            "complete": order.status in ("shipped", "delivered")}))
    elif topic == Topic.ORDER_TRACKING:
        status = str(payload.get("status") or "")
        event_id, scan = _latest_scan(conn, order_id, status)
        number = str(scan.get("tracking_number") or "")
        parcel = {**_parcel_data(str(scan.get("carrier") or "dhl"), number),
                  "carrier_text": scan.get("raw_text"),
                  "place": (scan.get("location") or {}).get("city")}
        if status in SCAN_KINDS:
            wanted.append(Planned(SCAN_KINDS[status], number, "",
                                  {**parcel, "window": current}))
        delay = _delay(windows, str(order.status))
        if delay is not None:
            wanted.append(Planned(delay.kind, "", delay.revision,
                                  {**delay.data, **parcel}))
        elif status in TROUBLE and event_id:
            reason = str(scan.get("exception_reason") or "other")
            wanted.append(Planned("delay", number, f"x{event_id}", {
                **parcel, "window": current, "original": _window_data(windows[0][1])
                if windows else None, "reason": f"exception:{reason}"}))
        return wanted
    if topic == Topic.OPERATOR_NOTICE:
        wanted.append(Planned("delay", "", f"ops:{payload.get('category')}", {
            "window": current, "original": _window_data(windows[0][1]) if windows else None,
            "reason": str(payload.get("reason") or "exception:delayed")}))
    if topic == Topic.ORDER_SHIPPED:
        delay = _delay(windows, str(order.status))
        if delay is not None:
            wanted.append(delay)
    return wanted


def _insert(conn: Connection, values: dict[str, Any]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(notifications).values(**values).on_conflict_do_nothing())


def _available_at(shop: ShopNotify, kind: str, channel: str, now: datetime,
                  timezone: str) -> datetime:
    if kind in URGENT or channel != "email":
        return now
    return shop.quiet_until(now, timezone) or now


def plan_notifications(conn: Connection, topic: str, payload: dict[str, Any], *,
                       settings: NotifySettings, timezone: str) -> int:
    """Insert the notification rows ``topic`` calls for; returns how many were new."""
    order = conn.execute(select(orders.c.id, orders.c.external_id, orders.c.order_number,
                                orders.c.channel, orders.c.status, orders.c.customer,
                                orders.c.shipping_address)
                         .where(orders.c.id == str(payload.get("order_id")))).first()
    if order is None:
        return 0
    shop = settings.for_channel(str(order.channel))
    wanted = due(conn, topic, payload, order)
    if not wanted:
        return 0
    now = utcnow()
    customer = dict(order.customer or {})
    address = dict(order.shipping_address or {})
    language = shop.language_for(str(address.get("country") or ""))
    token = ensure_token(conn, str(order.id))
    domain = shop.sender.rsplit("@", 1)[-1].strip(" >") or "doorstep.invalid"
    # order_number is what the customer reads (subject, body, webhook); external_id is what
    # the shop's API wants back (fulfilment)
    common = {"order_number": shown_order_number(order.order_number, str(order.external_id)),
              "external_id": str(order.external_id),
              "channel": str(order.channel), "customer_name": customer.get("name") or "",
              "token": token}
    before = conn.execute(select(notifications.c.id).where(
        notifications.c.order_id == str(order.id))).all()
    for item in wanted:
        channels: list[tuple[str, str]] = []
        if item.kind in shop.kinds:
            if shop.email and customer.get("email"):
                channels.append(("email", str(customer["email"])))
            if shop.webhook_url:
                channels.append(("webhook", shop.webhook_url))
        if item.kind == "shipped" and shop.fulfilment:
            channels.append((shop.fulfilment, shop.shopify_shop or shop.woocommerce_url))
        for channel, recipient in channels:
            message_id = (f"<{uuid.uuid4().hex}@{domain}>" if channel == "email"
                          else str(uuid.uuid4()))
            _insert(conn, {
                "order_id": str(order.id), "parcel": item.parcel, "kind": item.kind,
                "revision": item.revision, "channel": channel, "status": "pending",
                "message_id": message_id, "recipient": recipient[:500], "language": language,
                "data": {**common, **item.data, "kind": item.kind}, "attempts": 0,
                "created_at": now,
                "available_at": _available_at(shop, item.kind, channel, now, timezone)})
    after = conn.execute(select(notifications.c.id).where(
        notifications.c.order_id == str(order.id))).all()
    return len(after) - len(before)


# An operator's "tell the customer" from the watchlist becomes a delay notice in the
# customer's words (the watchlist's own "why" is staff language and stays internal).
WATCHLIST_REASONS = {"delayed_dispatch": "handed_over_late", "forgotten": "exception:delayed",
                     "failed_attempt": "exception:recipient_absent",
                     "delayed": "exception:delayed", "exception": "exception:delayed",
                     "lead_time_exceeded": "carrier_slower"}


@dataclass(frozen=True)
class OperatorNotices:
    """The watchlist's ``CustomerNotifier``: one delay notice per order and watchlist category."""

    settings: NotifySettings
    timezone: str

    def notify(self, conn: Connection, *, order_id: str, kind: str, reason: str,
               actor: str) -> dict[str, Any]:
        order = conn.execute(select(orders.c.id, orders.c.status)
                             .where(orders.c.id == order_id)).first()
        if order is None:
            return {"order_id": order_id, "planned": 0}
        customer_reason = WATCHLIST_REASONS.get(kind, "exception:delayed")
        planned = plan_notifications(
            conn, Topic.OPERATOR_NOTICE, {"order_id": order_id, "category": kind,
                                      "reason": customer_reason},
            settings=self.settings, timezone=self.timezone)
        record_event(conn, order_id, "notification.requested", actor=actor,
                     data={"category": kind, "reason": customer_reason, "planned": planned})
        return {"order_id": order_id, "planned": planned, "reason": customer_reason}
