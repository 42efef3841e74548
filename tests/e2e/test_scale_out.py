"""Several API processes and workers on one PostgreSQL database, as ``docs/deploy.md`` runs
them: every order is stored once, whichever process took it, and processed once.

The first test is the systemd layout (two ``serve`` processes on their own ports, two
``doorstep worker`` processes); the second is ``serve --workers 2`` (two processes behind
one port), one of which is killed mid-stream and replaced by its supervisor.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.tables import (
    idempotency_keys,
    order_events,
    orders,
    outbox,
    processed_messages,
    stock,
)
from doorstep.devtools.payloads import order_body
from doorstep.devtools.server import ServerProcess, WorkerProcess
from doorstep.devtools.shop import outbox_pending, place_order, stock_sku, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SKU = "SCALE-1"
UNITS = 60
ORDERS = 120


def key(n: int) -> str:
    return f"scale-{n:04d}"


def body(n: int) -> dict[str, object]:
    return order_body(f"S-{n:04d}", [(SKU, 1)], channel="scale")


def assert_processed_once(engine: Engine, acked: dict[str, str]) -> None:
    """Each acknowledged order stored once under its key, each message handled once, each
    order allocated or backordered once, and exactly the stocked units reserved."""
    with engine.connect() as conn:
        stored = conn.execute(select(orders.c.id, orders.c.status)
                              .where(orders.c.channel == "scale")).all()
        scoped = conn.execute(select(idempotency_keys.c.key, idempotency_keys.c.order_id)
                              .where(idempotency_keys.c.key.like("%scale-%"))).all()
        attempts = conn.execute(select(outbox.c.attempts, outbox.c.last_error)).all()
        marks = Counter(conn.execute(select(processed_messages.c.message_id)).scalars())
        steps = Counter(conn.execute(select(order_events.c.order_id).where(
            order_events.c.type.in_(["allocated", "backordered"]))).scalars())
        level = conn.execute(select(stock.c.on_hand, stock.c.reserved)
                             .where(stock.c.sku == SKU)).one()
    assert sorted(r.id for r in stored) == sorted(acked.values())
    # stored as "<credential scope>|<client key>": one credential, so one row per client key
    assert len(scoped) == len(acked)
    assert {stored.rsplit("|", 1)[-1]: order_id for stored, order_id in scoped} == acked
    assert {(a.attempts, a.last_error) for a in attempts} == {(1, None)}
    assert set(marks.values()) == {1}
    assert steps == Counter(acked.values())
    assert Counter(r.status for r in stored) == {"allocated": UNITS,
                                                 "backordered": ORDERS - UNITS}
    assert (level.on_hand, level.reserved) == (UNITS, UNITS)


def test_two_api_processes_and_two_workers_process_every_order_once(
        migrated_postgres_url: str, start_server: Callable[..., ServerProcess],
        start_worker: Callable[..., WorkerProcess], db: Callable[[str], Engine]) -> None:
    """Orders go to both API processes alternately; each retry goes to the *other* process
    and replays the original; a twin under a new key is refused there too.  Two worker
    processes drain the shared outbox: each order is allocated exactly once."""
    url = migrated_postgres_url
    servers = [start_server(url, embedded_worker=False) for _ in range(2)]
    for _ in range(2):
        start_worker(url)
    engine = db(url)
    # One shop, one credential: idempotency keys are scoped per credential, so the retry at
    # the other process must come with the same API key to be recognised as a retry.
    shop = servers[0].auth_headers
    with httpx.Client(base_url=servers[0].base_url, headers=shop, timeout=30) as api:
        stock_sku(api, SKU, UNITS)

    def place(n: int) -> tuple[str, str]:
        first, other = servers[n % 2], servers[(n + 1) % 2]
        with httpx.Client(base_url=first.base_url, headers=shop, timeout=30) as api:
            created = place_order(api, key(n), body(n))
        assert created.status_code == 201, created.text
        with httpx.Client(base_url=other.base_url, headers=shop, timeout=30) as api:
            again = place_order(api, key(n), body(n))
            twin = place_order(api, f"{key(n)}-new", body(n))
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == created.json()["id"]
        assert twin.status_code == 409, twin.text
        return key(n), str(created.json()["id"])

    with ThreadPoolExecutor(8) as pool:
        acked = dict(pool.map(place, range(ORDERS)))
    wait_for(lambda: outbox_pending(engine) == 0, what="two workers to drain the outbox")
    assert_processed_once(engine, acked)


def children(pid: int) -> list[int]:
    """The API processes the ``serve`` supervisor ``pid`` started (Linux; multiprocessing's
    resource tracker, also its child, is left out)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:  # ended while we looked
                continue
            if b"spawn_main" in command:
                found.append(int(child))
    return found


def test_serve_with_two_workers_shares_one_port_and_survives_losing_a_process(
        migrated_postgres_url: str, db: Callable[[str], Engine], tmp_path: Path) -> None:
    """``serve --workers 2``: two API processes answer on one port, each with its own group
    commit and its own embedded worker; one of them is SIGKILLed while orders stream in, the
    other keeps answering, the supervisor starts a replacement, and every order the clients
    were told about is stored once and processed once."""
    url = migrated_postgres_url
    engine = db(url)
    with ServerProcess(url, processes=2, log_dir=tmp_path) as server:
        wait_for(lambda: len(children(server.pid)) == 2, what="two API processes")
        with server.client(timeout=30) as api:
            stock_sku(api, SKU, UNITS)
        acked: dict[str, str] = {}
        lock = threading.Lock()
        half = threading.Event()

        def place(n: int) -> None:
            while True:  # a shop retries with the same key until it gets an answer
                try:
                    with server.client(timeout=30) as api:
                        response = place_order(api, key(n), body(n))
                except httpx.TransportError:
                    continue
                if response.status_code < 500:
                    break
            assert response.status_code == 201, response.text
            with lock:
                acked[key(n)] = str(response.json()["id"])
                if len(acked) == ORDERS // 2:
                    half.set()

        victim = children(server.pid)[0]
        with ThreadPoolExecutor(8) as pool:
            done = pool.map(place, range(ORDERS))
            half.wait(timeout=120)
            os.kill(victim, signal.SIGKILL)
            list(done)
        wait_for(lambda: len([p for p in children(server.pid) if p != victim]) == 2,
                 what="the supervisor to replace the killed process")
        wait_for(lambda: outbox_pending(engine) == 0, what="the embedded workers to drain")
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == ORDERS
    assert len(acked) == ORDERS
    assert_processed_once(engine, acked)
