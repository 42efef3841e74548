"""Promise health: the share of delivered orders that arrived by their promised latest date.

Measured against the promise made at acceptance (revision 0, what the checkout told the
customer), not a later revision: a promise that had to be moved was not kept.  The
delivery moment is the carrier's delivery scan when there is one (it can reach doorstep
later than it happened), else the recorded delivery.  Dates are compared in the
warehouse's time zone, as the promise was made.

Read at every Prometheus scrape and cockpit refresh, so the figure is cached for
``TTL_S`` seconds per process.
"""

from __future__ import annotations

import threading
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, func, select

from doorstep.adapters.db.tables import order_events

TTL_S = 30.0
WINDOWS = (7, 28)
CHUNK = 900


@dataclass(frozen=True)
class PromiseHealth:
    days: int
    delivered: int
    kept: int

    @property
    def ratio(self) -> float | None:
        return self.kept / self.delivered if self.delivered else None


def promise_health(conn: Connection, now: datetime, days: int, tz: ZoneInfo) -> PromiseHealth:
    """Kept and delivered counts for orders delivered in the last ``days`` days."""
    delivered_at: dict[str, datetime] = {
        str(order_id): at for order_id, at in conn.execute(
            select(order_events.c.order_id, func.min(order_events.c.at))
            .where(order_events.c.type.in_(("delivered", "tracking.delivered")),
                   order_events.c.at >= now - timedelta(days=days), order_events.c.at <= now)
            .group_by(order_events.c.order_id))}
    ids = sorted(delivered_at)
    promised: dict[str, date] = {}
    for i in range(0, len(ids), CHUNK):
        for order_id, data in conn.execute(
                select(order_events.c.order_id, order_events.c.data)
                .where(order_events.c.order_id.in_(ids[i:i + CHUNK]),
                       order_events.c.type == "promise")):
            latest = (data or {}).get("latest_date")
            if latest:
                promised[order_id] = date.fromisoformat(latest)
    kept = sum(1 for order_id, latest in promised.items()
               if delivered_at[order_id].astimezone(tz).date() <= latest)
    return PromiseHealth(days=days, delivered=len(promised), kept=kept)


class PromiseHealthCache:
    """Per-process cache of both windows, refreshed at most every ``TTL_S`` seconds."""

    def __init__(self, engine: Engine, timezone: str) -> None:
        self.engine = engine
        self.tz = ZoneInfo(timezone)
        self._lock = threading.Lock()
        self._value: tuple[float, dict[int, PromiseHealth]] | None = None

    def get(self, now: datetime | None = None) -> dict[int, PromiseHealth]:
        with self._lock:
            value = self._value
        if value is not None and clock.monotonic() - value[0] < TTL_S:
            return value[1]
        from doorstep.services.events import utcnow

        moment = now or utcnow()
        with self.engine.connect() as conn:
            found = {d: promise_health(conn, moment, d, self.tz) for d in WINDOWS}
        with self._lock:
            self._value = (clock.monotonic(), found)
        return found
