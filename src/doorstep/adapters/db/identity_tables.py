"""Credentials and the audit trail: API keys, staff users, their sessions, source secrets.

Nothing here holds a usable credential in the clear except ``source_secrets.secret``:
an HMAC signature can only be checked by someone who knows the secret, so doorstep must
keep it (see SECURITY.md).  API keys and session tokens are 256-bit random values stored
as SHA-256 digests — a slow password hash adds nothing against guessing such values and
would cost milliseconds per request; staff passwords are low-entropy, so they get Argon2id.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.tables import UTC, BigId

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("prefix", String(40), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("channel", String(40), nullable=True),
    Column("created_at", UTC, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("rotated_at", UTC, nullable=True),
    Column("last_used_at", UTC, nullable=True),
    Column("revoked_at", UTC, nullable=True),
)

staff_users = Table(
    "staff_users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("password_changed_at", UTC, nullable=False),
    Column("last_login_at", UTC, nullable=True),
    Column("disabled_at", UTC, nullable=True),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(40), ForeignKey("staff_users.id"), nullable=False, index=True),
    Column("created_at", UTC, nullable=False),
    Column("expires_at", UTC, nullable=False),
    Column("ended_at", UTC, nullable=True),
)

source_secrets = Table(
    "source_secrets",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("source", String(60), nullable=False, index=True),
    Column("secret", String(200), nullable=False),
    Column("created_at", UTC, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("revoked_at", UTC, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTC, nullable=False),
    Column("actor", String(140), nullable=False),
    Column("action", String(60), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("correlation_id", String(100), nullable=True),
    Column("detail", JSON, nullable=False),
    Index("ix_audit_log_object", "object_type", "object_id"),
    Index("ix_audit_log_at", "at"),
)

IDENTITY_TABLES = (api_keys, staff_users, staff_sessions, source_secrets, audit_log)
