"""Purchase orders: create or replace by number, import from CSV, track what arrived.

A PO names its supplier by GLN (checked with python-stdnum), its lines by SKU or GTIN,
each with a quantity in ``each``, ``case`` (of N) or ``pallet``; quantities are kept in
base units too.  Replacing a PO is allowed until something was received against it.
A despatch advice that arrived before its PO waits; saving the PO processes it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from doorstep.adapters.db.receiving_tables import (
    purchase_order_lines,
    purchase_orders,
    supplier_items,
    suppliers,
)
from doorstep.adapters.db.tables import products
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.gs1 import gln_problem, gtin14
from doorstep.domain.receiving.model import UNITS, POStatus, PurchaseOrderLine, po_status_after
from doorstep.services.events import utcnow

__all__ = ["POLineIn", "add_received", "close_po", "get_po", "import_po_csv", "save_po"]


@dataclass(frozen=True, slots=True)
class POLineIn:
    quantity: int
    unit: str = "each"
    sku: str | None = None
    gtin: str | None = None
    pack_size: int | None = None


def ensure_supplier(conn: Connection, gln: str, name: str | None = None) -> None:
    problem = gln_problem(gln)
    if problem is not None:
        raise InvalidValue("supplier_gln", problem)
    if conn.execute(select(suppliers.c.gln).where(suppliers.c.gln == gln)).first() is None:
        conn.execute(insert(suppliers).values(gln=gln, name=name or gln))


def _product(conn: Connection, index: int, line: POLineIn) -> tuple[str, str]:
    field = f"lines.{index}"
    if line.sku:
        row = conn.execute(select(products.c.sku, products.c.gtin)
                           .where(products.c.sku == line.sku)).first()
        if row is None:
            raise InvalidValue(f"{field}.sku", f"{line.sku!r} is not in the product master")
        if line.gtin and gtin14(line.gtin) != gtin14(row.gtin):
            raise InvalidValue(f"{field}.gtin", f"{line.gtin} is not the GTIN of {line.sku} "
                                                f"({row.gtin})")
        return str(row.sku), str(row.gtin)
    if line.gtin:
        row = conn.execute(select(products.c.sku, products.c.gtin).where(
            or_(products.c.gtin == line.gtin, products.c.gtin == line.gtin.lstrip("0"),
                products.c.gtin == gtin14(line.gtin)))).first()
        if row is None:
            raise InvalidValue(f"{field}.gtin", f"{line.gtin} is not in the product master")
        return str(row.sku), str(row.gtin)
    raise InvalidValue(field, "a line needs a sku or a gtin")


def _pack_size(conn: Connection, gln: str, sku: str, line: POLineIn, index: int) -> int:
    if line.unit == "each":
        return 1
    if line.pack_size:
        return line.pack_size
    row = conn.execute(select(supplier_items).where(supplier_items.c.gln == gln,
                                                    supplier_items.c.sku == sku)).first()
    size = 0 if row is None else (row.case_qty if line.unit == "case" else row.pallet_qty)
    if not size or (line.unit == "case" and size <= 1):
        raise InvalidValue(f"lines.{index}.pack_size",
                           f"how many units are in a {line.unit} of {sku}? give pack_size "
                           "or set it on the supplier's item")
    return int(size)


def save_po(conn: Connection, number: str, *, supplier_gln: str, warehouse: str,
            expected_on: date | None, lines: Sequence[POLineIn]) -> bool:
    """Create or replace PO ``number``; True when it is new."""
    if not number.strip():
        raise InvalidValue("number", "must not be empty")
    if not lines:
        raise InvalidValue("lines", "a purchase order needs at least one line")
    ensure_supplier(conn, supplier_gln)
    built: list[PurchaseOrderLine] = []
    for index, line in enumerate(lines):
        if line.unit not in UNITS:
            raise InvalidValue(f"lines.{index}.unit", f"{line.unit!r} is not one of "
                                                      f"{', '.join(UNITS)}")
        sku, gtin = _product(conn, index, line)
        built.append(PurchaseOrderLine(index + 1, sku, gtin, line.quantity, line.unit,
                                       _pack_size(conn, supplier_gln, sku, line, index)))
    now = utcnow()
    existing = conn.execute(select(purchase_orders).where(
        purchase_orders.c.number == number)).first()
    if existing is not None:
        received = conn.execute(select(purchase_order_lines.c.id).where(
            purchase_order_lines.c.po_number == number,
            purchase_order_lines.c.received_units > 0)).first()
        if received is not None:
            raise InvalidValue("number", f"purchase order {number} is already partly "
                                         "received; it can no longer be replaced")
        conn.execute(delete(purchase_order_lines).where(
            purchase_order_lines.c.po_number == number))
        conn.execute(update(purchase_orders).where(purchase_orders.c.number == number).values(
            supplier_gln=supplier_gln, warehouse=warehouse, expected_on=expected_on,
            status=POStatus.OPEN.value, updated_at=now))
    else:
        conn.execute(insert(purchase_orders).values(
            number=number, supplier_gln=supplier_gln, warehouse=warehouse,
            expected_on=expected_on, status=POStatus.OPEN.value, created_at=now,
            updated_at=now))
    conn.execute(insert(purchase_order_lines), [
        {"po_number": number, "line_no": ln.line_no, "sku": ln.sku, "gtin": ln.gtin,
         "quantity": ln.quantity, "unit": ln.unit, "pack_size": ln.pack_size,
         "units": ln.units} for ln in built])
    return existing is None


def get_po(conn: Connection, number: str) -> dict[str, Any]:
    row = conn.execute(select(purchase_orders).where(purchase_orders.c.number == number)).first()
    if row is None:
        raise NotFound("purchase order", number)
    lines = conn.execute(select(purchase_order_lines).where(
        purchase_order_lines.c.po_number == number).order_by(purchase_order_lines.c.line_no))
    return {"number": row.number, "supplier_gln": row.supplier_gln, "warehouse": row.warehouse,
            "expected_on": row.expected_on.isoformat() if row.expected_on else None,
            "status": row.status,
            "lines": [{"line_no": ln.line_no, "sku": ln.sku, "gtin": ln.gtin,
                       "quantity": ln.quantity, "unit": ln.unit, "pack_size": ln.pack_size,
                       "units": ln.units, "received_units": ln.received_units}
                      for ln in lines]}


def add_received(conn: Connection, number: str, sku: str, units: int) -> None:
    """Count ``units`` of ``sku`` as received on the PO and move its status on."""
    line = conn.execute(select(purchase_order_lines.c.id).where(
        purchase_order_lines.c.po_number == number, purchase_order_lines.c.sku == sku)
        .order_by(purchase_order_lines.c.line_no)).first()
    if line is not None:
        conn.execute(update(purchase_order_lines).where(purchase_order_lines.c.id == line.id)
                     .values(received_units=purchase_order_lines.c.received_units + units))
    po = conn.execute(select(purchase_orders.c.status).where(
        purchase_orders.c.number == number)).first()
    if po is None:
        return
    totals = conn.execute(select(purchase_order_lines.c.units,
                                 purchase_order_lines.c.received_units)
                          .where(purchase_order_lines.c.po_number == number)).all()
    status = po_status_after(sum(t.units for t in totals),
                             sum(min(t.received_units, t.units) for t in totals), po.status)
    conn.execute(update(purchase_orders).where(purchase_orders.c.number == number)
                 .values(status=status.value, updated_at=utcnow()))


def close_po(conn: Connection, number: str) -> dict[str, Any]:
    """Close PO ``number`` by hand: it expects nothing more (later advices are over)."""
    result = conn.execute(update(purchase_orders).where(purchase_orders.c.number == number)
                          .values(status=POStatus.CLOSED.value, updated_at=utcnow()))
    if result.rowcount != 1:
        raise NotFound("purchase order", number)
    return get_po(conn, number)


def import_po_csv(conn: Connection, text: str, *, warehouse: str) -> list[str]:
    """POs from CSV rows (po_number, supplier_gln, expected_on, sku, gtin, quantity, unit,
    pack_size; rows with the same po_number form one PO); returns the PO numbers."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        grouped.setdefault((row.get("po_number") or "").strip(), []).append(row)
    for number, group in grouped.items():
        head = group[0]
        expected = (head.get("expected_on") or "").strip()
        try:
            expected_on = date.fromisoformat(expected) if expected else None
        except ValueError:
            raise InvalidValue(f"{number}.expected_on", f"{expected!r} is not YYYY-MM-DD") \
                from None
        lines = []
        for index, row in enumerate(group):
            try:
                quantity = int(row.get("quantity") or "")
                pack = int(row["pack_size"]) if (row.get("pack_size") or "").strip() else None
            except ValueError:
                raise InvalidValue(f"{number}.lines.{index}.quantity",
                                   "quantity and pack_size must be whole numbers") from None
            lines.append(POLineIn(quantity=quantity, unit=(row.get("unit") or "each").strip(),
                                  sku=(row.get("sku") or "").strip() or None,
                                  gtin=(row.get("gtin") or "").strip() or None,
                                  pack_size=pack))
        save_po(conn, number, supplier_gln=(head.get("supplier_gln") or "").strip(),
                warehouse=(head.get("warehouse") or "").strip() or warehouse,
                expected_on=expected_on, lines=lines)
    return list(grouped)
