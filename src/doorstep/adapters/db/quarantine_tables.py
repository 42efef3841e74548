"""Quarantine: records that could not be trusted, and every step taken on them.

The store that reads and writes these tables is ``adapters.quarantine_store``; it works on
the same ``Connection`` unit of work as the rest of doorstep (``adapters.db.uow``).
"""

from __future__ import annotations

import sqlalchemy as sa

from doorstep.adapters.db.metadata import metadata

KINDS: tuple[str, ...] = ("order", "tracking")
STATUSES: tuple[str, ...] = ("held", "released", "rejected")

quarantine_records = sa.Table(
    "quarantine_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("record_key", sa.String(200), nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("corrected_payload", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="held"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # the profile the record was held under, by content: a release says when it changed
    sa.Column("profile_sha256", sa.String(64), nullable=True),
    sa.CheckConstraint("kind IN ('order', 'tracking')", name="kind"),
    sa.CheckConstraint("status IN ('held', 'released', 'rejected')", name="status"),
    sa.Index("ix_quarantine_records_status_source", "status", "source"),
    sa.Index("ix_quarantine_records_record_key", "record_key"),
)

quarantine_audit = sa.Table(
    "quarantine_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "record_id",
        sa.Integer,
        sa.ForeignKey("quarantine_records.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

quarantine_profiles = sa.Table(
    "quarantine_profiles",
    metadata,
    # one copy per profile text a record was held under, named by the text's SHA-256, so a
    # release can map the record exactly as it was mapped (records name it by hash)
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("first_held_at", sa.DateTime(timezone=True), nullable=False),
)

QUARANTINE_TABLES = (quarantine_records, quarantine_audit, quarantine_profiles)
