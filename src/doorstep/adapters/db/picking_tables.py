"""Waves and pick tasks: what was released together and what each picker must take."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.tables import UTC, BigId

waves = Table(
    "waves",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("warehouse", String(16), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("batching", String(20), nullable=False),
    Column("routing", String(20), nullable=False),
    Column("total_distance", Float, nullable=False),
    Column("decisions", JSON, nullable=False),
)

pick_tasks = Table(
    "pick_tasks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("wave_id", String(40), ForeignKey("waves.id"), nullable=False),
    Column("batch", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("tote", Integer, nullable=False),
    Column("order_id", String(40), nullable=False, index=True),
    Column("reservation_id", Integer, nullable=False),
    Column("line_id", Integer, nullable=False),
    Column("location", String(32), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("picked", Integer, nullable=True),
    Column("status", String(10), nullable=False, server_default="open"),
    Column("confirmed_at", UTC, nullable=True),
    Column("confirmed_by", String(100), nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("picked IS NULL OR (picked >= 0 AND picked <= quantity)",
                    name="picked_in_range"),
    Index("ix_pick_tasks_wave_batch_seq", "wave_id", "batch", "seq"),
)
