"""Order intake: accept an order durably, exactly once, and fast.

One write transaction stores the order, its lines, the ``received`` event, an
``order.accepted`` outbox message and the idempotency record with the exact response body.
Allocation happens later in the worker, so a burst never makes intake wait for stock locks.

Idempotency rules (``Idempotency-Key``):
  same key, same body      → the original 201 response, replayed
  same key, other body     → ``IdempotencyConflict`` (409)
  new key, but the channel already has this ``external_id`` → ``DuplicateOrder`` (409,
  naming the existing order), so a shop retrying with a fresh key cannot create a twin.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from doorstep.adapters.db.tables import idempotency_keys, order_lines, orders
from doorstep.adapters.db.uow import transaction
from doorstep.domain.errors import DomainError
from doorstep.domain.ids import new_id
from doorstep.domain.order_states import OrderStatus
from doorstep.schemas.orders import OrderIn
from doorstep.services.events import enqueue, record_event, utcnow


class IdempotencyConflict(DomainError):
    def __init__(self, key: str, order_id: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was already used with a different body (order {order_id})"
        )
        self.key = key
        self.order_id = order_id


class DuplicateOrder(DomainError):
    def __init__(self, channel: str, external_id: str, order_id: str) -> None:
        super().__init__(
            f"channel {channel!r} already has an order with external_id {external_id!r}: "
            f"{order_id}"
        )
        self.order_id = order_id


@dataclass(frozen=True)
class IntakeResult:
    order_id: str
    response: dict[str, Any]
    replayed: bool


def request_hash(order: OrderIn) -> str:
    """A stable fingerprint of the request body (canonical JSON, sorted keys)."""
    body = json.dumps(order.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def accept_order(
    engine: Engine, order: OrderIn, idempotency_key: str, *, now: datetime | None = None
) -> IntakeResult:
    """Store ``order`` once under ``idempotency_key`` and return the 201 response body."""
    digest = request_hash(order)
    for _attempt in range(3):
        try:
            with transaction(engine, write=True) as conn:
                existing = _replay(conn, idempotency_key, digest)
                if existing is not None:
                    return existing
                return _insert(conn, order, idempotency_key, digest, now or utcnow())
        except IntegrityError:
            # A concurrent request won the race for this key or external id: read its outcome.
            with transaction(engine) as conn:
                existing = _replay(conn, idempotency_key, digest)
                if existing is not None:
                    return existing
                _raise_if_duplicate(conn, order)
    raise RuntimeError("intake could not settle a concurrent duplicate after 3 attempts")


def _replay(conn: Connection, key: str, digest: str) -> IntakeResult | None:
    row = conn.execute(
        select(idempotency_keys.c.request_hash, idempotency_keys.c.order_id,
               idempotency_keys.c.response).where(idempotency_keys.c.key == key)
    ).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise IdempotencyConflict(key, row.order_id)
    return IntakeResult(order_id=row.order_id, response=row.response, replayed=True)


def _raise_if_duplicate(conn: Connection, order: OrderIn) -> None:
    row = conn.execute(
        select(orders.c.id).where(
            orders.c.channel == order.channel, orders.c.external_id == order.external_id
        )
    ).first()
    if row is not None:
        raise DuplicateOrder(order.channel, order.external_id, row.id)


def _insert(
    conn: Connection, order: OrderIn, key: str, digest: str, now: datetime
) -> IntakeResult:
    _raise_if_duplicate(conn, order)
    order_id = new_id("ord")
    conn.execute(
        insert(orders).values(
            id=order_id,
            external_id=order.external_id,
            channel=order.channel,
            status=OrderStatus.RECEIVED.value,
            currency=order.currency,
            shipping_price=order.shipping_price,
            priority=order.priority,
            carrier_service=order.carrier_service,
            customer=order.customer.model_dump(mode="json"),
            shipping_address=order.shipping_address.model_dump(mode="json"),
            placed_at=order.placed_at,
            accepted_at=now,
            updated_at=now,
            content_hash=digest,
        )
    )
    conn.execute(
        insert(order_lines),
        [
            {
                "order_id": order_id,
                "line_no": n,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for n, line in enumerate(order.lines, start=1)
        ],
    )
    record_event(conn, order_id, "received", actor=f"channel:{order.channel}", at=now,
                 data={"external_id": order.external_id, "idempotency_key": key})
    enqueue(conn, "order.accepted", order_id, {"order_id": order_id})
    response = {
        "id": order_id,
        "external_id": order.external_id,
        "channel": order.channel,
        "status": OrderStatus.RECEIVED.value,
        "accepted_at": now.isoformat(),
        "lines": [
            {"line_no": n, "sku": line.sku, "quantity": line.quantity}
            for n, line in enumerate(order.lines, start=1)
        ],
    }
    conn.execute(
        insert(idempotency_keys).values(
            key=key, request_hash=digest, order_id=order_id, response=response, created_at=now
        )
    )
    return IntakeResult(order_id=order_id, response=response, replayed=False)
