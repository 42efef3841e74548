"""Building canonical orders for integration tests."""

from __future__ import annotations

from doorstep.schemas.orders import OrderIn


def order(external_id: str, *lines: tuple[str, int]) -> OrderIn:
    return OrderIn.model_validate({
        "external_id": external_id,
        "customer": {"name": "Ada Lovelace"},
        "shipping_address": {"name": "Ada Lovelace", "line1": "Unter den Linden 1",
                             "postcode": "10117", "city": "Berlin", "country": "DE"},
        "lines": [{"sku": s, "quantity": q, "unit_price": "2.50"} for s, q in lines],
    })
