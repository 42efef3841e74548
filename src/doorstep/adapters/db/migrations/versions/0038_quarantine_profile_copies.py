"""quarantine: keep the text of each profile a record was held under, by its SHA-256

Revision ID: 0038_quarantine_profile_copies
Revises: 0037_receiving_sources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038_quarantine_profile_copies"
down_revision = "0037_receiving_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantine_profiles",
        sa.Column("sha256", sa.String(length=64), primary_key=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("first_held_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quarantine_profiles")
