"""Order bodies for ``POST /v1/orders``, as a shop would send them.

One realistic shape (customer, address, priced lines) for every test and the benchmark, so
they exercise the validation a real checkout hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["order_body"]


def order_body(external_id: str, lines: Sequence[tuple[str, int]], *, channel: str = "e2e",
               priority: int = 0) -> dict[str, Any]:
    """A valid ``OrderIn`` body with one line per ``(sku, quantity)``."""
    return {
        "external_id": external_id,
        "channel": channel,
        "placed_at": "2026-11-23T10:15:00+01:00",
        "currency": "EUR",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.org"},
        "shipping_address": {"name": "Ada Lovelace", "line1": "Unter den Linden 1",
                             "postcode": "10117", "city": "Berlin", "country": "DE"},
        "lines": [{"sku": sku, "quantity": qty, "unit_price": "12.90", "name": f"Item {sku}"}
                  for sku, qty in lines],
        "shipping_price": "4.90",
        "priority": priority,
    }
