"""orders: the shop's own order number as the customer knows it (Shopify "#1001")

Nullable: orders stored before this revision, and shops that send no number of their own,
keep NULL and are shown and found by ``external_id``.  The index serves the customer's
lookup form and the cockpit's search by that number (leading column), per shop (channel).

Revision ID: 0039_order_numbers
Revises: 0038_quarantine_profile_copies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039_order_numbers"
down_revision = "0038_quarantine_profile_copies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN of a nullable column without default: no table rewrite on either database.
    op.add_column("orders", sa.Column("order_number", sa.String(length=64), nullable=True))
    op.create_index("ix_orders_order_number", "orders", ["order_number", "channel"])


def downgrade() -> None:
    op.drop_index("ix_orders_order_number", table_name="orders")
    # In place on both (SQLite >= 3.35 drops an unindexed column itself): a batch copy of
    # ``orders`` would lose the expression index ix_orders_email, which reflection skips.
    op.drop_column("orders", "order_number")
