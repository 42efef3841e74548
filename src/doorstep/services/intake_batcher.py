"""Group commit for the intake API: many concurrent orders, one transaction.

Request handlers hand their validated order to one writer thread and wait; the writer takes
everything that has queued up while it was busy (up to ``max_batch``) and stores it with
``accept_orders`` in one transaction, then answers each waiting request.  Under light load
a batch is one order and nothing waits; under a burst the per-order cost of a commit and of
SQL round trips falls with the batch size.  A 201 is only ever sent after the commit that
made the order durable — the same guarantee as one transaction per order.

The writer keeps one connection for its life instead of taking one from the pool per batch:
the pool's ``pre_ping`` (a ``SELECT 1`` round trip before every checkout, there to notice a
restarted database) would cost a round trip per batch.  The writer notices a dead
connection itself: a batch that fails with an outage is tried once more on a new connection
(from the pool, pinged).  Retrying is safe because intake is idempotent: if the first commit
did go through, the retry finds every key and answers with the stored orders.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass

from prometheus_client import Counter, Histogram
from sqlalchemy import Connection, Engine

from doorstep.services.intake import (
    DuplicateOrder,
    IdempotencyConflict,
    IntakeRequest,
    IntakeResult,
    Outcome,
    accept_orders,
)
from doorstep.services.unstorable import UnstorableOrder, is_outage

log = logging.getLogger("doorstep.intake")

INTAKE_ORDERS = Counter("doorstep_intake_orders_total",
                        "Orders answered by the intake API, by outcome", ["outcome"])
INTAKE_BATCH = Histogram("doorstep_intake_batch_size", "Orders stored per group commit",
                         buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256))


def _outcome_label(outcome: Outcome | BaseException) -> str:
    if isinstance(outcome, IntakeResult):
        return "replayed" if outcome.replayed else "accepted"
    if isinstance(outcome, IdempotencyConflict):
        return "key_conflict"
    if isinstance(outcome, DuplicateOrder):
        return "duplicate_order"
    if isinstance(outcome, UnstorableOrder):
        return "unstorable"
    return "error"


@dataclass(frozen=True)
class _Waiting:
    request: IntakeRequest
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[IntakeResult]


def _settle(future: asyncio.Future[IntakeResult], outcome: Outcome | BaseException) -> None:
    if future.done():  # the client went away; the order is stored all the same
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class IntakeBatcher:
    def __init__(self, engine: Engine, *, max_batch: int = 200) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._conn: Connection | None = None  # used by the writer thread only

    def start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="doorstep-intake",
                                                daemon=True)
                self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    async def submit(self, request: IntakeRequest) -> IntakeResult:
        """Store ``request`` with whatever else is queued; raises the order's DomainError."""
        self.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[IntakeResult] = loop.create_future()
        self._queue.put(_Waiting(request, loop, future))
        return await asyncio.shield(future)

    def _run(self) -> None:
        try:
            self._serve_queue()
        finally:
            self._drop_connection()

    def _serve_queue(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._store(batch)
            if stopping:
                return

    def _store(self, batch: list[_Waiting]) -> None:
        try:
            outcomes: list[Outcome | BaseException] = list(
                self._accept([w.request for w in batch]))
        except Exception as exc:  # an outage: every waiting request learns it
            log.exception("intake batch of %d failed", len(batch))
            outcomes = [exc] * len(batch)
        INTAKE_BATCH.observe(len(batch))
        for waiting, outcome in zip(batch, outcomes, strict=True):
            INTAKE_ORDERS.labels(_outcome_label(outcome)).inc()
            waiting.loop.call_soon_threadsafe(_settle, waiting.future, outcome)

    def _accept(self, requests: list[IntakeRequest]) -> list[Outcome]:
        try:
            return accept_orders(self._connection(), requests)
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("intake connection failed (%s); retrying the batch on a new one",
                        type(exc).__name__)
            self._drop_connection()
        return accept_orders(self._connection(), requests)

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._drop_connection()
            self._conn = self.engine.connect()
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # a broken connection may fail to close; it is gone either way
                log.debug("closing the intake connection failed", exc_info=True)
