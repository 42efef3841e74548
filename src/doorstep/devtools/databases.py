"""Throw-away PostgreSQL databases for tests and benchmarks.

``CREATE DATABASE`` per run keeps runs independent of each other and of whatever else uses
the server; ``DROP DATABASE … WITH (FORCE)`` removes it even if a killed process left a
session behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, text

from doorstep.bootstrap import normalise_url

__all__ = ["DEFAULT_PG_ADMIN_URL", "bench_database", "fresh_postgres_database",
           "with_application_name"]

DEFAULT_PG_ADMIN_URL = "postgresql://root@127.0.0.1:5432/test"


@contextmanager
def fresh_postgres_database(admin_url: str = DEFAULT_PG_ADMIN_URL, *,
                            prefix: str = "doorstep_tmp") -> Iterator[str]:
    """Create an empty database next to ``admin_url``'s, yield its URL, drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT",
                          connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        parts = urlsplit(normalise_url(admin_url))
        try:
            yield urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def bench_database(stack: ExitStack, db: str, folder: Path, *,
                   admin_url: str = DEFAULT_PG_ADMIN_URL, prefix: str = "doorstep_tmp",
                   sqlite_name: str = "bench.db") -> str:
    """A benchmark's empty database: a fresh PostgreSQL one dropped when ``stack`` closes,
    or (``db`` "sqlite") a file in ``folder``."""
    if db == "postgres":
        return stack.enter_context(fresh_postgres_database(admin_url, prefix=prefix))
    return f"sqlite:///{folder / sqlite_name}"


def with_application_name(url: str, name: str) -> str:
    """``url`` whose PostgreSQL sessions show ``name`` in ``pg_stat_activity``."""
    parts = urlsplit(url)
    query = "&".join(p for p in (parts.query, f"application_name={name}") if p)
    return urlunsplit(parts._replace(query=query))
