"""The foundation's tables: catalogue, stock, orders, timeline, idempotency and outbox.

Quantities can never go negative and reserved never exceeds on-hand: CHECK constraints
enforce it in the database as a second line behind the service code.
"""

from __future__ import annotations

from datetime import UTC as _UTC
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from doorstep.adapters.db.metadata import metadata

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for long-lived ids.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back timezone-aware datetimes (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(_UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)


UTC = UTCDateTime()
Money = Numeric(14, 4)

products = Table(
    "products",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("gtin", String(14), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("weight_g", Integer, nullable=False),
    Column("length_mm", Integer, nullable=False),
    Column("width_mm", Integer, nullable=False),
    Column("height_mm", Integer, nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("updated_at", UTC, nullable=False),
    CheckConstraint("weight_g > 0", name="weight_positive"),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
)

locations = Table(
    "locations",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("warehouse", String(16), ForeignKey("warehouses.code"), nullable=False),
    Column("zone", String(3), nullable=False),
    Column("aisle", Integer, nullable=False),
    Column("bay", Integer, nullable=False),
    Column("level", Integer, nullable=False),
    Column("bin", Integer, nullable=False),
    Column("kind", String(16), nullable=False, server_default="pick"),
)

stock = Table(
    "stock",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("warehouse", String(16), ForeignKey("warehouses.code"), nullable=False),
    Column("location", String(32), ForeignKey("locations.code"), nullable=False),
    Column("sku", String(64), ForeignKey("products.sku"), nullable=False),
    Column("on_hand", Integer, nullable=False, server_default="0"),
    Column("reserved", Integer, nullable=False, server_default="0"),
    UniqueConstraint("location", "sku", name="uq_stock_location_sku"),
    CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    Index("ix_stock_sku", "sku"),
)

stock_moves = Table(
    "stock_moves",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTC, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("location", String(32), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("order_id", String(40), nullable=True),
    Column("line_id", BigInteger, nullable=True),
    Index("ix_stock_moves_sku_at", "sku", "at"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("external_id", String(100), nullable=False),
    # The number the customer knows from the shop (Shopify "#1001"); NULL when the shop
    # sends none, and then external_id is what the customer sees (migration 0039).
    Column("order_number", String(64), nullable=True),
    Column("channel", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("warehouse", String(16), nullable=True),
    Column("currency", String(3), nullable=False),
    Column("shipping_price", Money, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("carrier_service", String(64), nullable=True),
    Column("customer", JSON, nullable=False),
    Column("shipping_address", JSON, nullable=False),
    Column("placed_at", UTC, nullable=True),
    Column("accepted_at", UTC, nullable=False),
    Column("updated_at", UTC, nullable=False),
    Column("content_hash", String(64), nullable=False),
    UniqueConstraint("channel", "external_id", name="uq_orders_channel_external_id"),
    Index("ix_orders_status_accepted", "status", "accepted_at"),
    Index("ix_orders_order_number", "order_number", "channel"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(40), ForeignKey("orders.id"), nullable=False, index=True),
    Column("line_no", Integer, nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("allocated", Integer, nullable=False, server_default="0"),
    Column("picked", Integer, nullable=False, server_default="0"),
    Column("shipped", Integer, nullable=False, server_default="0"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("allocated >= 0 AND allocated <= quantity", name="allocated_in_range"),
    CheckConstraint("shipped >= 0 AND shipped <= quantity", name="shipped_in_range"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, ForeignKey("order_lines.id"), nullable=False, index=True),
    Column("order_id", String(40), nullable=False, index=True),
    Column("location", String(32), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False),
    Column("at", UTC, nullable=False),
    Column("type", String(40), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_order_events_order_id_id", "order_id", "id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(300), primary_key=True),  # "<credential scope>|<client key>"
    Column("request_hash", String(64), nullable=False),
    Column("order_id", String(40), nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UTC, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("topic", String(60), nullable=False),
    Column("key", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("available_at", UTC, nullable=False),
    Column("processed_at", UTC, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Index("ix_outbox_pending", "processed_at", "id"),
)

processed_messages = Table(
    "processed_messages",
    metadata,
    Column("handler", String(60), primary_key=True),
    Column("message_id", BigInteger, primary_key=True),
    Column("processed_at", UTC, nullable=False),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(40), ForeignKey("orders.id"), nullable=False, index=True),
    Column("carrier", String(40), nullable=False),
    Column("tracking_number", String(64), nullable=False),
    Column("shipped_at", UTC, nullable=False),
    Column("units", JSON, nullable=False),
    UniqueConstraint("carrier", "tracking_number", name="uq_shipments_carrier_tracking"),
    Index("ix_shipments_tracking_number", "tracking_number"),
)

tracking_events = Table(
    "tracking_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("dedup_key", String(300), nullable=False, unique=True),
    Column("dedup_base", String(300), nullable=False, index=True),
    Column("carrier", String(40), nullable=False),
    Column("source", String(40), nullable=False),
    Column("tracking_number", String(64), nullable=False, index=True),
    Column("status", String(40), nullable=False),
    Column("exception_reason", String(40), nullable=True),
    Column("occurred_at", UTC, nullable=False),
    Column("raw_code", String(100), nullable=False),
    Column("raw_text", Text, nullable=True),
    Column("location", JSON, nullable=False),
    Column("order_id", String(40), nullable=True, index=True),
    Column("received_at", UTC, nullable=False),
    # as the carrier reported them: local time's offset, its short label, the parcel weight
    Column("utc_offset_minutes", Integer, nullable=True),
    Column("raw_label", Text, nullable=True),
    Column("weight_g", Integer, nullable=True),
)
