"""The packing bench: suggest cartons, record parcels, weigh, label, void — in one transaction each.

    pack(order)      the order's picked units → cartons (domain.packing.choose_cartons) →
                     one parcel row per carton with its SSCC; the order moves to *packed*
    weigh(parcel)    the scale's grams against contents + tare → checked, or held + reason
    accept(parcel)   an operator lets a held parcel through, with a note (audited)
    label(parcel)    only a checked parcel: the carrier gateway (karrio) or doorstep's own
                     label; the carrier is called first and, should recording fail, its
                     label is voided again — nothing is half-recorded
    void(parcel)     cancels the carrier label; the parcel is checked again

Every step locks the parcel row, checks ``parcel_states`` and writes a timeline event on the
order, so the customer's page and the operator's order page see the same history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.engine import Row

from doorstep.adapters.db.packing_tables import carton_types, parcels, sscc_counters
from doorstep.adapters.db.tables import order_lines, orders, products
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.order_states import OrderStatus, may_become
from doorstep.domain.packing import (
    CartonType,
    Item,
    Parcel,
    WeightCheck,
    check_weight,
    choose_cartons,
)
from doorstep.domain.packing.parcel_states import ParcelStatus, check_step
from doorstep.domain.packing.sscc import make_sscc
from doorstep.services import order_flow
from doorstep.services.events import record_event, utcnow
from doorstep.services.locking import for_update, locked_order


@dataclass(frozen=True, slots=True)
class LineUnit:
    """One unit of an order line, with the product data packing needs."""

    line_no: int
    item: Item


def put_carton(conn: Connection, warehouse: str, carton: CartonType) -> None:
    """Create or replace a carton type of ``warehouse``."""
    values = {"length_mm": carton.length_mm, "width_mm": carton.width_mm,
              "height_mm": carton.height_mm, "tare_g": carton.tare_g,
              "max_load_g": carton.max_load_g, "cost": carton.cost,
              "weight_tolerance_g": carton.weight_tolerance_g,
              "weight_tolerance_pct": carton.weight_tolerance_pct, "updated_at": utcnow()}
    done = conn.execute(update(carton_types).where(carton_types.c.warehouse == warehouse,
                                                   carton_types.c.code == carton.code)
                        .values(**values))
    if done.rowcount == 0:
        conn.execute(insert(carton_types).values(warehouse=warehouse, code=carton.code,
                                                 **values))


def cartons_of(conn: Connection, warehouse: str) -> list[CartonType]:
    rows = conn.execute(select(carton_types).where(carton_types.c.warehouse == warehouse)
                        .order_by(carton_types.c.cost, carton_types.c.code))
    return [CartonType(r.code, r.length_mm, r.width_mm, r.height_mm, r.tare_g, r.max_load_g,
                       Decimal(r.cost), r.weight_tolerance_g, r.weight_tolerance_pct)
            for r in rows]


def _units_to_pack(conn: Connection, order_id: str) -> list[LineUnit]:
    """The picked, not yet packed units of the order."""
    lines = conn.execute(select(order_lines, products.c.length_mm, products.c.width_mm,
                                products.c.height_mm, products.c.weight_g)
                         .select_from(order_lines.outerjoin(products,
                                                            products.c.sku == order_lines.c.sku))
                         .where(order_lines.c.order_id == order_id)
                         .order_by(order_lines.c.line_no)).all()
    packed = _packed_units(conn, order_id)
    units: list[LineUnit] = []
    for line in lines:
        count = line.picked - packed.get(line.line_no, 0)
        if count <= 0:
            continue
        if line.length_mm is None:
            raise InvalidValue(f"lines[{line.line_no}].sku", f"{line.sku} is not in the "
                               "product master (no dimensions or weight to pack by)")
        item = Item(line.sku, line.length_mm, line.width_mm, line.height_mm, line.weight_g)
        units.extend(LineUnit(line.line_no, item) for _ in range(count))
    return units


def _packed_units(conn: Connection, order_id: str) -> dict[int, int]:
    total: dict[int, int] = {}
    for (contents,) in conn.execute(select(parcels.c.contents)
                                    .where(parcels.c.order_id == order_id)):
        for line_no, qty in contents.items():
            total[int(line_no)] = total.get(int(line_no), 0) + int(qty)
    return total


def suggest(conn: Connection, order_id: str) -> list[Parcel]:
    """The cartons the order's units would go in; nothing is stored."""
    order = conn.execute(select(orders.c.warehouse).where(orders.c.id == order_id)).first()
    if order is None:
        raise NotFound("order", order_id)
    units = _units_to_pack(conn, order_id)
    if not units:
        raise InvalidValue("order", f"{order_id} has no picked units left to pack")
    warehouse = order.warehouse or ""
    return choose_cartons([u.item for u in units], cartons_of(conn, warehouse))


