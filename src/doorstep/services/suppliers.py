"""Supplier master data for goods in: tolerances, pack sizes, shelf life, lot formats, and
the putaway properties of locations.  (Webhook secrets are issued per source by
``services.source_secrets``: ``doorstep sources secret --supplier PROFILE``.)"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from doorstep.adapters.db.receiving_tables import (
    location_slots,
    supplier_items,
    suppliers,
)
from doorstep.adapters.db.tables import locations, products
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.gs1 import gln_problem

__all__ = ["set_slot", "set_supplier", "set_supplier_item"]


def set_supplier(conn: Connection, gln: str, *, name: str, over_pct: Decimal = Decimal(0),
                 under_pct: Decimal = Decimal(0), recadv: str = "json") -> dict[str, Any]:
    problem = gln_problem(gln)
    if problem is not None:
        raise InvalidValue("gln", problem)
    if recadv not in ("json", "edifact"):
        raise InvalidValue("recadv", f"{recadv!r} is not json or edifact")
    for field, value in (("over_tolerance_pct", over_pct), ("under_tolerance_pct", under_pct)):
        if not Decimal(0) <= value <= Decimal(100):
            raise InvalidValue(field, f"{value} is not a percentage in 0..100")
    values = {"name": name, "over_tolerance_pct": over_pct, "under_tolerance_pct": under_pct,
              "recadv": recadv}
    if conn.execute(select(suppliers.c.gln).where(suppliers.c.gln == gln)).first() is None:
        conn.execute(insert(suppliers).values(gln=gln, **values))
    else:
        conn.execute(update(suppliers).where(suppliers.c.gln == gln).values(**values))
    return {"gln": gln, **{k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}}


def set_supplier_item(conn: Connection, gln: str, sku: str, *, case_qty: int = 1,
                      pallet_qty: int = 0, min_shelf_life_days: int = 0,
                      lot_pattern: str | None = None,
                      storage_category: str = "general") -> dict[str, Any]:
    if conn.execute(select(suppliers.c.gln).where(suppliers.c.gln == gln)).first() is None:
        raise NotFound("supplier", gln)
    if conn.execute(select(products.c.sku).where(products.c.sku == sku)).first() is None:
        raise NotFound("product", sku)
    if case_qty < 1 or pallet_qty < 0 or min_shelf_life_days < 0:
        raise InvalidValue("case_qty", "pack sizes and shelf life cannot be negative "
                                       "(a case holds at least 1)")
    if lot_pattern:
        try:
            re.compile(lot_pattern)
        except re.error as exc:
            raise InvalidValue("lot_pattern", f"not a regular expression: {exc}") from None
    values = {"case_qty": case_qty, "pallet_qty": pallet_qty,
              "min_shelf_life_days": min_shelf_life_days, "lot_pattern": lot_pattern or None,
              "storage_category": storage_category}
    conn.execute(delete(supplier_items).where(supplier_items.c.gln == gln,
                                              supplier_items.c.sku == sku))
    conn.execute(insert(supplier_items).values(gln=gln, sku=sku, **values))
    return {"gln": gln, "sku": sku, **values}


def set_slot(conn: Connection, code: str, *, storage_category: str = "general",
             max_volume_cm3: int, max_weight_g: int, fixed_sku: str | None = None,
             mixing_allowed: bool = True) -> dict[str, Any]:
    if conn.execute(select(locations.c.code).where(locations.c.code == code)).first() is None:
        raise NotFound("location", code)
    if max_volume_cm3 <= 0 or max_weight_g <= 0:
        raise InvalidValue("max_volume_cm3", "capacity must be positive")
    values = {"storage_category": storage_category, "max_volume_cm3": max_volume_cm3,
              "max_weight_g": max_weight_g, "fixed_sku": fixed_sku,
              "mixing_allowed": mixing_allowed}
    conn.execute(delete(location_slots).where(location_slots.c.code == code))
    conn.execute(insert(location_slots).values(code=code, **values))
    return {"code": code, **values}
