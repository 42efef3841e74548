"""The order number a customer knows, beside the shop's order id that machines use.

A shop has two numbers for one order: its id (Shopify ``450789469``: ``external_id``, the
idempotency key, what the shop's API wants back) and the number it shows the customer
(Shopify ``name`` "#1001", WooCommerce ``number``: ``order_number``).  Customers and
operators see and type the second; when a shop sends none, the id is what they were shown.
"""

from __future__ import annotations


def shown_order_number(order_number: str | None, external_id: str) -> str:
    """The number to show: the shop's own, or its order id when it sent none."""
    return order_number or external_id


def order_number_forms(typed: str) -> list[str]:
    """What a typed order number may be stored as: "1001" and "#1001" are one number
    (Shopify shows the "#", customers often leave it out)."""
    bare = typed.strip().lstrip("#").strip()
    return sorted({typed.strip(), bare, f"#{bare}"} - {"", "#"})
