"""End-to-end fixtures: real ``doorstep`` processes on a fresh database per test.

The databases come from ``tests/conftest.py`` (``sqlite_url`` in ``tmp_path``,
``postgres_url`` — a ``CREATE DATABASE`` per test, dropped afterwards — and ``database_url``,
parametrised over both) and so do ``migrated_url``, ``migrated_sqlite_url`` and
``migrated_postgres_url``: the same at the newest schema, copies of a template that
``doorstep db upgrade`` migrated once per session, as a user would.  Servers and workers
run as subprocesses from ``doorstep.devtools.server``; every process a test starts is
stopped when it ends, even when it fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from doorstep.bootstrap import make_engine, normalise_url
from doorstep.devtools.databases import DEFAULT_PG_ADMIN_URL
from doorstep.devtools.server import ServerProcess, WorkerProcess, free_port

PG_ADMIN_URL = os.environ.get("DOORSTEP_TEST_PG_URL", DEFAULT_PG_ADMIN_URL)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """The PostgreSQL server to create databases on; skip (fail under CI=true) if it is down."""
    engine = create_engine(normalise_url(PG_ADMIN_URL), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        message = (f"PostgreSQL at {PG_ADMIN_URL} is not reachable "
                   f"({type(exc).__name__}: {str(exc).splitlines()[0]})")
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; under CI=true the PostgreSQL tests must run")
        pytest.skip(f"{message}; start it or set DOORSTEP_TEST_PG_URL to run these tests")
    finally:
        engine.dispose()
    return PG_ADMIN_URL


@pytest.fixture
def port() -> int:
    """A loopback port nobody listens on."""
    return free_port()


@pytest.fixture
def db(request: pytest.FixtureRequest) -> Iterator[Callable[[str], Engine]]:
    """Open the test's database directly, to check what the processes left there."""
    engines: list[Engine] = []

    def open_engine(url: str) -> Engine:
        engine = make_engine(url, pool_size=2)
        engines.append(engine)
        return engine

    yield open_engine
    for engine in engines:
        engine.dispose()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start ``doorstep serve`` (returns once /healthz answers); stopped at teardown."""
    started: list[ServerProcess] = []

    def start(database_url: str, **options: Any) -> ServerProcess:
        server = ServerProcess(database_url, log_dir=tmp_path / "logs", **options)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start ``doorstep worker`` processes; stopped at teardown."""
    started: list[WorkerProcess] = []

    def start(database_url: str, **options: Any) -> WorkerProcess:
        worker = WorkerProcess(database_url, log_dir=tmp_path / "logs", **options)
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.stop()
