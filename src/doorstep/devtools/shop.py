"""Driving a running doorstep over HTTP the way a shop and a warehouse would.

Setting up a warehouse with stock, placing orders with idempotency keys, and reading what
the database holds afterwards — the building blocks of the end-to-end tests::

    with httpx.Client(base_url=server.base_url) as api:
        stock_sku(api, "LAST-10", 10)
        response = place_order(api, "key-1", order_body("A-1", [("LAST-10", 1)]))
        wait_for(lambda: outbox_pending(engine) == 0, what="the worker to drain the outbox")
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.tables import outbox

__all__ = [
    "DEFAULT_LOCATION",
    "DEFAULT_WAREHOUSE",
    "outbox_pending",
    "place_order",
    "stock_levels",
    "stock_sku",
    "wait_for",
]

DEFAULT_WAREHOUSE = "BER"
DEFAULT_LOCATION = "A-01-001-1-1"
# GTIN-13 with a valid check digit; products differ by SKU, which is all the tests need.
_GTIN = "4006381333931"


def _ok(response: httpx.Response, *statuses: int) -> httpx.Response:
    if response.status_code not in statuses:
        raise AssertionError(f"{response.request.method} {response.request.url} → "
                             f"{response.status_code}: {response.text}")
    return response


def stock_sku(api: httpx.Client, sku: str, quantity: int, *,
              warehouse: str = DEFAULT_WAREHOUSE, location: str = DEFAULT_LOCATION) -> None:
    """Create the warehouse, location and product if needed, then receive ``quantity``."""
    _ok(api.put(f"/v1/warehouses/{warehouse}",
                json={"name": "Berlin", "timezone": "Europe/Berlin", "locations": [location]}),
        200)
    _ok(api.put(f"/v1/products/{sku}",
                json={"gtin": _GTIN, "name": f"Product {sku}", "weight_g": 250,
                      "length_mm": 100, "width_mm": 80, "height_mm": 40}), 200, 201)
    if quantity > 0:
        receive(api, sku, quantity, location=location)


def receive(api: httpx.Client, sku: str, quantity: int, *,
            location: str = DEFAULT_LOCATION) -> dict[str, Any]:
    """Book a goods receipt; returns the stock levels afterwards."""
    body = {"sku": sku, "location": location, "quantity": quantity, "reason": "e2e receipt"}
    data: dict[str, Any] = _ok(api.post("/v1/stock/receipts", json=body), 201).json()
    return data


def stock_levels(api: httpx.Client, sku: str) -> dict[str, Any]:
    data: dict[str, Any] = _ok(api.get(f"/v1/stock/{sku}"), 200).json()
    return data


def place_order(api: httpx.Client, key: str, body: dict[str, Any]) -> httpx.Response:
    """``POST /v1/orders`` with ``key`` as the Idempotency-Key; the response, whatever it is."""
    return api.post("/v1/orders", json=body, headers={"Idempotency-Key": key})


def outbox_pending(engine: Engine) -> int:
    """Messages the worker has not handled yet."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(outbox)
                                .where(outbox.c.processed_at.is_(None))).scalar_one())


def wait_for(condition: Callable[[], bool], *, what: str, timeout: float = 120.0,
             interval: float = 0.05) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
