"""Putaway from the receiving area: suggest a slot, confirm it by scanning the location.

Stock becomes available only at confirmation: ``stock_ledger.receive`` puts the units on
hand at the scanned location and enqueues ``stock.available``, which the worker turns into
allocations of waiting backorders (the same path as any other receipt).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from doorstep.adapters.db.receiving_tables import location_slots, receiving_area, supplier_items
from doorstep.adapters.db.tables import locations, order_lines, orders, products, stock
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.picking.layout import Layout
from doorstep.domain.receiving.putaway import Slot, depot_distance, suggest_slot, velocity_ranks
from doorstep.services import stock_ledger
from doorstep.services.events import utcnow

__all__ = ["confirm_putaway", "recent_order_skus", "suggest_putaway"]


def recent_order_skus(conn: Connection, *, weeks: int, now: datetime) -> list[list[str]]:
    """The SKUs of each order accepted in the last ``weeks`` weeks (velocity source)."""
    since = now - timedelta(weeks=weeks)
    rows = conn.execute(select(order_lines.c.order_id, order_lines.c.sku)
                        .join(orders, orders.c.id == order_lines.c.order_id)
                        .where(orders.c.accepted_at >= since)).all()
    by_order: dict[str, list[str]] = {}
    for r in rows:
        by_order.setdefault(r.order_id, []).append(r.sku)
    return list(by_order.values())


def _slots(conn: Connection, warehouse: str, layout: Layout) -> list[Slot]:
    rows = conn.execute(select(locations.c.code, location_slots)
                        .join(location_slots, location_slots.c.code == locations.c.code,
                              isouter=True)
                        .where(locations.c.warehouse == warehouse,
                               locations.c.kind == "pick")).all()
    contents = conn.execute(select(stock.c.location, stock.c.sku, stock.c.on_hand,
                                   products.c.weight_g, products.c.length_mm,
                                   products.c.width_mm, products.c.height_mm)
                            .join(products, products.c.sku == stock.c.sku)
                            .where(stock.c.warehouse == warehouse, stock.c.on_hand > 0)).all()
    slots: dict[str, Slot] = {}
    for r in rows:
        try:
            distance = depot_distance(layout, r.code)
        except ValueError:
            continue  # a location the layout does not know cannot be walked to
        slots[r.code] = Slot(
            r.code, distance, r.storage_category or "general",
            float(r.max_volume_cm3) if r.max_volume_cm3 is not None else float("inf"),
            float(r.max_weight_g) if r.max_weight_g is not None else float("inf"),
            r.fixed_sku, bool(r.mixing_allowed) if r.mixing_allowed is not None else True)
    for c in contents:
        slot = slots.get(c.location)
        if slot is not None:
            slot.skus.add(c.sku)
            slot.used_weight_g += c.on_hand * c.weight_g
            slot.used_volume_cm3 += c.on_hand * c.length_mm * c.width_mm * c.height_mm / 1000
    return list(slots.values())


def suggest_putaway(conn: Connection, area_id: int, layout: Layout, *,
                    now: datetime | None = None, weeks: int = 4) -> dict[str, Any]:
    now = now or utcnow()
    row = conn.execute(select(receiving_area).where(receiving_area.c.id == area_id)).first()
    if row is None:
        raise NotFound("receiving-area entry", str(area_id))
    product = conn.execute(select(products).where(products.c.sku == row.sku)).one()
    category = conn.execute(select(supplier_items.c.storage_category).where(
        supplier_items.c.sku == row.sku)).scalars().first() or "general"
    ranks = velocity_ranks(recent_order_skus(conn, weeks=weeks, now=now))
    slot = suggest_slot(row.sku, category=category,
                        volume_cm3=product.length_mm * product.width_mm * product.height_mm
                        / 1000, weight_g=product.weight_g,
                        slots=_slots(conn, row.warehouse, layout), rank=ranks.get(row.sku))
    suggestion = slot.code if slot is not None else None
    conn.execute(update(receiving_area).where(receiving_area.c.id == area_id)
                 .values(suggested_location=suggestion))
    return {"area_id": area_id, "sku": row.sku, "quantity": row.quantity,
            "suggested_location": suggestion, "velocity_rank": ranks.get(row.sku),
            "storage_category": category}


def confirm_putaway(conn: Connection, area_id: int, location: str, *, actor: str,
                    now: datetime | None = None) -> dict[str, Any]:
    """The picker scanned ``location``: the units go on hand there and become available."""
    now = now or utcnow()
    result = conn.execute(update(receiving_area).where(
        receiving_area.c.id == area_id, receiving_area.c.status == "waiting").values(
        status="put_away", location=location, put_away_at=now, put_away_by=actor))
    if result.rowcount != 1:
        row = conn.execute(select(receiving_area.c.status).where(
            receiving_area.c.id == area_id)).first()
        if row is None:
            raise NotFound("receiving-area entry", str(area_id))
        raise InvalidValue("area_id", f"entry {area_id} is {row.status}, not waiting")
    row = conn.execute(select(receiving_area).where(receiving_area.c.id == area_id)).one()
    stock_ledger.receive(conn, sku=row.sku, location=location, quantity=row.quantity,
                         reason=f"putaway of advice {row.advice_id}", actor=actor)
    return {"area_id": area_id, "sku": row.sku, "quantity": row.quantity,
            "location": location, "suggested_location": row.suggested_location}
