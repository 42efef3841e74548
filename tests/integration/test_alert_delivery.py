"""Alert states without Prometheus, and sending firing ones to a webhook and a mailbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from order_builders import api_client, order
from sqlalchemy import Engine

from doorstep.devtools.server import free_port
from doorstep.services.alert_states import alert_states, send
from doorstep.services.intake import accept_order
from doorstep.settings import Settings


class Inbox:
    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content.decode())
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/alerts", received
    server.shutdown()


def test_a_stalled_outbox_fires_locally_and_reaches_webhook_and_mailbox(
        stocked: Engine, smtp: tuple[int, Inbox],
        webhook: tuple[str, list[dict[str, Any]]]) -> None:
    """No Prometheus configured: the lag is computed from the database (objective 0 s here,
    so the waiting order.accepted message is already too old); both channels get it."""
    accept_order(stocked, order("AL-1", ("PEN", 1)), "k-al-1")
    settings = Settings(database_url=str(stocked.url), slo_outbox_lag_s=0.0,
                        alert_webhook_url=webhook[0], alert_email="ops@example.org",
                        alert_smtp_port=smtp[0])
    states = alert_states(stocked, settings)
    by_name = {a["name"]: a for a in states["alerts"]}
    assert states["source"] == "local"
    assert by_name["DoorstepOutboxLag"]["state"] == "firing"
    assert by_name["DoorstepQuarantineInflow"]["state"] == "inactive"
    assert by_name["DoorstepPromiseKeptBelowTarget"]["state"] == "unknown"  # nothing delivered
    assert send(states, settings) == {"webhook": 1, "email": 1}
    assert [a["name"] for a in webhook[1][0]["firing"]] == ["DoorstepOutboxLag"]
    assert "DoorstepOutboxLag" in smtp[1].messages[0]
    assert "To: ops@example.org" in smtp[1].messages[0]


def test_nothing_is_sent_while_all_is_well(stocked: Engine,
                                           webhook: tuple[str, list[dict[str, Any]]]) -> None:
    settings = Settings(database_url=str(stocked.url), alert_webhook_url=webhook[0])
    assert send(alert_states(stocked, settings), settings) == {"webhook": 0, "email": 0}
    assert webhook[1] == []


def test_an_unreachable_prometheus_falls_back_to_local_states(stocked: Engine) -> None:
    with api_client(stocked, prometheus_url=f"http://127.0.0.1:{free_port()}") as client:
        body = client.get("/v1/ops/alerts").json()
    assert body["source"] == "local" and "Prometheus unreachable" in body["error"]
    assert {a["name"] for a in body["alerts"]} >= {"DoorstepOutboxLag", "DoorstepQuarantineInflow"}
