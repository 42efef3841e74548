"""Row locks taken in a fixed order, so concurrent stock changes never deadlock.

PostgreSQL: ``SELECT … FOR UPDATE`` ordered by primary key.  SQLite: the whole write
transaction already holds the database's write lock (``BEGIN IMMEDIATE``), so a plain
ordered select is enough there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, select

from doorstep.adapters.db.tables import orders, stock
from doorstep.adapters.db.uow import is_postgres
from doorstep.domain.errors import NotFound


def _for_update(conn: Connection, query: Select[Any]) -> Select[Any]:
    return query.with_for_update() if is_postgres(conn) else query


def lock_order(conn: Connection, order_id: str) -> Row[Any]:
    row = conn.execute(_for_update(conn, select(orders).where(orders.c.id == order_id))).first()
    if row is None:
        raise NotFound("order", order_id)
    return row


def lock_stock(
    conn: Connection, skus: Sequence[str], *, warehouse: str | None = None
) -> list[Row[Any]]:
    query = select(stock).where(stock.c.sku.in_(sorted(set(skus))))
    if warehouse is not None:
        query = query.where(stock.c.warehouse == warehouse)
    return list(conn.execute(_for_update(conn, query.order_by(stock.c.id))))


def for_update(conn: Connection, query: Select[Any]) -> Select[Any]:
    """``query`` with a row lock on PostgreSQL (SQLite's writer lock already serialises)."""
    return _for_update(conn, query)
