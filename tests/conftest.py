"""Test-wide fixtures: PostgreSQL availability policy and fresh databases.

PostgreSQL tests skip with a clear message when no server answers — except under
``CI=true``, where a missing server is a failure, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

PG_ADMIN_URL = os.environ.get(
    "DOORSTEP_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


def require_postgres() -> None:
    reason = postgres_available()
    if reason is None:
        return
    message = f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({reason})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; under CI=true the PostgreSQL tests must run")
    pytest.skip(f"{message}; start it or set DOORSTEP_TEST_PG_URL to run these tests")


def _admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of a brand-new, empty PostgreSQL database, dropped afterwards."""
    require_postgres()
    name = f"doorstep_t_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/doorstep-test.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url
