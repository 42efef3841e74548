"""The one place that wires settings and engine.

The unit of work everywhere is one SQLAlchemy ``Connection`` in a transaction
(``adapters.db.uow.transaction``); doorstep has no ORM sessions, so the container hands out
the engine and nothing else.

Engines are created here, never at import time, so tests and processes choose their own
database.  SQLite gets WAL journaling and a busy timeout so one writer and many readers
coexist; transactions that change stock use ``BEGIN IMMEDIATE`` (see ``adapters.db.uow``).

Durability: SQLite runs ``synchronous=FULL`` by default, so a commit — and with it a 201 —
survives a power cut, not only a process crash (WAL with ``NORMAL`` may lose the last
commits when the machine stops).  Intake's group commit keeps that to one fsync per batch.
The database file is created ``0600`` (it holds names and addresses); SQLite gives its WAL
and shared-memory files the database file's permissions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url

from doorstep.settings import Settings, load_settings


@dataclass(frozen=True)
class Container:
    settings: Settings
    engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def normalise_url(url: str) -> str:
    """Let users write ``postgresql://``; doorstep talks to PostgreSQL through psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def make_engine(url: str, *, pool_size: int = 10, sqlite_synchronous: str = "FULL") -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if sqlite_synchronous.upper() not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"sqlite_synchronous: {sqlite_synchronous!r} is not one of "
                             f"{', '.join(SQLITE_SYNCHRONOUS)}")
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine, sqlite_synchronous.upper())
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL; None for in-memory and ``file:`` URI databases."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


def _create_private(path: str) -> None:
    """Create ``path`` readable by its owner only, unless it exists (then it is left alone)."""
    if not os.path.exists(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    path = sqlite_file(str(engine.url))

    @event.listens_for(engine, "do_connect")
    def _private_file(*_args: Any) -> None:
        if path is not None:
            _create_private(path)

    # pysqlite's own transaction handling would defer BEGIN; we issue BEGIN ourselves so that
    # write transactions can be BEGIN IMMEDIATE (take the write lock up front, no upgrade
    # deadlocks) — the documented SQLAlchemy recipe.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.info.get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def bootstrap(settings: Settings | None = None) -> Container:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    return Container(settings=settings, engine=engine)
