"""Read side: an order with its lines and one timeline of everything that happened."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from doorstep.adapters.db.tables import order_events, order_lines, orders
from doorstep.domain.errors import NotFound
from doorstep.domain.order_numbers import shown_order_number

# Kept in events written before idempotency keys became per-credential; never shown.
_HIDDEN_EVENT_DATA = frozenset({"idempotency_key"})


def order_view(conn: Connection, order_id: str, *, channel: str | None = None
               ) -> dict[str, Any]:
    """The order, or ``NotFound`` — also when ``channel`` is given and the order is in
    another channel, so a caller limited to one channel learns nothing about the rest."""
    query = select(orders).where(orders.c.id == order_id)
    if channel is not None:
        query = query.where(orders.c.channel == channel)
    order = conn.execute(query).first()
    if order is None:
        raise NotFound("order", order_id)
    lines = conn.execute(select(order_lines).where(order_lines.c.order_id == order_id)
                         .order_by(order_lines.c.line_no)).all()
    events = conn.execute(select(order_events).where(order_events.c.order_id == order_id)
                          .order_by(order_events.c.at, order_events.c.id)).all()
    return {
        "id": order.id,
        "external_id": order.external_id,
        "order_number": shown_order_number(order.order_number, order.external_id),
        "channel": order.channel,
        "status": order.status,
        "warehouse": order.warehouse,
        "currency": order.currency,
        "shipping_price": str(order.shipping_price),
        "priority": order.priority,
        "carrier_service": order.carrier_service,
        "customer": order.customer,
        "shipping_address": order.shipping_address,
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
        "accepted_at": order.accepted_at.isoformat(),
        "lines": [
            {"line_no": ln.line_no, "sku": ln.sku, "name": ln.name, "quantity": ln.quantity,
             "unit_price": str(ln.unit_price), "allocated": ln.allocated, "picked": ln.picked,
             "shipped": ln.shipped}
            for ln in lines
        ],
        "timeline": [
            {"at": e.at.isoformat(), "type": e.type, "actor": e.actor,
             "data": {k: v for k, v in e.data.items() if k not in _HIDDEN_EVENT_DATA}}
            for e in events
        ],
    }
