"""Row locks taken in a fixed order, so concurrent changes never deadlock or race.

PostgreSQL: ``SELECT … FOR UPDATE`` ordered by primary key.  SQLite: the whole write
transaction already holds the database's write lock (``BEGIN IMMEDIATE``), so a plain
ordered select is enough there.

Every order step follows one rule — *lock, then read, then check, then write*::

    order = locked_order(conn, order_id, expect=may_become(OrderStatus.PACKED))
    ... read the order's lines, reservations, tasks (nobody can change them now) ...
    ... write ...

Reading first and locking afterwards lets two concurrent steps both pass their checks on
what they read (two pick confirmations of one task, a shipment racing a cancellation).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, select

from doorstep.adapters.db.tables import orders, stock
from doorstep.adapters.db.uow import is_postgres
from doorstep.domain.errors import InvalidTransition, NotFound
from doorstep.domain.order_states import OrderStatus


def for_update(conn: Connection, query: Select[Any]) -> Select[Any]:
    """``query`` locking its rows on PostgreSQL (SQLite's write transaction already does)."""
    return query.with_for_update() if is_postgres(conn) else query


def locked_order(conn: Connection, order_id: str, *, expect: Collection[OrderStatus],
                 step: str) -> Row[Any]:
    """Lock the order's row, then check that its state allows ``step``.

    ``expect`` lists the states the step may start from — derive it from the state machine
    (``may_become(target)``) so the rule is written once.  Raises ``NotFound`` for an
    unknown order and ``InvalidTransition`` (naming the current state) for a wrong one.
    """
    row = conn.execute(for_update(conn, select(orders).where(orders.c.id == order_id))).first()
    if row is None:
        raise NotFound("order", order_id)
    if OrderStatus(row.status) not in expect:
        raise InvalidTransition(order_id, str(row.status), step)
    return row


def lock_stock(
    conn: Connection, skus: Sequence[str], *, warehouse: str | None = None
) -> list[Row[Any]]:
    query = select(stock).where(stock.c.sku.in_(sorted(set(skus))))
    if warehouse is not None:
        query = query.where(stock.c.warehouse == warehouse)
    return list(conn.execute(for_update(conn, query.order_by(stock.c.id))))
