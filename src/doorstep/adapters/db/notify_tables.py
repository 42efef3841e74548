"""The customer's side: tracking links and the notifications sent about an order.

``tracking_links`` holds the random token of each order's public page (``/track/{token}``);
revoking sets ``revoked_at`` and a new token replaces it.  ``notifications`` is both the
plan and the record of every message: its UNIQUE key (order, parcel, kind, revision,
channel) is what makes "at most one message per order, parcel, kind and promise revision"
hold across workers, retries and crashes; ``message_id`` is fixed when the row is planned, so
a message re-sent after a crash carries the same Message-ID / delivery id.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text, UniqueConstraint

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.tables import UTC, BigId

tracking_links = Table(
    "tracking_links",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("order_id", String(40), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("revoked_at", UTC, nullable=True),
    Index("ix_tracking_links_order_id", "order_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False),
    Column("parcel", String(64), nullable=False, server_default=""),
    Column("kind", String(30), nullable=False),
    Column("revision", String(40), nullable=False, server_default=""),
    Column("channel", String(20), nullable=False),
    Column("status", String(12), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("recipient", String(500), nullable=False),
    Column("language", String(5), nullable=False),
    Column("data", JSON, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("created_at", UTC, nullable=False),
    Column("available_at", UTC, nullable=False),
    Column("sent_at", UTC, nullable=True),
    Column("last_error", Text, nullable=True),
    UniqueConstraint("order_id", "parcel", "kind", "revision", "channel",
                     name="uq_notifications_once"),
    UniqueConstraint("message_id", name="uq_notifications_message_id"),
    Index("ix_notifications_due", "status", "available_at"),
    Index("ix_notifications_order_id", "order_id"),
)
