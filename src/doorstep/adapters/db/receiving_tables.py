"""Goods in: suppliers, purchase orders, despatch advices, the receiving area and holds.

Received units wait in ``receiving_area`` (not in ``stock``) until a picker confirms their
putaway by scanning the location: allocation reads ``stock`` only, so nothing in the
receiving area or on hold can be promised.  Held lines keep their reasons and the
original advised data; every decision on a hold is a row in ``receiving_hold_audit``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.tables import UTC, BigId

suppliers = Table(
    "suppliers", metadata,
    Column("gln", String(13), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("over_tolerance_pct", Numeric(6, 2), nullable=False, server_default="0"),
    Column("under_tolerance_pct", Numeric(6, 2), nullable=False, server_default="0"),
    Column("recadv", String(10), nullable=False, server_default="json"),
    CheckConstraint("recadv IN ('json', 'edifact')", name="recadv_format"),
)

supplier_items = Table(
    "supplier_items", metadata,
    Column("gln", String(13), ForeignKey("suppliers.gln"), primary_key=True),
    Column("sku", String(64), ForeignKey("products.sku"), primary_key=True, index=True),
    Column("case_qty", Integer, nullable=False, server_default="1"),
    Column("pallet_qty", Integer, nullable=False, server_default="0"),
    Column("min_shelf_life_days", Integer, nullable=False, server_default="0"),
    Column("lot_pattern", String(200), nullable=True),
    Column("storage_category", String(32), nullable=False, server_default="general"),
    CheckConstraint("case_qty >= 1", name="case_qty_positive"),
)

purchase_orders = Table(
    "purchase_orders", metadata,
    Column("number", String(64), primary_key=True),
    Column("supplier_gln", String(13), ForeignKey("suppliers.gln"), nullable=False),
    Column("warehouse", String(16), nullable=False),
    Column("expected_on", Date, nullable=True),
    Column("status", String(20), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("updated_at", UTC, nullable=False),
    CheckConstraint("status IN ('open', 'partly_received', 'received', 'closed')",
                    name="status"),
)

purchase_order_lines = Table(
    "purchase_order_lines", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("po_number", String(64), ForeignKey("purchase_orders.number"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("gtin", String(14), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit", String(10), nullable=False),
    Column("pack_size", Integer, nullable=False),
    Column("units", Integer, nullable=False),
    Column("received_units", Integer, nullable=False, server_default="0"),
    UniqueConstraint("po_number", "line_no", name="uq_purchase_order_lines_po_line"),
    CheckConstraint("units > 0", name="units_positive"),
    CheckConstraint("received_units >= 0", name="received_not_negative"),
)

advices = Table(
    "advices", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("number", String(64), nullable=False),
    Column("supplier_gln", String(20), nullable=False),
    Column("po_number", String(64), nullable=False),
    Column("profile", String(64), nullable=False),
    Column("function", String(10), nullable=False),
    Column("status", String(20), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("despatched_at", UTC, nullable=True),
    Column("replaced_by", Integer, nullable=True),
    Column("created_at", UTC, nullable=False),
    Column("updated_at", UTC, nullable=False),
    Index("ix_advices_number", "supplier_gln", "number"),
    Index("ix_advices_po_status", "po_number", "status"),
)

advice_lines = Table(
    "advice_lines", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("advice_id", Integer, ForeignKey("advices.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("sscc", String(20), nullable=True, index=True),
    Column("gtin", String(20), nullable=False),
    Column("sku", String(64), nullable=True),
    Column("quantity", String(20), nullable=False),
    Column("unit", String(10), nullable=False),
    Column("units", Integer, nullable=True),
    Column("lot", String(40), nullable=True),
    Column("best_before", String(20), nullable=True),
    Column("weight_g", Integer, nullable=True),
    Column("findings", JSON, nullable=False),
    Column("status", String(12), nullable=False, server_default="expected"),
    Column("counted", Integer, nullable=True),
    Column("damaged", Integer, nullable=True),
)

receiving_holds = Table(
    "receiving_holds", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("advice_id", Integer, nullable=False, index=True),
    Column("advice_line_id", Integer, nullable=True),
    Column("warehouse", String(16), nullable=False),
    Column("sku", String(64), nullable=True),
    Column("gtin", String(20), nullable=False),
    Column("sscc", String(20), nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("original", JSON, nullable=False),
    Column("status", String(12), nullable=False, server_default="held"),
    Column("note", Text, nullable=True),
    Column("created_at", UTC, nullable=False),
    Column("updated_at", UTC, nullable=False),
    CheckConstraint("status IN ('held', 'accepted', 'corrected', 'returned', 'written_off')",
                    name="status"),
    Index("ix_receiving_holds_status", "status", "id"),
)

receiving_hold_audit = Table(
    "receiving_hold_audit", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("hold_id", Integer, ForeignKey("receiving_holds.id"), nullable=False, index=True),
    Column("action", String(20), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("note", Text, nullable=True),
    Column("data", JSON, nullable=True),
    Column("at", UTC, nullable=False),
)

receiving_area = Table(
    "receiving_area", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("advice_id", Integer, nullable=False, index=True),
    Column("advice_line_id", Integer, nullable=True),
    Column("warehouse", String(16), nullable=False),
    Column("sku", String(64), ForeignKey("products.sku"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("lot", String(40), nullable=True),
    Column("best_before", String(20), nullable=True),
    Column("sscc", String(20), nullable=True),
    Column("status", String(12), nullable=False, server_default="waiting"),
    Column("suggested_location", String(32), nullable=True),
    Column("location", String(32), nullable=True),
    Column("received_at", UTC, nullable=False),
    Column("received_by", String(100), nullable=False),
    Column("put_away_at", UTC, nullable=True),
    Column("put_away_by", String(100), nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("status IN ('waiting', 'put_away')", name="status"),
    Index("ix_receiving_area_status", "status", "sku"),
)

received_ssccs = Table(
    "received_ssccs", metadata,
    Column("sscc", String(20), primary_key=True),
    Column("advice_id", Integer, nullable=False),
    Column("at", UTC, nullable=False),
)

location_slots = Table(
    "location_slots", metadata,
    Column("code", String(32), ForeignKey("locations.code"), primary_key=True),
    Column("storage_category", String(32), nullable=False, server_default="general"),
    Column("max_volume_cm3", Integer, nullable=False),
    Column("max_weight_g", Integer, nullable=False),
    Column("fixed_sku", String(64), nullable=True),
    Column("mixing_allowed", Boolean, nullable=False, server_default="1"),
)

RECEIVING_TABLES = (suppliers, supplier_items, purchase_orders,
                    purchase_order_lines, advices, advice_lines, receiving_holds,
                    receiving_hold_audit, receiving_area, received_ssccs, location_slots)
