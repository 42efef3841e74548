"""Allocation: reserve stock for accepted orders, first come first served, per warehouse.

Runs in the worker, one order per transaction.  Stock rows are locked in primary-key order
(see ``locking``) and reserved with guarded updates (see ``stock_ledger.reserve``), so fifty
workers or clients racing for the last ten units reserve exactly ten.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from doorstep.adapters.db.tables import order_lines, orders, reservations
from doorstep.domain.allocation import FreeStock, LineNeed, plan_allocation
from doorstep.domain.errors import InvalidTransition
from doorstep.domain.order_states import OrderStatus, check_transition
from doorstep.services.events import record_event, utcnow
from doorstep.services.locking import lock_stock, locked_order
from doorstep.services.stock_ledger import MoveKind, log_move, reserve

ALLOCATABLE = frozenset({OrderStatus.RECEIVED, OrderStatus.BACKORDERED})


def _open_needs(conn: Connection, order_id: str) -> list[LineNeed]:
    rows = conn.execute(
        select(order_lines.c.id, order_lines.c.sku, order_lines.c.quantity,
               order_lines.c.allocated)
        .where(order_lines.c.order_id == order_id,
               order_lines.c.allocated < order_lines.c.quantity)
        .order_by(order_lines.c.line_no)
    )
    return [LineNeed(int(r.id), r.sku, r.quantity - r.allocated) for r in rows]


def _choose_warehouse(order: Row[Any], needs: list[LineNeed], rows: list[Row[Any]]) -> str | None:
    """The order's warehouse if it has one, else the one that can fill most units."""
    if order.warehouse is not None:
        return str(order.warehouse)
    by_warehouse: dict[str, list[FreeStock]] = {}
    for r in rows:
        by_warehouse.setdefault(r.warehouse, []).append(
            FreeStock(r.location, r.sku, r.on_hand - r.reserved))
    if not by_warehouse:
        return None
    wanted = sum(n.wanted for n in needs)

    def filled(code: str) -> int:
        return wanted - sum(plan_allocation(needs, by_warehouse[code]).short.values())

    return max(sorted(by_warehouse), key=filled)


def allocate_order(conn: Connection, order_id: str, *, actor: str = "allocator") -> str:
    """Reserve what is free for ``order_id``; returns the order's status afterwards."""
    try:
        order = locked_order(conn, order_id, expect=ALLOCATABLE, step="allocated")
    except InvalidTransition as exc:
        return exc.current  # already handled, or cancelled meanwhile: nothing to do
    needs = _open_needs(conn, order_id)
    stock_rows = lock_stock(conn, [n.sku for n in needs])
    warehouse = _choose_warehouse(order, needs, stock_rows)
    local = [r for r in stock_rows if r.warehouse == warehouse]
    plan = plan_allocation(
        needs, [FreeStock(r.location, r.sku, r.on_hand - r.reserved) for r in local]
    )
    ids = {(r.location, r.sku): int(r.id) for r in local}
    reserved: list[dict[str, Any]] = []
    for line_id, location, sku, qty in plan.reservations:
        if not reserve(conn, ids[(location, sku)], qty):  # pragma: no cover - rows are locked
            raise RuntimeError(f"stock row {location}/{sku} changed under a held lock")
        conn.execute(insert(reservations).values(
            line_id=line_id, order_id=order_id, location=location, sku=sku, quantity=qty))
        conn.execute(update(order_lines).where(order_lines.c.id == line_id)
                     .values(allocated=order_lines.c.allocated + qty))
        log_move(conn, MoveKind.RESERVATION, sku=sku, location=location, quantity=qty,
                 reason="allocation", actor=actor, order_id=order_id, line_id=line_id)
        reserved.append({"line_id": line_id, "location": location, "sku": sku, "quantity": qty})
    target = OrderStatus.ALLOCATED if plan.complete else OrderStatus.BACKORDERED
    if target.value == order.status and not reserved:
        return str(order.status)  # still waiting for stock; no news for the timeline
    check_transition(order_id, order.status, target)
    conn.execute(update(orders).where(orders.c.id == order_id)
                 .values(status=target.value, warehouse=warehouse, updated_at=utcnow()))
    short = {str(k): v for k, v in plan.short.items()}
    record_event(conn, order_id, target.value, actor=actor,
                 data={"warehouse": warehouse, "reserved": reserved, "short": short})
    return target.value


def allocate_backorders(conn: Connection, skus: Iterable[str]) -> list[str]:
    """Give newly available stock to waiting orders, oldest first; returns the order ids."""
    sku_list = sorted(set(skus))
    waiting = conn.execute(
        select(orders.c.id)
        .where(orders.c.status == OrderStatus.BACKORDERED.value,
               orders.c.id.in_(select(order_lines.c.order_id).where(
                   order_lines.c.sku.in_(sku_list),
                   order_lines.c.allocated < order_lines.c.quantity)))
        .order_by(orders.c.accepted_at, orders.c.id)
    ).scalars().all()
    for order_id in waiting:
        allocate_order(conn, order_id)
    return list(waiting)
