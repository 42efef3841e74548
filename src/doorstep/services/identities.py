"""Turning a presented credential into a ``Principal``: the store the API asks per request.

``DatabaseIdentities`` looks API keys and sessions up by their SHA-256 and remembers each
answer for ``ttl_s`` seconds (2 by default), so a busy client costs one dictionary look-up
per request instead of a query; a revoked key, a disabled user or an ended session in
another process stops working within that time (in this process at once).  When a key was
last used is written at most once a minute per key, from a background thread, so
authentication never waits for the write lock that intake holds.

``MemoryIdentities`` holds fixed tokens — for tests and tools that run the app without the
identity tables.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine, func, select

from doorstep.adapters.db.identity_tables import api_keys, staff_users
from doorstep.adapters.db.uow import transaction
from doorstep.domain.access import Principal
from doorstep.services import api_keys as keys
from doorstep.services import staff
from doorstep.services.events import utcnow

TOUCH_EVERY = timedelta(seconds=60)
_CACHE_LIMIT = 10_000


class IdentityStore(Protocol):
    def by_key(self, secret: str) -> Principal | None: ...

    def by_session(self, token: str) -> Principal | None: ...

    def forget_session(self, token: str) -> None: ...


class _Credential(Protocol):
    def principal(self) -> Principal: ...


C = TypeVar("C", bound=_Credential)


class _TtlCache:
    def __init__(self, ttl_s: float, clock: Callable[[], float]) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._items: dict[str, tuple[float, Principal]] = {}

    def get(self, key: str) -> Principal | None:
        hit = self._items.get(key)
        if hit is None or hit[0] < self.clock():
            return None
        return hit[1]

    def put(self, key: str, principal: Principal) -> None:
        if len(self._items) >= _CACHE_LIMIT:
            self._items.clear()
        self._items[key] = (self.clock() + self.ttl_s, principal)

    def drop(self, key: str) -> None:
        self._items.pop(key, None)


class DatabaseIdentities:
    """Keys and sessions from the database, with a short cache (see module docstring)."""

    def __init__(self, engine: Engine, *, ttl_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self._keys = _TtlCache(ttl_s, clock)
        self._sessions = _TtlCache(ttl_s, clock)
        self._touched: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._writer: ThreadPoolExecutor | None = None

    def by_key(self, secret: str) -> Principal | None:
        return self._look_up(self._keys, keys.digest(secret),
                             lambda conn: keys.key_by_secret(conn, secret),
                             found=lambda key: self._touch(key.id, key.last_used_at))

    def by_session(self, token: str) -> Principal | None:
        return self._look_up(self._sessions, staff.token_digest(token),
                             lambda conn: staff.session_user(conn, token))

    def _look_up(self, cache: _TtlCache, digest: str, find: Callable[[Connection], C | None],
                 *, found: Callable[[C], None] | None = None) -> Principal | None:
        """The cached principal of ``digest``, else the database's (then cached)."""
        cached = cache.get(digest)
        if cached is not None:
            return cached
        with self.engine.connect() as conn:
            credential = find(conn)
        if credential is None:
            return None
        principal = credential.principal()
        cache.put(digest, principal)
        if found is not None:
            found(credential)
        return principal

    def forget_session(self, token: str) -> None:
        self._sessions.drop(staff.token_digest(token))

    def _touch(self, key_id: str, last_used: datetime | None) -> None:
        now = utcnow()
        with self._lock:
            seen = self._touched.get(key_id) or last_used
            if seen is not None and now - seen < TOUCH_EVERY:
                return
            self._touched[key_id] = now
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="doorstep-key-touch")
        self._writer.submit(self._write_touch, key_id, now)

    def _write_touch(self, key_id: str, at: datetime) -> None:
        with transaction(self.engine, write=True) as conn:
            keys.touch_keys(conn, [key_id], at)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None


class MemoryIdentities:
    """Fixed bearer tokens and session tokens → principals (tests, embedded tools)."""

    def __init__(self, keys: Mapping[str, Principal] | None = None,
                 sessions: Mapping[str, Principal] | None = None) -> None:
        self.keys = dict(keys or {})
        self.sessions = dict(sessions or {})

    def by_key(self, secret: str) -> Principal | None:
        return self.keys.get(secret)

    def by_session(self, token: str) -> Principal | None:
        return self.sessions.get(token)

    def forget_session(self, token: str) -> None:
        self.sessions.pop(token, None)


def credentials_exist(engine: Engine) -> bool:
    """Whether any active key or enabled user exists (``serve`` on a network needs one)."""
    with engine.connect() as conn:
        active_keys = conn.execute(select(func.count()).select_from(api_keys)
                                   .where(api_keys.c.revoked_at.is_(None))).scalar_one()
        users = conn.execute(select(func.count()).select_from(staff_users)
                             .where(staff_users.c.disabled_at.is_(None))).scalar_one()
    return bool(active_keys or users)