def next_sscc(conn: Connection, company_prefix: str) -> str:
    """A fresh SSCC: the prefix's counter is locked, used and advanced in this transaction."""
    row = conn.execute(for_update(conn, select(sscc_counters).where(
        sscc_counters.c.company_prefix == company_prefix))).first()
    serial = 1 if row is None else row.next_serial
    if row is None:
        conn.execute(insert(sscc_counters).values(company_prefix=company_prefix, next_serial=2))
    else:
        conn.execute(update(sscc_counters).where(
            sscc_counters.c.company_prefix == company_prefix).values(next_serial=serial + 1))
    return make_sscc(company_prefix, serial)


def _contents(units: list[LineUnit], parcel: Parcel) -> dict[str, int]:
    """Which order lines a parcel's items come from (units of one SKU are interchangeable)."""
    contents: dict[str, int] = {}
    for item in parcel.items:
        unit = next(u for u in units if u.item.sku == item.sku)
        units.remove(unit)
        key = str(unit.line_no)
        contents[key] = contents.get(key, 0) + 1
    return contents


def pack(conn: Connection, order_id: str, *, actor: str, company_prefix: str,
         cartons: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Box the order's units as suggested (or in the named cartons) and move it to packed."""
    if not company_prefix:
        raise InvalidValue("gs1_company_prefix", "not configured (DOORSTEP_GS1_COMPANY_PREFIX): "
                           "SSCCs for parcels are built from it")
    order = locked_order(conn, order_id, expect=may_become(OrderStatus.PACKED),
                         step=OrderStatus.PACKED.value)
    units = _units_to_pack(conn, order_id)
    if not units:
        raise InvalidValue("order", f"{order_id} has no picked units left to pack")
    available = cartons_of(conn, order.warehouse or "")
    if cartons is not None:
        wanted = set(cartons)
        unknown = wanted - {c.code for c in available}
        if unknown:
            raise InvalidValue("cartons", f"unknown carton type(s) {sorted(unknown)} for "
                               f"warehouse {order.warehouse}")
        available = [c for c in available if c.code in wanted]
    chosen = choose_cartons([u.item for u in units], available)
    already = conn.execute(select(func.coalesce(func.max(parcels.c.parcel_no), 0))
                           .where(parcels.c.order_id == order_id)).scalar_one()
    now = utcnow()
    stored: list[dict[str, Any]] = []
    for number, parcel in enumerate(chosen, start=already + 1):
        sscc = next_sscc(conn, company_prefix)
        contents = _contents(units, parcel)
        values = {"order_id": order_id, "parcel_no": number, "warehouse": order.warehouse or "",
                  "carton": parcel.carton.code, "sscc": sscc, "contents": contents,
                  "expected_weight_g": parcel.gross_weight_g,
                  "status": ParcelStatus.PLANNED.value, "created_at": now, "updated_at": now}
        parcel_id = conn.execute(insert(parcels).values(**values)
                                 .returning(parcels.c.id)).scalar_one()
        stored.append({"id": parcel_id, **values})
    order_flow.pack(conn, order_id, actor=actor,
                    carton="+".join(p.carton.code for p in chosen))
    return stored


def lock_parcel(conn: Connection, parcel_id: int) -> Row[Any]:
    row = conn.execute(for_update(conn, select(parcels).where(parcels.c.id == parcel_id))).first()
    if row is None:
        raise NotFound("parcel", str(parcel_id))
    return row


def parcel_by_sscc(conn: Connection, sscc: str) -> Row[Any]:
    row = conn.execute(select(parcels).where(parcels.c.sscc == sscc)).first()
    if row is None:
        raise NotFound("parcel", sscc)
    return row


def parcel_items(conn: Connection, parcel: Row[Any]) -> list[Item]:
    lines = {line.line_no: line for line in conn.execute(
        select(order_lines.c.line_no, products.c.sku, products.c.length_mm, products.c.width_mm,
               products.c.height_mm, products.c.weight_g)
        .join(products, products.c.sku == order_lines.c.sku)
        .where(order_lines.c.order_id == parcel.order_id))}
    items: list[Item] = []
    for line_no, qty in parcel.contents.items():
        line = lines[int(line_no)]
        items.extend([Item(line.sku, line.length_mm, line.width_mm, line.height_mm,
                           line.weight_g)] * int(qty))
    return items


def _set(conn: Connection, parcel_id: int, **values: Any) -> None:
    conn.execute(update(parcels).where(parcels.c.id == parcel_id)
                 .values(updated_at=utcnow(), **values))


def weight_check(conn: Connection, parcel: Row[Any], grams: int) -> WeightCheck:
    """What ``grams`` on the scale says about ``parcel`` (a parcels row); records nothing.

    The bench also uses it to explain a held parcel again in the reader's language.
    """
    carton = conn.execute(select(carton_types).where(
        carton_types.c.warehouse == parcel.warehouse,
        carton_types.c.code == parcel.carton)).first()
    if carton is None:
        raise NotFound("carton type", f"{parcel.warehouse}/{parcel.carton}")
    return check_weight(parcel_items(conn, parcel), tare_g=carton.tare_g, measured_g=grams,
                        absolute_g=carton.weight_tolerance_g,
                        percent=carton.weight_tolerance_pct)


def weigh(conn: Connection, parcel_id: int, *, grams: int, actor: str) -> WeightCheck:
    """The scale's reading: within tolerance → checked; otherwise held with the reason."""
    parcel = lock_parcel(conn, parcel_id)
    check_step(str(parcel_id), parcel.status, "weigh")
    result = weight_check(conn, parcel, grams)
    status = ParcelStatus.CHECKED if result.ok else ParcelStatus.HELD
    _set(conn, parcel_id, measured_weight_g=grams, status=status.value,
         hold_reason=None if result.ok else result.verdict.value,
         hold_detail=None if result.ok else result.reason)
    record_event(conn, parcel.order_id, "parcel_weighed" if result.ok else "parcel_held",
                 actor=actor, data={"parcel": parcel.sscc, "measured_g": grams,
                                    "expected_g": result.expected_g,
                                    "tolerance_g": result.tolerance_g,
                                    **({} if result.ok else {"reason": result.verdict.value,
                                                             "detail": result.reason})})
    return result


def accept(conn: Connection, parcel_id: int, *, note: str, actor: str) -> None:
    """Let a held parcel through (an operator checked it by hand), with the reason why."""
    if not note.strip():
        raise InvalidValue("note", "say why the held parcel may go (it is kept in the audit)")
    parcel = lock_parcel(conn, parcel_id)
    check_step(str(parcel_id), parcel.status, "accept")
    _set(conn, parcel_id, status=ParcelStatus.CHECKED.value)
    record_event(conn, parcel.order_id, "parcel_accepted", actor=actor,
                 data={"parcel": parcel.sscc, "held_for": parcel.hold_reason, "note": note})
