"""Test-wide fixtures: PostgreSQL availability policy and fresh databases.

PostgreSQL tests skip with a clear message when no server answers — except under
``CI=true``, where a missing server is a failure, so CI can never pass by skipping them.

Every test gets a database of its own.  A test that asks for one of the fixtures named by
``migrated_fixtures`` (``engine``, ``migrated_url``, …) gets it at the newest schema: a copy
of a template that ``doorstep db upgrade`` migrated once per session (a file copy on SQLite,
``CREATE DATABASE … TEMPLATE`` on PostgreSQL) — the state migrating it in place would give,
without running Alembic's dozen revisions for each of some five hundred tests, which was the
largest single cost of the suite.  Tests that ask for none of them get an empty database.
"""

from __future__ import annotations

import functools
import os
import queue
import re
import shutil
import sqlite3
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, text

from doorstep.devtools.server import upgrade_database

# No timing assertions in tests: Hypothesis's per-example deadline (200 ms) and its
# "too slow" health check are both timings, and on a shared two-core machine a correct
# example sometimes takes longer (a date-format property failed so at load 9).
settings.register_profile("doorstep", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("doorstep")

PG_ADMIN_URL = os.environ.get(
    "DOORSTEP_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``pytest -n N --dist loadgroup`` (what ``./dev test`` runs): keep each module
    whose tests share a module-scoped fixture on one worker, so its server, its Chromium or
    its fitted model is built once and not once per worker that gets one of its tests;
    hand out every other test on its own, so the slow ones spread over the workers.

    Our own scheduler, because pytest-xdist 3.8's ``loadgroup`` passes its groups in the
    node ids, which pytest 9.2 no longer lets it change: the ``xdist_group`` marks are
    silently ignored (pytest-xdist issue 1386).  The groups come from the source: a module
    is kept together when it, or a ``conftest.py`` above it, defines a module-scoped
    fixture.  A module misjudged costs time, never correctness: each worker builds
    module-scoped fixtures for itself."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    root = config.rootpath

    class SharedModuleFixtures(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if _shares_module_fixtures(root, module) else nodeid

    return SharedModuleFixtures(config, log)


@functools.cache
def _shares_module_fixtures(root: Path, module: str) -> bool:
    path = root / module
    sources = [path, *(folder / "conftest.py" for folder in path.parents
                       if folder.is_relative_to(root))]
    return any(source.is_file() and MODULE_SCOPE.search(source.read_text(encoding="utf-8"))
               for source in sources)


MODULE_SCOPE = re.compile(r"""scope\s*=\s*["'](module|package|class)["']""")


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


def _pg_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


@pytest.fixture
def migrated_fixtures() -> frozenset[str]:
    """Fixtures that need the test's database at the newest schema: a test that asks for one
    of them gets its database copied from the migrated template.  A module whose own fixture
    needs that (and asks for ``sqlite_url``/``postgres_url``) overrides this to add it."""
    return frozenset({"engine", "migrated_url", "migrated_sqlite_url",
                      "migrated_postgres_url"})


def _wants_migrated_database(request: pytest.FixtureRequest) -> bool:
    names: frozenset[str] = request.getfixturevalue("migrated_fixtures")
    return not names.isdisjoint(request.fixturenames)


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """The name of a PostgreSQL database migrated by ``doorstep db upgrade``, to copy from.

    Connections to it are switched off once it is migrated: ``CREATE DATABASE … TEMPLATE``
    fails while anyone is connected to the template, and no test should write to it."""
    require_postgres()
    name = f"doorstep_tpl_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        upgrade_database(_pg_url(name))
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated by ``doorstep db upgrade``, its WAL folded in, to copy from."""
    path = tmp_path_factory.mktemp("sqlite-template") / "doorstep-template.db"
    upgrade_database(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


class DatabaseDropper:
    """Drops the test databases on a thread of its own, while the next tests run.

    ``DROP DATABASE`` waits for PostgreSQL to unlink and sync the files (about as long as a
    short test); nothing reads a finished test's database again, so no test has to wait for
    that.  ``close`` drops whatever is left and returns the drops that failed."""

    def __init__(self) -> None:
        self._names: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._failures: list[str] = []
        self._thread = threading.Thread(target=self._run, name="drop-test-databases",
                                        daemon=True)
        self._thread.start()

    def drop(self, name: str) -> None:
        self._names.put(name)

    def close(self) -> list[str]:
        self._names.put(None)
        self._thread.join()
        return self._failures

    def _run(self) -> None:
        admin = _admin()
        try:
            while (name := self._names.get()) is not None:
                try:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                except Exception as exc:
                    self._failures.append(f"{name}: {type(exc).__name__}: {exc}")
        finally:
            admin.dispose()


@pytest.fixture(scope="session")
def database_dropper() -> Iterator[DatabaseDropper]:
    dropper = DatabaseDropper()
    yield dropper
    failures = dropper.close()
    if failures:
        warnings.warn("test databases left behind: " + "; ".join(failures), stacklevel=1)


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest,
                 database_dropper: DatabaseDropper) -> Iterator[str]:
    """The URL of a brand-new PostgreSQL database, dropped afterwards (``WITH (FORCE)``, so
    sessions a killed process left behind do not keep it): empty, or a copy of the migrated
    template for a test that asks for a migrated database."""
    require_postgres()
    template = None
    if _wants_migrated_database(request):
        template = request.getfixturevalue("postgres_template")
    name = _create_database(template)
    try:
        yield _pg_url(name)
    finally:
        database_dropper.drop(name)


def _create_database(template: str | None) -> str:
    """A new database's name: empty, or a copy of ``template``."""
    name = f"doorstep_t_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    finally:
        admin.dispose()
    return name


@pytest.fixture(scope="session")
def new_migrated_postgres(postgres_template: str, database_dropper: DatabaseDropper
                          ) -> Callable[[], AbstractContextManager[str]]:
    """``with new_migrated_postgres() as url:`` a PostgreSQL database at the newest schema,
    copied from the template and dropped afterwards — for module-scoped fixtures, which
    cannot ask for the function-scoped ``migrated_postgres_url``."""

    @contextmanager
    def create() -> Iterator[str]:
        name = _create_database(postgres_template)
        try:
            yield _pg_url(name)
        finally:
            database_dropper.drop(name)

    return create


@pytest.fixture
def sqlite_url(tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A SQLite file in ``tmp_path``: not there yet, or a copy of the migrated template for a
    test that asks for a migrated database (``shutil.copy`` keeps its owner-only mode)."""
    path = tmp_path / "doorstep-test.db"
    if _wants_migrated_database(request):
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def migrated_url(database_url: str) -> str:
    """A fresh database (SQLite and PostgreSQL) after ``doorstep db upgrade``."""
    return database_url


@pytest.fixture
def migrated_sqlite_url(sqlite_url: str) -> str:
    """A fresh SQLite database in ``tmp_path`` after ``doorstep db upgrade``."""
    return sqlite_url


@pytest.fixture
def migrated_postgres_url(postgres_url: str) -> str:
    """A fresh PostgreSQL database after ``doorstep db upgrade``."""
    return postgres_url
