"""The outbox worker: at-least-once delivery of messages written in the same commit as
the change that caused them, to handlers that are idempotent.

Each message is handled inside a savepoint of one batch transaction that also marks it done
and records ``(handler, message_id)`` in ``processed_messages``: a handler's database effects
and the "done" mark commit together, so killing a worker mid-batch loses nothing (the batch
rolls back and is taken again) and repeats nothing.  On PostgreSQL several workers share the
queue with ``FOR UPDATE SKIP LOCKED``; on SQLite the write lock serialises batches.  A failing
message is retried with exponential back-off and its error kept; it never blocks the rest.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from doorstep.adapters.db.tables import outbox, processed_messages
from doorstep.adapters.db.uow import is_postgres, transaction
from doorstep.services.allocation import allocate_backorders, allocate_order
from doorstep.services.events import Topic, utcnow

log = logging.getLogger("doorstep.worker")

Handler = Callable[[Connection, dict[str, Any]], None]
SQLITE_MAX_BATCH = 10


def _on_order_accepted(conn: Connection, payload: dict[str, Any]) -> None:
    allocate_order(conn, str(payload["order_id"]))


def _on_stock_available(conn: Connection, payload: dict[str, Any]) -> None:
    allocate_backorders(conn, [str(s) for s in payload["skus"]])


def _no_op(conn: Connection, payload: dict[str, Any]) -> None:
    """Topics published for outside subscribers (webhooks, e-mail) with no local effect yet."""


DEFAULT_HANDLERS: dict[str, Handler] = {
    Topic.ORDER_ACCEPTED: _on_order_accepted,
    Topic.STOCK_AVAILABLE: _on_stock_available,
    Topic.ORDER_CANCELLED: _no_op,
    Topic.ORDER_SHIPPED: _no_op,
    Topic.ORDER_TRACKING: _no_op,
}


def build_handlers(*, promise_model_path: str = "", origin_country: str = "DE",
                   capacity_plan_path: str = "") -> dict[str, Handler]:
    """The worker's handlers; with a fitted promise model, orders also get promises.

    The model file (and the staffing plan, ``capacity_plan_path``, whose shifts give the
    queue its capacity per day) is re-read when it changes, so ``doorstep promise fit`` or
    a new rota takes effect without restarting workers.  Each promise carries the online
    correction (``services.live_transit``: how the carriers move now, from parcels in
    flight, and the running level from recent promises' outcomes).
    """
    if not promise_model_path:
        return dict(DEFAULT_HANDLERS)
    from doorstep.services.live_transit import LiveCorrections
    from doorstep.services.order_promises import (
        ModelCache,
        PlanCache,
        backlog_reading,
        promise_order,
        revise_order_promise,
    )

    cache = ModelCache(promise_model_path)
    plans = PlanCache(capacity_plan_path) if capacity_plan_path else None
    corrections = LiveCorrections(origin_country=origin_country)

    def accepted(conn: Connection, payload: dict[str, Any]) -> None:
        _on_order_accepted(conn, payload)
        model = cache.get()
        if model is not None:
            now = utcnow()
            promise_order(conn, model, str(payload["order_id"]),
                          reading=backlog_reading(conn, model, now, staffing=(
                              plans.get() if plans is not None else None)),
                          origin_country=origin_country,
                          correction=corrections.get(conn, model, now))

    def moved(conn: Connection, payload: dict[str, Any]) -> None:
        model = cache.get()
        if model is not None:
            revise_order_promise(conn, model, str(payload["order_id"]),
                                 origin_country=origin_country)

    return {**DEFAULT_HANDLERS, Topic.ORDER_ACCEPTED: accepted, Topic.ORDER_SHIPPED: moved,
            Topic.ORDER_TRACKING: moved}


@dataclass(frozen=True)
class BatchResult:
    handled: int
    failed: int


def process_batch(
    engine: Engine, *, handlers: Mapping[str, Handler] | None = None, limit: int = 100
) -> BatchResult:
    """Handle up to ``limit`` due messages in id order; returns what happened."""
    table = dict(DEFAULT_HANDLERS if handlers is None else handlers)
    handled = failed = 0
    with transaction(engine, write=True) as conn:
        now = utcnow()
        query = (select(outbox.c.id, outbox.c.topic, outbox.c.payload, outbox.c.attempts)
                 .where(outbox.c.processed_at.is_(None), outbox.c.available_at <= now)
                 .order_by(outbox.c.id).limit(limit))
        if is_postgres(conn):
            query = query.with_for_update(skip_locked=True)
        for msg in conn.execute(query).all():
            handler = table.get(msg.topic)
            try:
                with conn.begin_nested():
                    if handler is None:
                        raise LookupError(f"no handler for topic {msg.topic!r}")
                    _handle_once(conn, msg.topic, int(msg.id), handler, msg.payload)
                    conn.execute(update(outbox).where(outbox.c.id == msg.id)
                                 .values(processed_at=utcnow(), attempts=msg.attempts + 1))
                handled += 1
            except Exception as exc:  # a bad message must not stop the queue
                failed += 1
                log.warning("outbox message %s (%s) failed: %s", msg.id, msg.topic, exc)
                delay = timedelta(seconds=min(2 ** msg.attempts, 300))
                conn.execute(update(outbox).where(outbox.c.id == msg.id).values(
                    attempts=msg.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000],
                    available_at=utcnow() + delay))
    return BatchResult(handled=handled, failed=failed)


def _handle_once(conn: Connection, topic: str, message_id: int, handler: Handler,
                 payload: dict[str, Any]) -> None:
    seen = conn.execute(select(processed_messages.c.message_id).where(
        processed_messages.c.handler == topic,
        processed_messages.c.message_id == message_id)).first()
    if seen is not None:
        return
    handler(conn, payload)
    conn.execute(insert(processed_messages).values(
        handler=topic, message_id=message_id, processed_at=utcnow()))


def outbox_lag_seconds(engine: Engine) -> float:
    """Age of the oldest unprocessed message (0 when the queue is empty)."""
    with engine.connect() as conn:
        oldest = conn.execute(select(func.min(outbox.c.created_at))
                              .where(outbox.c.processed_at.is_(None))).scalar()
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite's MIN() bypasses the column type: naive UTC text
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=UTC)
    return max(0.0, (utcnow() - oldest).total_seconds())


def run_worker(engine: Engine, *, stop: threading.Event, poll_interval: float = 0.2,
               batch_size: int = 100, handlers: Mapping[str, Handler] | None = None) -> None:
    """Loop until ``stop`` is set: handle batches back to back, sleep when idle.

    On SQLite a batch holds the one write lock, so batches stay small there: intake, which
    shares that lock, never waits behind a long run of allocations.
    """
    if engine.dialect.name == "sqlite":
        batch_size = min(batch_size, SQLITE_MAX_BATCH)
    while not stop.is_set():
        try:
            result = process_batch(engine, limit=batch_size, handlers=handlers)
        except Exception:  # database gone for a moment: log, wait, try again
            log.exception("outbox batch failed; retrying")
            stop.wait(1.0)
            continue
        if result.handled == 0 and result.failed == 0:
            stop.wait(poll_interval)
