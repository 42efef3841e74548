"""The online correction for real orders: live transit shift and running level, from the database.

The checkout promise (``GET /v1/promise``) and the promise recorded when an order is
accepted both ask the fitted model, which learned the carriers as they were at the last
``doorstep promise fit``.  This reads how they are *now* (``domain.promise.live``,
``domain.promise.online``):

* the **shift** per carrier service from the parcels handed over in the last week: the
  ones delivered and the ones still in flight (right-censored — a parcel handed over three
  carrier days ago and not delivered took more than three days);
* the **level** per carrier service by adaptive conformal inference over the outcomes of
  the promises doorstep recorded (revision 0) for the orders of the last weeks: a promise
  whose day is over without a delivery is a miss at once, a delivery on or before it a hit.

Both are computed from what was known at the start of the day — or, once the carriers'
delivery rounds are over (``LiveConfig.rounds_end``), at their end — (the shift) or at the
moment asked (the level), cached for a few minutes: a checkout request stays a lookup.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from doorstep.adapters.db.tables import order_events
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.live import TransitCorrection, known_from, live_shifts
from doorstep.domain.promise.model import PromiseModel
from doorstep.domain.promise.online import AciConfig, OnlineLevel, kept_eventually, known_at
from doorstep.services.promise_service import history_from_database

OUTCOME_DAYS = 28  # promises of orders accepted this many days back feed the level
REFRESH = timedelta(minutes=5)


def _promised_dates(conn: Connection, since: datetime) -> dict[str, date]:
    """Order id → the promised date recorded when it was accepted (revision 0)."""
    rows = conn.execute(select(order_events.c.order_id, order_events.c.data).where(
        order_events.c.type == "promise", order_events.c.at >= since)).all()
    out: dict[str, date] = {}
    for r in rows:
        data: dict[str, Any] = dict(r.data or {})
        text = data.get("promised_date")
        if isinstance(text, str):
            out[str(r.order_id)] = date.fromisoformat(text)
    return out


def reporting_rows(rows: list[HistoryRow], at: datetime) -> list[HistoryRow]:
    """The rows of the carrier services that are reporting deliveries.

    A carrier service none of whose parcels of the last weeks has a delivery on record by
    ``at`` is not sending tracking data (or none yet — a new carrier, a feed not wired up,
    scans imported later in a batch): its parcels in flight say nothing about its speed,
    and counting them as slow would widen every promise for it.  In a real slow-down the
    parcels handed over before it keep being delivered, so the service stays in."""
    reporting = {(r.carrier, r.service) for r in rows
                 if r.delivered_at is not None and r.delivered_at <= at}
    return [r for r in rows if (r.carrier, r.service) in reporting]


def running_levels(model: PromiseModel, rows: list[HistoryRow], promised: dict[str, date],
                   at: datetime, config: AciConfig) -> dict[str, float]:
    """The ACI level per carrier service after every outcome known by ``at``, in the order
    they became known (deterministic: the same rows give the same levels)."""
    tz = ZoneInfo(model.config.timezone)
    levels = OnlineLevel(model.config.level, config)
    outcomes = []
    for row in rows:
        day = promised.get(row.order_id)
        if day is None:
            continue
        seen = known_at(row, day, tz)
        if seen <= at:
            outcomes.append((seen, row.order_id, levels.key(row.carrier, row.service),
                             not kept_eventually(row, day, tz)))
    for _, _, key, missed in sorted(outcomes):
        levels.observe(key, missed)
    return {key: levels.current(key) for key in levels.alpha}


def correction_now(conn: Connection, model: PromiseModel, at: datetime,
                   config: AciConfig | None = None, *,
                   origin_country: str = "") -> TransitCorrection:
    """Shift and level per carrier service as the order book shows them at ``at``.

    ``origin_country`` is the one the promises are asked with (the order book does not
    store it), so each parcel is measured against the lane its promise would use."""
    cfg = config or AciConfig()
    since = at - timedelta(days=OUTCOME_DAYS)
    rows, _ = history_from_database(conn, origin_country=origin_country,
                                    accepted_since=since)
    rows = reporting_rows([r for r in rows if r.ordered_at <= at], at)
    today, rounds_over = known_from(at, ZoneInfo(model.config.timezone), cfg.live)
    shifts = {key: est.shift for key, est in
              live_shifts(model, rows, today, cfg.live, rounds_over=rounds_over).items()}
    levels = running_levels(model, rows, _promised_dates(conn, since), at, cfg)
    return TransitCorrection(shifts=shifts, levels=levels)


class LiveCorrections:
    """``correction_now`` cached per model and five minutes (for the API and the worker).

    When the five minutes are up, one caller computes the new correction (seconds on a
    large order book) while the others keep getting the previous one for the same model:
    a checkout request never queues behind the read, and concurrent requests at the turn
    of the bucket do not each read the order book."""

    def __init__(self, config: AciConfig | None = None, *, origin_country: str = "") -> None:
        self.config = config or AciConfig()
        self.origin_country = origin_country
        self._lock = threading.Lock()
        self._cached: dict[tuple[datetime, int, datetime], TransitCorrection] = {}
        self._latest: dict[tuple[datetime, int], TransitCorrection] = {}
        self._computing: set[tuple[datetime, int]] = set()

    @staticmethod
    def _keys(model: PromiseModel, at: datetime) -> tuple[tuple[datetime, int],
                                                          tuple[datetime, int, datetime]]:
        bucket = datetime.fromtimestamp(at.timestamp() // REFRESH.total_seconds()
                                        * REFRESH.total_seconds(), tz=at.tzinfo)
        fitted = (model.fitted_at, model.training_rows)
        return fitted, (*fitted, bucket)

    def peek(self, model: PromiseModel, at: datetime) -> TransitCorrection | None:
        """What ``get`` would answer without reading the order book, or None."""
        fitted, key = self._keys(model, at)
        with self._lock:
            hit = self._cached.get(key)
            if hit is None and fitted in self._computing:
                hit = self._latest.get(fitted)
            return hit

    def get(self, conn: Connection, model: PromiseModel, at: datetime) -> TransitCorrection:
        fitted, key = self._keys(model, at)
        with self._lock:
            hit = self._cached.get(key)
            if hit is not None:
                return hit
            stale = self._latest.get(fitted)
            if stale is not None and fitted in self._computing:
                return stale
            self._computing.add(fitted)
        try:
            made = correction_now(conn, model, at, self.config,
                                  origin_country=self.origin_country)
        finally:
            with self._lock:
                self._computing.discard(fitted)
        with self._lock:
            if len(self._cached) > 16:
                self._cached.clear()
            self._cached[key] = made
            self._latest[fitted] = made
            if len(self._latest) > 4:  # older models are no longer asked for
                self._latest = {fitted: made}
        return made


class LiveCorrectionSource:
    """For the checkout route: the correction from the database behind ``engine``."""

    def __init__(self, engine: Engine, corrections: LiveCorrections | None = None) -> None:
        self.engine = engine
        self.corrections = corrections or LiveCorrections()

    def correction(self, model: PromiseModel, at: datetime) -> TransitCorrection:
        known = self.corrections.peek(model, at)  # no pool checkout while the cache answers
        if known is not None:
            return known
        with self.engine.connect() as conn:
            return self.corrections.get(conn, model, at)
