"""receiving: suppliers, purchase orders, despatch advices, receiving area, holds, slots

Revision ID: 0014_receiving
Revises: 0012_cockpit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_receiving"
down_revision = "0012_cockpit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suppliers",
        sa.Column("gln", sa.String(length=13), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "over_tolerance_pct",
            sa.Numeric(precision=6, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column(
            "under_tolerance_pct",
            sa.Numeric(precision=6, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column("recadv", sa.String(length=10), server_default="json", nullable=False),
        sa.CheckConstraint(
            "recadv IN ('json', 'edifact')", name=op.f("ck_suppliers_recadv_format")
        ),
        sa.PrimaryKeyConstraint("gln", name=op.f("pk_suppliers")),
    )
    op.create_table(
        "supplier_items",
        sa.Column("gln", sa.String(length=13), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("case_qty", sa.Integer(), server_default="1", nullable=False),
        sa.Column("pallet_qty", sa.Integer(), server_default="0", nullable=False),
        sa.Column("min_shelf_life_days", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lot_pattern", sa.String(length=200), nullable=True),
        sa.Column(
            "storage_category", sa.String(length=32), server_default="general", nullable=False
        ),
        sa.CheckConstraint("case_qty >= 1", name=op.f("ck_supplier_items_case_qty_positive")),
        sa.ForeignKeyConstraint(
            ["gln"], ["suppliers.gln"], name=op.f("fk_supplier_items_gln_suppliers")
        ),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_supplier_items_sku_products")
        ),
        sa.PrimaryKeyConstraint("gln", "sku", name=op.f("pk_supplier_items")),
    )
    op.create_table(
        "asn_sources",
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("profile", name=op.f("pk_asn_sources")),
    )
    op.create_table(
        "purchase_orders",
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("supplier_gln", sa.String(length=13), nullable=False),
        sa.Column("warehouse", sa.String(length=16), nullable=False),
        sa.Column("expected_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'partly_received', 'received', 'closed')",
            name=op.f("ck_purchase_orders_status"),
        ),
        sa.ForeignKeyConstraint(
            ["supplier_gln"],
            ["suppliers.gln"],
            name=op.f("fk_purchase_orders_supplier_gln_suppliers"),
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_purchase_orders")),
    )
    op.create_table(
        "purchase_order_lines",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("pack_size", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("received_units", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "received_units >= 0", name=op.f("ck_purchase_order_lines_received_not_negative")
        ),
        sa.CheckConstraint("units > 0", name=op.f("ck_purchase_order_lines_units_positive")),
        sa.ForeignKeyConstraint(
            ["po_number"],
            ["purchase_orders.number"],
            name=op.f("fk_purchase_order_lines_po_number_purchase_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint("po_number", "line_no", name="uq_purchase_order_lines_po_line"),
    )
    op.create_table(
        "advices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("supplier_gln", sa.String(length=20), nullable=False),
        sa.Column("po_number", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("function", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("despatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advices")),
    )
    op.create_table(
        "advice_lines",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sscc", sa.String(length=20), nullable=True),
        sa.Column("gtin", sa.String(length=20), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("quantity", sa.String(length=20), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("lot", sa.String(length=40), nullable=True),
        sa.Column("best_before", sa.String(length=20), nullable=True),
        sa.Column("weight_g", sa.Integer(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="expected", nullable=False),
        sa.Column("counted", sa.Integer(), nullable=True),
        sa.Column("damaged", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["advice_id"], ["advices.id"], name=op.f("fk_advice_lines_advice_id_advices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advice_lines")),
    )
    op.create_table(
        "receiving_holds",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("advice_line_id", sa.Integer(), nullable=True),
        sa.Column("warehouse", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("gtin", sa.String(length=20), nullable=False),
        sa.Column("sscc", sa.String(length=20), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("original", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), server_default="held", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('held', 'accepted', 'corrected', 'returned', 'written_off')",
            name=op.f("ck_receiving_holds_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receiving_holds")),
    )
    op.create_table(
        "receiving_hold_audit",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hold_id"],
            ["receiving_holds.id"],
            name=op.f("fk_receiving_hold_audit_hold_id_receiving_holds"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receiving_hold_audit")),
    )
    op.create_table(
        "receiving_area",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("advice_line_id", sa.Integer(), nullable=True),
        sa.Column("warehouse", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("lot", sa.String(length=40), nullable=True),
        sa.Column("best_before", sa.String(length=20), nullable=True),
        sa.Column("sscc", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=12), server_default="waiting", nullable=False),
        sa.Column("suggested_location", sa.String(length=32), nullable=True),
        sa.Column("location", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=100), nullable=False),
        sa.Column("put_away_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("put_away_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting', 'put_away')", name=op.f("ck_receiving_area_status")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_receiving_area_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["sku"], ["products.sku"], name=op.f("fk_receiving_area_sku_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receiving_area")),
    )
    op.create_table(
        "received_ssccs",
        sa.Column("sscc", sa.String(length=20), nullable=False),
        sa.Column("advice_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sscc", name=op.f("pk_received_ssccs")),
    )
    op.create_table(
        "location_slots",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column(
            "storage_category", sa.String(length=32), server_default="general", nullable=False
        ),
        sa.Column("max_volume_cm3", sa.Integer(), nullable=False),
        sa.Column("max_weight_g", sa.Integer(), nullable=False),
        sa.Column("fixed_sku", sa.String(length=64), nullable=True),
        sa.Column("mixing_allowed", sa.Boolean(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["code"], ["locations.code"], name=op.f("fk_location_slots_code_locations")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_location_slots")),
    )
    op.create_index("ix_advices_number", "advices", ["supplier_gln", "number"], unique=False)
    op.create_index("ix_advices_po_status", "advices", ["po_number", "status"], unique=False)
    op.create_index(op.f("ix_advice_lines_advice_id"), "advice_lines", ["advice_id"], unique=False)
    op.create_index(op.f("ix_advice_lines_sscc"), "advice_lines", ["sscc"], unique=False)
    op.create_index(
        op.f("ix_receiving_holds_advice_id"), "receiving_holds", ["advice_id"], unique=False
    )
    op.create_index("ix_receiving_holds_status", "receiving_holds", ["status", "id"], unique=False)
    op.create_index(
        op.f("ix_receiving_hold_audit_hold_id"), "receiving_hold_audit", ["hold_id"], unique=False
    )
    op.create_index(
        op.f("ix_receiving_area_advice_id"), "receiving_area", ["advice_id"], unique=False
    )
    op.create_index("ix_receiving_area_status", "receiving_area", ["status", "sku"], unique=False)


def downgrade() -> None:
    op.drop_table("location_slots")
    op.drop_table("received_ssccs")
    op.drop_table("receiving_area")
    op.drop_table("receiving_hold_audit")
    op.drop_table("receiving_holds")
    op.drop_table("advice_lines")
    op.drop_table("advices")
    op.drop_table("purchase_order_lines")
    op.drop_table("purchase_orders")
    op.drop_table("asn_sources")
    op.drop_table("supplier_items")
    op.drop_table("suppliers")
