"""cockpit health: order events by type and time (promise health, intake rate)

Revision ID: 0015_cockpit_health
Revises: 0014_receiving
"""

from __future__ import annotations

from alembic import op

revision = "0015_cockpit_health"
down_revision = "0014_receiving"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_order_events_type_at", "order_events", ["type", "at"])


def downgrade() -> None:
    op.drop_index("ix_order_events_type_at", table_name="order_events")
