"""Transactions: the unit of work is one SQLAlchemy ``Connection`` inside ``begin()``.

``write=True`` asks for the write lock up front: ``BEGIN IMMEDIATE`` on SQLite (no
deferred-lock upgrade, so two writers never deadlock; the busy timeout queues them), and on
PostgreSQL the services lock the rows they change with ``SELECT … FOR UPDATE`` in primary-key
order.  Nothing leaves the process before commit: effects go to the outbox table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine


@contextmanager
def transaction(engine: Engine, *, write: bool = False) -> Iterator[Connection]:
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite and write:
            conn.info["sqlite_begin"] = "IMMEDIATE"
        try:
            with conn.begin():
                yield conn
        finally:
            if sqlite:
                conn.info.pop("sqlite_begin", None)


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"
