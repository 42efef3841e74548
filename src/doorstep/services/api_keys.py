"""API keys: issued once, stored as a digest, revocable and rotatable.

A key looks like ``dsk_live_7GkQ2…`` — the ``dsk_live_`` marker lets secret scanners and
people recognise it, the next eight characters are its visible *prefix* (listed by
``doorstep keys list`` so a key can be named without showing it), and the whole value
carries ~238 random bits.  Only ``SHA-256(key)`` is stored: guessing a 238-bit value is
hopeless whatever the hash, so a slow password hash would only cost each request
milliseconds (measured in ``tests/unit/foundation/test_api_keys.py``'s docstring and
benchmarks/RESULTS.md).

Rotation keeps the key's id, name, role and channel and replaces its secret; the old value
stops working at once.  Because idempotency keys are remembered per key *id*, a client that
rotates mid-retry still gets its original answers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from doorstep.adapters.db.identity_tables import api_keys
from doorstep.domain.access import Principal, Role
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.ids import new_id
from doorstep.services.events import utcnow

KEY_MARKER = "dsk_live_"
PREFIX_CHARS = 8
_ALPHABET = string.ascii_letters + string.digits
_SECRET_CHARS = 40
CHANNEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.@-]{0,99}$")


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    prefix: str
    name: str
    role: Role
    channel: str | None
    created_at: datetime
    created_by: str
    rotated_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def principal(self) -> Principal:
        return Principal(kind="key", id=self.id, name=self.name, role=self.role,
                         channel=self.channel)


def new_secret() -> str:
    return KEY_MARKER + "".join(secrets.choice(_ALPHABET) for _ in range(_SECRET_CHARS))


def digest(secret: str) -> str:
    """SHA-256 of the presented value: what is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def visible_prefix(secret: str) -> str:
    return secret[: len(KEY_MARKER) + PREFIX_CHARS]


def _key(m: Mapping[Any, Any]) -> ApiKey:
    return ApiKey(id=m["id"], prefix=m["prefix"], name=m["name"], role=Role(m["role"]),
                  channel=m["channel"], created_at=m["created_at"], created_by=m["created_by"],
                  rotated_at=m["rotated_at"], last_used_at=m["last_used_at"],
                  revoked_at=m["revoked_at"])


def check_role_channel(role: Role, channel: str | None) -> None:
    if role is Role.INTEGRATION:
        if not channel:
            raise InvalidValue("channel", "an integration key serves exactly one shop channel; "
                                          "give --channel")
        if not CHANNEL_PATTERN.match(channel):
            raise InvalidValue("channel", "lower-case letters, digits, '_', '.', '-' "
                                          "(at most 40)")
    elif channel:
        raise InvalidValue("channel", f"only integration keys have a channel, not {role}")


def create_key(conn: Connection, *, name: str, role: Role, channel: str | None = None,
               created_by: str, now: datetime | None = None) -> tuple[ApiKey, str]:
    """Store a new key; returns it and its secret (the only time the secret exists)."""
    if not NAME_PATTERN.match(name):
        raise InvalidValue("name", "1–100 letters, digits, spaces or _ . @ -")
    check_role_channel(role, channel)
    secret = new_secret()
    now = now or utcnow()
    row = {"id": new_id("key"), "prefix": visible_prefix(secret), "secret_hash": digest(secret),
           "name": name, "role": role.value, "channel": channel, "created_at": now,
           "created_by": created_by, "rotated_at": None, "last_used_at": None,
           "revoked_at": None}
    conn.execute(insert(api_keys).values(**row))
    return _key(row), secret


def list_keys(conn: Connection, *, include_revoked: bool = False) -> list[ApiKey]:
    query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    return [_key(r._mapping) for r in conn.execute(query)]


def find_key(conn: Connection, ref: str) -> ApiKey:
    """A key by its id or its visible prefix (``dsk_live_XXXXXXXX``)."""
    rows = conn.execute(select(api_keys).where(
        or_(api_keys.c.id == ref, api_keys.c.prefix == ref))).all()
    if len(rows) != 1:
        raise NotFound("api key", ref)
    return _key(rows[0]._mapping)


def revoke_key(conn: Connection, ref: str, *, now: datetime | None = None) -> ApiKey:
    key = find_key(conn, ref)
    if key.revoked_at is None:
        conn.execute(update(api_keys).where(api_keys.c.id == key.id)
                     .values(revoked_at=now or utcnow()))
    return find_key(conn, key.id)


def rotate_key(conn: Connection, ref: str, *, now: datetime | None = None
               ) -> tuple[ApiKey, str]:
    """A new secret for the same key; the old secret stops working."""
    key = find_key(conn, ref)
    if key.revoked_at is not None:
        raise InvalidValue("key", f"{key.prefix} is revoked; create a new key instead")
    secret = new_secret()
    conn.execute(update(api_keys).where(api_keys.c.id == key.id).values(
        prefix=visible_prefix(secret), secret_hash=digest(secret),
        rotated_at=now or utcnow()))
    return find_key(conn, key.id), secret


def key_by_secret(conn: Connection, secret: str) -> ApiKey | None:
    """The active key whose secret this is, or None (unknown, malformed or revoked)."""
    if not secret.startswith(KEY_MARKER) or len(secret) > 200:
        return None
    row = conn.execute(select(api_keys).where(api_keys.c.secret_hash == digest(secret),
                                              api_keys.c.revoked_at.is_(None))).first()
    return None if row is None else _key(row._mapping)


def touch_keys(conn: Connection, ids: list[str], at: datetime) -> None:
    """Record when keys were last used (called at most once a minute per key)."""
    if ids:
        conn.execute(update(api_keys).where(api_keys.c.id.in_(ids)).values(last_used_at=at))
