"""Background WAL checkpoints for the long-running SQLite server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from doorstep.adapters.db.checkpoints import WalCheckpointer, disable_autocheckpoint
from doorstep.bootstrap import make_engine


def test_with_autocheckpoint_off_the_background_checkpointer_copies_the_whole_wal(
        tmp_path: Path) -> None:
    """After 2,000 small commits the WAL holds frames; one passive checkpoint copies them all."""
    engine = make_engine(f"sqlite:///{tmp_path}/wal.db")
    disable_autocheckpoint(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT)"))
    for n in range(2000):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": "p" * 200 + str(n)})
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    wal = Path(f"{tmp_path}/wal.db-wal")
    assert wal.stat().st_size > 1_000 * 4096  # SQLite alone would have checkpointed by now
    WalCheckpointer(engine).checkpoint()
    with engine.connect() as conn:
        busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert busy == 0 and frames == copied
    engine.dispose()
