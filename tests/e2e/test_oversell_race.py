"""Fifty real clients race for the last ten units through the real API: nobody oversells.

Each client is a thread with its own HTTP connection, all released at once by a barrier, each
ordering one unit of a SKU with ten on hand.  The embedded worker (and on PostgreSQL two extra
``doorstep worker`` processes) allocates; a sampler reads the stock level throughout.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.tables import order_lines, orders, reservations, stock
from doorstep.devtools.payloads import order_body
from doorstep.devtools.server import ServerProcess, WorkerProcess
from doorstep.devtools.shop import (
    outbox_pending,
    place_order,
    receive,
    stock_levels,
    stock_sku,
    wait_for,
)

pytestmark = pytest.mark.slow

CLIENTS = 50
ON_HAND = 10
SKU = "LAST-10"


def race(server: ServerProcess, sku: str, clients: int) -> list[httpx.Response]:
    """``clients`` threads, released together, each placing a one-unit order."""
    barrier = threading.Barrier(clients)
    responses: list[httpx.Response | None] = [None] * clients

    def client(i: int) -> None:
        with server.client(timeout=60) as api:
            api.get("/healthz")  # connect before the start signal
            barrier.wait()
            responses[i] = place_order(api, f"race-{i:02d}",
                                       order_body(f"R-{i:02d}", [(sku, 1)], channel="race"))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in responses), "a client thread died"
    return [r for r in responses if r is not None]


class StockSampler(threading.Thread):
    """Reads the SKU's stock level over HTTP until stopped, keeping every reading."""

    def __init__(self, server: ServerProcess, sku: str) -> None:
        super().__init__(daemon=True)
        self.server, self.sku = server, sku
        self.readings: list[dict[str, Any]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        with self.server.client(timeout=30) as api:
            while not self.halt.is_set():
                self.readings.append(stock_levels(api, self.sku))
                self.halt.wait(0.01)


def settled(engine: Engine) -> Callable[[], bool]:
    """True once no message is pending and no race order is still just 'received'."""
    def check() -> bool:
        with engine.connect() as conn:
            waiting = conn.execute(select(func.count()).select_from(orders).where(
                orders.c.channel == "race", orders.c.status == "received")).scalar_one()
        return waiting == 0 and outbox_pending(engine) == 0
    return check


def statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(orders.c.id, orders.c.status)
                            .where(orders.c.channel == "race")).all()
    return {r.id: r.status for r in rows}


def assert_no_oversell(engine: Engine, sampler: StockSampler, on_hand: int) -> None:
    with engine.connect() as conn:
        row = conn.execute(select(stock.c.on_hand, stock.c.reserved)
                           .where(stock.c.sku == SKU)).one()
        held = conn.execute(select(func.coalesce(func.sum(reservations.c.quantity), 0))
                            .where(reservations.c.sku == SKU)).scalar_one()
        allocated = conn.execute(select(func.coalesce(func.sum(order_lines.c.allocated), 0))
                                 .where(order_lines.c.sku == SKU)).scalar_one()
    assert (row.on_hand, row.reserved) == (on_hand, on_hand)
    assert held == allocated == on_hand
    assert sampler.readings, "the sampler never read the stock level"
    for reading in sampler.readings:
        assert reading["on_hand"] == on_hand
        assert 0 <= reading["reserved"] <= reading["on_hand"]
        assert reading["available"] >= 0


def run_race(server: ServerProcess, engine: Engine) -> dict[str, str]:
    with server.client(timeout=30) as api:
        stock_sku(api, SKU, ON_HAND)
    sampler = StockSampler(server, SKU)
    sampler.start()
    try:
        responses = race(server, SKU, CLIENTS)
        assert [r.status_code for r in responses] == [201] * CLIENTS, \
            [r.text for r in responses if r.status_code != 201]
        assert len({r.json()["id"] for r in responses}) == CLIENTS
        wait_for(settled(engine), what="every race order to be allocated or backordered")
    finally:
        sampler.halt.set()
        sampler.join()
    assert_no_oversell(engine, sampler, ON_HAND)
    result = statuses(engine)
    assert Counter(result.values()) == {"allocated": ON_HAND, "backordered": CLIENTS - ON_HAND}
    return result


def first_accepted(engine: Engine, count: int) -> set[str]:
    with engine.connect() as conn:
        ids = conn.execute(select(orders.c.id).where(orders.c.channel == "race")
                           .order_by(orders.c.accepted_at, orders.c.id).limit(count)).scalars()
        return set(ids)


def test_fifty_clients_racing_for_ten_units_on_sqlite_reserve_exactly_ten(
        migrated_sqlite_url: str, start_server: Callable[..., ServerProcess],
        db: Callable[[str], Engine]) -> None:
    """On SQLite exactly ten orders get a unit — the first ten accepted — and forty wait."""
    server = start_server(migrated_sqlite_url)
    engine = db(migrated_sqlite_url)
    result = run_race(server, engine)
    allocated = {oid for oid, status in result.items() if status == "allocated"}
    assert allocated == first_accepted(engine, ON_HAND)


@pytest.mark.postgres
def test_fifty_clients_racing_for_ten_units_on_postgres_with_three_workers_reserve_exactly_ten(
        migrated_postgres_url: str, start_server: Callable[..., ServerProcess],
        start_worker: Callable[..., WorkerProcess], db: Callable[[str], Engine]) -> None:
    """On PostgreSQL, with the embedded worker and two worker processes competing, exactly
    ten units are reserved and the other forty orders wait as backorders."""
    server = start_server(migrated_postgres_url)
    workers = [start_worker(migrated_postgres_url, batch_size=5) for _ in range(2)]
    run_race(server, db(migrated_postgres_url))
    assert all(w.running for w in workers), "a worker process died during the race"


def test_backorders_fill_oldest_first_when_stock_arrives_and_cancelling_frees_units(
        migrated_url: str, start_server: Callable[..., ServerProcess],
        db: Callable[[str], Engine]) -> None:
    """Received stock goes to the oldest backorders automatically; a cancelled order's
    reservation goes to the next order in line."""
    server = start_server(migrated_url)
    engine = db(migrated_url)
    with server.client(timeout=30) as api:
        stock_sku(api, "SLOW", 1)
        ids = []
        for i in range(4):
            response = place_order(api, f"bo-{i}", order_body(f"BO-{i}", [("SLOW", 1)]))
            assert response.status_code == 201
            ids.append(response.json()["id"])
            # One at a time, so the acceptance order is the order of this list.
            wait_for(lambda oid=ids[-1]: api.get(f"/v1/orders/{oid}").json()["status"]
                     != "received", what=f"order {ids[-1]} to be allocated")

        def status_of(oid: str) -> str:
            return str(api.get(f"/v1/orders/{oid}").json()["status"])

        assert [status_of(o) for o in ids] == ["allocated"] + ["backordered"] * 3

        receive(api, "SLOW", 2)
        wait_for(lambda: outbox_pending(engine) == 0, what="the restock to be allocated")
        assert [status_of(o) for o in ids] == ["allocated"] * 3 + ["backordered"]

        cancelled = api.post(f"/v1/orders/{ids[1]}/cancel", json={"reason": "customer"})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        wait_for(lambda: outbox_pending(engine) == 0, what="the released unit to be allocated")
        assert [status_of(o) for o in ids] == ["allocated", "cancelled", "allocated",
                                               "allocated"]
        assert stock_levels(api, "SLOW") | {"locations": []} == {
            "sku": "SLOW", "on_hand": 3, "reserved": 3, "available": 0, "locations": []}
