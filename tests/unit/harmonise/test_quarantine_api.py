"""The quarantine HTTP API: list, show, correct, release and reject with problem+json errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.quarantine_tables import QUARANTINE_TABLES
from doorstep.adapters.importers.order_mapping import load_order_mapper
from doorstep.bootstrap import Container, make_engine
from doorstep.devtools.credentials import memory_client
from doorstep.entrypoints.api.routers import quarantine
from doorstep.schemas.orders import OrderIn
from doorstep.services.order_import import (
    IntakeOutcome,
    IntakeResponse,
    OrderImporter,
    build_quarantine_store,
)
from doorstep.settings import Settings

SHOPS = Path(__file__).parents[2] / "fixtures" / "shops"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/api.db")
    engine = make_engine(settings.database_url)
    metadata.create_all(engine, tables=list(QUARANTINE_TABLES))
    accepted: list[str] = []

    def intake(order: OrderIn, key: str) -> IntakeResponse:
        accepted.append(key)
        return IntakeResponse(IntakeOutcome.accepted, "ord-1")

    app = FastAPI()
    app.include_router(quarantine.router)
    app.state.container = Container(settings, engine)
    app.state.order_intake = intake
    app.state.accepted = accepted
    store = build_quarantine_store(engine, intake)
    OrderImporter(load_order_mapper("woocommerce"), intake, store).import_document(
        (SHOPS / "woocommerce" / "order_727_retrieve.json").read_bytes())
    with memory_client(app) as test_client:
        yield test_client
    engine.dispose()


def test_held_records_are_listed_and_shown_with_payload_and_audit(client: TestClient) -> None:
    """GET lists the held WooCommerce order; GET by id adds payload and audit trail."""
    (item,) = client.get("/v1/quarantine").json()["items"]
    assert (item["source"], item["record_key"], item["status"]) == (
        "woocommerce", "woocommerce:727", "held")
    detail = client.get(f"/v1/quarantine/{item['id']}").json()
    assert json.loads(detail["payload"])["id"] == 727
    assert [a["action"] for a in detail["audit"]] == ["hold"]


def test_correct_and_release_hands_the_order_to_intake(client: TestClient) -> None:
    """PUT a corrected payload, POST release: the record is released and intake got it."""
    (item,) = client.get("/v1/quarantine").json()["items"]
    still_bad = client.post(f"/v1/quarantine/{item['id']}/release", json={})
    assert still_bad.status_code == 422
    assert still_bad.json()["reasons"][0]["code"] == "missing_field"
    fixed = json.loads(client.get(f"/v1/quarantine/{item['id']}").json()["payload"])
    fixed["line_items"][0]["sku"] = "WOO-SINGLE"
    put = client.put(f"/v1/quarantine/{item['id']}/payload",
                     json={"payload": json.dumps(fixed), "note": "sku"})
    assert put.status_code == 200
    released = client.post(f"/v1/quarantine/{item['id']}/release", json={})
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert client.app.state.accepted == ["woocommerce:727"]  # type: ignore[attr-defined]
    assert client.get("/v1/quarantine").json()["items"] == []


def test_reject_needs_a_note_and_is_final(client: TestClient) -> None:
    """Rejecting without a note is 422; after a rejection, release is a 409 conflict."""
    (item,) = client.get("/v1/quarantine").json()["items"]
    url = f"/v1/quarantine/{item['id']}"
    assert client.post(f"{url}/reject", json={}).status_code == 422
    assert client.post(f"{url}/reject", json={"note": "test"}).status_code == 200
    conflict = client.post(f"{url}/release", json={})
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert client.get("/v1/quarantine", params={"status": "rejected"}).json()["items"]


def test_unknown_ids_are_404_problems(client: TestClient) -> None:
    """A record that does not exist is a 404 problem+json."""
    response = client.get("/v1/quarantine/999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
