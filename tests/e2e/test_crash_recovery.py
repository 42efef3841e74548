"""SIGKILL the server while orders stream in: nothing acknowledged is lost or doubled.

Six clients send orders with unique Idempotency-Keys and retry each one (same key, same body)
until it is acknowledged, as a shop's checkout would.  When eighty orders have been
acknowledged the server process is killed with SIGKILL — no shutdown code runs — and started
again on the same database and port.  Afterwards every key maps to exactly one stored order,
retries replay the original, and the worker did each allocation once.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.tables import idempotency_keys, order_events, orders, stock
from doorstep.devtools.payloads import order_body
from doorstep.devtools.server import ServerProcess
from doorstep.devtools.shop import outbox_pending, place_order, stock_sku, wait_for

pytestmark = pytest.mark.slow

CLIENTS = 6
ORDERS_PER_CLIENT = 40
KILL_AFTER = 80
UNITS = 50
SKU = "CRASH-1"
GIVE_UP_AFTER_S = 180.0  # a client keeps retrying (same key, same body) at most this long


def key_of(client: int, n: int) -> str:
    return f"crash-{client}-{n:03d}"


def body_of(client: int, n: int) -> dict[str, object]:
    return order_body(f"C-{client}-{n:03d}", [(SKU, 1)], channel="crash")


class Shop:
    """The clients' shared ledger of what the server acknowledged."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acked: dict[str, str] = {}
        self.transport_errors = 0
        self.refusals: list[str] = []
        self.enough = threading.Event()

    def record(self, key: str, order_id: str) -> None:
        with self.lock:
            assert key not in self.acked, f"{key} acknowledged twice by the client loop"
            self.acked[key] = order_id
            if len(self.acked) >= KILL_AFTER:
                self.enough.set()

    def client(self, server: ServerProcess, client: int) -> None:
        deadline = time.monotonic() + GIVE_UP_AFTER_S
        with server.client(timeout=30) as api:
            for n in range(ORDERS_PER_CLIENT):
                while True:
                    if time.monotonic() > deadline:
                        with self.lock:
                            self.refusals.append(f"{key_of(client, n)}: never acknowledged")
                        return
                    try:
                        response = place_order(api, key_of(client, n), body_of(client, n))
                    except httpx.TransportError:
                        with self.lock:
                            self.transport_errors += 1
                        time.sleep(0.05)
                        continue
                    if response.status_code == 201:
                        self.record(key_of(client, n), response.json()["id"])
                        break
                    if response.status_code >= 500:  # e.g. database busy while restarting
                        time.sleep(0.05)
                        continue
                    with self.lock:
                        self.refusals.append(f"{key_of(client, n)}: {response.status_code} "
                                             f"{response.text}")
                    break


def kill_and_restart(server: ServerProcess, shop: Shop, log: dict[str, int]) -> None:
    shop.enough.wait(timeout=120)
    with shop.lock:
        log["acked_before_kill"] = len(shop.acked)
    log["exit_status"] = server.kill()
    server.start()  # same port, same database; returns once /healthz answers


def test_every_acknowledged_order_survives_a_sigkill_exactly_once(
        migrated_url: str, start_server: Callable[..., ServerProcess],
        db: Callable[[str], Engine]) -> None:
    """After a SIGKILL and restart mid-stream, each acknowledged order is stored exactly
    once, a retry with its key replays the original, and its allocation happened once."""
    server = start_server(migrated_url)
    engine = db(migrated_url)
    with server.client(timeout=30) as api:
        stock_sku(api, SKU, UNITS)
    shop = Shop()
    log: dict[str, int] = {}
    killer = threading.Thread(target=kill_and_restart, args=(server, shop, log))
    clients = [threading.Thread(target=shop.client, args=(server, c))
               for c in range(CLIENTS)]
    killer.start()
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    killer.join()

    total = CLIENTS * ORDERS_PER_CLIENT
    assert log["exit_status"] == -9, "the server was not killed by SIGKILL"
    assert KILL_AFTER <= log["acked_before_kill"] < total, "the kill did not happen mid-stream"
    assert shop.transport_errors > 0, "no client noticed the server going away"
    assert shop.refusals == []
    assert len(shop.acked) == total

    with engine.connect() as conn:
        stored = conn.execute(select(orders.c.id, orders.c.external_id)
                              .where(orders.c.channel == "crash")).all()
        scoped = dict(conn.execute(select(idempotency_keys.c.key, idempotency_keys.c.order_id)
                                   .where(idempotency_keys.c.key.like("%|crash-%"))).all())
    assert sorted(r.id for r in stored) == sorted(shop.acked.values())
    assert len({r.external_id for r in stored}) == total
    # keys are stored per credential ("<scope>|<key>"): one scope, the server's admin key
    assert {k.split("|", 1)[0] for k in scoped} == {next(iter(scoped)).split("|", 1)[0]}
    assert {k.split("|", 1)[1]: v for k, v in scoped.items()} == shop.acked

    with server.client(timeout=30) as api:
        for c in range(CLIENTS):
            for n in range(ORDERS_PER_CLIENT):
                again = place_order(api, key_of(c, n), body_of(c, n))
                assert again.status_code == 201
                assert again.headers["Idempotent-Replayed"] == "true"
                assert again.json()["id"] == shop.acked[key_of(c, n)]

    def all_allocated() -> bool:
        with engine.connect() as conn:
            received = conn.execute(select(func.count()).select_from(orders).where(
                orders.c.channel == "crash", orders.c.status == "received")).scalar_one()
        return received == 0 and outbox_pending(engine) == 0

    wait_for(all_allocated, what="the restarted worker to allocate every order")
    with engine.connect() as conn:
        events = conn.execute(select(order_events.c.order_id, order_events.c.type)
                              .where(order_events.c.order_id.in_(shop.acked.values()))).all()
        level = conn.execute(select(stock.c.on_hand, stock.c.reserved)
                             .where(stock.c.sku == SKU)).one()
    per_order = Counter(e.order_id for e in events if e.type in ("allocated", "backordered"))
    assert set(per_order) == set(shop.acked.values())
    assert set(per_order.values()) == {1}, "an allocation happened twice"
    assert Counter(e.order_id for e in events if e.type == "received") == Counter(
        shop.acked.values())
    assert (level.on_hand, level.reserved) == (UNITS, UNITS)
    assert Counter(e.type for e in events)["allocated"] == UNITS
