"""Moving an order along the state machine after allocation, and cancelling it.

Each function is one step a warehouse or carrier reports.  Every step locks the order
first (``locking.locked_order``), then reads what it needs, then checks the state machine,
then writes: stock through the ledger, a timeline event and, where others must react, an
outbox message — all in the caller's transaction.  A step from a wrong state raises
``InvalidTransition`` naming the state (HTTP 409).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from doorstep.adapters.db.tables import (
    order_lines,
    orders,
    reservations,
    shipments,
    stock_moves,
)
from doorstep.domain.errors import InvalidValue
from doorstep.domain.order_states import CANCELLABLE, OrderStatus, check_transition, may_become
from doorstep.services.events import Topic, enqueue, record_event, utcnow
from doorstep.services.locking import locked_order
from doorstep.services.stock_ledger import MoveKind, log_move, receive, take, unreserve
from doorstep.services.tracking_timeline import attach_waiting_events


def _set_status(conn: Connection, order: Row[Any], target: OrderStatus, *, actor: str,
                data: dict[str, object] | None = None) -> None:
    """Write a state change of a *locked* order, checked against the state machine."""
    check_transition(order.id, order.status, target)
    conn.execute(update(orders).where(orders.c.id == order.id)
                 .values(status=target.value, updated_at=utcnow()))
    record_event(conn, order.id, target.value, actor=actor, data=data)


def _move(conn: Connection, order_id: str, target: OrderStatus, *, actor: str,
          data: dict[str, object] | None = None) -> None:
    order = locked_order(conn, order_id, expect=may_become(target), step=target.value)
    _set_status(conn, order, target, actor=actor, data=data)


def cancel(conn: Connection, order_id: str, *, actor: str, reason: str) -> None:
    """Cancel before shipping; reservations go back to free stock and units already
    picked are put back where they were taken from (nothing ships, nothing is lost)."""
    order = locked_order(conn, order_id, expect=CANCELLABLE, step=OrderStatus.CANCELLED.value)
    held = conn.execute(select(reservations).where(reservations.c.order_id == order_id)
                        .order_by(reservations.c.id)).all()
    for r in held:
        unreserve(conn, location=r.location, sku=r.sku, quantity=r.quantity)
        log_move(conn, MoveKind.RELEASE, sku=r.sku, location=r.location, quantity=r.quantity,
                 reason=f"cancelled: {reason}", actor=actor, order_id=order_id,
                 line_id=r.line_id)
    conn.execute(delete(reservations).where(reservations.c.order_id == order_id))
    put_back = _picked_units(conn, order_id)
    for (location, sku), units in put_back.items():
        receive(conn, sku=sku, location=location, quantity=units,
                reason=f"put back: order {order_id} cancelled after picking", actor=actor)
    conn.execute(update(order_lines).where(order_lines.c.order_id == order_id)
                 .values(allocated=0, picked=0))
    _set_status(conn, order, OrderStatus.CANCELLED, actor=actor,
                data={"reason": reason, "released_units": sum(r.quantity for r in held),
                      "put_back_units": sum(put_back.values())})
    enqueue(conn, Topic.ORDER_CANCELLED, order_id, {"order_id": order_id})
    if held:
        skus = sorted({r.sku for r in held})
        enqueue(conn, Topic.STOCK_AVAILABLE, ",".join(skus)[:100], {"skus": skus})


def _picked_units(conn: Connection, order_id: str) -> dict[tuple[str, str], int]:
    """Units this order took from each (location, sku) — its pick moves in the ledger."""
    rows = conn.execute(
        select(stock_moves.c.location, stock_moves.c.sku, func.sum(stock_moves.c.quantity))
        .where(stock_moves.c.order_id == order_id, stock_moves.c.kind == MoveKind.PICK.value)
        .group_by(stock_moves.c.location, stock_moves.c.sku)
        .order_by(stock_moves.c.location, stock_moves.c.sku)).all()
    return {(loc, sku): int(units) for loc, sku, units in rows if units}


def release(conn: Connection, order_id: str, *, actor: str, wave: str | None = None) -> None:
    _move(conn, order_id, OrderStatus.RELEASED, actor=actor, data={"wave": wave})


def backorder(conn: Connection, order_id: str, *, actor: str, reason: str) -> None:
    """Part of the order can no longer be served from stock; it waits for a receipt."""
    _move(conn, order_id, OrderStatus.BACKORDERED, actor=actor, data={"reason": reason})


def start_picking(conn: Connection, order_id: str, *, actor: str) -> None:
    _move(conn, order_id, OrderStatus.PICKING, actor=actor)


def take_picked(conn: Connection, *, order_id: str, line_id: int, location: str, sku: str,
                quantity: int, actor: str, reason: str, field: str,
                at: datetime | None = None) -> None:
    """Take picked units out of stock, record the pick move and count them on the line;
    ``field`` names the input blamed when the location holds less than reserved."""
    if not take(conn, location=location, sku=sku, quantity=quantity):
        raise InvalidValue(field, f"{location} holds less {sku} than reserved")
    log_move(conn, MoveKind.PICK, sku=sku, location=location, quantity=quantity,
             reason=reason, actor=actor, order_id=order_id, line_id=line_id, at=at)
    conn.execute(update(order_lines).where(order_lines.c.id == line_id)
                 .values(picked=order_lines.c.picked + quantity))


PICKABLE = frozenset({OrderStatus.RELEASED, OrderStatus.PICKING})
"""States in which units may be taken for an order (a released order starts picking)."""


def lock_for_picking(conn: Connection, order_id: str, *, actor: str,
                     expect: frozenset[OrderStatus] = PICKABLE) -> Row[Any]:
    """Lock an order that may be picked; a released one moves to ``picking`` first."""
    order = locked_order(conn, order_id, expect=expect, step="picked")
    if order.status == OrderStatus.RELEASED.value:
        _set_status(conn, order, OrderStatus.PICKING, actor=actor)
    return order


def pick_all(conn: Connection, order_id: str, *, actor: str) -> int:
    """Confirm every reservation of the order as picked in full; returns units picked."""
    lock_for_picking(conn, order_id, actor=actor)
    held = conn.execute(select(reservations).where(reservations.c.order_id == order_id)
                        .order_by(reservations.c.id)).all()
    for r in held:
        take_picked(conn, order_id=order_id, line_id=r.line_id, location=r.location,
                    sku=r.sku, quantity=r.quantity, actor=actor, reason="picked",
                    field="location")
    conn.execute(delete(reservations).where(reservations.c.order_id == order_id))
    units = sum(int(r.quantity) for r in held)
    record_event(conn, order_id, "picked", actor=actor, data={"units": units})
    return units


def pack(conn: Connection, order_id: str, *, actor: str, carton: str | None = None) -> None:
    _move(conn, order_id, OrderStatus.PACKED, actor=actor, data={"carton": carton})


SHIPPABLE = may_become(OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED)


def ship(conn: Connection, order_id: str, *, actor: str, carrier: str, tracking_number: str,
         quantities: Mapping[int, int] | None = None) -> OrderStatus:
    """Hand units to a carrier; ``quantities`` maps line_no → units (default: all picked).

    The order is locked before its lines are read (an unknown order is ``NotFound``, a
    wrong state ``InvalidTransition``), and a parcel carries at least one unit.  Carrier
    scans that arrived before this hand-over join the timeline; none of them completes the
    order (a delivery scan without a shipment is held for review instead).
    """
    order = locked_order(conn, order_id, expect=SHIPPABLE, step=OrderStatus.SHIPPED.value)
    lines = conn.execute(select(order_lines).where(order_lines.c.order_id == order_id)
                         .order_by(order_lines.c.line_no)).all()
    by_no = {line.line_no: line for line in lines}
    wanted = dict(quantities) if quantities is not None else {
        line.line_no: line.picked - line.shipped for line in lines}
    for line_no, qty in wanted.items():
        line = by_no.get(line_no)
        if line is None:
            raise InvalidValue(f"quantities.{line_no}", "the order has no such line")
        if qty < 0 or line.shipped + qty > line.picked:
            raise InvalidValue(f"quantities.{line_no}",
                               f"{qty} units exceed the {line.picked - line.shipped} picked")
    if sum(wanted.values()) <= 0:
        raise InvalidValue("quantities", "a shipment carries at least one unit (none is "
                           "picked and not yet shipped)")
    for line_no, qty in wanted.items():
        conn.execute(update(order_lines).where(order_lines.c.id == by_no[line_no].id)
                     .values(shipped=order_lines.c.shipped + qty))
    complete = all(line.shipped + wanted.get(line.line_no, 0) >= line.quantity
                   for line in lines)
    target = OrderStatus.SHIPPED if complete else OrderStatus.PARTIALLY_SHIPPED
    units = {str(k): v for k, v in wanted.items()}
    conn.execute(insert(shipments).values(
        order_id=order_id, carrier=carrier, tracking_number=tracking_number, shipped_at=utcnow(),
        units=units))
    attach_waiting_events(conn, order_id, tracking_number)
    _set_status(conn, order, target, actor=actor,
                data={"carrier": carrier, "tracking_number": tracking_number, "units": units})
    enqueue(conn, Topic.ORDER_SHIPPED, order_id,
            {"order_id": order_id, "carrier": carrier, "tracking_number": tracking_number})
    return target


def deliver(conn: Connection, order_id: str, *, actor: str) -> None:
    _move(conn, order_id, OrderStatus.DELIVERED, actor=actor)
