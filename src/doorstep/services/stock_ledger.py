"""The stock ledger: every change of on-hand or reserved is a move with reason, actor, time.

Quantities change with guarded ``UPDATE … WHERE`` statements (never read-modify-write in
Python), so even a bug above this layer cannot drive stock negative: the guard fails, and
the database's CHECK constraints stand behind the guard.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, insert, select, update

from doorstep.adapters.db.tables import locations, products, stock, stock_moves
from doorstep.domain.errors import InsufficientStock, InvalidValue, NotFound
from doorstep.services.events import Topic, enqueue, utcnow


class MoveKind(StrEnum):
    RECEIPT = "receipt"
    RESERVATION = "reservation"
    RELEASE = "release"
    PICK = "pick"
    ADJUSTMENT = "adjustment"


def log_move(
    conn: Connection,
    kind: MoveKind,
    *,
    sku: str,
    location: str,
    quantity: int,
    reason: str,
    actor: str,
    order_id: str | None = None,
    line_id: int | None = None,
    at: datetime | None = None,
) -> None:
    conn.execute(
        insert(stock_moves).values(
            at=at or utcnow(), kind=kind.value, sku=sku, location=location, quantity=quantity,
            reason=reason, actor=actor, order_id=order_id, line_id=line_id,
        )
    )


def _stock_row_id(conn: Connection, sku: str, location: str) -> int:
    """The stock row for (location, sku), created empty if the pair is new."""
    row = conn.execute(
        select(stock.c.id).where(stock.c.sku == sku, stock.c.location == location)
    ).first()
    if row is not None:
        return int(row.id)
    if conn.execute(select(products.c.sku).where(products.c.sku == sku)).first() is None:
        raise NotFound("product", sku)
    loc = conn.execute(
        select(locations.c.warehouse).where(locations.c.code == location)
    ).first()
    if loc is None:
        raise NotFound("location", location)
    result = conn.execute(
        insert(stock).values(warehouse=loc.warehouse, location=location, sku=sku,
                             on_hand=0, reserved=0)
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def receive(
    conn: Connection, *, sku: str, location: str, quantity: int, reason: str, actor: str
) -> None:
    """Put ``quantity`` units on hand and let backorders for ``sku`` try again."""
    if quantity <= 0:
        raise InvalidValue("quantity", f"{quantity} must be a positive number of units")
    row_id = _stock_row_id(conn, sku, location)
    conn.execute(update(stock).where(stock.c.id == row_id)
                 .values(on_hand=stock.c.on_hand + quantity))
    log_move(conn, MoveKind.RECEIPT, sku=sku, location=location, quantity=quantity,
             reason=reason, actor=actor)
    enqueue(conn, Topic.STOCK_AVAILABLE, sku, {"skus": [sku]})


def adjust(
    conn: Connection, *, sku: str, location: str, delta: int, reason: str, actor: str
) -> None:
    """Correct on-hand by ``delta`` (a count, damage, loss); never below what is reserved."""
    if delta == 0:
        raise InvalidValue("delta", "an adjustment of 0 changes nothing")
    if not reason.strip():
        raise InvalidValue("reason", "an adjustment needs a reason")
    row_id = _stock_row_id(conn, sku, location)
    result = conn.execute(
        update(stock)
        .where(stock.c.id == row_id, stock.c.on_hand + delta >= stock.c.reserved)
        .values(on_hand=stock.c.on_hand + delta)
    )
    if result.rowcount != 1:
        row = conn.execute(select(stock).where(stock.c.id == row_id)).one()
        raise InsufficientStock(sku, location, -delta, row.on_hand - row.reserved)
    log_move(conn, MoveKind.ADJUSTMENT, sku=sku, location=location, quantity=delta,
             reason=reason, actor=actor)
    if delta > 0:
        enqueue(conn, Topic.STOCK_AVAILABLE, sku, {"skus": [sku]})


def reserve(conn: Connection, stock_id: int, quantity: int) -> bool:
    """Reserve ``quantity`` on one stock row if that much is free; False if not."""
    result = conn.execute(
        update(stock)
        .where(stock.c.id == stock_id, stock.c.on_hand - stock.c.reserved >= quantity)
        .values(reserved=stock.c.reserved + quantity)
    )
    return result.rowcount == 1


def unreserve(conn: Connection, *, location: str, sku: str, quantity: int) -> None:
    conn.execute(
        update(stock)
        .where(stock.c.location == location, stock.c.sku == sku, stock.c.reserved >= quantity)
        .values(reserved=stock.c.reserved - quantity)
    )


def take(conn: Connection, *, location: str, sku: str, quantity: int) -> bool:
    """Remove picked units: on-hand and reserved both drop by ``quantity``."""
    result = conn.execute(
        update(stock)
        .where(stock.c.location == location, stock.c.sku == sku,
               stock.c.reserved >= quantity, stock.c.on_hand >= quantity)
        .values(on_hand=stock.c.on_hand - quantity, reserved=stock.c.reserved - quantity)
    )
    return result.rowcount == 1
