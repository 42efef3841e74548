"""A ``doorstep worker`` killed again and again while it sends loses no notification.

250 orders call for 500 messages (a confirmation e-mail to a real SMTP server and a signed
webhook to a real HTTP server, both on loopback).  The worker is SIGKILLed up to 12 times
at random moments and started again.  In the end every planned message arrived, nothing
arrived that was not planned, and any message that arrived twice kept its Message-ID /
delivery id — at most one per kill: the one whose send the kill interrupted between the
server's acceptance and the commit.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.notify_tables import notifications
from doorstep.devtools import tracking_scenarios as scenarios
from doorstep.devtools.server import WorkerProcess
from doorstep.devtools.sinks import HttpSink, SmtpSink
from doorstep.schemas.orders import OrderIn
from doorstep.services.intake import IntakeRequest, accept_orders

pytestmark = pytest.mark.slow
ORDERS = 250
MAX_KILLS = 12


def _order(i: int) -> OrderIn:
    return OrderIn.model_validate({
        "external_id": f"K{i:05d}", "channel": "shop",
        "customer": {"name": f"Kunde {i}", "email": f"kunde{i}@example.org"},
        "shipping_address": {"name": f"Kunde {i}", "line1": "Hauptstr. 1", "postcode": "10115",
                             "city": "Berlin", "country": "DE"},
        "lines": [{"sku": "MUG", "quantity": 1, "unit_price": "9.90"}]})


def _unsent(engine: Engine) -> int:
    """Messages not yet sent, counting those not even planned yet (two per order)."""
    with engine.connect() as conn:
        sent = conn.execute(select(func.count()).select_from(notifications)
                            .where(notifications.c.status == "sent")).scalar() or 0
    return 2 * ORDERS - int(sent)


def test_repeated_sigkills_lose_no_message_and_duplicates_keep_their_id(
        migrated_url: str, db: Callable[[str], Engine], tmp_path: Path) -> None:
    engine = db(migrated_url)
    scenarios.stock_up(engine)
    with SmtpSink() as smtp, HttpSink() as hooks:
        config = tmp_path / "notify.toml"
        config.write_text(f'[shops.shop]\nsender = "Shop <orders@shop.example>"\n'
                          f'webhook_url = "{hooks.url}/hooks"\nwebhook_secret = "k"\n',
                          encoding="utf-8")
        env = {"DOORSTEP_SMTP_HOST": "127.0.0.1", "DOORSTEP_SMTP_PORT": str(smtp.port),
               "DOORSTEP_NOTIFY_CONFIG": str(config), "DOORSTEP_NOTIFY_LEASE_S": "1",
               "DOORSTEP_NOTIFY_BACKOFF_S": "0.2", "DOORSTEP_PROMISE_MODEL_PATH": "",
               "DOORSTEP_WORKER_POLL_INTERVAL_S": "0.05",
               # small outbox batches, so a batch commits between kills on PostgreSQL too
               "DOORSTEP_WORKER_BATCH_SIZE": "10"}
        accept_orders(engine, [IntakeRequest.of(_order(i), f"kill-{i}", None)
                               for i in range(ORDERS)])
        worker = WorkerProcess(migrated_url, log_dir=tmp_path / "logs", env=env)
        kills = 0
        pauses = random.Random(11)
        try:
            for _ in range(MAX_KILLS):
                before = _unsent(engine)
                if before == 0:
                    break
                worker.start()
                # kill while it sends: once it has made progress, at a random moment after
                started = time.monotonic()
                while _unsent(engine) == before and time.monotonic() - started < 60:
                    time.sleep(0.02)
                time.sleep(pauses.uniform(0.0, 0.3))
                if _unsent(engine) == 0:
                    break
                worker.kill()
                kills += 1
            if not worker.running:
                worker.start()  # a last, undisturbed run finishes what is left
            deadline = time.monotonic() + 120
            while _unsent(engine) and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            worker.stop()
        with engine.connect() as conn:
            planned = conn.execute(select(notifications.c.channel, notifications.c.message_id,
                                          notifications.c.status)).all()
        received = Counter(smtp.message_ids()) + Counter(
            r.headers["doorstep-delivery"] for r in hooks.requests)

    assert kills >= 3, "the worker was never killed while sending: the test proves nothing"
    assert len(planned) == 2 * ORDERS
    assert {row.status for row in planned} == {"sent"}
    ids = {row.message_id for row in planned}
    assert set(received) == ids                   # every planned message arrived, no stranger
    duplicates = {i: n for i, n in received.items() if n > 1}
    assert sum(n - 1 for n in duplicates.values()) <= kills
    print(f"\n{len(ids)} messages, {kills} SIGKILLs, {len(duplicates)} re-sent with their id")
