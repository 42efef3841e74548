"""``doorstep worker`` processes on PostgreSQL: they share the queue and do nothing twice.

The server runs without its embedded worker, so the orders placed over HTTP wait in the
outbox until the worker processes under test take them.  "Nothing twice" is read from what
the handlers leave behind: one ``processed_messages`` row per message, one allocation event
per order, and reservations that add up to the stock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select, text

from doorstep.adapters.db.tables import (
    order_events,
    orders,
    outbox,
    processed_messages,
    stock,
)
from doorstep.devtools.databases import with_application_name
from doorstep.devtools.payloads import order_body
from doorstep.devtools.server import ServerProcess, WorkerProcess
from doorstep.devtools.shop import outbox_pending, place_order, stock_sku, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SKU = "SHARED-1"


def place_orders(server: ServerProcess, count: int, units: int) -> list[str]:
    """Stock ``units`` of the SKU and place ``count`` one-unit orders; their ids."""
    with server.client(timeout=30) as api:
        stock_sku(api, SKU, units)

    def place(i: int) -> str:
        with server.client(timeout=30) as api:
            response = place_order(api, f"wk-{i:04d}", order_body(f"W-{i:04d}", [(SKU, 1)]))
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(place, range(count)))


def processed(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)
                                .where(outbox.c.processed_at.is_not(None))).scalar_one())


def assert_each_effect_once(engine: Engine, order_ids: list[str], units: int) -> None:
    """Every message handled once, every order allocated once, no unit reserved twice."""
    with engine.connect() as conn:
        messages = conn.execute(select(outbox.c.id, outbox.c.attempts, outbox.c.last_error,
                                       outbox.c.processed_at)).all()
        marks = Counter(conn.execute(select(processed_messages.c.message_id)).scalars())
        events = conn.execute(select(order_events.c.order_id)
                              .where(order_events.c.type.in_(["allocated", "backordered"]))
                              ).scalars().all()
        statuses = Counter(conn.execute(select(orders.c.status)).scalars())
        level = conn.execute(select(stock.c.on_hand, stock.c.reserved)
                             .where(stock.c.sku == SKU)).one()
    assert all(m.processed_at is not None for m in messages)
    assert [m.last_error for m in messages if m.last_error] == []
    assert {m.attempts for m in messages} == {1}, "a message was handled more than once"
    assert marks == Counter(m.id for m in messages)
    assert Counter(events) == Counter(order_ids)
    expected = {"allocated": units, "backordered": len(order_ids) - units}
    assert statuses == {k: v for k, v in expected.items() if v}
    assert (level.on_hand, level.reserved) == (units, units)


def test_three_workers_drain_one_queue_without_doing_anything_twice(
        migrated_postgres_url: str, start_server: Callable[..., ServerProcess],
        start_worker: Callable[..., WorkerProcess], db: Callable[[str], Engine]) -> None:
    """Three worker processes with small batches drain 151 messages; each effect happens
    exactly once and exactly the stocked units are reserved."""
    server = start_server(migrated_postgres_url, embedded_worker=False)
    engine = db(migrated_postgres_url)
    order_ids = place_orders(server, 150, units=50)
    assert processed(engine) == 0
    for _ in range(3):
        start_worker(migrated_postgres_url, batch_size=7)
    wait_for(lambda: outbox_pending(engine) == 0, what="three workers to drain the outbox")
    assert_each_effect_once(engine, order_ids, units=50)


def test_a_worker_skips_messages_another_one_holds_and_takes_the_rest(
        migrated_postgres_url: str, start_server: Callable[..., ServerProcess],
        start_worker: Callable[..., WorkerProcess], db: Callable[[str], Engine]) -> None:
    """While one transaction holds the oldest messages (a worker mid-batch), a worker process
    handles every other message instead of waiting, then takes the held ones once freed."""
    server = start_server(migrated_postgres_url, embedded_worker=False)
    engine = db(migrated_postgres_url)
    order_ids = place_orders(server, 30, units=30)
    with engine.connect() as holder:
        held = holder.execute(select(outbox.c.id).order_by(outbox.c.id).limit(5)
                              .with_for_update()).scalars().all()
        total = holder.execute(select(func.count()).select_from(outbox)).scalar_one()
        start_worker(migrated_postgres_url)
        wait_for(lambda: processed(engine) == total - len(held),
                 what="the worker to handle every message not held")
        with engine.connect() as conn:
            pending = conn.execute(select(outbox.c.id).where(outbox.c.processed_at.is_(None))
                                   .order_by(outbox.c.id)).scalars().all()
        assert pending == held
        holder.rollback()
    wait_for(lambda: outbox_pending(engine) == 0, what="the released messages to be handled")
    assert_each_effect_once(engine, order_ids, units=30)


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(
        migrated_postgres_url: str, start_server: Callable[..., ServerProcess],
        start_worker: Callable[..., WorkerProcess], db: Callable[[str], Engine]) -> None:
    """A worker SIGKILLed inside its batch transaction leaves no partial effect; the worker
    started after it handles every message exactly once."""
    server = start_server(migrated_postgres_url, embedded_worker=False)
    engine = db(migrated_postgres_url)
    order_ids = place_orders(server, 150, units=50)
    name = "doorstep-e2e-doomed-worker"
    doomed = start_worker(with_application_name(migrated_postgres_url, name), batch_size=1000)

    def writing() -> bool:
        with engine.connect() as conn:
            return bool(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = :name AND backend_xid IS NOT NULL"),
                {"name": name}).scalar_one())

    wait_for(lambda: writing() or processed(engine) > 0,
             what="the worker to start writing its batch", interval=0.005)
    assert doomed.kill() == -9
    assert processed(engine) == 0, "the batch committed before the kill; not mid-batch"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(processed_messages)
                            ).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(order_events).where(
            order_events.c.type.in_(["allocated", "backordered"]))).scalar_one() == 0
    start_worker(migrated_postgres_url)
    wait_for(lambda: outbox_pending(engine) == 0, what="the new worker to drain the outbox")
    assert_each_effect_once(engine, order_ids, units=50)
