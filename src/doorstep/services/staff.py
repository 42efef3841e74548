"""Staff accounts for the browser: Argon2id passwords, server-side sessions, CSRF tokens.

Passwords are hashed with Argon2id (``argon2-cffi``'s defaults: 3 passes over 64 MiB,
RFC 9106's second recommended setting), re-hashed on log-in when those defaults change.
A log-in for an unknown user hashes a dummy password too, so response time does not tell
which usernames exist.

A session is a 256-bit random token in an HttpOnly cookie; the database keeps only its
SHA-256.  Its CSRF token is ``HMAC(session token, "csrf")``: a page embeds it in each form,
and a cross-site attacker, who can make the browser *send* the cookie but never *read* it,
cannot compute it.  No server-side secret is needed for that, so several processes agree
without sharing one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from doorstep.adapters.db.identity_tables import staff_sessions, staff_users
from doorstep.domain.access import Principal, Role
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.ids import new_id
from doorstep.services.events import utcnow

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.@-]{1,99}$")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("doorstep-dummy-password")


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: str
    username: str
    role: Role
    created_at: datetime
    last_login_at: datetime | None
    disabled_at: datetime | None

    def principal(self) -> Principal:
        return Principal(kind="user", id=self.id, name=self.username, role=self.role)


def _user(m: Mapping[Any, Any]) -> StaffUser:
    return StaffUser(id=m["id"], username=m["username"], role=Role(m["role"]),
                     created_at=m["created_at"], last_login_at=m["last_login_at"],
                     disabled_at=m["disabled_at"])


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidValue("password", f"at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidValue("password", f"at most {MAX_PASSWORD} characters")
    if password != password.strip():
        raise InvalidValue("password", "starts or ends with whitespace (a copy-paste slip?)")


def add_user(conn: Connection, username: str, password: str, role: Role,
             *, now: datetime | None = None) -> StaffUser:
    if not USERNAME_PATTERN.match(username):
        raise InvalidValue("username", "2–100 lower-case letters, digits or _ . @ -")
    if role is Role.INTEGRATION:
        raise InvalidValue("role", "integration is for API keys of a shop, not for people")
    check_password(password)
    if conn.execute(select(staff_users.c.id).where(staff_users.c.username == username)).first():
        raise InvalidValue("username", f"{username!r} exists already")
    now = now or utcnow()
    row = {"id": new_id("usr"), "username": username, "password_hash": _HASHER.hash(password),
           "role": role.value, "created_at": now, "password_changed_at": now,
           "last_login_at": None, "disabled_at": None}
    conn.execute(insert(staff_users).values(**row))
    return _user(row)


def list_users(conn: Connection) -> list[StaffUser]:
    return [_user(r._mapping) for r in conn.execute(
        select(staff_users).order_by(staff_users.c.username))]


def find_user(conn: Connection, username: str) -> StaffUser:
    row = conn.execute(select(staff_users).where(staff_users.c.username == username)).first()
    if row is None:
        raise NotFound("user", username)
    return _user(row._mapping)


def _end_sessions(conn: Connection, user_id: str, now: datetime) -> None:
    conn.execute(update(staff_sessions)
                 .where(staff_sessions.c.user_id == user_id, staff_sessions.c.ended_at.is_(None))
                 .values(ended_at=now))


def disable_user(conn: Connection, username: str, *, now: datetime | None = None) -> StaffUser:
    """Disable the account and end its sessions (it cannot log in again)."""
    user = find_user(conn, username)
    now = now or utcnow()
    if user.disabled_at is None:
        conn.execute(update(staff_users).where(staff_users.c.id == user.id)
                     .values(disabled_at=now))
    _end_sessions(conn, user.id, now)
    return find_user(conn, username)


def set_password(conn: Connection, username: str, password: str,
                 *, now: datetime | None = None) -> StaffUser:
    """A new password; every open session of the user ends."""
    check_password(password)
    user = find_user(conn, username)
    now = now or utcnow()
    conn.execute(update(staff_users).where(staff_users.c.id == user.id).values(
        password_hash=_HASHER.hash(password), password_changed_at=now))
    _end_sessions(conn, user.id, now)
    return user


def authenticate(conn: Connection, username: str, password: str,
                 *, now: datetime | None = None) -> StaffUser | None:
    """The active user if the password matches, else None (same cost either way)."""
    row = conn.execute(select(staff_users).where(staff_users.c.username == username)).first()
    stored = row.password_hash if row is not None else _DUMMY_HASH
    try:
        _HASHER.verify(stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled_at is not None:
        return None
    values: dict[str, Any] = {"last_login_at": now or utcnow()}
    if _HASHER.check_needs_rehash(stored):
        values["password_hash"] = _HASHER.hash(password)
    conn.execute(update(staff_users).where(staff_users.c.id == row.id).values(**values))
    return _user(row._mapping)


# -- sessions ---------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(conn: Connection, user: StaffUser, *, hours: float,
                  now: datetime | None = None) -> str:
    """A new session for ``user``; returns the cookie value (stored only as a digest)."""
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    conn.execute(insert(staff_sessions).values(
        token_hash=token_digest(token), user_id=user.id, created_at=now,
        expires_at=now + timedelta(hours=hours), ended_at=None))
    return token


def session_user(conn: Connection, token: str, *, now: datetime | None = None
                 ) -> StaffUser | None:
    """The active user of a live session, or None (unknown, ended, expired, disabled)."""
    if not token or len(token) > 200:
        return None
    now = now or utcnow()
    row = conn.execute(
        select(staff_users, staff_sessions.c.expires_at)
        .join(staff_sessions, staff_sessions.c.user_id == staff_users.c.id)
        .where(staff_sessions.c.token_hash == token_digest(token),
               staff_sessions.c.ended_at.is_(None),
               staff_users.c.disabled_at.is_(None))).first()
    if row is None or row.expires_at <= now:
        return None
    return _user(row._mapping)


def end_session(conn: Connection, token: str, *, now: datetime | None = None) -> None:
    conn.execute(update(staff_sessions)
                 .where(staff_sessions.c.token_hash == token_digest(token))
                 .values(ended_at=now or utcnow()))


def csrf_for(session_token: str) -> str:
    """The CSRF token that belongs to a session (see the module docstring)."""
    return hmac.new(session_token.encode("utf-8", "surrogatepass"), b"doorstep-csrf",
                    hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, presented: str | None) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(csrf_for(session_token).encode(),
                               presented.encode("utf-8", "replace"))
