"""Object-level access: channels, per-key idempotency, actors from credentials, audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from order_builders import order
from sqlalchemy import Engine, select

from doorstep.adapters.db.identity_tables import audit_log
from doorstep.bootstrap import Container
from doorstep.devtools.credentials import bearer, issue_key
from doorstep.domain.access import Role
from doorstep.entrypoints.api.app import create_app
from doorstep.settings import Settings


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    container = Container(settings=Settings(database_url=str(stocked.url)), engine=stocked)
    with TestClient(create_app(container, embedded_worker=False)) as c:
        yield c


def body(external_id: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = order(external_id, ("PEN", 1)).model_dump(mode="json")
    data.pop("channel")
    return {**data, **extra}


def place(client: TestClient, token: str, key: str, data: dict[str, Any]) -> Any:
    return client.post("/v1/orders", json=data,
                       headers={**bearer(token), "Idempotency-Key": key})


def test_an_integration_key_places_orders_in_its_own_channel_only(
        stocked: Engine, client: TestClient) -> None:
    shop_a = issue_key(stocked, Role.INTEGRATION, channel="shop-a")
    placed = place(client, shop_a, "k1", body("A-1"))
    assert placed.status_code == 201 and placed.json()["channel"] == "shop-a"
    foreign = place(client, shop_a, "k2", body("A-2", channel="shop-b"))
    assert foreign.status_code == 403
    assert "channel" in foreign.json()["detail"]


def test_another_channels_order_is_not_found_for_reading_or_cancelling(
        stocked: Engine, client: TestClient) -> None:
    """404, exactly as for an id that does not exist: nothing is revealed."""
    shop_a = issue_key(stocked, Role.INTEGRATION, channel="shop-a")
    shop_b = issue_key(stocked, Role.INTEGRATION, channel="shop-b")
    order_id = place(client, shop_a, "k1", body("A-1")).json()["id"]
    assert client.get(f"/v1/orders/{order_id}", headers=bearer(shop_a)).status_code == 200
    theirs = client.get(f"/v1/orders/{order_id}", headers=bearer(shop_b))
    missing = client.get("/v1/orders/ord_NOPE", headers=bearer(shop_b))
    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert "Ada" not in theirs.text
    cancel = client.post(f"/v1/orders/{order_id}/cancel", json={}, headers=bearer(shop_b))
    assert cancel.status_code == 404
    assert client.get(f"/v1/orders/{order_id}", headers=bearer(shop_a)).json()["status"] \
        != "cancelled"


def test_idempotency_keys_belong_to_the_key_that_used_them(
        stocked: Engine, client: TestClient) -> None:
    """Two shops using the same Idempotency-Key get two orders; neither sees the other's."""
    shop_a = issue_key(stocked, Role.INTEGRATION, channel="shop-a")
    shop_b = issue_key(stocked, Role.INTEGRATION, channel="shop-b")
    first = place(client, shop_a, "same-key", body("A-1"))
    second = place(client, shop_b, "same-key", body("B-1"))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert "Idempotent-Replayed" not in second.headers
    replay = place(client, shop_a, "same-key", body("A-1"))
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]


def test_a_duplicate_never_names_an_order_of_another_channel(
        stocked: Engine, client: TestClient) -> None:
    """The same external id in two channels is two orders, not a 409 naming the other."""
    shop_a = issue_key(stocked, Role.INTEGRATION, channel="shop-a")
    shop_b = issue_key(stocked, Role.INTEGRATION, channel="shop-b")
    a = place(client, shop_a, "k-a", body("SAME-1")).json()["id"]
    b = place(client, shop_b, "k-b", body("SAME-1"))
    assert b.status_code == 201 and a not in b.text
    twin = place(client, shop_a, "k-a2", body("SAME-1"))
    assert twin.status_code == 409 and twin.json()["order_id"] == a


def test_the_timeline_shows_who_placed_the_order_but_not_the_idempotency_key(
        stocked: Engine, client: TestClient) -> None:
    shop_a = issue_key(stocked, Role.INTEGRATION, channel="shop-a", name="shop-a-live")
    order_id = place(client, shop_a, "secret-key-123", body("A-1")).json()["id"]
    view = client.get(f"/v1/orders/{order_id}", headers=bearer(shop_a))
    (received,) = view.json()["timeline"]
    assert received["actor"] == "key:shop-a-live"
    assert "secret-key-123" not in view.text


def test_the_actor_comes_from_the_credential_and_the_change_is_audited(
        stocked: Engine, client: TestClient) -> None:
    """A body claiming to be the CEO changes nothing about who is recorded."""
    ops = issue_key(stocked, Role.OPERATOR, name="ops-anna")
    order_id = place(client, ops, "k1", body("O-1")).json()["id"]
    cancelled = client.post(f"/v1/orders/{order_id}/cancel",
                            json={"reason": "customer asked", "actor": "ceo"},
                            headers={**bearer(ops), "X-Request-ID": "corr-7"})
    assert cancelled.status_code in (200, 422)  # 422 once bodies forbid unknown fields
    if cancelled.status_code == 422:
        cancelled = client.post(f"/v1/orders/{order_id}/cancel",
                                json={"reason": "customer asked"},
                                headers={**bearer(ops), "X-Request-ID": "corr-7"})
    actors = {e["actor"] for e in cancelled.json()["timeline"]}
    assert actors == {"key:ops-anna"}
    with stocked.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.object_id == order_id)
                            .order_by(audit_log.c.id)).all()
    assert [(r.action, r.actor) for r in rows] == [("order.create", "key:ops-anna"),
                                                   ("order.cancel", "key:ops-anna")]
    assert rows[1].correlation_id == "corr-7"
    assert rows[1].detail == {"reason": "customer asked"}


def test_stock_changes_are_recorded_with_the_credentials_actor(
        stocked: Engine, client: TestClient) -> None:
    floor = issue_key(stocked, Role.WAREHOUSE, name="gate-2")
    response = client.post("/v1/stock/receipts", headers=bearer(floor),
                           json={"sku": "PEN", "location": "P-01-001-1-1", "quantity": 4})
    assert response.status_code == 201
    with stocked.connect() as conn:
        (row,) = conn.execute(select(audit_log).where(audit_log.c.action == "stock.receive"))
    assert row.actor == "key:gate-2" and row.object_id == "PEN@P-01-001-1-1"


def test_only_an_operator_may_mark_an_order_delivered_by_hand(
        stocked: Engine, client: TestClient) -> None:
    floor = issue_key(stocked, Role.WAREHOUSE)
    ops = issue_key(stocked, Role.OPERATOR)
    order_id = place(client, ops, "k1", body("D-1")).json()["id"]
    refused = client.post(f"/v1/orders/{order_id}/deliver", headers=bearer(floor))
    assert refused.status_code == 403


@pytest.mark.parametrize("role", [Role.VIEWER, Role.WAREHOUSE, Role.INTEGRATION])
def test_quarantine_is_closed_to_everyone_but_operators(
        stocked: Engine, client: TestClient, role: Role) -> None:
    """Raw shop payloads hold personal data, and a release can complete an order."""
    token = issue_key(stocked, role)
    assert client.get("/v1/quarantine", headers=bearer(token)).status_code == 403
    assert client.get("/v1/quarantine/1", headers=bearer(token)).status_code == 403
    ops = issue_key(stocked, Role.OPERATOR)
    assert client.get("/v1/quarantine", headers=bearer(ops)).status_code == 200
