"""receiving: supplier webhook secrets move to the issued source secrets (source_secrets)

Revision ID: 0037_receiving_sources
Revises: 0036_auth
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037_receiving_sources"
down_revision = "0036_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Secrets set with the old `doorstep receiving source-secret` carry over as issued
    # secrets of the source "supplier:<profile>", so no supplier has to be re-configured.
    op.execute(
        "INSERT INTO source_secrets (source, secret, created_at, created_by, revoked_at) "
        "SELECT 'supplier:' || profile, secret, created_at, 'migration', NULL FROM asn_sources"
    )
    op.drop_table("asn_sources")


def downgrade() -> None:
    op.create_table(
        "asn_sources",
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("profile", name=op.f("pk_asn_sources")),
    )
