"""picking: waves and pick tasks

Revision ID: 0003_picking
Revises: 0002_harmonise
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_picking"
down_revision = "0002_harmonise"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "waves",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("warehouse", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("batching", sa.String(length=20), nullable=False),
        sa.Column("routing", sa.String(length=20), nullable=False),
        sa.Column("total_distance", sa.Float(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waves")),
    )
    op.create_table(
        "pick_tasks",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("wave_id", sa.String(length=40), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("tote", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=32), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("picked", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="open", nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_pick_tasks_quantity_positive")),
        sa.CheckConstraint("picked IS NULL OR (picked >= 0 AND picked <= quantity)",
                           name=op.f("ck_pick_tasks_picked_in_range")),
        sa.ForeignKeyConstraint(["wave_id"], ["waves.id"],
                                name=op.f("fk_pick_tasks_wave_id_waves")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_tasks")),
    )
    op.create_index(op.f("ix_pick_tasks_order_id"), "pick_tasks", ["order_id"], unique=False)
    op.create_index("ix_pick_tasks_wave_batch_seq", "pick_tasks", ["wave_id", "batch", "seq"],
                    unique=False)


def downgrade() -> None:
    op.drop_table("pick_tasks")
    op.drop_table("waves")
