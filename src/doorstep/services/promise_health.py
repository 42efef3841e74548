"""Promise health: the share of delivered orders that arrived by their promised latest date.

Measured against the promise made at acceptance (revision 0, what the checkout told the
customer), not a later revision: a promise that had to be moved was not kept.  The
delivery moment is the carrier's delivery scan when there is one (it can reach doorstep
later than it happened), else the recorded delivery.  Dates are compared in the
warehouse's time zone, as the promise was made.

Read at every Prometheus scrape and cockpit refresh, so the figure is kept per process and
refreshed in the background every ``TTL_S`` seconds (``services.refreshing``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from doorstep.adapters.db.tables import order_events
from doorstep.services.refreshing import Refreshing

TTL_S = 30.0
WINDOWS = (7, 28)


@dataclass(frozen=True)
class PromiseHealth:
    days: int
    delivered: int
    kept: int

    @property
    def ratio(self) -> float | None:
        return self.kept / self.delivered if self.delivered else None


def promise_health(conn: Connection, now: datetime, days: int, tz: ZoneInfo) -> PromiseHealth:
    """Kept and delivered counts for orders delivered in the last ``days`` days.

    One read: the delivery events of the window (``ix_order_events_type_at``) joined to each
    order's revision-0 promise (``ix_order_events_order_id_id``), the promised date taken out
    of its JSON by the database.
    """
    delivered = order_events.alias("delivered")
    promise = order_events.alias("promise")
    first: dict[str, tuple[datetime, str]] = {}
    for order_id, at, latest in conn.execute(
            select(delivered.c.order_id, delivered.c.at,
                   promise.c.data["latest_date"].as_string())
            .join(promise, (promise.c.order_id == delivered.c.order_id)
                  & (promise.c.type == "promise"))
            .where(delivered.c.type.in_(("delivered", "tracking.delivered")),
                   delivered.c.at >= now - timedelta(days=days), delivered.c.at <= now)):
        if latest and (order_id not in first or at < first[order_id][0]):
            first[order_id] = (at, latest)
    kept = sum(1 for at, latest in first.values()
               if at.astimezone(tz).date() <= date.fromisoformat(latest))
    return PromiseHealth(days=days, delivered=len(first), kept=kept)


class PromiseHealthCache:
    """Both windows per process, refreshed in the background every ``TTL_S`` seconds."""

    def __init__(self, engine: Engine, timezone: str) -> None:
        self.engine = engine
        self.tz = ZoneInfo(timezone)
        self._cache = Refreshing(self._compute, max_age_s=TTL_S, name="promise-health")

    def _compute(self, now: datetime | None = None) -> dict[int, PromiseHealth]:
        from doorstep.services.events import utcnow

        moment = now or utcnow()
        with self.engine.connect() as conn:
            return {d: promise_health(conn, moment, d, self.tz) for d in WINDOWS}

    def get(self, now: datetime | None = None) -> dict[int, PromiseHealth]:
        """The cached figures; an explicit ``now`` (tests, back-dated views) computes afresh."""
        return self._compute(now) if now is not None else self._cache.get()
