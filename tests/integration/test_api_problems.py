"""Catalogue and stock endpoints answer bad input with problem+json naming the field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from order_builders import api_client
from sqlalchemy import Engine


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    with api_client(stocked) as c:
        yield c


def test_a_product_with_a_bad_gtin_is_refused_naming_gtin(client: TestClient) -> None:
    """PUT /v1/products with a wrong check digit: 422 problem+json, field gtin."""
    r = client.put("/v1/products/NEW-1", json={"gtin": "4006381333932", "name": "x",
                                               "weight_g": 10, "length_mm": 1,
                                               "width_mm": 1, "height_mm": 1})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "gtin"


def test_a_product_is_created_then_updated(client: TestClient) -> None:
    """The first PUT creates (201), the second updates (200)."""
    body = {"gtin": "4006381333931", "name": "Pen", "weight_g": 10, "length_mm": 1,
            "width_mm": 1, "height_mm": 1}
    assert client.put("/v1/products/NEW-2", json=body).status_code == 201
    assert client.put("/v1/products/NEW-2", json={**body, "name": "Pen 2"}).status_code == 200
    assert client.get("/v1/products/NEW-2").json()["name"] == "Pen 2"


def test_receiving_into_an_unknown_location_is_a_404_naming_it(client: TestClient) -> None:
    """A receipt for a location that does not exist says which one."""
    r = client.post("/v1/stock/receipts", json={"sku": "PEN", "location": "P-09-009-9-9",
                                                "quantity": 1})
    assert r.status_code == 404 and "P-09-009-9-9" in r.json()["detail"]


def test_a_negative_receipt_is_refused_naming_quantity(client: TestClient) -> None:
    """quantity must be positive; the problem names the field."""
    r = client.post("/v1/stock/receipts", json={"sku": "PEN", "location": "P-01-001-1-1",
                                                "quantity": -3})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "quantity"


def test_removing_reserved_stock_is_a_conflict_with_what_is_available(client: TestClient) -> None:
    """An adjustment below reserved is 409 and says how much is available."""
    r = client.post("/v1/stock/adjustments", json={"sku": "PEN", "location": "P-01-001-1-1",
                                                   "delta": -9, "reason": "count"})
    assert r.status_code == 409 and r.json()["available"] == 5


def test_readiness_reports_schema_and_outbox_lag(client: TestClient) -> None:
    """/readyz says ready with the schema at head and a numeric outbox lag."""
    body = client.get("/readyz").json()
    assert body["status"] == "ready" and body["schema"]["up_to_date"] is True
    assert isinstance(body["outbox_lag_s"], float)


def test_the_openapi_document_lists_the_intake_endpoint(client: TestClient) -> None:
    """OpenAPI is served at /openapi.json and documents POST /v1/orders."""
    assert "post" in client.get("/openapi.json").json()["paths"]["/v1/orders"]
