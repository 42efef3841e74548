"""Products, warehouses and locations: create or update, validated by the domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from doorstep.adapters.db.tables import locations, products, warehouses
from doorstep.domain.catalogue import LocationCode, Product
from doorstep.domain.errors import NotFound
from doorstep.services.events import utcnow


def upsert_product(conn: Connection, product: Product) -> bool:
    """Create or update; returns True when the product is new."""
    now = utcnow()
    values = {"gtin": product.gtin, "name": product.name, "weight_g": product.weight_g,
              "length_mm": product.length_mm, "width_mm": product.width_mm,
              "height_mm": product.height_mm, "updated_at": now}
    exists = conn.execute(select(products.c.sku).where(products.c.sku == product.sku)).first()
    if exists:
        conn.execute(update(products).where(products.c.sku == product.sku).values(**values))
        return False
    conn.execute(insert(products).values(sku=product.sku, created_at=now, **values))
    return True


def get_product(conn: Connection, sku: str) -> dict[str, Any]:
    row = conn.execute(select(products).where(products.c.sku == sku)).first()
    if row is None:
        raise NotFound("product", sku)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in row._mapping.items()}


def upsert_warehouse(conn: Connection, code: str, name: str, timezone: str) -> None:
    if conn.execute(select(warehouses.c.code).where(warehouses.c.code == code)).first():
        conn.execute(update(warehouses).where(warehouses.c.code == code)
                     .values(name=name, timezone=timezone))
    else:
        conn.execute(insert(warehouses).values(code=code, name=name, timezone=timezone))


def add_locations(conn: Connection, warehouse: str, codes: list[str], kind: str = "pick") -> int:
    """Add the locations that do not exist yet; returns how many were new."""
    if conn.execute(select(warehouses.c.code).where(warehouses.c.code == warehouse)).first() \
            is None:
        raise NotFound("warehouse", warehouse)
    parsed = [LocationCode.parse(c, field=f"codes.{i}") for i, c in enumerate(codes)]
    have = set(conn.execute(select(locations.c.code)
                            .where(locations.c.code.in_([str(p) for p in parsed]))).scalars())
    rows = [{"code": str(p), "warehouse": warehouse, "zone": p.zone, "aisle": p.aisle,
             "bay": p.bay, "level": p.level, "bin": p.bin, "kind": kind}
            for p in parsed if str(p) not in have]
    if rows:
        conn.execute(insert(locations), rows)
    return len(rows)
