"""Harmonised intake (issue 5): quarantine records and their audit trail.

Revision ID: 0002_harmonise
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_harmonise"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantine_records",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("record_key", sa.String(200), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("corrected_payload", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="held"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('order', 'tracking')", name=op.f("ck_quarantine_records_kind")
        ),
        sa.CheckConstraint(
            "status IN ('held', 'released', 'rejected')", name=op.f("ck_quarantine_records_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_records")),
    )
    op.create_index(
        op.f("ix_quarantine_records_status_source"), "quarantine_records", ["status", "source"]
    )
    op.create_index(op.f("ix_quarantine_records_record_key"), "quarantine_records", ["record_key"])
    op.create_table(
        "quarantine_audit",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["quarantine_records.id"],
            name=op.f("fk_quarantine_audit_record_id_quarantine_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine_audit")),
    )
    op.create_index(op.f("ix_quarantine_audit_record_id"), "quarantine_audit", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_quarantine_audit_record_id", table_name="quarantine_audit")
    op.drop_table("quarantine_audit")
    op.drop_index("ix_quarantine_records_record_key", table_name="quarantine_records")
    op.drop_index("ix_quarantine_records_status_source", table_name="quarantine_records")
    op.drop_table("quarantine_records")
