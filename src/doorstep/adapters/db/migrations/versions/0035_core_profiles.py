"""core: stored scans keep the carrier's UTC offset, raw label and weight; a quarantined
record names the profile it was held under by content hash

Revision ID: 0035_core_profiles
Revises: 0030_packing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035_core_profiles"
down_revision = "0030_packing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tracking_events") as batch:
        batch.add_column(sa.Column("utc_offset_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("raw_label", sa.Text(), nullable=True))
        batch.add_column(sa.Column("weight_g", sa.Integer(), nullable=True))
    with op.batch_alter_table("quarantine_records") as batch:
        batch.add_column(sa.Column("profile_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quarantine_records") as batch:
        batch.drop_column("profile_sha256")
    with op.batch_alter_table("tracking_events") as batch:
        batch.drop_column("weight_g")
        batch.drop_column("raw_label")
        batch.drop_column("utc_offset_minutes")
