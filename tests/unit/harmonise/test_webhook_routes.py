"""The shop and carrier webhook endpoints: signature gate, then intake or quarantine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from doorstep.adapters.quarantine_store import QuarantineStore
from doorstep.adapters.webhook_signatures import sign
from doorstep.bootstrap import Container, make_engine
from doorstep.entrypoints.api.routers import webhooks
from doorstep.schemas.orders import OrderIn
from doorstep.services.order_import import IntakeOutcome, IntakeResponse
from doorstep.settings import Settings

SHOPS = Path(__file__).parents[2] / "fixtures" / "shops"
SHOPIFY_SECRET = "shpss_test_secret"
WOO_SECRET = "woo-test-secret"
CARRIER_SECRET = "dss_carrier-test-secret"


class FakeIntake:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, order: OrderIn, key: str) -> IntakeResponse:
        if key in self.keys:
            return IntakeResponse(IntakeOutcome.duplicate, "ord-1")
        self.keys.append(key)
        return IntakeResponse(IntakeOutcome.accepted, "ord-1")


@pytest.fixture
def app(migrated_sqlite_url: str) -> Iterator[FastAPI]:
    settings = Settings(database_url=migrated_sqlite_url,
                        shopify_webhook_secret=SHOPIFY_SECRET,
                        woocommerce_webhook_secret=WOO_SECRET)
    engine = make_engine(settings.database_url)
    app = FastAPI()
    app.include_router(webhooks.router)
    app.state.container = Container(settings, engine)
    app.state.order_intake = FakeIntake()
    app.state.source_secrets = lambda source: (
        [CARRIER_SECRET] if source == "carrier:dhl-unified" else [])
    yield app
    engine.dispose()


def _held(app: FastAPI) -> list[Any]:
    return QuarantineStore(app.state.container.engine).list(status=None)


def _shopify(client: TestClient, body: bytes, signature: str | None) -> Any:
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/create"}
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature
    return client.post("/v1/webhooks/shop/shopify-webhook", content=body, headers=headers)


def test_a_well_signed_shopify_order_is_accepted_then_replayed(app: FastAPI) -> None:
    """201 with the order id the first time, 200 for the platform's retry."""
    body = (SHOPS / "shopify" / "order_webhook.json").read_bytes()
    with TestClient(app) as client:
        first = _shopify(client, body, sign(SHOPIFY_SECRET, body))
        again = _shopify(client, body, sign(SHOPIFY_SECRET, body))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["order_id"] == "ord-1"
    assert app.state.order_intake.keys == ["shopify:450789469"]


@pytest.mark.parametrize("signature", [None, "", sign("wrong-secret", b"{}")])
def test_a_bad_signature_is_401_problem_and_nothing_is_stored(
    app: FastAPI, signature: str | None
) -> None:
    """Missing or wrong signatures are refused with problem+json; no order, no quarantine."""
    body = (SHOPS / "shopify" / "order_webhook.json").read_bytes()
    with TestClient(app) as client:
        response = _shopify(client, body, signature)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["reason_code"] == "signature_invalid"
    assert app.state.order_intake.keys == [] and _held(app) == []


def test_the_signature_covers_the_raw_bytes_not_reparsed_json(app: FastAPI) -> None:
    """Re-serialising the JSON (other whitespace) invalidates a signature over the original."""
    body = (SHOPS / "shopify" / "order_webhook.json").read_bytes()
    compact = json.dumps(json.loads(body), separators=(",", ":")).encode()
    with TestClient(app) as client:
        response = _shopify(client, compact, sign(SHOPIFY_SECRET, body))
    assert response.status_code == 401


def test_a_signed_but_faulty_order_is_quarantined_with_202(app: FastAPI) -> None:
    """WooCommerce order 727 (a line without SKU) is held and answered 202 with its id."""
    body = (SHOPS / "woocommerce" / "order_727_retrieve.json").read_bytes()
    with TestClient(app) as client:
        response = client.post("/v1/webhooks/shop/woocommerce", content=body, headers={
            "Content-Type": "application/json", "X-WC-Webhook-Signature": sign(WOO_SECRET, body)})
    assert response.status_code == 202
    (held,) = _held(app)
    assert response.json()["quarantine_id"] == held.id
    assert response.json()["reasons"][0]["code"] == "missing_field"


def test_a_truncated_signed_body_is_quarantined_not_rejected(app: FastAPI) -> None:
    """A body cut off in transit but correctly signed is held as truncated_payload."""
    body = (SHOPS / "shopify" / "order_webhook.json").read_bytes()[:300]
    with TestClient(app) as client:
        response = _shopify(client, body, sign(SHOPIFY_SECRET, body))
    assert response.status_code == 202
    assert [r.reasons[0].code.value for r in _held(app)] == ["truncated_payload"]


def test_woocommerce_ping_on_webhook_creation_is_acknowledged(app: FastAPI) -> None:
    """The form-encoded webhook_id ping gets 200 and creates nothing."""
    body = b"webhook_id=17"
    with TestClient(app) as client:
        response = client.post("/v1/webhooks/shop/woocommerce", content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-WC-Webhook-Signature": sign(WOO_SECRET, body)})
    assert response.status_code == 200
    assert _held(app) == []


def test_unknown_profiles_and_paths_in_the_url_are_404(app: FastAPI) -> None:
    """Only built-in profile names are accepted — never a file path."""
    with TestClient(app) as client:
        assert client.post("/v1/webhooks/shop/nope", content=b"{}").status_code == 404
        assert client.post("/v1/webhooks/shop/..%2Fetc", content=b"{}").status_code == 404
        assert client.post("/v1/webhooks/carrier/nope", content=b"{}").status_code == 404


def test_other_shopify_topics_are_refused(app: FastAPI) -> None:
    """An orders/updated delivery to the create endpoint is a 422, not a new order."""
    body = (SHOPS / "shopify" / "order_webhook.json").read_bytes()
    with TestClient(app) as client:
        response = client.post("/v1/webhooks/shop/shopify-webhook", content=body, headers={
            "X-Shopify-Topic": "orders/updated",
            "X-Shopify-Hmac-Sha256": sign(SHOPIFY_SECRET, body)})
    assert response.status_code == 422
    assert app.state.order_intake.keys == []


def test_a_truncated_carrier_push_is_quarantined(app: FastAPI) -> None:
    """The carrier endpoint holds a cut-off payload and answers 202 with its id."""
    with TestClient(app) as client:
        body = b'{"shipments": [{"id": "00340434'
        response = client.post("/v1/webhooks/carrier/dhl-unified", content=body, headers={
            "Content-Type": "application/json",
            "X-Doorstep-Signature": sign(CARRIER_SECRET, body)})
    assert response.status_code == 202
    body = response.json()
    assert body["quarantined"] == 1 and len(body["quarantine_ids"]) == 1
    assert _held(app)[0].kind == "tracking"


def test_woocommerce_order_updates_are_refused_not_held_as_conflicts(app: FastAPI) -> None:
    """order.updated on the create endpoint is a 422, so updates do not pile up in quarantine."""
    body = (SHOPS / "woocommerce" / "order_727_retrieve.json").read_bytes()
    with TestClient(app) as client:
        response = client.post("/v1/webhooks/shop/woocommerce", content=body, headers={
            "X-WC-Webhook-Topic": "order.updated",
            "X-WC-Webhook-Signature": sign(WOO_SECRET, body)})
    assert response.status_code == 422
    assert _held(app) == []
