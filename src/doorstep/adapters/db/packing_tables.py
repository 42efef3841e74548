"""Goods out: carton types per warehouse, parcels from packing to hand-over, manifests.

A parcel row is the record of one box: what it holds (order line numbers → units), the
carton, its SSCC, what it should weigh and what the scale said, the carrier's tracking
number and label once labelled, and the manifest that closed its day.  ``status`` follows
``domain.packing.parcel_states``; the SSCC serial comes from ``sscc_counters`` under a row
lock so two packing stations never issue one code twice.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.tables import UTC, BigId

carton_types = Table(
    "carton_types",
    metadata,
    Column("warehouse", String(16), primary_key=True),
    Column("code", String(32), primary_key=True),
    Column("length_mm", Integer, nullable=False),
    Column("width_mm", Integer, nullable=False),
    Column("height_mm", Integer, nullable=False),
    Column("tare_g", Integer, nullable=False),
    Column("max_load_g", Integer, nullable=False),
    Column("cost", Numeric(10, 2), nullable=False),
    Column("weight_tolerance_g", Integer, nullable=False, server_default="20"),
    Column("weight_tolerance_pct", Float, nullable=False, server_default="3"),
    Column("updated_at", UTC, nullable=False),
)

sscc_counters = Table(
    "sscc_counters",
    metadata,
    Column("company_prefix", String(10), primary_key=True),
    Column("next_serial", Integer, nullable=False),
)

manifests = Table(
    "manifests",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("carrier", String(40), nullable=False),
    Column("warehouse", String(16), nullable=False),
    Column("closed_at", UTC, nullable=False),
    Column("closed_by", String(100), nullable=False),
    Column("parcels", Integer, nullable=False),
    Column("weight_g", Integer, nullable=False),
    Column("handed_over_at", UTC, nullable=True),
)

parcels = Table(
    "parcels",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(40), ForeignKey("orders.id"), nullable=False),
    Column("parcel_no", Integer, nullable=False),
    Column("warehouse", String(16), nullable=False),
    Column("carton", String(32), nullable=False),
    Column("sscc", String(18), nullable=False),
    Column("contents", JSON, nullable=False),
    Column("expected_weight_g", Integer, nullable=False),
    Column("measured_weight_g", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("hold_reason", String(40), nullable=True),
    Column("hold_detail", Text, nullable=True),
    Column("carrier", String(40), nullable=True),
    Column("service", String(40), nullable=True),
    Column("tracking_number", String(64), nullable=True),
    Column("label_format", String(8), nullable=True),
    Column("label", LargeBinary, nullable=True),
    Column("carrier_shipment_id", String(100), nullable=True),
    Column("labelled_at", UTC, nullable=True),
    Column("manifest_id", BigId, ForeignKey("manifests.id"), nullable=True),
    Column("created_at", UTC, nullable=False),
    Column("updated_at", UTC, nullable=False),
    UniqueConstraint("sscc", name="uq_parcels_sscc"),
    UniqueConstraint("order_id", "parcel_no", name="uq_parcels_order_no"),
    Index("ix_parcels_status", "status"),
    Index("ix_parcels_tracking_number", "tracking_number"),
)
