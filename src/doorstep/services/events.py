"""Recording what happened: timeline events and outbox messages, in the caller's transaction.

Both are written in the same commit as the state change they describe, so the timeline
never disagrees with the order and no effect leaves before the change is durable.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, insert

from doorstep import clock
from doorstep.adapters.db.tables import order_events, outbox


class Topic(StrEnum):
    """Every outbox topic; a handler or subscriber names one of these, never a bare string."""

    ORDER_ACCEPTED = "order.accepted"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_SHIPPED = "order.shipped"
    ORDER_TRACKING = "order.tracking"
    STOCK_AVAILABLE = "stock.available"
    OPERATOR_NOTICE = "operator.notice"
    """Not queued: an operator asked, from the watchlist, to tell the customer of a delay."""


def utcnow() -> datetime:
    """Now on the services' clock (the wall clock unless ``doorstep.clock.use_clock``)."""
    return clock.utcnow()


def record_event(
    conn: Connection,
    order_id: str,
    type_: str,
    *,
    actor: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    conn.execute(
        insert(order_events).values(
            order_id=order_id, at=at or utcnow(), type=type_, actor=actor, data=data or {}
        )
    )


def enqueue(conn: Connection, topic: Topic, key: str, payload: dict[str, Any]) -> None:
    now = utcnow()
    conn.execute(
        insert(outbox).values(
            topic=topic.value, key=key, payload=payload, created_at=now, available_at=now
        )
    )
