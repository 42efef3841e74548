"""Harmonised intake end to end: a shop export through the CLI into the real intake, and a
carrier webhook onto the order's timeline (issue 5, point 6)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from order_builders import api_client, ship_new_order
from sqlalchemy import Engine, func, select, update
from typer.testing import CliRunner

from doorstep.adapters.db.tables import orders, shipments
from doorstep.adapters.db.uow import transaction
from doorstep.entrypoints.cli import app as cli
from doorstep.services import source_secrets
from doorstep.services.order_views import order_view

FIXTURES = Path(__file__).parents[1] / "fixtures"


def orders_of(engine: Engine, channel: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(orders)
                                .where(orders.c.channel == channel)).scalar() or 0)


def test_a_shopify_export_enters_through_the_same_intake_once(stocked: Engine) -> None:
    """import orders twice: one order in the book, the second run counts a duplicate."""
    url = stocked.url.render_as_string(hide_password=False)
    shopify = str(FIXTURES / "shops" / "shopify" / "order.json")
    runner = CliRunner()
    first = runner.invoke(cli, ["import", "orders", "--profile", "shopify", shopify, "--db", url])
    assert first.exit_code == 0, first.output
    again = runner.invoke(cli, ["import", "orders", "--profile", "shopify", shopify, "--db", url])
    assert again.exit_code == 0, again.output
    assert orders_of(stocked, "shopify") == 1
    assert "duplicate" in again.output.lower()


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    with api_client(stocked) as c:
        yield c


def test_a_gls_webhook_lands_on_the_timeline_of_the_order_it_belongs_to(
        stocked: Engine, client: TestClient) -> None:
    """The real GLS payload for parcel 36301917596 shows up as scans on that order."""
    oid = ship_new_order(stocked, "G1", ("MUG", 1), carrier="gls",
                         tracking_number="36301917596")
    with transaction(stocked, write=True) as conn:
        # the recorded payload is from October 2024: this parcel left then
        conn.execute(update(shipments).where(shipments.c.order_id == oid)
                     .values(shipped_at=datetime(2024, 10, 7, 6, 0, tzinfo=UTC)))
    with transaction(stocked, write=True) as conn:  # the URL doorstep gave GLS
        token = source_secrets.issue(conn, "carrier:gls", created_by="test")
    body = (FIXTURES / "carriers" / "gls" / "TrackingResponse.json").read_bytes()
    r = client.post(f"/v1/webhooks/carrier/gls?token={token}", content=body,
                    headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 2
    with stocked.connect() as conn:
        types = [e["type"] for e in order_view(conn, oid)["timeline"]]
    assert "tracking.picked_up" in types and "tracking.info_received" in types
    again = client.post(f"/v1/webhooks/carrier/gls?token={token}", content=body,
                        headers={"content-type": "application/json"})
    assert again.json()["duplicates"] == 2 and again.json()["accepted"] == 0
