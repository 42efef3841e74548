"""packing: carton types, parcels, manifests, SSCC counters

Revision ID: 0030_packing
Revises: 0017_receiving_lookups
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import doorstep.adapters.db.tables

revision = "0030_packing"
down_revision = "0017_receiving_lookups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('carton_types',
    sa.Column('warehouse', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('length_mm', sa.Integer(), nullable=False),
    sa.Column('width_mm', sa.Integer(), nullable=False),
    sa.Column('height_mm', sa.Integer(), nullable=False),
    sa.Column('tare_g', sa.Integer(), nullable=False),
    sa.Column('max_load_g', sa.Integer(), nullable=False),
    sa.Column('cost', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('weight_tolerance_g', sa.Integer(), server_default='20', nullable=False),
    sa.Column('weight_tolerance_pct', sa.Float(), server_default='3', nullable=False),
    sa.Column('updated_at', doorstep.adapters.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('warehouse', 'code', name=op.f('pk_carton_types'))
    )
    op.create_table('manifests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('carrier', sa.String(length=40), nullable=False),
    sa.Column('warehouse', sa.String(length=16), nullable=False),
    sa.Column('closed_at', doorstep.adapters.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_by', sa.String(length=100), nullable=False),
    sa.Column('parcels', sa.Integer(), nullable=False),
    sa.Column('weight_g', sa.Integer(), nullable=False),
    sa.Column('handed_over_at', doorstep.adapters.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_manifests'))
    )
    op.create_table('sscc_counters',
    sa.Column('company_prefix', sa.String(length=10), nullable=False),
    sa.Column('next_serial', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('company_prefix', name=op.f('pk_sscc_counters'))
    )
    op.create_table('parcels',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.String(length=40), nullable=False),
    sa.Column('parcel_no', sa.Integer(), nullable=False),
    sa.Column('warehouse', sa.String(length=16), nullable=False),
    sa.Column('carton', sa.String(length=32), nullable=False),
    sa.Column('sscc', sa.String(length=18), nullable=False),
    sa.Column('contents', sa.JSON(), nullable=False),
    sa.Column('expected_weight_g', sa.Integer(), nullable=False),
    sa.Column('measured_weight_g', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('hold_reason', sa.String(length=40), nullable=True),
    sa.Column('hold_detail', sa.Text(), nullable=True),
    sa.Column('carrier', sa.String(length=40), nullable=True),
    sa.Column('service', sa.String(length=40), nullable=True),
    sa.Column('tracking_number', sa.String(length=64), nullable=True),
    sa.Column('label_format', sa.String(length=8), nullable=True),
    sa.Column('label', sa.LargeBinary(), nullable=True),
    sa.Column('carrier_shipment_id', sa.String(length=100), nullable=True),
    sa.Column('labelled_at', doorstep.adapters.db.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('manifest_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', doorstep.adapters.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', doorstep.adapters.db.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['manifest_id'], ['manifests.id'], name=op.f('fk_parcels_manifest_id_manifests')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_parcels_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parcels')),
    sa.UniqueConstraint('order_id', 'parcel_no', name='uq_parcels_order_no'),
    sa.UniqueConstraint('sscc', name='uq_parcels_sscc')
    )
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.create_index('ix_parcels_status', ['status'], unique=False)
        batch_op.create_index('ix_parcels_tracking_number', ['tracking_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_parcels_tracking_number')
        batch_op.drop_index('ix_parcels_status')

    op.drop_table('parcels')
    op.drop_table('sscc_counters')
    op.drop_table('manifests')
    op.drop_table('carton_types')
