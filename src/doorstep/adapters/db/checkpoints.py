"""WAL checkpoints off the hot path for long-running SQLite processes.

By default SQLite checkpoints inside whichever commit pushes the WAL past 1,000 pages, so
every few seconds one unlucky intake batch also copies the WAL into the database file and
waits for the disk — that is where intake's tail latency came from.  ``serve`` turns the
automatic checkpoint off for its own connections and runs a PASSIVE checkpoint from a
background thread instead; PASSIVE never blocks writers, which go on appending to the WAL.
One-shot commands keep SQLite's default.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, event

log = logging.getLogger("doorstep.db")


def disable_autocheckpoint(engine: Engine) -> None:
    """New connections of ``engine`` leave checkpoints to ``WalCheckpointer``."""

    @event.listens_for(engine, "connect")
    def _no_autocheckpoint(dbapi_conn: object, _record: object) -> None:
        cur = dbapi_conn.cursor()  # type: ignore[attr-defined]  # DB-API connection
        cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.close()

    engine.dispose()  # connections opened before this point had the default


class WalCheckpointer:
    def __init__(self, engine: Engine, *, interval_s: float = 0.5) -> None:
        self.engine = engine
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="doorstep-checkpoint",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.checkpoint()  # leave a short WAL behind

    def checkpoint(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                conn.commit()
        except Exception:  # a checkpoint that fails is retried on the next tick
            log.exception("WAL checkpoint failed")

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.checkpoint()


__all__ = ["WalCheckpointer", "disable_autocheckpoint"]
