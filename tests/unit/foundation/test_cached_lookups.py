"""Files and credentials doorstep reads per request are read once and cached: the model and
staffing-plan files until they change, keys and sessions for a short time."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, event

from doorstep.adapters.db.uow import transaction
from doorstep.bootstrap import make_engine
from doorstep.domain.access import Role
from doorstep.services import api_keys, staff
from doorstep.services.identities import DatabaseIdentities
from doorstep.services.order_promises import FileCache


def test_a_file_is_read_once_and_again_only_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    reads: list[str] = []
    cache = FileCache(str(path), lambda p: reads.append(p.read_text()) or p.read_text())
    assert cache.get() is None  # no file yet: nothing, and no read
    path.write_text("one")
    assert (cache.get(), cache.get()) == ("one", "one")
    path.write_text("two")
    os.utime(path, ns=(1, 10**18))  # a modification time unlike the first
    assert cache.get() == "two"
    assert reads == ["one", "two"]


def queries(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(str(args[2])))
    return seen


def test_a_key_and_a_session_are_looked_up_once_within_the_cache_time(
        migrated_sqlite_url: str) -> None:
    engine = make_engine(migrated_sqlite_url)
    with transaction(engine, write=True) as conn:
        _, secret = api_keys.create_key(conn, name="shop", role=Role.OPERATOR, created_by="test")
        user = staff.add_user(conn, "ana", "a long enough password", Role.OPERATOR)
        token = staff.start_session(conn, user, hours=1)
    now = [0.0]
    identities = DatabaseIdentities(engine, ttl_s=2.0, clock=lambda: now[0])
    seen = queries(engine)
    try:
        first, again = identities.by_key(secret), identities.by_key(secret)
        assert first is not None and again == first
        assert (identities.by_session(token), identities.by_session(token)) == (
            user.principal(),
            user.principal(),
        )
        assert identities.by_key(api_keys.new_secret()) is None
        identities.close()  # the key's last use is written, once
        looked_up = [q for q in seen if q.lstrip().upper().startswith("SELECT")]
        assert len(looked_up) == 3  # key, session, the unknown key: each once
        assert sum("UPDATE api_keys" in q for q in seen) == 1
        now[0] = 5.0  # past the cache time: asked again
        identities.by_key(secret)
        assert len([q for q in seen if q.lstrip().upper().startswith("SELECT")]) == 4
    finally:
        identities.close()
        engine.dispose()
