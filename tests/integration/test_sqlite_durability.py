"""SQLite is durable by default (synchronous=FULL) and its files are private (0600)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from doorstep.adapters.db.schema import upgrade
from doorstep.bootstrap import bootstrap, make_engine
from doorstep.settings import Settings, SettingsError, load_settings


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would leave new files world-readable, as on most systems."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_wal_and_shm_files_are_readable_by_the_owner_only(
        tmp_path: Path, open_umask: None) -> None:
    """Names and addresses live in the file: the database, its WAL and its shared-memory file
    are created 0600 even where the umask would allow 0644."""
    path = tmp_path / "private.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        with engine.connect() as conn:  # keeps the WAL and SHM files open while we look
            conn.execute(text("SELECT count(*) FROM orders"))
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        engine.dispose()


def test_an_existing_database_keeps_the_permissions_its_owner_gave_it(
        tmp_path: Path, open_umask: None) -> None:
    """doorstep creates private files; it does not change a file someone else set up."""
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert mode(path) == 0o640


def synchronous(settings: Settings) -> int:
    container = bootstrap(settings)
    try:
        with container.engine.connect() as conn:
            return int(conn.execute(text("PRAGMA synchronous")).scalar_one())
    finally:
        container.engine.dispose()


def test_sqlite_commits_are_synced_in_full_by_default_and_normal_on_request(
        tmp_path: Path) -> None:
    """Default: PRAGMA synchronous = 2 (FULL); DOORSTEP_SQLITE_SYNCHRONOUS=NORMAL gives 1."""
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    assert synchronous(Settings(database_url=url)) == 2
    chosen = load_settings({"DOORSTEP_SQLITE_SYNCHRONOUS": "normal",
                            "DOORSTEP_DATABASE_URL": url}, config_file=tmp_path / "none.toml")
    assert synchronous(chosen) == 1


def test_an_unknown_synchronous_level_is_refused_naming_the_setting(tmp_path: Path) -> None:
    """A typo must not silently run with another durability level."""
    with pytest.raises(SettingsError, match="sqlite_synchronous"):
        load_settings({"DOORSTEP_SQLITE_SYNCHRONOUS": "fast"},
                      config_file=tmp_path / "none.toml")
