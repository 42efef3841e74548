"""customer transparency: tracking links and notifications

Revision ID: 0016_customer_notify
Revises: 0015_cockpit_health
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_customer_notify"
down_revision = "0015_cockpit_health"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tracking_links",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_tracking_links")),
    )
    op.create_index("ix_tracking_links_order_id", "tracking_links", ["order_id"])
    op.create_table(
        "notifications",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("parcel", sa.String(length=64), server_default="", nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("revision", sa.String(length=40), server_default="", nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("order_id", "parcel", "kind", "revision", "channel",
                            name="uq_notifications_once"),
        sa.UniqueConstraint("message_id", name="uq_notifications_message_id"),
    )
    op.create_index("ix_notifications_due", "notifications", ["status", "available_at"])
    op.create_index("ix_notifications_order_id", "notifications", ["order_id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_order_id", table_name="notifications")
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_tracking_links_order_id", table_name="tracking_links")
    op.drop_table("tracking_links")
