"""cockpit: order-search indexes and watchlist marks

Revision ID: 0012_cockpit
Revises: 0003_picking
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_cockpit"
down_revision = "0003_picking"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Same text as doorstep.adapters.db.cockpit_tables.EMAIL_KEY (a migration stays frozen).
EMAIL_KEY = {
    "postgresql": "lower(customer ->> 'email')",
    "sqlite": "lower(json_extract(customer, '$.email'))",
}


def upgrade() -> None:
    op.create_table(
        "watchlist_marks",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), server_default="", nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_marks")),
        sa.UniqueConstraint("order_id", "category", "tracking_number", "since",
                            name="uq_watchlist_marks_problem"),
    )
    op.create_index("ix_watchlist_marks_order", "watchlist_marks", ["order_id"])
    # Keyset pagination newest first, alone and within a channel or a status.
    op.create_index("ix_orders_accepted_id", "orders", ["accepted_at", "id"])
    op.create_index("ix_orders_channel_accepted_id", "orders", ["channel", "accepted_at", "id"])
    op.create_index("ix_orders_external_id", "orders", ["external_id"])
    op.create_index("ix_orders_email", "orders",
                    [sa.text(EMAIL_KEY[op.get_bind().dialect.name])])
    # The watchlist reads open shipments' latest scans and the overview recent shipments.
    op.create_index("ix_shipments_shipped_at", "shipments", ["shipped_at"])
    op.create_index("ix_tracking_events_order_occurred", "tracking_events",
                    ["order_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_tracking_events_order_occurred", table_name="tracking_events")
    op.drop_index("ix_shipments_shipped_at", table_name="shipments")
    op.drop_index("ix_orders_email", table_name="orders")
    op.drop_index("ix_orders_external_id", table_name="orders")
    op.drop_index("ix_orders_channel_accepted_id", table_name="orders")
    op.drop_index("ix_orders_accepted_id", table_name="orders")
    op.drop_index("ix_watchlist_marks_order", table_name="watchlist_marks")
    op.drop_table("watchlist_marks")
